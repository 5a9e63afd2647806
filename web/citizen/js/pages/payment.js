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
  "pay.ref1": { th: "รหัสอ้างอิง 1 (Ref.1)", en: "Reference 1 (Ref.1)" },
  "pay.ref2": { th: "รหัสอ้างอิง 2 (Ref.2)", en: "Reference 2 (Ref.2)" },
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

/** The payment panel of a request awaiting payment; fills itself from GET /requests/{id}/payment. */
export function paymentSection(request, base, isCurrent) {
  const box = h("section", { class: "panel panel-warn", "aria-labelledby": "pay-heading", id: "payment" },
    h("h2", { id: "pay-heading" }, t("pay.title")), loading());
  api(`${base}/payment`)
    .then((notice_) => {
      if (isCurrent()) fill(box, notice_, request, base);
    })
    .catch((error) => {
      if (isCurrent()) replace(box, h("h2", { id: "pay-heading" }, t("pay.title")), alertBox(error));
    });
  return box;
}

function label(prefix, key) {
  return has(`${prefix}.${key}`) ? t(`${prefix}.${key}`) : String(key ?? "");
}

function fill(box, bill, request, base) {
  const channels = new Set(bill.channels || []);
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
      [t("pay.ref1"), h("span", { class: "mono" }, bill.ref1)],
      [t("pay.ref2"), bill.ref2 ? h("span", { class: "mono" }, bill.ref2) : null],
    ]),
    channels.has("thai_qr") && (bill.qr_png || bill.qr_svg)
      ? h("figure", { class: "qr" },
        h("img", {
          src: bill.qr_png || bill.qr_svg,
          width: 240,
          height: 240,
          alt: t("pay.qr.alt", { amount: formatBaht(bill.amount_satang), ref1: bill.ref1 }),
        }),
        h("figcaption", {}, t("pay.qr")))
      : null,
    channels.has("card") ? cardPayment(base) : null,
    channels.has("slip_upload") ? slipForm(bill, request, base) : null,
    bill.how_to_confirm ? [h("h3", {}, t("pay.how")), h("p", { class: "small" }, L(bill.how_to_confirm))] : null,
    bill.payments?.length
      ? [h("h3", {}, t("pay.history")),
        h("ul", {}, bill.payments.map((p) => h("li", {},
          `${label("pay.channel", p.channel)} · ${formatBaht(p.amount_satang)} · ${label("pay.status", p.status)} · ${formatDateTime(p.paid_at || p.received_at)}`)))]
      : null,
  );
}

function cardPayment(base) {
  const messages = h("div");
  const go = h("button", { type: "button" }, t("pay.card.go"));
  go.addEventListener("click", () => whileBusy(go, t("pay.card.busy"), async () => {
    try {
      const checkout = await api(`${base}/payments/card`, { method: "POST" });
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

