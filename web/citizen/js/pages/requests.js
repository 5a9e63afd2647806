// Tracking (step 9): my requests, and one request with its status, history, next step, documents to
// download, more documents when asked (R-3.1) with the officer's reason and only the slots asked for,
// the messages with the officers, the deemed time of each contact (R-2.4), a paper copy (R-4.7), the
// grounds of a dismissal with the right of appeal (R-3.2), and withdrawal (R-3.4).

import { api } from "../core/api.js";
import { dl, h, replace } from "../core/dom.js";
import { addMessages, has, L, t } from "../core/i18n.js";
import { formatBaht, formatDateTime, formatSize } from "../core/format.js";
import { navigate } from "../core/router.js";
import { statusKind, WITHDRAWABLE } from "../core/status.js";
import { alertBox, badge, bilingualText, grouped, labelled, loading, notice, setTitle, whileBusy } from "../core/ui.js";
import { requireSignIn, service as loadService, SITE } from "../state.js";
import { uploadSlots } from "../uploads.js";
import { cardReturnNotice, PAYMENT_DONE, paymentSection } from "./payment.js";

addMessages({
  "requests.title": { th: "คำขอของฉัน", en: "My requests" },
  "requests.none": { th: "ท่านยังไม่มีคำขอที่ยื่นแล้ว", en: "You have not submitted any request yet." },
  "requests.browse": { th: "เลือกบริการเพื่อยื่นคำขอ", en: "Choose a service to apply" },
  "requests.service": { th: "บริการ", en: "Service" },
  "requests.reference": { th: "เลขอ้างอิง (ใช้เมื่อติดต่อ)", en: "Reference (quote it)" },
  "requests.receipt": { th: "เลขรับของหน่วยงาน", en: "Agency receipt no." },
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
  "track.title": { th: "ขั้นตอนของคำขอนี้", en: "Where your request is" },
  "track.submitted": { th: "ยื่นคำขอ", en: "Request submitted" },
  "track.review": { th: "เจ้าหน้าที่ตรวจสอบคำขอและเอกสาร", en: "An officer checks the request and documents" },
  "track.payment": { th: "ชำระค่าธรรมเนียม", en: "Pay the fee" },
  "track.issue": { th: "ลงนามและออกเอกสาร", en: "The document is signed and issued" },
  "track.delivered": { th: "ส่งเอกสารให้ท่าน", en: "The document is delivered to you" },
  "track.done": { th: "เสร็จแล้ว", en: "done" },
  "track.current": { th: "อยู่ที่ขั้นตอนนี้", en: "in progress" },
  "track.upcoming": { th: "ขั้นตอนต่อไป", en: "to come" },
  "track.changed": { th: "สถานะคำขอเปลี่ยนเป็น “{status}”", en: "The request is now “{status}”" },
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
  "doc.dismissal_order": { th: "คำสั่งจำหน่ายเรื่อง (PDF)", en: "Dismissal order (PDF)" },
  "request.deemed": { th: "ถือว่าได้รับเมื่อ {time}", en: "deemed received {time}" },
  "request.more.reason": { th: "เหตุผลของเจ้าหน้าที่", en: "The officer's reason" },
  "request.more.what": { th: "สิ่งที่ขอเพิ่มเติม", en: "What is needed" },
  "thread.title": { th: "ข้อความระหว่างท่านกับเจ้าหน้าที่", en: "Messages with the officers" },
  "thread.none": { th: "ยังไม่มีข้อความ", en: "No messages yet." },
  "thread.by.applicant": { th: "ท่าน", en: "You" },
  "thread.by.officer": { th: "เจ้าหน้าที่", en: "Officer" },
  "thread.kind.more_documents": { th: "ขอเอกสารเพิ่มเติม", en: "More documents asked for" },
  "thread.kind.supplement": { th: "ส่งเอกสารเพิ่มเติม", en: "Documents sent" },
  "thread.kind.message": { th: "ข้อความ", en: "Message" },
  "thread.files": { th: "ไฟล์: {files}", en: "Files: {files}" },
  "thread.write": { th: "เขียนถึงเจ้าหน้าที่", en: "Write to the officers" },
  "thread.send": { th: "ส่งข้อความ", en: "Send the message" },
  "thread.sending": { th: "กำลังส่ง…", en: "Sending…" },
  "paper.title": { th: "สำเนากระดาษ", en: "Paper copy" },
  "paper.intro": {
    th: "ท่านขอรับสำเนาเอกสารเป็นกระดาษได้ ทั้งในขณะนี้และภายหลัง เจ้าหน้าที่จะดำเนินการและแจ้งผลในหน้านี้",
    en: "You can ask for a paper copy, now or later. The officers handle it and show the outcome on this page.",
  },
  "paper.method": { th: "วิธีรับสำเนา", en: "How to receive it" },
  "paper.method.pickup": { th: "รับด้วยตนเองที่หน่วยงาน", en: "Pick up at the agency" },
  "paper.method.post": { th: "ส่งทางไปรษณีย์ตามที่อยู่ในคำขอ", en: "By post to the address in the request" },
  "paper.note": { th: "หมายเหตุถึงเจ้าหน้าที่", en: "Note to the officers" },
  "paper.ask": { th: "ขอสำเนากระดาษ", en: "Ask for a paper copy" },
  "paper.asking": { th: "กำลังส่งคำขอ…", en: "Sending…" },
  "paper.state.open": { th: "รอเจ้าหน้าที่ดำเนินการ", en: "Waiting for the officers" },
  "paper.state.handed_over": { th: "มอบสำเนาแล้ว", en: "Handed over" },
  "paper.state.posted": { th: "ส่งทางไปรษณีย์แล้ว", en: "Posted" },
  "paper.state.declined": { th: "ไม่อาจดำเนินการได้", en: "Could not be done" },
  "paper.asked": { th: "ขอเมื่อ {time}", en: "Asked {time}" },
  "dismissal.title": { th: "เหตุที่จำหน่ายเรื่อง", en: "Why the request was dismissed" },
  "dismissal.proposal": { th: "ความเห็นของเจ้าหน้าที่ผู้เสนอ", en: "The officer's proposal" },
  "dismissal.order": { th: "คำสั่งของหัวหน้าหน่วยงาน", en: "The head's decision" },
  "dismissal.next": { th: "สิ่งที่จะเกิดขึ้นต่อไป", en: "What happens next" },
  "dismissal.appeal": { th: "สิทธิอุทธรณ์", en: "Right of appeal" },
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
  "request.signin_again": { th: "ยืนยันตัวตนอีกครั้ง", en: "Confirm it is you" },
  "request.withdraw.back": {
    th: "ยืนยันตัวตนแล้ว ตรวจสอบเหตุผลแล้วกด “ยืนยันการถอนคำขอ”",
    en: "You are confirmed. Check the reason, then press “Confirm withdrawal”.",
  },
  "request.contact": { th: "ติดต่อสอบถาม", en: "Contact" },
  "request.records": { th: "งานสารบรรณ", en: "Records office" },
  "request.evidence": { th: "หลักฐานการลงลายมือชื่อ", en: "Signature evidence" },
  "request.evidence.text": {
    th: "ท่านยืนยันและลงลายมือชื่ออิเล็กทรอนิกส์เมื่อ {time}",
    en: "You confirmed and signed electronically at {time}",
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
    h("p", { id: "request-status" }, badge(L(request.status_label), statusKind(request.status))),
    h("div", { class: "visually-hidden", role: "status", id: "request-live" }),
    DONE[query.get("done")] ? notice(t(DONE[query.get("done")]), "success") : cardReturnNotice(request, base),
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
    request.status === "dismissed" && request.dismissal ? dismissalSection(request.dismissal) : null,
    nextAction(request, service, base, isCurrent),
    documentsBox,
    threadSection(request, base),
    trackSection(request, service),
    h("h2", {}, t("request.history")),
    h("ol", { class: "timeline", id: "history" }, historyItems(request)),
    request.attachments?.length
      ? [
        h("h2", {}, t("request.attachments")),
        h("ul", {}, request.attachments.map((a) =>
          h("li", {}, `${L(docNames[a.document_id]) || a.document_id}: ${a.file_name} (${String(a.format).toUpperCase()}, ${formatSize(a.size)})`))),
      ]
      : null,
    request.intent
      ? h("p", { class: "small muted" }, `${t("request.evidence")}: `,
        t("request.evidence.text", { time: formatDateTime(request.intent.signed_at) }))
      : null,
    h("h2", {}, t("request.contact")),
    dl([
      [t("request.records"), request.contact?.records_office_phone],
      [L(request.contact?.unit), request.contact?.unit_phone],
    ]),
    paperCopySection(request, base),
    WITHDRAWABLE.has(request.status) ? withdrawal(request, base, query.get("withdraw") === "1") : null,
  );
  fillDocuments(documentsBox, request, base, isCurrent);
  followRequest(view, request, service, base, isCurrent);
}

function historyItems(request) {
  return (request.history || []).map((event) =>
    h("li", {},
      h("strong", {}, L(event.label)),
      h("span", { class: "when" }, formatDateTime(event.at), " · ", t(`request.by.${event.by}`)),
      event.deemed_received_at
        ? h("span", { class: "when" }, " · ", t("request.deemed", { time: formatDateTime(event.deemed_received_at) }))
        : null,
      event.reason ? h("p", {}, bilingualText(L(event.reason))) : null));
}

// Where each status stands on the way (the milestones below); ended requests show no steps to come.
const STAGE = {
  submitted: 1, received: 1, in_review: 2, more_documents_requested: 2, unreachable: 2, dismissal_proposed: 2,
  in_approval: 3, awaiting_payment: 4, paid: 5, awaiting_signature: 5, issued: 6, delivered: 7,
};

/** The steps done, the one in progress and those still to come (the service's own approval steps). */
function trackSection(request, service) {
  const stage = STAGE[request.status];
  const box = h("section", { id: "track", "aria-labelledby": "track-heading" });
  if (!stage) return box;
  const milestones = [
    [1, t("track.submitted")],
    [2, t("track.review")],
    ...(service?.approval_steps || []).map((step) => [3, L(step.name)]),
    ...(service?.fee || request.fee_satang ? [[4, t("track.payment")]] : []),
    [5, t("track.issue")],
    [7, t("track.delivered")],
  ];
  const stateOf = (at) => {
    if (stage === 7 || at < stage || at === 1) return "done";
    return at === stage ? "current" : "upcoming";
  };
  return h("section", { id: "track", "aria-labelledby": "track-heading" },
    h("h2", { id: "track-heading" }, t("track.title")),
    h("ol", { class: "track" }, milestones.map(([at, name]) => {
      const state = stateOf(at);
      return h("li", { class: state, "data-state": state, "aria-current": state === "current" ? "step" : null },
        name, h("span", { class: "track-state" }, ` (${t(`track.${state}`)})`));
    })));
}

const FOLLOW_MS = 5000;

/**
 * While the page is open, the status, the steps and the history follow the request (no reload);
 * a change is announced. A change of status that asks something new of the person redraws the page
 * unless they are typing in it.
 */
function followRequest(view, request, service, base, isCurrent) {
  let shown = request;
  const alive = () => isCurrent() && view.isConnected;
  const tick = async () => {
    if (!alive()) return;
    try {
      const now = await api(base);
      if (!alive()) return;
      const changed = now.status !== shown.status || (now.history || []).length !== (shown.history || []).length;
      if (changed) {
        view.querySelector("#request-status")?.replaceChildren(badge(L(now.status_label), statusKind(now.status)));
        view.querySelector("#track")?.replaceWith(trackSection(now, service));
        view.querySelector("#history")?.replaceChildren(...historyItems(now));
        if (now.status !== shown.status) {
          view.querySelector("#request-live")?.replaceChildren(t("track.changed", { status: L(now.status_label) }));
          const typing = [...view.querySelectorAll("textarea, input:not([type=file]):not([type=checkbox])")].some((el) => el.value);
          // The payment panel follows the payment itself; other changes that ask for action redraw.
          if (shown.status !== "awaiting_payment" && !typing && (now.next_step || shown.next_step)) {
            navigate(`#/requests/${encodeURIComponent(now.id)}`, { replace: true });
            return;
          }
        }
        shown = now;
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
    if (alive()) setTimeout(tick, FOLLOW_MS);
  };
  setTimeout(tick, FOLLOW_MS);
}

// What the page confirms after an action that reloads it (?done=...).
const DONE = { withdrawn: "request.withdrawn", resubmitted: "request.more.sent", slip: "pay.slip.sent", ...PAYMENT_DONE };
const reload = (request, done) => navigate(`#/requests/${encodeURIComponent(request.id)}${done ? `?done=${done}` : ""}`, { replace: true });

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
  // Only the slots the officer asked for (all of them if the officer named none).
  const wanted = request.more_documents?.documents || [];
  const documents = wanted.length ? service.documents.filter((d) => wanted.includes(d.id)) : service.documents;
  const slots = uploadSlots({ documents, basePath: base, state: supplement, markRequired: false });
  const reason = request.more_documents?.reason;
  const note = labelled({ label: t("request.more.note"), input: h("textarea", { name: "note", rows: 3, maxlength: 1000 }) });
  const send = h("button", { type: "submit", class: "primary" }, t("request.more.send"));
  return h(
    "section",
    { class: "panel panel-warn", "aria-labelledby": "more-heading", id: "more-documents" },
    h("h2", { id: "more-heading" }, t("request.more.title")),
    asked ? h("p", {}, `${t("request.more.what")}: `, h("strong", { id: "more-what" }, L(asked))) : null,
    reason ? h("p", {}, `${t("request.more.reason")}: `, h("span", { id: "more-reason" }, reason)) : null,
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

// The reason typed before a fresh sign-in, kept in this tab until the withdrawal is sent.
const WITHDRAW_KEY = "eservice.citizen.withdrawal";

function keptReason(requestId) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(WITHDRAW_KEY) || "null");
    return kept && kept.id === requestId ? String(kept.reason || "") : "";
  } catch {
    return "";
  }
}

function withdrawal(request, base, back) {
  const messages = h("div");
  const reason = labelled({
    label: t("request.withdraw.reason"),
    input: h("textarea", { name: "reason", rows: 3, maxlength: 1000, value: keptReason(request.id) }),
    required: true,
  });
  const confirm = h("button", { type: "submit", class: "danger", id: "withdraw-confirm" }, t("request.withdraw.confirm"));
  const keep = () => sessionStorage.setItem(WITHDRAW_KEY, JSON.stringify({ id: request.id, reason: reason.input.value }));
  reason.input.addEventListener("input", keep);
  const box = h(
    "details",
    { class: "panel", id: "withdraw", open: back || null },
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
              // The request may be busy for a moment (a step of its workflow running): ask again shortly.
              for (let attempt = 1; ; attempt += 1) {
                try {
                  await api(`${base}/withdraw`, { method: "POST", body: { reason: reason.input.value.trim() } });
                  break;
                } catch (error) {
                  if (error.code !== "request.busy" || attempt >= 5) throw error;
                  await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
                }
              }
              sessionStorage.removeItem(WITHDRAW_KEY);
              navigate(`#/requests/${encodeURIComponent(request.id)}?done=withdrawn`, { replace: true });
            } catch (error) {
              if (error.code === "auth.fresh_required") keep();
              const next = `#/requests/${request.id}?withdraw=1`;
              const again = error.code === "auth.fresh_required"
                ? h("p", {}, h("a", { href: `#/signin?reauth=1&next=${encodeURIComponent(next)}`, id: "reauth-link" }, t("request.signin_again")))
                : null;
              replace(messages, alertBox(error), again);
              messages.querySelector("[role=alert]")?.focus?.();
            }
          });
        },
      },
      reason.wrapper,
      h("div", { class: "actions" }, confirm),
    ),
  );
  if (back) {
    // Back from the fresh sign-in: the form is open with the reason kept; say so where the eye is.
    messages.append(notice(t("request.withdraw.back"), "info"));
    setTimeout(() => {
      if (box.isConnected) confirm.focus();
    }, 0);
  }
  return box;
}

