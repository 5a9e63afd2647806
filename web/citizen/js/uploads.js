// One upload slot per required document (Q3.4): formats and size shown, the file checked by the server.
// Used on the draft form and, for "more documents", on a submitted request.

import { api, localError } from "./core/api.js";
import { h, replace } from "./core/dom.js";
import { addMessages, both, L, t } from "./core/i18n.js";
import { formatSize } from "./core/format.js";
import { errorText, requiredMark } from "./core/ui.js";
import { formatList } from "./pages/service.js";

addMessages({
  "upload.formats": { th: "รูปแบบไฟล์ที่รับ: {formats}", en: "Accepted formats: {formats}" },
  "upload.max": { th: "ขนาดไม่เกิน {size} MB", en: "Maximum {size} MB" },
  "upload.choose": { th: "เลือกไฟล์: {name}", en: "Choose a file: {name}" },
  "upload.replace": { th: "เปลี่ยนไฟล์: {name}", en: "Replace the file: {name}" },
  "upload.none": { th: "ยังไม่ได้แนบไฟล์", en: "No file attached yet" },
  "upload.uploading": { th: "กำลังอัปโหลด {file}…", en: "Uploading {file}…" },
  "upload.checking": { th: "กำลังตรวจสอบไฟล์และตรวจหามัลแวร์ {file}…", en: "Checking {file} (and scanning it for malware)…" },
  "upload.accepted": { th: "แนบแล้ว: {file}", en: "Attached: {file}" },
  "upload.accepted.detail": {
    th: "{format} · {size} · ตรวจสอบแล้ว",
    en: "{format} · {size} · checked",
  },
  "upload.too_big": {
    th: "ไฟล์ใหญ่เกิน {max} MB (ไฟล์นี้ {size})",
    en: "The file is larger than {max} MB (this one is {size}).",
  },
  "upload.empty": { th: "ไฟล์ว่างเปล่า กรุณาเลือกไฟล์อื่น", en: "The file is empty. Please choose another." },
  "upload.refused_size": {
    th: "ไฟล์ใหญ่เกินขนาดที่เอกสารนี้รับ ระบบจัดเก็บจึงไม่รับไฟล์",
    en: "The file is larger than this document accepts, so storage refused it.",
  },
  "upload.remove": { th: "นำไฟล์ออก", en: "Remove the file" },
  "upload.remove.label": { th: "นำไฟล์ {file} ออกจาก{name}", en: "Remove {file} from {name}" },
  "upload.removing": { th: "กำลังนำออก…", en: "Removing…" },
  "upload.removed": { th: "นำไฟล์ {file} ออกแล้ว กรุณาแนบไฟล์ใหม่ถ้าเอกสารนี้จำเป็น", en: "{file} was removed. Attach a new file if this document is required." },
  "upload.preview": { th: "ดูไฟล์", en: "View the file" },
  "upload.preview.label": { th: "ดูไฟล์ {file} (เปิดในแท็บใหม่)", en: "View {file} (opens in a new tab)" },
  "upload.failed": {
    th: "อัปโหลดไม่สำเร็จ กรุณาลองใหม่อีกครั้ง",
    en: "The upload did not go through. Please try again.",
  },
});

const ACCEPT = {
  pdf: [".pdf", "application/pdf"],
  doc: [".doc", "application/msword"],
  docx: [".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  txt: [".txt", "text/plain"],
  jpeg: [".jpg", ".jpeg", "image/jpeg"],
  png: [".png", "image/png"],
  tiff: [".tif", ".tiff", "image/tiff"],
  bmp: [".bmp", "image/bmp"],
};

/**
 * Send a file with the upload form the server signed (an S3 POST policy): its fields first, the file
 * last. Storage itself refuses a file over the slot's limit (EntityTooLarge) before keeping any of it.
 */
export async function sendToStorage(upload, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields || {})) form.append(name, value);
  form.append("file", file);
  let stored;
  try {
    stored = await fetch(upload.url, { method: upload.method || "POST", body: form });
  } catch {
    throw localError("upload.failed", "upload.failed");
  }
  if (stored.ok) return;
  const answer = await stored.text().catch(() => "");
  if (answer.includes("<Code>EntityTooLarge</Code>")) throw localError("file.too_large", "upload.refused_size", 400);
  throw localError("upload.failed", "upload.failed", stored.status);
}

