// Register management for the head and the administrator (R-5.4): suspend, revoke or reinstate a
// licence at once, with the reason; the public register shows the change immediately.

import { api } from "../../../js/core/api.js";
import { dl, h, replace } from "../../../js/core/dom.js";
import { addMessages, both, has, L, t } from "../../../js/core/i18n.js";
import { formatDate, formatDateTime, todayInBangkok } from "../../../js/core/format.js";
import { navigate } from "../../../js/core/router.js";
import { alertBox, badge, labelled, loading, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { currentOfficer, requireSignIn, SITE } from "../state.js";
import { unavailable } from "./worklist.js";

addMessages({
  "o.reg.title": { th: "จัดการทะเบียนใบอนุญาต", en: "Manage the licence register" },
  "o.reg.intro": {
    th: "การพักใช้ เพิกถอน หรือให้กลับมีผล จะแสดงในทะเบียนสาธารณะทันที และบันทึกไว้ในประวัติของใบอนุญาต",
    en: "Suspending, revoking or reinstating shows in the public register at once and is kept in the licence's history.",
  },
  "o.reg.only": { th: "เฉพาะหัวหน้าหน่วยงานและผู้ดูแลระบบ", en: "For the head of agency and administrators only." },
  "o.reg.search": { th: "ค้นหาเลขที่ใบอนุญาต ชื่อผู้ได้รับอนุญาต หรือสถานที่", en: "Search licence number, holder or place" },
  "o.reg.lookup": { th: "หรือเปิดด้วยเลขที่ใบอนุญาต (รวมใบที่ไม่แสดงในทะเบียนสาธารณะ)", en: "Or open by licence number (including licences not shown publicly)" },
  "o.reg.open": { th: "เปิด", en: "Open" },
  "o.reg.none": { th: "ไม่พบใบอนุญาต", en: "No licence found." },
  "o.reg.change": { th: "เปลี่ยนสถานะ", en: "Change the status" },
  "o.reg.status": { th: "สถานะใหม่", en: "New status" },
  "o.reg.reason": { th: "เหตุผล (อ้างคำสั่งหรือข้อกฎหมาย)", en: "Reason (cite the order or the law)" },
  "o.reg.until": { th: "พักใช้ถึงวันที่", en: "Suspended until" },
  "o.reg.save": { th: "บันทึกสถานะ", en: "Save the status" },
  "o.reg.saving": { th: "กำลังบันทึก…", en: "Saving…" },
  "o.reg.saved": { th: "บันทึกสถานะใบอนุญาต {number} แล้ว", en: "Licence {number} updated." },
  "o.reg.history": { th: "ประวัติ", en: "History" },
  "o.reg.in_force": { th: "มีผลใช้บังคับ", en: "In force" },
  "o.reg.suspended": { th: "พักใช้", en: "Suspended" },
  "o.reg.revoked": { th: "เพิกถอน", en: "Revoked" },
  "o.reg.expired": { th: "หมดอายุ", en: "Expired" },
  "o.reg.number": { th: "เลขที่", en: "Number" },
  "o.reg.holder": { th: "ผู้ได้รับอนุญาต", en: "Holder" },
  "o.reg.valid": { th: "ออกเมื่อ / ใช้ได้ถึง", en: "Issued / valid until" },
});

const KIND = { in_force: "ok", suspended: "warn", revoked: "bad", expired: "neutral" };
const CHOICES = ["suspended", "revoked", "in_force"];

function statusBadge(status) {
  return badge(has(`o.reg.${status}`) ? t(`o.reg.${status}`) : status, KIND[status] || "neutral");
}

export async function registerPage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.reg.title"), L(SITE));
  const officer = await currentOfficer().catch(() => ({ groups: [] }));
  if (!isCurrent()) return;
  if (!(officer.groups || []).some((g) => g === "head" || g === "admin")) {
    replace(view, h("h1", {}, t("o.reg.title")), notice(t("o.reg.only"), "warn"));
    return;
  }
  const q = (query.get("q") || "").trim();
  const number = (query.get("number") || "").trim();
  const saved = query.get("saved");
  const search = labelled({ label: t("o.reg.search"), input: h("input", { type: "search", name: "q", value: q }) });
  const lookup = labelled({ label: t("o.reg.lookup"), input: h("input", { type: "text", name: "number", class: "medium", value: number }) });
  const results = h("div", { "aria-live": "polite" }, loading());
  replace(
    view,
    h("h1", {}, t("o.reg.title")),
    h("p", {}, t("o.reg.intro")),
    saved ? notice(t("o.reg.saved", { number: saved }), "success") : null,
    h("form", {
      class: "filters",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        const params = new URLSearchParams();
        if (search.input.value.trim()) params.set("q", search.input.value.trim());
        if (lookup.input.value.trim()) params.set("number", lookup.input.value.trim());
        navigate(`#/register${params.toString() ? `?${params}` : ""}`);
      },
    }, search.wrapper, lookup.wrapper, h("button", { type: "submit" }, t("o.reg.open"))),
    results,
  );
  try {
    let licences;
    if (number) licences = [(await api(`/register/${encodeURIComponent(number)}`, { auth: false })).licence];
    else licences = (await api(`/register${q ? `?q=${encodeURIComponent(q)}` : ""}`, { auth: false })).licences;
    if (!isCurrent()) return;
    replace(results, licences.length ? h("ul", { class: "cards" }, licences.map(licenceManager)) : h("p", {}, t("o.reg.none")));
  } catch (error) {
    if (isCurrent()) replace(results, unavailable(error));
  }
}

