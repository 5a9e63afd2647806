// Tracking (step 9): my requests, and one request with its status, history, next step, documents to
// download, more documents when asked (R-3.1) and withdrawal (R-3.4).

import { api } from "../core/api.js";
import { dl, h, replace } from "../core/dom.js";
import { addMessages, has, L, t } from "../core/i18n.js";
import { formatBaht, formatDateTime, formatSize, shortHash } from "../core/format.js";
import { navigate } from "../core/router.js";
import { statusKind, WITHDRAWABLE } from "../core/status.js";
import { alertBox, badge, labelled, loading, notice, setTitle, whileBusy } from "../core/ui.js";
import { requireSignIn, service as loadService, SITE } from "../state.js";
import { uploadSlots } from "../uploads.js";
import { paymentSection } from "./payment.js";

addMessages({
  "requests.title": { th: "คำขอของฉัน", en: "My requests" },
  "requests.none": { th: "ท่านยังไม่มีคำขอที่ยื่นแล้ว", en: "You have not submitted any request yet." },
  "requests.browse": { th: "เลือกบริการเพื่อยื่นคำขอ", en: "Choose a service to apply" },
  "requests.service": { th: "บริการ", en: "Service" },
  "requests.reference": { th: "เลขอ้างอิง", en: "Reference" },
  "requests.receipt": { th: "เลขรับ", en: "Receipt no." },
  "requests.submitted": { th: "ยื่นเมื่อ", en: "Submitted" },
  "requests.status": { th: "สถานะ", en: "Status" },
  "requests.open": { th: "ดูรายละเอียด", en: "Details" },
  "request.received_at": { th: "วันและเวลาที่ถือว่าได้รับ", en: "Official time of receipt" },
  "request.due": { th: "กำหนดแล้วเสร็จ", en: "Expected completion" },
  "request.fee": { th: "ค่าธรรมเนียม", en: "Fee" },
  "request.licence": { th: "เลขที่ใบอนุญาต", en: "Licence number" },
  "request.next": { th: "สิ่งที่ท่านต้องทำต่อ", en: "What you need to do next" },
  "request.deadline": { th: "ภายใน {date}", en: "By {date}" },
  "request.wait": {
    th: "ขณะนี้ไม่มีสิ่งที่ท่านต้องทำ เจ้าหน้าที่กำลังดำเนินการ ระบบจะแจ้งทางอีเมลเมื่อสถานะเปลี่ยน",
    en: "Nothing to do for now: the agency is working on it. You will get an e-mail when the status changes.",
  },
  "request.history": { th: "ประวัติการดำเนินการ", en: "History" },
  "request.by.applicant": { th: "โดยผู้ยื่นคำขอ", en: "by you" },
  "request.by.officer": { th: "โดยเจ้าหน้าที่", en: "by an officer" },
  "request.by.system": { th: "โดยระบบ", en: "by the system" },
  "request.documents": { th: "เอกสารที่ออกให้", en: "Documents issued to you" },
  "request.download": { th: "ดาวน์โหลด {name}", en: "Download {name}" },
  "request.download.failed": { th: "ยังดาวน์โหลด{name}ไม่ได้", en: "{name} cannot be downloaded yet." },
  "doc.licence": { th: "ใบอนุญาต / หนังสือรับรอง (PDF)", en: "Licence / certificate (PDF)" },
  "doc.acknowledgment": { th: "หนังสือตอบรับคำขอ (PDF)", en: "Acknowledgment of receipt (PDF)" },
  "doc.refusal": { th: "หนังสือแจ้งผลการพิจารณา (PDF)", en: "Decision letter (PDF)" },
  "doc.receipt": { th: "ใบเสร็จรับเงินอิเล็กทรอนิกส์ (PDF)", en: "Electronic receipt (PDF)" },
  "doc.invoice": { th: "ใบแจ้งการชำระเงิน (PDF)", en: "Payment notice (PDF)" },
  "doc.paper": {
    th: "ท่านยังมีสิทธิขอรับสำเนาเป็นกระดาษได้ที่หน่วยงาน ทั้งในขณะนี้และภายหลัง",
    en: "You can still ask the agency for a paper copy, now or later.",
  },
  "request.attachments": { th: "เอกสารที่ท่านแนบ", en: "Documents you attached" },
  "request.more.title": { th: "เจ้าหน้าที่ขอเอกสารเพิ่มเติม", en: "The officer asked for more documents" },
  "request.more.intro": {
    th: "แนบเอกสารที่ขอ (แนบเฉพาะรายการที่เกี่ยวข้อง) แล้วกด “ส่งเอกสารเพิ่มเติม” หากพ้นกำหนด เจ้าหน้าที่อาจเสนอจำหน่ายเรื่อง",
    en: "Attach the documents asked for (only those concerned), then choose “Send”. If the deadline passes, the request may be dismissed.",
  },
  "request.more.note": { th: "คำชี้แจงถึงเจ้าหน้าที่", en: "Note to the officer" },
  "request.more.send": { th: "ส่งเอกสารเพิ่มเติม", en: "Send the documents" },
  "request.more.sending": { th: "กำลังส่ง…", en: "Sending…" },
  "request.more.sent": { th: "ส่งเอกสารเพิ่มเติมแล้ว", en: "Documents sent." },
  "request.withdraw": { th: "ถอนคำขอ", en: "Withdraw the request" },
  "request.withdraw.intro": {
    th: "การถอนคำขอไม่สามารถย้อนกลับได้ หากต้องการยื่นใหม่ต้องเริ่มคำขอใหม่ เพื่อความปลอดภัยระบบอาจให้เข้าสู่ระบบอีกครั้ง",
    en: "Withdrawal cannot be undone; to apply again you start a new request. For your safety you may be asked to sign in again.",
  },
  "request.withdraw.reason": { th: "เหตุผลที่ถอนคำขอ", en: "Why you withdraw it" },
  "request.withdraw.confirm": { th: "ยืนยันการถอนคำขอ", en: "Confirm withdrawal" },
  "request.withdraw.busy": { th: "กำลังถอนคำขอ…", en: "Withdrawing…" },
  "request.withdrawn": { th: "ถอนคำขอแล้ว", en: "The request has been withdrawn." },
  "request.signin_again": { th: "เข้าสู่ระบบอีกครั้ง", en: "Sign in again" },
  "request.contact": { th: "ติดต่อสอบถาม", en: "Contact" },
  "request.records": { th: "งานสารบรรณ", en: "Records office" },
  "request.evidence": { th: "หลักฐานการลงลายมือชื่อ", en: "Signature evidence" },
  "request.evidence.text": {
    th: "ยืนยันเมื่อ {time} · SHA-256 {hash}",
    en: "Confirmed {time} · SHA-256 {hash}",
  },
});

