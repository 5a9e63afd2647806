// Finance (Q6.6, R-3.5): verify or reject payment slips, and reconcile each working day's payments.

import { api } from "../../../js/core/api.js";
import { h, replace } from "../../../js/core/dom.js";
import { addMessages, has, L, lang, t } from "../../../js/core/i18n.js";
import { formatBaht, formatDate, formatDateTime, formatSize, shortHash, todayInBangkok } from "../../../js/core/format.js";
import { navigate } from "../../../js/core/router.js";
import "../../../js/core/status.js";
import { alertBox, grouped, labelled, loading, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { currentOfficer, requireSignIn, SITE } from "../state.js";
import { unavailable } from "./worklist.js";

addMessages({
  "o.pay.title": { th: "การเงิน", en: "Finance" },
  "o.pay.only": { th: "เฉพาะเจ้าหน้าที่การเงิน", en: "For finance officers only." },
  "o.pay.slips": { th: "หลักฐานการชำระเงินที่รอตรวจสอบ", en: "Payment slips to check" },
  "o.pay.slips.none": { th: "ไม่มีหลักฐานที่รอตรวจสอบ", en: "No slip is waiting." },
  "o.pay.request": { th: "คำขอ", en: "Request" },
  "o.pay.reference": { th: "เลขที่รายการ", en: "Transaction" },
  "o.pay.paid_on": { th: "วันที่ชำระ", en: "Paid on" },
  "o.pay.amount": { th: "จำนวนเงิน", en: "Amount" },
  "o.pay.sent": { th: "ส่งเมื่อ", en: "Sent" },
  "o.pay.file": { th: "ไฟล์หลักฐาน", en: "Proof file" },
  "o.pay.verify": { th: "ยืนยันการชำระเงิน", en: "Verify" },
  "o.pay.reject": { th: "ไม่รับหลักฐานนี้", en: "Reject" },
  "o.pay.reason": { th: "เหตุผลที่ไม่รับ (แจ้งผู้ยื่น)", en: "Why it is rejected (sent to the applicant)" },
  "o.pay.busy": { th: "กำลังบันทึก…", en: "Recording…" },
  "o.pay.done.verify": { th: "ยืนยันการชำระเงินแล้ว", en: "Payment verified." },
  "o.pay.done.reject": { th: "ไม่รับหลักฐานแล้ว ระบบแจ้งผู้ยื่น", en: "Slip rejected; the applicant is told." },
  "o.pay.recon": { th: "กระทบยอดประจำวัน", en: "Daily reconciliation" },
  "o.pay.recon.intro": {
    th: "ตรวจสอบรายการรับเงินทุกสิ้นวันทำการ แล้วแจ้งเจ้าหน้าที่ผู้รับผิดชอบ",
    en: "Check the day's payments at the end of every working day, then tell the responsible officer.",
  },
  "o.pay.day": { th: "วันที่", en: "Day" },
  "o.pay.day.help": {
    th: "ปีเป็นพุทธศักราช (พ.ศ.) เช่นเดียวกับตาราง",
    en: "Years in the Buddhist era (B.E.), as in the table.",
  },
  "o.pay.day.d": { th: "วัน", en: "Day" },
  "o.pay.day.m": { th: "เดือน", en: "Month" },
  "o.pay.day.y": { th: "ปี (พ.ศ.)", en: "Year (B.E.)" },
  "o.pay.day.future": { th: "เลือกวันที่ไม่เกินวันนี้", en: "Choose a day no later than today." },
  "o.pay.show": { th: "แสดง", en: "Show" },
  "o.pay.csv": { th: "ดาวน์โหลด CSV", en: "Download CSV" },
  "o.pay.time": { th: "เวลา", en: "Time" },
  "o.pay.channel": { th: "ช่องทาง", en: "Channel" },
  "o.pay.status": { th: "สถานะ", en: "Status" },
  "o.pay.action": { th: "การตรวจสอบ", en: "Check" },
  "o.pay.mismatch": { th: "ไม่ตรงกัน", en: "Mismatch" },
  "o.pay.total": { th: "รวมทั้งสิ้น", en: "Total" },
  "o.pay.none": { th: "ไม่มีรายการรับเงินในวันนี้", en: "No payment on this day." },
  "o.pay.mismatches": { th: "รายการที่ไม่ตรงกัน {count} รายการ", en: "{count} payments do not match" },
});

function label(prefix, key) {
  return has(`${prefix}.${key}`) ? t(`${prefix}.${key}`) : String(key ?? "");
}

export async function paymentsPage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.pay.title"), L(SITE));
  const officer = await currentOfficer().catch(() => ({ groups: [] }));
  if (!isCurrent()) return;
  if (!(officer.groups || []).includes("finance")) {
    replace(view, h("h1", {}, t("o.pay.title")), notice(t("o.pay.only"), "warn"));
    return;
  }
  const day = /^\d{4}-\d{2}-\d{2}$/.test(query.get("day") || "") ? query.get("day") : todayInBangkok();
  const done = query.get("done");
  const slipsBox = h("div", {}, loading());
  const reconBox = h("div", {}, loading());
  // Issue 13: the picker uses the table's calendar (Buddhist era), not the browser's Gregorian date input.
  const dayPicker = buddhistDayPicker(day, todayInBangkok());
  const dayField = grouped({ legend: t("o.pay.day"), help: t("o.pay.day.help"), body: dayPicker.element });
  replace(
    view,
    h("h1", {}, t("o.pay.title")),
    done ? notice(t(`o.pay.done.${done}`), "success") : null,
    h("h2", {}, t("o.pay.slips")),
    slipsBox,
    h("h2", {}, t("o.pay.recon")),
    h("p", {}, t("o.pay.recon.intro")),
    h("form", {
      class: "filters",
      onsubmit: (event) => {
        event.preventDefault();
        const chosen = dayPicker.value();
        if (chosen > todayInBangkok()) {
          dayField.setError(t("o.pay.day.future"));
          return;
        }
        dayField.setError("");
        navigate(`#/payments?day=${chosen}`);
      },
    }, dayField.wrapper, h("button", { type: "submit" }, t("o.pay.show"))),
    reconBox,
  );
  try {
    const { slips } = await api("/officer/payments/slips");
    if (isCurrent()) replace(slipsBox, slips.length ? slipTable(slips) : h("p", { class: "muted" }, t("o.pay.slips.none")));
  } catch (error) {
    if (isCurrent()) replace(slipsBox, unavailable(error));
  }
  try {
    const report = await api(`/officer/payments/reconciliation?day=${day}`);
    if (isCurrent()) replace(reconBox, reconciliation(report, day));
  } catch (error) {
    if (isCurrent()) replace(reconBox, unavailable(error));
  }
}

