// Thai first, English on request: the chosen language is remembered in localStorage.
// Texts from the API arrive as {th, en}; the page's own texts come from the dictionaries below.

const STORAGE_KEY = "eservice.lang";
const messages = Object.create(null);
const listeners = new Set();
let current = readStoredLanguage();

function readStoredLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "th";
  } catch {
    return "th";
  }
}

/** The current language: "th" or "en". */
export function lang() {
  return current;
}

/** Add a dictionary {key: {th, en}}; later additions win. */
export function addMessages(dictionary) {
  Object.assign(messages, dictionary);
}

/** A page text in the current language; {name} placeholders are filled from params. */
export function t(key, params = {}) {
  const entry = messages[key];
  if (!entry) {
    console.warn(`i18n: no text for "${key}"`);
    return key;
  }
  const text = entry[current] ?? entry.th;
  return text.replace(/\{(\w+)\}/g, (_, name) => {
    const value = params[name];
    if (value && typeof value === "object") return value[current] ?? value.th ?? "";
    return (value ?? "").toString();
  });
}

/**
 * The same page text in both languages, {th, en}: errors keep it and re-render in either.
 * A parameter may itself be a {th, en} text.
 */
export function both(key, params = {}) {
  const entry = messages[key];
  if (!entry) return { th: key, en: key };
  const fill = (text, language) =>
    text.replace(/\{(\w+)\}/g, (_, name) => {
      const value = params[name];
      if (value && typeof value === "object") return value[language] ?? value.th ?? "";
      return (value ?? "").toString();
    });
  return { th: fill(entry.th, "th"), en: fill(entry.en ?? entry.th, "en") };
}

/** Whether the dictionary has a text for this key. */
export function has(key) {
  return key in messages;
}

/** A {th, en} text from the API in the current language (plain strings pass through). */
export function L(text) {
  if (text == null) return "";
  if (typeof text === "string" || typeof text === "number") return String(text);
  return text[current] ?? text.th ?? text.en ?? "";
}

/** Switch language, remember it and tell the page to re-render. */
export function setLang(next) {
  if (next !== "th" && next !== "en") return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode without storage: the switch still works for this visit.
  }
  document.documentElement.lang = next;
  for (const listener of listeners) listener(next);
}

/** Call listener(lang) after every language switch. */
export function onLangChange(listener) {
  listeners.add(listener);
}

document.documentElement.lang = current;

