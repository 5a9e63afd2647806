// Register management for the head and the administrator (R-5.4): suspend, revoke or reinstate a
// licence at once, with the reason; the public register shows the change immediately. The records officer,
// the head and the administrator also keep the contact of a paper licence's holder (R-5.2, PDPA: never
// public), see how each status notice reached the holder, and the list of holders not reached.

import { api } from "../../../js/core/api.js";
import { dl, h, replace } from "../../../js/core/dom.js";
import { addMessages, both, has, L, t } from "../../../js/core/i18n.js";
import { formatDate, formatDateTime, todayInBangkok } from "../../../js/core/format.js";
import { navigate } from "../../../js/core/router.js";
import { alertBox, badge, labelled, loading, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { currentOfficer, requireSignIn, SITE } from "../state.js";
import { unavailable } from "./worklist.js";
import { afterMalwareScan, sendToStorage } from "../../../js/uploads.js";

addMessages({
  "o.reg.title": { th: "จัดการทะเบียนใบอนุญาต", en: "Manage the licence register" },
  "o.reg.intro": {
    th: "การพักใช้ เพิกถอน หรือให้กลับมีผล จะแสดงในทะเบียนสาธารณะทันที และบันทึกไว้ในประวัติของใบอนุญาต",
    en: "Suspending, revoking or reinstating shows in the public register at once and is kept in the licence's history.",
  },
  "o.reg.only": {
    th: "เฉพาะเจ้าหน้าที่สารบรรณ หัวหน้าหน่วยงาน และผู้ดูแลระบบ",
    en: "For records officers, the head of agency and administrators only.",
  },
  "o.reg.search": { th: "ค้นหาเลขที่ใบอนุญาต ชื่อผู้ได้รับอนุญาต หรือสถานที่", en: "Search licence number, holder or place" },
  "o.reg.lookup": { th: "หรือเปิดด้วยเลขที่ใบอนุญาต (รวมใบที่ไม่แสดงในทะเบียนสาธารณะ)", en: "Or open by licence number (including licences not shown publicly)" },
  "o.reg.open": { th: "เปิด", en: "Open" },
  "o.reg.none": { th: "ไม่พบใบอนุญาต", en: "No licence found." },
  "o.reg.change": { th: "เปลี่ยนสถานะ", en: "Change the status" },
  "o.reg.status": { th: "สถานะใหม่", en: "New status" },
  "o.reg.reason": { th: "เหตุผล (อ้างคำสั่งหรือข้อกฎหมาย)", en: "Reason (cite the order or the law)" },
  "o.reg.until": { th: "พักใช้ถึงวันที่", en: "Suspended until" },
  "o.reg.save": { th: "บันทึกสถานะ", en: "Save the status" },
  "o.reg.saving": { th: "กำลังบันทึก…", en: "Saving…" },
  "o.reg.saved": { th: "บันทึกสถานะใบอนุญาต {number} แล้ว", en: "Licence {number} updated." },
  "o.reg.history": { th: "ประวัติ", en: "History" },
  "o.reg.in_force": { th: "มีผลใช้บังคับ", en: "In force" },
  "o.reg.suspended": { th: "พักใช้", en: "Suspended" },
  "o.reg.revoked": { th: "เพิกถอน", en: "Revoked" },
  "o.reg.expired": { th: "หมดอายุ", en: "Expired" },
  "o.reg.number": { th: "เลขที่", en: "Number" },
  "o.reg.holder": { th: "ผู้ได้รับอนุญาต", en: "Holder" },
  "o.reg.valid": { th: "ออกเมื่อ / ใช้ได้ถึง", en: "Issued / valid until" },
});

const KIND = { in_force: "ok", suspended: "warn", revoked: "bad", expired: "neutral" };
const CHOICES = ["suspended", "revoked", "in_force"];

function statusBadge(status) {
  return badge(has(`o.reg.${status}`) ? t(`o.reg.${status}`) : status, KIND[status] || "neutral");
}

export async function registerPage({ view, query, isCurrent }) {
  if (!requireSignIn()) return;
  setTitle(t("o.reg.title"), L(SITE));
  const officer = await currentOfficer().catch(() => ({ groups: [] }));
  if (!isCurrent()) return;
  const groups = officer.groups || [];
  const canManage = groups.some((g) => g === "head" || g === "admin");
  if (!canManage && !groups.includes("records")) {
    replace(view, h("h1", {}, t("o.reg.title")), notice(t("o.reg.only"), "warn"));
    return;
  }
  const q = (query.get("q") || "").trim();
  const number = (query.get("number") || "").trim();
  const saved = query.get("saved");
  const search = labelled({ label: t("o.reg.search"), input: h("input", { type: "search", name: "q", value: q }) });
  const lookup = labelled({ label: t("o.reg.lookup"), input: h("input", { type: "text", name: "number", class: "medium", value: number }) });
  const results = h("div", { "aria-live": "polite" }, loading());
  replace(
    view,
    h("h1", {}, t("o.reg.title")),
    h("p", {}, t("o.reg.intro")),
    saved ? notice(t("o.reg.saved", { number: saved }), "success") : null,
    h("form", {
      class: "filters",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        const params = new URLSearchParams();
        if (search.input.value.trim()) params.set("q", search.input.value.trim());
        if (lookup.input.value.trim()) params.set("number", lookup.input.value.trim());
        navigate(`#/register${params.toString() ? `?${params}` : ""}`);
      },
    }, search.wrapper, lookup.wrapper, h("button", { type: "submit" }, t("o.reg.open"))),
    results,
    holdersNotReached(isCurrent),
    canManage ? backCatalogue() : null,
    groups.includes("admin") ? openData() : null,
  );
  try {
    let licences;
    // Opened by number: the officers' view (any licence, with its holder's contact and notices).
    if (number) licences = [await api(`/officer/register/licences/${encodeURIComponent(number)}`)];
    else licences = (await api(`/register${q ? `?q=${encodeURIComponent(q)}` : ""}`, { auth: false })).licences;
    if (!isCurrent()) return;
    const card = (licence) => licenceManager(licence, canManage);
    replace(results, licences.length ? h("ul", { class: "cards" }, licences.map(card)) : h("p", {}, t("o.reg.none")));
  } catch (error) {
    if (isCurrent()) replace(results, unavailable(error));
  }
}

