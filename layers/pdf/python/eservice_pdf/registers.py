"""The registers of correspondence as sealed PDFs (R-2.5, R-4.9; Regulation on Correspondence, clause 29/1).

A records officer exports the receiving register (ทะเบียนหนังสือรับ) or the dispatch register (ทะเบียนหนังสือส่ง)
of a period: a landscape A4 table in the Regulation's columns, sealed with the agency's key like every
document it issues, kept in the documents bucket (versioned, object lock) and indexed by its hash, so
that ``/api/verify`` reports the printout as issued by the agency and unchanged.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from eservice.correspondence import DISPATCHED_COLUMNS, RECEIVED, RECEIVED_COLUMNS, Correspondence
from eservice.thai_dates import format_thai_date, format_thai_datetime
from eservice.time_rules import BANGKOK

__all__ = ["REGISTER_TITLES", "issue_register_pdf", "render_register"]

REGISTER_TITLES = {
    "received": ("ทะเบียนหนังสือรับ", "Receiving register"),
    "dispatched": ("ทะเบียนหนังสือส่ง", "Dispatch register"),
}

# Column widths (parts of the page's width), in the order of the columns printed.
_RECEIVED_WIDTHS = (16, 26, 17, 32, 28, 46, 28, 30, 20)
_DISPATCHED_WIDTHS = (16, 26, 17, 30, 32, 50, 52, 20)


def _period_text(start: date | None, end: date | None) -> str:
    if start and end:
        return f"ระหว่างวันที่ {format_thai_date(start)} ถึงวันที่ {format_thai_date(end)}"
    if start:
        return f"ตั้งแต่วันที่ {format_thai_date(start)}"
    if end:
        return f"จนถึงวันที่ {format_thai_date(end)}"
    return "ทุกรายการ / all entries"


def _rows(register: str, entries: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]], tuple[int, ...]]:
    if register == RECEIVED:
        keys = [k for k, _, _ in RECEIVED_COLUMNS[:8]]
        heads = [th for _, th, _ in RECEIVED_COLUMNS[:8]] + ["วันเวลาที่รับ"]
        body = [
            [str(e.get(k) or "-") for k in keys] + [f"{e.get('received_date', '')} {e.get('received_time', '')}"]
            for e in entries
        ]
        return heads, body, _RECEIVED_WIDTHS
    keys = [k for k, _, _ in DISPATCHED_COLUMNS[:7]]
    heads = [th for _, th, _ in DISPATCHED_COLUMNS[:7]] + ["วันเวลาที่ส่ง"]
    body = [[str(e.get(k) or "-") for k in keys] + [str(e.get("sent_time") or "")] for e in entries]
    return heads, body, _DISPATCHED_WIDTHS


def render_register(
    tenant: Any,
    register: str,
    entries: Sequence[Mapping[str, Any]],
    *,
    start: date | None,
    end: date | None,
    made_at: datetime,
) -> bytes:
    """The register of a period as a landscape table (unsigned; the caller seals it)."""
    from eservice_pdf.document import SMALL_SIZE, ThaiDocument
    from eservice_pdf.thai_text import segment_for_wrapping

    th, en = REGISTER_TITLES[register]

    class _Landscape(ThaiDocument):
        """Every page landscape: the Regulation's register has nine columns."""

        def add_page(self, orientation: str = "", *args: Any, **kwargs: Any) -> None:
            # A page break within the table asks for the same page again (same=True): keep it so.
            super().add_page("" if kwargs.get("same") else "L", *args, **kwargs)

    reference = f"{th} {start or '-'} - {end or '-'}"
    doc = _Landscape(tenant=tenant, title=f"{th} / {en}", reference=reference, created_at=made_at)
    doc.title_block(th, f"{en} · {_period_text(start, end)}")
    doc.paragraph(
        f"{tenant.name.th} จัดทำเมื่อ {format_thai_datetime(made_at.astimezone(BANGKOK))} "
        f"จำนวน {len(entries)} รายการ / {len(entries)} entries",
        size=SMALL_SIZE,
        grey=True,
    )
    heads, body, widths = _rows(register, entries)
    if not body:
        doc.paragraph("ไม่มีรายการในช่วงเวลานี้ / No entries in this period", align="C")
        return doc.to_bytes()
    doc.set_font(size=SMALL_SIZE - 0.5)
    with doc.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=SMALL_SIZE * 0.55,
        first_row_as_headings=True,
        repeat_headings=1,
        padding=1,
    ) as table:
        row = table.row()
        for head in heads:
            row.cell(head)
        for values in body:
            row = table.row()
            for value in values:
                row.cell(segment_for_wrapping(value))
    return doc.to_bytes()


def issue_register_pdf(
    *,
    correspondence: Correspondence,
    tenant: Any,
    register: str,
    start: date | None,
    end: date | None,
    seal: Callable[[bytes, str], bytes],
    put: Callable[[str, bytes, str], None],
    keep_document: Callable[[str, Mapping[str, Any]], None],
    now: datetime,
    by: str,
) -> dict[str, Any]:
    """Render, seal, keep and index the register of a period; answers where the file is."""
    entries = correspondence.period(register, start, end)
    th, _ = REGISTER_TITLES[register]
    pdf = seal(
        render_register(tenant, register, entries, start=start, end=end, made_at=now),
        f"{th} {_period_text(start, end)}",
    )
    digest = hashlib.sha256(pdf).hexdigest()
    key = f"registers/{register}/{start or 'all'}_{end or 'all'}/{now.strftime('%Y%m%dT%H%M%S')}-{digest[:16]}.pdf"
    put(key, pdf, base64.b64encode(bytes.fromhex(digest)).decode())
    keep_document(
        digest,
        {
            "kind": "correspondence_register",
            "register": register,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "entries": len(entries),
            "made_by": by,
            "made_at": now.isoformat(),
        },
    )
    return {
        "key": key,
        "file_name": f"{register}-{start or 'all'}-{end or 'all'}.pdf",
        "sha256": digest,
        "entries": len(entries),
    }