addMessages({
  "lang.switch": { th: "เลือกภาษา", en: "Language" },
  "lang.th": { th: "ไทย", en: "ไทย" },
  "lang.en": { th: "EN", en: "EN" },
  "skip": { th: "ข้ามไปยังเนื้อหาหลัก", en: "Skip to main content" },
  "loading": { th: "กำลังโหลด…", en: "Loading…" },
  "required.mark": { th: "จำเป็น", en: "required" },
  "optional": { th: "(ไม่บังคับ)", en: "(optional)" },
  "required.legend": { th: "ช่องที่มีเครื่องหมาย * ต้องกรอก", en: "Fields marked * are required." },
  "error.title": { th: "เกิดข้อผิดพลาด", en: "Something went wrong" },
  "error.summary": { th: "กรุณาแก้ไขข้อมูลต่อไปนี้", en: "Please correct the following" },
  "error.network": {
    th: "เชื่อมต่อระบบไม่ได้ กรุณาตรวจสอบอินเทอร์เน็ตแล้วลองอีกครั้ง",
    en: "Could not reach the service. Check your connection and try again.",
  },
  "error.unauthorized": { th: "กรุณาเข้าสู่ระบบอีกครั้ง", en: "Please sign in again." },
  "error.not_available": {
    th: "บริการส่วนนี้ยังไม่เปิดให้ใช้งาน",
    en: "This part of the service is not available yet.",
  },
  "error.generic": {
    th: "ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง",
    en: "The service had a problem. Please try again.",
  },
  "page.not_found": { th: "ไม่พบหน้านี้", en: "Page not found" },
  "page.not_found.text": {
    th: "ลิงก์อาจไม่ถูกต้อง กลับไปที่หน้าแรกเพื่อเริ่มใหม่",
    en: "The link may be wrong. Go back to the home page to start again.",
  },
  "home.link": { th: "กลับหน้าแรก", en: "Back to the home page" },
  "auth.email": { th: "อีเมล", en: "E-mail" },
  "auth.password": { th: "รหัสผ่าน", en: "Password" },
  "auth.signin": { th: "เข้าสู่ระบบ", en: "Sign in" },
  "auth.signout": { th: "ออกจากระบบ", en: "Sign out" },
  "auth.signed_in_as": { th: "เข้าสู่ระบบในชื่อ {email}", en: "Signed in as {email}" },
  "auth.NotAuthorizedException": { th: "อีเมลหรือรหัสผ่านไม่ถูกต้อง", en: "Wrong e-mail or password." },
  "auth.UserNotFoundException": { th: "อีเมลหรือรหัสผ่านไม่ถูกต้อง", en: "Wrong e-mail or password." },
  "auth.UserNotConfirmedException": {
    th: "บัญชียังไม่ได้ยืนยัน กรุณากรอกรหัสยืนยันที่ส่งไปทางอีเมล",
    en: "Your account is not confirmed yet. Enter the code we sent you.",
  },
  "auth.UsernameExistsException": {
    th: "อีเมลนี้สมัครไว้แล้ว กรุณาเข้าสู่ระบบ",
    en: "This e-mail already has an account. Please sign in.",
  },
  "auth.InvalidPasswordException": {
    th: "รหัสผ่านไม่ตรงตามเงื่อนไข: อย่างน้อย 8 ตัว มีตัวพิมพ์ใหญ่ ตัวพิมพ์เล็ก ตัวเลข และสัญลักษณ์",
    en: "The password does not meet the rules: at least 8 characters with upper- and lower-case letters, a digit and a symbol.",
  },
  "auth.CodeMismatchException": { th: "รหัสยืนยันไม่ถูกต้อง", en: "The confirmation code is wrong." },
  "auth.ExpiredCodeException": {
    th: "รหัสยืนยันหมดอายุ กรุณาขอรหัสใหม่",
    en: "The confirmation code has expired. Ask for a new one.",
  },
  "auth.LimitExceededException": {
    th: "ลองหลายครั้งเกินไป กรุณารอสักครู่แล้วลองใหม่",
    en: "Too many attempts. Please wait a moment and try again.",
  },
  "auth.TooManyRequestsException": {
    th: "ลองหลายครั้งเกินไป กรุณารอสักครู่แล้วลองใหม่",
    en: "Too many attempts. Please wait a moment and try again.",
  },
  "auth.InvalidParameterException": {
    th: "ข้อมูลไม่ครบหรือไม่ถูกต้อง กรุณาตรวจสอบอีเมลและรหัสผ่าน",
    en: "Some details are missing or wrong. Check the e-mail and password.",
  },
  "auth.challenge": {
    th: "บัญชีนี้ต้องดำเนินการเพิ่มเติมก่อนเข้าสู่ระบบ กรุณาติดต่อผู้ดูแลระบบ",
    en: "This account needs another step before it can sign in. Please contact the administrator.",
  },
  "auth.failed": { th: "เข้าสู่ระบบไม่สำเร็จ กรุณาลองใหม่", en: "Could not sign in. Please try again." },
  "field.required": { th: "กรุณากรอกข้อมูลในช่องนี้", en: "This field is required." },
  "field.email": {
    th: "รูปแบบอีเมลไม่ถูกต้อง เช่น name@example.com",
    en: "Please enter a valid e-mail address, e.g. name@example.com.",
  },
  "unit.bytes": { th: "ไบต์", en: "bytes" },
  "yes": { th: "ใช่", en: "Yes" },
  "no": { th: "ไม่ใช่", en: "No" },
  "search": { th: "ค้นหา", en: "Search" },
});