/**
 * Call the server's check until the malware scan of the file has finished: while it runs the server
 * answers file.scan_pending, and the check is asked again a little later (about a minute at most).
 */
export async function afterMalwareScan(check, { attempts = 30 } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await check();
    } catch (failure) {
      if (failure.code !== "file.scan_pending" || attempt >= attempts) throw failure;
      await new Promise((resolve) => setTimeout(resolve, Math.min(400 * attempt, 3000)));
    }
  }
}

/** The accepted file of each slot from a draft's attachments map ({id: attachment}). */
export function acceptedBySlot(attachments) {
  const bySlot = {};
  for (const attachment of Object.values(attachments || {})) {
    if (attachment.state === "accepted") bySlot[attachment.document_id] = attachment;
  }
  return bySlot;
}

/**
 * The upload slots for documents. state: {accepted: {docId: attachment}, errors: {docId: {th,en}}}
 * is kept by the caller so a language switch re-renders the same state. basePath is
 * "/drafts/{id}" or "/requests/{id}".
 */
export function uploadSlots({ documents, basePath, state, onChange = () => {}, markRequired = true }) {
  const list = h("ul", { class: "slots" });
  const slots = {};
  for (const doc of documents) {
    const slot = renderSlot(doc, basePath, state, onChange, markRequired);
    slots[doc.id] = slot;
    list.append(slot.element);
  }
  return {
    element: list,
    /** Show a server's message at a slot (details with field "documents.<id>"). */
    setError(docId, message) {
      state.errors[docId] = message;
      slots[docId]?.refresh();
    },
    focus(docId) {
      slots[docId]?.input.focus();
    },
  };
}

// The files chosen in this visit, to preview before submitting: {attachmentId: object URL}. Kept in
// memory only (a file never leaves the device except through the signed upload).
const previews = new Map();

