"""The registers of correspondence as PDFs (R-2.5, R-4.9): landscape pages, the Regulation's columns, every
entry, headings repeated on each page."""

from __future__ import annotations

import re
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from eservice.tenant import load_tenant, tenants_dir
from eservice_pdf.registers import render_register

TENANT = load_tenant(tenants_dir() / "klongnoy.yaml")
MADE = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok"))


def _entry(number: int) -> dict[str, object]:
    return {
        "label": f"{number}/2569",
        "document_number": f"R-{number:010d}",
        "document_date": "2026-12-01",
        "sender": "นายสมชาย ใจดี",
        "addressee": TENANT.head_title.th,
        "subject": "ขอหนังสือรับรองการเกิดอัคคีภัย",
        "action": "ส่งงานป้องกันและบรรเทาสาธารณภัย",
        "remarks": "ยื่นผ่านระบบ e-Service",
        "received_date": "2026-12-01",
        "received_time": "08:30",
    }


def _plain(text: str) -> str:
    return re.sub(r"[\s\u200b]", "", text)


def test_given_a_period_of_entries_then_every_entry_is_printed_on_landscape_pages_with_the_columns():
    entries = [_entry(n) for n in range(1, 61)]

    pdf = render_register(TENANT, "received", entries, start=date(2026, 12, 1), end=date(2026, 12, 31), made_at=MADE)

    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) > 1
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages)
    pages = [_plain(p.extract_text()) for p in reader.pages]
    whole = "".join(pages)
    assert "ทะเบียนหนังสือรับ" in whole and "60รายการ" in whole
    for heading in ("ทะเบียนรับที่", "ลงวันที่", "การปฏิบัติ", "หมายเหตุ"):
        assert all(heading in page for page in pages), heading  # headings repeat on every page
    assert all(f"{n}/2569" in whole for n in range(1, 61))


def test_given_no_entries_then_the_register_says_so():
    pdf = render_register(TENANT, "dispatched", [], start=None, end=None, made_at=MADE)

    text = _plain(PdfReader(BytesIO(pdf)).pages[0].extract_text())
    assert "ทะเบียนหนังสือส่ง" in text and "Noentriesinthisperiod" in text
