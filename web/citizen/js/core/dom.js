// A tiny element builder: text is always inserted as text (never as HTML), so API data cannot inject markup.

/**
 * h("button", {class: "primary", onclick: fn, disabled: true}, "Save") → <button>.
 * Attributes: on<event> functions become listeners, true/false toggle boolean attributes,
 * null/undefined/false are left out; children may be strings, numbers, nodes, arrays or null.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "value" && "value" in element) {
      element.value = value;
    } else if (name === "checked" || name === "selected") {
      element[name] = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Append children (strings, nodes, arrays, null) to a parent. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace everything inside an element. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let uniqueCounter = 0;
/** A page-unique id for tying labels, help and errors to inputs. */
export function uid(prefix = "id") {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

/** A definition list from [[term, description], ...]; rows with an empty description are left out. */
export function dl(rows, attrs = {}) {
  return h(
    "dl",
    { class: "facts", ...attrs },
    rows
      .filter(([, value]) => value != null && value !== "")
      .map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))),
  );
}

/** Move focus to an element without scrolling surprises (headings get tabindex=-1). */
export function focus(element) {
  if (!element) return;
  if (!element.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
    element.setAttribute("tabindex", "-1");
  }
  element.focus({ preventScroll: false });
}
