// The acknowledgment (Q3.9, Q3.10, R-2.3, R-2.4): reference code, receipt number, official time of
// receipt, expected completion, phone numbers to confirm receipt, and how to follow the request.

import { api } from "../core/api.js";
import { dl, h, replace } from "../core/dom.js";
import { addMessages, L, t } from "../core/i18n.js";
import { formatDateTime } from "../core/format.js";
import { alertBox, loading, setTitle } from "../core/ui.js";
import { requireSignIn, service as loadService, SITE } from "../state.js";

addMessages({
  "ack.title": { th: "ยื่นคำขอเรียบร้อยแล้ว", en: "Your request has been submitted" },
  "ack.intro": {
    th: "ระบบได้รับคำขอ “{service}” ของท่านแล้ว กรุณาจดเลขอ้างอิงคำขอไว้ และใช้เลขนี้เมื่อติดต่อสอบถาม",
    en: "We have received your request “{service}”. Note its reference and quote it whenever you contact us.",
  },
  "ack.reference": { th: "เลขอ้างอิงคำขอ (ใช้เลขนี้เมื่อติดต่อ)", en: "Reference (quote this number)" },
  "ack.receipt": { th: "เลขรับในทะเบียนหนังสือรับของหน่วยงาน", en: "The agency's receipt number (its register)" },
  "ack.receipt.pending": {
    th: "กำลังลงทะเบียนรับ… (โปรดรอสักครู่)",
    en: "Being registered… (please wait a moment)",
  },
  "ack.receipt.late": {
    th: "ยังไม่ได้เลขรับ ระบบจะแจ้งทางอีเมล หรือดูได้ที่หน้ารายละเอียดคำขอ",
    en: "No receipt number yet. You will get it by e-mail, or see it on the request page.",
  },
  "ack.received_at": { th: "วันและเวลาที่ถือว่าได้รับคำขอ", en: "Official time of receipt" },
  "ack.sent_at": { th: "วันและเวลาที่ส่งเข้าระบบ", en: "Time you sent it" },
  "ack.after_hours": {
    th: "คำขอส่งเข้ามานอกเวลาราชการ จึงถือว่าได้รับในวันทำการถัดไป ตามพระราชบัญญัติการปฏิบัติราชการทางอิเล็กทรอนิกส์ พ.ศ. 2565 มาตรา 10",
    en: "It arrived outside office hours, so it counts as received at the start of the next working day (Act on Electronic Performance of Administrative Duties B.E. 2565, s. 10).",
  },
  "ack.due": { th: "กำหนดแล้วเสร็จ (โดยประมาณ)", en: "Expected completion" },
  "ack.due.value": { th: "{date} (ภายใน {days} วันทำการ)", en: "{date} (within {days} working days)" },
  "ack.status": { th: "สถานะ", en: "Status" },
  "ack.signed": { th: "ลงลายมือชื่ออิเล็กทรอนิกส์เมื่อ", en: "Signed electronically at" },
  "ack.contact": { th: "ติดต่อสอบถามหรือยืนยันการรับเรื่อง", en: "To ask about it or confirm receipt" },
  "ack.records": { th: "งานสารบรรณ", en: "Records office" },
  "ack.track": { th: "ติดตามคำขอ", en: "Following your request" },
  "ack.track.text": {
    th: "ท่านจะได้รับอีเมล (และ SMS หรือ LINE หากเลือกไว้ที่ “ข้อมูลของฉัน”) ทุกครั้งที่สถานะเปลี่ยน และดูสถานะ ประวัติ และขั้นตอนต่อไปได้ที่เมนู “คำขอของฉัน” ตลอดเวลา",
    en: "You get an e-mail (and an SMS or LINE message if you chose them under “My details”) whenever the status changes, and you can see the status, history and next step under “My requests” at any time.",
  },
  "ack.evidence": {
    th: "ท่านสามารถพิมพ์หรือบันทึกภาพหน้าจอนี้ไว้เป็นหลักฐานเบื้องต้นได้",
    en: "You may print this page or keep a screenshot as preliminary evidence.",
  },
  "ack.open": { th: "ดูรายละเอียดคำขอ", en: "See the request" },
  "ack.print": { th: "พิมพ์หน้านี้", en: "Print this page" },
});

const POLL_MS = 1000;
const POLL_TRIES = 30;

export async function acknowledgementPage({ view, params, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("ack.title"), L(SITE));
  replace(view, h("h1", {}, t("ack.title")), loading());
  let request;
  let service;
  try {
    request = await api(`/requests/${encodeURIComponent(params.id)}`);
    service = await loadService(request.service.id).catch(() => null);
  } catch (error) {
    if (isCurrent()) replace(view, h("h1", {}, t("ack.title")), alertBox(error));
    return;
  }
  if (!isCurrent()) return;
  render(view, request, service, false);
  // The receipt number is given by the registration step a moment after submission.
  for (let attempt = 0; !request.receipt_number && attempt < POLL_TRIES; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (!isCurrent()) return;
    try {
      request = await api(`/requests/${encodeURIComponent(params.id)}`);
    } catch {
      continue;
    }
    if (!isCurrent()) return;
    if (request.receipt_number) render(view, request, service, false);
  }
  if (!request.receipt_number && isCurrent()) render(view, request, service, true);
}

function render(view, request, service, gaveUp) {
  const contact = request.contact || {};
  const submitted = request.submitted_at ? new Date(request.submitted_at) : null;
  const deemed = request.deemed_received_at ? new Date(request.deemed_received_at) : null;
  const afterHours = submitted && deemed && Math.abs(deemed - submitted) > 60_000;
  const receipt = request.receipt_number
    ? h("span", { id: "receipt-number" }, request.receipt_number)
    : h("span", { role: "status", id: "receipt-pending" }, t(gaveUp ? "ack.receipt.late" : "ack.receipt.pending"));
  replace(
    view,
    h(
      "div",
      { class: "panel panel-success" },
      h("h1", {}, t("ack.title")),
      h("p", {}, t("ack.intro", { service: L(request.service.name) })),
    ),
    dl(
      [
        [t("ack.reference"), h("span", { class: "big-number", id: "reference" }, request.reference || request.id)],
        [t("ack.receipt"), receipt],
        [t("ack.received_at"), deemed ? h("span", { id: "received-at" }, formatDateTime(request.deemed_received_at)) : (request.receipt_number ? "" : "…")],
        [t("ack.sent_at"), afterHours ? formatDateTime(request.submitted_at) : null],
        [
          t("ack.due"),
          request.due_at
            ? h("span", { id: "due-at" }, service
              ? t("ack.due.value", { date: formatDateTime(request.due_at), days: service.sla_working_days })
              : formatDateTime(request.due_at))
            : null,
        ],
        [t("ack.status"), L(request.status_label)],
        [t("ack.signed"), request.intent ? formatDateTime(request.intent.signed_at) : null],
      ],
      { id: "acknowledgement" },
    ),
    afterHours ? h("p", { class: "small" }, t("ack.after_hours")) : null,
    h("h2", {}, t("ack.contact")),
    dl([
      [t("ack.records"), contact.records_office_phone],
      [L(contact.unit), contact.unit_phone],
    ]),
    h("h2", {}, t("ack.track")),
    h("p", {}, t("ack.track.text")),
    h("p", { class: "small muted" }, t("ack.evidence")),
    h(
      "div",
      { class: "actions" },
      h("a", { class: "button primary", href: `#/requests/${encodeURIComponent(request.id)}` }, t("ack.open")),
      h("button", { type: "button", onclick: () => window.print() }, t("ack.print")),
    ),
  );
}
