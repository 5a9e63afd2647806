// One request for the officer (Q4.2-Q4.4, Q5.2-Q5.4, Q7.3-Q7.4): answers, files and their checks,
// history, notes, the messages with the applicant, paper-copy requests (R-4.7), and the decisions
// allowed at the step it waits at (R-3.2 hold, Q8.1 delivery on command), for the officer's role only.

import { api } from "../../../js/core/api.js";
import { dl, h, replace } from "../../../js/core/dom.js";
import { addMessages, both, has, L, lang, t } from "../../../js/core/i18n.js";
import { formatBaht, formatDateTime, formatSize, shortHash, todayInBangkok } from "../../../js/core/format.js";
import { statusKind } from "../../../js/core/status.js";
import { alertBox, badge, bilingualParagraphs, bilingualText, errorSummary, grouped, labelled, loading, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { currentOfficer, requireSignIn, SITE } from "../state.js";
import { slaBadge, stepText, unavailable } from "./worklist.js";

addMessages({
  "o.req.reference": { th: "เลขอ้างอิง", en: "Reference" },
  "o.req.receipt": { th: "เลขรับ", en: "Receipt no." },
  "o.req.submitted": { th: "ส่งเข้าระบบเมื่อ", en: "Sent" },
  "o.req.received": { th: "ถือว่าได้รับเมื่อ", en: "Official time of receipt" },
  "o.req.due": { th: "ครบกำหนด", en: "Due" },
  "o.req.fee": { th: "ค่าธรรมเนียม", en: "Fee" },
  "o.req.waiting": { th: "รอดำเนินการ", en: "Waiting for" },
  "o.req.step_deadline": { th: "กำหนดของขั้นตอนนี้", en: "Deadline of this step" },
  "o.req.on_behalf": { th: "ยื่นแทน", en: "On behalf of" },
  "o.req.estamp": { th: "รหัสอากรแสตมป์อิเล็กทรอนิกส์", en: "e-Stamp code" },
  "o.req.answers": { th: "ข้อมูลในคำขอ", en: "Answers" },
  "o.req.attachments": { th: "เอกสารแนบ", en: "Attachments" },
  "o.req.att.document": { th: "เอกสาร", en: "Document" },
  "o.req.att.file": { th: "ไฟล์", en: "File" },
  "o.req.att.added": { th: "ส่งเพิ่มเมื่อ {time}", en: "sent later, {time}" },
  "o.req.att.signature": { th: "ลายมือชื่อในไฟล์", en: "Signature in the file" },
  "o.req.att.sig.pending": { th: "กำลังตรวจสอบ", en: "Being checked" },
  "o.req.att.sig.none": { th: "ไม่มี", en: "None" },
  "o.req.att.none": { th: "ไม่มีเอกสารแนบ", en: "No attachments" },
  "o.req.att.preview": { th: "ดูไฟล์", en: "View" },
  "o.req.att.preview.of": { th: "ดูไฟล์ {name}", en: "View {name}" },
  "o.req.att.preview.title": { th: "ไฟล์แนบ: {name}", en: "Attachment: {name}" },
  "o.req.att.preview.close": { th: "ปิดการแสดงไฟล์", en: "Close the file" },
  "o.req.att.preview.download": { th: "ดาวน์โหลดไฟล์", en: "Download the file" },
  "o.req.att.preview.loading": { th: "กำลังเปิดไฟล์…", en: "Opening the file…" },
  "o.req.att.preview.none": {
    th: "ไฟล์ประเภทนี้แสดงในหน้าเว็บไม่ได้ กรุณาดาวน์โหลดเพื่อเปิดด้วยโปรแกรมในเครื่อง",
    en: "This kind of file cannot be shown in the page. Download it to open it on your computer.",
  },
  "o.req.att.preview.failed": {
    th: "เปิดไฟล์ไม่สำเร็จ กรุณาลองอีกครั้งหรือดาวน์โหลดไฟล์",
    en: "The file could not be opened. Please try again or download it.",
  },
  "o.sign.draft": { th: "ร่างใบอนุญาต (มีลายน้ำ “ร่าง” จนกว่าจะลงนาม)", en: "The draft licence (watermarked “draft” until signed)" },
  "o.sig.valid": { th: "ถูกต้อง ไม่ถูกแก้ไข", en: "Valid, unchanged" },
  "o.sig.invalid": { th: "ไม่ถูกต้อง", en: "Not valid" },
  "o.sig.untrusted": { th: "ไม่อาจยืนยันผู้ออกใบรับรอง", en: "Not trusted" },
  "o.sig.modified": { th: "ถูกแก้ไขหลังลงนาม", en: "Changed after signing" },
  "o.sig.unsigned": { th: "ไม่มีลายมือชื่อ", en: "Not signed" },
  "o.req.documents": { th: "เอกสารที่ระบบออก", en: "Documents issued" },
  "o.req.sealed": { th: "ประทับตราอิเล็กทรอนิกส์แล้ว", en: "Sealed" },
  "o.req.unsealed": { th: "ยังไม่ประทับตรา", en: "Not sealed" },
  "o.doc.licence": { th: "ใบอนุญาต", en: "Licence" },
  "o.doc.licence_draft": { th: "ร่างใบอนุญาต", en: "Draft licence" },
  "o.doc.acknowledgment": { th: "หนังสือตอบรับ", en: "Acknowledgment" },
  "o.doc.refusal": { th: "หนังสือแจ้งผล (ไม่อนุญาต)", en: "Refusal letter" },
  "o.doc.receipt": { th: "ใบเสร็จรับเงิน", en: "Receipt" },
  "o.doc.invoice": { th: "ใบแจ้งการชำระเงิน", en: "Payment notice" },
  "o.doc.dismissal_order": { th: "คำสั่งจำหน่ายเรื่อง", en: "Dismissal order" },
  "step.deliver": { th: "ส่งมอบเอกสารให้ผู้ยื่น", en: "Send the document to the applicant" },
  "o.dec.propose_dismissal": { th: "เสนอจำหน่ายเรื่อง (ครบ 30 วันแล้ว)", en: "Propose dismissal (after the 30 days)" },
  "o.dec.deliver": { th: "ส่งเอกสารให้ผู้ยื่นคำขอ", en: "Send the document to the applicant" },
  "o.dec.documents": { th: "ช่องเอกสารที่ต้องการ (ผู้ยื่นจะเห็นเฉพาะช่องที่เลือก)", en: "Document slots needed (the applicant sees only these)" },
  "o.dec.hold": { th: "เก็บคำขอไว้ถึง {date} ก่อนเสนอจำหน่ายเรื่องได้", en: "Kept until {date}; dismissal can be proposed after that." },
  "o.req.unreachable": { th: "ติดต่อผู้ยื่นไม่ได้", en: "Applicant unreachable" },
  "o.req.unreachable.from": { th: "ระหว่างขั้นตอน", en: "During the step" },
  "o.thread.title": { th: "ข้อความกับผู้ยื่นคำขอ (ผู้ยื่นเห็นข้อความเหล่านี้)", en: "Messages with the applicant (the applicant sees these)" },
  "o.thread.none": { th: "ยังไม่มีข้อความ", en: "No messages yet." },
  "o.thread.kind.more_documents": { th: "ขอเอกสารเพิ่มเติม", en: "More documents asked for" },
  "o.thread.kind.supplement": { th: "ผู้ยื่นส่งเอกสารเพิ่มเติม", en: "The applicant sent documents" },
  "o.thread.kind.message": { th: "ข้อความ", en: "Message" },
  "o.thread.deemed": { th: "ถือว่าได้รับเมื่อ {time}", en: "deemed received {time}" },
  "o.thread.files": { th: "ไฟล์: {files}", en: "Files: {files}" },
  "o.thread.slots": { th: "ช่องเอกสาร: {slots}", en: "Slots: {slots}" },
  "o.thread.write": { th: "ข้อความถึงผู้ยื่นคำขอ", en: "Message to the applicant" },
  "o.thread.send": { th: "ส่งข้อความ", en: "Send" },
  "o.thread.sent": { th: "ส่งข้อความแล้ว", en: "Message sent." },
  "o.req.note_from_applicant": { th: "คำชี้แจงของผู้ยื่นพร้อมเอกสารเพิ่มเติม", en: "The applicant's note with the documents" },
  "o.paper.title": { th: "คำขอสำเนากระดาษ", en: "Paper-copy requests" },
  "o.paper.method.pickup": { th: "รับด้วยตนเอง", en: "Pickup" },
  "o.paper.method.post": { th: "ส่งทางไปรษณีย์", en: "By post" },
  "o.paper.state.open": { th: "รอดำเนินการ", en: "Open" },
  "o.paper.state.handed_over": { th: "มอบแล้ว", en: "Handed over" },
  "o.paper.state.posted": { th: "ส่งไปรษณีย์แล้ว", en: "Posted" },
  "o.paper.state.declined": { th: "ไม่อาจดำเนินการได้", en: "Declined" },
  "o.paper.close": { th: "ปิดคำขอสำเนา", en: "Close the request" },
  "o.paper.note": { th: "หมายเหตุ (จำเป็นเมื่อไม่อาจดำเนินการได้)", en: "Note (needed when declined)" },
  "o.paper.closed": { th: "ปิดคำขอสำเนากระดาษแล้ว", en: "Paper-copy request closed." },
  "o.req.intent": { th: "หลักฐานการลงลายมือชื่อของผู้ยื่น", en: "Applicant's signature evidence" },
  "o.req.intent.at": { th: "ยืนยันเมื่อ", en: "Confirmed at" },
  "o.req.intent.hash": { th: "รหัสตรวจสอบข้อมูล (SHA-256)", en: "Content hash (SHA-256)" },
  "o.req.intent.text": { th: "ข้อความคำรับรอง", en: "Declaration" },
  "o.req.timestamp": { th: "ประทับรับรองเวลา", en: "Time-stamp token" },
  "o.req.history": { th: "ประวัติ", en: "History" },
  "o.by.applicant": { th: "ผู้ยื่นคำขอ", en: "Applicant" },
  "o.by.officer": { th: "เจ้าหน้าที่", en: "Officer" },
  "o.by.system": { th: "ระบบ", en: "System" },
  "o.audit.title": { th: "บันทึกการเข้าถึงข้อมูลส่วนบุคคล", en: "Access to personal data" },
  "o.audit.intro": {
    th: "ผู้ที่เปิดดูรายละเอียดคำขอหรือดาวน์โหลดไฟล์แนบ และเวลา (เฉพาะหัวหน้าหน่วยงานและผู้ดูแลระบบ)",
    en: "Who opened this request's details or downloaded its files, and when (head of agency and administrators only).",
  },
  "o.audit.when": { th: "เวลา", en: "When" },
  "o.audit.who": { th: "ผู้เข้าถึง", en: "Who" },
  "o.audit.what": { th: "การเข้าถึง", en: "What" },
  "o.audit.none": { th: "ยังไม่มีผู้เข้าถึง", en: "No access recorded yet" },
  "o.audit.more": { th: "แสดงเพิ่ม", en: "Show more" },
  "o.audit.action.request.read": { th: "เปิดดูรายละเอียดคำขอ", en: "Opened the request's details" },
  "o.audit.action.file.download": { th: "ดาวน์โหลดไฟล์แนบ", en: "Downloaded an attached file" },
  "o.req.att.download_failed": {
    th: "ดาวน์โหลดไฟล์ไม่สำเร็จ กรุณาลองใหม่",
    en: "The file could not be downloaded. Please try again.",
  },
  "o.req.decisions": { th: "บันทึกการพิจารณา", en: "Decisions recorded" },
  "o.req.notes": { th: "บันทึกของเจ้าหน้าที่", en: "Officer notes" },
  "o.req.notes.none": { th: "ยังไม่มีบันทึก", en: "No notes yet." },
  "o.req.note": { th: "เพิ่มบันทึก (ผลการตรวจสอบ สิ่งที่ต้องขอเพิ่ม การติดต่อผู้ยื่น)", en: "Add a note (findings, what is missing, contacts with the applicant)" },
  "o.req.note.save": { th: "บันทึก", en: "Save note" },
  "o.req.note.saved": { th: "บันทึกแล้ว", en: "Note saved." },
  "o.req.payments": { th: "การชำระเงิน", en: "Payments" },
  "o.req.not_your_step": {
    th: "คำขอนี้รอการดำเนินการของ{role} บทบาทของท่านไม่มีสิทธิ์พิจารณาในขั้นตอนนี้",
    en: "This request waits for the {role}. Your role cannot decide at this step.",
  },
  "o.req.citizen_step": {
    th: "คำขอนี้รอผู้ยื่นดำเนินการ (เช่น ส่งเอกสารเพิ่มเติม หรือชำระเงิน)",
    en: "This request waits for the applicant (e.g. more documents or payment).",
  },
  "o.dec.title": { th: "บันทึกผลการพิจารณา: {step}", en: "Record the decision: {step}" },
  "o.dec.choose": { th: "ผลการพิจารณา", en: "Decision" },
  "o.dec.approve": { th: "เห็นชอบ / อนุมัติ", en: "Approve" },
  "o.dec.more_documents": { th: "ขอเอกสารหรือข้อมูลเพิ่มเติม", en: "Ask for more documents" },
  "o.dec.reject": { th: "ไม่อนุญาต (ปฏิเสธ)", en: "Refuse" },
  "o.dec.refer": { th: "ไม่อยู่ในอำนาจ แจ้งหน่วยงานที่ถูกต้อง", en: "Refer to the competent agency" },
  "o.dec.unreachable": { th: "ติดต่อผู้ยื่นไม่ได้", en: "Applicant unreachable" },
  "o.dec.send_back": { th: "ส่งกลับเพื่อทบทวน", en: "Send back" },
  "o.dec.sign": { th: "ลงนามใบอนุญาต", en: "Sign the licence" },
  "o.dec.dismiss": { th: "อนุมัติให้จำหน่ายเรื่อง", en: "Approve dismissal" },
  "o.dec.reopen": { th: "ไม่จำหน่าย ให้ดำเนินการต่อ", en: "Do not dismiss; continue" },
  "o.dec.contact_restored": { th: "ติดต่อผู้ยื่นได้แล้ว", en: "Contact restored" },
  "o.dec.confirm_payment": { th: "ยืนยันว่าได้รับชำระเงินแล้ว", en: "Confirm the payment" },
  "o.dec.reason": { th: "เหตุผล / ความเห็น", en: "Reason / comments" },
  "o.dec.reason.help": { th: "ผู้ยื่นจะเห็นเหตุผลนี้", en: "The applicant will see this." },
  "o.dec.what": { th: "เอกสารหรือข้อมูลที่ต้องการเพิ่มเติม", en: "Documents or information needed" },
  "o.dec.deadline": { th: "กำหนดส่ง (ถ้าไม่ระบุ ใช้กำหนดมาตรฐานของบริการ)", en: "Deadline (the service's standard one if left empty)" },
  "o.dec.agency": { th: "หน่วยงานที่มีอำนาจพิจารณา", en: "The agency with the power to decide" },
  "o.dec.draft": { th: "เปิดร่างใบอนุญาต (PDF) เพื่อตรวจก่อนลงนาม", en: "Open the draft licence (PDF) to check it before signing" },
  "o.dec.draft.missing": { th: "ยังไม่มีร่างใบอนุญาต", en: "There is no draft licence yet." },
  "o.dec.submit": { th: "บันทึกผลการพิจารณา", en: "Record the decision" },
  "o.dec.busy": { th: "กำลังบันทึก…", en: "Recording…" },
  "o.dec.pick": { th: "กรุณาเลือกผลการพิจารณา", en: "Please choose a decision." },
  "o.dec.done": { th: "บันทึกผลการพิจารณาแล้ว: {decision}", en: "Decision recorded: {decision}" },
  "o.dec.legal_basis": { th: "ฐานทางกฎหมาย (มาตรา/ข้อที่ใช้)", en: "Legal basis (the sections relied on)" },
  "o.dec.legal_basis.help": {
    th: "พิมพ์ลงในหนังสือแจ้งผลการพิจารณา พร้อมเหตุผลแต่ละบรรทัด",
    en: "Printed on the refusal letter, with each line of the reason as one reason.",
  },
  "o.sign.title": { th: "ยืนยันการลงนาม", en: "Confirm the signature" },
  "o.sign.what": {
    th: "ท่านกำลังลงลายมือชื่ออิเล็กทรอนิกส์ใน{title} เลขที่ {number} ของคำขอ {request} ตามร่างที่เปิดตรวจแล้ว",
    en: "You are signing {title} no. {number} of request {request}, exactly as in the draft you opened.",
  },
  "o.sign.after": {
    th: "เมื่อยืนยันแล้ว ระบบจะประทับตราอิเล็กทรอนิกส์และส่งให้ผู้ยื่นทันที",
    en: "Once confirmed, the licence is sealed and sent to the applicant.",
  },
  "o.sign.confirm": { th: "ยืนยันลงนามเลขที่ {number}", en: "Sign no. {number}" },
  "o.sign.cancel": { th: "ยกเลิก", en: "Cancel" },
  "o.lf.title": { th: "ข้อมูลที่หน่วยงานเพิ่มในใบอนุญาต", en: "Data the agency adds to the licence" },
  "o.lf.intro": {
    th: "ผู้ตรวจสอบหรือผู้พิจารณากรอกก่อนอนุญาต ข้อมูลนี้จะปรากฏในร่างใบอนุญาตและใบอนุญาต",
    en: "The reviewer or the approver fills these in before approving; they appear on the draft and the licence.",
  },
  "o.lf.public": { th: "แสดงในทะเบียนสาธารณะ", en: "Shown on the public register" },
  "o.lf.save": { th: "บันทึกข้อมูลในใบอนุญาต", en: "Save licence data" },
  "o.lf.saved": { th: "บันทึกข้อมูลในใบอนุญาตแล้ว", en: "Licence data saved." },
  "o.lf.empty": { th: "ยังไม่ได้กรอก", en: "Not filled in yet" },
});

// The server requires a reason for these; the form asks before sending.
const NEEDS_REASON = new Set([
  "more_documents", "reject", "refer", "send_back", "dismiss", "reopen", "unreachable", "propose_dismissal",
]);
const SIG_KIND = { valid: "ok", invalid: "bad", untrusted: "warn", modified: "bad", unsigned: "neutral" };

function label(prefix, key) {
  return has(`${prefix}.${key}`) ? t(`${prefix}.${key}`) : String(key).replace(/_/g, " ");
}

export async function requestPage({ view, params, isCurrent }) {
  if (!requireSignIn()) return;
  replace(view, loading());
  let detail;
  let officer;
  try {
    officer = await currentOfficer();
    detail = await api(`/officer/requests/${encodeURIComponent(params.id)}?lang=${lang()}`);
  } catch (error) {
    if (isCurrent()) replace(view, h("h1", {}, t("o.list.title")), unavailable(error));
    return;
  }
  if (!isCurrent()) return;
  render(view, params.id, detail, officer, null);
}

// Officer id -> e-mail, as the request detail names them (decision answers do not repeat the map).
const officerNames = new Map();

function render(view, id, detail, officer, flash) {
  for (const [officerId, name] of Object.entries(detail.officer_names || {})) officerNames.set(officerId, name);
  const request = detail.request || {};
  const waiting = detail.waiting || request.waiting || null;
  setTitle(`${request.receipt_number || id} – ${L(request.service?.name)}`, L(SITE));
  const rerender = (next, message) => render(view, id, next, officer, message);

  replace(
    view,
    h("p", { class: "muted small" }, h("a", { href: "#/requests" }, t("o.list.title"))),
    h("h1", {}, L(request.service?.name), request.receipt_number ? ` · ${request.receipt_number}` : ""),
    h("p", {}, badge(L(request.status_label), statusKind(request.status)), " ", slaBadge(request.sla_state)),
    flash ? notice(flash, "success") : null,
    h(
      "div",
      { class: "two-col" },
      h(
        "div",
        {},
        dl([
          [t("o.req.reference"), h("span", { class: "mono" }, request.id || id)],
          [t("o.req.receipt"), request.receipt_number],
          [t("o.req.submitted"), formatDateTime(request.submitted_at)],
          [t("o.req.received"), formatDateTime(request.deemed_received_at)],
          [t("o.req.due"), formatDateTime(request.due_at)],
          [t("o.req.fee"), request.fee_satang ? formatBaht(request.fee_satang) : null],
          [t("o.req.waiting"), waiting ? stepText(waiting) : null],
          [t("o.req.step_deadline"), waiting?.deadline_at ? formatDateTime(waiting.deadline_at) : null],
          [t("o.req.on_behalf"), detail.on_behalf_of ? `${detail.on_behalf_of.name} (${detail.on_behalf_of.identifier})` : null],
          [t("o.req.estamp"), detail.estamp_code],
        ]),
        h("h2", {}, t("o.req.answers")),
        h("div", { class: "table-wrap" }, h("table", { class: "data stack", id: "answers" },
          h("tbody", {}, (detail.rows || []).map((row) =>
            h("tr", {}, h("th", { scope: "row" }, row.label), h("td", { "data-label": row.label }, row.value)))))),
        attachmentsSection(id, detail.attachments || []),
        documentsSection(detail.documents || {}),
        intentSection(detail),
        paymentsSection(detail.payments),
      ),
      h(
        "div",
        {},
        unreachableSection(detail),
        licenceFieldsSection(id, detail, rerender),
        decisionSection(id, waiting, detail, officer, rerender),
        threadSection(id, detail, rerender),
        paperCopiesSection(id, detail, rerender),
        notesSection(id, detail, rerender),
        h("h2", {}, t("o.req.history")),
        h("ol", { class: "timeline", id: "history" }, (detail.history || []).map((event) =>
          h("li", {},
            h("strong", {}, L(event.label)),
            h("span", { class: "when" }, formatDateTime(event.at), " · ", actorText(event.by),
              event.deemed_received_at ? ` · ${t("o.thread.deemed", { time: formatDateTime(event.deemed_received_at) })}` : ""),
            event.reason ? h("p", {}, bilingualText(L(event.reason))) : null))),
        detail.decisions?.length
          ? [h("h2", {}, t("o.req.decisions")),
            h("ul", {}, detail.decisions.map((d) =>
              h("li", {}, `${label("step", d.step)}: ${label("o.dec", d.decision)}`,
                h("span", { class: "muted small" }, ` · ${formatDateTime(d.at)}`),
                d.reason ? h("p", { class: "small" }, L(d.reason)) : null)))]
          : null,
        auditSection(id, officer),
      ),
    ),
  );
}

function actorText(by) {
  if (!by) return "";
  if (typeof by === "string") return label("o.by", by);
  const named = by.kind === "officer" && officerNames.get(by.id);
  const kind = named || label("o.by", by.kind);
  const roles = (by.role || "").split(",").filter(Boolean).map((r) => label("role", r)).join(", ");
  return roles ? `${kind} (${roles})` : kind;
}

function signatureCheck(check) {
  if (!check) return t("o.req.att.sig.none");
  if (check === "pending") return t("o.req.att.sig.pending");
  const summary = typeof check === "string" ? check : check.summary;
  return badge(label("o.sig", summary), SIG_KIND[summary] || "neutral");
}

/** A file link that asks the API for a short-lived URL (the download is recorded), then follows it. */
function downloadLink(requestId, attachment) {
  const link = h("a", {
    href: `#/requests/${encodeURIComponent(requestId)}`,
    class: "download",
    "data-attachment": attachment.id,
  }, attachment.file_name);
  const problem = h("span", { class: "field-error small", role: "alert", hidden: true });
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    try {
      const answer = await api(
        `/officer/requests/${encodeURIComponent(requestId)}/attachments/${encodeURIComponent(attachment.id)}`,
      );
      window.location.assign(answer.url);
    } catch (error) {
      problem.textContent = error.text ? L(error.text) : t("o.req.att.download_failed");
      problem.hidden = false;
    }
  });
  return [link, problem];
}