function licenceManager(licence) {
  const messages = h("div");
  const select = h("select", { name: "status" },
    CHOICES.filter((s) => s !== licence.status).map((s) => h("option", { value: s }, t(`o.reg.${s}`))));
  const status = labelled({ label: t("o.reg.status"), input: select });
  const reason = labelled({ label: t("o.reg.reason"), input: h("textarea", { name: "reason", rows: 2, maxlength: 1000 }), required: true });
  const until = labelled({ label: t("o.reg.until"), input: h("input", { type: "date", name: "until", class: "medium", min: todayInBangkok() }) });
  const save = h("button", { type: "submit", class: "primary" }, t("o.reg.save"));
  const sync = () => { until.wrapper.hidden = select.value !== "suspended"; };
  select.addEventListener("change", sync);
  sync();
  return h(
    "li",
    { class: "card" },
    h("h2", {}, L(licence.title), " ", statusBadge(licence.status)),
    dl([
      [t("o.reg.number"), h("span", { class: "mono" }, licence.licence_number)],
      [t("o.reg.holder"), licence.holder],
      [t("o.reg.valid"), `${formatDate(licence.issued_at)} – ${formatDate(licence.valid_until) || "–"}`],
    ]),
    licence.history?.length
      ? h("details", {}, h("summary", {}, t("o.reg.history")),
        h("ul", {}, licence.history.map((e) => h("li", {}, statusBadge(e.status), ` ${formatDateTime(e.at)} · ${L(e.reason)}`))))
      : null,
    licence.status === "revoked"
      ? null
      : h("details", {}, h("summary", {}, t("o.reg.change")),
        messages,
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
            const body = { status: select.value, reason: reason.input.value.trim() };
            if (select.value === "suspended" && until.input.value) body.until = until.input.value;
            whileBusy(save, t("o.reg.saving"), async () => {
              try {
                await api(`/officer/register/${encodeURIComponent(licence.licence_number)}/status`, { method: "POST", body });
                navigate(`#/register?number=${encodeURIComponent(licence.licence_number)}&saved=${encodeURIComponent(licence.licence_number)}`);
              } catch (error) {
                replace(messages, error.code === "route.missing" ? alertBox({ text: both("o.unavailable") }) : alertBox(error));
              }
            });
          },
        }, status.wrapper, until.wrapper, reason.wrapper, h("div", { class: "actions" }, save))),
  );
}
