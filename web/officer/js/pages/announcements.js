// Announcements for the administrator and the head (Act §10, §13(1), §16; R-3.5(2)): the administrator
// drafts one from the tenant file, the head reads the draft and approves it with the name printed above
// the position; it is then sealed once. The §13(1) announcement's Royal Gazette publication is recorded
// here after issuing. Nothing is deleted: a new edition supersedes the one in force.

import { api, getConfig } from "../../../js/core/api.js";
import { dl, h, replace } from "../../../js/core/dom.js";
import { addMessages, both, L, lang, t } from "../../../js/core/i18n.js";
import { formatDateTime, todayInBangkok } from "../../../js/core/format.js";
import { navigate } from "../../../js/core/router.js";
import { alertBox, badge, labelled, loading, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { currentOfficer, requireSignIn, SITE } from "../state.js";
import { unavailable } from "./worklist.js";

addMessages({
  "o.ann.title": { th: "ประกาศของหน่วยงาน", en: "The agency's announcements" },
  "o.ann.intro": {
    th: "ผู้ดูแลระบบจัดทำร่างจากข้อมูลของหน่วยงาน หัวหน้าหน่วยงานตรวจร่างและอนุมัติ ระบบจะลงนามและประทับตราอิเล็กทรอนิกส์เพียงครั้งเดียว แล้วเผยแพร่ที่หน้า “ประกาศ” ของเว็บไซต์ประชาชน",
    en: "An administrator drafts from the agency's data; the head reads the draft and approves it. It is then signed and sealed once and published on the public “Announcements” page.",
  },
  "o.ann.only": { th: "เฉพาะหัวหน้าหน่วยงานและผู้ดูแลระบบ", en: "For the head of agency and administrators only." },
  "o.ann.new": { th: "จัดทำร่างประกาศ", en: "Draft an announcement" },
  "o.ann.kind": { th: "ประเภทประกาศ", en: "Kind" },
  "o.ann.kind.channels": { th: "ช่องทางอิเล็กทรอนิกส์ (มาตรา 10)", en: "Electronic channels (section 10)" },
  "o.ann.kind.display": { th: "การแสดงใบอนุญาตทางอิเล็กทรอนิกส์ (มาตรา 13 (1))", en: "Electronic display of licences (section 13(1))" },
  "o.ann.kind.payment": { th: "วิธีการชำระเงินทางอิเล็กทรอนิกส์ (ข้อ 3.5 (2))", en: "Electronic payment (clause 3.5(2))" },
  "o.ann.kind.internal-systems": { th: "คำสั่งกำหนดระบบงานภายใน (มาตรา 16)", en: "Order on internal systems (section 16)" },
  "o.ann.draft": { th: "จัดทำร่าง", en: "Draft" },
  "o.ann.drafting": { th: "กำลังจัดทำร่าง…", en: "Drafting…" },
  "o.ann.drafted": { th: "จัดทำร่างแล้ว รอหัวหน้าหน่วยงานอนุมัติ", en: "Drafted; waiting for the head's approval." },
  "o.ann.approved": { th: "ลงนามและประทับตราแล้ว ที่ {number}", en: "Signed and sealed, No. {number}." },
  "o.ann.state.draft": { th: "ร่าง", en: "Draft" },
  "o.ann.state.approving": { th: "กำลังลงนาม", en: "Being signed" },
  "o.ann.state.issued": { th: "ออกแล้ว", en: "Issued" },
  "o.ann.state.superseded": { th: "ถูกยกเลิกโดยฉบับใหม่", en: "Superseded" },
  "o.ann.content": { th: "เนื้อหาที่จะประกาศ", en: "What it will say" },
  "o.ann.drafted_at": { th: "จัดทำร่างเมื่อ", en: "Drafted" },
  "o.ann.number": { th: "ที่", en: "No." },
  "o.ann.signer": { th: "ผู้ลงนาม", en: "Signed by" },
  "o.ann.effect": { th: "การมีผลใช้บังคับ", en: "In effect" },
  "o.ann.approve": { th: "อนุมัติและลงนาม", en: "Approve and sign" },
  "o.ann.approving": { th: "กำลังลงนามและประทับตรา…", en: "Signing and sealing…" },
  "o.ann.signer_name": { th: "ชื่อผู้ลงนาม (พิมพ์ในวงเล็บเหนือตำแหน่ง)", en: "Signer's name (printed above the position)" },
  "o.ann.signer_position": { th: "ตำแหน่ง (เว้นว่างเพื่อใช้ตำแหน่งหัวหน้าหน่วยงาน)", en: "Position (leave empty for the head's title)" },
  "o.ann.gazette": { th: "บันทึกการประกาศในราชกิจจานุเบกษา", en: "Record the Royal Gazette publication" },
  "o.ann.gazette_on": { th: "วันที่ประกาศในราชกิจจานุเบกษา", en: "Date published in the Royal Gazette" },
  "o.ann.gazette_ref": { th: "เล่ม ตอน หน้า", en: "Volume, part, page" },
  "o.ann.gazette_save": { th: "บันทึก", en: "Save" },
  "o.ann.gazette_saved": { th: "บันทึกวันที่ประกาศในราชกิจจานุเบกษาแล้ว", en: "The Gazette publication is recorded." },
  "o.ann.pdf": { th: "เปิดไฟล์ PDF", en: "Open the PDF" },
  "o.ann.none": { th: "ยังไม่มีประกาศ", en: "No announcements yet." },
});

const KINDS = ["channels", "display", "payment", "internal-systems"];
const STATE_KIND = { draft: "info", approving: "warn", issued: "ok", superseded: "neutral" };

function contentLines(item) {
  const c = item.content || {};
  const lines = [];
  if (c.email) lines.push(`อีเมล / E-mail: ${c.email}`);
  if (c.website) lines.push(`เว็บไซต์ / Website: ${c.website}`);
  if (c.eservice_url) lines.push(`e-Service: ${c.eservice_url}`);
  (c.applications || []).forEach((a) => lines.push(`แอปพลิเคชัน / Application: ${L(a)}`));
  (c.phones || []).forEach((p) => lines.push(`${L(p.label)}: ${p.number}`));
  (c.licences || []).forEach((l) => lines.push(`${L(l.title)} — ${lang() === "en" ? "law on" : "ตามกฎหมายว่าด้วย"} ${L(l.law)}`));
  if (c.account_name) lines.push(`${L(c.account_name)} ${L(c.bank)}`);
  (c.methods || []).forEach((m) => lines.push(`• ${m}`));
  return lines;
}

export async function announcementsPage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.ann.title"), L(SITE));
  const officer = await currentOfficer().catch(() => ({ groups: [] }));
  if (!isCurrent()) return;
  const groups = officer.groups || [];
  if (!groups.some((g) => g === "head" || g === "admin")) {
    replace(view, h("h1", {}, t("o.ann.title")), notice(t("o.ann.only"), "warn"));
    return;
  }
  const done = query.get("done");
  const messages = h("div", { "aria-live": "polite" });
  const results = h("div", { "aria-live": "polite" }, loading());
  const kind = labelled({
    label: t("o.ann.kind"),
    input: h("select", { name: "kind" }, KINDS.map((k) => h("option", { value: k }, t(`o.ann.kind.${k}`)))),
  });
  const draftButton = h("button", { type: "submit", class: "primary" }, t("o.ann.draft"));
  replace(
    view,
    h("h1", {}, t("o.ann.title")),
    h("p", {}, t("o.ann.intro")),
    done ? notice(done, "success") : null,
    messages,
    groups.includes("admin")
      ? h("section", { "aria-labelledby": "ann-new" },
        h("h2", { id: "ann-new" }, t("o.ann.new")),
        h("form", {
          class: "filters",
          onsubmit: (event) => {
            event.preventDefault();
            whileBusy(draftButton, t("o.ann.drafting"), async () => {
              try {
                await api("/officer/announcements", { method: "POST", body: { kind: kind.input.value } });
                navigate(`#/announcements?done=${encodeURIComponent(t("o.ann.drafted"))}`);
              } catch (error) {
                replace(messages, alertBox(error));
              }
            });
          },
        }, kind.wrapper, draftButton))
      : null,
    results,
  );
  try {
    const { announcements } = await api("/officer/announcements?limit=200");
    if (!isCurrent()) return;
    replace(results, announcements.length
      ? h("ul", { class: "cards", id: "announcements" }, announcements.map((a) => card(a, groups)))
      : h("p", {}, t("o.ann.none")));
  } catch (error) {
    if (isCurrent()) replace(results, unavailable(error));
  }
}

