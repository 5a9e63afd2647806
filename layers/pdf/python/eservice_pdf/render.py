"""The documents the e-Service sends to citizens and publishes, rendered as Thai PDFs.

Every document is driven by the tenant file and the service definition: names, phones, units, the form
schema (labels, choice options) and the licence template come from configuration, the per-request data
from the frozen ``*Data`` inputs below. Each ``render_*`` function returns the PDF bytes, unsigned;
the sign function seals them afterwards (R-4.1, R-4.3-4.5).

Citizen documents: the licence (Q7.5, Act §13(1) QR code), the acknowledgment of receipt (R-2.3, Q3.10),
the refusal letter (R-4.1), the fee invoice (Q6.1), the electronic receipt (Q6.6) and the notice of a
change of licence status (R-5.4). Agency documents, worded after the OPDC templates (seed 003): the
announcement of electronic channels (Act §10), the announcement of electronic licence display
(Act §13(1)), the announcement of electronic payment (standard §3.5(2), R-3.5) and the order
designating the internal electronic system (Act §16, R-3.6). They are rendered from the content an
administrator drafted (``eservice.announcements``), with the number, date and signer of their one issue.

Dates are written the Thai way, in the Buddhist era and Bangkok time; ``thai_digits=True`` writes
dates, amounts and counts in Thai digits, as many agencies do on official papers. On the citizen
documents, reference numbers, phone numbers, URLs and e-mail addresses keep ASCII digits so that they
can be typed back; the announcements and the order use Thai digits throughout, except in URLs and
e-mail addresses. A document rendered twice from the same input is the same file (its creation date
is the event it records), so a retried step produces identical bytes.

Importing this module is cheap: fpdf2, the font and the word segmenter load on the first render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from eservice.tenant import FieldType, FormField, Service, Tenant
from eservice.thai_dates import format_thai_date, format_thai_datetime, to_thai_digits
from eservice.time_rules import BANGKOK, buddhist_year
from eservice_pdf.thai_text import baht_text, format_baht, format_number

if TYPE_CHECKING:
    from eservice_pdf.document import FieldRow, ThaiDocument

__all__ = [
    "REQUEST_NOTICES",
    "VERIFY_CAPTION",
    "AcknowledgmentData",
    "AnnouncementIssue",
    "InvoiceData",
    "LicenceData",
    "NoticeData",
    "ReceiptData",
    "RefusalData",
    "RenderError",
    "RequestNoticeData",
    "format_answer",
    "render_acknowledgment",
    "render_announcement",
    "render_channels_announcement",
    "render_display_announcement",
    "render_fee_invoice",
    "render_internal_systems_order",
    "render_licence",
    "render_payment_announcement",
    "render_receipt",
    "render_refusal",
    "render_request_notice",
    "render_status_notice",
]

#: Caption under the licence's QR code (Act §13(1): a QR code that opens the electronic licence).
VERIFY_CAPTION = "สแกนเพื่อตรวจสอบความถูกต้อง / Scan to verify"

_ACT = "พระราชบัญญัติการปฏิบัติราชการทางอิเล็กทรอนิกส์ พ.ศ. 2565"
# Keeps a phone number or an address on the same line as the word that introduces it.
_NBSP = "\u00a0"


class RenderError(ValueError):
    """A document that cannot be produced from this configuration; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LicenceData:
    """An issued licence (Q7.5): its number, the holder, the answers of the request and where to verify it.

    ``issued_at`` is an aware datetime; ``valid_until`` None means the licence has no expiry.
    ``answers`` are the e-Form answers by field name, as validated (dates as ``date`` or ISO strings).
    """

    licence_number: str
    request_reference: str
    issued_at: datetime
    valid_until: date | None
    answers: Mapping[str, Any]
    verify_url: str
    holder_name: str
    #: Q7.1: the officer fields of the service's licence template, by name, as validated.
    additions: Mapping[str, Any] = dataclass_field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AcknowledgmentData:
    """The acknowledgment of a submission (R-2.3, Q3.10).

    ``receipt_number`` is the number in the receiving register ("12/2569"); ``deemed_received_at`` is
    the time of receipt under Act §10 (R-2.4), which differs from ``submitted_at`` outside office hours.
    ``declaration_hash`` is the hex digest kept as evidence of the signed declaration (Q3.8).
    """

    receipt_number: str
    request_reference: str
    applicant_name: str
    submitted_at: datetime
    deemed_received_at: datetime
    expected_completion: datetime
    tracking_url: str
    attachments: Sequence[str]
    declaration_hash: str


@dataclass(frozen=True, kw_only=True)
class RefusalData:
    """A refusal (R-4.1): the reasons, the legal basis if any, and how to appeal."""

    request_reference: str
    applicant_name: str
    decided_at: datetime
    reasons: Sequence[str]
    legal_basis: str | None
    appeal: str


@dataclass(frozen=True, kw_only=True)
class InvoiceData:
    """A fee invoice (Q6.1). ``lines`` are (description, satang) adding up to ``amount_satang``;
    ``qr_payload`` is a Thai QR bill payment. ``issued_at``, if known, dates the file.
    """

    invoice_number: str
    request_reference: str
    payer_name: str
    amount_satang: int
    due_at: datetime
    qr_payload: str
    lines: Sequence[tuple[str, int]]
    issued_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ReceiptData:
    """An electronic receipt (Q6.6). ``channel`` is a payment channel id ("thai_qr", ...) or a description."""

    receipt_number: str
    request_reference: str
    payer_name: str
    amount_satang: int
    paid_at: datetime
    channel: str
    transaction_reference: str


@dataclass(frozen=True, kw_only=True)
class NoticeData:
    """A change of a licence's status (R-5.1, R-5.4); ``until`` ends a suspension."""

    licence_number: str
    holder_name: str
    new_status: Literal["suspended", "revoked", "expired", "in_force"]
    reason: str
    effective_at: datetime
    until: date | None


@dataclass(frozen=True, kw_only=True)
class RequestNoticeData:
    """A notice about a request (R-4.3-R-4.5): more documents needed, referral, dismissal proposed or
    ordered, withdrawal. ``what`` is the notice's kind (a key of ``REQUEST_NOTICES``)."""

    what: Literal["more_documents", "referred", "withdrawn", "dismissal_proposed", "dismissed"]
    request_reference: str
    receipt_number: str | None
    applicant_name: str
    issued_at: datetime
    reason: str | None
    deadline: datetime | None = None
    needed: str | None = None
    referred_to: str | None = None


#: kind: (Thai title, English title)
REQUEST_NOTICES: dict[str, tuple[str, str]] = {
    "more_documents": ("หนังสือแจ้งให้ส่งเอกสารหรือข้อมูลเพิ่มเติม", "Notice: more documents needed"),
    "referred": ("หนังสือแจ้งหน่วยงานที่มีอำนาจพิจารณาคำขอ", "Notice of referral to the competent agency"),
    "withdrawn": ("หนังสือแจ้งการถอนคำขอ", "Notice of withdrawal"),
    "dismissal_proposed": ("หนังสือแจ้งการเสนอจำหน่ายเรื่อง", "Notice: dismissal proposed"),
    "dismissed": ("คำสั่งจำหน่ายเรื่องคำขอ", "Order dismissing the request"),
}


# -- formatting ---------------------------------------------------------------------------------------


def _thai_date(value: date | datetime, thai_digits: bool) -> str:
    return format_thai_date(value, thai_digits=thai_digits)


def _thai_datetime(value: datetime, thai_digits: bool) -> str:
    return format_thai_datetime(value, thai_digits=thai_digits)


