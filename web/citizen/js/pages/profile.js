// My details (Q3.2): what the e-Service uses to pre-fill new forms.

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
  );
}
