// The work list (Q4.1, Q5.1): open requests with their SLA state (Q4.5, Q5.6), filtered by status
// and "waiting for my role".

import { api } from "../../../js/core/api.js";
import { h, replace } from "../../../js/core/dom.js";
import { addMessages, both, has, L, t } from "../../../js/core/i18n.js";
import { formatDateTime } from "../../../js/core/format.js";
import { navigate } from "../../../js/core/router.js";
import { statusKind } from "../../../js/core/status.js";
import { alertBox, badge, labelled, loading, setTitle } from "../../../js/core/ui.js";
import { currentOfficer, requireSignIn, SITE } from "../state.js";

addMessages({
  "o.list.title": { th: "รายการคำขอ", en: "Work list" },
  "o.list.status": { th: "สถานะ", en: "Status" },
  "o.list.status.all": { th: "ทุกสถานะที่ยังไม่เสร็จ", en: "All open statuses" },
  "o.list.mine": { th: "เฉพาะเรื่องที่รอบทบาทของฉัน", en: "Only requests waiting for my role" },
  "o.list.apply": { th: "แสดงรายการ", en: "Show" },
  "o.list.count": { th: "{count} รายการ", en: "{count} requests" },
  "o.list.count_more": { th: "แสดง {count} รายการ ยังมีอีก", en: "Showing {count} requests; there are more" },
  "o.list.more": { th: "แสดงเพิ่ม", en: "Show more" },
  "o.list.none": { th: "ไม่มีคำขอตามเงื่อนไขนี้", en: "No request matches." },
  "o.col.receipt": { th: "เลขรับ", en: "Receipt no." },
  "o.col.service": { th: "บริการ", en: "Service" },
  "o.col.status": { th: "สถานะ", en: "Status" },
  "o.col.waiting": { th: "รอดำเนินการ", en: "Waiting for" },
  "o.col.received": { th: "ถือว่าได้รับเมื่อ", en: "Received" },
  "o.col.due": { th: "ครบกำหนด", en: "Due" },
  "o.col.sla": { th: "ระยะเวลา", en: "SLA" },
  "o.waiting.value": { th: "{step} ({role})", en: "{step} ({role})" },
  "o.waiting.none": { th: "–", en: "–" },
  "o.unavailable": {
    th: "ส่วนนี้ของระบบงานเจ้าหน้าที่ยังไม่เปิดใช้งาน",
    en: "This part of the officer workspace is not available yet.",
  },
});

const SLA_KIND = { on_track: "ok", due_soon: "warn", overdue: "bad", waiting_for_applicant: "neutral" };
const SLA_ICON = { on_track: "✓", due_soon: "!", overdue: "✕", waiting_for_applicant: "⏸" };

/** The SLA badge: colour plus an icon and words, so it reads without colour. */
export function slaBadge(state) {
  if (!state) return badge(t("sla.none"), "neutral");
  const element = badge(`${SLA_ICON[state] || ""} ${t(`sla.${state}`)}`, SLA_KIND[state] || "neutral");
  element.classList.add("sla", `sla-${state}`);
  return element;
}

export function stepText(waiting) {
  if (!waiting) return t("o.waiting.none");
  const step = has(`step.${waiting.step}`) ? t(`step.${waiting.step}`) : waiting.step;
  // A step no officer decides (the applicant's turn) names no role.
  if (!waiting.decisions?.length) return step;
  const role = has(`role.${waiting.role}`) ? t(`role.${waiting.role}`) : waiting.role;
  return t("o.waiting.value", { step, role });
}