/** The request's access log, for the head of agency and administrators (the API refuses others). */
function auditSection(requestId, officer) {
  const groups = officer?.groups || [];
  if (!groups.includes("head") && !groups.includes("admin")) return null;
  const body = h("div", { id: "audit-entries" }, loading());
  const section = h(
    "section",
    { "aria-labelledby": "audit-heading", id: "audit" },
    h("h2", { id: "audit-heading" }, t("o.audit.title")),
    h("p", { class: "small muted" }, t("o.audit.intro")),
    body,
  );
  const rows = [];
  async function load(cursor) {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
    let page;
    try {
      page = await api(`/officer/requests/${encodeURIComponent(requestId)}/audit${query}`);
    } catch (error) {
      replace(body, alertBox(error));
      return;
    }
    rows.push(...(page.entries || []));
    const more = page.next_cursor
      ? h("button", { type: "button", class: "button secondary", onclick: () => load(page.next_cursor) }, t("o.audit.more"))
      : null;
    replace(body, rows.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "data stack" },
        h("thead", {}, h("tr", {},
          [t("o.audit.when"), t("o.audit.who"), t("o.audit.what")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows.map((entry) => h("tr", { "data-action": entry.action },
          h("td", { "data-label": t("o.audit.when") }, formatDateTime(entry.at)),
          h("td", { "data-label": t("o.audit.who") }, actorText(entry.by),
            h("span", { class: "small muted mono" }, ` ${entry.by?.id || ""}`)),
          h("td", { "data-label": t("o.audit.what") }, label("o.audit.action", entry.action),
            entry.target?.document_id ? h("span", { class: "small muted" }, ` (${entry.target.document_id})`) : null))))))
      : h("p", {}, t("o.audit.none")),
    more);
  }
  load(null);
  return section;
}

