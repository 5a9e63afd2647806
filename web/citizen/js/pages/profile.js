// My details (Q3.2): what the e-Service uses to pre-fill new forms, and how I am told (Q4.4, R-4.6):
// e-mail always, SMS and LINE by choice; LINE once linked with a one-time code sent to the agency's Official Account.

import { api } from "../core/api.js";
import { h, replace } from "../core/dom.js";
import { addMessages, both, L, t } from "../core/i18n.js";
import { alertBox, errorSummary, labelled, loading, notice, setTitle, whileBusy } from "../core/ui.js";
import { requireSignIn, SITE } from "../state.js";

addMessages({
  "profile.title": { th: "ข้อมูลของฉัน", en: "My details" },
  "profile.intro": {
    th: "ข้อมูลนี้ใช้กรอกแบบคำขอให้ล่วงหน้า ท่านตรวจสอบและแก้ไขได้ทุกครั้งก่อนยื่น",
    en: "These details pre-fill your forms; you can check and change them before every submission.",
  },
  "profile.full_name": { th: "ชื่อ-นามสกุล", en: "Full name" },
  "profile.national_id": { th: "เลขประจำตัวประชาชน", en: "National ID number" },
  "profile.phone": { th: "หมายเลขโทรศัพท์", en: "Phone" },
  "profile.email": { th: "อีเมล", en: "E-mail" },
  "profile.address": { th: "ที่อยู่", en: "Address" },
  "profile.save": { th: "บันทึกข้อมูล", en: "Save" },
  "profile.saving": { th: "กำลังบันทึก…", en: "Saving…" },
  "profile.saved": { th: "บันทึกข้อมูลแล้ว", en: "Your details were saved." },
  "channels.title": { th: "ช่องทางรับแจ้งความคืบหน้า", en: "How we tell you about your requests" },
  "channels.intro": {
    th: "หน่วยงานแจ้งทุกครั้งที่สถานะคำขอเปลี่ยน ทางอีเมลเสมอ (หนังสือราชการส่งทางอีเมลจากงานสารบรรณ) และทางช่องทางที่ท่านเลือกเพิ่ม",
    en: "We tell you whenever a request's status changes: always by e-mail (official documents come by e-mail from the records office), and on the channels you add.",
  },
  "channels.email": { th: "อีเมล (เปิดเสมอ) {address}", en: "E-mail (always on) {address}" },
  "channels.sms": { th: "SMS ไปยังหมายเลขโทรศัพท์ที่ระบุในคำขอ", en: "SMS to the phone number given in each request" },
  "channels.line": { th: "LINE", en: "LINE" },
  "channels.line.linked": { th: "เชื่อมต่อบัญชี LINE แล้ว", en: "Your LINE account is linked." },
  "channels.line.unlinked": {
    th: "ยังไม่ได้เชื่อมต่อบัญชี LINE ขอรหัสแล้วส่งรหัสเป็นข้อความถึงบัญชีทางการ {account} ใน LINE",
    en: "LINE is not linked yet. Get a code and send it as a chat message to {account} in LINE.",
  },
  "channels.line.code": {
    th: "ส่งรหัส {code} ถึง {account} ใน LINE ภายใน {until} แล้วกด “ตรวจสอบการเชื่อมต่อ”",
    en: "Send the code {code} to {account} in LINE before {until}, then press “Check the link”.",
  },
  "channels.line.get_code": { th: "ขอรหัสเชื่อมต่อ LINE", en: "Get a LINE link code" },
  "channels.line.check": { th: "ตรวจสอบการเชื่อมต่อ", en: "Check the link" },
  "channels.save": { th: "บันทึกช่องทาง", en: "Save channels" },
  "channels.saved": { th: "บันทึกช่องทางรับแจ้งแล้ว", en: "Your channels were saved." },
});

const FIELDS = [
  ["full_name", () => h("input", { type: "text", autocomplete: "name", maxlength: 200 })],
  ["national_id", () => h("input", { type: "text", class: "medium", inputmode: "numeric", autocomplete: "off", maxlength: 17 })],
  ["phone", () => h("input", { type: "tel", class: "medium", autocomplete: "tel", maxlength: 20 })],
  ["email", () => h("input", { type: "email", autocomplete: "email", spellcheck: "false", maxlength: 200 })],
  ["address", () => h("textarea", { rows: 3, autocomplete: "street-address", maxlength: 500 })],
];