def _formal_date(value: date, thai_digits: bool) -> str:
    """ "1 มกราคม พ.ศ. 2569": the dating line of an announcement or order."""
    day_month, year = format_thai_date(value, thai_digits=thai_digits).rsplit(" ", 1)
    return f"{day_month} พ.ศ. {year}"


def _count(value: int, thai_digits: bool) -> str:
    return format_number(value, thai_digits=thai_digits)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):  # a datetime is a date too; format_thai_date takes both
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_answer(field: FormField, value: Any, *, thai_digits: bool = False) -> str:
    """An e-Form answer as printed on a document: choices by their Thai labels, numbers with thousands
    separators, dates the Thai way (Buddhist era), yes/no in Thai; a missing answer is "-".
    """
    if value is None or value == "" or value == [] or value == ():
        return "-"
    labels = {option.value: option.label.th for option in field.options}
    if field.type is FieldType.CHOICE:
        return labels.get(str(value), str(value))
    if field.type is FieldType.CHECKLIST:
        values = [value] if isinstance(value, str) else list(value)
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if field.type is FieldType.BOOLEAN:
        return "ใช่" if value is True or str(value).lower() in ("true", "1", "yes") else "ไม่ใช่"
    if field.type is FieldType.DATE:
        day = _as_date(value)
        return _thai_date(day, thai_digits) if day else str(value)
    if field.type in (FieldType.INTEGER, FieldType.NUMBER):
        number = _as_number(value)
        if number is None or not number.is_finite():
            return str(value)
        if number == number.to_integral_value():
            return format_number(int(number), thai_digits=thai_digits)
        text = f"{number.normalize():,f}"
        return to_thai_digits(text) if thai_digits else text
    return str(value)


_STATUS: dict[str, tuple[str, str, str]] = {
    # status: (Thai title, English title, Thai status word)
    "suspended": ("หนังสือแจ้งการพักใช้ใบอนุญาต", "Notice of licence suspension", "พักใช้"),
    "revoked": ("หนังสือแจ้งการเพิกถอนใบอนุญาต", "Notice of licence revocation", "เพิกถอน"),
    "expired": ("หนังสือแจ้งใบอนุญาตสิ้นอายุ", "Notice of licence expiry", "สิ้นอายุ"),
    "in_force": (
        "หนังสือแจ้งการกลับมามีผลใช้บังคับของใบอนุญาต",
        "Notice that a licence is in force again",
        "มีผลใช้บังคับ",
    ),
}

# Payment channels as the invoice explains them (Q6.1, Q6.2, R-3.5) and as the receipt names them (Q6.6).
_CHANNEL_NAMES: dict[str, str] = {
    "thai_qr": "Thai QR Payment (สแกนคิวอาร์โค้ด)",
    "card": "บัตรเครดิตหรือบัตรเดบิต",
    "bank_counter": "ชำระที่เคาน์เตอร์ธนาคาร",
    "slip_upload": "โอนเงินเข้าบัญชีและแนบหลักฐานการชำระเงิน",
}

_WEEKDAYS = {
    "mon": "วันจันทร์",
    "tue": "วันอังคาร",
    "wed": "วันพุธ",
    "thu": "วันพฤหัสบดี",
    "fri": "วันศุกร์",
    "sat": "วันเสาร์",
    "sun": "วันอาทิตย์",
}


def _channel_explanation(channel: str, tenant: Tenant) -> str:
    account = f"{tenant.payment.account_name.th} {tenant.payment.bank.th}"
    explanations = {
        "thai_qr": "สแกนคิวอาร์โค้ดในใบแจ้งชำระนี้ด้วยแอปพลิเคชันของธนาคารใดก็ได้ (Thai QR Payment) "
        "ระบบจะตรวจสอบการชำระเงินและดำเนินการต่อให้โดยอัตโนมัติ",
        "card": "ชำระด้วยบัตรเครดิตหรือบัตรเดบิตผ่านระบบ e-Service ระบบจะตรวจสอบการชำระเงินให้โดยอัตโนมัติ",
        "bank_counter": f"ชำระที่เคาน์เตอร์ธนาคาร เข้าบัญชี{account} โดยแจ้งเลขที่ใบแจ้งชำระนี้ "
        "แล้วแนบหลักฐานการชำระเงินในระบบ e-Service",
        "slip_upload": f"โอนเงินเข้าบัญชี{account} แล้วแนบหลักฐานการโอนเงิน (สลิป) ในระบบ e-Service",
    }
    return explanations.get(channel, channel)


# -- documents for the applicant ----------------------------------------------------------------------


def _new_document(
    tenant: Tenant,
    *,
    title: str,
    reference: str | None,
    created_at: datetime | date | None,
    letterhead: bool = True,
) -> ThaiDocument:
    # fpdf2 takes about 0.4 s to import: only pay for it when a document is actually rendered.
    from eservice_pdf.document import ThaiDocument

    if created_at is not None and not isinstance(created_at, datetime):
        # An announcement is dated by the day: its file is dated at the start of that day, Bangkok time.
        created_at = datetime.combine(created_at, time(0, 0), tzinfo=BANGKOK)
    return ThaiDocument(tenant=tenant, title=title, reference=reference, letterhead=letterhead, created_at=created_at)


def _row(label: str, value: str, label_en: str | None = None, *, name: bool = False) -> FieldRow:
    from eservice_pdf.document import FieldRow

    # A person's name is not cut between the words a segmenter finds in it ("ศรี|สุข").
    return FieldRow(label=label, value=value, label_en=label_en, break_words=not name)


def _contact(doc: ThaiDocument, tenant: Tenant, service: Service) -> None:
    """Whom to call: the records office and the unit responsible for the service (R-2.3)."""
    unit = tenant.units[service.responsible_unit]
    text = (
        f"ติดต่อสอบถาม / Contact: งานสารบรรณ{tenant.name.th} โทร.{_NBSP}{tenant.phones.records_office}  "
        f"{unit.name.th} โทร.{_NBSP}{unit.phone}"
    )
    if unit.email:
        text += f" อีเมล{_NBSP}{unit.email}"
    doc.ln(1)
    doc.paragraph(text, size=9.5)


