// Paying the fee (Q6.1-Q6.4): amount, deadline, the Thai QR to scan, card payment, or a slip to upload
// for a transfer or counter payment (finance then verifies it).

import { api } from "../core/api.js";
import { dl, h, replace } from "../core/dom.js";
import { addMessages, has, L, t } from "../core/i18n.js";
import { formatBaht, formatDateTime, todayInBangkok } from "../core/format.js";
import { navigate } from "../core/router.js";
import { alertBox, errorSummary, labelled, loading, notice, whileBusy } from "../core/ui.js";
import { afterMalwareScan, sendToStorage } from "../uploads.js";

addMessages({
  "pay.title": { th: "ชำระค่าธรรมเนียม", en: "Pay the fee" },
  "pay.amount": { th: "จำนวนเงิน", en: "Amount" },
  "pay.due": { th: "ชำระภายใน", en: "Pay by" },
  "pay.invoice": { th: "เลขที่ใบแจ้งชำระ", en: "Invoice number" },
  "pay.account": { th: "ชื่อบัญชี", en: "Account name" },
  "pay.bank": { th: "ธนาคาร", en: "Bank" },
  "pay.ref1": { th: "เลขอ้างอิงการชำระ 1", en: "Payment reference 1" },
  "pay.ref2": { th: "เลขอ้างอิงการชำระ 2", en: "Payment reference 2" },
  "pay.qr": { th: "สแกน QR เพื่อชำระด้วยแอปธนาคาร (Thai QR Payment)", en: "Scan the QR with your banking app (Thai QR Payment)" },
  "pay.qr.alt": {
    th: "QR Code สำหรับชำระค่าธรรมเนียม {amount} เลขอ้างอิง {ref1}",
    en: "QR code to pay {amount}, reference {ref1}",
  },
  "pay.card": { th: "ชำระด้วยบัตร", en: "Pay by card" },
  "pay.card.go": { th: "ไปหน้าชำระเงินด้วยบัตร", en: "Go to the card payment page" },
  "pay.card.busy": { th: "กำลังเปิดหน้าชำระเงิน…", en: "Opening the payment page…" },
  "pay.slip": { th: "แจ้งชำระด้วยหลักฐานการโอนหรือใบรับเงิน", en: "Report a transfer or counter payment" },
  "pay.slip.file": { th: "ไฟล์หลักฐานการชำระเงิน (PDF, JPEG, PNG ไม่เกิน 5 MB)", en: "Proof of payment (PDF, JPEG, PNG, up to 5 MB)" },
  "pay.slip.choose": { th: "เลือกไฟล์หลักฐาน", en: "Choose the proof file" },
  "pay.slip.chosen": { th: "ไฟล์ที่เลือก: {file}", en: "Chosen: {file}" },
  "pay.slip.reference": { th: "เลขที่รายการ", en: "Transaction reference" },
  "pay.slip.date": { th: "วันที่ชำระ", en: "Date paid" },
  "pay.slip.amount": { th: "จำนวนเงิน (บาท)", en: "Amount (baht)" },
  "pay.slip.send": { th: "ส่งหลักฐานการชำระเงิน", en: "Send the proof" },
  "pay.slip.sending": { th: "กำลังส่ง…", en: "Sending…" },
  "pay.slip.sent": {
    th: "ส่งหลักฐานแล้ว เจ้าหน้าที่การเงินจะตรวจสอบและแจ้งผลทางอีเมล",
    en: "Proof sent. Finance will check it and tell you by e-mail.",
  },
  "pay.slip.pick": { th: "กรุณาเลือกไฟล์หลักฐาน", en: "Please choose the proof file." },
  "pay.slip.bad_amount": { th: "กรุณากรอกจำนวนเงินเป็นตัวเลข", en: "Please enter the amount as a number." },
  "pay.how": { th: "การยืนยันการชำระเงิน", en: "How the payment is confirmed" },
  "pay.history": { th: "การชำระเงินที่บันทึกแล้ว", en: "Payments recorded" },
});

