// The citizen site: routes, header, navigation and footer.

import { api, loadConfig, onUnauthorized, useToken } from "./core/api.js";
import { h, replace } from "./core/dom.js";
import { addMessages, both, L, onLangChange, t } from "./core/i18n.js";
import { createRouter, currentLocation, navigate } from "./core/router.js";
import { alertBox, languageSwitch, setTitle } from "./core/ui.js";
import { agency, session, setAgency, SITE } from "./state.js";
import { completeFederatedSignIn, signOutFederated, takeFederatedReturn } from "./federation.js";
import { homePage } from "./pages/home.js";
import { servicePage } from "./pages/service.js";
import { signInPage, signUpPage } from "./pages/signin.js";
import { applyPage, draftsPage, formPage } from "./pages/form.js";
import { confirmPage } from "./pages/confirm.js";
import { acknowledgementPage } from "./pages/acknowledgement.js";
import { requestPage, requestsPage } from "./pages/requests.js";
import { registerPage, verifyPage } from "./pages/register.js";
import { profilePage } from "./pages/profile.js";
import { announcementsPage } from "./pages/announcements.js";
import { linkPrivacyFromForms, privacyFooterLink, privacyPage } from "./pages/privacy.js";

addMessages({
  "nav.label": { th: "เมนูหลัก", en: "Main menu" },
  "nav.services": { th: "บริการ", en: "Services" },
  "nav.requests": { th: "คำขอของฉัน", en: "My requests" },
  "nav.drafts": { th: "แบบร่าง", en: "Drafts" },
  "nav.register": { th: "ทะเบียนใบอนุญาต", en: "Licence register" },
  "nav.verify": { th: "ตรวจสอบเอกสาร", en: "Verify a document" },
  "nav.announcements": { th: "ประกาศ", en: "Announcements" },
  "nav.profile": { th: "ข้อมูลของฉัน (ใช้กรอกแบบคำขอล่วงหน้า)", en: "My details (used to pre-fill forms)" },
  "footer.contact": { th: "ติดต่อหน่วยงาน", en: "Contact the agency" },
  "footer.records": { th: "งานสารบรรณ (ยืนยันการรับเรื่อง)", en: "Records office (to confirm receipt)" },
  "footer.email": { th: "อีเมลสารบรรณ", en: "Official e-mail" },
  "footer.hours": { th: "เวลาทำการ", en: "Office hours" },
  "footer.hours.value": { th: "{days} เวลา {opens}–{closes} น.", en: "{days}, {opens}–{closes}" },
  "footer.announcements": {
    th: "ประกาศของหน่วยงาน (ช่องทางอิเล็กทรอนิกส์ การแสดงใบอนุญาต การชำระเงิน)",
    en: "The agency's announcements (electronic channels, licence display, payment)",
  },
  "footer.font": { th: "แบบอักษร Sarabun (SIL Open Font License)", en: "Sarabun typeface (SIL Open Font License)" },
  "day.mon": { th: "จันทร์", en: "Mon" },
  "day.tue": { th: "อังคาร", en: "Tue" },
  "day.wed": { th: "พุธ", en: "Wed" },
  "day.thu": { th: "พฤหัสบดี", en: "Thu" },
  "day.fri": { th: "ศุกร์", en: "Fri" },
  "day.sat": { th: "เสาร์", en: "Sat" },
  "day.sun": { th: "อาทิตย์", en: "Sun" },
  "site.name": { th: "บริการอิเล็กทรอนิกส์ (e-Service)", en: "e-Service" },
  "startup.failed": {
    th: "เปิดระบบไม่สำเร็จ กรุณาโหลดหน้าใหม่อีกครั้ง",
    en: "The e-Service could not start. Please reload the page.",
  },
});

const main = document.getElementById("main");

const routes = [
  ["/", homePage],
  ["/services/:id", servicePage],
  ["/apply/:serviceId", applyPage],
  ["/signin", signInPage],
  ["/signup", signUpPage],
  ["/profile", profilePage],
  ["/drafts", draftsPage],
  ["/drafts/:id", formPage],
  ["/drafts/:id/confirm", confirmPage],
  ["/requests", requestsPage],
  ["/requests/:id", requestPage],
  ["/requests/:id/submitted", acknowledgementPage],
  ["/register", registerPage],
  ["/verify", verifyPage],
  ["/verify/:number", verifyPage],
  ["/announcements", announcementsPage],
  ["/privacy", privacyPage],
];

function notFound({ view }) {
  setTitle(t("page.not_found"), L(SITE));
  replace(view, h("h1", {}, t("page.not_found")), h("p", {}, t("page.not_found.text")),
    h("p", {}, h("a", { href: "#/" }, t("home.link"))));
}

const router = createRouter(routes, { main, notFound, afterRender: markCurrentNav });
// PDPA: every form of the site links to the privacy notice.
linkPrivacyFromForms(main);

function weekdays(list) {
  const days = list.map((d) => t(`day.${d}`));
  if (days.length === 5 && list[0] === "mon" && list[4] === "fri") return `${days[0]}–${days[4]}`;
  return days.join(", ");
}