function dismissalSection(dismissal) {
  return h(
    "section",
    { class: "panel panel-warn", "aria-labelledby": "dismissal-heading", id: "dismissal" },
    h("h2", { id: "dismissal-heading" }, t("dismissal.title")),
    h("p", {}, h("strong", {}, L(dismissal.explanation))),
    dl([
      [t("dismissal.proposal"), dismissal.proposed_reason ? L(dismissal.proposed_reason) : null],
      [t("dismissal.order"), dismissal.order_reason ? L(dismissal.order_reason) : null],
    ]),
    h("h3", {}, t("dismissal.next")),
    h("p", {}, L(dismissal.next)),
    h("h3", {}, t("dismissal.appeal")),
    h("p", {}, L(dismissal.appeal)),
  );
}

function threadSection(request, base) {
  const thread = request.thread || [];
  const messages = h("div");
  const text = labelled({ label: t("thread.write"), input: h("textarea", { name: "message", rows: 3, maxlength: 2000 }) });
  const send = h("button", { type: "submit" }, t("thread.send"));
  return h(
    "section",
    { "aria-labelledby": "thread-heading", id: "thread" },
    h("h2", { id: "thread-heading" }, t("thread.title")),
    thread.length
      ? h("ol", { class: "timeline", id: "thread-messages" }, thread.map((m) =>
        h("li", {},
          h("strong", {}, t(`thread.by.${m.by?.kind === "applicant" ? "applicant" : "officer"}`),
            has(`thread.kind.${m.kind}`) ? ` · ${t(`thread.kind.${m.kind}`)}` : ""),
          h("span", { class: "when" }, formatDateTime(m.at),
            m.deemed_received_at ? ` · ${t("request.deemed", { time: formatDateTime(m.deemed_received_at) })}` : ""),
          m.what ? h("p", {}, h("strong", {}, m.what)) : null,
          m.text ? h("p", {}, m.text) : null,
          m.files?.length ? h("p", { class: "small muted" }, t("thread.files", { files: m.files.join(", ") })) : null)))
      : h("p", { class: "muted" }, t("thread.none")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          text.setError("");
          if (!text.input.value.trim()) {
            text.setError(t("field.required"));
            text.input.focus();
            return;
          }
          whileBusy(send, t("thread.sending"), async () => {
            try {
              await api(`${base}/messages`, { method: "POST", body: { text: text.input.value.trim() } });
              reload(request);
            } catch (error) {
              replace(messages, alertBox(error));
            }
          });
        },
      },
      text.wrapper,
      h("div", { class: "actions" }, send),
    ),
  );
}