function licenceManager(licence, canManage = true) {
  const messages = h("div");
  const select = h("select", { name: "status" },
    CHOICES.filter((s) => s !== licence.status).map((s) => h("option", { value: s }, t(`o.reg.${s}`))));
  const status = labelled({ label: t("o.reg.status"), input: select });
  const reason = labelled({ label: t("o.reg.reason"), input: h("textarea", { name: "reason", rows: 2, maxlength: 1000 }), required: true });
  const until = labelled({ label: t("o.reg.until"), input: h("input", { type: "date", name: "until", class: "medium", min: todayInBangkok() }) });
  const save = h("button", { type: "submit", class: "primary" }, t("o.reg.save"));
  const sync = () => { until.wrapper.hidden = select.value !== "suspended"; };
  select.addEventListener("change", sync);
  sync();
  return h(
    "li",
    { class: "card" },
    h("h2", {}, L(licence.title), " ", statusBadge(licence.status)),
    dl([
      [t("o.reg.number"), h("span", { class: "mono" }, licence.licence_number)],
      [t("o.reg.holder"), licence.holder],
      [t("o.reg.valid"), `${formatDate(licence.issued_at)} – ${formatDate(licence.valid_until) || "–"}`],
    ]),
    licence.history?.length
      ? h("details", {}, h("summary", {}, t("o.reg.history")),
        h("ul", {}, licence.history.map((e) => h("li", {}, statusBadge(e.status), ` ${formatDateTime(e.at)} · ${L(e.reason)}`))))
      : null,
    licence.holder_notices ? holderSection(licence) : openForHolder(licence),
    licence.status === "revoked" || !canManage
      ? null
      : h("details", {}, h("summary", {}, t("o.reg.change")),
        messages,
        h("form", {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            reason.setError("");
            if (!reason.input.value.trim()) {
              reason.setError(t("field.required"));
              reason.input.focus();
              return;
            }
            const body = { status: select.value, reason: reason.input.value.trim() };
            if (select.value === "suspended" && until.input.value) body.until = until.input.value;
            whileBusy(save, t("o.reg.saving"), async () => {
              try {
                await api(`/officer/register/${encodeURIComponent(licence.licence_number)}/status`, { method: "POST", body });
                navigate(`#/register?number=${encodeURIComponent(licence.licence_number)}&saved=${encodeURIComponent(licence.licence_number)}`);
              } catch (error) {
                replace(messages, error.code === "route.missing" ? alertBox({ text: both("o.unavailable") }) : alertBox(error));
              }
            });
          },
        }, status.wrapper, until.wrapper, reason.wrapper, h("div", { class: "actions" }, save))),
  );
}

