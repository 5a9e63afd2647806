// The officer SPA: sign in with the officer pool, digest, work list, request detail, register.

import { api, loadConfig, onUnauthorized, useToken } from "../../js/core/api.js";
import { h, replace } from "../../js/core/dom.js";
import { addMessages, both, L, onLangChange, t } from "../../js/core/i18n.js";
import { createRouter, currentLocation, lazyPage, navigate } from "../../js/core/router.js";
import { alertBox, languageSwitch, setTitle } from "../../js/core/ui.js";
import { currentOfficer, forgetOfficer, session, SITE } from "./state.js";

addMessages({
  "o.site": { th: "ระบบงานเจ้าหน้าที่ (e-Service)", en: "Officer workspace (e-Service)" },
  "o.nav.label": { th: "เมนูเจ้าหน้าที่", en: "Officer menu" },
  "o.nav.digest": { th: "ภาพรวม", en: "Overview" },
  "o.nav.requests": { th: "รายการคำขอ", en: "Work list" },
  "o.nav.register": { th: "ทะเบียนใบอนุญาต", en: "Licence register" },
  "o.nav.payments": { th: "การเงิน", en: "Finance" },
  "o.nav.announcements": { th: "ประกาศ", en: "Announcements" },
  "o.nav.public": { th: "เว็บไซต์ประชาชน", en: "Public site" },
  "o.nav.statistics": { th: "สถิติ", en: "Statistics" },
  "o.nav.correspondence": { th: "ทะเบียนหนังสือ", en: "Correspondence" },
  "o.roles": { th: "บทบาท: {roles}", en: "Roles: {roles}" },
  "startup.failed": {
    th: "เปิดระบบไม่สำเร็จ กรุณาโหลดหน้าใหม่อีกครั้ง",
    en: "The workspace could not start. Please reload the page.",
  },
});

const main = document.getElementById("main");
let agency = null;

function notFound({ view }) {
  setTitle(t("page.not_found"), L(SITE));
  replace(view, h("h1", {}, t("page.not_found")), h("p", {}, h("a", { href: "#/" }, t("home.link"))));
}

// Each page's module is fetched when it is first shown (lazyPage); a failed fetch says to reload.
const lazy = (load, name) =>
  lazyPage(load, name, (view) => replace(view, alertBox({ text: both("startup.failed") })));

const router = createRouter(
  [
    ["/", lazy(() => import("./pages/digest.js"), "digestPage")],
    ["/signin", lazy(() => import("./pages/signin.js"), "signInPage")],
    ["/requests", lazy(() => import("./pages/worklist.js"), "workListPage")],
    ["/requests/:id", lazy(() => import("./pages/request.js"), "requestPage")],
    ["/register", lazy(() => import("./pages/register.js"), "registerPage")],
    ["/announcements", lazy(() => import("./pages/announcements.js"), "announcementsPage")],
    ["/payments", lazy(() => import("./pages/payments.js"), "paymentsPage")],
    ["/statistics", lazy(() => import("./pages/statistics.js"), "statisticsPage")],
    ["/correspondence", lazy(() => import("./pages/correspondence.js"), "correspondencePage")],
  ],
  { main, notFound, afterRender: () => renderChrome() },
);

async function renderChrome() {
  replace(
    document.getElementById("skip"),
    h("a", { class: "skip-link", href: "#main", onclick: (e) => { e.preventDefault(); main.focus(); } }, t("skip")),
  );
  const user = session.user();
  const officer = user ? await currentOfficer().catch(() => null) : null;
  // Roles only: the unit-* groups say whose requests the officer sees, not a role.
  const roles = (officer?.groups || []).filter((g) => !g.startsWith("unit-")).map((g) => t(`role.${g}`)).join(", ");
  // Keep keyboard focus on the language switch when it is rebuilt after a switch.
  const focusedLanguage = document.activeElement?.dataset?.lang;
  replace(
    document.getElementById("site-header"),
    h(
      "div",
      { class: "bar" },
      h("a", { class: "brand", href: "#/" }, agency ? L(agency.name) : t("o.site"), h("small", {}, t("o.site"))),
      h(
        "div",
        { class: "user-box" },
        user
          ? [
            h("span", { class: "who", id: "officer-who" }, user.email, roles ? h("br") : null, roles ? t("o.roles", { roles }) : null),
            h("button", {
              type: "button",
              class: "button-link-light",
              onclick: async () => {
                await session.signOut(); // GlobalSignOut: the tokens of this sign-in stop working
                forgetOfficer();
                navigate("#/signin");
              },
            }, t("auth.signout")),
          ]
          : null,
        languageSwitch(),
      ),
    ),
  );
  if (focusedLanguage) document.querySelector(`.lang-button[data-lang="${focusedLanguage}"]`)?.focus();
  const path = currentLocation().path;
  const canManageRegister = (officer?.groups || []).some((g) => g === "head" || g === "admin");
  // Records officers keep the holders of paper licences in reach: they open the register too.
  const canOpenRegister = canManageRegister || (officer?.groups || []).includes("records");
  const links = user
    ? [
      ["#/", "o.nav.digest", path === "/"],
      ["#/requests", "o.nav.requests", path.startsWith("/requests")],
      canOpenRegister ? ["#/register", "o.nav.register", path.startsWith("/register")] : null,
      canManageRegister ? ["#/announcements", "o.nav.announcements", path.startsWith("/announcements")] : null,
      (officer?.groups || []).includes("finance") ? ["#/payments", "o.nav.payments", path.startsWith("/payments")] : null,
      (officer?.groups || []).some((g) => ["head", "admin", "finance"].includes(g))
        ? ["#/statistics", "o.nav.statistics", path.startsWith("/statistics")]
        : null,
      (officer?.groups || []).some((g) => ["records", "head", "admin"].includes(g))
        ? ["#/correspondence", "o.nav.correspondence", path.startsWith("/correspondence")]
        : null,
      ["../", "o.nav.public", false],
    ].filter(Boolean)
    : [];
  const nav = document.getElementById("site-nav");
  nav.setAttribute("aria-label", t("o.nav.label"));
  replace(nav, h("ul", {}, links.map(([href, key, current]) =>
    h("li", {}, h("a", { href, "aria-current": current ? "page" : null }, t(key))))));
}

async function start() {
  useToken(() => session.token());
  onUnauthorized(() => {
    session.clear();
    forgetOfficer();
  });
  try {
    await loadConfig();
  } catch {
    replace(main, alertBox({ text: both("startup.failed") }));
    return;
  }
  try {
    agency = await api("/agency", { auth: false });
  } catch {
    agency = null;
  }
  onLangChange(() => router.render("language"));
  await router.render();
}

start();
