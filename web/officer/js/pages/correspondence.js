// The registers of correspondence (R-2.5, R-4.9): the receiving register (ทะเบียนหนังสือรับ) and the dispatch
// register (ทะเบียนหนังสือส่ง). Records officers browse, search, export (CSV, sealed PDF), enter letters that
// came by e-mail or on paper with their scan, and correct an entry with a new one; the head and
// administrators read.

import { api, getConfig } from "../../../js/core/api.js";
import { h, replace } from "../../../js/core/dom.js";
import { addMessages, both, L, t } from "../../../js/core/i18n.js";
import { formatDateTime, todayInBangkok } from "../../../js/core/format.js";
import { navigate } from "../../../js/core/router.js";
import { alertBox, labelled, loading, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { sendToStorage } from "../../../js/uploads.js";
import { currentOfficer, requireSignIn, session, SITE } from "../state.js";
import { unavailable } from "./worklist.js";

addMessages({
  "o.corr.title": { th: "ทะเบียนหนังสือ", en: "Registers of correspondence" },
  "o.corr.only": {
    th: "เฉพาะเจ้าหน้าที่สารบรรณ หัวหน้าหน่วยงาน และผู้ดูแลระบบ",
    en: "For records officers, the head of the agency and administrators only.",
  },
  "o.corr.received": { th: "ทะเบียนหนังสือรับ", en: "Receiving register" },
  "o.corr.dispatched": { th: "ทะเบียนหนังสือส่ง", en: "Dispatch register" },
  "o.corr.from": { th: "ตั้งแต่วันที่", en: "From" },
  "o.corr.to": { th: "ถึงวันที่", en: "To" },
  "o.corr.q": { th: "ค้นหา (เลขที่ ผู้ส่ง ผู้รับ เรื่อง)", en: "Search (number, sender, addressee, subject)" },
  "o.corr.show": { th: "แสดง", en: "Show" },
  "o.corr.csv": { th: "ดาวน์โหลด CSV", en: "Download CSV" },
  "o.corr.pdf": { th: "ดาวน์โหลด PDF ที่ประทับตรา", en: "Download sealed PDF" },
  "o.corr.more": { th: "หน้าถัดไป", en: "Next page" },
  "o.corr.none": { th: "ไม่มีรายการในช่วงเวลานี้", en: "No entries in this period." },
  "o.corr.col.received": { th: "ทะเบียนรับที่", en: "Register no." },
  "o.corr.col.dispatched": { th: "ทะเบียนส่งที่", en: "Register no." },
  "o.corr.col.document": { th: "ที่", en: "Document no." },
  "o.corr.col.dated": { th: "ลงวันที่", en: "Dated" },
  "o.corr.col.sender": { th: "จาก", en: "From" },
  "o.corr.col.addressee": { th: "ถึง", en: "To" },
  "o.corr.col.subject": { th: "เรื่อง", en: "Subject" },
  "o.corr.col.action": { th: "การปฏิบัติ", en: "Action" },
  "o.corr.col.remarks": { th: "หมายเหตุ", en: "Remarks" },
  "o.corr.col.at_received": { th: "วันเวลาที่รับ", en: "Received" },
  "o.corr.col.at_dispatched": { th: "วันเวลาที่ส่ง", en: "Sent" },
  "o.corr.corrects": { th: "แก้ไขรายการที่ {label}", en: "Corrects {label}" },
  "o.corr.scan": { th: "ไฟล์สแกน", en: "Scan" },
  "o.corr.enter": { th: "ลงทะเบียนรับหนังสือที่มาทางอีเมลหรือกระดาษ", en: "Enter a letter received by e-mail or on paper" },
  "o.corr.enter.intro": {
    th: "หนังสือทุกฉบับใช้เลขทะเบียนรับชุดเดียวกับคำขอทาง e-Service แนบไฟล์อีเมลที่พิมพ์เป็น PDF หรือไฟล์สแกนหนังสือ",
    en: "Every letter takes a number from the same series as e-Service requests. Attach the e-mail printed to PDF, or the scan.",
  },
  "o.corr.channel": { th: "ช่องทางที่ได้รับ", en: "Received by" },
  "o.corr.channel.email": { th: "อีเมลสารบรรณ", en: "E-mail to the saraban address" },
  "o.corr.channel.paper": { th: "หนังสือกระดาษ", en: "Paper letter" },
  "o.corr.arrived": { th: "วันเวลาที่หนังสือมาถึง", en: "When it arrived" },
  "o.corr.file": { th: "ไฟล์อีเมลหรือไฟล์สแกน", en: "The e-mail or the scan" },
  "o.corr.save": { th: "ลงทะเบียนรับ", en: "Enter in the register" },
  "o.corr.busy": { th: "กำลังบันทึก…", en: "Recording…" },
  "o.corr.entered": { th: "ลงทะเบียนรับแล้ว เลขทะเบียนรับที่ {label}", en: "Entered as number {label}." },
  "o.corr.correct": { th: "แก้ไข (บันทึกเป็นรายการใหม่)", en: "Correct (as a new entry)" },
  "o.corr.reason": { th: "เหตุที่แก้ไข", en: "Why it is corrected" },
  "o.corr.corrected": { th: "บันทึกการแก้ไขเป็นรายการที่ {label} แล้ว", en: "Correction entered as number {label}." },
});

const BOOKS = ["received", "dispatched"];
const COLUMNS = {
  received: [
    ["o.corr.col.received", (e) => e.label],
    ["o.corr.col.document", (e) => e.document_number],
    ["o.corr.col.dated", (e) => e.document_date],
    ["o.corr.col.sender", (e) => e.sender],
    ["o.corr.col.addressee", (e) => e.addressee],
    ["o.corr.col.subject", (e) => e.subject],
    ["o.corr.col.action", (e) => e.action],
    ["o.corr.col.remarks", (e) => [e.remarks, e.corrects ? ` (${t("o.corr.corrects", { label: e.corrects })})` : ""].join("")],
    ["o.corr.col.at_received", (e) => formatDateTime(e.received_at)],
  ],
  dispatched: [
    ["o.corr.col.dispatched", (e) => e.label],
    ["o.corr.col.document", (e) => e.document_number],
    ["o.corr.col.dated", (e) => e.document_date],
    ["o.corr.col.sender", (e) => e.sender],
    ["o.corr.col.addressee", (e) => e.addressee],
    ["o.corr.col.subject", (e) => e.subject],
    ["o.corr.col.remarks", (e) => e.remarks],
    ["o.corr.col.at_dispatched", (e) => formatDateTime(e.sent_at)],
  ],
};
const READERS = ["records", "head", "admin"];

function download(blob, name) {
  const link = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

export async function correspondencePage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.corr.title"), L(SITE));
  const officer = await currentOfficer().catch(() => ({ groups: [] }));
  if (!isCurrent()) return;
  const groups = officer.groups || [];
  if (!groups.some((g) => READERS.includes(g))) {
    replace(view, h("h1", {}, t("o.corr.title")), notice(t("o.corr.only"), "warn"));
    return;
  }
  const keeper = groups.includes("records");
  const book = BOOKS.includes(query.get("book")) ? query.get("book") : "received";
  const today = todayInBangkok();
  const from = /^\d{4}-\d{2}-\d{2}$/.test(query.get("from") || "") ? query.get("from") : today;
  const to = /^\d{4}-\d{2}-\d{2}$/.test(query.get("to") || "") ? query.get("to") : today;
  const q = query.get("q") || "";
  const done = query.get("done");
  const params = new URLSearchParams({ from, to });
  if (q) params.set("q", q);

  const fromInput = h("input", { type: "date", name: "from", class: "medium", value: from });
  const toInput = h("input", { type: "date", name: "to", class: "medium", value: to });
  const qInput = h("input", { type: "search", name: "q", value: q, maxlength: 100 });
  const listBox = h("div", {}, loading());
  const messages = h("div");
  const csv = h("button", { type: "button" }, t("o.corr.csv"));
  const pdf = h("button", { type: "button" }, t("o.corr.pdf"));
  csv.addEventListener("click", () => whileBusy(csv, null, async () => {
    try {
      const text = await api(`/officer/correspondence/${book}?${params}&format=csv`, { text: true });
      download(new Blob([text], { type: "text/csv" }), `${book}-${from}-${to}.csv`);
    } catch (error) {
      replace(messages, alertBox(error));
    }
  }));
  pdf.addEventListener("click", () => whileBusy(pdf, null, async () => {
    // A PDF is bytes: fetched directly (api() reads text), with the same sign-in.
    const response = await fetch(`${getConfig().apiBase}/officer/correspondence/${book}/pdf?from=${from}&to=${to}`, {
      headers: { Authorization: `Bearer ${session.token()}` },
    }).catch(() => null);
    if (response?.ok) {
      download(await response.blob(), `${book}-${from}-${to}.pdf`);
      return;
    }
    const body = response ? await response.json().catch(() => null) : null;
    replace(messages, alertBox(body?.error ? { text: body.error.message } : { text: both("error.generic") }));
  }));

  replace(
    view,
    h("h1", {}, t("o.corr.title")),
    done ? notice(done, "success") : null,
    h("nav", { class: "tabs", "aria-label": t("o.corr.title") }, h("ul", {}, BOOKS.map((b) =>
      h("li", {}, h("a", { href: `#/correspondence?book=${b}`, "aria-current": b === book ? "page" : null }, t(`o.corr.${b}`)))))),
    h("h2", {}, t(`o.corr.${book}`)),
    h("form", {
      class: "filters",
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams({ book, from: fromInput.value || today, to: toInput.value || today });
        if (qInput.value.trim()) next.set("q", qInput.value.trim());
        navigate(`#/correspondence?${next}`);
      },
    },
    labelled({ label: t("o.corr.from"), input: fromInput }).wrapper,
    labelled({ label: t("o.corr.to"), input: toInput }).wrapper,
    labelled({ label: t("o.corr.q"), input: qInput }).wrapper,
    h("button", { type: "submit" }, t("o.corr.show"))),
    messages,
    h("div", { class: "actions" }, csv, pdf),
    listBox,
    keeper && book === "received" ? entryForm() : null,
  );
  await showPage(listBox, book, params, null, keeper, isCurrent);
}