export async function profilePage({ view, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("profile.title"), L(SITE));
  replace(view, h("h1", {}, t("profile.title")), loading());
  let profile;
  try {
    profile = await api("/me/profile");
  } catch (error) {
    if (isCurrent()) replace(view, h("h1", {}, t("profile.title")), alertBox(error));
    return;
  }
  if (!isCurrent()) return;
  const channelsSection = h("section", { "aria-labelledby": "channels-title" }, loading());
  const messages = h("div");
  const fields = Object.fromEntries(FIELDS.map(([name, make]) => {
    const input = make();
    input.name = name;
    input.value = profile[name] ?? "";
    return [name, labelled({ label: t(`profile.${name}`), input, showOptional: true })];
  }));
  const save = h("button", { type: "submit", class: "primary" }, t("profile.save"));
  replace(
    view,
    h("h1", {}, t("profile.title")),
    h("p", {}, t("profile.intro")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          const body = {};
          for (const [name, field] of Object.entries(fields)) {
            field.setError("");
            const value = field.input.value.trim();
            if (value) body[name] = value;
          }
          whileBusy(save, t("profile.saving"), async () => {
            try {
              await api("/me/profile", { method: "PUT", body });
              replace(messages, notice(t("profile.saved"), "success"));
            } catch (error) {
              const items = [];
              for (const detail of error.details || []) {
                const field = fields[detail.field];
                if (!field) continue;
                field.setError(L(detail.message));
                items.push({ text: `${t(`profile.${detail.field}`)}: ${L(detail.message)}`, target: field.input });
              }
              const box = items.length ? errorSummary(items, L(error.text || both("error.generic"))) : alertBox(error);
              replace(messages, box);
              box.setAttribute("tabindex", "-1");
              box.focus();
            }
          });
        },
      },
      FIELDS.map(([name]) => fields[name].wrapper),
      h("div", { class: "actions" }, save),
    ),
    channelsSection,
  );
  await showChannels(channelsSection, isCurrent);
}

async function showChannels(section, isCurrent) {
  let channels;
  try {
    channels = await api("/me/channels");
  } catch (error) {
    if (isCurrent()) replace(section, alertBox(error));
    return;
  }
  if (!isCurrent()) return;
  const messages = h("div", { "aria-live": "polite" });
  const sms = h("input", { type: "checkbox", name: "sms", id: "channel-sms", checked: channels.sms.on });
  const line = h("input", {
    type: "checkbox",
    name: "line",
    id: "channel-line",
    checked: channels.line.on,
    disabled: !channels.line.linked,
  });
  const account = channels.line.official_account;
  const lineStatus = h(
    "p",
    { class: "help" },
    channels.line.linked ? t("channels.line.linked") : t("channels.line.unlinked", { account }),
  );
  const codeBox = h("div", { "aria-live": "polite" });
  const getCode = h("button", { type: "button" }, t("channels.line.get_code"));
  getCode.addEventListener("click", () =>
    whileBusy(getCode, t("profile.saving"), async () => {
      try {
        const issued = await api("/me/channels/line-code", { method: "POST" });
        const until = new Date(issued.expires_at).toLocaleTimeString(document.documentElement.lang || "th");
        replace(codeBox, notice(t("channels.line.code", { code: issued.code, account: issued.official_account, until })));
      } catch (error) {
        replace(codeBox, alertBox(error));
      }
    }),
  );
  const check = h("button", { type: "button" }, t("channels.line.check"));
  check.addEventListener("click", () => showChannels(section, isCurrent));
  const save = h("button", { type: "submit", class: "primary" }, t("channels.save"));
  const lineBlock = channels.line.available
    ? [
        h("div", { class: "choice" }, line, h("label", { for: "channel-line" }, t("channels.line"))),
        lineStatus,
        channels.line.linked ? null : h("div", { class: "actions" }, getCode, check),
        codeBox,
      ]
    : [];
  replace(
    section,
    h("h2", { id: "channels-title" }, t("channels.title")),
    h("p", {}, t("channels.intro")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          whileBusy(save, t("profile.saving"), async () => {
            try {
              await api("/me/channels", { method: "PUT", body: { sms: sms.checked, line: line.checked } });
              replace(messages, notice(t("channels.saved"), "success"));
            } catch (error) {
              replace(messages, alertBox(error));
            }
          });
        },
      },
      h(
        "fieldset",
        { class: "field" },
        h("legend", {}, t("channels.title")),
        h(
          "div",
          { class: "choice" },
          h("input", { type: "checkbox", id: "channel-email", checked: true, disabled: true }),
          h("label", { for: "channel-email" }, t("channels.email", { address: channels.email.address || "" })),
        ),
        h("div", { class: "choice" }, sms, h("label", { for: "channel-sms" }, t("channels.sms"))),
        ...lineBlock,
      ),
      h("div", { class: "actions" }, save),
    ),
  );
}