// --- the back catalogue (R-5.2) and open data (R-5.3) ---------------------------------------------------
addMessages({
  "o.imp.title": { th: "นำเข้าใบอนุญาตฉบับกระดาษที่ยังมีผล", en: "Import paper licences still in force" },
  "o.imp.intro": {
    th: "ไฟล์ CSV (UTF-8) มีคอลัมน์ licence_number, service_id, holder, issued_on, valid_until (ปปปป-ดด-วว ปี ค.ศ.) และอาจมี area, scan_id กับช่องของใบอนุญาต เช่น shop_name, area_sqm รวมทั้งข้อมูลติดต่อผู้รับอนุญาต holder_email, holder_phone (มือถือ 10 หลัก), holder_address เพื่อแจ้งเมื่อสถานะใบอนุญาตเปลี่ยน (ไม่แสดงในทะเบียนสาธารณะ) แถวที่ผิดจะแจ้งเป็นรายแถว นำเข้าแถวเดิมซ้ำได้โดยไม่เกิดรายการซ้ำ",
    en: "A CSV file (UTF-8) with the columns licence_number, service_id, holder, issued_on, valid_until (YYYY-MM-DD) and optionally area, scan_id, the licence's fields such as shop_name, area_sqm, and the holder's contact holder_email, holder_phone (10-digit mobile), holder_address, used to tell the holder of status changes (never shown publicly). Each refused row is reported; importing a row again never duplicates it.",
  },
  "o.imp.file": { th: "ไฟล์ CSV", en: "CSV file" },
  "o.imp.send": { th: "นำเข้า", en: "Import" },
  "o.imp.sending": { th: "กำลังนำเข้า…", en: "Importing…" },
  "o.imp.result": {
    th: "{rows} แถว: นำเข้า {imported} รายการ, มีอยู่แล้วไม่เปลี่ยนแปลง {unchanged} รายการ, ไม่ผ่าน {errors} แถว",
    en: "{rows} rows: {imported} imported, {unchanged} already there unchanged, {errors} refused",
  },
  "o.imp.row": { th: "แถว", en: "Row" },
  "o.imp.code": { th: "รหัส", en: "Code" },
  "o.imp.message": { th: "ข้อความ", en: "Message" },
  "o.imp.one": { th: "นำเข้าทีละใบพร้อมภาพสแกน", en: "Import one licence with its scan" },
  "o.imp.number": { th: "เลขที่ใบอนุญาต", en: "Licence number" },
  "o.imp.service": { th: "รหัสบริการ (เช่น food-shop)", en: "Service id (e.g. food-shop)" },
  "o.imp.holder": { th: "ชื่อผู้รับอนุญาต", en: "Licence holder" },
  "o.imp.issued": { th: "วันที่ออกใบอนุญาต", en: "Date of issue" },
  "o.imp.until": { th: "ใช้ได้ถึงวันที่", en: "Valid until" },
  "o.imp.area": { th: "พื้นที่ / ที่ตั้ง", en: "Area / location" },
  "o.imp.fields": { th: "ช่องของใบอนุญาต บรรทัดละหนึ่งช่อง (ชื่อช่อง=ค่า)", en: "The licence's fields, one a line (name=value)" },
  "o.imp.scan": { th: "ภาพสแกนใบอนุญาต (PDF, PNG, JPEG หรือ TIFF ไม่เกิน 20 MB)", en: "Scan of the licence (PDF, PNG, JPEG or TIFF, up to 20 MB)" },
  "o.od.title": { th: "ข้อมูลเปิด (data.go.th)", en: "Open data (data.go.th)" },
  "o.od.intro": {
    th: "ระบบเผยแพร่ทะเบียนสาธารณะเป็น CSV และ JSON ทุกสิ้นเดือนที่มีการเปลี่ยนแปลง ส่งขึ้นพอร์ทัลข้อมูลเปิดและส่งถึงหน่วยงานต้นสังกัด กดปุ่มเพื่อเผยแพร่ทันที",
    en: "The public register is published as CSV and JSON at each month-end with changes, pushed to the open-data portal and sent to the parent agency. Press to publish now.",
  },
  "o.od.publish": { th: "เผยแพร่ตอนนี้", en: "Publish now" },
  "o.od.done": { th: "เผยแพร่แล้ว: {files}", en: "Published: {files}" },
});