export async function requestsPage({ view, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("requests.title"), L(SITE));
  replace(view, h("h1", {}, t("requests.title")), loading());
  try {
    const { requests } = await api("/requests");
    if (!isCurrent()) return;
    replace(
      view,
      h("h1", {}, t("requests.title")),
      requests.length
        ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "data stack", id: "my-requests" },
            h("thead", {}, h("tr", {},
              [t("requests.service"), t("requests.reference"), t("requests.receipt"), t("requests.submitted"), t("requests.status")]
                .map((label) => h("th", { scope: "col" }, label)))),
            h("tbody", {}, requests.map((r) =>
              h("tr", {},
                h("td", { "data-label": t("requests.service") },
                  h("a", { href: `#/requests/${encodeURIComponent(r.id)}` }, L(r.service.name))),
                h("td", { "data-label": t("requests.reference"), class: "mono" }, r.reference || r.id),
                h("td", { "data-label": t("requests.receipt") }, r.receipt_number || "–"),
                h("td", { "data-label": t("requests.submitted") }, formatDateTime(r.submitted_at)),
                h("td", { "data-label": t("requests.status") }, badge(L(r.status_label), statusKind(r.status)))))),
          ),
        )
        : h("p", {}, t("requests.none")),
      h("p", {}, h("a", { href: "#/" }, t("requests.browse"))),
    );
  } catch (error) {
    if (isCurrent()) replace(view, h("h1", {}, t("requests.title")), alertBox(error));
  }
}

// Upload state for "more documents", kept across language switches.
let supplement = { requestId: null, accepted: {}, errors: {} };