addMessages({
  "pay.checking": { th: "กำลังตรวจสอบการชำระเงิน", en: "Checking your payment" },
  "pay.checking.text": {
    th: "ได้รับแจ้งการชำระเงินแล้ว ระบบกำลังยืนยันกับธนาคาร หน้านี้จะเปลี่ยนเองเมื่อยืนยันเสร็จ กรุณาอย่าชำระซ้ำ",
    en: "Your payment has been reported and is being confirmed with the bank. This page moves on by itself; please do not pay again.",
  },
  "pay.qr.save": { th: "บันทึกรูป QR", en: "Save the QR image" },
  "pay.qr.save.help": {
    th: "บันทึกรูปไว้ในเครื่อง แล้วเปิดจากแอปธนาคารด้วยเมนูสแกนจากรูปภาพ",
    en: "Save the image on your phone, then open it from your banking app's scan-from-picture menu.",
  },
  "pay.qr.saved": { th: "บันทึกรูป QR แล้ว ({file})", en: "QR image saved ({file})" },
  "pay.copy": { th: "คัดลอก", en: "Copy" },
  "pay.copy.label": { th: "คัดลอก{what}", en: "Copy {what}" },
  "pay.copied": { th: "คัดลอก{what}แล้ว", en: "{what} copied" },
  "pay.copy.failed": { th: "คัดลอกไม่ได้ กรุณาเลือกข้อความแล้วคัดลอกเอง", en: "Could not copy; please select the text and copy it." },
  "pay.mark.thaiqr": { th: "Thai QR Payment", en: "Thai QR Payment" },
  "pay.mark.promptpay": { th: "พร้อมเพย์ (PromptPay)", en: "PromptPay" },
  "pay.image.amount": { th: "จำนวนเงิน", en: "Amount" },
  "pay.image.due": { th: "ชำระภายใน", en: "Pay by" },
  "pay.paid": { th: "ชำระเงินเรียบร้อยแล้ว ขอบคุณ", en: "Payment received. Thank you." },
  "pay.card.paid": {
    th: "ชำระด้วยบัตรเรียบร้อยแล้ว ใบเสร็จรับเงินจะแสดงในหน้านี้และส่งทางอีเมล",
    en: "Your card payment is complete. The receipt will show on this page and be sent by e-mail.",
  },
});

/** Remembers, across the provider's page, that this tab went to pay by card (the request's API path). */
const CARD_RETURN = "eservice.citizen.cardReturn";
const POLL_MS = 2000;
const CARD_WAIT_MS = 10 * 60 * 1000;

/** What the request page says once a payment it followed is confirmed (?done=...). */
export const PAYMENT_DONE = { paid: "pay.paid", card: "pay.card.paid" };

/**
 * Back from the card page after the payment was already applied (the provider's message came first):
 * the success message, once. Null otherwise; while still awaiting payment the panel below follows it.
 */
export function cardReturnNotice(request, base) {
  const mark = sessionStorage.getItem(CARD_RETURN) || "";
  if (request.status === "awaiting_payment" || !mark.includes(JSON.stringify(base))) return null;
  sessionStorage.removeItem(CARD_RETURN);
  return notice(t("pay.card.paid"), "success");
}

/**
 * The payment panel of a request awaiting payment; fills itself from GET /requests/{id}/payment and
 * then follows the payment live: while a payment is reported but not yet applied it shows
 * "checking" (no QR, nothing to pay twice), and once the request moves on it reloads the page.
 */