function slipTable(slips) {
  const cols = ["o.pay.request", "o.pay.reference", "o.pay.paid_on", "o.pay.amount", "o.pay.sent", "o.pay.file", "o.pay.action"];
  return h("div", { class: "table-wrap" }, h(
    "table",
    { class: "data stack", id: "slips" },
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(c))))),
    h("tbody", {}, slips.map((slip) => {
      const file = slip.attachment || {};
      return h("tr", {},
        h("td", { "data-label": t("o.pay.request") }, h("a", { href: `#/requests/${encodeURIComponent(slip.request_id)}` }, slip.request_id)),
        h("td", { "data-label": t("o.pay.reference"), class: "mono" }, slip.transaction_reference),
        h("td", { "data-label": t("o.pay.paid_on") }, formatDate(slip.paid_on)),
        h("td", { "data-label": t("o.pay.amount") }, formatBaht(slip.amount_satang)),
        h("td", { "data-label": t("o.pay.sent") }, formatDateTime(slip.submitted_at)),
        h("td", { "data-label": t("o.pay.file") },
          file.url ? h("a", { href: file.url, target: "_blank", rel: "noopener" }, file.file_name) : file.file_name,
          h("span", { class: "small muted" }, ` (${String(file.format || "").toUpperCase()}, ${formatSize(file.size)}, ${shortHash(file.sha256)})`)),
        h("td", { "data-label": t("o.pay.action") }, slipActions(slip)));
    })),
  ));
}

function slipActions(slip) {
  const messages = h("div");
  const verify = h("button", { type: "button", class: "primary" }, t("o.pay.verify"));
  const reason = labelled({ label: t("o.pay.reason"), input: h("textarea", { name: "reason", rows: 2, maxlength: 500 }), required: true });
  const reject = h("button", { type: "submit", class: "danger" }, t("o.pay.reject"));
  const decide = (button, decision, body) => whileBusy(button, t("o.pay.busy"), async () => {
    try {
      await api(`/officer/payments/slips/${encodeURIComponent(slip.request_id)}/${encodeURIComponent(slip.id)}`, {
        method: "POST",
        body: { decision, ...body },
      });
      navigate(`#/payments?done=${decision}`, { replace: true });
    } catch (error) {
      replace(messages, alertBox(error));
    }
  });
  verify.addEventListener("click", () => decide(verify, "verify", {}));
  return h("div", {},
    messages,
    h("div", { class: "actions" }, verify),
    h("details", {}, h("summary", {}, t("o.pay.reject")),
      h("form", {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          reason.setError("");
          if (!reason.input.value.trim()) {
            reason.setError(t("field.required"));
            reason.input.focus();
            return;
          }
          decide(reject, "reject", { reason: reason.input.value.trim() });
        },
      }, reason.wrapper, reject)));
}