def render_licence(
    tenant: Tenant, service: Service, data: LicenceData, *, thai_digits: bool = False, draft: bool = False
) -> bytes:
    """The electronic licence (Q7.5): the template's title and fields, what the officers added (Q7.1),
    validity, conditions, the signer's title and a QR code that opens the electronic licence for
    verification (Act §13(1)). ``draft=True`` marks every page "ร่าง / DRAFT" (the copy the signer reads);
    the copy that is sealed is rendered from the same data without the mark.
    """
    template = service.licence
    doc = _new_document(tenant, title=template.title.th, reference=data.licence_number, created_at=data.issued_at)
    doc.title_block(template.title.th, template.title.en)

    rows = [
        _row("เลขที่ใบอนุญาต", data.licence_number, "Licence No."),
        _row("ผู้รับอนุญาต", data.holder_name, "Licence holder", name=True),
    ]
    for name in template.fields:
        field = service.field(name)
        value = format_answer(field, data.answers.get(name), thai_digits=thai_digits)
        # The applicant's own name is already printed as the holder.
        if field.prefill == "full_name" and value == data.holder_name:
            continue
        rows.append(_row(field.label.th, value, field.label.en, name=field.prefill == "full_name"))
    added_conditions: list[str] = []
    for field in template.officer_fields:
        if field.name not in data.additions:
            continue
        if field.type == FieldType.TEXTAREA:
            added_conditions.append(str(data.additions[field.name]))
            continue
        rows.append(
            _row(
                field.label.th,
                format_answer(field, data.additions[field.name], thai_digits=thai_digits),
                field.label.en,
            )
        )
    rows.append(_row("วันที่ออกใบอนุญาต", _thai_date(data.issued_at, thai_digits), "Date of issue"))
    if data.valid_until is not None:
        rows.append(_row("ใช้ได้ถึงวันที่", _thai_date(data.valid_until, thai_digits), "Valid until"))
    else:
        rows.append(_row("อายุใบอนุญาต", "ไม่มีกำหนดอายุ", "Validity"))
    rows.append(_row("เลขอ้างอิงคำขอ", data.request_reference, "Request reference"))
    doc.field_table(rows)

    if template.conditions or added_conditions:
        doc.section_heading("เงื่อนไข / Conditions")
        for number, condition in enumerate(template.conditions, start=1):
            label = f"{_count(number, thai_digits)}."
            doc.paragraph(condition.th, indent=8, bullet=label, space_after=0)
            doc.paragraph(condition.en, indent=8, size=9, grey=True, space_after=1.5)
        # Q7.1: conditions the officers added for this licence, as they wrote them.
        for number, condition in enumerate(added_conditions, start=len(template.conditions) + 1):
            doc.paragraph(condition, indent=8, bullet=f"{_count(number, thai_digits)}.", space_after=1.5)

    _qr_and_signature(
        doc,
        qr_payload=data.verify_url,
        caption=f"{VERIFY_CAPTION}\n{data.verify_url}",
        signature=[
            "ลงลายมือชื่ออิเล็กทรอนิกส์",
            tenant.signing.signer_title.th,
            tenant.signing.signer_title.en,
            f"ออกให้ ณ วันที่ {_thai_date(data.issued_at, thai_digits)}",
        ],
    )
    if draft:
        _watermark(doc, DRAFT_MARK)
    return doc.to_bytes()


#: The mark across every page of a draft licence; never on the sealed copy.
DRAFT_MARK = "ร่าง / DRAFT"


def _watermark(doc: ThaiDocument, text: str) -> None:
    """``text`` large, red and translucent, diagonally across the middle of every page."""
    from eservice_pdf.document import FONT_FAMILY

    current = doc.page
    size = 96
    for number in range(1, doc.pages_count + 1):
        doc.page = number
        doc.set_font(FONT_FAMILY, "B", size)
        width = doc.get_string_width(text)
        # Centred on the page: the baseline sits a third of the font's height (pt to mm) below the middle.
        x, y = (doc.w - width) / 2, doc.h / 2
        with doc.local_context(fill_opacity=0.18, text_color=(200, 30, 30)), doc.rotation(45, x=doc.w / 2, y=y):
            doc.text(x, y + size * 0.3528 / 3, text)
    doc.page = current


def _beside_qr(
    doc: ThaiDocument, text: Callable[[float], None], *, payload: str, caption: str, size: float = 28
) -> None:
    """A QR code at the right margin with its caption, and text written beside it on the left."""
    doc.keep_space(size + 14)
    top = doc.get_y()
    doc.qr_code(payload, size=size, x=doc.w - doc.r_margin - size, caption=caption, caption_width=size + 10)
    below_qr = doc.get_y()
    doc.set_y(top)
    text(size + 14)
    doc.set_y(max(below_qr, doc.get_y()))


def _qr_and_signature(doc: ThaiDocument, *, qr_payload: str, caption: str, signature: Sequence[str]) -> None:
    """A QR code on the left and the signature block on the right, side by side on one page."""
    size = 34.0
    doc.keep_space(size + 24)
    doc.ln(4)
    top = doc.get_y()
    doc.qr_code(qr_payload, size=size, caption=caption, caption_width=84)
    below_qr = doc.get_y()
    doc.set_y(top)
    doc.signature_block(signature, top_gap=6)
    doc.set_y(max(below_qr, doc.get_y()))


def render_acknowledgment(
    tenant: Tenant, service: Service, data: AcknowledgmentData, *, thai_digits: bool = False
) -> bytes:
    """The acknowledgment of receipt (R-2.3, Q3.10): receipt number, time of receipt the Thai way, the
    phones of the records office and of the responsible unit, the expected completion and how to track.
    """
    doc = _new_document(
        tenant, title="ใบตอบรับการยื่นคำขอ", reference=data.request_reference, created_at=data.submitted_at
    )
    doc.title_block("ใบตอบรับการยื่นคำขอ", "Acknowledgment of receipt")
    doc.paragraph(
        f"{tenant.name.th}ได้รับคำขอของท่านทางระบบบริการอิเล็กทรอนิกส์ (e-Service) และลงทะเบียนรับไว้แล้ว ตามรายละเอียดดังนี้",
        space_after=3,
    )
    attachments = (
        "\n".join(f"{_count(n, thai_digits)}. {name}" for n, name in enumerate(data.attachments, start=1))
        if data.attachments
        else "-"
    )
    doc.field_table(
        [
            _row("เลขรับ", data.receipt_number, "Receipt No."),
            _row("เลขอ้างอิงคำขอ", data.request_reference, "Request reference"),
            _row("บริการ", service.name.th, "Service"),
            _row("ผู้ยื่นคำขอ", data.applicant_name, "Applicant", name=True),
            _row("วันและเวลาที่ส่งคำขอ", _thai_datetime(data.submitted_at, thai_digits), "Sent"),
            _row("วันและเวลาที่ได้รับคำขอ", _thai_datetime(data.deemed_received_at, thai_digits), "Received"),
            _row(
                "กำหนดแล้วเสร็จ",
                f"ภายในวันที่ {_thai_date(data.expected_completion, thai_digits)} "
                f"({_count(service.sla_working_days, thai_digits)} วันทำการนับแต่วันที่ได้รับคำขอ)",
                "Expected completion",
            ),
            _row(
                f"เอกสารแนบ ({_count(len(data.attachments), thai_digits)} ไฟล์)",
                attachments,
                "Attachments",
            ),
        ]
    )
    if data.deemed_received_at != data.submitted_at:
        # outside office hours a submission is received at the start of the next working day.
        doc.paragraph(
            "คำขอนี้เข้าสู่ระบบนอกวันและเวลาราชการ จึงถือว่าได้รับและลงทะเบียนรับในวันและเวลาราชการถัดไป "
            f"(มาตรา {_count(10, thai_digits)} แห่ง{_digits(_ACT, thai_digits)})",
            size=9.5,
            grey=True,
        )

    doc.section_heading("การติดตามสถานะคำขอ / Tracking")
    _beside_qr(
        doc,
        lambda inset: doc.paragraph(
            f"ติดตามสถานะคำขอได้ที่ {data.tracking_url} หรือสแกนคิวอาร์โค้ด โดยใช้เลขอ้างอิงคำขอ "
            f"{data.request_reference} ระบบจะแจ้งความคืบหน้าให้ทราบทางช่องทางที่ท่านใช้ยื่นคำขอ",
            right_inset=inset,
        ),
        payload=data.tracking_url,
        caption="สแกนเพื่อติดตามสถานะ\nScan to track",
    )

    _contact(doc, tenant, service)
    doc.ln(2)
    doc.paragraph(
        f"ค่าตรวจสอบคำรับรองของผู้ยื่นคำขอ (SHA-256): {data.declaration_hash}",
        size=8.5,
        grey=True,
    )
    doc.paragraph(
        "ท่านอาจบันทึกภาพหน้าจอหรือเก็บใบตอบรับนี้ไว้เป็นหลักฐานการยื่นคำขอ",
        size=8.5,
        grey=True,
    )
    return doc.to_bytes()


