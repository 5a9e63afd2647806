// Sign in with the agency's Digital ID providers (ThaID style OpenID Connect), federated by Cognito.
//
// The authorization-code grant with PKCE (RFC 7636) against the citizen pool's hosted-UI domain
// (config.citizen.oauthDomain): the site sends the browser to /oauth2/authorize with the provider
// to use, Cognito signs the citizen in there and sends the browser back to the site's root with a
// one-time code, which the site exchanges at /oauth2/token for the pool's tokens. The ID token is
// kept as the password sign-in keeps it (the site's session); the refresh token is not kept.

import { ApiError, getConfig, localError } from "./core/api.js";
import { h } from "./core/dom.js";
import { addMessages, both, L, t } from "./core/i18n.js";
import { alertBox } from "./core/ui.js";
import { agency, session } from "./state.js";

addMessages({
  "federation.signin": { th: "เข้าสู่ระบบด้วย {name}", en: "Sign in with {name}" },
  "federation.ial": {
    th: "ยืนยันตัวตนด้วยบัตรประชาชนดิจิทัล ({name}) ใช้ได้กับบริการที่ต้องยืนยันตัวตนระดับสูง",
    en: "Proves who you are with a digital ID ({name}); accepted by the services that need it",
  },
  "federation.leaving": { th: "กำลังไปยัง {name}…", en: "Going to {name}…" },
  "federation.busy": { th: "กำลังเข้าสู่ระบบด้วย {name}…", en: "Signing in with {name}…" },
  "federation.or": { th: "หรือใช้อีเมลและรหัสผ่าน", en: "Or use your e-mail and password" },
  "federation.failed": {
    th: "เข้าสู่ระบบด้วย {name} ไม่สำเร็จ",
    en: "Sign-in with {name} failed.",
  },
  "federation.cancelled": {
    th: "เข้าสู่ระบบด้วย {name} ไม่สำเร็จ: ท่านยกเลิกหรือไม่อนุญาตให้ส่งข้อมูล",
    en: "Sign-in with {name} failed: it was cancelled or not allowed.",
  },
  "federation.invalid_grant": {
    th: "เข้าสู่ระบบด้วย {name} ไม่สำเร็จ เนื่องจากรหัสเข้าสู่ระบบหมดอายุหรือถูกใช้ไปแล้ว กรุณากดปุ่มเข้าสู่ระบบอีกครั้ง",
    en: "Sign-in with {name} failed because the sign-in code expired or was already used. Please press the button to try again.",
  },
  "federation.state": {
    th: "ยืนยันการเข้าสู่ระบบนี้ไม่ได้ (อาจหมดอายุหรือมาจากลิงก์อื่น) กรุณาเริ่มเข้าสู่ระบบใหม่อีกครั้ง",
    en: "This sign-in could not be verified (it may have expired or come from another link). Please start again.",
  },
  "federation.unsupported": {
    th: "เบราว์เซอร์นี้ไม่รองรับการเข้าสู่ระบบแบบปลอดภัย กรุณาใช้เบราว์เซอร์รุ่นใหม่",
    en: "This browser cannot sign in securely. Please use an up-to-date browser.",
  },
  "federation.detail": { th: "รายละเอียด", en: "Details" },
  "federation.provider": { th: "ผู้ให้บริการยืนยันตัวตน", en: "the identity provider" },
});

const PENDING_KEY = "eservice.citizen.oauth"; // {verifier, state, returnTo, redirectUri, provider, name}
const FEDERATED_KEY = "eservice.citizen.federatedSub"; // the signed-in citizen came through a provider

let problem = null; // what the sign-in page shows after a failed return: {error, detail}
let problemShown = false;

// --- storage ------------------------------------------------------------------------------------------
function readJson(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}

function forget(key) {
  try {
    sessionStorage.removeItem(key);
  } catch {
    // No storage: nothing was kept.
  }
}

