// The confirmation page (Q3.7) and the electronic signature of intent at submission (Q3.8):
// everything shown once more, the declaration text, an explicit "I accept", then submit.

import { api } from "../core/api.js";
import { h, replace } from "../core/dom.js";
import { addMessages, L, lang, t } from "../core/i18n.js";
import { formatBaht, formatSize } from "../core/format.js";
import { navigate } from "../core/router.js";
import { alertBox, errorSummary, loading, setTitle, whileBusy } from "../core/ui.js";
import { requireSignIn, service as loadService, SITE } from "../state.js";
import { documentsStep, pagesOf, stepOfField } from "./steps.js";

addMessages({
  "confirm.step": { th: "ขั้นตอนที่ {n} จาก {n}: ตรวจสอบและยืนยัน", en: "Step {n} of {n}: check and confirm" },
  "confirm.change": { th: "เปลี่ยน", en: "Change" },
  "confirm.title": { th: "ตรวจสอบข้อมูลก่อนยื่นคำขอ", en: "Check your request before submitting" },
  "confirm.intro": {
    th: "กรุณาตรวจสอบข้อมูลและเอกสารทั้งหมด หากต้องการแก้ไขรายการใด กด “เปลี่ยน” ที่รายการนั้น แล้วระบบจะพากลับมาหน้านี้",
    en: "Check all answers and documents. To change one, choose “Change” on its row; you come back here afterwards.",
  },
  "confirm.answers": { th: "ข้อมูลในคำขอ", en: "Your answers" },
  "confirm.question": { th: "รายการ", en: "Question" },
  "confirm.answer": { th: "ข้อมูล", en: "Answer" },
  "confirm.documents": { th: "เอกสารที่แนบ", en: "Attached documents" },
  "confirm.document": { th: "เอกสาร", en: "Document" },
  "confirm.file": { th: "ไฟล์", en: "File" },
  "confirm.none": { th: "ไม่มีเอกสารแนบ", en: "No documents attached" },
  "confirm.fee": { th: "ค่าธรรมเนียม", en: "Fee" },
  "confirm.fee.none": { th: "ไม่มีค่าธรรมเนียม", en: "No fee" },
  "confirm.fee.later": {
    th: "{amount} ชำระหลังจากคำขอได้รับอนุมัติ ระบบจะแจ้งวิธีชำระเงิน",
    en: "{amount}, paid after the request is approved; you will be told how to pay.",
  },
  "confirm.on_behalf": { th: "ยื่นแทน", en: "On behalf of" },
  "confirm.declaration": { th: "คำรับรอง", en: "Declaration" },
  "confirm.signature": {
    th: "การทำเครื่องหมายยอมรับและกด “ยื่นคำขอ” ถือเป็นการลงลายมือชื่ออิเล็กทรอนิกส์ในคำขอนี้ ระบบจะเก็บเวลาที่ท่านยืนยันและข้อมูลที่ยื่นไว้เป็นหลักฐาน",
    en: "Ticking the box and choosing “Submit” signs this request electronically. The time you confirm and what you submit are kept as evidence.",
  },
  "confirm.accept": {
    th: "ข้าพเจ้าได้อ่านและยอมรับคำรับรองข้างต้น และขอยื่นคำขอนี้",
    en: "I have read and accept the declaration above, and I submit this request.",
  },
  "confirm.accept.required": {
    th: "กรุณาทำเครื่องหมายยอมรับคำรับรองก่อนยื่นคำขอ",
    en: "Please tick the box to accept the declaration before submitting.",
  },
  "confirm.back": { th: "กลับไปแก้ไข", en: "Back to edit" },
  "confirm.submit": { th: "ยื่นคำขอ", en: "Submit" },
  "confirm.submitting": { th: "กำลังยื่นคำขอ…", en: "Submitting…" },
});

// The confirmation fetched by the form's "Review" button, reused instead of fetching twice.
const remembered = new Map();

export function rememberConfirmation(draftId, language, confirmation) {
  remembered.set(`${draftId}:${language}`, confirmation);
}

/** "Change" with the row's name for screen readers, to that question's page and back here. */
function changeLink(draftId, step, what, id) {
  return h("a", { href: `#/drafts/${encodeURIComponent(draftId)}?step=${step}&back=check`, class: "change", id },
    t("confirm.change"), h("span", { class: "visually-hidden" }, ` ${what}`));
}

/** The declaration as the reader reads it (the evidence keeps both languages, as sent back on submit). */
function declarationText(service, confirmation) {
  const own = service.declaration ? L(service.declaration) : "";
  return own && confirmation.declaration.includes(own) ? own : confirmation.declaration;
}

