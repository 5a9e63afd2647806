// The agency's announcements (ประกาศ): the Act §10 electronic channels, the Act §13(1) electronic display
// of licences, the payment channels (R-3.5(2)) and the Act §16 order, each issued once, sealed, and kept.
// Superseded editions stay listed as superseded; the §13(1) announcement says when it takes effect
// (on publication in the Royal Gazette).

import { api, getConfig } from "../core/api.js";
import { dl, h, replace } from "../core/dom.js";
import { addMessages, both, L, lang, t } from "../core/i18n.js";
import { formatDate, formatSize, shortHash } from "../core/format.js";
import { alertBox, badge, loading, setTitle } from "../core/ui.js";
import { SITE } from "../state.js";

addMessages({
  "announcements.title": { th: "ประกาศ", en: "Announcements" },
  "announcements.intro": {
    th: "ประกาศของหน่วยงานตามพระราชบัญญัติการปฏิบัติราชการทางอิเล็กทรอนิกส์ พ.ศ. 2565 แต่ละฉบับลงนามและประทับตราอิเล็กทรอนิกส์เพียงครั้งเดียว ตรวจสอบไฟล์ได้ที่หน้า “ตรวจสอบเอกสาร” ฉบับที่ถูกยกเลิกยังคงแสดงไว้",
    en: "The agency's announcements under the Act on Electronic Performance of Administrative Duties B.E. 2565. Each is signed and sealed once; check a file on the “Verify a document” page. Superseded editions stay listed.",
  },
  "announcements.none": { th: "ยังไม่มีประกาศ", en: "No announcement has been issued yet." },
  "announcements.unavailable": { th: "ไม่สามารถแสดงประกาศได้ในขณะนี้", en: "The announcements cannot be shown right now." },
  "announcements.in_force": { th: "มีผลใช้บังคับ", en: "In force" },
  "announcements.pending": { th: "รอประกาศในราชกิจจานุเบกษา", en: "Awaiting the Royal Gazette" },
  "announcements.superseded": { th: "ถูกยกเลิกโดยฉบับใหม่", en: "Superseded" },
  "announcements.number": { th: "ที่", en: "No." },
  "announcements.signed": { th: "ลงนามเมื่อ", en: "Signed on" },
  "announcements.signer": { th: "ผู้ลงนาม", en: "Signed by" },
  "announcements.basis": { th: "อาศัยอำนาจตาม", en: "Made under" },
  "announcements.effect": { th: "การมีผลใช้บังคับ", en: "In effect" },
  "announcements.gazette_ref": { th: "ราชกิจจานุเบกษา", en: "Royal Gazette" },
  "announcements.superseded_on": { th: "ยกเลิกเมื่อ", en: "Superseded on" },
  "announcements.fingerprint": { th: "ลายนิ้วมือไฟล์ (SHA-256)", en: "File fingerprint (SHA-256)" },
  "announcements.download": { th: "เปิดไฟล์ประกาศ (PDF {size})", en: "Open the announcement (PDF, {size})" },
});

function stateBadge(item) {
  if (item.state === "superseded") return badge(t("announcements.superseded"), "neutral");
  if (!item.effect.in_effect) return badge(t("announcements.pending"), "warn");
  return badge(t("announcements.in_force"), "ok");
}

function card(item) {
  const url = `${getConfig().apiBase}/announcements/${encodeURIComponent(item.id)}/pdf`;
  return h(
    "li",
    { class: "card", "data-state": item.state, "data-kind": item.kind },
    h("h2", {}, L(item.title), " ", stateBadge(item)),
    dl([
      [t("announcements.number"), h("span", { class: "mono" }, item.number)],
      [t("announcements.signed"), formatDate(item.issued_on)],
      [t("announcements.signer"), `${item.signer.name} (${item.signer.position})`],
      [t("announcements.basis"), L(item.legal_basis)],
      [t("announcements.effect"), lang() === "en" ? item.effect.en : item.effect.th],
      [t("announcements.gazette_ref"), item.gazette && item.gazette.reference],
      [t("announcements.superseded_on"), item.state === "superseded" ? formatDate(item.superseded_at) : null],
      [t("announcements.fingerprint"), h("span", { class: "mono", title: item.sha256 }, shortHash(item.sha256))],
    ]),
    h("p", {}, h("a", { href: url, type: "application/pdf" }, t("announcements.download", { size: formatSize(item.size) }))),
  );
}

export async function announcementsPage({ view, isCurrent }) {
  setTitle(t("announcements.title"), L(SITE));
  const results = h("div", { "aria-live": "polite" }, loading());
  replace(view, h("h1", {}, t("announcements.title")), h("p", {}, t("announcements.intro")), results);
  try {
    const items = [];
    let cursor = null;
    // The list is short (a few editions a year); read every page so that the history is complete.
    do {
      const page = await api(`/announcements?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { auth: false });
      items.push(...page.announcements);
      cursor = page.next_cursor;
    } while (cursor && isCurrent());
    if (!isCurrent()) return;
    // In force first, then the superseded history, each newest first (the API's order).
    const ordered = [...items.filter((a) => a.state !== "superseded"), ...items.filter((a) => a.state === "superseded")];
    replace(
      results,
      ordered.length ? h("ul", { class: "cards", id: "announcements" }, ordered.map(card)) : h("p", {}, t("announcements.none")),
    );
  } catch (error) {
    if (isCurrent()) replace(results, alertBox(error.code === "route.missing" ? { text: both("announcements.unavailable") } : error));
  }
}