function paperCopySection(request, base) {
  const copies = request.paper_copies || [];
  const open = copies.some((c) => c.state === "open");
  const messages = h("div");
  const radios = ["pickup", "post"].map((method, index) => {
    const input = h("input", { type: "radio", name: "paper-method", value: method, id: `paper-${method}` });
    if (index === 0) input.checked = true;
    return h("div", { class: "choice" }, input, h("label", { for: input.id }, t(`paper.method.${method}`)));
  });
  const method = grouped({ legend: t("paper.method"), body: radios, required: true });
  const note = labelled({ label: t("paper.note"), input: h("textarea", { name: "paper-note", rows: 2, maxlength: 1000 }) });
  const ask = h("button", { type: "submit" }, t("paper.ask"));
  return h(
    "section",
    { "aria-labelledby": "paper-heading", id: "paper-copy" },
    h("h2", { id: "paper-heading" }, t("paper.title")),
    h("p", {}, t("paper.intro")),
    copies.length
      ? h("ul", { id: "paper-copies" }, copies.map((c) =>
        h("li", {}, badge(t(`paper.state.${c.state}`), c.state === "open" ? "warn" : "ok"), " ",
          t(`paper.method.${c.method}`), " · ", t("paper.asked", { time: formatDateTime(c.requested_at) }),
          c.deemed_received_at ? ` · ${t("request.deemed", { time: formatDateTime(c.deemed_received_at) })}` : "")))
      : null,
    messages,
    open
      ? null
      : h(
        "form",
        {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            const chosen = method.wrapper.querySelector("input[name=paper-method]:checked")?.value || "pickup";
            whileBusy(ask, t("paper.asking"), async () => {
              try {
                await api(`${base}/paper-copies`, { method: "POST", body: { method: chosen, note: note.input.value.trim() || null } });
                reload(request);
              } catch (error) {
                replace(messages, alertBox(error));
              }
            });
          },
        },
        method.wrapper,
        note.wrapper,
        h("div", { class: "actions" }, ask),
      ),
  );
}
