// The public licence register (R-5, Act §13) and document verification (R-3.3.6), in plain words
// like validation.teda.th: is the signature valid, is the time stamp valid, was it changed after signing.

import { api } from "../core/api.js";
import { dl, h, replace } from "../core/dom.js";
import { addMessages, both, has, L, t } from "../core/i18n.js";
import { formatDate, formatDateTime } from "../core/format.js";
import { navigate } from "../core/router.js";
import { alertBox, badge, labelled, loading, setTitle, whileBusy } from "../core/ui.js";
import { agency, service as loadService, SITE } from "../state.js";

addMessages({
  "register.title": { th: "ทะเบียนใบอนุญาต", en: "Licence register" },
  "register.intro": {
    th: "ใบอนุญาตที่กฎหมายกำหนดให้แสดงต่อสาธารณะ พร้อมสถานะปัจจุบัน ใบอนุญาตที่มีผลใช้บังคับแสดงก่อน",
    en: "Licences the law requires to be shown publicly, with their current status; licences in force first.",
  },
  "register.search": { th: "ค้นหาด้วยเลขที่ใบอนุญาต ชื่อผู้ได้รับอนุญาต หรือชื่อสถานที่", en: "Search by licence number, holder or place" },
  "register.count": { th: "พบ {count} รายการ", en: "{count} licences" },
  "register.none": { th: "ไม่พบใบอนุญาตที่ตรงกับคำค้น", en: "No licence matches." },
  "register.unavailable": {
    th: "ทะเบียนใบอนุญาตยังไม่เปิดให้บริการ",
    en: "The licence register is not available yet.",
  },
  "licence.number": { th: "เลขที่ใบอนุญาต", en: "Licence number" },
  "licence.holder": { th: "ผู้ได้รับอนุญาต", en: "Holder" },
  "licence.issued": { th: "วันที่ออก", en: "Issued" },
  "licence.valid_until": { th: "ใช้ได้ถึง", en: "Valid until" },
  "licence.suspended_until": { th: "พักใช้ถึง", en: "Suspended until" },
  "licence.verify": { th: "ตรวจสอบใบอนุญาตนี้", en: "Verify this licence" },
  "licence.area": { th: "ที่ตั้ง / พื้นที่", en: "Location / area" },
  "licence.imported": { th: "ที่มา", en: "Source" },
  "licence.imported.yes": { th: "ใบอนุญาตฉบับกระดาษที่ออกก่อนระบบบริการอิเล็กทรอนิกส์", en: "Paper licence issued before the e-Service" },
  "licence.image": { th: "ดูภาพใบอนุญาต", en: "View the licence" },
  "licence.image.alt": { th: "ภาพใบอนุญาตเลขที่ {number}", en: "Image of licence {number}" },
  "register.any": { th: "ทั้งหมด", en: "Any" },
  "register.service": { th: "ประเภทใบอนุญาต", en: "Kind of licence" },
  "register.area": { th: "ที่ตั้ง / พื้นที่", en: "Location / area" },
  "register.status": { th: "สถานะ", en: "Status" },
  "register.next": { th: "หน้าถัดไป", en: "Next page" },
  "licence.private": {
    th: "ใบอนุญาตประเภทนี้ไม่ได้แสดงต่อสาธารณะ จึงแจ้งได้เพียงว่ายังมีผลอยู่หรือไม่",
    en: "This kind of licence is not on the public register: only whether it is valid is shown.",
  },
  "licence.fingerprint": { th: "ลายนิ้วมือไฟล์ (SHA-256)", en: "File fingerprint (SHA-256)" },
  "licence.history": { th: "ประวัติสถานะ", en: "Status history" },
  "licence.in_force": { th: "มีผลใช้บังคับ", en: "In force" },
  "licence.suspended": { th: "พักใช้", en: "Suspended" },
  "licence.revoked": { th: "เพิกถอนแล้ว", en: "Revoked" },
  "licence.expired": { th: "หมดอายุ", en: "Expired" },
  "licence.says.in_force": { th: "ใบอนุญาตนี้มีผลใช้บังคับ", en: "This licence is in force." },
  "licence.says.suspended": { th: "ใบอนุญาตนี้ถูกพักใช้", en: "This licence is suspended." },
  "licence.says.revoked": { th: "ใบอนุญาตนี้ถูกเพิกถอนแล้ว ใช้ไม่ได้", en: "This licence has been revoked and is no longer valid." },
  "licence.says.expired": { th: "ใบอนุญาตนี้หมดอายุแล้ว", en: "This licence has expired." },
  "verify.title": { th: "ตรวจสอบเอกสารและใบอนุญาต", en: "Verify a document or licence" },
  "verify.intro": {
    th: "ตรวจสอบว่าใบอนุญาตยังมีผลอยู่หรือไม่ และไฟล์ PDF ที่ได้รับมีลายมือชื่ออิเล็กทรอนิกส์ที่ถูกต้องและไม่ถูกแก้ไข",
    en: "Check that a licence is still in force, and that a PDF you received carries a valid electronic signature and has not been changed.",
  },
  "verify.by_number": { th: "ตรวจสอบด้วยเลขที่ใบอนุญาต", en: "Check by licence number" },
  "verify.number": { th: "เลขที่ใบอนุญาต", en: "Licence number" },
  "verify.number.help": { th: "ดูได้ที่มุมบนของใบอนุญาต หรือสแกน QR Code บนใบอนุญาต", en: "Printed at the top of the licence, or scan its QR code" },
  "verify.check": { th: "ตรวจสอบ", en: "Check" },
  "verify.by_file": { th: "ตรวจสอบไฟล์ PDF", en: "Check a PDF file" },
  "verify.file": { th: "เลือกไฟล์ PDF", en: "Choose a PDF file" },
  "verify.file.help": {
    th: "ไฟล์จะถูกส่งไปตรวจสอบเท่านั้น ไม่ถูกเก็บไว้",
    en: "The file is sent only to be checked; it is not kept.",
  },
  "verify.checking": { th: "กำลังตรวจสอบ…", en: "Checking…" },
  "verify.pick": { th: "กรุณาเลือกไฟล์ PDF", en: "Please choose a PDF file." },
  "verify.result": { th: "ผลการตรวจสอบ", en: "Result" },
  "verify.summary.valid": {
    th: "ลายมือชื่ออิเล็กทรอนิกส์ถูกต้อง และเอกสารไม่ถูกแก้ไขหลังลงนาม",
    en: "The electronic signature is valid and the document has not been changed since it was signed.",
  },
  "verify.summary.invalid": {
    th: "ลายมือชื่ออิเล็กทรอนิกส์ไม่ถูกต้อง ไม่ควรเชื่อถือเอกสารนี้",
    en: "The electronic signature is not valid. Do not rely on this document.",
  },
  "verify.summary.untrusted": {
    th: "ลายมือชื่ออิเล็กทรอนิกส์ตรวจสอบได้ แต่ใบรับรองไม่ได้ออกโดยผู้ให้บริการออกใบรับรองที่เชื่อถือได้ หรือตรวจสอบสถานะใบรับรองไม่ได้",
    en: "The signature checks out, but its certificate is not from a trusted certification authority, or its status could not be checked.",
  },
  "verify.summary.modified": {
    th: "เอกสารถูกแก้ไขหลังจากลงลายมือชื่อ เนื้อหาอาจไม่ตรงกับที่ผู้ลงนามรับรอง",
    en: "The document was changed after it was signed; its content may not be what the signer approved.",
  },
  "verify.summary.unsigned": {
    th: "เอกสารนี้ไม่มีลายมือชื่ออิเล็กทรอนิกส์",
    en: "This document has no electronic signature.",
  },
  "verify.badge.valid": { th: "ถูกต้อง", en: "Valid" },
  "verify.badge.invalid": { th: "ไม่ถูกต้อง", en: "Not valid" },
  "verify.badge.untrusted": { th: "ไม่อาจยืนยันผู้ออกใบรับรอง", en: "Not trusted" },
  "verify.badge.modified": { th: "ถูกแก้ไข", en: "Changed" },
  "verify.badge.unsigned": { th: "ไม่มีลายมือชื่อ", en: "Not signed" },
  "verify.ours": { th: "เอกสารนี้ออกโดย{agency}", en: "This document was issued by {agency}." },
  "verify.announcement": { th: "{title} ที่ {number}", en: "{title}, No. {number}" },
  "verify.announcement.superseded": {
    th: "{title} ที่ {number} (ถูกยกเลิกโดยฉบับใหม่แล้ว)",
    en: "{title}, No. {number} (superseded by a newer edition)",
  },
  "verify.not_ours": { th: "ไม่พบเอกสารนี้ในระบบของหน่วยงาน", en: "This document is not one the agency issued." },
  "verify.sha256": { th: "ลายนิ้วมือไฟล์ (SHA-256)", en: "File fingerprint (SHA-256)" },
  "verify.signature": { th: "ลายมือชื่อที่ {n}", en: "Signature {n}" },
  "verify.timestamp_only": { th: "การประทับรับรองเวลาของเอกสาร", en: "Document time stamp" },
  "verify.signer": { th: "ผู้ลงนาม", en: "Signed by" },
  "verify.organisation": { th: "หน่วยงาน", en: "Organisation" },
  "verify.signed_at": { th: "เวลาที่ลงนาม", en: "Signing time" },
  "verify.timestamp": { th: "การประทับรับรองเวลา", en: "Time stamp" },
  "verify.timestamp.ok": { th: "ถูกต้อง ({time})", en: "Valid ({time})" },
  "verify.timestamp.bad": { th: "ไม่ถูกต้อง", en: "Not valid" },
  "verify.timestamp.none": { th: "ไม่มี", en: "None" },
  "verify.changes": { th: "การแก้ไขหลังลงนาม", en: "Changes after signing" },
  "verify.level.NONE": { th: "ไม่มีการแก้ไข", en: "None" },
  "verify.level.LTA_UPDATES": { th: "เพิ่มข้อมูลสำหรับตรวจสอบระยะยาวเท่านั้น (ไม่กระทบเนื้อหา)", en: "Only long-term validation data added (content unchanged)" },
  "verify.level.FORM_FILLING": { th: "กรอกแบบฟอร์มหรือลงนามเพิ่ม (ไม่กระทบเนื้อหา)", en: "Form filling or further signatures (content unchanged)" },
  "verify.level.ANNOTATIONS": { th: "มีการเพิ่มหมายเหตุหรือรูปวาดทับ", en: "Annotations were added" },
  "verify.level.OTHER": { th: "มีการแก้ไขเนื้อหา", en: "The content was changed" },
  "verify.problems": { th: "ข้อสังเกต", en: "Problems found" },
  "problem.validation_error": { th: "ตรวจสอบลายมือชื่อไม่สำเร็จ", en: "The signature could not be validated" },
  "problem.not_intact": { th: "ข้อมูลที่ลงนามถูกเปลี่ยนแปลง", en: "The signed bytes were altered" },
  "problem.invalid_signature": { th: "ค่าลายมือชื่อไม่ถูกต้อง", en: "The signature value is wrong" },
  "problem.rejected_by_validator": { th: "ใบรับรองของผู้ลงนามไม่ผ่านการตรวจสอบ", en: "The signer's certificate was rejected" },
  "problem.seed_value_violation": { th: "ลงนามไม่ตรงตามเงื่อนไขที่เอกสารกำหนด", en: "The signature breaks the document's signing rules" },
  "problem.timestamp_invalid": { th: "การประทับรับรองเวลาไม่ถูกต้อง", en: "The time stamp is not valid" },
  "problem.timestamp_untrusted": { th: "ผู้ประทับรับรองเวลาไม่อยู่ในรายการที่เชื่อถือ", en: "The time-stamp authority is not trusted" },
  "problem.signer_revoked": { th: "ใบรับรองของผู้ลงนามถูกเพิกถอน", en: "The signer's certificate was revoked" },
  "problem.untrusted_signer": { th: "ผู้ออกใบรับรองไม่อยู่ในรายการที่เชื่อถือ (NRCA / AATL)", en: "The certificate issuer is not on the trusted lists (NRCA / AATL)" },
  "problem.modified_after_signing": { th: "มีการแก้ไขเอกสารหลังลงนาม", en: "The document was changed after signing" },
});