export function paymentSection(request, base, isCurrent) {
  const box = h("section", { class: "panel panel-warn", "aria-labelledby": "pay-heading", id: "payment" },
    h("h2", { id: "pay-heading" }, t("pay.title")), loading());
  let shown = null;
  const alive = () => isCurrent() && box.isConnected;
  const show = (bill) => {
    const checking = isChecking(bill, base);
    if (shown === checking) return;
    shown = checking;
    if (checking) showChecking(box);
    else fill(box, bill, request, base);
  };
  const follow = async () => {
    if (!alive()) return;
    try {
      const now = await api(base);
      if (!alive()) return;
      if (now.status !== "awaiting_payment") {
        const card = (sessionStorage.getItem(CARD_RETURN) || "").includes(JSON.stringify(base));
        sessionStorage.removeItem(CARD_RETURN);
        navigate(`#/requests/${encodeURIComponent(request.id)}?done=${card ? "card" : "paid"}`, { replace: true });
        return;
      }
      const bill = await api(`${base}/payment`);
      if (alive()) show(bill);
    } catch {
      // A dropped connection while polling: try again at the next tick; the page keeps what it shows.
    }
    if (alive()) setTimeout(follow, POLL_MS);
  };
  api(`${base}/payment`)
    .then((bill) => {
      if (!isCurrent()) return;
      show(bill);
      setTimeout(follow, POLL_MS);
    })
    .catch((error) => {
      if (isCurrent()) replace(box, h("h2", { id: "pay-heading" }, t("pay.title")), alertBox(error));
    });
  return box;
}

const failedCards = (bill) => (bill.payments || []).filter((p) => p.channel === "card" && p.status === "failed").length;

/** A payment was made (paid, or the provider said pending, or we came back from the card page). */
function isChecking(bill, base) {
  if (bill.paid) return true;
  const payments = bill.payments || [];
  if (payments.some((p) => p.status === "pending" && p.channel !== "slip")) return true;
  let card = null;
  try {
    card = JSON.parse(sessionStorage.getItem(CARD_RETURN) || "null");
  } catch {
    card = null;
  }
  if (!card || card.base !== base) return false;
  // A declined card, or a return long ago without any word from the provider: offer the payment again.
  const failedSince = failedCards(bill) > (card.failed || 0);
  if (failedSince || Date.now() - card.at > CARD_WAIT_MS) {
    sessionStorage.removeItem(CARD_RETURN);
    return false;
  }
  return true;
}

function showChecking(box) {
  replace(
    box,
    h("h2", { id: "pay-heading" }, t("pay.title")),
    h("div", { class: "checking", role: "status", id: "payment-checking" },
      h("span", { class: "spinner", "aria-hidden": "true" }),
      h("p", {}, h("strong", {}, t("pay.checking"))),
      h("p", {}, t("pay.checking.text"))),
  );
}

function label(prefix, key) {
  return has(`${prefix}.${key}`) ? t(`${prefix}.${key}`) : String(key ?? "");
}

function fill(box, bill, request, base) {
  const channels = new Set(bill.channels || []);
  const copied = h("p", { class: "copy-state", role: "status", id: "copy-state" });
  replace(
    box,
    h("h2", { id: "pay-heading" }, t("pay.title")),
    request.next_step ? h("p", {}, L(request.next_step)) : null,
    dl([
      [t("pay.amount"), h("strong", { class: "big-number" }, formatBaht(bill.amount_satang))],
      [t("pay.due"), h("strong", {}, formatDateTime(bill.due_at))],
      [t("pay.invoice"), bill.invoice_number],
      [t("pay.account"), L(bill.account_name)],
      [t("pay.bank"), L(bill.bank)],
      [t("pay.ref1"), withCopy(bill.ref1, t("pay.ref1"), copied, "ref1")],
      [t("pay.ref2"), bill.ref2 ? withCopy(bill.ref2, t("pay.ref2"), copied, "ref2") : null],
    ]),
    copied,
    channels.has("thai_qr") && bill.qr_png ? qrBlock(bill) : null,
    channels.has("card") ? cardPayment(base, bill) : null,
    channels.has("slip_upload") ? slipForm(bill, request, base) : null,
    bill.how_to_confirm ? [h("h3", {}, t("pay.how")), h("p", { class: "small" }, L(bill.how_to_confirm))] : null,
    bill.payments?.length
      ? [h("h3", {}, t("pay.history")),
        h("ul", {}, bill.payments.map((p) => h("li", {},
          `${label("pay.channel", p.channel)} · ${formatBaht(p.amount_satang)} · ${label("pay.status", p.status)} · ${formatDateTime(p.paid_at || p.received_at)}`)))]
      : null,
  );
}

