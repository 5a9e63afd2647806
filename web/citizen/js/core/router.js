// Hash routes ("#/services/fire-certificate?x=1"), so the sites work from any static host.

import { focus } from "./dom.js";

/** Split "#/a/b?q=1" into {path: "/a/b", query: URLSearchParams}. */
export function currentLocation() {
  // Not decoded as a whole: an encoded "/" inside a segment (a licence number) stays inside it.
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(search) };
}

/** Go to a hash route; replace=true does not add a history entry. */
export function navigate(hash, { replace = false } = {}) {
  const target = hash.startsWith("#") ? hash : `#${hash}`;
  if (location.hash === target) {
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else if (replace) {
    location.replace(target);
  } else {
    location.hash = target;
  }
}

function compile(pattern) {
  const names = [];
  const regex = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  return { regex: new RegExp(`^${regex}/?$`), names };
}

/**
 * routes: [["/services/:id", handler], ...]; handler({view, params, query, reason}) fills view.
 * reason is "navigate" or "language" (after a language switch the page may keep what was typed).
 */
export function createRouter(routes, { main, notFound, afterRender = () => {} }) {
  const compiled = routes.map(([pattern, handler]) => ({ ...compile(pattern), handler }));
  let generation = 0;

  async function render(reason = "navigate") {
    generation += 1;
    const mine = generation;
    const { path, query } = currentLocation();
    const view = document.createElement("div");
    view.className = "view";
    main.replaceChildren(view);
    let handler = notFound;
    let params = {};
    for (const route of compiled) {
      const match = route.regex.exec(path);
      if (match) {
        handler = route.handler;
        params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
        break;
      }
    }
    const isCurrent = () => mine === generation;
    try {
      await handler({ view, params, query, reason, isCurrent });
    } finally {
      if (isCurrent()) {
        afterRender({ path, reason });
        if (reason === "navigate") {
          window.scrollTo(0, 0);
          focus(view.querySelector("h1"));
        }
      }
    }
  }

  window.addEventListener("hashchange", () => render("navigate"));
  return { render };
}

/**
 * A route handler whose page module is fetched the first time the page is shown (issue 13: the first
 * page carries only the site's chrome and its own module; the browser keeps each module once fetched).
 * load is `() => import("./pages/x.js")` (a literal path), name the module's exported page function;
 * failed(view) shows what to do when the module cannot be fetched (offline, or a deploy replaced it).
 */
export function lazyPage(load, name, failed) {
  return async (context) => {
    let module;
    try {
      module = await load();
    } catch {
      failed(context.view);
      return undefined;
    }
    return module[name](context);
  };
}