function renderSkipLink() {
  replace(
    document.getElementById("skip"),
    h("a", {
      class: "skip-link",
      href: "#main",
      onclick: (event) => {
        // The hash is the route: focus the content without changing it.
        event.preventDefault();
        main.focus();
      },
    }, t("skip")),
  );
}

function renderHeader() {
  const user = session.user();
  const info = agency();
  replace(
    document.getElementById("site-header"),
    h(
      "div",
      { class: "bar" },
      h("a", { class: "brand", href: "#/" }, info ? L(info.name) : t("site.name"), h("small", {}, t("site.name"))),
      h(
        "div",
        { class: "user-box" },
        user
          ? [
            h("a", { class: "who", href: "#/profile", title: t("nav.profile") }, t("auth.signed_in_as", { email: user.email })),
            h("button", {
              type: "button",
              class: "button-link-light",
              onclick: async () => {
                const leaving = session.user();
                await session.signOut(); // ends the session at Cognito before any redirect
                // Signed in through ThaID (or another provider): Cognito's session ends too.
                if (signOutFederated(leaving)) return;
                renderHeader();
                navigate("#/");
              },
            }, t("auth.signout")),
          ]
          : h("a", { class: "button-link-light", href: `#/signin?next=${encodeURIComponent(location.hash || "#/")}` },
            t("auth.signin")),
        languageSwitch(),
      ),
    ),
  );
}

const NAV = [
  ["#/", "nav.services", (p) => p === "/" || p.startsWith("/services") || p.startsWith("/apply")],
  ["#/requests", "nav.requests", (p) => p.startsWith("/requests")],
  ["#/drafts", "nav.drafts", (p) => p.startsWith("/drafts")],
  ["#/register", "nav.register", (p) => p.startsWith("/register")],
  ["#/verify", "nav.verify", (p) => p.startsWith("/verify")],
  ["#/announcements", "nav.announcements", (p) => p.startsWith("/announcements")],
];

function renderNav() {
  replace(
    document.getElementById("site-nav"),
    h("ul", {}, NAV.map(([href, key]) => h("li", {}, h("a", { href }, t(key))))),
  );
  document.getElementById("site-nav").setAttribute("aria-label", t("nav.label"));
  markCurrentNav({ path: currentLocation().path });
}

function markCurrentNav({ path }) {
  const links = document.querySelectorAll("#site-nav a");
  NAV.forEach(([, , matches], i) => {
    if (!links[i]) return;
    if (matches(path)) links[i].setAttribute("aria-current", "page");
    else links[i].removeAttribute("aria-current");
  });
  // Sign-in state may have changed on this page (signed in, signed out, token expired).
  const signedIn = Boolean(session.token());
  if (signedIn !== renderHeader.signedIn) {
    renderHeader.signedIn = signedIn;
    renderHeader();
  }
}

function renderFooter() {
  const info = agency();
  if (!info) return;
  const hours = info.office_hours;
  replace(
    document.getElementById("site-footer"),
    h(
      "div",
      { class: "inner" },
      h("h2", {}, t("footer.contact")),
      h("p", {}, h("strong", {}, L(info.name)), h("br"), L(info.address)),
      h(
        "p",
        {},
        `${t("footer.records")}: `,
        h("a", { href: `tel:${info.records_office_phone.replace(/[^0-9+]/g, "")}` }, info.records_office_phone),
        " · ",
        `${t("footer.email")}: `,
        h("a", { href: `mailto:${info.saraban_email}` }, info.saraban_email),
      ),
      hours
        ? h("p", {}, `${t("footer.hours")}: `,
          t("footer.hours.value", { days: weekdays(hours.weekdays), opens: hours.opens, closes: hours.closes }))
        : null,
      h("p", {}, h("a", { href: "#/announcements" }, t("footer.announcements"))),
      privacyFooterLink(),
      h("p", { class: "small muted" }, h("a", { href: "fonts/OFL.txt" }, t("footer.font"))),
    ),
  );
}

function renderChrome() {
  renderSkipLink();
  renderHeader();
  renderNav();
  renderFooter();
}

async function start() {
  // Back from a Digital ID provider: the code leaves the address before anything else happens.
  const federatedReturn = takeFederatedReturn();
  useToken(() => session.token());
  onUnauthorized(() => {
    session.clear();
    renderHeader();
  });
  try {
    await loadConfig();
  } catch {
    replace(main, alertBox({ text: both("startup.failed") }));
    return;
  }
  try {
    setAgency(await api("/agency", { auth: false }));
  } catch {
    setAgency(null);
  }
  renderChrome();
  if (federatedReturn) {
    await completeFederatedSignIn(federatedReturn, (text) =>
      replace(main, h("div", { class: "view" }, h("p", { class: "loading", role: "status" }, text))));
  }
  onLangChange(() => {
    renderChrome();
    router.render("language");
  });
  await router.render();
}

start();