async function showPage(box, book, params, cursor, keeper, isCurrent) {
  try {
    const page = await api(`/officer/correspondence/${book}?${params}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (!isCurrent()) return;
    const more = h("div");
    if (page.next_cursor) {
      const next = h("button", { type: "button" }, t("o.corr.more"));
      next.addEventListener("click", () => showPage(more, book, params, page.next_cursor, keeper, isCurrent));
      replace(more, next);
    }
    replace(box, page.entries.length || cursor ? table(book, page.entries, keeper) : h("p", { class: "muted" }, t("o.corr.none")), more);
  } catch (error) {
    if (isCurrent()) replace(box, unavailable(error));
  }
}

function table(book, entries, keeper) {
  const columns = COLUMNS[book];
  return h("div", { class: "table-wrap" }, h(
    "table",
    { class: "data stack", id: `register-${book}` },
    h("thead", {}, h("tr", {}, columns.map(([key]) => h("th", { scope: "col" }, t(key))), keeper && book === "received" ? h("th", { scope: "col" }, "") : null)),
    h("tbody", {}, entries.map((entry) => h("tr", {},
      columns.map(([key, value]) => h("td", { "data-label": t(key) }, String(value(entry) ?? "–"))),
      keeper && book === "received" ? h("td", {}, correction(entry)) : null))),
  ));
}

function correction(entry) {
  const messages = h("div");
  const subject = labelled({ label: t("o.corr.col.subject"), input: h("input", { name: "subject", value: entry.subject || "", maxlength: 500 }) });
  const sender = labelled({ label: t("o.corr.col.sender"), input: h("input", { name: "sender", value: entry.sender || "", maxlength: 300 }) });
  const reason = labelled({ label: t("o.corr.reason"), input: h("input", { name: "reason", maxlength: 500 }), required: true });
  const save = h("button", { type: "submit" }, t("o.corr.correct"));
  return h("details", {}, h("summary", {}, t("o.corr.correct")), h("form", {
    novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      reason.setError("");
      if (!reason.input.value.trim()) {
        reason.setError(t("field.required"));
        reason.input.focus();
        return;
      }
      whileBusy(save, t("o.corr.busy"), async () => {
        try {
          const fixed = await api(`/officer/correspondence/received/${entry.year}/${entry.number}/corrections`, {
            method: "POST",
            body: { subject: subject.input.value.trim(), sender: sender.input.value.trim(), reason: reason.input.value.trim() },
          });
          navigate(`#/correspondence?book=received&done=${encodeURIComponent(t("o.corr.corrected", { label: fixed.label }))}`, { replace: true });
        } catch (error) {
          replace(messages, alertBox(error));
        }
      });
    },
  }, messages, subject.wrapper, sender.wrapper, reason.wrapper, save));
}