function renderSlot(doc, basePath, state, onChange, markRequired) {
  const id = `slot-${doc.id}`;
  const input = h("input", {
    type: "file",
    id: `${id}-file`,
    name: `documents.${doc.id}`,
    accept: doc.formats.flatMap((f) => ACCEPT[f] || [`.${f}`]).join(","),
    "aria-describedby": `${id}-limits ${id}-state ${id}-error`,
  });
  const label = h("label", { for: input.id, class: "button" });
  const status = h("p", { class: "state", id: `${id}-state`, role: "status" });
  const tools = h("div", { class: "slot-tools" });
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const element = h(
    "li",
    { class: "slot", id, "data-document": doc.id },
    h("h3", {}, L(doc.name), markRequired
      ? (doc.required ? requiredMark() : h("span", { class: "optional" }, ` ${t("optional")}`))
      : null),
    h("p", {}, L(doc.explanation)),
    h(
      "p",
      { class: "limits", id: `${id}-limits` },
      t("upload.formats", { formats: formatList(doc.formats) }),
      " · ",
      t("upload.max", { size: doc.max_size_mb }),
      doc.oversize_route ? [h("br"), L(doc.oversize_route)] : null,
    ),
    status,
    error,
    h("div", { class: "file-picker" }, label, input),
    tools,
  );
  let busy = null;
  let removedName = null;

  function refresh() {
    const accepted = state.accepted[doc.id];
    const message = state.errors[doc.id];
    element.classList.toggle("accepted", Boolean(accepted) && !message);
    element.classList.toggle("has-error", Boolean(message));
    label.textContent = t(accepted ? "upload.replace" : "upload.choose", { name: L(doc.name) });
    if (busy) {
      status.textContent = t(busy.key, { file: busy.file });
    } else if (accepted) {
      replace(
        status,
        h("strong", {}, t("upload.accepted", { file: accepted.file_name })),
        h("br"),
        h("span", { class: "small" }, t("upload.accepted.detail", {
          format: String(accepted.format || "").toUpperCase(),
          size: formatSize(accepted.size),
        })),
      );
    } else if (removedName) {
      status.textContent = t("upload.removed", { file: removedName });
    } else {
      status.textContent = t("upload.none");
    }
    replace(tools, accepted && !busy && canDetach ? slotTools(accepted) : null);
    error.hidden = !message;
    error.textContent = message ? L(message) : "";
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // Drafts can take a file out again (a status change on the server); "more documents" slots cannot.
  const canDetach = basePath.startsWith("/drafts/");

  function slotTools(accepted) {
    const preview = previews.get(accepted.id);
    const remove = h("button", {
      type: "button",
      class: "button-small",
      id: `${id}-remove`,
      "aria-label": t("upload.remove.label", { file: accepted.file_name, name: L(doc.name) }),
    }, t("upload.remove"));
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      remove.textContent = t("upload.removing");
      try {
        await api(`${basePath}/attachments/${encodeURIComponent(accepted.id)}/detach`, { method: "POST" });
        removedName = accepted.file_name;
        delete state.accepted[doc.id];
        state.errors[doc.id] = null;
        onChange(doc.id, null);
        refresh();
        input.focus();
      } catch (failure) {
        state.errors[doc.id] = { th: errorText(failure), en: errorText(failure) };
        refresh();
      }
    });
    return [
      preview
        ? h("a", {
          href: preview,
          target: "_blank",
          rel: "noopener",
          class: "button button-small",
          id: `${id}-preview`,
          "aria-label": t("upload.preview.label", { file: accepted.file_name }),
        }, t("upload.preview"))
        : null,
      remove,
    ];
  }

  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    state.errors[doc.id] = null;
    removedName = null;
    const limit = doc.max_size_mb * 1024 * 1024;
    if (file.size > limit) {
      const tooBig = both("upload.too_big", { max: doc.max_size_mb, size: formatSize(file.size) });
      if (doc.oversize_route) {
        tooBig.th += ` ${doc.oversize_route.th}`;
        tooBig.en += ` ${doc.oversize_route.en}`;
      }
      state.errors[doc.id] = tooBig;
      input.value = "";
      refresh();
      return;
    }
    if (file.size === 0) {
      state.errors[doc.id] = both("upload.empty");
      input.value = "";
      refresh();
      return;
    }
    try {
      busy = { key: "upload.uploading", file: file.name };
      refresh();
      const started = await api(`${basePath}/attachments`, {
        method: "POST",
        body: { document_id: doc.id, file_name: file.name },
      });
      await sendToStorage(started.upload, file);
      busy = { key: "upload.checking", file: file.name };
      refresh();
      const checked = await afterMalwareScan(() =>
        api(`${basePath}/attachments/${encodeURIComponent(started.attachment.id)}/check`, { method: "POST" }),
      );
      state.accepted[doc.id] = checked.attachment;
      previews.set(checked.attachment.id, URL.createObjectURL(file));
      onChange(doc.id, checked.attachment);
    } catch (failure) {
      // The message and its details, each said once (they often repeat each other).
      const texts = [failure.text, ...(failure.details || []).map((d) => d.message)].filter(Boolean);
      const joined = (language) => [...new Set(texts.map((x) => (typeof x === "string" ? x : x[language])))].join(" ");
      state.errors[doc.id] = texts.length ? { th: joined("th"), en: joined("en") } : { th: errorText(failure), en: errorText(failure) };
    } finally {
      busy = null;
      input.value = "";
      refresh();
    }
  });

  refresh();
  return { element, input, refresh };
}