function importReport(report) {
  return h(
    "div",
    {},
    notice(t("o.imp.result", {
      rows: report.rows,
      imported: report.imported.length,
      unchanged: report.unchanged.length,
      errors: report.errors.length,
    }), report.errors.length ? "warn" : "success"),
    report.errors.length
      ? h("table", {},
        h("thead", {}, h("tr", {}, [t("o.imp.row"), t("o.reg.number"), t("o.imp.code"), t("o.imp.message")].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, report.errors.map((e) => h("tr", {},
          h("td", {}, String(e.row)), h("td", { class: "mono" }, e.licence_number || "–"),
          h("td", { class: "mono" }, e.code), h("td", {}, L(e.message))))))
      : null,
  );
}

function backCatalogue() {
  const out = h("div", { "aria-live": "polite" });
  const file = labelled({ label: t("o.imp.file"), input: h("input", { type: "file", name: "csv", accept: ".csv,text/csv" }), required: true });
  const go = h("button", { type: "submit", class: "primary" }, t("o.imp.send"));
  const csvForm = h("form", {
    novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      file.setError("");
      const chosen = file.input.files[0];
      if (!chosen) {
        file.setError(t("field.required"));
        return;
      }
      whileBusy(go, t("o.imp.sending"), async () => {
        try {
          const report = await api("/officer/register/import", { method: "POST", body: { csv: await chosen.text() } });
          replace(out, importReport(report));
        } catch (error) {
          replace(out, alertBox(error));
        }
      });
    },
  }, file.wrapper, h("div", { class: "actions" }, go));

  const one = h("div", { "aria-live": "polite" });
  const field = (key, type = "text", extra = {}) =>
    labelled({ label: t(key), input: h(type === "textarea" ? "textarea" : "input", { type, ...extra }), required: extra.required });
  const number = field("o.imp.number", "text", { name: "licence_number", required: true });
  const service = field("o.imp.service", "text", { name: "service_id", value: "food-shop", required: true });
  const holder = field("o.imp.holder", "text", { name: "holder", required: true });
  const issued = field("o.imp.issued", "date", { name: "issued_on", required: true });
  const until = field("o.imp.until", "date", { name: "valid_until" });
  const area = field("o.imp.area", "text", { name: "area" });
  const values = field("o.imp.fields", "textarea", { name: "fields", rows: 4, placeholder: "shop_name=ร้านสมใจ\narea_sqm=320" });
  const scan = field("o.imp.scan", "file", { name: "scan", accept: ".pdf,.png,.jpg,.jpeg,.tif,.tiff" });
  const holderEmail = field("o.hc.email", "email", { name: "holder_email", autocomplete: "off" });
  const holderPhone = field("o.hc.phone", "tel", { name: "holder_phone", class: "medium", autocomplete: "off" });
  const holderAddress = field("o.hc.address", "textarea", { name: "holder_address", rows: 2, maxlength: 500 });
  const save = h("button", { type: "submit", class: "primary" }, t("o.imp.send"));
  const oneForm = h("form", {
    novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      const required = [number, service, holder, issued].filter((f) => !f.input.value.trim());
      for (const f of [number, service, holder, issued]) f.setError(required.includes(f) ? t("field.required") : "");
      if (required.length) {
        required[0].input.focus();
        return;
      }
      const fields = {};
      for (const line of values.input.value.split("\n")) {
        const at = line.indexOf("=");
        if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      const body = {
        licence_number: number.input.value.trim(),
        service_id: service.input.value.trim(),
        holder: holder.input.value.trim(),
        issued_on: issued.input.value,
        fields,
      };
      if (until.input.value) body.valid_until = until.input.value;
      if (area.input.value.trim()) body.area = area.input.value.trim();
      if (holderEmail.input.value.trim()) body.holder_email = holderEmail.input.value.trim();
      if (holderPhone.input.value.trim()) body.holder_phone = holderPhone.input.value.trim();
      if (holderAddress.input.value.trim()) body.holder_address = holderAddress.input.value.trim();
      whileBusy(save, t("o.imp.sending"), async () => {
        try {
          const picked = scan.input.files[0];
          if (picked) {
            const offer = await api("/officer/register/scans", { method: "POST", body: { file_name: picked.name } });
            await sendToStorage(offer.upload, picked);
            body.scan_id = offer.scan_id;
          }
          const report = await afterMalwareScan(() => api("/officer/register/licences", { method: "POST", body }));
          replace(one, importReport(report));
        } catch (error) {
          replace(one, alertBox(error));
        }
      });
    },
  }, number.wrapper, service.wrapper, holder.wrapper, issued.wrapper, until.wrapper, area.wrapper, values.wrapper,
  scan.wrapper, holderEmail.wrapper, holderPhone.wrapper, holderAddress.wrapper, h("div", { class: "actions" }, save));

  return h(
    "section",
    { "aria-labelledby": "import-title" },
    h("h2", { id: "import-title" }, t("o.imp.title")),
    h("p", {}, t("o.imp.intro")),
    csvForm,
    out,
    h("details", {}, h("summary", {}, t("o.imp.one")), oneForm, one),
  );
}

