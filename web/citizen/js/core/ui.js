// Building blocks shared by both sites: labelled fields with errors, alerts, busy buttons, the language switch.

import { h, uid } from "./dom.js";
import { L, lang, setLang, t } from "./i18n.js";

/** The message of an error (ApiError, {th, en} or text) in the current language. */
export function errorText(error) {
  if (!error) return "";
  if (error.text) return L(error.text);
  if (error.message && typeof error.message === "object") return L(error.message);
  if (error.th || error.en) return L(error);
  console.error(error);
  return t("error.generic");
}

/** An alert box (read out by screen readers) for an error; details without a field are listed. */
export function alertBox(error, { unplaced = [] } = {}) {
  // An expired sign-in offers the way back, to this same page.
  const signedOut = error?.status === 401 || error?.code === "auth.required";
  return h(
    "div",
    { class: "alert alert-error", role: "alert" },
    h("p", { class: "alert-title" }, errorText(error)),
    unplaced.length ? h("ul", {}, unplaced.map((d) => h("li", {}, L(d.message)))) : null,
    signedOut ? h("p", {}, h("a", { href: `#/signin?next=${encodeURIComponent(location.hash || "#/")}` }, t("auth.signin"))) : null,
  );
}

/** A success or information box; role=status so the change is announced politely. */
export function notice(text, kind = "info") {
  return h("div", { class: `alert alert-${kind}`, role: "status" }, text);
}

/**
 * A labelled input: returns {wrapper, input, setError}. The label is tied by for/id, and help and
 * error texts by aria-describedby, so screen readers read them with the field.
 */
export function labelled({ label, input, help, required = false, showOptional = false, hint }) {
  const id = input.id || uid("f");
  input.id = id;
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [help ? helpId : null, errorId].filter(Boolean).join(" ");
  input.setAttribute("aria-describedby", describedBy);
  if (required) input.setAttribute("aria-required", "true");
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const wrapper = h(
    "div",
    { class: "field" },
    h("label", { for: id }, label, marker(required, showOptional)),
    help ? h("p", { class: "help", id: helpId }, help) : null,
    hint || null,
    error,
    input,
  );
  return { wrapper, input, setError: (message) => setError(wrapper, input, error, message) };
}

/** A fieldset with a legend (checklists, radio groups) and the same help/error wiring. */
export function grouped({ legend, body, help, required = false, showOptional = false }) {
  const id = uid("g");
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const fieldset = h(
    "fieldset",
    { class: "field", id, "aria-describedby": [help ? helpId : null, errorId].filter(Boolean).join(" ") },
    h("legend", {}, legend, marker(required, showOptional)),
    help ? h("p", { class: "help", id: helpId }, help) : null,
    error,
    body,
  );
  const firstInput = () => fieldset.querySelector("input,select,textarea");
  return {
    wrapper: fieldset,
    get input() {
      return firstInput();
    },
    setError: (message) => setError(fieldset, fieldset, error, message),
  };
}

function setError(wrapper, target, errorElement, message) {
  if (message) {
    errorElement.textContent = message;
    errorElement.hidden = false;
    wrapper.classList.add("has-error");
    target.setAttribute("aria-invalid", "true");
  } else {
    errorElement.textContent = "";
    errorElement.hidden = true;
    wrapper.classList.remove("has-error");
    target.removeAttribute("aria-invalid");
  }
}

function marker(required, showOptional) {
  if (required) return requiredMark();
  return showOptional ? h("span", { class: "optional" }, ` ${t("optional")}`) : null;
}

export function requiredMark() {
  return h("span", { class: "required", title: t("required.mark") }, h("span", { "aria-hidden": "true" }, " *"),
    h("span", { class: "visually-hidden" }, ` (${t("required.mark")})`));
}

/**
 * An error summary at the top of a form (GOV.UK pattern): each problem links to its field.
 * items: [{text, target: element}]
 */
export function errorSummary(items, title = t("error.summary")) {
  const box = h(
    "div",
    { class: "alert alert-error error-summary", role: "alert", tabindex: "-1" },
    h("p", { class: "alert-title" }, title),
    h(
      "ul",
      {},
      items.map(({ text, target }) =>
        h("li", {}, target
          ? h("a", {
            href: `#${target.id || ""}`,
            onclick: (event) => {
              event.preventDefault();
              (target.matches("fieldset") ? target.querySelector("input,select,textarea") : target)?.focus();
            },
          }, text)
          : text),
      ),
    ),
  );
  return box;
}

/**
 * Run an action while a button shows it is busy; the button is disabled meanwhile so a double
 * click does not send twice.
 */
export async function whileBusy(button, busyText, action) {
  const original = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  if (busyText) button.textContent = busyText;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = original;
  }
}

/** The language switch "ไทย | EN": two buttons, the current one pressed. */
export function languageSwitch() {
  const make = (code) =>
    h(
      "button",
      {
        type: "button",
        class: "lang-button",
        lang: code,
        "aria-pressed": String(lang() === code),
        // The accessible name starts with the visible text (WCAG 2.5.3, axe label-content-name-mismatch).
        "aria-label": code === "th" ? "ไทย: ภาษาไทย (Thai)" : "EN: English (ภาษาอังกฤษ)",
        "data-lang": code,
        onclick: () => {
          if (lang() !== code) setLang(code);
          document.querySelector(`.lang-button[data-lang="${code}"]`)?.focus();
        },
      },
      code === "th" ? t("lang.th") : t("lang.en"),
    );
  return h(
    "div",
    { class: "lang-switch", role: "group", "aria-label": `${t("lang.switch")} / Language` },
    make("th"),
    h("span", { "aria-hidden": "true", class: "lang-sep" }, "|"),
    make("en"),
  );
}

/** A loading line that screen readers announce. */
export function loading() {
  return h("p", { class: "loading", role: "status" }, t("loading"));
}

/** A status label as a badge (text, never colour alone). */
export function badge(text, kind = "neutral") {
  return h("span", { class: `badge badge-${kind}` }, text);
}

/** Page title: "<page> – <site>". */
export function setTitle(page, site) {
  document.title = page ? `${page} – ${site}` : site;
}

/**
 * A bilingual text as signed (the declaration: its Thai lines, then its English ones) as paragraphs, each
 * with the language it is written in (WCAG 3.1.2, language of parts): a line with Thai letters is Thai,
 * any other line English. Screen readers then read the English sentence with an English voice.
 */
export function bilingualParagraphs(text) {
  return String(text || "")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => h("p", { lang: /[\u0E01-\u0E5B]/.test(line) ? "th" : "en" }, line));
}

/**
 * A "ไทย / English" text from the server (a history reason such as an approval step's name) with each
 * half marked with its language (WCAG 3.1.2); any other text is returned as it is.
 */
export function bilingualText(text) {
  const value = String(text ?? "");
  const cut = value.lastIndexOf(" / ");
  if (cut < 0) return value;
  const thai = value.slice(0, cut);
  const english = value.slice(cut + 3);
  const isThai = (part) => /[\u0E01-\u0E5B]/.test(part);
  if (!isThai(thai) || isThai(english) || !/[A-Za-z]/.test(english)) return value;
  return [h("span", { lang: "th" }, thai), " / ", h("span", { lang: "en" }, english)];
}
