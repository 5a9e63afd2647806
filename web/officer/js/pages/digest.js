// The twice-daily digest (R-1.7): new and changed requests, and those due soon or overdue.

import { api } from "../../../js/core/api.js";
import { h, replace } from "../../../js/core/dom.js";
import { addMessages, L, t } from "../../../js/core/i18n.js";
import { formatDateTime } from "../../../js/core/format.js";
import { loading, setTitle } from "../../../js/core/ui.js";
import { requireSignIn, SITE } from "../state.js";
import { requestTable, unavailable } from "./worklist.js";

addMessages({
  "o.digest.title": { th: "ภาพรวมงานรับเรื่อง", en: "Overview" },
  "o.digest.intro": {
    th: "ตรวจรับเรื่องใหม่และเรื่องที่เปลี่ยนแปลงอย่างน้อยวันละ 2 ครั้ง (เช่น 08:30 และ 16:30 น.)",
    en: "Check new and changed requests at least twice each working day (e.g. 08:30 and 16:30).",
  },
  "o.digest.generated": { th: "ข้อมูล ณ {time}", en: "As of {time}" },
  "o.digest.since": { th: "เปลี่ยนแปลงตั้งแต่ {time}", en: "Changes since {time}" },
  "o.digest.new": { th: "เรื่องใหม่", en: "New" },
  "o.digest.changed": { th: "มีความเคลื่อนไหว", en: "Changed" },
  "o.digest.due_soon": { th: "ใกล้ครบกำหนด", en: "Due soon" },
  "o.digest.overdue": { th: "เกินกำหนด", en: "Overdue" },
  "o.digest.empty": { th: "ไม่มีรายการ", en: "Nothing here." },
  "o.digest.all": { th: "ดูรายการคำขอทั้งหมด", en: "Open the full work list" },
});

const SECTIONS = ["new", "changed", "due_soon", "overdue"];

export async function digestPage({ view, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.digest.title"), L(SITE));
  replace(view, h("h1", {}, t("o.digest.title")), loading());
  let digest;
  try {
    digest = await api("/officer/digest");
  } catch (error) {
    if (isCurrent()) replace(view, h("h1", {}, t("o.digest.title")), unavailable(error),
      h("p", {}, h("a", { href: "#/requests" }, t("o.digest.all"))));
    return;
  }
  if (!isCurrent()) return;
  replace(
    view,
    h("h1", {}, t("o.digest.title")),
    h("p", {}, t("o.digest.intro")),
    h("p", { class: "muted small" }, t("o.digest.generated", { time: formatDateTime(digest.generated_at) }),
      digest.since ? [" · ", t("o.digest.since", { time: formatDateTime(digest.since) })] : null),
    h("div", { class: "digest" }, SECTIONS.map((key) =>
      h("a", { href: `#digest-${key}`, onclick: (e) => { e.preventDefault(); document.getElementById(`digest-${key}`)?.focus(); } },
        h("span", { class: "count" }, String((digest[key] || []).length)), t(`o.digest.${key}`)))),
    SECTIONS.map((key) => h("section", { "aria-labelledby": `digest-${key}` },
      h("h2", { id: `digest-${key}`, tabindex: "-1" }, `${t(`o.digest.${key}`)} (${(digest[key] || []).length})`),
      (digest[key] || []).length ? requestTable(digest[key]) : h("p", { class: "muted" }, t("o.digest.empty")))),
    h("p", {}, h("a", { href: "#/requests" }, t("o.digest.all"))),
  );
}