const STATUS_KIND = { in_force: "ok", suspended: "warn", revoked: "bad", expired: "neutral" };
const VERDICT_KIND = { valid: "ok", invalid: "bad", untrusted: "warn", modified: "bad", unsigned: "neutral" };

function statusBadge(status) {
  return badge(has(`licence.${status}`) ? t(`licence.${status}`) : status, STATUS_KIND[status] || "neutral");
}

/** The licence's data fields with the form's labels where the service is known. */
async function fieldRows(licence) {
  const fields = licence.fields || {};
  if (Array.isArray(fields)) return fields.map((f) => [L(f.label), L(f.value)]);
  let labels = {};
  if (licence.service_id) {
    try {
      const service = await loadService(licence.service_id);
      labels = Object.fromEntries(service.form.map((f) => [f.name, f]));
    } catch {
      labels = {};
    }
  }
  return Object.entries(fields).map(([name, value]) => {
    const field = labels[name];
    let shown = L(value);
    if (field?.options?.length) shown = L(field.options.find((o) => o.value === value)?.label) || shown;
    else if (field?.type === "date") shown = formatDate(value);
    return [field ? L(field.label) : name, shown];
  });
}

async function licenceCard(licence, { heading = "h2", link = true } = {}) {
  if (licence.on_public_register === false && !licence.holder) {
    // Not a publicly displayed licence: its number and whether it is valid, nothing personal.
    return h(
      "li",
      { class: "card" },
      h(heading, {}, h("span", { class: "mono" }, licence.licence_number), " ", statusBadge(licence.status)),
      h("p", {}, t("licence.private")),
    );
  }
  return h(
    "li",
    { class: "card" },
    h(heading, {}, L(licence.title), " ", statusBadge(licence.status)),
    dl([
      [t("licence.number"), h("span", { class: "mono" }, licence.licence_number)],
      [t("licence.holder"), licence.holder],
      ...(await fieldRows(licence)),
      [t("licence.issued"), formatDate(licence.issued_at)],
      [t("licence.valid_until"), formatDate(licence.valid_until)],
      [t("licence.suspended_until"), licence.status === "suspended" ? formatDate(licence.suspended_until) : null],
      [t("licence.area"), licence.area || null],
      [t("licence.imported"), licence.imported ? t("licence.imported.yes") : null],
    ]),
    licenceImage(licence),
    link
      ? h("p", {}, h("a", { href: `#/verify/${encodeURIComponent(licence.licence_number)}` }, t("licence.verify")))
      : null,
  );
}