function openData() {
  const out = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button" }, t("o.od.publish"));
  go.addEventListener("click", () => whileBusy(go, t("o.reg.saving"), async () => {
    try {
      const report = await api("/officer/open-data/publish", { method: "POST" });
      replace(out, notice(t("o.od.done", { files: Object.values(report.files || {}).join(", ") }), "success"));
    } catch (error) {
      replace(out, alertBox(error));
    }
  }));
  return h(
    "section",
    { "aria-labelledby": "open-data-title" },
    h("h2", { id: "open-data-title" }, t("o.od.title")),
    h("p", {}, t("o.od.intro")),
    h("div", { class: "actions" }, go),
    out,
  );
}

// --- the holders of paper licences: contact, notices, holders not reached (R-5.2, R-5.4, PDPA) ---------
addMessages({
  "o.hc.title": { th: "ผู้รับอนุญาตและการแจ้งสถานะ", en: "Holder and status notices" },
  "o.hc.private": {
    th: "ข้อมูลส่วนบุคคล: ใช้แจ้งผู้รับอนุญาตเมื่อสถานะใบอนุญาตเปลี่ยน ไม่แสดงในทะเบียนสาธารณะหรือข้อมูลเปิด",
    en: "Personal data: used to tell the holder when the licence's status changes; never shown in the public register or open data.",
  },
  "o.hc.email": { th: "อีเมลผู้รับอนุญาต", en: "Holder's e-mail" },
  "o.hc.phone": { th: "โทรศัพท์มือถือผู้รับอนุญาต (10 หลัก)", en: "Holder's mobile phone (10 digits)" },
  "o.hc.address": { th: "ที่อยู่ผู้รับอนุญาต (สำหรับส่งทางไปรษณีย์)", en: "Holder's postal address" },
  "o.hc.none": { th: "ไม่มีข้อมูลติดต่อผู้รับอนุญาต", en: "No contact for the holder" },
  "o.hc.from_request": {
    th: "ใบอนุญาตที่ออกผ่านระบบ แจ้งผู้รับอนุญาตตามข้อมูลติดต่อในคำขอ",
    en: "Issued through the e-Service: the holder is told at the request's contact.",
  },
  "o.hc.edit": { th: "เพิ่มหรือแก้ไขข้อมูลติดต่อ", en: "Add or correct the contact" },
  "o.hc.reason": { th: "เหตุผล / ที่มาของข้อมูล", en: "Reason / where the contact comes from" },
  "o.hc.save": { th: "บันทึกข้อมูลติดต่อ", en: "Save the contact" },
  "o.hc.saved": {
    th: "บันทึกข้อมูลติดต่อแล้ว หนังสือแจ้งที่ยังส่งไม่ถึงจะส่งอีกครั้ง",
    en: "Contact saved. Notices the holder did not get are sent now.",
  },
  "o.hc.need_one": { th: "กรุณาระบุข้อมูลติดต่ออย่างน้อยหนึ่งอย่าง", en: "Give at least one contact." },
  "o.hc.history": { th: "ประวัติข้อมูลติดต่อ (ค่าเดิมเก็บไว้)", en: "Contact history (old values kept)" },
  "o.hc.previous": { th: "ค่าเดิม", en: "Before" },
  "o.hc.notices": { th: "หนังสือแจ้งสถานะถึงผู้รับอนุญาต", en: "Status notices to the holder" },
  "o.hc.sending": { th: "กำลังส่ง", en: "Sending" },
  "o.hc.sent": { th: "ส่งแล้ว", en: "Sent" },
  "o.hc.not_reached": { th: "แจ้งผู้รับอนุญาตไม่ได้", en: "Holder not reached" },
  "o.hc.why.no_contact": { th: "ไม่มีอีเมลหรือโทรศัพท์มือถือ", en: "no e-mail or mobile phone" },
  "o.hc.why.refused": { th: "ผู้ให้บริการปฏิเสธการส่ง", en: "refused by the provider" },
  "o.hc.why.email_bounce": { th: "อีเมลตีกลับ", en: "the e-mail bounced" },
  "o.hc.why.email_complaint": { th: "ผู้รับแจ้งว่าเป็นสแปม", en: "marked as spam" },
  "o.hc.open": { th: "ดูผู้รับอนุญาตและการแจ้ง", en: "Holder and notices" },
  "o.hnr.title": { th: "ผู้รับอนุญาตที่แจ้งไม่ได้", en: "Holders not reached" },
  "o.hnr.intro": {
    th: "ใบอนุญาตฉบับกระดาษที่เปลี่ยนสถานะแล้วแต่แจ้งผู้รับอนุญาตไม่ได้ เพิ่มข้อมูลติดต่อแล้วระบบจะส่งหนังสือแจ้งให้ หรือส่งทางไปรษณีย์",
    en: "Paper licences whose status changed but whose holder could not be told. Add a contact and the notice goes, or send it by post.",
  },
  "o.hnr.none": { th: "ไม่มีรายการ แจ้งผู้รับอนุญาตได้ทุกราย", en: "None: every holder was told." },
  "o.hnr.when": { th: "สถานะที่แจ้งไม่ได้", en: "Status not told" },
});

