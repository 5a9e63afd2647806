// The e-Form's pages (GOV.UK "one thing per page"), derived from the service's form schema in the tenant
// file: a field with `page` starts a new page under that heading; then one page for the documents; the
// check page comes after the last. Shared by the form and the check page (its "change" links).

import { addMessages, both } from "../core/i18n.js";

addMessages({
  "steps.details": { th: "ข้อมูลคำขอ", en: "Your answers" },
  "steps.documents": { th: "เอกสารประกอบ", en: "Documents" },
});

/** [{title: {th, en}, fields: [...], documents: bool}] in order. */
export function pagesOf(service) {
  const pages = [];
  for (const field of service.form) {
    if (field.page || !pages.length) pages.push({ title: field.page || both("steps.details"), fields: [] });
    pages[pages.length - 1].fields.push(field);
  }
  if (service.documents.length) pages.push({ title: both("steps.documents"), fields: [], documents: true });
  return pages;
}

/** The page (1-based step) a field is asked on. */
export function stepOfField(service, name) {
  const index = pagesOf(service).findIndex((page) => page.fields.some((f) => f.name === name));
  return index >= 0 ? index + 1 : 1;
}

/** The documents page (1-based step), or null when the service asks for none. */
export function documentsStep(service) {
  const index = pagesOf(service).findIndex((page) => page.documents);
  return index >= 0 ? index + 1 : null;
}