/** Act §13(1): the image of the licence (its sealed PDF, or the scan of a paper licence). */
function licenceImage(licence) {
  if (!licence.image) return null;
  const link = h("a", { href: licence.image.url, target: "_blank", rel: "noopener" }, t("licence.image"));
  if (licence.image.media_type?.startsWith("image/")) {
    return h("figure", {}, h("img", { src: licence.image.url, alt: t("licence.image.alt", { number: licence.licence_number }), loading: "lazy", style: "max-width:100%" }), h("figcaption", {}, link));
  }
  return h("p", {}, link);
}

const FILTERS = ["q", "service", "area", "status", "cursor"];

export async function registerPage({ view, query, isCurrent }) {
  setTitle(t("register.title"), L(SITE));
  const current = Object.fromEntries(FILTERS.map((k) => [k, (query.get(k) || "").trim()]));
  const input = h("input", { type: "search", name: "q", value: current.q, autocomplete: "off" });
  const search = labelled({ label: t("register.search"), input });
  const serviceSelect = h("select", { name: "service" }, h("option", { value: "" }, t("register.any")));
  const service = labelled({ label: t("register.service"), input: serviceSelect });
  const areaInput = h("input", { type: "text", name: "area", value: current.area, class: "medium" });
  const area = labelled({ label: t("register.area"), input: areaInput });
  const statusSelect = h("select", { name: "status" }, h("option", { value: "" }, t("register.any")),
    ["in_force", "suspended", "revoked", "expired"].map((s) => h("option", { value: s, selected: s === current.status }, t(`licence.${s}`))));
  const status = labelled({ label: t("register.status"), input: statusSelect });
  const results = h("div", { "aria-live": "polite" }, loading());
  const filtersUrl = (extra = {}) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({ q: input.value.trim(), service: serviceSelect.value, area: areaInput.value.trim(), status: statusSelect.value, ...extra })) {
      if (value) params.set(key, value);
    }
    return params.toString() ? `#/register?${params}` : "#/register";
  };
  replace(
    view,
    h("h1", {}, t("register.title")),
    h("p", {}, t("register.intro")),
    h("form", {
      class: "search-form",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        navigate(filtersUrl());
      },
    }, search.wrapper, service.wrapper, area.wrapper, status.wrapper, h("button", { type: "submit", class: "primary" }, t("search"))),
    results,
  );
  api("/services", { auth: false }).then(({ services }) => {
    for (const s of services || []) serviceSelect.append(h("option", { value: s.id, selected: s.id === current.service }, L(s.name)));
  }).catch(() => {});
  try {
    const params = new URLSearchParams();
    for (const key of FILTERS) if (current[key]) params.set(key, current[key]);
    const { licences, next_cursor: next } = await api(`/register${params.toString() ? `?${params}` : ""}`, { auth: false });
    const cards = await Promise.all(licences.map((licence) => licenceCard(licence)));
    if (!isCurrent()) return;
    replace(
      results,
      h("p", { class: "muted", role: "status" }, t("register.count", { count: licences.length })),
      licences.length ? h("ul", { class: "cards", id: "licences" }, cards) : h("p", {}, t("register.none")),
      next ? h("p", {}, h("a", { href: filtersUrl({ cursor: next }), rel: "next" }, t("register.next"))) : null,
    );
  } catch (error) {
    if (isCurrent()) replace(results, alertBox(error.code === "route.missing" ? { text: both("register.unavailable") } : error));
  }
}