// --- helpers -------------------------------------------------------------------------------------------
function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomToken(size = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

async function s256(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function hostedUi() {
  const citizen = getConfig()?.citizen || {};
  return { base: String(citizen.oauthDomain || "").replace(/\/+$/, ""), clientId: citizen.clientId };
}

/** Where Cognito sends the browser back: the site's root (the web client's callback URL). */
function redirectUri() {
  return `${location.origin}/`;
}

/** A route of this site ("#/..."), never an outside address. */
function siteHash(hash) {
  return typeof hash === "string" && hash.startsWith("#/") ? hash : null;
}

/** An error whose {th, en} message names the provider. */
function failure(code, key, status, name) {
  return new ApiError(status, code, both(key, { name }));
}

function providerName(name) {
  return name && (name.th || name.en) ? name : both("federation.provider");
}

// --- the sign-in page ------------------------------------------------------------------------------------
/** The agency's providers, when the site knows the hosted-UI domain to reach them. */
export function identityProviders() {
  if (!hostedUi().base) return [];
  const list = agency()?.identity_providers;
  return Array.isArray(list) ? list.filter((p) => p && typeof p.id === "string" && p.id) : [];
}

/** Leave for the provider's sign-in: PKCE verifier and state stay in this tab's sessionStorage. */
export async function startFederatedSignIn(provider, { reauthenticate = false } = {}) {
  if (!window.crypto?.subtle || !crypto.getRandomValues) throw localError("unsupported", "federation.unsupported");
  const { base, clientId } = hostedUi();
  const verifier = randomToken(32);
  const state = randomToken(32);
  const challenge = await s256(verifier);
  const pending = {
    verifier,
    state,
    returnTo: location.hash,
    redirectUri: redirectUri(),
    provider: provider.id,
    name: provider.name || null,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const query = [
    "response_type=code",
    `client_id=${encodeURIComponent(clientId)}`,
    `redirect_uri=${encodeURIComponent(pending.redirectUri)}`,
    `identity_provider=${encodeURIComponent(provider.id)}`,
    `scope=${encodeURIComponent("openid email profile")}`,
    `code_challenge=${challenge}`,
    "code_challenge_method=S256",
    `state=${state}`,
    // A fresh sign-in for a high-risk act: the provider asks for the password or ThaID again
    // instead of reusing its session (OIDC prompt=login); the API then checks the token's auth_time.
    reauthenticate ? "prompt=login" : null,
  ].filter(Boolean).join("&");
  location.assign(`${base}/oauth2/authorize?${query}`);
}

/** One button per provider, each with its identity assurance level in small text. */
export function providerButtons(onError, { reauthenticate = false } = {}) {
  const providers = identityProviders();
  if (!providers.length) return null;
  return h(
    "div",
    { class: "idp", id: "identity-providers" },
    h("ul", { class: "idp-list" }, providers.map((provider) => {
      const ialId = `idp-${provider.id}-ial`;
      const label = t("federation.signin", { name: provider.name });
      const button = h("button", {
        type: "button",
        class: "idp-button",
        "data-provider": provider.id,
        "aria-describedby": provider.ial ? ialId : null,
        dataset: { label },
        onclick: async () => {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
          button.textContent = t("federation.leaving", { name: provider.name });
          try {
            await startFederatedSignIn(provider, { reauthenticate });
          } catch (error) {
            button.disabled = false;
            button.removeAttribute("aria-busy");
            button.textContent = label;
            onError(error.text ? error : failure("federation.failed", "federation.failed", 0, provider.name));
          }
        },
      }, label);
      return h("li", {}, button,
        provider.ial ? h("span", { class: "idp-ial small muted", id: ialId }, t("federation.ial", { name: provider.name })) : null);
    })),
    h("p", { class: "idp-or" }, h("span", {}, t("federation.or"))),
  );
}

// Back from the provider's page with the browser's back button (page restored from the cache).
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  for (const button of document.querySelectorAll(".idp-button[aria-busy]")) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = button.dataset.label;
  }
});

/**
 * What went wrong on the way back from a provider, as an alert for the sign-in page (null if
 * nothing). Kept across a language switch; gone once the person navigates after seeing it.
 */
export function federationProblem(reason) {
  if (problem && problemShown && reason === "navigate") problem = null;
  if (!problem) return null;
  problemShown = true;
  const box = alertBox(problem.error);
  if (problem.detail) {
    box.append(h("p", { class: "small" }, `${t("federation.detail")}: `, h("span", { lang: "en" }, problem.detail)));
  }
  return box;
}

