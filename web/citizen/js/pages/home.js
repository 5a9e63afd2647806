// Home (Q1.1-Q1.3): the agency, its contacts, and a search over its e-Services.

import { api } from "../core/api.js";
import { h, replace } from "../core/dom.js";
import { addMessages, L, t } from "../core/i18n.js";
import { navigate } from "../core/router.js";
import { alertBox, badge, labelled, loading, setTitle } from "../core/ui.js";
import { agency, SITE } from "../state.js";

addMessages({
  "home.title": { th: "บริการอิเล็กทรอนิกส์ของ{agency}", en: "e-Services of {agency}" },
  "home.intro": {
    th: "ยื่นคำขอ แนบเอกสาร และติดตามผลได้ทางออนไลน์ ไม่ต้องเดินทางมาที่สำนักงาน",
    en: "Apply, attach your documents and follow your request online, without visiting the office.",
  },
  "home.search.label": { th: "ค้นหาบริการ", en: "Find a service" },
  "home.search.help": { th: "พิมพ์คำสำคัญ เช่น อาหาร ไฟไหม้", en: "Type a keyword, e.g. food, fire" },
  "home.results": { th: "พบ {count} บริการ", en: "{count} services found" },
  "home.results.for": { th: "ผลการค้นหา “{q}”: พบ {count} บริการ", en: "Results for “{q}”: {count} services" },
  "home.none": {
    th: "ไม่พบบริการที่ตรงกับคำค้น ลองใช้คำอื่น หรือโทรสอบถามหน่วยงาน",
    en: "No service matches. Try another word, or call the agency.",
  },
  "home.clear": { th: "แสดงบริการทั้งหมด", en: "Show all services" },
  "service.sla": { th: "ระยะเวลาดำเนินการ {days} วันทำการ", en: "Takes {days} working days" },
  "service.fee.none": { th: "ไม่มีค่าธรรมเนียม", en: "No fee" },
  "service.fee.some": { th: "มีค่าธรรมเนียม", en: "Fee payable" },
  "service.register": { th: "แสดงในทะเบียนสาธารณะ", en: "Shown in the public register" },
  "service.more": { th: "รายละเอียดและยื่นคำขอ", en: "Details and apply" },
  "home.contact": { th: "ติดต่อหน่วยงาน", en: "Contact" },
  "home.records": { th: "งานสารบรรณ", en: "Records office" },
});

/** A catalogue card: name, what it is, SLA and fee at a glance. */
export function serviceCard(service, headingLevel = "h2") {
  return h(
    "li",
    { class: "card" },
    h(headingLevel, {}, h("a", { href: `#/services/${encodeURIComponent(service.id)}` }, L(service.name))),
    h("p", {}, L(service.description)),
    h(
      "p",
      { class: "meta" },
      h("span", {}, t("service.sla", { days: service.sla_working_days })),
      service.has_fee ? badge(t("service.fee.some"), "warn") : badge(t("service.fee.none"), "ok"),
      service.public_register ? h("span", {}, t("service.register")) : null,
    ),
    h("p", {}, h("a", { href: `#/services/${encodeURIComponent(service.id)}`, class: "button",
      "aria-label": `${t("service.more")}: ${L(service.name)}` }, t("service.more"))),
  );
}

export async function homePage({ view, query, isCurrent }) {
  const info = agency();
  const agencyName = info ? L(info.name) : "";
  const q = (query.get("q") || "").trim();
  setTitle(q ? t("home.search.label") : null, L(SITE));

  const input = h("input", { type: "search", name: "q", value: q, autocomplete: "off", enterkeyhint: "search" });
  const search = labelled({ label: t("home.search.label"), input, help: t("home.search.help") });
  const results = h("div", { id: "results", "aria-live": "polite" }, loading());

  replace(
    view,
    h("h1", {}, agencyName ? t("home.title", { agency: agencyName }) : t("site.name")),
    h("p", { class: "lead" }, t("home.intro")),
    h(
      "form",
      {
        class: "search-form",
        role: "search",
        onsubmit: (event) => {
          event.preventDefault();
          const value = input.value.trim();
          navigate(value ? `#/?q=${encodeURIComponent(value)}` : "#/");
        },
      },
      search.wrapper,
      h("button", { type: "submit", class: "primary" }, t("search")),
    ),
    results,
    info
      ? h(
        "section",
        { class: "panel", "aria-labelledby": "contact-heading" },
        h("h2", { id: "contact-heading" }, t("home.contact")),
        h("p", {}, h("strong", {}, L(info.name)), h("br"), L(info.address)),
        h("p", {}, `${t("home.records")}: `, info.records_office_phone, " · ",
          h("a", { href: `mailto:${info.saraban_email}` }, info.saraban_email)),
        h(
          "ul",
          {},
          Object.values(info.units || {}).map((unit) =>
            h("li", {}, L(unit.name), ": ", unit.phone, unit.email ? [" · ", h("a", { href: `mailto:${unit.email}` }, unit.email)] : null)),
        ),
      )
      : null,
  );

  try {
    const { services } = await api(`/services${q ? `?q=${encodeURIComponent(q)}` : ""}`, { auth: false });
    if (!isCurrent()) return;
    replace(
      results,
      h("p", { class: "muted", role: "status" },
        q ? t("home.results.for", { q, count: services.length }) : t("home.results", { count: services.length })),
      services.length
        ? h("ul", { class: "cards" }, services.map((s) => serviceCard(s)))
        : h("p", {}, t("home.none")),
      q ? h("p", {}, h("a", { href: "#/" }, t("home.clear"))) : null,
    );
  } catch (error) {
    if (isCurrent()) replace(results, alertBox(error));
  }
}
