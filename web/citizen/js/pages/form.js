// The e-Form (Q3.1-Q3.6), generated from the service's form schema: pre-filled answers, save draft,
// one upload slot per document, checks before the confirmation page. Also "my drafts" and "apply".

import { api } from "../core/api.js";
import { h, replace } from "../core/dom.js";
import { addMessages, both, L, t } from "../core/i18n.js";
import { formatDate, formatDateTime, todayInBangkok } from "../core/format.js";
import { navigate } from "../core/router.js";
import { alertBox, errorSummary, errorText, grouped, labelled, loading, notice, setTitle, whileBusy } from "../core/ui.js";
import { allServices, requireSignIn, service as loadService, SITE } from "../state.js";
import { acceptedBySlot, afterMalwareScan, sendToStorage, uploadSlots } from "../uploads.js";
import { providerButtons } from "../federation.js";
import { rememberConfirmation } from "./confirm.js";
import { pagesOf, stepOfField } from "./steps.js";
import { exampleLinks } from "./service.js";

addMessages({
  "form.step": { th: "ขั้นตอนที่ {n} จาก {total}: {title}", en: "Step {n} of {total}: {title}" },
  "form.progress": { th: "ขั้นตอนการกรอกคำขอ", en: "Steps of the form" },
  "form.progress.done": { th: "(กรอกแล้ว)", en: "(done)" },
  "form.progress.current": { th: "(ขั้นตอนปัจจุบัน)", en: "(current step)" },
  "form.progress.check": { th: "ตรวจสอบและยืนยัน", en: "Check and confirm" },
  "form.continue": { th: "บันทึกและทำต่อ", en: "Save and continue" },
  "form.back_to_check": { th: "บันทึกและกลับไปหน้าตรวจสอบ", en: "Save and go back to the check page" },
  "form.previous": { th: "ย้อนกลับ", en: "Back" },
  "form.draft": { th: "แบบร่างเลขที่ {id}", en: "Draft {id}" },
  "form.saved_at": { th: "บันทึกร่างล่าสุดเมื่อ {time}", en: "Draft last saved {time}" },
  "form.resumed": {
    th: "ท่านมีแบบร่างของบริการนี้ที่ยังไม่ได้ยื่น ระบบเปิดแบบร่างเดิมให้ทำต่อ",
    en: "You have an unfinished draft for this service; it is open again so you can carry on.",
  },
  "form.prefilled": {
    th: "ระบบกรอกข้อมูลบางช่องให้จากข้อมูลของท่านแล้ว กรุณาตรวจสอบให้ถูกต้อง",
    en: "Some fields were filled in from your details. Please check them.",
  },
  "form.details": { th: "ข้อมูลคำขอ", en: "Your answers" },
  "form.documents": { th: "เอกสารประกอบ", en: "Documents" },
  "form.documents.intro": {
    th: "แนบเอกสารแต่ละรายการ ระบบจะตรวจสอบรูปแบบและขนาดไฟล์ทันที",
    en: "Attach each document; the file is checked straight away.",
  },
  "form.save": { th: "บันทึกร่าง", en: "Save draft" },
  "form.saving": { th: "กำลังบันทึก…", en: "Saving…" },
  "form.saved": {
    th: "บันทึกร่างแล้ว ({time}) ท่านอยู่ที่ขั้นตอนเดิม ทำต่อได้เลย หรือกลับมาทำต่อภายหลังที่เมนู “แบบร่าง”",
    en: "Draft saved ({time}). You are still on this step: carry on, or come back later from “Drafts”.",
  },
  "form.next": { th: "ตรวจสอบข้อมูลก่อนยื่น", en: "Review before submitting" },
  "form.checking": { th: "กำลังตรวจสอบ…", en: "Checking…" },
  "form.discard": { th: "ยกเลิกแบบร่างนี้", en: "Discard this draft" },
  "form.discard.confirm": {
    th: "ยกเลิกแบบร่างนี้หรือไม่? ข้อมูลที่กรอกจะไม่ถูกนำไปยื่น",
    en: "Discard this draft? What you entered will not be submitted.",
  },
  "form.closed": {
    th: "แบบร่างนี้ถูกยื่นหรือยกเลิกแล้ว",
    en: "This draft has already been submitted or discarded.",
  },
  "form.closed.request": { th: "ดูคำขอที่ยื่นแล้ว", en: "See the submitted request" },
  "form.choose": { th: "— กรุณาเลือก —", en: "— Please choose —" },
  "form.national_id.help": { th: "ตัวเลข 13 หลัก", en: "13 digits" },
  "form.phone.help": { th: "เช่น 081-234-5678", en: "e.g. 081-234-5678" },
  "form.date.help": { th: "เลือกวันที่จากปฏิทิน (ปี ค.ศ.)", en: "Pick the date from the calendar" },
  "form.date.echo": { th: "คือวันที่ {date}", en: "That is {date}" },
  "field.number": { th: "กรุณากรอกเป็นตัวเลข", en: "Please enter a number." },
  "field.integer": { th: "กรุณากรอกเป็นจำนวนเต็ม", en: "Please enter a whole number." },
  "field.min": { th: "{label}ต้องไม่น้อยกว่า {limit}", en: "{label} must be at least {limit}." },
  "field.max": { th: "{label}ต้องไม่เกิน {limit}", en: "{label} must be at most {limit}." },
  "field.national_id": {
    th: "เลขประจำตัวประชาชนไม่ถูกต้อง กรุณาตรวจสอบเลข 13 หลักอีกครั้ง",
    en: "This is not a valid 13-digit Thai national ID number. Please check it.",
  },
  "field.phone": {
    th: "หมายเลขโทรศัพท์ไม่ถูกต้อง (มือถือ 10 หลัก เช่น 081-234-5678 หรือโทรศัพท์บ้าน 9 หลัก เช่น 02-123-4567)",
    en: "Please enter a Thai phone number: a 10-digit mobile (e.g. 081-234-5678) or a 9-digit landline (e.g. 02-123-4567).",
  },
  "field.date_in_past": { th: "วันที่ต้องไม่ก่อนวันนี้", en: "The date cannot be before today." },
  "field.date_in_future": { th: "วันที่ต้องไม่เลยวันนี้", en: "The date cannot be after today." },
  "field.choose_one": { th: "กรุณาเลือกอย่างน้อยหนึ่งรายการ", en: "Please tick at least one." },
  "document.required": { th: "กรุณาแนบ{name}", en: "Please attach: {name}." },
  "drafts.title": { th: "แบบร่างของฉัน", en: "My drafts" },
  "drafts.intro": {
    th: "แบบร่างที่บันทึกไว้แต่ยังไม่ได้ยื่น เลือกทำต่อหรือยกเลิกได้",
    en: "Drafts you saved but have not submitted yet. Continue or discard them.",
  },
  "drafts.none": { th: "ไม่มีแบบร่างที่ค้างอยู่", en: "You have no unfinished drafts." },
  "drafts.browse": { th: "เลือกบริการเพื่อยื่นคำขอใหม่", en: "Choose a service to start a request" },
  "drafts.updated": { th: "บันทึกล่าสุด {time}", en: "Last saved {time}" },
  "drafts.started": { th: "เริ่มเมื่อ {time}", en: "Started {time}" },
  "drafts.continue": { th: "ทำต่อ", en: "Continue" },
  "drafts.discarded": { th: "ยกเลิกแบบร่างแล้ว", en: "Draft discarded." },
  "apply.starting": { th: "กำลังเตรียมแบบคำขอ…", en: "Preparing your form…" },
  "ial.action": {
    th: "บริการนี้ต้องยืนยันตัวตนด้วยผู้ให้บริการยืนยันตัวตนดิจิทัล เข้าสู่ระบบด้วย ThaID แล้วกลับมาที่หน้านี้",
    en: "This service needs a Digital ID sign-in. Sign in with ThaID and you will come back to this page.",
  },
  "ial.signin": { th: "เข้าสู่ระบบด้วย ThaID", en: "Sign in with ThaID" },
  "oversize.title": { th: "ไฟล์ขนาดใหญ่", en: "Large files" },
  "oversize.label": {
    th: "ไฟล์ขนาดใหญ่สำหรับ{name} (ไม่เกิน {max} MB เฉพาะคำขอนี้)",
    en: "Large file for {name} (up to {max} MB, for this request only)",
  },
  "oversize.busy": { th: "กำลังอัปโหลดและตรวจสอบ {file}…", en: "Uploading and checking {file}…" },
  "oversize.done": {
    th: "รับไฟล์ {file} แล้ว เจ้าหน้าที่จะเห็นว่าเป็นไฟล์ขนาดใหญ่",
    en: "{file} was accepted; the officers see it as a large file.",
  },
});

