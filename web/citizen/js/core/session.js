// The signed-in person: the Cognito ID token kept in sessionStorage (gone when the tab closes), with the
// access token beside it so that signing out ends the session at Cognito too (GlobalSignOut revokes the
// access and refresh tokens; the refresh token itself is never kept in the page).

import { cognito } from "./api.js";

/** A session for one user pool ("citizen" or "officer"). */
export function createSession(pool) {
  const key = `eservice.${pool}.idToken`;
  const accessKey = `eservice.${pool}.accessToken`;

  function claims() {
    const token = read();
    if (!token) return null;
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const json = decodeURIComponent(
        atob(part)
          .split("")
          .map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
          .join(""),
      );
      return JSON.parse(json);
    } catch {
      return null;
    }
  }

  function read(name = key) {
    try {
      return sessionStorage.getItem(name);
    } catch {
      return null;
    }
  }

  return {
    /** The ID token if it has not expired, else null. */
    token() {
      const c = claims();
      if (!c) return null;
      if (c.exp && c.exp * 1000 < Date.now() + 10_000) {
        this.clear();
        return null;
      }
      return read();
    },
    /** {email, sub, groups} of the signed-in person, or null. */
    user() {
      if (!this.token()) return null;
      const c = claims();
      const groups = c["cognito:groups"] || [];
      return {
        email: c.email || c["cognito:username"] || "",
        sub: c.sub,
        groups: Array.isArray(groups) ? groups : String(groups).split(",").filter(Boolean),
      };
    },
    /** Keep Cognito's AuthenticationResult ({IdToken, AccessToken, ...}) or a bare ID token. */
    save(result) {
      const tokens = typeof result === "string" ? { IdToken: result } : result || {};
      sessionStorage.setItem(key, tokens.IdToken);
      if (tokens.AccessToken) sessionStorage.setItem(accessKey, tokens.AccessToken);
      else sessionStorage.removeItem(accessKey);
    },
    /** Forget the tokens in this tab only (an expired or refused token). */
    clear() {
      try {
        sessionStorage.removeItem(key);
        sessionStorage.removeItem(accessKey);
      } catch {
        // Without storage there is nothing to forget.
      }
    },
    /**
     * Sign out: forget the tokens here and end the session at Cognito (GlobalSignOut), so that the
     * access token and every refresh token of this sign-in stop working. Resolves true once Cognito
     * has ended it; false if there was nothing to end or Cognito could not be reached.
     */
    async signOut() {
      const access = read(accessKey);
      this.clear();
      if (!access) return false;
      try {
        await cognito("GlobalSignOut", { AccessToken: access });
        return true;
      } catch {
        return false;
      }
    },
  };
}
