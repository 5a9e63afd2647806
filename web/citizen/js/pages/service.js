// One service (Q1.1, Q3.4): what it is, fee, time, required documents, contact, and "Apply".

import { api } from "../core/api.js";
import { dl, h, replace } from "../core/dom.js";
import { addMessages, L, t } from "../core/i18n.js";
import { formatDateTime } from "../core/format.js";
import { alertBox, badge, loading, setTitle } from "../core/ui.js";
import { service as loadService, session, SITE } from "../state.js";
import { pagesOf } from "./steps.js";

addMessages({
  "service.fee": { th: "ค่าธรรมเนียม", en: "Fee" },
  "service.time": { th: "ระยะเวลาดำเนินการ", en: "Processing time" },
  "service.time.value": {
    th: "{days} วันทำการ นับจากวันที่ลงทะเบียนรับคำขอ",
    en: "{days} working days from the registered time of receipt",
  },
  "service.result": { th: "เอกสารที่จะได้รับ", en: "What you receive" },
  "service.result.value": {
    th: "{title} (ไฟล์ PDF ลงลายมือชื่ออิเล็กทรอนิกส์)",
    en: "{title} (a PDF file signed electronically)",
  },
  "service.validity": { th: "อายุ {days} วัน", en: "valid for {days} days" },
  "service.steps": { th: "ขั้นตอนการพิจารณา", en: "How it is decided" },
  "service.step.review": { th: "เจ้าหน้าที่ตรวจสอบความครบถ้วนของคำขอและเอกสาร", en: "An officer checks the request and documents" },
  "service.step.payment": { th: "ชำระค่าธรรมเนียม (หลังได้รับอนุมัติ)", en: "Pay the fee (after approval)" },
  "service.step.issue": { th: "ออกเอกสารและส่งให้ทางระบบนี้และอีเมล", en: "The document is issued and sent here and by e-mail" },
  "service.documents": { th: "เอกสารที่ต้องแนบ", en: "Documents to attach" },
  "service.documents.intro": {
    th: "แนบเป็นไฟล์ได้ทั้งหมด ไม่ต้องรับรองสำเนา การยื่นทางระบบถือเป็นการรับรองสำเนาแล้ว",
    en: "Attach everything as files. You do not need to certify copies: submitting here certifies them.",
  },
  "doc.required": { th: "ต้องแนบ", en: "Required" },
  "doc.optional": { th: "ถ้ามี", en: "If any" },
  "doc.formats": { th: "รูปแบบไฟล์: {formats}", en: "Formats: {formats}" },
  "doc.max": { th: "ขนาดไม่เกิน {size} MB", en: "Up to {size} MB" },
  "service.identity": { th: "การเข้าสู่ระบบ", en: "How you sign in" },
  "service.identity.any": {
    th: "อีเมลและรหัสผ่าน หรือ ThaID",
    en: "E-mail and password, or ThaID",
  },
  "service.ready": { th: "สิ่งที่ต้องเตรียมก่อนเริ่ม", en: "What to have ready" },
  "service.ready.intro": {
    th: "คำขอนี้มี {pages} หน้า ระบบบันทึกร่างให้ กลับมาทำต่อได้ เตรียมข้อมูลต่อไปนี้ไว้:",
    en: "The form has {pages} pages and is saved as a draft as you go. Have these ready:",
  },
  "service.ready.documents": { th: "ไฟล์เอกสาร {count} รายการ: {names}", en: "{count} documents as files: {names}" },
  "service.ready.prefilled": {
    th: "ชื่อ เลขประจำตัวประชาชน โทรศัพท์ และอีเมล ระบบกรอกให้จากข้อมูลของท่าน",
    en: "Your name, ID number, phone and e-mail are filled in from your details.",
  },
  "example.title": { th: "ตัวอย่างเอกสาร", en: "Examples of the documents" },
  "example.link": { th: "ดูตัวอย่าง", en: "See an example" },
  "service.identity.strong": {
    th: "ต้องเข้าสู่ระบบด้วย ThaID (การเข้าสู่ระบบด้วยรหัสผ่านใช้กับบริการนี้ไม่ได้)",
    en: "Sign in with ThaID (a password sign-in is not enough for this service)",
  },
  "service.contact": { th: "สอบถามเรื่องนี้", en: "Questions about this service" },
  "service.contact.records": { th: "งานสารบรรณ", en: "Records office" },
  "service.apply": { th: "ยื่นคำขอออนไลน์", en: "Apply online" },
  "service.apply.signin": {
    th: "ต้องเข้าสู่ระบบก่อนยื่นคำขอ ระบบจะพากลับมาที่หน้านี้",
    en: "You need to sign in first; you will come back here.",
  },
  "service.drafts": { th: "แบบร่างที่ยังไม่ได้ยื่น", en: "Your unfinished drafts" },
  "service.draft.resume": { th: "ทำต่อ (บันทึกล่าสุด {time})", en: "Continue (last saved {time})" },
});

/** "PDF, JPEG, PNG" from ["pdf", "jpeg", "png"]. */
export function formatList(formats) {
  return formats.map((f) => f.toUpperCase()).join(", ");
}

/**
 * What to have ready, from the service's form schema (the tenant file, the single source): each answer
 * the person must bring (the pre-filled ones are said once), then the documents to attach as files.
 */