function card(item, groups) {
  const messages = h("div", { "aria-live": "polite" });
  const issued = item.state === "issued" || item.state === "superseded";
  return h(
    "li",
    { class: "card", "data-state": item.state },
    h("h2", {}, L(item.title), " ", badge(t(`o.ann.state.${item.state}`), STATE_KIND[item.state] || "neutral")),
    dl([
      [t("o.ann.drafted_at"), formatDateTime(item.drafted_at)],
      [t("o.ann.number"), item.number ? h("span", { class: "mono" }, item.number) : null],
      [t("o.ann.signer"), item.signer ? `${item.signer.name} (${item.signer.position})` : null],
      [t("o.ann.effect"), item.effect ? (lang() === "en" ? item.effect.en : item.effect.th) : null],
    ]),
    h("details", { open: item.state === "draft" }, h("summary", {}, t("o.ann.content")),
      h("ul", {}, contentLines(item).map((line) => h("li", {}, line)))),
    issued ? h("p", {}, h("a", { href: `${getConfig().apiBase}/announcements/${encodeURIComponent(item.id)}/pdf` }, t("o.ann.pdf"))) : null,
    messages,
    !issued && groups.includes("head") ? approveForm(item, messages) : null,
    issued && item.kind === "display" && !item.gazette ? gazetteForm(item, messages) : null,
  );
}