/** A reference with its copy button (the clipboard API, or the selection where that is refused). */
function withCopy(value, what, state, key) {
  const text = h("span", { class: "mono", id: `pay-${key}` }, value);
  const button = h("button", {
    type: "button",
    class: "button-small copy",
    id: `copy-${key}`,
    "aria-label": t("pay.copy.label", { what }),
  }, t("pay.copy"));
  button.addEventListener("click", async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(value);
      ok = true;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(text);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      ok = document.execCommand("copy");
    }
    replace(state, ok ? t("pay.copied", { what }) : t("pay.copy.failed"));
  });
  return h("span", { class: "copyable" }, text, " ", button);
}

/** The QR as the Bank of Thailand's guideline frames it: the Thai QR Payment header, the code, PromptPay. */
function qrBlock(bill) {
  const state = h("div", { class: "small", role: "status", id: "qr-save-state" });
  const save = h("button", { type: "button", id: "save-qr" }, t("pay.qr.save"));
  save.addEventListener("click", () => whileBusy(save, null, async () => {
    try {
      const file = `qr-${bill.invoice_number || bill.ref1}.png`;
      const blob = await qrImage(bill);
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: file, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      replace(state, t("pay.qr.saved", { file }));
    } catch (error) {
      replace(state, alertBox(error));
    }
  }));
  return h("figure", { class: "qr thai-qr", id: "thai-qr" },
    thaiQrHeader(),
    h("img", {
      src: bill.qr_png,
      width: 240,
      height: 240,
      alt: t("pay.qr.alt", { amount: formatBaht(bill.amount_satang), ref1: bill.ref1 }),
    }),
    promptPayMark(),
    h("figcaption", {}, t("pay.qr")),
    h("p", { class: "actions" }, save),
    h("p", { class: "small muted", id: "save-qr-help" }, t("pay.qr.save.help")),
    state);
}

// --- the marks (drawn from the layout in the Bank of Thailand's Thai QR Payment guideline) -------------------
const SVG = "http://www.w3.org/2000/svg";
const NAVY = "#0e3e67";
const PROMPT_BLUE = "#1a4b8c";
const PAY_BLUE = "#0a9bd7";

function svg(tag, attrs, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

/** The navy band with the QR symbol and "THAI QR PAYMENT", across the top of the QR's frame. */
function thaiQrHeader() {
  return svg("svg", { viewBox: "0 0 240 44", width: 240, height: 44, role: "img", "aria-label": t("pay.mark.thaiqr"), class: "mark" },
    svg("rect", { x: 0, y: 0, width: 240, height: 44, rx: 4, fill: NAVY }),
    // The symbol: a white tile holding a small QR finder pattern.
    svg("rect", { x: 10, y: 7, width: 30, height: 30, rx: 3, fill: "#fff" }),
    svg("rect", { x: 14, y: 11, width: 10, height: 10, fill: NAVY }),
    svg("rect", { x: 16.5, y: 13.5, width: 5, height: 5, fill: "#fff" }),
    svg("rect", { x: 26, y: 23, width: 10, height: 10, fill: NAVY }),
    svg("rect", { x: 28.5, y: 25.5, width: 5, height: 5, fill: "#fff" }),
    svg("rect", { x: 26, y: 11, width: 4, height: 4, fill: NAVY }),
    svg("rect", { x: 14, y: 25, width: 4, height: 4, fill: NAVY }),
    svg("text", { x: 50, y: 22, fill: "#fff", "font-family": "Arial, Helvetica, sans-serif", "font-weight": 700, "font-size": 15, "letter-spacing": 1 }, "THAI QR"),
    svg("text", { x: 50, y: 37, fill: "#fff", "font-family": "Arial, Helvetica, sans-serif", "font-weight": 400, "font-size": 11, "letter-spacing": 3 }, "PAYMENT"));
}

/** The PromptPay word mark under the code: "Prompt" in dark blue, "Pay" in light blue. */
function promptPayMark() {
  return svg("svg", { viewBox: "0 0 240 30", width: 240, height: 30, role: "img", "aria-label": t("pay.mark.promptpay"), class: "mark" },
    svg("text", { x: 120, y: 22, "text-anchor": "middle", "font-family": "Arial, Helvetica, sans-serif", "font-weight": 700, "font-size": 18 },
      svg("tspan", { fill: PROMPT_BLUE }, "Prompt"),
      svg("tspan", { fill: PAY_BLUE }, "Pay")));
}

// --- the image to save: the same code, the marks, the amount, the references and the agency -----------------
function loadImage(src) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("QR image"));
    image.src = src;
  });
}

