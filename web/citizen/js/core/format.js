// Dates, money and sizes written the way Thai and English readers expect.

import { lang, t } from "./i18n.js";

const TIME_ZONE = "Asia/Bangkok";

function locale() {
  // Thai dates in the Buddhist era (พ.ศ.), as official documents write them.
  return lang() === "th" ? "th-TH-u-ca-buddhist" : "en-GB";
}

/** "23 พฤศจิกายน 2569 เวลา 08:30" / "23 November 2026 at 08:30" (Bangkok time). */
export function formatDateTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  const text = new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeStyle: "short", timeZone: TIME_ZONE }).format(when);
  // Thai official style writes the hour with "น." (นาฬิกา): "เวลา 08:30 น.".
  return lang() === "th" && /\d$/.test(text) ? `${text} น.` : text;
}

/** A calendar day ("2026-11-23" or a full ISO time) as "23 พฤศจิกายน 2569". */
export function formatDate(value) {
  if (!value) return "";
  const text = String(value);
  const when = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T12:00:00+07:00`) : new Date(text);
  if (Number.isNaN(when.getTime())) return text;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: TIME_ZONE }).format(when);
}

/** Today's date in Bangkok as YYYY-MM-DD (for date pickers' min/max). */
export function todayInBangkok() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(new Date());
}

/** Satang to "2,000.00 บาท" / "THB 2,000.00". */
export function formatBaht(satang) {
  const baht = (Number(satang) || 0) / 100;
  const number = new Intl.NumberFormat(lang() === "th" ? "th-TH" : "en-GB", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(baht);
  return lang() === "th" ? `${number} บาท` : `THB ${number}`;
}

/** 15 → "15 ไบต์", 1536 → "1.5 KB", 5242880 → "5 MB". */
export function formatSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} ${t("unit.bytes")}`;
  const units = ["KB", "MB", "GB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits).replace(/\.0$/, "")} ${units[unit]}`;
}

/** The first 12 hex digits of a SHA-256, enough to compare by eye. */
export function shortHash(sha256) {
  return sha256 ? `${String(sha256).slice(0, 12)}…` : "";
}