def render_refusal(tenant: Tenant, service: Service, data: RefusalData, *, thai_digits: bool = False) -> bytes:
    """The refusal letter (R-4.1): the reasons, the legal basis, the right of appeal and whom to ask."""
    doc = _new_document(
        tenant,
        title="หนังสือแจ้งผลการพิจารณาคำขอ",
        reference=data.request_reference,
        created_at=data.decided_at,
    )
    doc.title_block("หนังสือแจ้งผลการพิจารณาคำขอ", "Notice of refusal")
    doc.paragraph(f"วันที่ {_thai_date(data.decided_at, thai_digits)}", align="R", space_after=3)
    doc.paragraph(f"เรื่อง  แจ้งผลการพิจารณาคำขอ{service.name.th}", space_after=1)
    doc.paragraph(f"เรียน  {data.applicant_name}", space_after=1)
    doc.paragraph(f"อ้างถึง  คำขอเลขอ้างอิง {data.request_reference}", space_after=3)
    doc.paragraph(
        f"ตามที่ท่านได้ยื่นคำขอ{service.name.th} ทางระบบบริการอิเล็กทรอนิกส์ของ{tenant.name.th} นั้น "
        f"{tenant.name.th}ได้พิจารณาคำขอของท่านแล้ว ไม่อาจอนุญาตได้ ด้วยเหตุผลดังต่อไปนี้",
        first_line_indent=18,
    )
    doc.numbered_list(
        list(data.reasons),
        numbers=[f"{_count(n, thai_digits)}." for n in range(1, len(data.reasons) + 1)],
    )
    if data.legal_basis:
        doc.paragraph(f"ทั้งนี้ เป็นไปตาม{data.legal_basis}", first_line_indent=18)
    doc.section_heading("สิทธิอุทธรณ์ / Right of appeal")
    doc.paragraph(data.appeal, first_line_indent=18)
    doc.paragraph("จึงเรียนมาเพื่อโปรดทราบ", first_line_indent=18, space_after=0)
    doc.signature_block(["ขอแสดงความนับถือ", "", "ลงลายมือชื่ออิเล็กทรอนิกส์", tenant.signing.signer_title.th], top_gap=6)
    _contact(doc, tenant, service)
    return doc.to_bytes()


def render_fee_invoice(tenant: Tenant, service: Service, data: InvoiceData, *, thai_digits: bool = False) -> bytes:
    """The fee invoice (Q6.1): the amount in figures and in Thai words, the payment channels of the tenant,
    the Thai QR code, the deadline and what happens after it (Q6.8), the account and how to report payment.
    """
    lines_total = sum(amount for _, amount in data.lines)
    if data.lines and lines_total != data.amount_satang:
        raise RenderError(
            "invoice.total_mismatch",
            f"invoice lines add up to {lines_total} satang, not the amount {data.amount_satang}",
        )
    doc = _new_document(tenant, title="ใบแจ้งชำระค่าธรรมเนียม", reference=data.invoice_number, created_at=data.issued_at)
    doc.title_block("ใบแจ้งชำระค่าธรรมเนียม", "Fee invoice")
    doc.field_table(
        [
            _row("เลขที่ใบแจ้งชำระ", data.invoice_number, "Invoice No."),
            _row("เลขอ้างอิงคำขอ", data.request_reference, "Request reference"),
            _row("บริการ", service.name.th, "Service"),
            _row("ผู้ชำระเงิน", data.payer_name, "Payer", name=True),
            _row("ชำระภายใน", _thai_datetime(data.due_at, thai_digits), "Due"),
        ]
    )
    items = list(data.lines) or [(f"ค่าธรรมเนียม{service.name.th}", data.amount_satang)]
    doc.amount_table(
        [(text, format_baht(amount, thai_digits=thai_digits)) for text, amount in items],
        total=("รวมเงินที่ต้องชำระ", format_baht(data.amount_satang, thai_digits=thai_digits)),
        in_words=baht_text(data.amount_satang),
    )
    if service.fee is not None:
        doc.paragraph(f"อัตราค่าธรรมเนียม: {service.fee.description.th}", size=9.5, grey=True)

    channels = tenant.payment.channels
    doc.section_heading("ช่องทางการชำระเงิน / How to pay")

    def how_to_pay(inset: float) -> None:
        doc.numbered_list(
            [_channel_explanation(c, tenant) for c in channels],
            numbers=[f"{_count(n, thai_digits)}." for n in range(1, len(channels) + 1)],
            right_inset=inset,
        )

    if "thai_qr" in channels:
        _beside_qr(
            doc,
            how_to_pay,
            payload=data.qr_payload,
            caption=f"Thai QR Payment\n{format_baht(data.amount_satang, thai_digits=thai_digits)}",
            size=36,
        )
    else:
        how_to_pay(0.0)
    payment = tenant.payment
    doc.paragraph(
        f"บัญชีผู้รับเงิน / Payee: {payment.account_name.th} {payment.bank.th} รหัสผู้รับชำระ (Biller ID) {payment.biller_id}",
        bold=True,
    )
    doc.paragraph(
        "กรณีชำระด้วยวิธีอื่นนอกจากคิวอาร์โค้ดหรือบัตร โปรดแนบหลักฐานการชำระเงินในระบบ e-Service โดยระบุชื่อบัญชี "
        "วันที่ชำระ จำนวนเงิน และเลขที่อ้างอิงการทำรายการ เจ้าหน้าที่การเงินจะตรวจสอบและออกใบเสร็จรับเงิน"
        "อิเล็กทรอนิกส์ให้",
    )
    if tenant.payment.on_deadline == "dismissal":
        # Q6.8: unpaid by the deadline, the request is dismissed (a status change, never a deletion).
        doc.paragraph(
            f"หากไม่ชำระภายในวันที่ {_thai_datetime(data.due_at, thai_digits)} คำขอจะถูกจำหน่ายเรื่อง และต้องยื่นคำขอใหม่",
            bold=True,
        )
    _contact(doc, tenant, service)
    return doc.to_bytes()


def render_receipt(tenant: Tenant, service: Service, data: ReceiptData, *, thai_digits: bool = False) -> bytes:
    """The electronic receipt (Q6.6): who paid how much for which request, when, how and with which
    transaction reference, the amount in figures and in Thai words.
    """
    doc = _new_document(tenant, title="ใบเสร็จรับเงินอิเล็กทรอนิกส์", reference=data.receipt_number, created_at=data.paid_at)
    doc.title_block("ใบเสร็จรับเงินอิเล็กทรอนิกส์", "Electronic receipt")
    doc.field_table(
        [
            _row("เลขที่ใบเสร็จรับเงิน", data.receipt_number, "Receipt No."),
            _row("วันที่รับเงิน", _thai_datetime(data.paid_at, thai_digits), "Paid on"),
            _row("ได้รับเงินจาก", data.payer_name, "Received from", name=True),
            _row("เลขอ้างอิงคำขอ", data.request_reference, "Request reference"),
            _row("ชำระโดย", _CHANNEL_NAMES.get(data.channel, data.channel), "Payment channel"),
            _row("เลขที่อ้างอิงการทำรายการ", data.transaction_reference, "Transaction reference"),
        ]
    )
    doc.amount_table(
        [(f"ค่าธรรมเนียม{service.name.th}", format_baht(data.amount_satang, thai_digits=thai_digits))],
        total=("รวมเงิน", format_baht(data.amount_satang, thai_digits=thai_digits)),
        in_words=baht_text(data.amount_satang),
    )
    doc.paragraph(f"{tenant.name.th}ได้รับเงินจำนวนดังกล่าวไว้ถูกต้องแล้ว", first_line_indent=18)
    doc.signature_block(["ผู้รับเงิน", f"ในนาม{tenant.name.th}"], top_gap=10)
    if "receipt" in tenant.signing.auto_seal:
        doc.paragraph(
            "ใบเสร็จรับเงินฉบับนี้จัดทำโดยระบบอิเล็กทรอนิกส์และประทับตราอิเล็กทรอนิกส์ของหน่วยงาน "
            "ตรวจสอบความถูกต้องได้จากลายมือชื่ออิเล็กทรอนิกส์ในไฟล์",
            size=8.5,
            grey=True,
        )
    return doc.to_bytes()