// --- the way back ----------------------------------------------------------------------------------------
/**
 * Call first at start-up: takes the code (or error) and state from the address and puts back the
 * route the person left from, so the code is not left in the address or the history.
 * Returns what completeFederatedSignIn needs, or null when this is not a return from a provider.
 */
export function takeFederatedReturn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return null;
  const pending = readJson(PENDING_KEY);
  forget(PENDING_KEY); // one use, whatever follows
  const returnTo = siteHash(pending?.returnTo);
  history.replaceState(null, "", `/${returnTo || "#/"}`);
  return {
    pending,
    returnTo,
    code: params.get("code"),
    state: params.get("state"),
    error: params.get("error"),
    description: params.get("error_description"),
  };
}

/**
 * Finish the sign-in before the router runs: check the state, exchange the code (with the PKCE
 * verifier) for tokens and keep the ID token; on failure the sign-in page says why.
 * status(text) shows progress meanwhile. Returns true when the citizen is signed in.
 */
export async function completeFederatedSignIn(returned, status = () => {}) {
  if (!returned) return false;
  const { pending } = returned;
  const name = providerName(pending?.name);
  const fail = (error, detail = null) => {
    problem = { error, detail };
    problemShown = false;
    // Back to the sign-in page (where the person started), to try again from there.
    const back = returned.returnTo || "#/";
    const signIn = back.startsWith("#/signin") ? back : `#/signin?next=${encodeURIComponent(back)}`;
    history.replaceState(null, "", `/${signIn}`);
    return false;
  };
  // RFC 6749 §10.12: only a return to the sign-in this tab started is used.
  if (!pending?.state || !pending.verifier || returned.state !== pending.state) {
    return fail(localError("federation.state", "federation.state"));
  }
  if (returned.error) {
    const key = returned.error === "access_denied" ? "federation.cancelled" : "federation.failed";
    const detail = (returned.description || "").slice(0, 300) || null;
    return fail(failure(returned.error, key, 0, name), detail);
  }
  status(t("federation.busy", { name }));
  try {
    const tokens = await exchangeCode(returned.code, pending, name);
    session.save({ IdToken: tokens.id_token, AccessToken: tokens.access_token });
    const user = session.user();
    if (!user) throw failure("federation.failed", "federation.failed", 0, name);
    try {
      sessionStorage.setItem(FEDERATED_KEY, user.sub || "");
    } catch {
      // Without storage there is no session either.
    }
    return true;
  } catch (error) {
    session.clear();
    return fail(error.text ? error : failure("federation.failed", "federation.failed", 0, name));
  }
}

async function exchangeCode(code, pending, name) {
  const { base, clientId } = hostedUi();
  let response;
  try {
    response = await fetch(`${base}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: clientId,
        code: code || "",
        code_verifier: pending.verifier,
        redirect_uri: pending.redirectUri || redirectUri(),
      }).toString(),
    });
  } catch {
    throw localError("network", "error.network");
  }
  const data = await response.json().catch(() => null);
  if (response.ok && typeof data?.id_token === "string") return data;
  if (response.status === 400 && data?.error === "invalid_grant") {
    throw failure("invalid_grant", "federation.invalid_grant", 400, name);
  }
  throw failure("federation.failed", "federation.failed", response.status, name);
}

// --- signing out -----------------------------------------------------------------------------------------
/**
 * After the session is cleared: a citizen who came through a provider also leaves the hosted-UI
 * session (else the next "Sign in with ThaID" would pass straight through). Call with the
 * signed-in user read before clearing. Returns true when the browser is leaving for the logout.
 */
export function signOutFederated(user) {
  const marker = readMarker();
  forget(FEDERATED_KEY);
  if (marker === null || (user && user.sub && marker !== user.sub)) return false;
  const { base, clientId } = hostedUi();
  if (!base) return false;
  location.assign(`${base}/logout?client_id=${encodeURIComponent(clientId)}&logout_uri=${encodeURIComponent(redirectUri())}`);
  return true;
}

function readMarker() {
  try {
    return sessionStorage.getItem(FEDERATED_KEY);
  } catch {
    return null;
  }
}
