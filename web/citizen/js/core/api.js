// The e-Service API and Cognito's JSON API, called with fetch; errors become ApiError with a {th, en} message.

import { both, has } from "./i18n.js";

let config = null;
let tokenProvider = () => null;
let unauthorizedHandler = () => {};

/** Read /config.json once (both sites): apiBase, cognitoEndpoint, the two user pools. */
export async function loadConfig() {
  if (config) return config;
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  config = await response.json();
  return config;
}

export function getConfig() {
  return config;
}

/** Where the bearer token comes from (the site's signed-in pool). */
export function useToken(provider) {
  tokenProvider = provider;
}

/** Called when the API answers 401: the token has expired or was refused. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** An API error: status, stable code, {th, en} message and per-field details. */
export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(typeof message === "string" ? message : message?.en || code);
    this.status = status;
    this.code = code;
    this.text = message;
    this.details = details;
  }
}

/** An ApiError built from one of the page's own dictionary texts. */
export function localError(code, key, status = 0) {
  return new ApiError(status, code, both(key));
}

/**
 * Call the API. body: an object (sent as JSON) or, with contentType, raw bytes.
 * Returns the parsed JSON (or null for an empty answer), or the raw text with text: true;
 * throws ApiError.
 */
export async function api(path, { method = "GET", body, contentType, auth = true, text: asText = false } = {}) {
  const headers = {};
  const token = auth ? tokenProvider() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    if (contentType) {
      headers["Content-Type"] = contentType;
      payload = body;
    } else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
  }
  let response;
  try {
    response = await fetch(config.apiBase + path, { method, headers, body: payload });
  } catch {
    throw localError("network", "error.network");
  }
  const text = await response.text();
  if (response.ok && asText) return text;
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return data;
  if (data && data.error) {
    const { code, message, details } = data.error;
    if (response.status === 401) unauthorizedHandler();
    throw new ApiError(response.status, code, message, details || []);
  }
  if (response.status === 401) {
    unauthorizedHandler();
    throw localError("auth.required", "error.unauthorized", 401);
  }
  if (response.status === 404 || response.status === 405) {
    // The gateway answers a route it does not know with 404/405 and no error body.
    throw localError("route.missing", "error.not_available", response.status);
  }
  throw localError("server", "error.generic", response.status);
}

/** A Cognito error: its type (e.g. NotAuthorizedException) and the message to show. */
export class CognitoError extends ApiError {}

/** Call Cognito's JSON API at config.cognitoEndpoint, e.g. cognito("InitiateAuth", {...}). */
export async function cognito(action, body) {
  let response;
  try {
    response = await fetch(config.cognitoEndpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw localError("network", "error.network");
  }
  const data = await response.json().catch(() => ({}));
  if (response.ok) return data;
  // Real Cognito may send "com.amazonaws...#NotAuthorizedException".
  const type = String(data.__type || data.code || "").split("#").pop();
  // A user pool trigger's refusal: "PreTokenGeneration failed with error auth.other_agency: ...". The stable code
  // the trigger puts first names the page's message for it (a cell's officer pool, issue 14).
  const refusal = type === "UserLambdaValidationException" ? triggerCode(data.message || data.Message) : null;
  if (refusal && has(refusal)) throw new CognitoError(response.status, refusal, both(refusal));
  const key = `auth.${type}`;
  throw new CognitoError(response.status, type, both(has(key) ? key : "auth.failed"));
}

/** The stable code (e.g. auth.other_agency) a Cognito trigger's refusal starts with, or null. */
export function triggerCode(message) {
  const found = /failed with error ([a-z]+\.[a-z_]+):/.exec(String(message || ""));
  return found ? found[1] : null;
}

/** Sign in with e-mail and password (USER_PASSWORD_AUTH); returns Cognito's AuthenticationResult. */
export async function signIn(clientId, email, password) {
  const answer = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!answer.AuthenticationResult?.IdToken) {
    throw new CognitoError(0, answer.ChallengeName || "challenge", both("auth.challenge"));
  }
  return answer.AuthenticationResult;
}