export async function confirmPage({ view, params, isCurrent }) {
  if (!requireSignIn()) return;
  const draftId = params.id;
  const language = lang();
  setTitle(t("confirm.title"), L(SITE));
  replace(view, h("h1", {}, t("confirm.title")), loading());
  let confirmation = remembered.get(`${draftId}:${language}`);
  let service;
  try {
    if (!confirmation) {
      confirmation = await api(`/drafts/${encodeURIComponent(draftId)}/confirmation?lang=${language}`);
      rememberConfirmation(draftId, language, confirmation);
    }
    service = await loadService(confirmation.service.id);
  } catch (error) {
    if (!isCurrent()) return;
    // Something is still missing or wrong: back to the form, where the fields show it.
    replace(
      view,
      h("h1", {}, t("confirm.title")),
      alertBox(error, { unplaced: error.details || [] }),
      h("p", {}, h("a", { class: "button", href: `#/drafts/${encodeURIComponent(draftId)}` }, t("confirm.back"))),
    );
    return;
  }
  if (!isCurrent()) return;
  remembered.delete(`${draftId}:${language}`);

  const docNames = Object.fromEntries(service.documents.map((d) => [d.id, d.name]));
  const messages = h("div");
  const acceptBox = h("input", { type: "checkbox", id: "accept-declaration", name: "accept", "aria-describedby": "declaration-text accept-error" });
  const acceptError = h("p", { class: "field-error", id: "accept-error", hidden: true });
  const acceptField = h("div", { class: "field" }, acceptError,
    h("div", { class: "choice" }, acceptBox, h("label", { for: acceptBox.id }, t("confirm.accept"))));
  acceptBox.addEventListener("change", () => {
    if (acceptBox.checked) {
      acceptError.hidden = true;
      acceptField.classList.remove("has-error");
      acceptBox.removeAttribute("aria-invalid");
    }
  });
  const submit = h("button", { type: "submit", class: "primary", id: "submit-request" }, t("confirm.submit"));
  const onBehalf = confirmation.on_behalf_of;

  replace(
    view,
    h("p", { class: "muted small" }, t("confirm.step", { n: pagesOf(service).length + 1 })),
    h("h1", {}, t("confirm.title")),
    h("p", { class: "lead" }, L(confirmation.service.name)),
    h("p", {}, t("confirm.intro")),
    messages,
    h("h2", {}, t("confirm.answers")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data stack", id: "confirm-rows" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("confirm.question")), h("th", { scope: "col" }, t("confirm.answer")),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("confirm.change"))))),
        // The row header names the answer once (no data-label copy of it on phones).
        h("tbody", {}, confirmation.rows.map((row) =>
          h("tr", { "data-field": row.name }, h("th", { scope: "row" }, row.label), h("td", {}, row.value),
            h("td", { class: "change-cell" }, changeLink(draftId, stepOfField(service, row.name), row.label, `change-${row.name}`))))),
      ),
    ),
    onBehalf ? h("p", {}, `${t("confirm.on_behalf")}: ${onBehalf.name} (${onBehalf.identifier})`) : null,
    h("h2", {}, t("confirm.documents")),
    confirmation.attachments.length
      ? h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data stack" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("confirm.document")), h("th", { scope: "col" }, t("confirm.file")),
            h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("confirm.change"))))),
          h("tbody", {}, confirmation.attachments.map((a) =>
            h("tr", {},
              h("th", { scope: "row" }, L(docNames[a.document_id]) || a.document_id),
              h("td", {}, `${a.file_name} (${String(a.format).toUpperCase()}, ${formatSize(a.size)})`),
              h("td", { class: "change-cell" }, documentsStep(service)
                ? changeLink(draftId, documentsStep(service), L(docNames[a.document_id]) || a.document_id, `change-doc-${a.document_id}`)
                : null)))),
        ),
      )
      : h("p", {}, t("confirm.none")),
    h("h2", {}, t("confirm.fee")),
    h("p", {}, confirmation.fee_satang
      ? t("confirm.fee.later", { amount: formatBaht(confirmation.fee_satang) })
      : t("confirm.fee.none")),
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          if (!acceptBox.checked) {
            acceptError.textContent = t("confirm.accept.required");
            acceptError.hidden = false;
            acceptField.classList.add("has-error");
            acceptBox.setAttribute("aria-invalid", "true");
            const summary = errorSummary([{ text: t("confirm.accept.required"), target: acceptBox }]);
            replace(messages, summary);
            acceptBox.focus();
            return;
          }
          whileBusy(submit, t("confirm.submitting"), async () => {
            try {
              const request = await api(`/drafts/${encodeURIComponent(draftId)}/submit`, {
                method: "POST",
                body: { declaration: confirmation.declaration, content_hash: confirmation.content_hash, accept: true },
              });
              navigate(`#/requests/${encodeURIComponent(request.id)}/submitted`, { replace: true });
            } catch (error) {
              if (error.code === "confirmation.outdated") {
                // The draft changed (another tab?): show the fresh content to confirm again.
                replace(messages, alertBox(error));
                window.setTimeout(() => navigate(`#/drafts/${encodeURIComponent(draftId)}/confirm`), 1500);
                return;
              }
              replace(messages, alertBox(error, { unplaced: error.details || [] }));
              messages.firstChild.setAttribute("tabindex", "-1");
              messages.firstChild.focus();
            }
          });
        },
      },
      h("h2", {}, t("confirm.declaration")),
      h("blockquote", { class: "declaration", id: "declaration-text" }, declarationText(service, confirmation)),
      h("p", { class: "small" }, t("confirm.signature")),
      acceptField,
      h(
        "div",
        { class: "actions" },
        submit,
        h("a", { class: "button", href: `#/drafts/${encodeURIComponent(draftId)}?step=${pagesOf(service).length}`, id: "back-to-edit" }, t("confirm.back")),
      ),
    ),
  );
}