/** A table of request summaries (work list and digest). */
export function requestTable(rows, id) {
  const cols = ["o.col.receipt", "o.col.service", "o.col.status", "o.col.waiting", "o.col.received", "o.col.due", "o.col.sla"];
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data stack", id },
      h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(c))))),
      h("tbody", {}, rows.map((r) =>
        h("tr", { "data-request": r.id },
          h("td", { "data-label": t("o.col.receipt") },
            h("a", { href: `#/requests/${encodeURIComponent(r.id)}` }, r.receipt_number || r.id)),
          h("td", { "data-label": t("o.col.service") }, L(r.service?.name)),
          h("td", { "data-label": t("o.col.status") }, badge(L(r.status_label), statusKind(r.status))),
          h("td", { "data-label": t("o.col.waiting") }, stepText(r.waiting)),
          h("td", { "data-label": t("o.col.received") }, formatDateTime(r.deemed_received_at)),
          h("td", { "data-label": t("o.col.due") }, formatDateTime(r.due_at)),
          h("td", { "data-label": t("o.col.sla") }, slaBadge(r.sla_state))))),
    ),
  );
}

export function unavailable(error) {
  return alertBox(error.code === "route.missing" ? { text: both("o.unavailable") } : error);
}

export async function workListPage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.list.title"), L(SITE));
  const status = query.get("status") || "";
  const mine = query.get("mine") === "true";
  let statuses = {};
  try {
    statuses = (await api("/agency", { auth: false })).statuses || {};
  } catch {
    statuses = {};
  }
  const select = h(
    "select",
    { name: "status" },
    h("option", { value: "" }, t("o.list.status.all")),
    Object.entries(statuses).map(([value, label]) => h("option", { value, selected: value === status }, L(label))),
  );
  const statusField = labelled({ label: t("o.list.status"), input: select });
  const mineBox = h("input", { type: "checkbox", id: "mine", name: "mine", checked: mine });
  const results = h("div", { "aria-live": "polite" }, loading());
  replace(
    view,
    h("h1", {}, t("o.list.title")),
    h(
      "form",
      {
        class: "filters",
        onsubmit: (event) => {
          event.preventDefault();
          const params = new URLSearchParams();
          if (select.value) params.set("status", select.value);
          if (mineBox.checked) params.set("mine", "true");
          navigate(`#/requests${params.toString() ? `?${params}` : ""}`);
        },
      },
      statusField.wrapper,
      h("div", { class: "choice" }, mineBox, h("label", { for: "mine" }, t("o.list.mine"))),
      h("button", { type: "submit" }, t("o.list.apply")),
    ),
    results,
  );
  try {
    await currentOfficer();
    const params = new URLSearchParams();
    if (status) params.set("status", status);
    if (mine) params.set("mine", "true");
    // One page at a time (the API pages every list); "more" appends the next page.
    const rows = [];
    let extended = false; // a further page was opened: the refresh would take it away
    const show = async (cursor) => {
      if (cursor) extended = true;
      const query = new URLSearchParams(params);
      if (cursor) query.set("cursor", cursor);
      const page = await api(`/officer/requests${query.toString() ? `?${query}` : ""}`);
      if (!isCurrent()) return;
      rows.push(...page.requests);
      draw(page);
    };
    const draw = (page) => {
      const more = page.next_cursor
        ? h("button", { type: "button", class: "secondary", onclick: () => show(page.next_cursor) }, t("o.list.more"))
        : null;
      replace(
        results,
        h("p", { class: "muted", role: "status" }, t(page.next_cursor ? "o.list.count_more" : "o.list.count", { count: rows.length })),
        rows.length ? requestTable(rows, "work-list") : h("p", {}, t("o.list.none")),
        more,
      );
    };
    await show(null);
    // The list follows the requests while it is shown (decisions by others, the saga moving on): the first
    // page is read again every 15 s and redrawn only if it changed and no further page was opened.
    let last = JSON.stringify(rows);
    const refresh = async () => {
      if (!isCurrent()) return;
      try {
        const page = await api(`/officer/requests${params.toString() ? `?${params}` : ""}`);
        if (!isCurrent()) return;
        const seen = JSON.stringify(page.requests);
        if (seen !== last && !extended) {
          last = seen;
          rows.splice(0, rows.length, ...page.requests);
          draw(page);
        }
      } catch {
        // Tried again at the next turn.
      }
      setTimeout(refresh, 15000);
    };
    setTimeout(refresh, 15000);
  } catch (error) {
    if (isCurrent()) replace(results, unavailable(error));
  }
}