export async function verifyPage({ view, params, isCurrent }) {
  setTitle(t("verify.title"), L(SITE));
  const number = params.number || "";
  const lookup = h("div", { "aria-live": "polite" });
  const numberInput = h("input", { type: "text", name: "licence_number", class: "medium", value: number, autocomplete: "off", spellcheck: "false" });
  const numberField = labelled({ label: t("verify.number"), input: numberInput, help: t("verify.number.help") });
  const fileInput = h("input", { type: "file", name: "pdf", accept: ".pdf,application/pdf" });
  const fileField = labelled({ label: t("verify.file"), input: fileInput, help: t("verify.file.help") });
  const checkFile = h("button", { type: "submit", class: "primary" }, t("verify.check"));
  const report = h("div", { id: "verify-report", "aria-live": "polite" });

  replace(
    view,
    h("h1", {}, t("verify.title")),
    h("p", {}, t("verify.intro")),
    lookup,
    h("section", { "aria-labelledby": "by-number" },
      h("h2", { id: "by-number" }, t("verify.by_number")),
      h("form", {
        class: "search-form",
        onsubmit: (event) => {
          event.preventDefault();
          numberField.setError("");
          const value = numberInput.value.trim();
          if (!value) {
            numberField.setError(t("field.required"));
            numberInput.focus();
            return;
          }
          navigate(`#/verify/${encodeURIComponent(value)}`);
        },
      }, numberField.wrapper, h("button", { type: "submit" }, t("verify.check")))),
    h("section", { "aria-labelledby": "by-file" },
      h("h2", { id: "by-file" }, t("verify.by_file")),
      h("form", {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          fileField.setError("");
          const file = fileInput.files?.[0];
          if (!file) {
            fileField.setError(t("verify.pick"));
            fileInput.focus();
            return;
          }
          whileBusy(checkFile, t("verify.checking"), async () => {
            try {
              const answer = await api("/verify", {
                method: "POST",
                body: await file.arrayBuffer(),
                contentType: "application/pdf",
                auth: false,
              });
              replace(report, await verificationReport(answer));
              report.querySelector("h2")?.focus();
            } catch (error) {
              replace(report, alertBox(error));
            }
          });
        },
      }, fileField.wrapper, h("div", { class: "actions" }, checkFile)),
      report),
  );

  if (!number) return;
  replace(lookup, loading());
  try {
    const { licence } = await api(`/register/${encodeURIComponent(number)}`, { auth: false });
    const card = await licenceCard(licence, { link: false });
    if (!isCurrent()) return;
    replace(
      lookup,
      h("section", { class: `panel ${licence.status === "in_force" ? "panel-success" : "panel-warn"}`, id: "licence-result" },
        h("h2", {}, t(`licence.says.${licence.status}`)),
        h("ul", { class: "cards" }, card),
        licence.document_sha256 ? h("p", { class: "small" }, `${t("licence.fingerprint")}: `, h("span", { class: "mono" }, licence.document_sha256)) : null,
        licence.history?.length
          ? [h("h3", {}, t("licence.history")),
            h("ol", { class: "timeline" }, licence.history.map((entry) =>
              h("li", {}, statusBadge(entry.status), h("span", { class: "when" }, formatDateTime(entry.at)),
                entry.reason ? h("p", {}, L(entry.reason)) : null)))]
          : null),
    );
  } catch (error) {
    if (isCurrent()) replace(lookup, alertBox(error));
  }
}

