// Privacy notice (PDPA §23, R-4.8), Thai first with English, linked from the footer and from every form;
// a signed-in applicant downloads everything the e-Service holds about them (PDPA §30).

import { api } from "../core/api.js";
import { h, replace } from "../core/dom.js";
import { addMessages, L, lang, t } from "../core/i18n.js";
import { alertBox, notice, setTitle, whileBusy } from "../core/ui.js";
import { agency, session, SITE } from "../state.js";

addMessages({
  "privacy.title": { th: "ประกาศความเป็นส่วนตัว", en: "Privacy notice" },
  "privacy.link": {
    th: "ประกาศความเป็นส่วนตัว: เราใช้ข้อมูลของท่านอย่างไร",
    en: "Privacy notice: how we use your personal data",
  },
  "privacy.footer": { th: "ประกาศความเป็นส่วนตัว (PDPA)", en: "Privacy notice (PDPA)" },
  "privacy.download": { th: "ดาวน์โหลดข้อมูลทั้งหมดของฉัน (JSON)", en: "Download all my data (JSON)" },
  "privacy.download.busy": { th: "กำลังรวบรวมข้อมูล…", en: "Collecting your data…" },
  "privacy.download.done": {
    th: "ดาวน์โหลดแล้ว ลิงก์ไฟล์แนบในเอกสารใช้ได้ 15 นาที",
    en: "Downloaded. The file links inside work for 15 minutes.",
  },
  "privacy.download.signin": {
    th: "เข้าสู่ระบบเพื่อดาวน์โหลดข้อมูลทั้งหมดที่หน่วยงานเก็บเกี่ยวกับท่าน",
    en: "Sign in to download everything the agency holds about you.",
  },
});

// The notice itself: [heading, [paragraphs]] in both languages; {agency} is filled in from the agency file.
const SECTIONS = [
  {
    th: ["ผู้ควบคุมข้อมูลส่วนบุคคล", ["{agency} ({address}) เป็นผู้ควบคุมข้อมูลส่วนบุคคลที่ท่านให้ไว้ในระบบบริการอิเล็กทรอนิกส์นี้ ติดต่อได้ที่งานสารบรรณ โทร {phone} หรืออีเมล {email}"]],
    en: ["Data controller", ["{agency} ({address}) controls the personal data you give this e-Service. Contact the records office: phone {phone}, e-mail {email}."]],
  },
  {
    th: ["ข้อมูลที่เก็บและวัตถุประสงค์", [
      "ข้อมูลที่ท่านกรอกในแบบคำขอ เอกสารหลักฐานที่แนบ ข้อมูลการติดต่อ การชำระค่าธรรมเนียม และประวัติการดำเนินการของคำขอ",
      "เราใช้ข้อมูลเพื่อรับและพิจารณาคำขออนุญาต ออกใบอนุญาตหรือหนังสือแจ้ง รับชำระค่าธรรมเนียม แจ้งผลแก่ท่าน และจัดทำทะเบียนตามกฎหมาย (พระราชบัญญัติการอำนวยความสะดวกในการพิจารณาอนุญาตของทางราชการ พ.ศ. 2558 และพระราชบัญญัติการบริหารงานและการให้บริการภาครัฐผ่านระบบดิจิทัล พ.ศ. 2562)",
    ]],
    en: ["What we keep and why", [
      "What you enter in a request form, the evidence you attach, your contact details, your fee payments and the history of your requests.",
      "We use it to receive and decide your requests, issue licences and notices, collect fees, tell you the outcome and keep the registers the law requires (Licensing Facilitation Act B.E. 2558, Digital Government Administration Act B.E. 2562).",
    ]],
  },
  {
    th: ["ฐานทางกฎหมาย", ["การปฏิบัติหน้าที่ในการใช้อำนาจรัฐและการปฏิบัติตามกฎหมาย (พระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562 มาตรา 24 (4) และ (6)) เราไม่ใช้ข้อมูลของท่านเพื่อการตลาด"]],
    en: ["Lawful basis", ["Public task and legal obligation (Personal Data Protection Act B.E. 2562, section 24 (4) and (6)). We never use your data for marketing."]],
  },
  {
    th: ["ผู้ที่เห็นข้อมูลของท่าน", ["เฉพาะเจ้าหน้าที่ของหน่วยงานที่รับผิดชอบคำขอ ทุกครั้งที่เจ้าหน้าที่เปิดอ่านคำขอหรือดาวน์โหลดไฟล์จะถูกบันทึกไว้ ผู้ให้บริการชำระเงินและผู้ให้บริการส่งข้อความเห็นเฉพาะข้อมูลที่จำเป็น ใบอนุญาตที่กฎหมายกำหนดให้เปิดเผยจะแสดงในทะเบียนสาธารณะเฉพาะรายการที่กฎหมายกำหนด"]],
    en: ["Who sees your data", ["Only the officers of the unit responsible for your request; every time an officer reads a request or downloads a file, it is logged. Payment and messaging providers receive only what they need. Licences the law makes public appear on the public register with only the items the law requires."]],
  },
  {
    th: ["ระยะเวลาการเก็บรักษา", ["คำขอ เอกสารหลักฐาน และเอกสารที่ออก เป็นเอกสารราชการที่ต้องเก็บไม่น้อยกว่า 10 ปีตามระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ เมื่อพ้นระยะเวลาที่หัวหน้าหน่วยงานกำหนด ข้อมูลเก่าจะถูกย้ายไปเก็บในที่จัดเก็บระยะยาวหลังสำรองข้อมูลแล้ว ทะเบียนไม่ถูกลบ"]],
    en: ["How long we keep it", ["Requests, evidence and issued documents are official records kept at least 10 years under the Regulation on Correspondence. After the period the head of the agency sets, older records move to long-term storage once backed up; registers are never deleted."]],
  },
  {
    th: ["สิทธิของท่าน", ["ท่านขอเข้าถึงและรับสำเนาข้อมูล (ดาวน์โหลดได้ด้านล่าง) ขอแก้ไขข้อมูลที่ไม่ถูกต้อง คัดค้านหรือขอให้จำกัดการใช้ข้อมูลเท่าที่กฎหมายให้สิทธิ และร้องเรียนต่อสำนักงานคณะกรรมการคุ้มครองข้อมูลส่วนบุคคลได้ โดยติดต่องานสารบรรณตามช่องทางข้างต้น"]],
    en: ["Your rights", ["You may access and get a copy of your data (download it below), ask us to correct what is wrong, object or ask us to restrict its use as far as the law allows, and complain to the Personal Data Protection Committee office. Contact the records office as above."]],
  },
];