function attachmentsSection(id, attachments) {
  const preview = h("div", { id: "attachment-preview-slot" });
  return [
    h("h2", {}, t("o.req.attachments")),
    attachments.length
      ? h("div", { class: "table-wrap" }, h(
        "table",
        { class: "data stack", id: "attachments" },
        h("thead", {}, h("tr", {},
          [t("o.req.att.document"), t("o.req.att.file"), "SHA-256", t("o.req.att.signature")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, attachments.map((a) =>
          h("tr", {},
            h("td", { "data-label": t("o.req.att.document") }, L(a.name) || a.document_id,
              a.added_at ? h("span", { class: "small muted" }, h("br"), t("o.req.att.added", { time: formatDateTime(a.added_at) })) : null),
            h("td", { "data-label": t("o.req.att.file") },
              a.id ? downloadLink(id, a) : a.file_name,
              h("span", { class: "small muted" }, ` (${String(a.format || "").toUpperCase()}, ${formatSize(a.size)})`),
              a.id ? [" ", previewButton(id, a, preview)] : null),
            h("td", { "data-label": "SHA-256", class: "mono", title: a.sha256 || "" }, shortHash(a.sha256)),
            h("td", { "data-label": t("o.req.att.signature") }, signatureCheck(a.signature_check))))),
      ))
      : h("p", {}, t("o.req.att.none")),
    preview,
  ];
}

// --- issue 13: files open in the page (PDF and images), the signature check beside them ------------------
const SHOWN_INLINE = { pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg" };
let shownUrl = null;

/** The file behind a short-lived link, as a blob: URL of its type (the page's CSP allows blob: frames). */
async function fileUrl(url, type) {
  const response = await fetch(url, { credentials: "omit" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const blob = new Blob([await response.arrayBuffer()], { type });
  if (shownUrl) URL.revokeObjectURL(shownUrl);
  shownUrl = URL.createObjectURL(blob);
  return { src: shownUrl, bytes: blob.size };
}

/** A PDF in a frame (the browser's own viewer) or an image, with a text name for screen readers. */
function fileView({ src, bytes }, type, name) {
  const attrs = { src, class: type === "application/pdf" ? "file-frame" : "file-image", "data-type": type, "data-bytes": bytes };
  return type === "application/pdf" ? h("iframe", { ...attrs, title: name }) : h("img", { ...attrs, alt: name });
}

function previewButton(requestId, attachment, slot) {
  const button = h("button", {
    type: "button",
    class: "secondary preview-button",
    "data-preview": attachment.id,
    "aria-label": t("o.req.att.preview.of", { name: attachment.file_name }),
    "aria-controls": "attachment-preview-slot",
  }, t("o.req.att.preview"));
  button.addEventListener("click", () => showAttachment(requestId, attachment, slot, button));
  return button;
}

async function showAttachment(requestId, attachment, slot, opener) {
  const title = t("o.req.att.preview.title", { name: attachment.file_name });
  const type = SHOWN_INLINE[String(attachment.format || "").toLowerCase()];
  const frame = h("div", { class: "preview-frame" }, h("p", { class: "loading", role: "status" }, t("o.req.att.preview.loading")));
  const close = h("button", { type: "button", id: "attachment-preview-close" }, t("o.req.att.preview.close"));
  const download = h("button", { type: "button" }, t("o.req.att.preview.download"));
  const section = h(
    "section",
    { class: "file-preview", id: "attachment-preview", "aria-labelledby": "attachment-preview-title", tabindex: "-1" },
    h("h3", { id: "attachment-preview-title" }, title),
    h("div", { class: "preview-layout" },
      frame,
      h("div", { class: "preview-side" },
        dl([
          [t("o.req.att.signature"), signatureCheck(attachment.signature_check)],
          [t("o.req.att.document"), L(attachment.name) || attachment.document_id],
          [t("o.req.att.file"), `${String(attachment.format || "").toUpperCase()}, ${formatSize(attachment.size)}`],
          ["SHA-256", h("span", { class: "mono", title: attachment.sha256 || "" }, shortHash(attachment.sha256))],
        ]),
        h("div", { class: "actions" }, download, close))),
  );
  close.addEventListener("click", () => {
    if (shownUrl) URL.revokeObjectURL(shownUrl);
    shownUrl = null;
    replace(slot);
    opener.focus();
  });
  replace(slot, section);
  section.focus();
  let link;
  try {
    // The same recorded, short-lived link as a download (R-1.10: the access log names the officer).
    link = await api(`/officer/requests/${encodeURIComponent(requestId)}/attachments/${encodeURIComponent(attachment.id)}`);
    download.addEventListener("click", () => window.location.assign(link.url));
    if (!type) {
      replace(frame, h("p", {}, t("o.req.att.preview.none")));
      return;
    }
    replace(frame, fileView(await fileUrl(link.url, type), type, attachment.file_name));
  } catch (error) {
    replace(frame, alertBox({ text: error.text || both("o.req.att.preview.failed") }));
  }
}

function documentsSection(documents) {
  const kinds = Object.keys(documents);
  if (!kinds.length) return null;
  return [
    h("h2", {}, t("o.req.documents")),
    h("ul", { id: "issued-documents" }, kinds.map((kind) => {
      const doc = documents[kind];
      return h("li", {},
        doc.url ? h("a", { href: doc.url, target: "_blank", rel: "noopener" }, label("o.doc", kind)) : label("o.doc", kind),
        " ", doc.sealed ? badge(t("o.req.sealed"), "ok") : badge(t("o.req.unsealed"), "neutral"),
        doc.file_name ? h("span", { class: "small muted" }, ` ${doc.file_name}`) : null);
    })),
  ];
}

function intentSection(detail) {
  const intent = detail.intent;
  if (!intent) return null;
  return [
    h("h2", {}, t("o.req.intent")),
    dl([
      [t("o.req.intent.at"), formatDateTime(intent.signed_at)],
      [t("o.req.intent.hash"), h("span", { class: "mono" }, intent.content_hash)],
      [t("o.req.intent.text"), intent.declaration ? h("div", { class: "declaration" }, bilingualParagraphs(intent.declaration)) : null],
      [t("o.req.timestamp"), detail.timestamp_token == null ? null : (detail.timestamp_token ? t("yes") : t("no"))],
    ]),
  ];
}

function paymentsSection(payments) {
  if (!payments?.length) return null;
  return [
    h("h2", {}, t("o.req.payments")),
    h("ul", {}, payments.map((p) => h("li", {},
      [
        p.amount_satang != null ? formatBaht(p.amount_satang) : null,
        p.channel ? label("pay.channel", p.channel) : null,
        p.status ? label("pay.status", p.status) : null,
        p.transaction_id,
        formatDateTime(p.paid_at || p.received_at),
      ].filter(Boolean).join(" · ")))),
  ];
}

function decisionSection(id, waiting, detail, officer, rerender) {
  if (!waiting) return null;
  const decisions = waiting.decisions || [];
  if (!decisions.length) return h("div", { class: "panel" }, h("p", {}, t("o.req.citizen_step")));
  if (!(officer.groups || []).includes(waiting.role)) {
    return h("div", { class: "panel" }, h("p", {}, t("o.req.not_your_step", { role: label("role", waiting.role) })));
  }
  const messages = h("div");
  const radios = decisions.map((decision) => {
    const input = h("input", { type: "radio", name: "decision", value: decision, id: `decision-${decision}` });
    return h("div", { class: "choice" }, input, h("label", { for: input.id }, label("o.dec", decision)));
  });
  const choice = grouped({ legend: t("o.dec.choose"), body: radios, required: true });
  const reason = labelled({
    label: t("o.dec.reason"),
    input: h("textarea", { name: "reason", rows: 3, maxlength: 2000 }),
    help: t("o.dec.reason.help"),
  });
  const what = labelled({ label: t("o.dec.what"), input: h("textarea", { name: "what", rows: 3, maxlength: 2000 }), required: true });
  const deadline = labelled({
    label: t("o.dec.deadline"),
    input: h("input", { type: "date", name: "deadline", class: "medium", min: tomorrow() }),
  });
  const agency = labelled({ label: t("o.dec.agency"), input: h("input", { type: "text", name: "correct_agency", maxlength: 300 }), required: true });
  const slotBoxes = (detail.document_slots || []).map((slot) => {
    const input = h("input", { type: "checkbox", name: "documents", value: slot.id, id: `slot-${slot.id}` });
    return h("div", { class: "choice" }, input, h("label", { for: input.id }, L(slot.name)));
  });
  const slots = grouped({ legend: t("o.dec.documents"), body: slotBoxes });
  const reasonMark = reason.wrapper.querySelector("label");
  const legalBasis = labelled({
    label: t("o.dec.legal_basis"),
    input: h("textarea", { name: "legal_basis", rows: 2, maxlength: 1000 }),
    help: t("o.dec.legal_basis.help"),
    required: true,
  });
  const extras = {
    more_documents: [what, slots, deadline],
    refer: [agency],
    reject: [legalBasis],
    contact_restored: detail.unreachable?.from_step === "more_documents" ? [deadline] : [],
  };
  const selected = () => choice.wrapper.querySelector("input[name=decision]:checked")?.value || null;

  function update() {
    const decision = selected();
    for (const f of [what, slots, deadline, agency]) f.wrapper.hidden = !(extras[decision] || []).includes(f);
    const needs = NEEDS_REASON.has(decision);
    reason.input.toggleAttribute("aria-required", needs);
    reasonMark.querySelector(".required")?.remove();
    if (needs) reasonMark.append(h("span", { class: "required", "aria-hidden": "true" }, " *"));
  }
  choice.wrapper.addEventListener("change", () => {
    choice.setError("");
    update();
  });

  const draft = detail.documents?.licence_draft;
  const submit = h("button", { type: "submit", class: "primary" }, t("o.dec.submit"));
  const form = h(
    "form",
    {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const decision = selected();
        const problems = [];
        for (const f of [choice, reason, what, agency, legalBasis]) f.setError("");
        if (!decision) problems.push([choice, t("o.dec.pick"), t("o.dec.choose")]);
        if (NEEDS_REASON.has(decision) && !reason.input.value.trim()) problems.push([reason, t("field.required"), t("o.dec.reason")]);
        if (decision === "more_documents" && !what.input.value.trim()) problems.push([what, t("field.required"), t("o.dec.what")]);
        if (decision === "refer" && !agency.input.value.trim()) problems.push([agency, t("field.required"), t("o.dec.agency")]);
        if (decision === "reject" && !legalBasis.input.value.trim()) {
          problems.push([legalBasis, t("field.required"), t("o.dec.legal_basis")]);
        }
        if (problems.length) {
          problems.forEach(([field, text]) => field.setError(text));
          const summary = errorSummary(problems.map(([field, text, name]) => ({
            text: `${name}: ${text}`,
            target: field.wrapper.matches("fieldset") ? field.wrapper : field.input,
          })));
          replace(messages, summary);
          summary.focus();
          return;
        }
        const body = { step: waiting.step, decision };
        if (reason.input.value.trim()) body.reason = reason.input.value.trim();
        if (decision === "more_documents") {
          body.what = what.input.value.trim();
          body.documents = [...slots.wrapper.querySelectorAll("input[name=documents]:checked")].map((i) => i.value);
        }
        if ((extras[decision] || []).includes(deadline) && deadline.input.value) body.deadline = deadline.input.value;
        if (decision === "refer") body.correct_agency = agency.input.value.trim();
        if (decision === "reject") body.legal_basis = legalBasis.input.value.trim();
        if (decision === "sign") {
          // Q7.4: one more step that names what is signed; the API wants the licence number back.
          confirmSigning(detail, () => send({ ...body, confirm: detail.licence_number }));
          return;
        }
        send(body);
      },
    },
    choice.wrapper,
    what.wrapper,
    slots.wrapper,
    deadline.wrapper,
    agency.wrapper,
    reason.wrapper,
    legalBasis.wrapper,
    h("div", { class: "actions" }, submit),
  );

  function send(body) {
        whileBusy(submit, t("o.dec.busy"), async () => {
          try {
            const next = await api(`/officer/requests/${encodeURIComponent(id)}/decision`, { method: "POST", body });
            const done = t("o.dec.done", { decision: label("o.dec", body.decision) });
            const shown = next.request ? next : await api(`/officer/requests/${encodeURIComponent(id)}?lang=${lang()}`);
            rerender(shown, done);
            followSaga(id, shown, (moved) => rerender(moved, done));
          } catch (error) {
            const fields = { reason, what, correct_agency: agency, deadline, legal_basis: legalBasis };
            for (const d of error.details || []) fields[d.field]?.setError(L(d.message));
            replace(messages, alertBox(error));
          }
        });
  }
  update();
  return h(
    "section",
    { class: "decision", "aria-labelledby": "decision-heading", id: "decision" },
    h("h2", { id: "decision-heading" }, t("o.dec.title", { step: label("step", waiting.step) })),
    waiting.deadline_at ? h("p", {}, `${t("o.req.step_deadline")}: ${formatDateTime(waiting.deadline_at)}`) : null,
    waiting.step === "unreachable" && waiting.deadline_at
      ? h("p", { class: "small muted" }, t("o.dec.hold", { date: formatDateTime(waiting.deadline_at) }))
      : null,
    waiting.step === "signature"
      ? h("p", {}, draft?.url
        ? h("a", { href: draft.url, target: "_blank", rel: "noopener", class: "button", id: "licence-draft" }, t("o.dec.draft"))
        : t("o.dec.draft.missing"))
      : null,
    messages,
    form,
  );
}

/**
 * Q7.4: a modal <dialog> that names the document being signed (title, licence number, request); signing
 * goes ahead only from its confirm button. No inline script or style (strict CSP).
 */
function confirmSigning(detail, onConfirm) {
  const number = detail.licence_number || "";
  const request = detail.request || {};
  const title = L(detail.licence_title) || t("o.doc.licence");
  const confirm = h("button", { type: "button", class: "primary", id: "sign-confirm" }, t("o.sign.confirm", { number }));
  const cancel = h("button", { type: "button", id: "sign-cancel" }, t("o.sign.cancel"));
  // Issue 13: the draft, with its watermark, is shown in the dialog itself, next to the confirm button.
  const draft = detail.documents?.licence_draft;
  const draftView = h("div", { class: "preview-frame", id: "sign-draft" },
    draft?.url ? h("p", { class: "loading", role: "status" }, t("o.req.att.preview.loading")) : t("o.dec.draft.missing"));
  if (draft?.url) {
    fileUrl(draft.url, "application/pdf")
      .then((file) => replace(draftView, fileView(file, "application/pdf", t("o.sign.draft"))))
      .catch(() => replace(draftView, h("a", { href: draft.url, target: "_blank", rel: "noopener" }, t("o.dec.draft"))));
  }
  const dialog = h(
    "dialog",
    { class: "confirm-dialog wide", id: "sign-dialog", "aria-labelledby": "sign-dialog-title", "aria-describedby": "sign-dialog-what" },
    h("h2", { id: "sign-dialog-title" }, t("o.sign.title")),
    h("p", { id: "sign-dialog-what" }, t("o.sign.what", { title, number, request: request.id || "" })),
    draftView,
    h("p", { class: "small" }, t("o.sign.after")),
    h("div", { class: "actions" }, confirm, cancel),
  );
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  confirm.addEventListener("click", () => {
    close();
    onConfirm();
  });
  cancel.addEventListener("click", close);
  dialog.addEventListener("cancel", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
}

/** Q7.1: the officer fields of the licence: a form for the reviewer/approver of the step, else the values. */
// The saga moves the request on a moment after the decision (seals, notices): follow it, without a reload,
// until the status or the waiting step changes, for as long as this request's page is shown.
function followSaga(id, shown, show) {
  const mark = (d) => `${d.request?.status}|${d.request?.waiting?.step}|${d.request?.waiting?.state}`;
  const before = mark(shown);
  const onPage = () => location.hash.split("?")[0] === `#/requests/${id}`;
  let tries = 0;
  const tick = async () => {
    if (!onPage() || tries++ > 30) return;
    try {
      const next = await api(`/officer/requests/${encodeURIComponent(id)}?lang=${lang()}`);
      if (!onPage()) return;
      if (mark(next) !== before) {
        show(next);
        return;
      }
    } catch {
      // A failed poll is tried again; the page keeps what it shows.
    }
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}

function licenceFieldsSection(id, detail, rerender) {
  const spec = detail.licence_fields;
  if (!spec?.fields?.length) return null;
  const values = spec.values || {};
  const heading = [h("h2", { id: "licence-fields-heading" }, t("o.lf.title")), h("p", { class: "small muted" }, t("o.lf.intro"))];
  if (!spec.editable) {
    return h("section", { "aria-labelledby": "licence-fields-heading", id: "licence-fields" }, heading,
      dl(spec.fields.map((f) => [L(f.label), values[f.name] == null || values[f.name] === "" ? t("o.lf.empty") : String(values[f.name])])));
  }
  const inputs = {};
  const wrappers = spec.fields.map((f) => {
    const name = `lf-${f.name}`;
    let input;
    if (f.type === "textarea") input = h("textarea", { name, rows: 3, maxlength: f.max_length });
    else if (f.type === "choice") {
      input = h("select", { name }, h("option", { value: "" }, "—"),
        (f.options || []).map((o) => h("option", { value: o.value }, L(o.label))));
    } else if (f.type === "date") input = h("input", { type: "date", name, class: "medium" });
    else if (f.type === "integer" || f.type === "number") input = h("input", { type: "text", inputmode: "decimal", name, class: "medium" });
    else input = h("input", { type: "text", name, maxlength: f.max_length });
    if (values[f.name] != null) input.value = String(values[f.name]);
    const field = labelled({
      label: L(f.label),
      input,
      required: f.required,
      help: [f.help ? L(f.help) : null, f.public ? t("o.lf.public") : null].filter(Boolean).join(" · ") || undefined,
    });
    inputs[f.name] = field;
    return field.wrapper;
  });
  const messages = h("div");
  const save = h("button", { type: "submit" }, t("o.lf.save"));
  const form = h("form", {
    novalidate: true,
    id: "licence-fields-form",
    onsubmit: (event) => {
      event.preventDefault();
      const body = { values: {} };
      for (const f of spec.fields) {
        inputs[f.name].setError("");
        const value = inputs[f.name].input.value.trim();
        if (value !== "") body.values[f.name] = value;
      }
      whileBusy(save, null, async () => {
        try {
          const next = await api(`/officer/requests/${encodeURIComponent(id)}/licence-fields`, { method: "PUT", body });
          rerender(next, t("o.lf.saved"));
        } catch (error) {
          for (const d of error.details || []) inputs[d.field]?.setError(L(d.message));
          replace(messages, alertBox(error));
        }
      });
    },
  }, wrappers, h("div", { class: "actions" }, save));
  return h("section", { "aria-labelledby": "licence-fields-heading", id: "licence-fields" }, heading, messages, form);
}

function notesSection(id, detail, rerender) {
  const note = labelled({ label: t("o.req.note"), input: h("textarea", { name: "note", rows: 3, maxlength: 4000 }), required: true });
  const save = h("button", { type: "submit" }, t("o.req.note.save"));
  const messages = h("div");
  return h(
    "section",
    { "aria-labelledby": "notes-heading" },
    h("h2", { id: "notes-heading" }, t("o.req.notes")),
    (detail.notes || []).length
      ? h("ul", { class: "notes" }, detail.notes.map((n) =>
        h("li", {}, h("span", { class: "muted small" }, formatDateTime(n.at)), h("p", {}, n.text))))
      : h("p", { class: "muted" }, t("o.req.notes.none")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          note.setError("");
          const text = note.input.value.trim();
          if (!text) {
            note.setError(t("field.required"));
            note.input.focus();
            return;
          }
          whileBusy(save, null, async () => {
            try {
              const next = await api(`/officer/requests/${encodeURIComponent(id)}/notes`, { method: "POST", body: { text } });
              rerender(next.request ? next : await api(`/officer/requests/${encodeURIComponent(id)}?lang=${lang()}`), t("o.req.note.saved"));
            } catch (error) {
              replace(messages, alertBox(error));
            }
          });
        },
      },
      note.wrapper,
      h("div", { class: "actions" }, save),
    ),
  );
}

function tomorrow() {
  const today = new Date(`${todayInBangkok()}T12:00:00+07:00`);
  today.setUTCDate(today.getUTCDate() + 1);
  return today.toISOString().slice(0, 10);
}

function unreachableSection(detail) {
  const held = detail.unreachable;
  if (!held || detail.request?.status !== "unreachable") return null;
  return h(
    "section",
    { class: "panel panel-warn", id: "unreachable" },
    h("h2", {}, t("o.req.unreachable")),
    dl([
      [t("o.req.unreachable.from"), held.from_step ? label("step", held.from_step) : null],
      [t("o.dec.reason"), held.reason ? L(held.reason) : null],
    ]),
  );
}

function threadSection(id, detail, rerender) {
  const thread = detail.thread || [];
  const slotNames = Object.fromEntries((detail.document_slots || []).map((s) => [s.id, L(s.name)]));
  const text = labelled({ label: t("o.thread.write"), input: h("textarea", { name: "message", rows: 3, maxlength: 2000 }), required: true });
  const send = h("button", { type: "submit" }, t("o.thread.send"));
  const messages = h("div");
  return h(
    "section",
    { "aria-labelledby": "thread-heading", id: "thread" },
    h("h2", { id: "thread-heading" }, t("o.thread.title")),
    detail.resubmission_note
      ? h("div", { class: "panel", id: "resubmission-note" }, h("strong", {}, t("o.req.note_from_applicant")), h("p", {}, detail.resubmission_note))
      : null,
    thread.length
      ? h("ol", { class: "timeline", id: "thread-messages" }, thread.map((m) =>
        h("li", {},
          h("strong", {}, actorText(m.by), has(`o.thread.kind.${m.kind}`) ? ` · ${t(`o.thread.kind.${m.kind}`)}` : ""),
          h("span", { class: "when" }, formatDateTime(m.at),
            m.deemed_received_at ? ` · ${t("o.thread.deemed", { time: formatDateTime(m.deemed_received_at) })}` : ""),
          m.what ? h("p", {}, h("strong", {}, m.what)) : null,
          m.text ? h("p", {}, m.text) : null,
          m.documents?.length
            ? h("p", { class: "small muted" }, t("o.thread.slots", { slots: m.documents.map((d) => slotNames[d] || d).join(", ") }))
            : null,
          m.files?.length ? h("p", { class: "small muted" }, t("o.thread.files", { files: m.files.join(", ") })) : null)))
      : h("p", { class: "muted" }, t("o.thread.none")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          text.setError("");
          const body = text.input.value.trim();
          if (!body) {
            text.setError(t("field.required"));
            text.input.focus();
            return;
          }
          whileBusy(send, null, async () => {
            try {
              const next = await api(`/officer/requests/${encodeURIComponent(id)}/messages`, { method: "POST", body: { text: body } });
              rerender(next.request ? next : await api(`/officer/requests/${encodeURIComponent(id)}?lang=${lang()}`), t("o.thread.sent"));
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

function paperCopiesSection(id, detail, rerender) {
  const copies = detail.paper_copies || [];
  if (!copies.length) return null;
  return h(
    "section",
    { "aria-labelledby": "paper-heading", id: "paper-copies" },
    h("h2", { id: "paper-heading" }, t("o.paper.title")),
    h("ul", {}, copies.map((copy) => h("li", {},
      badge(label("o.paper.state", copy.state), copy.state === "open" ? "warn" : "ok"), " ",
      label("o.paper.method", copy.method), " · ", formatDateTime(copy.requested_at),
      copy.note ? h("p", { class: "small" }, copy.note) : null,
      copy.state === "open" ? closeCopyForm(id, copy, rerender) : null))),
  );
}

function closeCopyForm(id, copy, rerender) {
  const messages = h("div");
  const outcome = h("select", { name: "outcome", id: `outcome-${copy.id}` },
    ["handed_over", "posted", "declined"].map((o) => h("option", { value: o }, label("o.paper.state", o))));
  const note = labelled({ label: t("o.paper.note"), input: h("input", { type: "text", name: "note", maxlength: 1000 }) });
  const close = h("button", { type: "submit" }, t("o.paper.close"));
  return h(
    "form",
    {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        whileBusy(close, null, async () => {
          try {
            const body = { outcome: outcome.value, note: note.input.value.trim() || null };
            const next = await api(`/officer/requests/${encodeURIComponent(id)}/paper-copies/${encodeURIComponent(copy.id)}`, { method: "POST", body });
            rerender(next.request ? next : await api(`/officer/requests/${encodeURIComponent(id)}?lang=${lang()}`), t("o.paper.closed"));
          } catch (error) {
            replace(messages, alertBox(error));
          }
        });
      },
    },
    messages,
    h("label", { for: outcome.id }, t("o.paper.close")),
    outcome,
    note.wrapper,
    h("div", { class: "actions" }, close),
  );
}
