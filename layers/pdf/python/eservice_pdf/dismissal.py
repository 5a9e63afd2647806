"""The dismissal order (คำสั่งจำหน่ายเรื่อง, R-3.2, Q4.6): the head's decision as a sealed document.

It states the true ground (the applicant could not be reached for 30 days, or a deadline passed),
who proposed it and why, the head's reason, what happens next and the right of appeal. It is
kept with the request and sent to the applicant like any other issued document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eservice.tenant import Service, Tenant

from .render import _contact, _new_document, _row, _thai_date, _thai_datetime

__all__ = ["DismissalOrderData", "render_dismissal_order"]


@dataclass(frozen=True, kw_only=True)
class DismissalOrderData:
    """What the order says; ``grounds`` is ``eservice.applications.dismissal_grounds``'s answer."""

    request_reference: str
    receipt_number: str | None
    applicant_name: str
    submitted_at: datetime
    ordered_at: datetime
    grounds: Mapping[str, Any]


def render_dismissal_order(tenant: Tenant, service: Service, data: DismissalOrderData) -> bytes:
    """The order, Thai first with the English gloss of each part."""
    grounds = data.grounds
    doc = _new_document(tenant, title="คำสั่งจำหน่ายเรื่อง", reference=data.request_reference, created_at=data.ordered_at)
    doc.title_block("คำสั่งจำหน่ายเรื่องคำขอ", "Order dismissing a request")
    doc.paragraph(f"วันที่ {_thai_date(data.ordered_at, False)}", align="R", space_after=3)
    doc.paragraph(f"เรื่อง  จำหน่ายเรื่องคำขอ{service.name.th}", space_after=1)
    doc.paragraph(f"เรียน  {data.applicant_name}", space_after=3)
    doc.field_table(
        [
            _row("เลขอ้างอิงคำขอ", data.request_reference, "Request reference"),
            _row("เลขรับ", data.receipt_number or "-", "Receipt no."),
            _row("ยื่นเมื่อ", _thai_datetime(data.submitted_at, False), "Submitted"),
            _row("ผู้ยื่นคำขอ", data.applicant_name, "Applicant", name=True),
        ]
    )
    explanation = grounds["explanation"]
    doc.section_heading("เหตุที่จำหน่ายเรื่อง / Grounds")
    doc.paragraph(f"{explanation['th']}", first_line_indent=18)
    doc.paragraph(explanation["en"], size=10, grey=True)
    if grounds.get("proposed_reason"):
        doc.paragraph(f"ความเห็นของเจ้าหน้าที่ผู้เสนอ / Officer's proposal: {grounds['proposed_reason']}")
    if grounds.get("order_reason"):
        doc.paragraph(f"คำสั่งของ{tenant.head_title.th} / The head's decision: {grounds['order_reason']}")
    doc.paragraph(
        f"{tenant.head_title.th}จึงมีคำสั่งให้จำหน่ายเรื่องคำขอนี้ การจำหน่ายเรื่องเป็นการปิดเรื่องเท่านั้น "
        "คำขอและเอกสารทั้งหมดยังคงเก็บรักษาไว้เป็นหลักฐาน",
        first_line_indent=18,
    )
    doc.section_heading("สิ่งที่จะเกิดขึ้นต่อไป / What happens next")
    doc.paragraph(grounds["next"]["th"], first_line_indent=18)
    doc.paragraph(grounds["next"]["en"], size=10, grey=True)
    doc.section_heading("สิทธิอุทธรณ์ / Right of appeal")
    doc.paragraph(grounds["appeal"]["th"], first_line_indent=18)
    doc.paragraph(grounds["appeal"]["en"], size=10, grey=True)
    doc.signature_block(["ลงลายมือชื่ออิเล็กทรอนิกส์", tenant.head_title.th], top_gap=8)
    _contact(doc, tenant, service)
    return doc.to_bytes()