/**
 * Q3.4: the oversize place of each slot that has one: a separate upload for this draft only, up to the
 * slot's larger limit, on the same presigned mechanism as the slots; accepted, it fills the slot.
 */
function oversizePlaces(documents, basePath, onAccepted) {
  const places = documents.filter((doc) => doc.oversize_max_mb);
  if (!places.length) return null;
  return h("section", { class: "oversize", id: "oversize-places", "aria-labelledby": "oversize-heading" },
    h("h3", { id: "oversize-heading" }, t("oversize.title")),
    places.map((doc) => {
      const field = labelled({
        label: t("oversize.label", { name: L(doc.name), max: doc.oversize_max_mb }),
        input: h("input", { type: "file", name: `oversize.${doc.id}`, id: `oversize-${doc.id}` }),
      });
      const status = h("p", { role: "status", class: "small" });
      field.input.addEventListener("change", async () => {
        const file = field.input.files?.[0];
        if (!file) return;
        field.setError("");
        status.textContent = t("oversize.busy", { file: file.name });
        try {
          const offer = await api(`${basePath}/attachments/oversize`, {
            method: "POST",
            body: { document_id: doc.id, file_name: file.name },
          });
          await sendToStorage(offer.upload, file);
          const checked = await afterMalwareScan(() =>
            api(`${basePath}/attachments/${encodeURIComponent(offer.attachment.id)}/check`, { method: "POST" }),
          );
          status.textContent = t("oversize.done", { file: checked.attachment.file_name });
          onAccepted(doc.id, checked.attachment);
        } catch (error) {
          status.textContent = "";
          field.setError(error?.code ? errorText(error) : t("upload.failed"));
        } finally {
          field.input.value = "";
        }
      });
      return [field.wrapper, status];
    }));
}

