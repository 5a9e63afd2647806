"""Messages to applicants, Thai first with English below (Q3.10, Q4.4, R-2.3, R-4.6).

Pure: a template name and plain data in, a subject and a body out. The notify function sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .domain import STATUS_LABELS, RequestStatus
from .fees import format_baht
from .tenant import Service, Tenant
from .thai_dates import format_english_datetime, format_thai_datetime

__all__ = ["Message", "compose"]


@dataclass(frozen=True, kw_only=True)
class Message:
    """One message, ready to send."""

    subject: str
    body: str
    sms: str


def _when(value: str | None) -> tuple[str, str]:
    if not value:
        return "-", "-"
    moment = datetime.fromisoformat(value)
    return format_thai_datetime(moment), format_english_datetime(moment)


def compose(
    template: str,
    *,
    tenant: Tenant,
    service: Service,
    request: Mapping[str, Any],
    tracking_url: str,
    extra: Mapping[str, Any] | None = None,
) -> Message:
    """The message for ``template`` about ``request``."""
    extra = extra or {}
    unit = tenant.units[service.responsible_unit]
    ref = request["id"]
    receipt = request.get("receipt_number") or "-"
    received_th, received_en = _when(request.get("deemed_received_at"))
    due_th, due_en = _when(request.get("due_at"))
    contact_th = f"สอบถามได้ที่งานสารบรรณ โทร {tenant.phones.records_office} หรือ{unit.name.th} โทร {unit.phone}"
    contact_en = f"Questions: records office {tenant.phones.records_office}, or {unit.name.en} {unit.phone}"
    track_th = f"ติดตามสถานะคำขอได้ที่ {tracking_url}"
    track_en = f"Track your request at {tracking_url}"
    head_th = f"{tenant.name.th}\nเรื่อง {service.name.th}\nเลขอ้างอิงคำขอ {ref}"
    head_en = f"{tenant.name.en}\nService: {service.name.en}\nRequest reference {ref}"

    if template == "acknowledgment":
        # Q3.10: receipt number, deemed time of receipt, phones, expected completion, tracking.
        subject = f"ได้รับคำขอแล้ว เลขรับที่ {receipt} / Request received, receipt no. {receipt}"
        th = (
            f"{head_th}\n\nหน่วยงานได้รับคำขอของท่านแล้ว\nเลขรับที่ {receipt}\n"
            f"วันและเวลาที่ถือว่าได้รับคำขอ {received_th}\n"
            f"คาดว่าจะดำเนินการแล้วเสร็จภายใน {due_th} ({service.sla_working_days} วันทำการ)\n"
            f"{track_th}\n{contact_th}"
        )
        en = (
            f"{head_en}\n\nYour request has been received.\nReceipt number {receipt}\n"
            f"Official time of receipt {received_en}\n"
            f"Expected completion by {due_en} ({service.sla_working_days} working days)\n"
            f"{track_en}\n{contact_en}"
        )
        sms = f"{tenant.name.th}: รับคำขอแล้ว เลขรับ {receipt} ติดตาม {tracking_url}"
    elif template == "more_documents":
        deadline_th, deadline_en = _when(extra.get("deadline_at"))
        what = extra.get("what") or "-"
        # The officer's reason, as written: the officer's form says the applicant will see it.
        because_th = f"เหตุผลของเจ้าหน้าที่: {extra['reason']}\n" if extra.get("reason") else ""
        because_en = f"The officer's reason: {extra['reason']}\n" if extra.get("reason") else ""
        subject = f"ขอเอกสารเพิ่มเติม คำขอ {ref} / More documents needed"
        th = (
            f"{head_th}\n\nเจ้าหน้าที่ขอให้ท่านส่งเอกสารหรือข้อมูลเพิ่มเติม: {what}\n{because_th}"
            f"กรุณาส่งภายใน {deadline_th} หากพ้นกำหนด เจ้าหน้าที่จะเสนอจำหน่ายเรื่องคำขอนี้\n{track_th}\n{contact_th}"
        )
        en = (
            f"{head_en}\n\nThe officer needs more from you: {what}\n{because_en}"
            f"Please send it by {deadline_en}. After that date the request will be proposed for dismissal.\n"
            f"{track_en}\n{contact_en}"
        )
        sms = f"{tenant.name.th}: ขอเอกสารเพิ่มเติม คำขอ {ref} ภายใน {deadline_th}"
    elif template == "payment":
        deadline_th, deadline_en = _when(extra.get("deadline_at"))
        amount = format_baht(int(request.get("fee_satang") or 0))
        subject = f"แจ้งชำระค่าธรรมเนียม {amount} บาท คำขอ {ref} / Fee notice"
        th = (
            f"{head_th}\n\nคำขอของท่านได้รับอนุมัติ กรุณาชำระค่าธรรมเนียม {amount} บาท ภายใน {deadline_th}\n"
            f"ชำระได้ด้วย QR พร้อมเพย์ บัตร หรืออัปโหลดหลักฐานการโอนเงิน ที่หน้าติดตามคำขอ\n{track_th}\n{contact_th}"
        )
        en = (
            f"{head_en}\n\nYour request was approved. Please pay the fee of {amount} baht by {deadline_en},\n"
            f"by Thai QR, card, or by uploading your transfer slip on the tracking page.\n{track_en}\n{contact_en}"
        )
        sms = f"{tenant.name.th}: ชำระค่าธรรมเนียม {amount} บาท คำขอ {ref} ภายใน {deadline_th}"
    elif template == "receipt":
        amount = format_baht(int((request.get("paid") or {}).get("amount_satang") or 0))
        subject = f"ใบเสร็จรับเงิน {amount} บาท คำขอ {ref} / Your e-receipt"
        th = (
            f"{head_th}\n\nหน่วยงานได้รับชำระค่าธรรมเนียม {amount} บาทแล้ว ใบเสร็จรับเงินอิเล็กทรอนิกส์แนบมาพร้อมนี้\n"
            f"{track_th}\n{contact_th}"
        )
        en = (
            f"{head_en}\n\nThe agency has received your fee of {amount} baht. The electronic receipt is attached.\n"
            f"{track_en}\n{contact_en}"
        )
        sms = f"{tenant.name.th}: รับชำระ {amount} บาทแล้ว คำขอ {ref}"
    elif template == "slip_rejected":
        reason = extra.get("reason") or "-"
        subject = f"หลักฐานการชำระเงินไม่ผ่านการตรวจสอบ คำขอ {ref} / Payment slip not accepted"
        th = f"{head_th}\n\nหลักฐานการชำระเงินที่ส่งมาไม่ผ่านการตรวจสอบ เหตุผล: {reason}\nกรุณาส่งใหม่ภายในกำหนด\n{track_th}"
        en = (
            f"{head_en}\n\nYour payment slip was not accepted. Reason: {reason}\n"
            f"Please send it again in time.\n{track_en}"
        )
        sms = f"{tenant.name.th}: หลักฐานการชำระเงินไม่ผ่าน คำขอ {ref}"
    elif template == "delivered":
        subject = f"ออก{service.licence.title.th}แล้ว คำขอ {ref} / Your document is ready"
        th = (
            f"{head_th}\n\nหน่วยงานได้ออก{service.licence.title.th}ให้ท่านแล้ว เอกสารแนบเป็นไฟล์อิเล็กทรอนิกส์"
            f"ที่ลงลายมือชื่ออิเล็กทรอนิกส์ของหน่วยงาน\nท่านขอรับสำเนากระดาษได้ที่หน่วยงานทุกเมื่อ\n"
            f"{track_th}\n{contact_th}"
        )
        en = (
            f"{head_en}\n\nYour {service.licence.title.en} has been issued. It is attached as an electronic "
            f"document sealed by the agency.\nYou may ask the agency for a paper copy at any time.\n"
            f"{track_en}\n{contact_en}"
        )
        sms = f"{tenant.name.th}: ออกเอกสารแล้ว คำขอ {ref} ดาวน์โหลดที่ {tracking_url}"
    else:
        status = RequestStatus(extra.get("status") or request["status"])
        label_th, label_en = STATUS_LABELS[status]
        reason = extra.get("reason") or (request.get("decision") or {}).get("reason")
        subject = f"{label_th} คำขอ {ref} / {label_en}"
        th = f"{head_th}\n\nสถานะคำขอ: {label_th}\n" + (f"เหตุผล: {reason}\n" if reason else "")
        en = f"{head_en}\n\nStatus: {label_en}\n" + (f"Reason: {reason}\n" if reason else "")
        if status is RequestStatus.REFERRED and request.get("referred_to"):
            # the reply names the agency that has the power to decide.
            th += f"กรุณายื่นคำขอต่อหน่วยงานที่มีอำนาจ: {request['referred_to']}\n"
            en += f"Please apply to the competent agency: {request['referred_to']}\n"
        th += f"{track_th}\n{contact_th}"
        en += f"{track_en}\n{contact_en}"
        sms = f"{tenant.name.th}: คำขอ {ref} {label_th}"
    return Message(subject=subject, body=f"{th}\n\n-----\n\n{en}\n", sms=sms)