def render_status_notice(tenant: Tenant, service: Service, data: NoticeData, *, thai_digits: bool = False) -> bytes:
    """The notice of a licence's new status: suspended, revoked, expired or in force again (R-5.4)."""
    title, title_en, status_word = _STATUS[data.new_status]
    doc = _new_document(tenant, title=title, reference=data.licence_number, created_at=data.effective_at)
    doc.title_block(title, title_en)
    doc.paragraph(f"เรียน  {data.holder_name}", space_after=3)
    effective = _thai_datetime(data.effective_at, thai_digits)
    licence = f"{service.licence.title.th} เลขที่ {data.licence_number}"
    body = {
        "suspended": f"{tenant.name.th}ขอแจ้งว่า{licence} ของท่าน ถูกพักใช้ตั้งแต่วันที่ {effective}",
        "revoked": f"{tenant.name.th}ขอแจ้งว่า{licence} ของท่าน ถูกเพิกถอนตั้งแต่วันที่ {effective}",
        "expired": f"{tenant.name.th}ขอแจ้งว่า{licence} ของท่าน สิ้นอายุแล้วตั้งแต่วันที่ {effective}",
        "in_force": f"{tenant.name.th}ขอแจ้งว่า{licence} ของท่าน กลับมามีผลใช้บังคับตั้งแต่วันที่ {effective}",
    }[data.new_status]
    if data.until is not None:
        body += f" จนถึงวันที่ {_thai_date(data.until, thai_digits)}"
    doc.paragraph(body, first_line_indent=18)
    doc.field_table(
        [
            _row("เลขที่ใบอนุญาต", data.licence_number, "Licence No."),
            _row("ผู้รับอนุญาต", data.holder_name, "Licence holder", name=True),
            _row("สถานะ", status_word, "Status"),
            _row("มีผลตั้งแต่", effective, "Effective"),
            *([_row("จนถึงวันที่", _thai_date(data.until, thai_digits), "Until")] if data.until is not None else []),
            _row("เหตุผล", data.reason, "Reason"),
        ]
    )
    if service.public_register:
        # the public register shows the new status at once.
        doc.paragraph(
            f"สถานะใหม่ของใบอนุญาตได้ปรากฏในทะเบียนใบอนุญาตของ{tenant.name.th}แล้ว",
            size=9.5,
            grey=True,
        )
    doc.signature_block(["ลงลายมือชื่ออิเล็กทรอนิกส์", tenant.signing.signer_title.th], top_gap=8)
    _contact(doc, tenant, service)
    return doc.to_bytes()


def render_request_notice(
    tenant: Tenant, service: Service, data: RequestNoticeData, *, thai_digits: bool = False
) -> bytes:
    """A notice about a request (R-4.3-R-4.5), sealed by the sign function when ``auto_seal`` has ``notice``."""
    title, title_en = REQUEST_NOTICES[data.what]
    doc = _new_document(tenant, title=title, reference=data.request_reference, created_at=data.issued_at)
    doc.title_block(title, title_en)
    doc.paragraph(f"วันที่ {_thai_date(data.issued_at, thai_digits)}", align="R", space_after=3)
    doc.paragraph(f"เรื่อง  {title}", space_after=1)
    doc.paragraph(f"เรียน  {data.applicant_name}", space_after=1)
    doc.paragraph(f"อ้างถึง  คำขอ{service.name.th} เลขอ้างอิง {data.request_reference}", space_after=3)
    deadline = _thai_datetime(data.deadline, thai_digits) if data.deadline else "-"
    body = {
        "more_documents": (
            f"{tenant.name.th}ได้ตรวจสอบคำขอของท่านแล้ว ขอให้ท่านส่งเอกสารหรือข้อมูลเพิ่มเติมภายในวันที่ {deadline} "
            "หากพ้นกำหนด เจ้าหน้าที่จะเสนอจำหน่ายเรื่องคำขอนี้"
        ),
        "referred": (f"คำขอของท่านไม่อยู่ในอำนาจของ{tenant.name.th} กรุณายื่นคำขอต่อหน่วยงานที่มีอำนาจ: {data.referred_to or '-'}"),
        "withdrawn": f"{tenant.name.th}ได้รับการถอนคำขอของท่านแล้ว และยุติการพิจารณาคำขอนี้",
        "dismissal_proposed": (
            "เจ้าหน้าที่ได้เสนอให้จำหน่ายเรื่องคำขอของท่าน หัวหน้าส่วนราชการจะพิจารณาสั่งการ "
            "หากท่านยังประสงค์ให้พิจารณาคำขอ กรุณาติดต่อหน่วยงานโดยเร็ว"
        ),
        "dismissed": (
            f"{tenant.head_title.th}สั่งจำหน่ายเรื่องคำขอของท่าน ท่านยื่นคำขอใหม่ได้ทุกเมื่อ "
            f"และมีสิทธิอุทธรณ์คำสั่งนี้ต่อ{tenant.head_title.th} ภายใน 15 วันนับแต่วันที่ได้รับแจ้ง"
        ),
    }[data.what]
    doc.paragraph(body, first_line_indent=18)
    rows = [
        _row("เลขอ้างอิงคำขอ", data.request_reference, "Request reference"),
        _row("เลขรับที่", data.receipt_number or "-", "Receipt No."),
        _row("ผู้ยื่นคำขอ", data.applicant_name, "Applicant", name=True),
    ]
    if data.needed:
        rows.append(_row("สิ่งที่ต้องส่งเพิ่ม", data.needed, "What is needed"))
    if data.deadline:
        rows.append(_row("ภายในวันที่", deadline, "By"))
    if data.reason:
        rows.append(_row("เหตุผล", data.reason, "Reason"))
    doc.field_table(rows)
    doc.paragraph("จึงเรียนมาเพื่อโปรดทราบ", first_line_indent=18, space_after=0)
    doc.signature_block(["ขอแสดงความนับถือ", "", "ลงลายมือชื่ออิเล็กทรอนิกส์", tenant.signing.signer_title.th], top_gap=6)
    _contact(doc, tenant, service)
    return doc.to_bytes()


# -- announcements and orders (worded after the OPDC templates, seed 003) -----------------------------

# Digits in e-mail addresses and URLs stay ASCII: they must be typed back exactly.
_ADDRESS = re.compile(r"\S*(?:@|://)\S*")


def _digits(text: str, thai_digits: bool) -> str:
    """``text`` with Thai digits if asked, except inside e-mail addresses and URLs."""
    if not thai_digits:
        return text
    parts: list[str] = []
    last = 0
    for match in _ADDRESS.finditer(text):
        parts.append(to_thai_digits(text[last : match.start()]))
        parts.append(match.group())
        last = match.end()
    parts.append(to_thai_digits(text[last:]))
    return "".join(parts)


def _formal_heading(doc: ThaiDocument, lines: Sequence[str]) -> None:
    doc.title_block(lines[0], None, size=15)
    doc.set_y(doc.get_y() - 3)
    for line in lines[1:]:
        doc.title_block(line, None, size=12.5)
        doc.set_y(doc.get_y() - 3)
    # A short centred rule closes the heading, as on printed announcements.
    y = doc.get_y() + 2
    doc.set_draw_color(0, 0, 0)
    doc.set_line_width(0.3)
    doc.line(doc.w / 2 - 20, y, doc.w / 2 + 20, y)
    doc.set_y(y + 5)