function noticeState(notice) {
  const kind = { sent: "ok", sending: "neutral", not_reached: "bad" }[notice.state] || "neutral";
  const label = has(`o.hc.${notice.state}`) ? t(`o.hc.${notice.state}`) : notice.state;
  const why = notice.why ? (has(`o.hc.why.${notice.why}`) ? t(`o.hc.why.${notice.why}`) : notice.why) : "";
  return h("span", {}, badge(label, kind), why ? ` (${why})` : "");
}

function contactList(contact) {
  if (!contact) return h("p", {}, t("o.hc.none"));
  return dl([
    [t("o.hc.email"), contact.email || "–"],
    [t("o.hc.phone"), contact.phone || "–"],
    [t("o.hc.address"), contact.address || "–"],
  ]);
}

/** A card from the public search: a link to the officers' view, where the holder part is. */
function openForHolder(licence) {
  return h("p", {}, h("a", { href: `#/register?number=${encodeURIComponent(licence.licence_number)}` }, t("o.hc.open")));
}

function holderSection(licence) {
  const contact = licence.holder_contact;
  return h(
    "section",
    { class: "holder" },
    h("h3", {}, t("o.hc.title"), " ", licence.holder_not_reached ? badge(t("o.hc.not_reached"), "bad") : null),
    licence.request_born ? h("p", {}, t("o.hc.from_request")) : h("p", { class: "help" }, t("o.hc.private")),
    licence.request_born ? null : contactList(contact),
    licence.holder_notices.length
      ? h("div", {}, h("h4", {}, t("o.hc.notices")),
        h("ul", {}, licence.holder_notices.map((n) => h("li", {},
          statusBadge(n.status), ` ${formatDateTime(n.at)} · `, noticeState(n)))))
      : null,
    licence.holder_contact_history?.length
      ? h("details", {}, h("summary", {}, t("o.hc.history")),
        h("ul", {}, licence.holder_contact_history.map((c) => h("li", {},
          `${formatDateTime(c.at)} · ${c.reason} · ${t("o.hc.previous")}: `,
          [c.previous?.email, c.previous?.phone, c.previous?.address].filter(Boolean).join(", ") || "–"))))
      : null,
    licence.request_born ? null : contactForm(licence),
  );
}