export async function requestPage({ view, params, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("requests.title"), L(SITE));
  replace(view, loading());
  let request;
  let service = null;
  try {
    request = await api(`/requests/${encodeURIComponent(params.id)}`);
    service = await loadService(request.service.id).catch(() => null);
  } catch (error) {
    if (isCurrent()) replace(view, h("h1", {}, t("requests.title")), alertBox(error));
    return;
  }
  if (!isCurrent()) return;
  if (supplement.requestId !== request.id) supplement = { requestId: request.id, accepted: {}, errors: {} };
  setTitle(L(request.service.name), L(SITE));

  const base = `/requests/${encodeURIComponent(request.id)}`;
  const documentsBox = h("div");
  const docNames = Object.fromEntries((service?.documents || []).map((d) => [d.id, d.name]));

  replace(
    view,
    h("h1", {}, L(request.service.name)),
    h("p", {}, badge(L(request.status_label), statusKind(request.status))),
    DONE[query.get("done")] ? notice(t(DONE[query.get("done")]), "success") : null,
    dl([
      [t("requests.reference"), h("span", { class: "mono" }, request.reference || request.id)],
      [t("requests.receipt"), request.receipt_number],
      [t("request.received_at"), formatDateTime(request.deemed_received_at)],
      [t("requests.submitted"), formatDateTime(request.submitted_at)],
      [t("request.due"), formatDateTime(request.due_at)],
      [t("request.fee"), request.fee_satang ? formatBaht(request.fee_satang) : null],
      [t("request.licence"), request.licence_number
        ? h("a", { href: `#/verify/${encodeURIComponent(request.licence_number)}` }, request.licence_number)
        : null],
    ]),
    nextAction(request, service, base, isCurrent),
    documentsBox,
    h("h2", {}, t("request.history")),
    h("ol", { class: "timeline", id: "history" }, (request.history || []).map((event) =>
      h("li", {},
        h("strong", {}, L(event.label)),
        h("span", { class: "when" }, formatDateTime(event.at), " · ", t(`request.by.${event.by}`)),
        event.reason ? h("p", {}, L(event.reason)) : null))),
    request.attachments?.length
      ? [
        h("h2", {}, t("request.attachments")),
        h("ul", {}, request.attachments.map((a) =>
          h("li", {}, `${L(docNames[a.document_id]) || a.document_id}: ${a.file_name} (${String(a.format).toUpperCase()}, ${formatSize(a.size)})`))),
      ]
      : null,
    request.intent
      ? h("p", { class: "small muted" }, `${t("request.evidence")}: `,
        t("request.evidence.text", { time: formatDateTime(request.intent.signed_at), hash: shortHash(request.intent.content_hash) }))
      : null,
    h("h2", {}, t("request.contact")),
    dl([
      [t("request.records"), request.contact?.records_office_phone],
      [L(request.contact?.unit), request.contact?.unit_phone],
    ]),
    WITHDRAWABLE.has(request.status) ? withdrawal(request, base) : null,
  );
  fillDocuments(documentsBox, request, base, isCurrent);
}

// What the page confirms after an action that reloads it (?done=...).
const DONE = { withdrawn: "request.withdrawn", resubmitted: "request.more.sent", slip: "pay.slip.sent" };

function nextAction(request, service, base, isCurrent) {
  if (request.status === "more_documents_requested" && service) return moreDocuments(request, service, base);
  if (request.status === "awaiting_payment") return paymentSection(request, base, isCurrent);
  return nextStep(request);
}

function nextStep(request) {
  if (!request.next_step) {
    const finished = ["delivered", "rejected", "referred", "withdrawn", "dismissed"].includes(request.status);
    return finished ? null : h("p", { class: "muted" }, t("request.wait"));
  }
  return h(
    "section",
    { class: "panel panel-warn", "aria-labelledby": "next-heading" },
    h("h2", { id: "next-heading" }, t("request.next")),
    h("p", {}, L(request.next_step)),
    request.deadline ? h("p", {}, h("strong", {}, t("request.deadline", { date: formatDateTime(request.deadline) }))) : null,
  );
}