@dataclass(frozen=True, kw_only=True)
class AnnouncementIssue:
    """How an announcement is issued: its number in the agency's series ("3/2569"), the day it is
    signed, the signer the head named, its edition of the subject (ฉบับที่) and the Buddhist year of the
    edition it replaces (seed 003, template note 2(2)), if any."""

    number: str
    announced_on: date
    signer_name: str
    signer_position: str
    edition: int = 1
    replaces_year: int | None = None


def _edition(edition: int) -> str:
    return f" (ฉบับที่ {edition})" if edition > 1 else ""


def _cancellation(name: str, subject: str, issue: AnnouncementIssue, *, word: str = "ประกาศ") -> str | None:
    """ "ให้ยกเลิกประกาศ ... เรื่อง ... พ.ศ. ...": a new edition cancels the one it replaces (template note 2(2))."""
    if issue.edition <= 1 or issue.replaces_year is None:
        return None
    return f"ให้ยกเลิก{word}{name} เรื่อง {subject}{_edition(issue.edition - 1)} พ.ศ. {issue.replaces_year}"


def _numbered(clauses: Sequence[str | None]) -> list[str]:
    """Numbers the clauses "ข้อ 1", "ข้อ 2", ... in order; items starting with "(" stay as they are."""
    out: list[str] = []
    number = 0
    for clause in clauses:
        if clause is None:
            continue
        if clause.startswith("("):
            out.append(clause)
        else:
            number += 1
            out.append(f"ข้อ {number} {clause}")
    return out


def _clauses_and_signature(
    doc: ThaiDocument,
    clauses: Sequence[str],
    *,
    dated: str,
    digits: Callable[[str], str],
    issue: AnnouncementIssue,
) -> None:
    """The clauses, then the dating line and the signer's block (name in brackets, then position).

    Official Thai style: each clause and each numbered item starts indented and its continuation lines
    return to the margin. The signature never stands alone on a page: the last clause goes with it.
    """
    signature_height = 44.0
    for index, clause in enumerate(clauses):
        indent = 28.0 if clause.startswith("(") else 18.0
        text = digits(clause)
        if index == len(clauses) - 1:
            doc.keep_space(doc.paragraph_height(text, first_line_indent=indent) + signature_height)
        doc.paragraph(text, first_line_indent=indent, space_after=2)
    doc.ln(4)
    doc.paragraph(dated, align="C", space_after=0)
    doc.signature_block([f"({issue.signer_name})", issue.signer_position], top_gap=14)


def _announcement_document(tenant: Tenant, heading: Sequence[str], issue: AnnouncementIssue) -> ThaiDocument:
    return _new_document(
        tenant, title=" ".join(heading[:2]), reference=None, letterhead=False, created_at=issue.announced_on
    )


def render_channels_announcement(
    tenant: Tenant, content: Mapping[str, Any], issue: AnnouncementIssue, *, thai_digits: bool = False
) -> bytes:
    """ประกาศ ... เรื่อง ช่องทางอิเล็กทรอนิกส์สำหรับติดต่อ ... (Act §10), item by item as the seed's template:
    clause 1 the central e-mail, the website with the e-Service's own URL and the applications; clause 2
    the phones that confirm receipt; clause 3 screenshots as preliminary evidence. Nothing else.
    """
    name, head = tenant.name.th, tenant.head_title.th
    subject = f"ช่องทางอิเล็กทรอนิกส์สำหรับติดต่อ{name}"
    year = buddhist_year(issue.announced_on)
    heading = [f"ประกาศ{name}", f"เรื่อง {subject}{_edition(issue.edition)}", f"พ.ศ. {year}"]
    doc = _announcement_document(tenant, heading, issue)
    digits = partial(_digits, thai_digits=thai_digits)
    _formal_heading(doc, [heading[0], digits(f"ที่ {issue.number}"), heading[1], digits(heading[2])])
    websites = content["website"]
    if content["eservice_url"] != content["website"]:
        websites += f" และระบบบริการอิเล็กทรอนิกส์ (e-Service) {content['eservice_url']}"
    items = [
        f"ที่อยู่ไปรษณีย์อิเล็กทรอนิกส์ (อีเมล) {content['email']}",
        f"เว็บไซต์ {websites}",
    ]
    if content["applications"]:
        items.append("แอปพลิเคชัน " + " และ ".join(a["th"] for a in content["applications"]))
    phones = [f"{phone['label']['th']} หมายเลขโทรศัพท์{_NBSP}{phone['number']}" for phone in content["phones"]]
    cancel = _cancellation(name, subject, issue)
    channels = "ข้อ 2" if cancel else "ข้อ 1"
    clauses = _numbered(
        [
            cancel,
            f"ให้ช่องทางอิเล็กทรอนิกส์ต่อไปนี้ เป็นช่องทางสำหรับประชาชนยื่นคำขอหรือติดต่อ{name}หรือ{head} โดยวิธีการทางอิเล็กทรอนิกส์",
            *(f"({n}) {item}" for n, item in enumerate(items, start=1)),
            f"ในกรณีที่ผู้ยื่นคำขอหรือติดต่อมาทางช่องทางตาม{channels} ประสงค์จะสอบถามหรือขอรับคำยืนยันจาก{name}"
            "ว่าได้รับคำขอหรือการติดต่อแล้ว ให้สอบถามในวันและเวลาราชการได้ที่หมายเลขโทรศัพท์ ดังต่อไปนี้",
            *(f"({n}) {phone}" for n, phone in enumerate(phones, start=1)),
            "ประชาชนอาจใช้วิธีการบันทึกภาพจากหน้าจอคอมพิวเตอร์หรืออุปกรณ์อิเล็กทรอนิกส์ "
            f"เพื่อเป็นหลักฐานเบื้องต้นว่าได้มีการยื่นคำขอหรือติดต่อ{name}หรือ{head}ทางช่องทางตาม{channels}แล้ว ก็ได้",
        ]
    )
    preamble = [
        f"โดยที่มาตรา 10 วรรคหนึ่ง แห่ง{_ACT} บัญญัติให้บรรดาคำขออนุญาตหรือการติดต่อใด ๆ "
        "ที่ประชาชนส่งหรือมีถึงหน่วยงานของรัฐหรือเจ้าหน้าที่ของรัฐที่เกี่ยวข้องทางช่องทางอิเล็กทรอนิกส์ที่หน่วยงานของรัฐ"
        "ประกาศกำหนด ให้ถือว่าหน่วยงานของรัฐหรือเจ้าหน้าที่ของรัฐนั้นได้รับตามวันและเวลาที่คำขออนุญาตหรือการติดต่อนั้น"
        f"เข้าสู่ระบบ สมควรกำหนดช่องทางอิเล็กทรอนิกส์สำหรับประชาชนใช้ในการยื่นคำขอหรือติดต่อ{name}"
        "โดยวิธีการทางอิเล็กทรอนิกส์ ทั้งนี้ เพื่อเป็นการอำนวยความสะดวกและลดภาระแก่ประชาชน "
        "รวมทั้งเพิ่มประสิทธิภาพในการปฏิบัติราชการ",
        f"อาศัยอำนาจตามความในมาตรา 10 วรรคหนึ่ง แห่ง{_ACT} {head} ออกประกาศไว้ ดังต่อไปนี้",
    ]
    _clauses_and_signature(
        doc,
        [*preamble, *clauses],
        dated=f"ประกาศ ณ วันที่ {_formal_date(issue.announced_on, thai_digits)}",
        digits=digits,
        issue=issue,
    )
    return doc.to_bytes()