function fill(text, info) {
  return text
    .replace("{agency}", info ? L(info.name) : "")
    .replace("{address}", info ? L(info.address) : "")
    .replace("{phone}", info?.records_office_phone || "")
    .replace("{email}", info?.saraban_email || "");
}

export function privacyPage({ view }) {
  setTitle(t("privacy.title"), L(SITE));
  const info = agency();
  const first = lang() === "en" ? "en" : "th";
  const second = first === "th" ? "en" : "th";
  const messages = h("div", { "aria-live": "polite" });
  const download = h("button", { type: "button", class: "primary", id: "privacy-download" }, t("privacy.download"));
  download.addEventListener("click", () => whileBusy(download, t("privacy.download.busy"), async () => {
    try {
      const text = await api("/me/data-export", { text: true });
      const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "application/json" })), download: "my-data.json" });
      document.body.append(link);
      link.click();
      link.remove();
      replace(messages, notice(t("privacy.download.done"), "success"));
    } catch (error) {
      replace(messages, alertBox(error));
    }
  }));
  const part = (language) => h("section", { lang: language, class: `privacy-${language}` },
    SECTIONS.map((s) => [h("h2", {}, s[language][0]), s[language][1].map((p) => h("p", {}, fill(p, info)))]));
  replace(
    view,
    h("h1", { id: "privacy-title" }, t("privacy.title")),
    part(first),
    h("h2", {}, t("privacy.download")),
    session.user() ? [messages, h("div", { class: "actions" }, download)] : h("p", {}, h("a", { href: "#/signin" }, t("privacy.download.signin"))),
    h("hr"),
    part(second),
  );
}

/** A link to the notice at the end of every form of the site, including forms drawn later. */
export function linkPrivacyFromForms(root) {
  const mark = () => {
    for (const form of root.querySelectorAll("form")) {
      if (form.querySelector(".privacy-link")) continue;
      form.append(h("p", { class: "privacy-link small" }, h("a", { href: "#/privacy" }, t("privacy.link"))));
    }
  };
  mark();
  new MutationObserver(mark).observe(root, { childList: true, subtree: true });
}

/** The footer's link (appended to whatever the footer holds). */
export function privacyFooterLink() {
  return h("p", {}, h("a", { href: "#/privacy", id: "footer-privacy" }, t("privacy.footer")));
}