/** A PNG of the payment: drawn on a canvas in the browser from the QR the page already shows. */
export async function qrImage(bill) {
  const qr = await loadImage(bill.qr_png);
  await document.fonts?.ready;
  const font = getComputedStyle(document.body).fontFamily || "sans-serif";
  const width = 600;
  const scale = Math.max(1, Math.floor(360 / qr.naturalWidth));
  const side = qr.naturalWidth * scale;
  const lines = [
    [L(bill.account_name), `700 26px ${font}`, "#1b1b1b"],
    [`${t("pay.image.amount")} ${formatBaht(bill.amount_satang)}`, `700 30px ${font}`, "#1b1b1b"],
    [`${t("pay.ref1")}: ${bill.ref1}`, `400 22px ${font}`, "#1b1b1b"],
    bill.ref2 ? [`${t("pay.ref2")}: ${bill.ref2}`, `400 22px ${font}`, "#1b1b1b"] : null,
    bill.invoice_number ? [`${t("pay.invoice")}: ${bill.invoice_number}`, `400 20px ${font}`, "#444"] : null,
    bill.due_at ? [`${t("pay.image.due")} ${formatDateTime(bill.due_at)}`, `400 20px ${font}`, "#444"] : null,
  ].filter(Boolean);
  const height = 90 + side + 60 + lines.length * 40 + 30;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, width, height);
  // Header band with the Thai QR Payment symbol and words.
  g.fillStyle = NAVY;
  g.fillRect(0, 0, width, 80);
  g.fillStyle = "#fff";
  g.fillRect(150, 15, 50, 50);
  g.fillStyle = NAVY;
  g.fillRect(157, 22, 17, 17);
  g.fillRect(176, 41, 17, 17);
  g.fillStyle = "#fff";
  g.fillRect(161, 26, 9, 9);
  g.fillRect(180, 45, 9, 9);
  g.font = "700 30px Arial, Helvetica, sans-serif";
  g.textBaseline = "alphabetic";
  g.fillText("THAI QR", 215, 45);
  g.font = "400 18px Arial, Helvetica, sans-serif";
  g.fillText("P A Y M E N T", 215, 68);
  // The code itself, at a whole multiple of its pixels (sharp edges for any scanner).
  g.imageSmoothingEnabled = false;
  const top = 90;
  g.drawImage(qr, (width - side) / 2, top, side, side);
  // PromptPay word mark.
  let y = top + side + 40;
  g.font = "700 30px Arial, Helvetica, sans-serif";
  const prompt = g.measureText("Prompt").width;
  const pay = g.measureText("Pay").width;
  const left = (width - prompt - pay) / 2;
  g.fillStyle = PROMPT_BLUE;
  g.fillText("Prompt", left, y);
  g.fillStyle = PAY_BLUE;
  g.fillText("Pay", left + prompt, y);
  g.textAlign = "center";
  y += 20;
  for (const [text, style, colour] of lines) {
    y += 40;
    g.font = style;
    g.fillStyle = colour;
    g.fillText(text, width / 2, y, width - 40);
  }
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("PNG"))), "image/png"));
}

function cardPayment(base, bill) {
  const messages = h("div");
  const go = h("button", { type: "button", id: "pay-card" }, t("pay.card.go"));
  go.addEventListener("click", () => whileBusy(go, t("pay.card.busy"), async () => {
    try {
      const checkout = await api(`${base}/payments/card`, { method: "POST" });
      // Back from the provider's page, the request page says the card payment is being checked.
      sessionStorage.setItem(CARD_RETURN, JSON.stringify({ base, at: Date.now(), failed: failedCards(bill) }));
      window.location.assign(checkout.redirect_url);
    } catch (error) {
      replace(messages, alertBox(error));
    }
  }));
  return [h("h3", {}, t("pay.card")), messages, h("p", {}, go)];
}