def render_display_announcement(
    tenant: Tenant, content: Mapping[str, Any], issue: AnnouncementIssue, *, thai_digits: bool = False
) -> bytes:
    """ประกาศ ... เรื่อง วิธีการแสดงใบอนุญาตโดยวิธีการทางอิเล็กทรอนิกส์ (Act §13(1)): in force from its
    publication in the Royal Gazette; each licence on the public register "ตามกฎหมายว่าด้วย" its law; the
    three ways to display it; each image at least five seconds; shown on inspection and on request.
    """
    licences = content["licences"]
    if not licences:
        raise RenderError(
            "announcement.no_public_licence",
            "no service of this tenant has public_register: there is no licence to display (Act §13(1))",
        )
    name, head = tenant.name.th, tenant.head_title.th
    subject = "วิธีการแสดงใบอนุญาตโดยวิธีการทางอิเล็กทรอนิกส์"
    year = buddhist_year(issue.announced_on)
    heading = [f"ประกาศ{name}", f"เรื่อง {subject}{_edition(issue.edition)}", f"พ.ศ. {year}"]
    doc = _announcement_document(tenant, heading, issue)
    digits = partial(_digits, thai_digits=thai_digits)
    _formal_heading(doc, [heading[0], digits(f"ที่ {issue.number}"), heading[1], digits(heading[2])])
    cancel = _cancellation(name, subject, issue)
    licences_clause, ways_clause = ("ข้อ 3", "ข้อ 4") if cancel else ("ข้อ 2", "ข้อ 3")
    clauses = _numbered(
        [
            "ประกาศนี้ให้ใช้บังคับตั้งแต่วันประกาศในราชกิจจานุเบกษาเป็นต้นไป",
            cancel,
            "ในประกาศนี้ “ใบอนุญาต” หมายความว่า เอกสารหลักฐานที่กฎหมายกำหนดให้ต้องแสดงไว้ในที่เปิดเผย ดังต่อไปนี้",
            *(
                f"({n}) {licence['title']['th']} ตามกฎหมายว่าด้วย{licence['law']['th']}"
                for n, licence in enumerate(licences, start=1)
            ),
            f"ผู้รับอนุญาตสามารถเลือกแสดงใบอนุญาตตาม{licences_clause} โดยวิธีการทางอิเล็กทรอนิกส์ อย่างหนึ่งอย่างใด ดังต่อไปนี้",
            "(1) แสดงเป็นภาพผ่านอุปกรณ์อิเล็กทรอนิกส์",
            "(2) แสดงเป็นคิวอาร์โค้ดที่อุปกรณ์อิเล็กทรอนิกส์สามารถสแกนเพื่อเข้าถึงใบอนุญาตที่เป็นเอกสารอิเล็กทรอนิกส์"
            "หรือภาพทางอิเล็กทรอนิกส์ของใบอนุญาต หรือ",
            f"(3) แสดงข้อมูลผ่านระบบบริการอิเล็กทรอนิกส์ (e-Service) ของ{name} ที่ {content['eservice_url']}",
            f"การแสดงใบอนุญาตตาม{ways_clause} ต้องมีขนาดของภาพและความละเอียดที่ชัดเจนเพียงพอ "
            "รวมทั้งสามารถแสดงให้เห็นข้อมูลอันเป็นสาระสำคัญของใบอนุญาตได้ครบถ้วน ผู้รับอนุญาตอาจเลือกแสดงภาพใบอนุญาต"
            "โดยวิธีการทางอิเล็กทรอนิกส์ ณ สถานที่ประกอบกิจการมากกว่าหนึ่งใบหรือภาพผ่านหน้าจอเดียวกันก็ได้ "
            "แต่ต้องมีระยะเวลาแสดงภาพใบอนุญาตแต่ละใบไม่น้อยกว่าห้าวินาที",
            f"เมื่อผู้รับอนุญาตเลือกแสดงใบอนุญาตโดยวิธีการทางอิเล็กทรอนิกส์อย่างใดอย่างหนึ่งตาม{ways_clause} แล้ว "
            "ผู้รับอนุญาตไม่ต้องแสดงใบอนุญาตไว้โดยเปิดเผยตลอดเวลา ณ สถานที่ประกอบกิจการอีกต่อไป "
            "แต่ต้องสามารถแสดงต่อเจ้าพนักงานหรือพนักงานเจ้าหน้าที่ได้ตลอดเวลาเมื่อมีการตรวจสอบ หรือต่อประชาชนที่ขอตรวจดู",
        ]
    )
    preamble = [
        f"โดยที่มาตรา 13 (1) แห่ง{_ACT} บัญญัติว่าในกรณีที่กฎหมายกำหนดให้ผู้รับอนุญาตต้องแสดงใบอนุญาตไว้ในที่เปิดเผย "
        "ให้เป็นสิทธิของผู้รับอนุญาตที่จะแสดงใบอนุญาตนั้นโดยวิธีการทางอิเล็กทรอนิกส์ตามวิธีการที่ผู้อนุญาตประกาศกำหนดก็ได้ "
        "โดยให้ถือว่าการแสดงเช่นนั้นเป็นการชอบด้วยกฎหมายแล้ว สมควรกำหนดวิธีการแสดงใบอนุญาตตามกฎหมาย"
        f"ในความรับผิดชอบของ{name}โดยวิธีการทางอิเล็กทรอนิกส์ เพื่อเป็นการอำนวยความสะดวกและลดภาระแก่ประชาชน",
        f"อาศัยอำนาจตามความในมาตรา 13 (1) แห่ง{_ACT} {head}ออกประกาศไว้ ดังต่อไปนี้",
    ]
    _clauses_and_signature(
        doc,
        [*preamble, *clauses],
        dated=f"ประกาศ ณ วันที่ {_formal_date(issue.announced_on, thai_digits)}",
        digits=digits,
        issue=issue,
    )
    return doc.to_bytes()


#: R-3.5(2.1): how each accepted method puts the money into the agency's account.
_PAYMENT_METHODS: dict[str, str] = {
    "thai_qr": "โอนเงินผ่านอินเทอร์เน็ตแบงกิ้ง (internet banking) หรือโมบายแบงกิ้ง (mobile banking) "
    "โดยสแกนคิวอาร์โค้ด (Thai QR Payment) ในใบแจ้งชำระค่าธรรมเนียม ด้วยแอปพลิเคชันของธนาคารใดก็ได้",
    "card": "ชำระด้วยบัตรเครดิตหรือบัตรเดบิตผ่านระบบบริการอิเล็กทรอนิกส์ (e-Service)",
    "bank_counter": "ชำระที่เคาน์เตอร์ธนาคารหรือตัวแทนสาขาธนาคาร โดยแจ้งเลขที่ใบแจ้งชำระค่าธรรมเนียม",
    "slip_upload": "โอนเงินเข้าบัญชีผ่านอินเทอร์เน็ตแบงกิ้ง โมบายแบงกิ้ง หรือตู้ ATM",
}