async function fillDocuments(box, request, base, isCurrent) {
  const kinds = Object.keys(request.documents || {}).filter((kind) => kind !== "licence_draft");
  if (!kinds.length) return;
  const items = await Promise.all(kinds.map(async (kind) => {
    const name = has(`doc.${kind}`) ? t(`doc.${kind}`) : kind.replace(/_/g, " ");
    try {
      const link = await api(`${base}/documents/${encodeURIComponent(kind)}`);
      return h("li", {}, h("a", { href: link.url, download: link.file_name, rel: "noopener" }, t("request.download", { name })),
        link.file_name ? h("span", { class: "small muted" }, ` (${link.file_name})`) : null);
    } catch {
      return h("li", {}, t("request.download.failed", { name }));
    }
  }));
  if (!isCurrent()) return;
  replace(box, h("section", { "aria-labelledby": "docs-heading" },
    h("h2", { id: "docs-heading" }, t("request.documents")),
    h("ul", {}, items),
    h("p", { class: "small muted" }, t("doc.paper"))));
}

function moreDocuments(request, service, base) {
  // What the officer asked for: the request's own field if the API gives it, else the history's reason.
  const asked = request.more_documents?.what || request.more_documents_what
    || [...(request.history || [])].reverse().find((e) => e.status === "more_documents_requested")?.reason;
  const messages = h("div");
  const slots = uploadSlots({ documents: service.documents, basePath: base, state: supplement, markRequired: false });
  const note = labelled({ label: t("request.more.note"), input: h("textarea", { name: "note", rows: 3, maxlength: 1000 }) });
  const send = h("button", { type: "submit", class: "primary" }, t("request.more.send"));
  return h(
    "section",
    { class: "panel panel-warn", "aria-labelledby": "more-heading", id: "more-documents" },
    h("h2", { id: "more-heading" }, t("request.more.title")),
    asked ? h("p", {}, h("strong", {}, L(asked))) : null,
    request.next_step ? h("p", {}, L(request.next_step)) : null,
    request.deadline ? h("p", {}, h("strong", {}, t("request.deadline", { date: formatDateTime(request.deadline) }))) : null,
    h("p", {}, t("request.more.intro")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          whileBusy(send, t("request.more.sending"), async () => {
            try {
              await api(`${base}/resubmit`, { method: "POST", body: { note: note.input.value.trim() || null } });
              supplement = { requestId: null, accepted: {}, errors: {} };
              navigate(`#/requests/${encodeURIComponent(request.id)}?done=resubmitted`, { replace: true });
            } catch (error) {
              for (const detail of error.details || []) {
                if (detail.field?.startsWith("documents.")) slots.setError(detail.field.slice(10), detail.message);
                if (detail.field === "note") note.setError(L(detail.message));
              }
              replace(messages, alertBox(error));
            }
          });
        },
      },
      slots.element,
      note.wrapper,
      h("div", { class: "actions" }, send),
    ),
  );
}

function withdrawal(request, base) {
  const messages = h("div");
  const reason = labelled({
    label: t("request.withdraw.reason"),
    input: h("textarea", { name: "reason", rows: 3, maxlength: 1000 }),
    required: true,
  });
  const confirm = h("button", { type: "submit", class: "danger" }, t("request.withdraw.confirm"));
  return h(
    "details",
    { class: "panel", id: "withdraw" },
    h("summary", {}, t("request.withdraw")),
    h("p", {}, t("request.withdraw.intro")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          reason.setError("");
          if (!reason.input.value.trim()) {
            reason.setError(t("field.required"));
            reason.input.focus();
            return;
          }
          whileBusy(confirm, t("request.withdraw.busy"), async () => {
            try {
              await api(`${base}/withdraw`, { method: "POST", body: { reason: reason.input.value.trim() } });
              navigate(`#/requests/${encodeURIComponent(request.id)}?done=withdrawn`, { replace: true });
            } catch (error) {
              const again = error.code === "auth.fresh_required"
                ? h("p", {}, h("a", { href: `#/signin?next=${encodeURIComponent(`#/requests/${request.id}`)}` }, t("request.signin_again")))
                : null;
              replace(messages, alertBox(error), again);
            }
          });
        },
      },
      reason.wrapper,
      h("div", { class: "actions" }, confirm),
    ),
  );
}
