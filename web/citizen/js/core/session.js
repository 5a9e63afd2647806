// The signed-in person: the Cognito ID token kept in sessionStorage (gone when the tab closes).

/** A session for one user pool ("citizen" or "officer"). */
export function createSession(pool) {
  const key = `eservice.${pool}.idToken`;

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

  function read() {
    try {
      return sessionStorage.getItem(key);
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
    save(token) {
      sessionStorage.setItem(key, token);
    },
    clear() {
      sessionStorage.removeItem(key);
    },
  };
}