function readyList(service) {
  const asked = service.form.filter((field) => !field.prefill && field.type !== "boolean");
  const required = service.documents.filter((doc) => doc.required);
  return h("section", { id: "service-ready", "aria-labelledby": "ready-heading" },
    h("h2", { id: "ready-heading" }, t("service.ready")),
    h("p", {}, t("service.ready.intro", { pages: pagesOf(service).length })),
    h("ul", {},
      asked.map((field) => h("li", {}, L(field.label), field.help ? h("span", { class: "muted" }, ` – ${L(field.help)}`) : null)),
      required.length
        ? h("li", {}, t("service.ready.documents", { count: required.length, names: required.map((d) => L(d.name)).join(", ") }))
        : null),
    service.form.some((field) => field.prefill) ? h("p", { class: "small muted" }, t("service.ready.prefilled")) : null);
}

/** Q3.4: "ดูตัวอย่าง / See an example" links to the tenant's example documents (served at /examples/). */
export function exampleLinks(documents) {
  const withExample = documents.filter((doc) => doc.example);
  if (!withExample.length) return null;
  return h(
    "ul",
    { class: "examples", id: "document-examples", "aria-label": t("example.title") },
    withExample.map((doc) =>
      h("li", {}, h("a", {
        href: `examples/${encodeURIComponent(doc.example)}`,
        target: "_blank",
        rel: "noopener",
        "data-document": doc.id,
      }, `${t("example.link")}: ${L(doc.name)}`))),
  );
}

export async function servicePage({ view, params, isCurrent }) {
  replace(view, loading());
  let service;
  try {
    service = await loadService(params.id);
  } catch (error) {
    replace(view, h("h1", {}, t("error.title")), alertBox(error), h("p", {}, h("a", { href: "#/" }, t("home.link"))));
    return;
  }
  if (!isCurrent()) return;
  setTitle(L(service.name), L(SITE));
  const contact = service.contact;
  const applyHref = `#/apply/${encodeURIComponent(service.id)}`;
  const drafts = h("div", { id: "service-drafts" });

  replace(
    view,
    h("h1", {}, L(service.name)),
    h("p", { class: "lead" }, L(service.description)),
    dl([
      [t("service.fee"), service.fee ? L(service.fee.description) : t("service.fee.none")],
      [t("service.time"), t("service.time.value", { days: service.sla_working_days })],
      [
        t("service.result"),
        [
          t("service.result.value", { title: L(service.licence.title) }),
          service.licence.validity_days ? ` · ${t("service.validity", { days: service.licence.validity_days })}` : "",
        ],
      ],
      [
        t("service.identity"),
        service.identity_level === "IAL1"
          ? t("service.identity.any")
          : h("strong", { id: "service-ial-note" }, t("service.identity.strong")),
      ],
    ]),
    readyList(service),
    h("p", {}, h("a", { class: "button primary", href: applyHref }, t("service.apply"))),
    h("h2", {}, t("service.steps")),
    h(
      "ol",
      {},
      h("li", {}, t("service.step.review")),
      service.approval_steps.map((step) => h("li", {}, L(step.name))),
      service.fee ? h("li", {}, t("service.step.payment")) : null,
      h("li", {}, t("service.step.issue")),
    ),
    h("h2", {}, t("service.documents")),
    h("p", {}, t("service.documents.intro")),
    h(
      "ul",
      { class: "cards" },
      service.documents.map((doc) =>
        h(
          "li",
          { class: "card" },
          h("h3", {}, L(doc.name), " ", doc.required ? badge(t("doc.required"), "info") : badge(t("doc.optional"), "neutral")),
          h("p", {}, L(doc.explanation)),
          h("p", { class: "meta" },
            h("span", {}, t("doc.formats", { formats: formatList(doc.formats) })),
            h("span", {}, t("doc.max", { size: doc.max_size_mb }))),
          doc.oversize_route ? h("p", { class: "small" }, L(doc.oversize_route)) : null,
          doc.example ? exampleLinks([doc]) : null,
        )),
    ),
    h("h2", {}, t("service.contact")),
    dl([
      [L(contact.unit), [contact.phone, contact.email ? [" · ", h("a", { href: `mailto:${contact.email}` }, contact.email)] : null]],
      [t("service.contact.records"), contact.records_office_phone],
    ]),
    drafts,
    h(
      "div",
      { class: "actions" },
      h("a", { class: "button primary", href: applyHref, id: "apply" }, t("service.apply")),
      session.token() ? null : h("span", { class: "muted" }, t("service.apply.signin")),
    ),
  );

  if (session.token()) {
    try {
      const mine = (await api("/drafts")).drafts.filter((d) => d.service_id === service.id);
      if (!isCurrent() || !mine.length) return;
      replace(
        drafts,
        h(
          "section",
          { class: "panel panel-warn", "aria-labelledby": "drafts-heading" },
          h("h2", { id: "drafts-heading" }, t("service.drafts")),
          h("ul", {}, mine.map((d) =>
            h("li", {}, h("a", { href: `#/drafts/${encodeURIComponent(d.id)}` },
              t("service.draft.resume", { time: formatDateTime(d.updated_at) }))))),
        ),
      );
    } catch {
      // The drafts list is a convenience here; the Apply button still works.
    }
  }
}