function reconciliation(report, day) {
  const csv = h("button", { type: "button" }, t("o.pay.csv"));
  const messages = h("div");
  csv.addEventListener("click", () => whileBusy(csv, null, async () => {
    try {
      const text = await api(`/officer/payments/reconciliation?day=${day}&format=csv`, { text: true });
      const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: `reconciliation-${day}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      replace(messages, alertBox(error));
    }
  }));
  const payments = report.payments || [];
  const cols = ["o.pay.time", "o.pay.channel", "o.pay.reference", "Ref1", "Ref2", "o.pay.request", "o.pay.amount", "o.pay.status", "o.pay.mismatch"];
  return h("div", {},
    messages,
    payments.length
      ? h("div", { class: "table-wrap" }, h(
        "table",
        { class: "data stack", id: "reconciliation" },
        h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c.startsWith("o.") ? t(c) : c)))),
        h("tbody", {}, payments.map((p) => h("tr", {},
          h("td", { "data-label": t("o.pay.time") }, formatDateTime(p.received_at)),
          h("td", { "data-label": t("o.pay.channel") }, label("pay.channel", p.channel)),
          h("td", { "data-label": t("o.pay.reference"), class: "mono" }, p.transaction_id),
          h("td", { "data-label": "Ref1", class: "mono" }, p.ref1),
          h("td", { "data-label": "Ref2", class: "mono" }, p.ref2 || "–"),
          h("td", { "data-label": t("o.pay.request") }, p.request_id ? h("a", { href: `#/requests/${encodeURIComponent(p.request_id)}` }, p.request_id) : "–"),
          h("td", { "data-label": t("o.pay.amount") }, formatBaht(p.amount_satang)),
          h("td", { "data-label": t("o.pay.status") }, label("pay.status", p.status)),
          h("td", { "data-label": t("o.pay.mismatch") }, p.mismatch ? L(p.mismatch) : "–")))),
      ))
      : h("p", { class: "muted" }, t("o.pay.none")),
    Object.keys(report.totals_satang || {}).length
      ? h("ul", {}, Object.entries(report.totals_satang).map(([channel, amount]) =>
        h("li", {}, `${label("pay.channel", channel)}: ${formatBaht(amount)}`)))
      : null,
    h("p", {}, h("strong", {}, `${t("o.pay.total")}: ${formatBaht(report.total_satang || 0)}`)),
    report.mismatches?.length ? notice(t("o.pay.mismatches", { count: report.mismatches.length }), "warn") : null,
    h("div", { class: "actions" }, csv),
  );
}

/**
 * Issue 13: a day as three lists (day, month by name, year in the Buddhist era), the calendar of the
 * table and of official documents; value() is the ISO date (Gregorian) the API takes. Years: this one
 * and the four before it; days follow the month chosen (28 to 31).
 */
function buddhistDayPicker(iso, maxIso) {
  const [year, month, date] = iso.split("-").map(Number);
  const lastYear = Number(maxIso.slice(0, 4));
  const monthName = new Intl.DateTimeFormat(lang() === "th" ? "th-TH-u-ca-buddhist" : "en-GB", { month: "long", timeZone: "UTC" });
  const select = (name, label, options, selected) => {
    const element = h("select", { name, id: `pay-day-${name}` },
      options.map(([value, text]) => h("option", { value: String(value), selected: value === selected }, text)));
    return [h("label", { for: element.id, class: "inline-label" }, label), element];
  };
  const [dLabel, dSelect] = select("d", t("o.pay.day.d"), [], date);
  const [mLabel, mSelect] = select("m", t("o.pay.day.m"),
    Array.from({ length: 12 }, (_, i) => [i + 1, monthName.format(new Date(Date.UTC(2000, i, 1)))]), month);
  const [yLabel, ySelect] = select("y", t("o.pay.day.y"),
    Array.from({ length: 5 }, (_, i) => [lastYear - i, String(lastYear - i + 543)]), year);
  function fillDays() {
    const keep = Number(dSelect.value) || date;
    const days = new Date(Date.UTC(Number(ySelect.value), Number(mSelect.value), 0)).getUTCDate();
    replace(dSelect, Array.from({ length: days }, (_, i) =>
      h("option", { value: String(i + 1), selected: i + 1 === Math.min(keep, days) }, String(i + 1))));
  }
  mSelect.addEventListener("change", fillDays);
  ySelect.addEventListener("change", fillDays);
  fillDays();
  const pad = (n) => String(n).padStart(2, "0");
  return {
    element: h("div", { class: "date-parts" }, h("span", {}, dLabel, dSelect), h("span", {}, mLabel, mSelect),
      h("span", {}, yLabel, ySelect)),
    value: () => `${ySelect.value}-${pad(mSelect.value)}-${pad(dSelect.value)}`,
  };
}
