// What the officer pages share: the officer's session and groups, and labels for roles and steps.

import { api } from "../../js/core/api.js";
import { addMessages } from "../../js/core/i18n.js";
import { navigate } from "../../js/core/router.js";
import { createSession } from "../../js/core/session.js";

export const session = createSession("officer");
export const SITE = { th: "ระบบงานเจ้าหน้าที่", en: "Officer workspace" };

addMessages({
  "role.reviewer": { th: "เจ้าหน้าที่ตรวจสอบ", en: "Reviewer" },
  "role.approver": { th: "ผู้พิจารณาอนุมัติ", en: "Approver" },
  "role.signer": { th: "ผู้มีอำนาจลงนาม", en: "Authorised signer" },
  "role.finance": { th: "เจ้าหน้าที่การเงิน", en: "Finance" },
  "role.head": { th: "หัวหน้าหน่วยงาน", en: "Head of agency" },
  "role.admin": { th: "ผู้ดูแลระบบ", en: "Administrator" },
  "role.records": { th: "เจ้าหน้าที่สารบรรณ", en: "Records officer" },
  "step.review": { th: "ตรวจสอบคำขอและเอกสาร", en: "Review" },
  "step.approval": { th: "พิจารณาอนุมัติ", en: "Approval" },
  "step.signature": { th: "ลงนามใบอนุญาต", en: "Signature" },
  "step.dismissal": { th: "พิจารณาจำหน่ายเรื่อง", en: "Dismissal" },
  "step.unreachable": { th: "ติดต่อผู้ยื่นไม่ได้ (รอ 30 วัน)", en: "Applicant unreachable (30 days)" },
  "step.payment": { th: "ยืนยันการชำระเงิน", en: "Payment" },
  "step.more_documents": { th: "รอเอกสารเพิ่มเติมจากผู้ยื่น", en: "Waiting for the applicant's documents" },
  "sla.on_track": { th: "ตามกำหนด", en: "On track" },
  "sla.due_soon": { th: "ใกล้ครบกำหนด", en: "Due soon" },
  "sla.overdue": { th: "เกินกำหนด", en: "Overdue" },
  "sla.none": { th: "ไม่นับเวลา", en: "No clock" },
  // Q4.5: the clock is stopped while the applicant has the request (more documents, payment).
  "sla.waiting_for_applicant": { th: "รอผู้ยื่นคำขอ (หยุดนับเวลา)", en: "Waiting for the applicant (clock stopped)" },
});

let me = null;

/** {email, groups} of the signed-in officer (GET /api/officer/me), read once per sign-in. */
export async function currentOfficer() {
  if (me) return me;
  const user = session.user();
  try {
    me = await api("/officer/me");
  } catch (error) {
    // 403: signed in to a cell's shared officer pool, but not an officer of this agency (auth.other_agency);
    // the pages show the API's message instead of the token's groups, which are another agency's.
    if (error.status === 401 || error.status === 403) throw error;
    // Without the route, fall back to the token (real Cognito puts the groups there).
    me = { email: user?.email || "", groups: user?.groups || [], fromToken: true };
  }
  return me;
}

export function forgetOfficer() {
  me = null;
}

/** Pages that need a signed-in officer call this first. */
export function requireSignIn() {
  if (session.token()) return true;
  navigate(`#/signin?next=${encodeURIComponent(location.hash || "#/")}`, { replace: true });
  return false;
}