function approveForm(item, messages) {
  const name = labelled({ label: t("o.ann.signer_name"), input: h("input", { type: "text", name: "signer_name", maxlength: 200 }), required: true });
  const position = labelled({ label: t("o.ann.signer_position"), input: h("input", { type: "text", name: "signer_position", maxlength: 300 }) });
  const button = h("button", { type: "submit", class: "primary" }, t("o.ann.approve"));
  return h("form", {
    novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      name.setError("");
      if (!name.input.value.trim()) {
        name.setError(t("field.required"));
        name.input.focus();
        return;
      }
      const body = { signer_name: name.input.value.trim() };
      if (position.input.value.trim()) body.signer_position = position.input.value.trim();
      whileBusy(button, t("o.ann.approving"), async () => {
        try {
          const issued = await api(`/officer/announcements/${encodeURIComponent(item.id)}/approve`, { method: "POST", body });
          navigate(`#/announcements?done=${encodeURIComponent(t("o.ann.approved", { number: issued.number }))}`);
        } catch (error) {
          replace(messages, error.code === "route.missing" ? alertBox({ text: both("o.unavailable") }) : alertBox(error));
        }
      });
    },
  }, name.wrapper, position.wrapper, h("div", { class: "actions" }, button));
}

function gazetteForm(item, messages) {
  const on = labelled({
    label: t("o.ann.gazette_on"),
    input: h("input", { type: "date", name: "published_on", class: "medium", min: item.issued_on, max: todayInBangkok() }),
    required: true,
  });
  const reference = labelled({ label: t("o.ann.gazette_ref"), input: h("input", { type: "text", name: "reference", maxlength: 300 }) });
  const button = h("button", { type: "submit" }, t("o.ann.gazette_save"));
  return h("details", {}, h("summary", {}, t("o.ann.gazette")),
    h("form", {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        on.setError("");
        if (!on.input.value) {
          on.setError(t("field.required"));
          on.input.focus();
          return;
        }
        const body = { published_on: on.input.value };
        if (reference.input.value.trim()) body.reference = reference.input.value.trim();
        whileBusy(button, t("o.ann.gazette_save"), async () => {
          try {
            await api(`/officer/announcements/${encodeURIComponent(item.id)}/gazette`, { method: "POST", body });
            navigate(`#/announcements?done=${encodeURIComponent(t("o.ann.gazette_saved"))}`);
          } catch (error) {
            replace(messages, alertBox(error));
          }
        });
      },
    }, on.wrapper, reference.wrapper, h("div", { class: "actions" }, button)));
}