/**
 * the API refused because this sign-in is weaker than the service needs (auth.identity_level):
 * its message, and the way out, a "Sign in with ThaID" button per provider that comes back here.
 */
export function identityLevelHelp(error) {
  const buttons = providerButtons((problem) => box.append(alertBox(problem)));
  const box = h(
    "div",
    { class: "ial-help", id: "identity-level-help" },
    alertBox(error),
    h("p", {}, t("ial.action")),
    buttons || h("p", {}, h("a", { class: "button primary", href: `#/signin?next=${encodeURIComponent(location.hash || "#/")}` }, t("ial.signin"))),
  );
  return box;
}


// The open form, kept between renders so a language switch keeps what was typed.
let current = null;

/** #/apply/{serviceId}: start a pre-filled draft (POST /api/drafts) and open it. */
export async function applyPage({ view, params, isCurrent }) {
  if (!requireSignIn()) return;
  replace(view, h("p", { role: "status" }, t("apply.starting")));
  try {
    // "Apply" again resumes the open draft of this service rather than starting an empty one.
    const { drafts } = await api("/drafts");
    const open = (drafts || [])
      .filter((d) => d.service_id === params.serviceId && (d.state ?? "open") === "open")
      .sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)))[0];
    if (open) {
      if (!isCurrent()) return;
      current = null;
      navigate(`#/drafts/${encodeURIComponent(open.id)}?resumed=1`, { replace: true });
      return;
    }
    const draft = await api("/drafts", { method: "POST", body: { service_id: params.serviceId } });
    if (!isCurrent()) return;
    current = null;
    newlyPrefilled.set(draft.id, Object.keys(draft.answers || {}).length > 0);
    navigate(`#/drafts/${encodeURIComponent(draft.id)}`, { replace: true });
  } catch (error) {
    const help = error?.code === "auth.identity_level" ? identityLevelHelp(error) : alertBox(error);
    replace(view, h("h1", {}, t("error.title")), help);
  }
}
const newlyPrefilled = new Map();