function entryForm() {
  const messages = h("div");
  const channel = h("select", { name: "channel" },
    ["email", "paper"].map((c) => h("option", { value: c }, t(`o.corr.channel.${c}`))));
  const file = h("input", { type: "file", name: "file", accept: ".pdf,.doc,.docx,.txt,.jpg,.jpeg,.png,.tif,.tiff" });
  const fields = {
    document_number: h("input", { name: "document_number", maxlength: 100 }),
    document_date: h("input", { type: "date", name: "document_date" }),
    sender: h("input", { name: "sender", maxlength: 300 }),
    addressee: h("input", { name: "addressee", maxlength: 300 }),
    subject: h("input", { name: "subject", maxlength: 500 }),
    action: h("input", { name: "action", maxlength: 300 }),
    remarks: h("input", { name: "remarks", maxlength: 600 }),
  };
  const arrived = h("input", { type: "datetime-local", name: "arrived_at" });
  const labels = {
    document_number: "o.corr.col.document",
    document_date: "o.corr.col.dated",
    sender: "o.corr.col.sender",
    addressee: "o.corr.col.addressee",
    subject: "o.corr.col.subject",
    action: "o.corr.col.action",
    remarks: "o.corr.col.remarks",
  };
  const wrapped = Object.fromEntries(Object.entries(fields).map(([name, input]) =>
    [name, labelled({ label: t(labels[name]), input, required: name === "sender" || name === "subject" })]));
  const fileField = labelled({ label: t("o.corr.file"), input: file, required: true });
  const save = h("button", { type: "submit", class: "primary" }, t("o.corr.save"));
  return h("section", {},
    h("h2", {}, t("o.corr.enter")),
    h("p", {}, t("o.corr.enter.intro")),
    h("form", {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        let ok = true;
        for (const name of ["sender", "subject"]) {
          wrapped[name].setError("");
          if (!fields[name].value.trim()) {
            wrapped[name].setError(t("field.required"));
            ok = false;
          }
        }
        fileField.setError("");
        if (!file.files?.length) {
          fileField.setError(t("field.required"));
          ok = false;
        }
        if (!ok) return;
        whileBusy(save, t("o.corr.busy"), async () => {
          try {
            const offer = await api("/officer/correspondence/scans", { method: "POST", body: { file_name: file.files[0].name } });
            await sendToStorage(offer.upload, file.files[0]);
            const body = { scan_id: offer.scan.id, channel: channel.value };
            for (const [name, input] of Object.entries(fields)) if (input.value.trim()) body[name] = input.value.trim();
            // A local date and time, in Bangkok (the agency's office hours decide the time of receipt).
            if (arrived.value) body.arrived_at = `${arrived.value}:00+07:00`;
            const entry = await api("/officer/correspondence/entries", { method: "POST", body });
            navigate(`#/correspondence?book=received&done=${encodeURIComponent(t("o.corr.entered", { label: entry.label }))}`, { replace: true });
          } catch (error) {
            replace(messages, alertBox(error));
          }
        });
      },
    },
    messages,
    labelled({ label: t("o.corr.channel"), input: channel, required: true }).wrapper,
    fileField.wrapper,
    ...Object.values(wrapped).map((w) => w.wrapper),
    labelled({ label: t("o.corr.arrived"), input: arrived }).wrapper,
    save),
  );
}