def render_payment_announcement(
    tenant: Tenant, content: Mapping[str, Any], issue: AnnouncementIssue, *, thai_digits: bool = False
) -> bytes:
    """ประกาศ ... เรื่อง วิธีการชำระเงินทางอิเล็กทรอนิกส์ (seed 003 standard §3.5(2), R-3.5): the account in the
    agency's name, the methods of payment the agency accepts, and the electronic channels for sending the
    proof of payment or reporting a payment with the account name, date, amount and transaction reference.
    """
    name, head = tenant.name.th, tenant.head_title.th
    subject = "วิธีการชำระเงินทางอิเล็กทรอนิกส์"
    year = buddhist_year(issue.announced_on)
    heading = [f"ประกาศ{name}", f"เรื่อง {subject}{_edition(issue.edition)}", f"พ.ศ. {year}"]
    doc = _announcement_document(tenant, heading, issue)
    digits = partial(_digits, thai_digits=thai_digits)
    _formal_heading(doc, [heading[0], digits(f"ที่ {issue.number}"), heading[1], digits(heading[2])])
    methods = [_PAYMENT_METHODS[m] for m in content["methods"] if m in _PAYMENT_METHODS]
    cancel = _cancellation(name, subject, issue)
    clauses = _numbered(
        [
            cancel,
            f"บัญชีเงินฝากสำหรับรับชำระเงินจากประชาชน ได้แก่ บัญชีชื่อ {content['account_name']['th']} {content['bank']['th']}",
            f"ประชาชนสามารถชำระค่าคำขอ ค่าธรรมเนียม ค่าบริการ ค่าปรับ หรือเงินอื่นใด เข้าบัญชีของ{name} ได้ตามวิธีการ ดังต่อไปนี้",
            *(f"({n}) {method}" for n, method in enumerate(methods, start=1)),
            "ช่องทางอิเล็กทรอนิกส์สำหรับนำส่งหลักฐานการชำระเงินหรือแจ้งการชำระเงิน ได้แก่",
            f"(1) ระบบบริการอิเล็กทรอนิกส์ (e-Service) ที่ {content['eservice_url']} ในหน้าคำขอของผู้ชำระเงิน",
            f"(2) ที่อยู่ไปรษณีย์อิเล็กทรอนิกส์ (อีเมล) {content['email']}",
            "การแจ้งการชำระเงินต้องระบุอย่างน้อย ชื่อบัญชีที่รับชำระเงิน วันที่ชำระเงิน จำนวนเงินที่ชำระ "
            "และหมายเลขอ้างอิงของธุรกรรมการชำระเงิน (transaction reference number)",
        ]
    )
    preamble = [
        "โดยที่เป็นการสมควรให้ประชาชนทราบวิธีการชำระเงินแก่"
        f"{name}ทางอิเล็กทรอนิกส์ เพื่อเป็นการอำนวยความสะดวกและลดภาระแก่ประชาชน "
        "รวมทั้งเพิ่มประสิทธิภาพในการปฏิบัติราชการ",
        f"{head} จึงออกประกาศไว้ ดังต่อไปนี้",
    ]
    _clauses_and_signature(
        doc,
        [*preamble, *clauses],
        dated=f"ประกาศ ณ วันที่ {_formal_date(issue.announced_on, thai_digits)}",
        digits=digits,
        issue=issue,
    )
    return doc.to_bytes()


def render_internal_systems_order(
    tenant: Tenant, content: Mapping[str, Any], issue: AnnouncementIssue, *, thai_digits: bool = False
) -> bytes:
    """คำสั่ง ... เรื่อง ระบบสำหรับการปฏิบัติหน้าที่โดยวิธีการทางอิเล็กทรอนิกส์ (Act §16, R-3.6): designates
    the e-Service as the electronic system in which officers receive, route and decide requests; in
    effect from the day it is signed.
    """
    name, head = tenant.name.th, tenant.head_title.th
    subject = "ระบบสำหรับการปฏิบัติหน้าที่โดยวิธีการทางอิเล็กทรอนิกส์"
    heading = [f"คำสั่ง{name}", f"เรื่อง {subject}{_edition(issue.edition)}"]
    doc = _announcement_document(tenant, heading, issue)
    digits = partial(_digits, thai_digits=thai_digits)
    _formal_heading(doc, [heading[0], digits(f"ที่ {issue.number}"), heading[1]])
    cancel = _cancellation(name, subject, issue, word="คำสั่ง")
    clauses = _numbered(
        [
            f"ในคำสั่งนี้ “หน่วยงาน” หมายความว่า {name}",
            "ให้เจ้าหน้าที่ของหน่วยงานปฏิบัติหน้าที่ในระบบอิเล็กทรอนิกส์ ดังต่อไปนี้",
            f"(1) ระบบบริการอิเล็กทรอนิกส์ (e-Service) ของหน่วยงาน ที่ {content['eservice_url']} "
            "สำหรับการรับและลงทะเบียนรับคำขอ การตรวจสอบ การส่งต่อคำขอไปยังเจ้าหน้าที่ผู้รับผิดชอบ การพิจารณา "
            "การอนุมัติและอนุญาต การรับชำระค่าธรรมเนียม การลงลายมือชื่ออิเล็กทรอนิกส์ และการแจ้งผลแก่ผู้ยื่นคำขอ",
            f"(2) ไปรษณีย์อิเล็กทรอนิกส์ (อีเมล) ชื่อโดเมน @{content['domain']} ที่หน่วยงานจัดสรรให้",
            cancel,
            "คำสั่งใดขัดหรือแย้งกับคำสั่งนี้ ให้ใช้คำสั่งนี้แทน",
        ]
    )
    preamble = [
        f"โดยที่มาตรา 16 วรรคหนึ่ง แห่ง{_ACT} บัญญัติว่าในกรณีที่มีกฎหมาย กฎ มติ หรือคำสั่งกำหนดให้การปฏิบัติหน้าที่"
        "ของเจ้าหน้าที่ของรัฐต้องทำเป็นลายลักษณ์อักษร เป็นหนังสือ หรือเป็นเอกสาร ถ้าเจ้าหน้าที่ของรัฐได้จัดทำ"
        "โดยวิธีการทางอิเล็กทรอนิกส์ตามระบบที่หัวหน้าหน่วยงานของรัฐกำหนดแล้ว ให้ถือว่าเจ้าหน้าที่ของรัฐได้ดำเนินการ"
        "โดยชอบด้วยกฎหมาย กฎ มติ หรือคำสั่งนั้นแล้ว สมควรกำหนดระบบสำหรับการปฏิบัติหน้าที่ของเจ้าหน้าที่"
        f"{name}โดยวิธีการทางอิเล็กทรอนิกส์ ตามบทบัญญัติดังกล่าว เพื่อเพิ่มประสิทธิภาพในการปฏิบัติราชการ",
        f"อาศัยอำนาจตามความในมาตรา 16 วรรคหนึ่ง แห่ง{_ACT} {head}จึงมีคำสั่งดังต่อไปนี้",
    ]
    _clauses_and_signature(
        doc,
        [
            *preamble,
            *clauses,
            f"ทั้งนี้ ตั้งแต่วันที่ {_formal_date(issue.announced_on, False)} เป็นต้นไป",
        ],
        dated=f"สั่ง ณ วันที่ {_formal_date(issue.announced_on, thai_digits)}",
        digits=digits,
        issue=issue,
    )
    return doc.to_bytes()


_ANNOUNCEMENT_RENDERERS: dict[str, Callable[..., bytes]] = {
    "channels": render_channels_announcement,
    "display": render_display_announcement,
    "payment": render_payment_announcement,
    "internal-systems": render_internal_systems_order,
}


def render_announcement(tenant: Tenant, kind: str, content: Mapping[str, Any], issue: AnnouncementIssue) -> bytes:
    """The announcement (or order) of ``kind`` from its drafted ``content`` (``eservice.announcements``)."""
    renderer = _ANNOUNCEMENT_RENDERERS.get(kind)
    if renderer is None:
        raise RenderError("announcement.unknown_kind", f"no announcement of kind {kind!r}")
    return renderer(tenant, content, issue)