// --- client-side checks (Q3.6); the server checks everything again ---------------------------------
const THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙";
function digitsOf(text) {
  return String(text).replace(/[๐-๙]/g, (d) => String(THAI_DIGITS.indexOf(d))).replace(/[\s\-.()]/g, "");
}

function isThaiNationalId(text) {
  const digits = digitsOf(text);
  if (!/^\d{13}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i += 1) sum += Number(digits[i]) * (13 - i);
  return (11 - (sum % 11)) % 10 === Number(digits[12]);
}

function isThaiPhone(text) {
  let digits = digitsOf(text);
  if (digits.startsWith("+66")) digits = `0${digits.slice(3).replace(/^0/, "")}`;
  return /^0[689]\d{8}$/.test(digits) || /^0[2-7]\d{7}$/.test(digits);
}

const EMAIL = /^[^@\s]{1,64}@[^\s@.<>()[\],;:"'\\]+(\.[^\s@.<>()[\],;:"'\\]+)+$/;

function isEmpty(value) {
  return value == null || (typeof value === "string" && !value.trim()) || (Array.isArray(value) && !value.length);
}

function checkField(field, value, control) {
  if (control?.validity?.badInput) return both("field.number");
  if (isEmpty(value)) {
    if (!field.required || field.type === "boolean") return null;
    return field.type === "checklist" ? both("field.choose_one") : both("field.required");
  }
  switch (field.type) {
    case "integer":
    case "number": {
      const number = Number(value);
      if (!Number.isFinite(number)) return both("field.number");
      if (field.type === "integer" && !Number.isInteger(number)) return both("field.integer");
      // Say what to do: the field's own rule (its help, e.g. "ต้องมากกว่า 200 ตารางเมตร") when it has one.
      const rule = field.help ? { th: field.help.th, en: field.help.en ?? field.help.th } : null;
      if (field.min_value != null && number < field.min_value) return rule || both("field.min", { label: field.label, limit: field.min_value.toLocaleString("en") });
      if (field.max_value != null && number > field.max_value) return rule || both("field.max", { label: field.label, limit: field.max_value.toLocaleString("en") });
      return null;
    }
    case "date": {
      const today = todayInBangkok();
      if (field.date_not_before_today && value < today) return both("field.date_in_past");
      if (field.date_not_after_today && value > today) return both("field.date_in_future");
      return null;
    }
    case "national_id":
      return isThaiNationalId(value) ? null : both("field.national_id");
    case "phone":
      return isThaiPhone(value) ? null : both("field.phone");
    case "email":
      return EMAIL.test(String(value).trim()) ? null : both("field.email");
    default:
      return null;
  }
}

/** The answers as the API wants them: numbers as numbers, empty answers left out. */
function answersPayload(form, answers) {
  const payload = {};
  for (const field of form) {
    const value = answers[field.name];
    if (field.type === "boolean") {
      payload[field.name] = Boolean(value);
      continue;
    }
    if (isEmpty(value)) continue;
    if ((field.type === "integer" || field.type === "number") && Number.isFinite(Number(value))) {
      payload[field.name] = Number(value);
    } else {
      payload[field.name] = typeof value === "string" ? value.trim() : value;
    }
  }
  return payload;
}

// --- the fields --------------------------------------------------------------------------------------
function buildField(field, state) {
  const name = field.name;
  const value = state.answers[name];
  const label = L(field.label);
  const required = field.required && field.type !== "boolean";
  const set = (next) => {
    if (isEmpty(next) && field.type !== "boolean") delete state.answers[name];
    else state.answers[name] = next;
    state.dirty = true;
  };
  const common = { name, id: `field-${name}` };
  let help = field.help ? L(field.help) : null;
  let input;
  switch (field.type) {
    case "textarea":
      input = h("textarea", { ...common, rows: 4, maxlength: field.max_length });
      input.value = value ?? "";
      break;
    case "integer":
    case "number":
      input = h("input", {
        ...common,
        type: "number",
        class: "short",
        step: field.type === "integer" ? "1" : "any",
        inputmode: field.type === "integer" ? "numeric" : "decimal",
        min: field.min_value ?? null,
        max: field.max_value ?? null,
        value: value ?? "",
      });
      break;
    case "date":
      input = h("input", {
        ...common,
        type: "date",
        class: "medium",
        min: field.date_not_before_today ? todayInBangkok() : null,
        max: field.date_not_after_today ? todayInBangkok() : null,
        value: value ?? "",
      });
      help = help || t("form.date.help");
      break;
    case "choice":
      input = h(
        "select",
        common,
        h("option", { value: "" }, t("form.choose")),
        field.options.map((o) => h("option", { value: o.value, selected: o.value === value }, L(o.label))),
      );
      break;
    case "national_id":
      input = h("input", { ...common, type: "text", class: "medium", inputmode: "numeric", autocomplete: "off", maxlength: 17, value: value ?? "" });
      help = help || t("form.national_id.help");
      break;
    case "phone":
      input = h("input", { ...common, type: "tel", class: "medium", autocomplete: "tel", maxlength: 20, value: value ?? "" });
      help = help || t("form.phone.help");
      break;
    case "email":
      input = h("input", { ...common, type: "email", autocomplete: "email", spellcheck: "false", maxlength: field.max_length, value: value ?? "" });
      break;
    case "checklist": {
      const ticked = new Set(Array.isArray(value) ? value : []);
      const boxes = field.options.map((o, i) => {
        const box = h("input", { type: "checkbox", id: `field-${name}-${i}`, name, value: o.value, checked: ticked.has(o.value) });
        return h("div", { class: "choice" }, box, h("label", { for: box.id }, L(o.label)));
      });
      const group = grouped({ legend: label, body: boxes, help, required, showOptional: true });
      group.wrapper.addEventListener("change", () => {
        set([...group.wrapper.querySelectorAll("input:checked")].map((b) => b.value));
        group.setError("");
      });
      return { ...group, control: null };
    }
    case "boolean": {
      const box = h("input", { ...common, type: "checkbox", checked: value === true });
      const errorId = `${common.id}-error`;
      const helpId = `${common.id}-help`;
      box.setAttribute("aria-describedby", [help ? helpId : null, errorId].filter(Boolean).join(" "));
      const error = h("p", { class: "field-error", id: errorId, hidden: true });
      const wrapper = h("div", { class: "field" },
        help ? h("p", { class: "help", id: helpId }, help) : null,
        error,
        h("div", { class: "choice" }, box, h("label", { for: box.id }, label)));
      if (value === undefined) state.answers[name] = false;
      box.addEventListener("change", () => set(box.checked));
      return {
        wrapper,
        input: box,
        control: box,
        setError: (message) => {
          error.hidden = !message;
          error.textContent = message || "";
          wrapper.classList.toggle("has-error", Boolean(message));
        },
      };
    }
    default:
      input = h("input", { ...common, type: "text", maxlength: field.max_length, value: value ?? "" });
      if (field.prefill === "full_name") input.setAttribute("autocomplete", "name");
  }
  // A date picker shows the Gregorian year; the day is also written out the Thai way (พ.ศ.).
  const echo = field.type === "date" ? h("p", { class: "help date-echo", id: `${common.id}-echo`, "aria-live": "polite" }) : null;
  const showEcho = () => {
    if (echo) echo.textContent = input.value ? t("form.date.echo", { date: formatDate(input.value) }) : "";
  };
  const built = labelled({ label, input, help, required, showOptional: true });
  if (echo) {
    built.wrapper.append(echo);
    input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby")} ${echo.id}`);
    showEcho();
  }
  const update = () => {
    set(input.value);
    showEcho();
    built.setError("");
    delete state.errors[name];
  };
  input.addEventListener(input.tagName === "SELECT" ? "change" : "input", update);
  if (field.type === "date") input.addEventListener("change", update);
  return { ...built, control: input };
}

// --- the page ----------------------------------------------------------------------------------------
export async function formPage({ view, params, query, reason, isCurrent }) {
  if (!requireSignIn()) return;
  if (!(current?.draftId === params.id && (reason === "language" || query.get("step")))) {
    replace(view, loading());
    try {
      const draft = await api(`/drafts/${encodeURIComponent(params.id)}`);
      const service = await loadService(draft.service_id);
      if (!isCurrent()) return;
      current = {
        draftId: draft.id,
        draft,
        service,
        answers: { ...(draft.answers || {}) },
        errors: {},
        slots: { accepted: acceptedBySlot(draft.attachments), errors: {} },
        topError: null,
        savedAt: draft.updated_at,
        prefilled: newlyPrefilled.get(draft.id) || false,
        message: null,
      };
      newlyPrefilled.delete(draft.id);
    } catch (error) {
      if (isCurrent()) replace(view, h("h1", {}, t("error.title")), alertBox(error));
      return;
    }
  }
  const pages = pagesOf(current.service);
  const step = Math.min(Math.max(Number.parseInt(query.get("step") || "1", 10) || 1, 1), pages.length);
  if (current.step !== step) {
    current.step = step;
    current.topError = null;
    current.message = null;
  }
  renderForm(view, current, { pages, step, backToCheck: query.get("back") === "check", resumed: query.get("resumed") === "1" });
}

function stepHash(state, step, extra = "") {
  return `#/drafts/${encodeURIComponent(state.draftId)}?step=${step}${extra}`;
}

/** "Step 2 of 4: The fire" and the list of steps, the current one marked (aria-current="step"). */
function progress(pages, step) {
  const titles = [...pages.map((p) => L(p.title)), t("form.progress.check")];
  return h("nav", { class: "steps", "aria-label": t("form.progress"), id: "form-progress" },
    h("p", { class: "muted small", id: "step-of" },
      t("form.step", { n: step, total: titles.length, title: titles[step - 1] })),
    h("ol", {}, titles.map((title, i) => h("li", {
      class: i + 1 === step ? "current" : i + 1 < step ? "done" : null,
      "aria-current": i + 1 === step ? "step" : null,
    }, title, h("span", { class: "visually-hidden" }, " ",
      i + 1 === step ? t("form.progress.current") : i + 1 < step ? t("form.progress.done") : "")))));
}

function renderForm(view, state, { pages, step, backToCheck, resumed }) {
  const { service, draft } = state;
  const page = pages[step - 1];
  setTitle(`${L(page.title)} – ${L(service.name)}`, L(SITE));
  if (draft.state !== "open") {
    replace(
      view,
      h("h1", {}, L(service.name)),
      notice(t("form.closed"), "warn"),
      draft.request_id ? h("p", {}, h("a", { href: `#/requests/${encodeURIComponent(draft.request_id)}` }, t("form.closed.request"))) : null,
    );
    return;
  }

  const fields = {};
  const messages = h("div", { id: "form-messages" });
  // Where "saved" is said: beside the buttons, in view, and focused (not 2,500 px above them).
  const saveState = h("div", { id: "save-state", class: "save-state", tabindex: "-1" });
  const savedLine = h("span", { role: "status", id: "saved-at" },
    state.savedAt ? t("form.saved_at", { time: formatDateTime(state.savedAt) }) : "");
  for (const field of page.fields) fields[field.name] = buildField(field, state);
  const slots = page.documents
    ? uploadSlots({ documents: service.documents, basePath: `/drafts/${encodeURIComponent(state.draftId)}`, state: state.slots })
    : null;

  function showErrors(topError, fieldErrors, slotErrors) {
    state.topError = topError;
    const items = [];
    for (const field of service.form) {
      const message = fieldErrors[field.name];
      if (!fields[field.name]) {
        // Asked on another page: the summary links there.
        if (message) items.push({ text: `${L(field.label)}: ${L(message)}`, href: stepHash(state, stepOfField(service, field.name)) });
        continue;
      }
      fields[field.name].setError(message ? L(message) : "");
      if (!message) delete state.errors[field.name];
      if (message) {
        state.errors[field.name] = message;
        items.push({ text: `${L(field.label)}: ${L(message)}`, target: fields[field.name].wrapper.matches("fieldset") ? fields[field.name].wrapper : fields[field.name].input });
      }
    }
    for (const doc of service.documents) {
      if (!slotErrors[doc.id]) continue;
      const message = L(slotErrors[doc.id]);
      const text = message.includes(L(doc.name)) ? message : `${L(doc.name)}: ${message}`;
      if (slots) {
        slots.setError(doc.id, slotErrors[doc.id]);
        items.push({ text, target: document.getElementById(`slot-${doc.id}-file`) });
      } else {
        items.push({ text, href: stepHash(state, pages.length) });
      }
    }
    const known = new Set(service.form.map((f) => f.name));
    const unplaced = Object.entries(fieldErrors).filter(([name]) => !known.has(name)).map(([, m]) => ({ text: L(m) }));
    if (items.length || unplaced.length) {
      const summary = errorSummary([...items.filter((i) => !i.href), ...unplaced], topError ? L(topError) : t("error.summary"));
      const elsewhere = items.filter((i) => i.href);
      if (elsewhere.length) summary.querySelector("ul").append(...elsewhere.map((i) => h("li", {}, h("a", { href: i.href }, i.text))));
      replace(messages, summary);
      summary.focus();
    } else if (topError) {
      replace(messages, alertBox({ text: topError }));
      messages.firstChild.setAttribute("tabindex", "-1");
      messages.firstChild.focus();
    } else {
      replace(messages);
    }
  }

  function serverErrors(error) {
    const fieldErrors = {};
    const slotErrors = {};
    for (const detail of error.details || []) {
      if (detail.field?.startsWith("documents.")) slotErrors[detail.field.slice("documents.".length)] = detail.message;
      else if (detail.field) fieldErrors[detail.field] = detail.message;
    }
    showErrors(error.text || both("error.generic"), fieldErrors, slotErrors);
  }

  async function save() {
    const saved = await api(`/drafts/${encodeURIComponent(state.draftId)}`, {
      method: "PUT",
      body: { answers: answersPayload(service.form, state.answers) },
    });
    state.draft = saved;
    state.savedAt = saved.updated_at;
    state.dirty = false;
    savedLine.textContent = t("form.saved_at", { time: formatDateTime(saved.updated_at) });
    return saved;
  }

  /** This page's own checks (the server checks everything again at the check page). */
  function problemsHere() {
    const fieldErrors = {};
    for (const field of page.fields) {
      const problem = checkField(field, state.answers[field.name], fields[field.name].control);
      if (problem) fieldErrors[field.name] = problem;
    }
    const slotErrors = {};
    if (page.documents) {
      for (const doc of service.documents) {
        if (doc.required && !state.slots.accepted[doc.id]) slotErrors[doc.id] = both("document.required", { name: doc.name });
      }
    }
    return { fieldErrors, slotErrors };
  }

  const saveButton = h("button", { type: "button", id: "save-draft" }, t("form.save"));
  saveButton.addEventListener("click", () =>
    whileBusy(saveButton, t("form.saving"), async () => {
      try {
        const saved = await save();
        showErrors(null, {}, {});
        replace(saveState, notice(t("form.saved", { time: formatDateTime(saved.updated_at) }), "success"));
        saveState.focus();
      } catch (error) {
        serverErrors(error);
      }
    }));

  const last = step === pages.length;
  const nextButton = h("button", { type: "submit", class: "primary", id: last || backToCheck ? "to-confirm" : "next-step" },
    backToCheck ? t("form.back_to_check") : last ? t("form.next") : t("form.continue"));
  const form = h(
    "form",
    {
      novalidate: true,
      id: "eform",
      onsubmit: (event) => {
        event.preventDefault();
        whileBusy(nextButton, t("form.checking"), async () => {
          const { fieldErrors, slotErrors } = problemsHere();
          if (Object.keys(fieldErrors).length || Object.keys(slotErrors).length) {
            showErrors(null, fieldErrors, slotErrors);
            return;
          }
          try {
            await save();
            showErrors(null, {}, {});
            if (!last && !backToCheck) {
              navigate(stepHash(state, step + 1));
              return;
            }
            const confirmation = await api(`/drafts/${encodeURIComponent(state.draftId)}/confirmation?lang=th`);
            rememberConfirmation(state.draftId, "th", confirmation);
            navigate(`#/drafts/${encodeURIComponent(state.draftId)}/confirm`);
          } catch (error) {
            serverErrors(error);
          }
        });
      },
    },
    h("h2", { id: "page-heading" }, L(page.title)),
    page.fields.length ? h("p", { class: "small muted" }, t("required.legend")) : null,
    page.fields.map((field) => fields[field.name].wrapper),
    page.documents
      ? [
        h("p", {}, t("form.documents.intro")),
        exampleLinks(service.documents),
        slots.element,
        oversizePlaces(service.documents, `/drafts/${encodeURIComponent(state.draftId)}`, (docId, attachment) => {
          state.slots.accepted[docId] = attachment;
          slots.setError(docId, null);
        }),
      ]
      : null,
    saveState,
    h("div", { class: "actions" }, nextButton, saveButton),
    step > 1 && !backToCheck ? h("p", {}, h("a", { href: stepHash(state, step - 1), id: "previous-step", class: "back-link" }, t("form.previous"))) : null,
  );

  const discardButton = h("button", { type: "button", class: "danger" }, t("form.discard"));
  discardButton.addEventListener("click", async () => {
    if (!window.confirm(t("form.discard.confirm"))) return;
    try {
      await api(`/drafts/${encodeURIComponent(state.draftId)}`, { method: "DELETE" });
      current = null;
      navigate("#/drafts?discarded=1");
    } catch (error) {
      replace(messages, alertBox(error));
    }
  });

  replace(
    view,
    progress(pages, step),
    h("h1", {}, L(service.name)),
    h("p", { class: "muted small" }, t("form.draft", { id: state.draftId }), " · ", savedLine),
    resumed && step === 1 ? notice(t("form.resumed")) : null,
    state.prefilled && step === 1 ? notice(t("form.prefilled")) : null,
    messages,
    form,
    h("div", { class: "actions" }, discardButton),
  );
  // Errors shown before a language switch are shown again in the new language.
  for (const [name, message] of Object.entries(state.errors)) fields[name]?.setError(L(message));
  if (state.topError) replace(messages, alertBox({ text: state.topError }));
}

/** #/drafts: my open drafts, to resume or discard. */
export async function draftsPage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("drafts.title"), L(SITE));
  replace(view, h("h1", {}, t("drafts.title")), loading());
  try {
    const [{ drafts }, services] = await Promise.all([api("/drafts"), allServices()]);
    if (!isCurrent()) return;
    const names = Object.fromEntries(services.map((s) => [s.id, s.name]));
    const list = h("ul", { class: "cards" });
    const render = (items) =>
      replace(
        list,
        items.map((draft) =>
          h(
            "li",
            { class: "card" },
            h("h2", {}, names[draft.service_id] ? L(names[draft.service_id]) : draft.service_id),
            h("p", { class: "meta" },
              h("span", {}, t("form.draft", { id: draft.id })),
              h("span", {}, t("drafts.started", { time: formatDateTime(draft.created_at) })),
              h("span", {}, t("drafts.updated", { time: formatDateTime(draft.updated_at) }))),
            h("div", { class: "actions" },
              h("a", { class: "button primary", href: `#/drafts/${encodeURIComponent(draft.id)}` }, t("drafts.continue")),
              h("button", {
                type: "button",
                class: "danger",
                onclick: async (event) => {
                  if (!window.confirm(t("form.discard.confirm"))) return;
                  try {
                    await api(`/drafts/${encodeURIComponent(draft.id)}`, { method: "DELETE" });
                    navigate("#/drafts?discarded=1");
                  } catch (error) {
                    event.target.closest("li").append(alertBox(error));
                  }
                },
              }, t("form.discard"))),
          )),
      );
    render(drafts);
    replace(
      view,
      h("h1", {}, t("drafts.title")),
      query.get("discarded") ? notice(t("drafts.discarded"), "success") : null,
      h("p", {}, t("drafts.intro")),
      drafts.length ? list : h("p", {}, t("drafts.none")),
      h("p", {}, h("a", { href: "#/" }, t("drafts.browse"))),
    );
  } catch (error) {
    if (isCurrent()) replace(view, h("h1", {}, t("drafts.title")), alertBox(error));
  }
}