function contactForm(licence) {
  const current = licence.holder_contact || {};
  const messages = h("div", { "aria-live": "polite" });
  const email = labelled({ label: t("o.hc.email"), input: h("input", { type: "email", name: "email", value: current.email || "", autocomplete: "off" }) });
  const phone = labelled({ label: t("o.hc.phone"), input: h("input", { type: "tel", name: "phone", class: "medium", value: current.phone || "", autocomplete: "off" }) });
  const address = labelled({ label: t("o.hc.address"), input: h("textarea", { name: "address", rows: 2, maxlength: 500 }, current.address || "") });
  const reason = labelled({ label: t("o.hc.reason"), input: h("textarea", { name: "reason", rows: 2, maxlength: 1000 }), required: true });
  const save = h("button", { type: "submit", class: "primary" }, t("o.hc.save"));
  const fields = { email, phone, address, reason };
  return h("details", { open: licence.holder_not_reached || undefined }, h("summary", {}, t("o.hc.edit")),
    messages,
    h("form", {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        for (const f of Object.values(fields)) f.setError("");
        replace(messages);
        const body = { reason: reason.input.value.trim() };
        for (const [name, f] of Object.entries({ email, phone, address })) {
          if (f.input.value.trim()) body[name] = f.input.value.trim();
        }
        if (!body.reason) {
          reason.setError(t("field.required"));
          reason.input.focus();
          return;
        }
        if (!body.email && !body.phone && !body.address) {
          email.setError(t("o.hc.need_one"));
          email.input.focus();
          return;
        }
        whileBusy(save, t("o.reg.saving"), async () => {
          try {
            await api(`/officer/register/licences/${encodeURIComponent(licence.licence_number)}/holder-contact`, { method: "POST", body });
            navigate(`#/register?number=${encodeURIComponent(licence.licence_number)}&contact=saved`);
          } catch (error) {
            const unplaced = [];
            for (const detail of error.details || []) {
              if (fields[detail.field]) fields[detail.field].setError(L(detail.message));
              else unplaced.push(detail);
            }
            replace(messages, alertBox(error, { unplaced }));
          }
        });
      },
    }, email.wrapper, phone.wrapper, address.wrapper, reason.wrapper, h("div", { class: "actions" }, save)));
}

function holdersNotReached(isCurrent) {
  const list = h("div", { "aria-live": "polite" }, loading());
  const saved = new URLSearchParams((location.hash.split("?")[1] || "")).get("contact") === "saved";
  (async () => {
    try {
      const { licences } = await api("/officer/register/holders-not-reached");
      if (!isCurrent()) return;
      replace(list, licences.length
        ? h("table", {},
          h("thead", {}, h("tr", {}, [t("o.reg.number"), t("o.reg.holder"), t("o.hnr.when")].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, licences.map((l) => h("tr", {},
            h("td", { class: "mono" }, h("a", { href: `#/register?number=${encodeURIComponent(l.licence_number)}` }, l.licence_number)),
            h("td", {}, l.holder),
            h("td", {}, l.holder_notices.filter((n) => n.state === "not_reached").map((n) => h("span", {},
              statusBadge(n.status), ` ${formatDateTime(n.at)} `, noticeState(n), " ")))))))
        : h("p", {}, t("o.hnr.none")));
    } catch (error) {
      if (isCurrent()) replace(list, unavailable(error));
    }
  })();
  return h(
    "section",
    { "aria-labelledby": "not-reached-title" },
    saved ? notice(t("o.hc.saved"), "success") : null,
    h("h2", { id: "not-reached-title" }, t("o.hnr.title")),
    h("p", {}, t("o.hnr.intro")),
    list,
  );
}
