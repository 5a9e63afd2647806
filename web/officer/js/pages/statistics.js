// Statistics and analytic reports (Q10.5): per service and month of receipt, drawn as charts with a table
// beside each (the text alternative), and downloadable as CSV. For the head, administrators and finance.

import { api } from "../../../js/core/api.js";
import { h, replace } from "../../../js/core/dom.js";
import { addMessages, L, t } from "../../../js/core/i18n.js";
import { formatBaht, todayInBangkok } from "../../../js/core/format.js";
import { navigate } from "../../../js/core/router.js";
import { alertBox, labelled, loading, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { barChart, lineChart } from "../charts.js";
import { currentOfficer, requireSignIn, SITE } from "../state.js";
import { unavailable } from "./worklist.js";

addMessages({
  "o.stats.title": { th: "สถิติและรายงาน", en: "Statistics and reports" },
  "o.stats.only": {
    th: "เฉพาะหัวหน้าหน่วยงาน ผู้ดูแลระบบ และเจ้าหน้าที่การเงิน",
    en: "For the head of the agency, administrators and finance officers only.",
  },
  "o.stats.intro": {
    th: "นับคำขอตามเดือนที่ถือว่าได้รับ และผลของคำขอจนถึงปัจจุบัน ระยะเวลาดำเนินการนับเป็นวันทำการ ไม่นับช่วงที่รอผู้ยื่นคำขอ",
    en: "Requests are counted by the month they were deemed received, with what became of them so far. Processing time is in working days, without the time spent waiting on the applicant.",
  },
  "o.stats.from": { th: "ตั้งแต่เดือน", en: "From month" },
  "o.stats.to": { th: "ถึงเดือน", en: "To month" },
  "o.stats.service": { th: "บริการ", en: "Service" },
  "o.stats.all": { th: "ทุกบริการ", en: "All services" },
  "o.stats.show": { th: "แสดง", en: "Show" },
  "o.stats.csv": { th: "ดาวน์โหลด CSV", en: "Download CSV" },
  "o.stats.month": { th: "เดือน", en: "Month" },
  "o.stats.received": { th: "รับ", en: "Received" },
  "o.stats.completed": { th: "แล้วเสร็จ", en: "Completed" },
  "o.stats.rejected": { th: "ไม่อนุญาต", en: "Rejected" },
  "o.stats.referred": { th: "ส่งต่อ", en: "Referred" },
  "o.stats.withdrawn": { th: "ถอน", en: "Withdrawn" },
  "o.stats.dismissed": { th: "จำหน่ายเรื่อง", en: "Dismissed" },
  "o.stats.open": { th: "ค้างดำเนินการ", en: "Open" },
  "o.stats.median": { th: "มัธยฐาน (วันทำการ)", en: "Median (working days)" },
  "o.stats.p90": { th: "เปอร์เซ็นไทล์ 90 (วันทำการ)", en: "90th percentile (working days)" },
  "o.stats.sla": { th: "ทันกำหนด", en: "Within time limit" },
  "o.stats.fees": { th: "ค่าธรรมเนียม", en: "Fees" },
  "o.stats.limit": { th: "กำหนดเวลา {days} วันทำการ", en: "Time limit: {days} working days" },
  "o.stats.bars": { th: "คำขอรายเดือน: {service}", en: "Requests per month: {service}" },
  "o.stats.bars.summary": {
    th: "กราฟแท่งจำนวนคำขอที่รับ แล้วเสร็จ และไม่อนุญาต ในแต่ละเดือน รายละเอียดอยู่ในตารางถัดไป",
    en: "Bar chart of requests received, completed and rejected each month; the table that follows has the figures.",
  },
  "o.stats.line": { th: "ร้อยละที่ดำเนินการทันกำหนด: {service}", en: "SLA compliance over time: {service}" },
  "o.stats.line.summary": {
    th: "กราฟเส้นร้อยละของคำขอที่พิจารณาแล้วเสร็จภายในกำหนดเวลา ในแต่ละเดือน รายละเอียดอยู่ในตารางถัดไป",
    en: "Line chart of the share of decided requests decided within the time limit, per month; the table that follows has the figures.",
  },
  "o.stats.table": { th: "ตัวเลขของ {service}", en: "Figures for {service}" },
  "o.stats.none": { th: "ไม่มีคำขอในช่วงเวลานี้", en: "No request in this period." },
  "o.stats.sla.cell": { th: "{met}/{decided} ({percent}%)", en: "{met}/{decided} ({percent}%)" },
});

const ALLOWED = ["head", "admin", "finance"];

function monthsBack(month, count) {
  const [year, m] = month.split("-").map(Number);
  const date = new Date(Date.UTC(year, m - 1 - count, 1));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

function monthLabel(month) {
  const [year, m] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "th-TH-u-ca-buddhist", {
    month: "short",
    year: "2-digit",
    timeZone: "UTC",
  }).format(new Date(Date.UTC(year, m - 1, 1)));
}

const valid = (value) => /^\d{4}-(0[1-9]|1[0-2])$/.test(value || "");

export async function statisticsPage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.stats.title"), L(SITE));
  const officer = await currentOfficer().catch(() => ({ groups: [] }));
  if (!isCurrent()) return;
  if (!(officer.groups || []).some((g) => ALLOWED.includes(g))) {
    replace(view, h("h1", {}, t("o.stats.title")), notice(t("o.stats.only"), "warn"));
    return;
  }
  const thisMonth = todayInBangkok().slice(0, 7);
  const to = valid(query.get("to")) ? query.get("to") : thisMonth;
  const from = valid(query.get("from")) ? query.get("from") : monthsBack(to, 5);
  const service = query.get("service") || "";
  const fromInput = h("input", { type: "month", name: "from", class: "medium", value: from, max: thisMonth });
  const toInput = h("input", { type: "month", name: "to", class: "medium", value: to, max: thisMonth });
  const serviceSelect = h("select", { name: "service" }, h("option", { value: "" }, t("o.stats.all")));
  const box = h("div", { id: "statistics" }, loading());
  const messages = h("div");
  const params = () => new URLSearchParams({ from, to, ...(service ? { service } : {}) });
  const csv = h("button", { type: "button", id: "statistics-csv" }, t("o.stats.csv"));
  csv.addEventListener("click", () => whileBusy(csv, null, async () => {
    try {
      const text = await api(`/officer/statistics?${params()}&format=csv`, { text: true });
      const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: `statistics-${from}-${to}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (error) {
      replace(messages, alertBox(error));
    }
  }));
  replace(
    view,
    h("h1", {}, t("o.stats.title")),
    h("p", {}, t("o.stats.intro")),
    h("form", {
      class: "filters",
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams({ from: fromInput.value, to: toInput.value });
        if (serviceSelect.value) next.set("service", serviceSelect.value);
        navigate(`#/statistics?${next}`);
      },
    },
    labelled({ label: t("o.stats.from"), input: fromInput }).wrapper,
    labelled({ label: t("o.stats.to"), input: toInput }).wrapper,
    labelled({ label: t("o.stats.service"), input: serviceSelect }).wrapper,
    h("button", { type: "submit" }, t("o.stats.show"))),
    messages,
    box,
    h("div", { class: "actions" }, csv),
  );
  try {
    const report = await api(`/officer/statistics?${params()}`);
    if (!isCurrent()) return;
    const all = await api("/services").catch(() => ({ services: report.services }));
    for (const s of all.services || report.services) {
      serviceSelect.append(h("option", { value: s.id, selected: s.id === service ? "" : null }, L(s.name)));
    }
    replace(box, ...render(report));
  } catch (error) {
    if (isCurrent()) replace(box, unavailable(error));
  }
}

