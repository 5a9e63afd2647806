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

__all__ = ["TEMPLATES", "Message", "compose"]


@dataclass(frozen=True, kw_only=True)
class Message:
    """One message, ready to send: the e-mail (subject and body) and the short text for SMS and LINE."""

    subject: str
    body: str
    sms: str
    #: the LINE text message: the short text in Thai and English, and the tracking link.
    line: str = ""


#: Every template ``compose`` knows (the notifier's entry points and the saga's notice steps).
TEMPLATES = (
    "acknowledgment",
    "more_documents",
    "approval_step",
    "approved",
    "payment",
    "receipt",
    "slip_rejected",
    "rejected",
    "referred",
    "withdrawn",
    "dismissal_proposed",
    "dismissed",
    "delivered",
    "licence_suspended",
    "licence_reinstated",
    "licence_revoked",
    "licence_expired",
)


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
    """The message for ``template`` about ``request``: Thai first, English below, on every channel."""
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
    reason = extra.get("reason") or (request.get("decision") or {}).get("reason")
    reason_th = f"เหตุผล: {reason}\n" if reason else ""
    reason_en = f"Reason: {reason}\n" if reason else ""
    attached_th = "หนังสือแจ้งที่ลงลายมือชื่ออิเล็กทรอนิกส์ของหน่วยงานแนบมาพร้อมนี้\n"
    attached_en = "The notice, sealed by the agency, is attached.\n"
    licence_th, licence_en = service.licence.title.th, service.licence.title.en
    licence_number = extra.get("licence_number") or request.get("licence_number") or "-"

    if template == "acknowledgment":
        # Q3.10: receipt number, deemed time of receipt, phones, expected completion, tracking.
        subject = f"ได้รับคำขอแล้ว เลขรับที่ {receipt} / Request received, receipt no. {receipt}"
        th = (
            f"หน่วยงานได้รับคำขอของท่านแล้ว\nเลขรับที่ {receipt}\n"
            f"วันและเวลาที่ถือว่าได้รับคำขอ {received_th}\n"
            f"คาดว่าจะดำเนินการแล้วเสร็จภายใน {due_th} ({service.sla_working_days} วันทำการ)\n"
            "หน่วยงานจะแจ้งท่านทางอีเมลทุกครั้งที่สถานะคำขอเปลี่ยนแปลง\n"
        )
        en = (
            f"Your request has been received.\nReceipt number {receipt}\n"
            f"Official time of receipt {received_en}\n"
            f"Expected completion by {due_en} ({service.sla_working_days} working days)\n"
            "We will e-mail you whenever the status of your request changes.\n"
        )
        short_th, short_en = f"รับคำขอแล้ว เลขรับ {receipt}", f"request received, receipt no. {receipt}"
    elif template == "more_documents":
        deadline_th, deadline_en = _when(extra.get("deadline_at"))
        what = extra.get("what") or "-"
        # The officer's reason, as written: the officer's form says the applicant will see it.
        because_th = f"เหตุผลของเจ้าหน้าที่: {extra['reason']}\n" if extra.get("reason") else ""
        because_en = f"The officer's reason: {extra['reason']}\n" if extra.get("reason") else ""
        subject = f"ขอเอกสารเพิ่มเติม คำขอ {ref} / More documents needed"
        th = (
            f"เจ้าหน้าที่ขอให้ท่านส่งเอกสารหรือข้อมูลเพิ่มเติม: {what}\n{because_th}"
            f"กรุณาส่งภายใน {deadline_th} หากพ้นกำหนด เจ้าหน้าที่จะเสนอจำหน่ายเรื่องคำขอนี้\n{attached_th}"
        )
        en = (
            f"The officer needs more from you: {what}\n{because_en}"
            f"Please send it by {deadline_en}. After that date the request will be proposed for dismissal.\n"
            f"{attached_en}"
        )
        short_th = f"ขอเอกสารเพิ่มเติม คำขอ {ref} ภายใน {deadline_th}"
        short_en = f"more documents needed for {ref} by {deadline_en}"
    elif template == "approval_step":
        # Q5.5: each step of the agency's workflow done.
        done_th, done_en = extra.get("done_th") or "การตรวจสอบ", extra.get("done_en") or "Review"
        next_th, next_en = extra.get("next_th") or "-", extra.get("next_en") or "-"
        subject = f"ผ่านขั้นตอน{done_th} คำขอ {ref} / {done_en} done"
        th = f"คำขอของท่านผ่านขั้นตอน{done_th}แล้ว ขั้นตอนต่อไป: {next_th}\n"
        en = f"Your request has passed {done_en}. Next: {next_en}\n"
        short_th, short_en = f"คำขอ {ref} ผ่าน{done_th}แล้ว", f"{ref}: {done_en} done"
    elif template == "approved":
        # Q5.5: approved, no fee: the licence goes to the authorised signer.
        subject = f"คำขอได้รับอนุมัติ คำขอ {ref} / Request approved"
        th = f"คำขอของท่านได้รับอนุมัติแล้ว ไม่มีค่าธรรมเนียมที่ต้องชำระ\n{licence_th}อยู่ระหว่างเสนอผู้มีอำนาจลงนาม\n"
        en = f"Your request was approved. There is no fee to pay.\nYour {licence_en} is with the authorised signer.\n"
        short_th, short_en = f"คำขอ {ref} ได้รับอนุมัติ ไม่มีค่าธรรมเนียม", f"{ref} approved, no fee"
    elif template == "payment":
        deadline_th, deadline_en = _when(extra.get("deadline_at"))
        amount = format_baht(int(request.get("fee_satang") or 0))
        subject = f"แจ้งชำระค่าธรรมเนียม {amount} บาท คำขอ {ref} / Fee notice"
        th = (
            f"คำขอของท่านได้รับอนุมัติ กรุณาชำระค่าธรรมเนียม {amount} บาท ภายใน {deadline_th}\n"
            "ชำระได้ด้วย QR พร้อมเพย์ บัตร หรืออัปโหลดหลักฐานการโอนเงิน ที่หน้าติดตามคำขอ\n"
        )
        en = (
            f"Your request was approved. Please pay the fee of {amount} baht by {deadline_en},\n"
            "by Thai QR, card, or by uploading your transfer slip on the tracking page.\n"
        )
        short_th = f"อนุมัติแล้ว ชำระค่าธรรมเนียม {amount} บาท คำขอ {ref} ภายใน {deadline_th}"
        short_en = f"approved; pay {amount} baht for {ref} by {deadline_en}"
    elif template == "receipt":
        amount = format_baht(int((request.get("paid") or {}).get("amount_satang") or 0))
        subject = f"ใบเสร็จรับเงิน {amount} บาท คำขอ {ref} / Your e-receipt"
        th = f"หน่วยงานได้รับชำระค่าธรรมเนียม {amount} บาทแล้ว ใบเสร็จรับเงินอิเล็กทรอนิกส์แนบมาพร้อมนี้\n"
        en = f"The agency has received your fee of {amount} baht. The electronic receipt is attached.\n"
        short_th, short_en = f"รับชำระ {amount} บาทแล้ว คำขอ {ref}", f"payment of {amount} baht confirmed"
    elif template == "slip_rejected":
        subject = f"หลักฐานการชำระเงินไม่ผ่านการตรวจสอบ คำขอ {ref} / Payment slip not accepted"
        th = f"หลักฐานการชำระเงินที่ส่งมาไม่ผ่านการตรวจสอบ {reason_th}กรุณาส่งใหม่ภายในกำหนด\n"
        en = f"Your payment slip was not accepted. {reason_en}Please send it again in time.\n"
        short_th, short_en = f"หลักฐานการชำระเงินไม่ผ่าน คำขอ {ref}", "payment slip not accepted"
    elif template == "rejected":
        subject = _status_subject(RequestStatus.REJECTED, ref)
        th = f"หน่วยงานพิจารณาแล้วไม่อนุญาตตามคำขอ\n{reason_th}หนังสือแจ้งผลการพิจารณาพร้อมสิทธิอุทธรณ์แนบมาพร้อมนี้\n"
        en = f"The agency has refused the request.\n{reason_en}The decision letter, with how to appeal, is attached.\n"
        short_th, short_en = f"คำขอ {ref} ไม่ได้รับอนุญาต", f"{ref} refused; the letter is in your e-mail"
    elif template == "referred":
        # the reply names the agency that has the power to decide.
        to = request.get("referred_to") or "-"
        subject = _status_subject(RequestStatus.REFERRED, ref)
        th = f"คำขอนี้ไม่อยู่ในอำนาจของ{tenant.name.th}\n{reason_th}กรุณายื่นคำขอต่อหน่วยงานที่มีอำนาจ: {to}\n{attached_th}"
        en = f"This request is not for {tenant.name.en} to decide.\n{reason_en}Please apply to: {to}\n{attached_en}"
        short_th, short_en = f"คำขอ {ref} ต้องยื่นต่อ {to}", f"{ref}: please apply to {to}"
    elif template == "withdrawn":
        subject = _status_subject(RequestStatus.WITHDRAWN, ref)
        th = f"หน่วยงานได้รับการถอนคำขอของท่านแล้ว และยุติการพิจารณา\n{attached_th}"
        en = f"Your withdrawal has been recorded and the request is closed.\n{attached_en}"
        short_th, short_en = f"ถอนคำขอ {ref} แล้ว", f"{ref} withdrawn"
    elif template == "dismissal_proposed":
        subject = _status_subject(RequestStatus.DISMISSAL_PROPOSED, ref)
        th = (
            f"เจ้าหน้าที่เสนอให้จำหน่ายเรื่องคำขอของท่าน\n{reason_th}"
            f"หัวหน้าส่วนราชการจะพิจารณาสั่งการ หากท่านยังประสงค์ให้พิจารณาคำขอ กรุณาติดต่อหน่วยงานโดยเร็ว\n{attached_th}"
        )
        en = (
            f"The officer has proposed to dismiss your request.\n{reason_en}"
            f"The head of the agency will decide. If you still want it decided, contact the agency soon.\n"
            f"{attached_en}"
        )
        short_th, short_en = f"เสนอจำหน่ายเรื่องคำขอ {ref}", f"dismissal of {ref} proposed"
    elif template == "dismissed":
        subject = _status_subject(RequestStatus.DISMISSED, ref)
        th = (
            f"หัวหน้าส่วนราชการสั่งจำหน่ายเรื่องคำขอของท่าน\n{reason_th}"
            f"ท่านยื่นคำขอใหม่ได้ทุกเมื่อ และมีสิทธิอุทธรณ์คำสั่งต่อ{tenant.head_title.th} ภายใน 15 วันนับแต่วันที่ได้รับแจ้ง\n"
            f"{attached_th}"
        )
        en = (
            f"The head of the agency has dismissed your request.\n{reason_en}"
            f"You may apply again at any time, and appeal to the {tenant.head_title.en} within 15 days.\n"
            f"{attached_en}"
        )
        short_th, short_en = f"คำขอ {ref} ถูกจำหน่ายเรื่อง", f"{ref} dismissed"
    elif template == "delivered":
        subject = f"ออก{licence_th}แล้ว คำขอ {ref} / Your document is ready"
        th = (
            f"หน่วยงานได้ออก{licence_th}ให้ท่านแล้ว เอกสารแนบเป็นไฟล์อิเล็กทรอนิกส์"
            "ที่ลงลายมือชื่ออิเล็กทรอนิกส์ของหน่วยงาน\nท่านขอรับสำเนากระดาษได้ที่หน่วยงานทุกเมื่อ\n"
        )
        en = (
            f"Your {licence_en} has been issued. It is attached as an electronic "
            "document sealed by the agency.\nYou may ask the agency for a paper copy at any time.\n"
        )
        short_th, short_en = f"ออก{licence_th}แล้ว คำขอ {ref}", f"your {licence_en} is issued"
    elif template in _LICENCE_STATUS:
        what_th, what_en = _LICENCE_STATUS[template]
        since_th, since_en = _when(extra.get("effective_at"))
        until = extra.get("until")
        subject = f"{licence_th} เลขที่ {licence_number} {what_th} / Licence {what_en}"
        th = f"{licence_th} เลขที่ {licence_number} ของท่าน{what_th} ตั้งแต่ {since_th}\n"
        en = f"Your {licence_en} no. {licence_number} is {what_en} from {since_en}.\n"
        if until:
            th += f"จนถึงวันที่ {until}\n"
            en += f"Until {until}.\n"
        th += reason_th + attached_th
        en += reason_en + attached_en
        short_th, short_en = f"ใบอนุญาต {licence_number} {what_th}", f"licence {licence_number} {what_en}"
    else:
        status = RequestStatus(extra.get("status") or request["status"])
        label_th, label_en = STATUS_LABELS[status]
        subject = f"{label_th} คำขอ {ref} / {label_en}"
        th = f"สถานะคำขอ: {label_th}\n{reason_th}"
        en = f"Status: {label_en}\n{reason_en}"
        short_th, short_en = f"คำขอ {ref} {label_th}", f"{ref}: {label_en}"
    body = f"{head_th}\n\n{th}{track_th}\n{contact_th}\n\n-----\n\n{head_en}\n\n{en}{track_en}\n{contact_en}\n"
    return Message(
        subject=subject,
        body=body,
        sms=f"{tenant.name.th}: {short_th} / {short_en} {tracking_url}",
        line=f"{tenant.name.th}\n{short_th}\n{short_en}\n{tracking_url}",
    )


def _status_subject(status: RequestStatus, ref: str) -> str:
    label_th, label_en = STATUS_LABELS[status]
    return f"{label_th} คำขอ {ref} / {label_en}"


#: The licence status notices (R-5.4): what happened, in Thai and in English.
_LICENCE_STATUS: dict[str, tuple[str, str]] = {
    "licence_suspended": ("ถูกพักใช้", "suspended"),
    "licence_reinstated": ("กลับมามีผลใช้บังคับ", "in force again"),
    "licence_revoked": ("ถูกเพิกถอน", "revoked"),
    "licence_expired": ("สิ้นอายุ", "expired"),
}