function slipForm(bill, request, base) {
  const messages = h("div");
  const file = labelled({ label: t("pay.slip.file"), input: h("input", { type: "file", name: "slip", accept: ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" }), required: true });
  // The same styled picker as the document slots: a button-like label, the chosen file named beside it.
  const chosenName = h("p", { class: "state", role: "status", id: "slip-chosen" }, t("upload.none"));
  file.input.setAttribute("aria-describedby", `${file.input.getAttribute("aria-describedby")} slip-chosen`);
  file.wrapper.append(chosenName, h("div", { class: "file-picker" },
    h("label", { for: file.input.id, class: "button" }, t("pay.slip.choose")), file.input));
  file.input.addEventListener("change", () => {
    chosenName.textContent = file.input.files?.[0] ? t("pay.slip.chosen", { file: file.input.files[0].name }) : t("upload.none");
  });
  const reference = labelled({ label: t("pay.slip.reference"), input: h("input", { type: "text", name: "transaction_reference", class: "medium", maxlength: 60, autocomplete: "off" }), required: true });
  const paidOn = labelled({ label: t("pay.slip.date"), input: h("input", { type: "date", name: "paid_on", class: "medium", max: todayInBangkok(), value: todayInBangkok() }), required: true });
  const amount = labelled({
    label: t("pay.slip.amount"),
    input: h("input", { type: "number", name: "amount", class: "short", step: "0.01", min: "0.01", inputmode: "decimal", value: (bill.amount_satang / 100).toFixed(2) }),
    required: true,
  });
  const send = h("button", { type: "submit", class: "primary" }, t("pay.slip.send"));
  const fields = { transaction_reference: reference, paid_on: paidOn, amount_satang: amount, attachment_id: file };
  return h(
    "details",
    { class: "slip" },
    h("summary", {}, t("pay.slip")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          const problems = [];
          for (const f of [file, reference, paidOn, amount]) f.setError("");
          const chosen = file.input.files?.[0];
          const baht = Number(amount.input.value);
          if (!chosen) problems.push([file, t("pay.slip.pick"), t("pay.slip.file")]);
          if (!reference.input.value.trim()) problems.push([reference, t("field.required"), t("pay.slip.reference")]);
          if (!paidOn.input.value) problems.push([paidOn, t("field.required"), t("pay.slip.date")]);
          if (!(baht > 0)) problems.push([amount, t("pay.slip.bad_amount"), t("pay.slip.amount")]);
          if (problems.length) {
            problems.forEach(([f, text]) => f.setError(text));
            const summary = errorSummary(problems.map(([f, text, name]) => ({ text: `${name}: ${text}`, target: f.input })));
            replace(messages, summary);
            summary.focus();
            return;
          }
          whileBusy(send, t("pay.slip.sending"), async () => {
            try {
              const started = await api(`${base}/payment-slips/uploads`, { method: "POST", body: { file_name: chosen.name } });
              await sendToStorage(started.upload, chosen);
              await afterMalwareScan(() =>
                api(`${base}/payment-slips`, {
                  method: "POST",
                  body: {
                    attachment_id: started.attachment.id,
                    transaction_reference: reference.input.value.trim(),
                    paid_on: paidOn.input.value,
                    amount_satang: Math.round(baht * 100),
                  },
                }),
              );
              replace(messages, notice(t("pay.slip.sent"), "success"));
              navigate(`#/requests/${encodeURIComponent(request.id)}?done=slip`, { replace: true });
            } catch (error) {
              for (const d of error.details || []) fields[d.field]?.setError(L(d.message));
              replace(messages, alertBox(error, { unplaced: (error.details || []).filter((d) => !fields[d.field]) }));
            }
          });
        },
      },
      file.wrapper,
      reference.wrapper,
      paidOn.wrapper,
      amount.wrapper,
      h("div", { class: "actions" }, send),
    ),
  );
}