async function verificationReport(answer) {
  const report = answer.report || answer;
  const summary = report.summary;
  const ours = answer.issued_by_us;
  const info = agency();
  const signatures = report.signatures || [];
  return h(
    "section",
    { class: `panel ${summary === "valid" ? "panel-success" : "panel-warn"}` },
    h("h2", { tabindex: "-1" }, t("verify.result"), " ", badge(t(`verify.badge.${summary}`), VERDICT_KIND[summary] || "neutral")),
    h("p", { class: "lead", id: "verify-summary" }, t(`verify.summary.${summary}`)),
    ours != null
      ? h("p", {}, ours ? t("verify.ours", { agency: info ? L(info.name) : "" }) : t("verify.not_ours"))
      : null,
    answer.licence ? h("ul", { class: "cards" }, await licenceCard(answer.licence)) : null,
    answer.announcement
      ? h("p", { id: "verify-announcement" },
        t(answer.announcement.state === "superseded" ? "verify.announcement.superseded" : "verify.announcement",
          { title: L(answer.announcement.title), number: answer.announcement.number }),
        " ", h("a", { href: "#/announcements" }, t("nav.announcements")))
      : null,
    signatures.map((sig, i) =>
      h("div", { class: "card" },
        h("h3", {}, sig.is_document_timestamp ? t("verify.timestamp_only") : t("verify.signature", { n: i + 1 })),
        dl([
          [t("verify.signer"), sig.signer_cn ?? sig.signer_common_name],
          [t("verify.organisation"), sig.signer_o ?? sig.signer_organization],
          [t("verify.signed_at"), formatDateTime(sig.signing_time)],
          [t("verify.timestamp"), sig.timestamp_valid == null
            ? t("verify.timestamp.none")
            : sig.timestamp_valid
              ? t("verify.timestamp.ok", { time: formatDateTime(sig.timestamp_time) })
              : t("verify.timestamp.bad")],
          [t("verify.changes"), sig.modification_level
            ? (has(`verify.level.${sig.modification_level}`) ? t(`verify.level.${sig.modification_level}`) : sig.modification_level)
            : null],
          [t("verify.problems"), sig.problems?.length
            ? h("ul", {}, sig.problems.map((p) => h("li", {}, problemText(p))))
            : null],
        ]))),
    h("p", { class: "small" }, `${t("verify.sha256")}: `, h("span", { class: "mono" }, answer.sha256 || report.sha256)),
  );
}

function problemText(problem) {
  if (problem && typeof problem === "object") return L(problem.message || problem);
  return has(`problem.${problem}`) ? t(`problem.${problem}`) : String(problem);
}