function render(report) {
  const months = [];
  for (let m = report.from; m <= report.to; m = monthsBack(m, -1)) months.push(m);
  const labels = months.map(monthLabel);
  const sections = [];
  for (const service of report.services) {
    const rows = months.map((m) => report.rows.find((r) => r.service_id === service.id && r.month === m));
    if (!rows.some((r) => r && (r.received || r.fees_satang))) continue;
    const name = L(service.name);
    const values = (field) => rows.map((r) => (r ? r[field] : 0));
    sections.push(h("section", { class: "service-statistics", "data-service": service.id },
      h("h2", {}, name),
      h("p", { class: "muted" }, t("o.stats.limit", { days: service.sla_working_days })),
      h("div", { class: "charts" },
        barChart({
          caption: t("o.stats.bars", { service: name }),
          summary: t("o.stats.bars.summary"),
          labels,
          series: [
            { label: t("o.stats.received"), values: values("received") },
            { label: t("o.stats.completed"), values: values("completed") },
            { label: t("o.stats.rejected"), values: values("rejected") },
          ],
        }),
        lineChart({
          caption: t("o.stats.line", { service: name }),
          summary: t("o.stats.line.summary"),
          labels,
          values: values("sla_compliance_percent"),
          unit: "%",
          label: t("o.stats.sla"),
        })),
      table(name, months, rows)));
  }
  return sections.length ? sections : [h("p", { class: "muted" }, t("o.stats.none"))];
}

function table(name, months, rows) {
  const columns = ["received", "completed", "rejected", "referred", "withdrawn", "dismissed", "open", "median", "p90", "sla", "fees"];
  const cell = (value) => (value === null || value === undefined ? "–" : String(value));
  return h("div", { class: "table-wrap" }, h(
    "table",
    { class: "data stack statistics-table" },
    h("caption", {}, t("o.stats.table", { service: name })),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("o.stats.month")), columns.map((c) => h("th", { scope: "col" }, t(`o.stats.${c}`))))),
    h("tbody", {}, months.map((month, i) => {
      const r = rows[i] || {};
      const sla = r.sla_decided
        ? t("o.stats.sla.cell", { met: r.sla_met, decided: r.sla_decided, percent: r.sla_compliance_percent })
        : "–";
      return h("tr", { "data-month": month },
        h("th", { scope: "row" }, monthLabel(month)),
        ["received", "completed", "rejected", "referred", "withdrawn", "dismissed", "open"].map((f) =>
          h("td", { "data-label": t(`o.stats.${f}`), "data-field": f }, cell(r[f] ?? 0))),
        h("td", { "data-label": t("o.stats.median"), "data-field": "median" }, cell(r.median_working_days)),
        h("td", { "data-label": t("o.stats.p90"), "data-field": "p90" }, cell(r.p90_working_days)),
        h("td", { "data-label": t("o.stats.sla"), "data-field": "sla" }, sla),
        h("td", { "data-label": t("o.stats.fees"), "data-field": "fees" }, formatBaht(r.fees_satang || 0)));
    })),
  ));
}
