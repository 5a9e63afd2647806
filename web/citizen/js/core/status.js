// How each request status looks (the badge colour is backed by the label text, never colour alone),
// and the words for payment channels and states that both sites show.

import { addMessages } from "./i18n.js";

addMessages({
  "pay.status.succeeded": { th: "สำเร็จ", en: "Succeeded" },
  "pay.status.pending": { th: "รอดำเนินการ", en: "Pending" },
  "pay.status.failed": { th: "ไม่สำเร็จ", en: "Failed" },
  "pay.status.refunded": { th: "คืนเงินแล้ว", en: "Refunded" },
  "pay.channel.thai_qr": { th: "Thai QR", en: "Thai QR" },
  "pay.channel.card": { th: "บัตร", en: "Card" },
  "pay.channel.slip_upload": { th: "หลักฐานการโอน", en: "Payment slip" },
});

const KINDS = {
  submitted: "info",
  received: "info",
  in_review: "info",
  in_approval: "info",
  paid: "info",
  awaiting_signature: "info",
  more_documents_requested: "warn",
  awaiting_payment: "warn",
  unreachable: "warn",
  dismissal_proposed: "warn",
  issued: "ok",
  delivered: "ok",
  rejected: "bad",
  referred: "neutral",
  withdrawn: "neutral",
  dismissed: "neutral",
};

/** The badge kind ("ok", "warn", "bad", "info", "neutral") of a status. */
export function statusKind(status) {
  return KINDS[status] || "neutral";
}

/** Statuses from which the applicant may still withdraw (the server decides; this only hides the button). */
export const WITHDRAWABLE = new Set([
  "submitted", "received", "in_review", "more_documents_requested", "in_approval", "awaiting_payment", "unreachable",
]);
