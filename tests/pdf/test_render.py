"""The Thai PDFs: what a citizen reads on each document, the QR codes, and where lines break.

Text is read back with pypdf. Two quirks of reading shaped Thai back are tolerated by ``_contains``:
extractors may insert spaces between glyph clusters, and fpdf2 gives no Unicode mapping to the second
glyph HarfBuzz makes of SARA AM (ำ), which pypdf then prints as one stray non-Thai character.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from pythainlp.tokenize import word_tokenize

from eservice.announcements import announcement_content
from eservice.tenant import Tenant, load_tenant
from eservice_pdf.render import (
    VERIFY_CAPTION,
    AcknowledgmentData,
    AnnouncementIssue,
    InvoiceData,
    LicenceData,
    NoticeData,
    ReceiptData,
    RefusalData,
    RenderError,
    format_answer,
    render_acknowledgment,
    render_channels_announcement,
    render_display_announcement,
    render_fee_invoice,
    render_internal_systems_order,
    render_licence,
    render_payment_announcement,
    render_receipt,
    render_refusal,
    render_status_notice,
)
from eservice_pdf.thai_text import WORD_BREAK, baht_text, format_baht, segment_for_wrapping

BANGKOK = ZoneInfo("Asia/Bangkok")
TENANT_FILE = Path(__file__).resolve().parents[2] / "tenants" / "klongnoy.yaml"
VERIFY_URL = "https://klongnoy.go.th/verify/FS-2569-00012?c=8f3a9c"
THAI_QR = "00020101021230570016A000000677010112011509940001612340102KN25690001234530376454072500.005802TH6304ABCD"


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return load_tenant(TENANT_FILE)


def _licence_data(**changes: object) -> LicenceData:
    values: dict[str, object] = {
        "licence_number": "FS-2569-00012",
        "request_reference": "KN-2569-0001234",
        "issued_at": datetime(2026, 2, 3, 10, 15, tzinfo=BANGKOK),
        "valid_until": date(2027, 2, 2),
        "answers": {
            "applicant_name": "นางสาวพิมพ์ใจ ศรีสุข",
            "shop_name": "ร้านครัวคุณยายริมคลอง",
            "shop_address": "88/8 หมู่ 3 ถนนศรีวิชัย ตำบลคลองน้อย อำเภอเมืองสุราษฎร์ธานี จังหวัดสุราษฎร์ธานี 84000",
            "food_type": "restaurant",
            "area_sqm": 1250,
        },
        "verify_url": VERIFY_URL,
        "holder_name": "นางสาวพิมพ์ใจ ศรีสุข",
    }
    values.update(changes)
    return LicenceData(**values)  # type: ignore[arg-type]


# -- reading the PDFs back ----------------------------------------------------------------------------


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def _pattern(phrase: str) -> str:
    parts = []
    for char in phrase:
        if char.isspace():
            continue
        parts.append(re.escape(char))
        if char == "ำ":
            parts.append(r"[^\u0e00-\u0e7f\s]?")
        parts.append(r"[\s\u200b\u00a0]*")
    return "".join(parts)


def _contains(text: str, phrase: str) -> bool:
    return re.search(_pattern(phrase), text) is not None


def _assert_phrases(pdf: bytes, phrases: list[str]) -> None:
    text = _text(pdf)
    missing = [p for p in phrases if not _contains(text, p)]
    assert not missing, f"not found in the PDF text: {missing}"


def _qr_matrices(pdf: bytes) -> list[list[list[bool]]]:
    """Every embedded image read back as a QR module matrix (quiet zone and scale found from the image)."""
    matrices = []
    for page in PdfReader(BytesIO(pdf)).pages:
        for embedded in page.images:
            assert embedded.image is not None
            image = embedded.image.convert("L")
            width, height = image.size
            assert width == height
            pixels = image.tobytes()

            def dark(x: int, y: int, pixels: bytes = pixels, width: int = width) -> bool:
                return pixels[y * width + x] < 128

            # The finder pattern starts at the end of the quiet zone and is seven modules wide.
            offset = next(i for i in range(width) if dark(i, i))
            run = next(i for i in range(offset, width) if not dark(i, offset)) - offset
            scale = run // 7
            modules = (width - 2 * offset) // scale
            centre = offset + scale // 2
            matrices.append(
                [[dark(centre + c * scale, centre + r * scale) for c in range(modules)] for r in range(modules)]
            )
    return matrices


def _segno_matrix(payload: str) -> list[list[bool]]:
    return [[bool(module) for module in row] for row in segno.make(payload, micro=False).matrix]


# -- Thai line breaking -------------------------------------------------------------------------------

PARAGRAPH = (
    "ผู้รับอนุญาตต้องแสดงใบอนุญาตไว้ในที่เปิดเผยเห็นได้ง่ายณสถานที่จำหน่ายอาหารและต้องปฏิบัติตาม"
    "หลักเกณฑ์ด้านสุขลักษณะของสถานที่จำหน่ายอาหารตามกฎกระทรวงอย่างเคร่งครัดทุกประการ"
)


def _word_boundaries(text: str) -> set[int]:
    offsets, position = set(), 0
    for token in word_tokenize(text, engine="newmm", keep_whitespace=True):
        position += len(token)
        offsets.add(position)
    return offsets


def _rendered_lines(text: str, width: float) -> list[str]:
    from eservice_pdf.document import ThaiDocument

    doc = ThaiDocument(tenant=load_tenant(TENANT_FILE), title="line breaking", letterhead=False)
    doc.multi_cell(width, 7, text, align="L")
    lines = _text(doc.to_bytes()).split("\n")
    # Keep the Thai letters only: drops break hints, spaces, the footer and the stray SARA AM glyph.
    thai_lines = [re.sub(r"[^\u0e01-\u0e4f]", "", line) for line in lines]
    return [line for line in thai_lines if line and not line.startswith("หน้า")]


def test_a_narrow_thai_paragraph_breaks_only_between_words() -> None:
    lines = _rendered_lines(segment_for_wrapping(PARAGRAPH), width=45)

    assert "".join(lines) == PARAGRAPH
    assert len(lines) >= 6
    boundaries = _word_boundaries(PARAGRAPH)
    ends = [len("".join(lines[: i + 1])) for i in range(len(lines) - 1)]
    assert all(end in boundaries for end in ends), list(zip(lines, ends, strict=False))


def test_without_segmentation_the_same_paragraph_is_cut_inside_words() -> None:
    # The control: fpdf2 alone has no break opportunity in Thai and cuts wherever the line is full.
    lines = _rendered_lines(PARAGRAPH, width=45)

    boundaries = _word_boundaries(PARAGRAPH)
    ends = [len("".join(lines[: i + 1])) for i in range(len(lines) - 1)]
    assert any(end not in boundaries for end in ends)


def test_segmentation_marks_thai_word_boundaries_only() -> None:
    marked = segment_for_wrapping("ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร")

    assert marked.split(WORD_BREAK) == ["ใบอนุญาต", "จัดตั้ง", "สถานที่", "จำหน่าย", "อาหาร"]


@pytest.mark.parametrize(
    "text",
    [
        "Food Shop Establishment Licence",
        "saraban@klongnoy.go.th",
        "https://klongnoy.go.th/verify/FS-2569-00012",
        "2,500.00",
        "๒,๕๐๐.๐๐",
    ],
)
def test_segmentation_leaves_latin_text_numbers_and_addresses_alone(text: str) -> None:
    assert segment_for_wrapping(text) == text


def test_segmentation_never_breaks_next_to_punctuation_or_before_repetition_mark() -> None:
    marked = segment_for_wrapping("อาหาร (พื้นที่เกิน 200 ตารางเมตร) เรื่องต่าง ๆ พ.ศ. 2565")

    assert WORD_BREAK + ")" not in marked and "(" + WORD_BREAK not in marked
    assert "พ.ศ." in marked
    # The space before ๆ becomes a no-break space: the mark never starts a line.
    assert "\u00a0ๆ" in marked and " ๆ" not in marked


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Dotted abbreviations in the dictionary used to cut "โทร." into "โท|ร." and "บ้าน" into "บ้า|น.".
        ("โทร. 077-355-101", ["โทร. 077-355-101"]),
        ("ทะเบียนบ้าน.jpg", ["ทะเบียนบ้าน.jpg"]),
        ("เวลา 08:30 น.", ["เวลา 08:30 น."]),
        ("สแกนคิวอาร์โค้ด", ["สแกน", "คิวอาร์โค้ด"]),
    ],
)
def test_segmentation_keeps_abbreviations_and_file_names_whole(text: str, words: list[str]) -> None:
    assert segment_for_wrapping(text).split(WORD_BREAK) == words


def test_segmentation_is_idempotent() -> None:
    once = segment_for_wrapping(PARAGRAPH)

    assert segment_for_wrapping(once) == once


# -- amounts in words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("satang", "words"),
    [
        (0, "ศูนย์บาทถ้วน"),
        (1, "หนึ่งสตางค์"),
        (50, "ห้าสิบสตางค์"),
        (100, "หนึ่งบาทถ้วน"),
        (101, "หนึ่งบาทหนึ่งสตางค์"),
        (1_000, "สิบบาทถ้วน"),
        (1_100, "สิบเอ็ดบาทถ้วน"),
        (2_001, "ยี่สิบบาทหนึ่งสตางค์"),
        (2_125, "ยี่สิบเอ็ดบาทยี่สิบห้าสตางค์"),
        (10_100, "หนึ่งร้อยเอ็ดบาทถ้วน"),
        (250_000, "สองพันห้าร้อยบาทถ้วน"),
        (212_525, "สองพันหนึ่งร้อยยี่สิบห้าบาทยี่สิบห้าสตางค์"),
        (10_000_100, "หนึ่งแสนเอ็ดบาทถ้วน"),
        (100_000_000, "หนึ่งล้านบาทถ้วน"),
        (100_000_100, "หนึ่งล้านเอ็ดบาทถ้วน"),
        (1_000_001_000, "สิบล้านสิบบาทถ้วน"),
        (1_100_000_000, "สิบเอ็ดล้านบาทถ้วน"),
        (2_100_000_000, "ยี่สิบเอ็ดล้านบาทถ้วน"),
        (10_100_000_000, "หนึ่งร้อยเอ็ดล้านบาทถ้วน"),
        (123_456_789, "หนึ่งล้านสองแสนสามหมื่นสี่พันห้าร้อยหกสิบเจ็ดบาทแปดสิบเก้าสตางค์"),
        (100_000_000_000_000, "หนึ่งล้านล้านบาทถ้วน"),
    ],
)
def test_baht_text(satang: int, words: str) -> None:
    assert baht_text(satang) == words


def test_baht_text_refuses_a_negative_amount() -> None:
    with pytest.raises(ValueError):
        baht_text(-1)


def test_format_baht() -> None:
    assert format_baht(250_000) == "2,500.00 บาท"
    assert format_baht(2_125) == "21.25 บาท"
    assert format_baht(123_456_789) == "1,234,567.89 บาท"
    assert format_baht(250_000, thai_digits=True) == "๒,๕๐๐.๐๐ บาท"


# -- form answers as printed --------------------------------------------------------------------------


def test_answers_are_printed_by_their_thai_labels_and_thai_formats(tenant: Tenant) -> None:
    food, fire = tenant.service("food-shop"), tenant.service("fire-certificate")

    assert format_answer(food.field("food_type"), "food_court") == "ศูนย์อาหาร"
    assert format_answer(food.field("area_sqm"), 12500) == "12,500"
    assert format_answer(food.field("area_sqm"), 1250.5) == "1,250.5"
    assert format_answer(food.field("seats"), None) == "-"
    assert format_answer(fire.field("incident_date"), "2026-01-22") == "22 มกราคม 2569"
    assert format_answer(fire.field("damage"), ["house", "documents"]) == "บ้านเรือน, เอกสารสำคัญ"
    assert format_answer(food.field("hygiene_training"), True) == "ใช่"
    assert format_answer(food.field("area_sqm"), 12500, thai_digits=True) == "๑๒,๕๐๐"


# -- the documents ------------------------------------------------------------------------------------


def test_licence_shows_the_template_fields_validity_conditions_and_signer(tenant: Tenant) -> None:
    pdf = render_licence(tenant, tenant.service("food-shop"), _licence_data())

    _assert_phrases(
        pdf,
        [
            "เทศบาลตำบลคลองน้อย",
            "Khlong Noi Subdistrict Municipality",
            "077-355-101",
            "ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร",
            "เลขที่ใบอนุญาต",
            "FS-2569-00012",
            "นางสาวพิมพ์ใจ ศรีสุข",
            "ชื่อสถานที่จำหน่ายอาหาร",
            "ร้านครัวคุณยายริมคลอง",
            "ร้านอาหาร ภัตตาคาร",  # the Thai label of the choice "restaurant"
            "1,250",
            "3 กุมภาพันธ์ 2569",
            "2 กุมภาพันธ์ 2570",
            "ต้องแสดงใบอนุญาตนี้ไว้ในที่เปิดเผยเห็นได้ง่าย",
            "นายกเทศมนตรีตำบลคลองน้อย",
            VERIFY_CAPTION,
            "เลขที่อ้างอิง FS-2569-00012",  # the footer
        ],
    )
    assert "restaurant" not in _text(pdf)


def test_licence_qr_code_encodes_the_verification_url(tenant: Tenant) -> None:
    pdf = render_licence(tenant, tenant.service("food-shop"), _licence_data())

    assert _qr_matrices(pdf) == [_segno_matrix(VERIFY_URL)]


def test_licence_is_a4_with_sarabun_regular_and_bold_embedded(tenant: Tenant) -> None:
    reader = PdfReader(BytesIO(render_licence(tenant, tenant.service("food-shop"), _licence_data())))

    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    resources = cast(DictionaryObject, page["/Resources"])
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for font in cast(DictionaryObject, resources["/Font"]).values()
    }
    assert fonts == {"Sarabun", "SarabunBold"}
    assert reader.metadata is not None and reader.metadata.title == "ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร"


def test_rendering_the_same_licence_twice_gives_the_same_file(tenant: Tenant) -> None:
    # A retried saga step must not produce a second, different licence.
    food = tenant.service("food-shop")

    assert render_licence(tenant, food, _licence_data()) == render_licence(tenant, food, _licence_data())


def test_licence_without_expiry_and_in_thai_digits(tenant: Tenant) -> None:
    fire = tenant.service("fire-certificate")
    data = _licence_data(
        licence_number="FC-2569-00003",
        valid_until=None,
        answers={
            "applicant_name": "นายสมชาย ใจดี",
            "incident_date": "2026-01-22",
            "incident_address": "12 หมู่ 4 ตำบลคลองน้อย",
        },
        holder_name="นายสมชาย ใจดี",
    )

    pdf = render_licence(tenant, fire, data, thai_digits=True)

    _assert_phrases(
        pdf,
        [
            "หนังสือรับรองการเกิดอัคคีภัย",
            "ไม่มีกำหนดอายุ",
            "๒๒ มกราคม ๒๕๖๙",  # the answer, a date
            "๓ กุมภาพันธ์ ๒๕๖๙",  # the date of issue
            "FC-2569-00003",  # references keep ASCII digits: they are typed back
        ],
    )


def test_acknowledgment_gives_receipt_number_time_of_receipt_phones_and_tracking(tenant: Tenant) -> None:
    data = AcknowledgmentData(
        receipt_number="12/2569",
        request_reference="KN-2569-0001234",
        applicant_name="นางสาวพิมพ์ใจ ศรีสุข",
        submitted_at=datetime(2026, 1, 25, 21, 33, tzinfo=BANGKOK),
        deemed_received_at=datetime(2026, 1, 26, 8, 30, tzinfo=BANGKOK),
        expected_completion=datetime(2026, 3, 10, 16, 30, tzinfo=BANGKOK),
        tracking_url="https://klongnoy.go.th/track/KN-2569-0001234",
        attachments=["บัตรประชาชน.pdf", "แผนผังร้าน.pdf"],
        declaration_hash="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    )

    pdf = render_acknowledgment(tenant, tenant.service("food-shop"), data)

    _assert_phrases(
        pdf,
        [
            "ใบตอบรับการยื่นคำขอ",
            "เลขรับ",
            "12/2569",
            "KN-2569-0001234",
            "ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร (พื้นที่เกิน 200 ตารางเมตร)",
            "25 มกราคม 2569 เวลา 21:33 น.",
            "26 มกราคม 2569 เวลา 08:30 น.",
            "นอกวันและเวลาราชการ",  # why the two times differ
            "10 มีนาคม 2569",
            "30 วันทำการ",
            "แผนผังร้าน.pdf",
            "https://klongnoy.go.th/track/KN-2569-0001234",
            "งานสารบรรณ",
            "077-355-101",  # the records office
            "077-355-105",  # the responsible unit
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ],
    )
    assert _qr_matrices(pdf) == [_segno_matrix(data.tracking_url)]


def test_refusal_letter_gives_reasons_legal_basis_and_appeal(tenant: Tenant) -> None:
    data = RefusalData(
        request_reference="KN-2569-0000777",
        applicant_name="นายสมชาย ใจดี",
        decided_at=datetime(2026, 2, 10, 14, 0, tzinfo=BANGKOK),
        reasons=["สถานที่เกิดเหตุตามคำขออยู่นอกเขตเทศบาลตำบลคลองน้อย", "ไม่ปรากฏบันทึกการเกิดเหตุในวันที่ระบุ"],
        legal_basis="ระเบียบกระทรวงมหาดไทยว่าด้วยการป้องกันและบรรเทาสาธารณภัย",
        appeal="ท่านมีสิทธิอุทธรณ์ต่อนายกเทศมนตรีตำบลคลองน้อยภายในสิบห้าวันนับแต่วันที่ได้รับแจ้ง",
    )

    pdf = render_refusal(tenant, tenant.service("fire-certificate"), data)

    _assert_phrases(
        pdf,
        [
            "หนังสือแจ้งผลการพิจารณาคำขอ",
            "เรียน นายสมชาย ใจดี",
            "10 กุมภาพันธ์ 2569",
            "ไม่อาจอนุญาตได้",
            "1. สถานที่เกิดเหตุตามคำขออยู่นอกเขตเทศบาลตำบลคลองน้อย",
            "2. ไม่ปรากฏบันทึกการเกิดเหตุในวันที่ระบุ",
            "ระเบียบกระทรวงมหาดไทยว่าด้วยการป้องกันและบรรเทาสาธารณภัย",
            "สิทธิอุทธรณ์",
            "ภายในสิบห้าวันนับแต่วันที่ได้รับแจ้ง",
            "077-355-199",  # the responsible unit of this service
        ],
    )


def test_fee_invoice_gives_amount_in_figures_and_words_channels_deadline_and_thai_qr(tenant: Tenant) -> None:
    data = InvoiceData(
        invoice_number="INV-2569-000045",
        request_reference="KN-2569-0001234",
        payer_name="นางสาวพิมพ์ใจ ศรีสุข",
        amount_satang=250_000,
        due_at=datetime(2026, 2, 18, 23, 59, tzinfo=BANGKOK),
        qr_payload=THAI_QR,
        lines=[("ค่าธรรมเนียมใบอนุญาต พื้นที่ 250 ตารางเมตร", 250_000)],
    )

    pdf = render_fee_invoice(tenant, tenant.service("food-shop"), data)

    _assert_phrases(
        pdf,
        [
            "ใบแจ้งชำระค่าธรรมเนียม",
            "INV-2569-000045",
            "2,500.00 บาท",
            "(สองพันห้าร้อยบาทถ้วน)",
            "18 กุมภาพันธ์ 2569 เวลา 23:59 น.",
            "Thai QR Payment",
            "บัตรเครดิตหรือบัตรเดบิต",  # the channels of the tenant: thai_qr, card, slip_upload
            "แนบหลักฐานการโอนเงิน",
            "ธนาคารกรุงไทย สาขาสุราษฎร์ธานี",
            "099400016123401",
            "จำหน่ายเรื่อง",  # Q6.8: what happens after the deadline
        ],
    )
    assert "เคาน์เตอร์ธนาคาร เข้าบัญชี" not in _text(pdf)  # bank_counter is not a channel of this tenant
    assert _qr_matrices(pdf) == [_segno_matrix(THAI_QR)]


def test_fee_invoice_lines_must_add_up_to_the_amount(tenant: Tenant) -> None:
    data = InvoiceData(
        invoice_number="INV-1",
        request_reference="KN-1",
        payer_name="นายสมชาย ใจดี",
        amount_satang=250_000,
        due_at=datetime(2026, 2, 18, 23, 59, tzinfo=BANGKOK),
        qr_payload=THAI_QR,
        lines=[("ค่าธรรมเนียม", 200_000)],
    )

    with pytest.raises(RenderError) as caught:
        render_fee_invoice(tenant, tenant.service("food-shop"), data)
    assert caught.value.code == "invoice.total_mismatch"


def test_electronic_receipt(tenant: Tenant) -> None:
    data = ReceiptData(
        receipt_number="RC-2569-000031",
        request_reference="KN-2569-0001234",
        payer_name="นางสาวพิมพ์ใจ ศรีสุข",
        amount_satang=212_525,
        paid_at=datetime(2026, 2, 12, 9, 41, tzinfo=BANGKOK),
        channel="thai_qr",
        transaction_reference="202602120941KTB0001",
    )

    pdf = render_receipt(tenant, tenant.service("food-shop"), data)

    _assert_phrases(
        pdf,
        [
            "ใบเสร็จรับเงินอิเล็กทรอนิกส์",
            "RC-2569-000031",
            "12 กุมภาพันธ์ 2569 เวลา 09:41 น.",
            "2,125.25 บาท",
            "(สองพันหนึ่งร้อยยี่สิบห้าบาทยี่สิบห้าสตางค์)",
            "Thai QR Payment",
            "202602120941KTB0001",
            "ได้รับเงินจำนวนดังกล่าวไว้ถูกต้องแล้ว",
        ],
    )


@pytest.mark.parametrize(
    ("status", "title", "word"),
    [
        ("suspended", "หนังสือแจ้งการพักใช้ใบอนุญาต", "พักใช้"),
        ("revoked", "หนังสือแจ้งการเพิกถอนใบอนุญาต", "เพิกถอน"),
        ("expired", "หนังสือแจ้งใบอนุญาตสิ้นอายุ", "สิ้นอายุ"),
        ("in_force", "หนังสือแจ้งการกลับมามีผลใช้บังคับของใบอนุญาต", "มีผลใช้บังคับ"),
    ],
)
def test_status_notice(tenant: Tenant, status: str, title: str, word: str) -> None:
    data = NoticeData(
        licence_number="FS-2569-00012",
        holder_name="นางสาวพิมพ์ใจ ศรีสุข",
        new_status=status,  # type: ignore[arg-type]
        reason="ไม่ผ่านเกณฑ์ด้านสุขลักษณะตามกฎกระทรวง",
        effective_at=datetime(2026, 6, 1, 9, 0, tzinfo=BANGKOK),
        until=date(2026, 7, 1) if status == "suspended" else None,
    )

    pdf = render_status_notice(tenant, tenant.service("food-shop"), data)

    phrases = [title, word, "FS-2569-00012", "1 มิถุนายน 2569 เวลา 09:00 น.", "ไม่ผ่านเกณฑ์ด้านสุขลักษณะ"]
    if status == "suspended":
        phrases.append("จนถึงวันที่ 1 กรกฎาคม 2569")
    _assert_phrases(pdf, phrases)


ESERVICE = "https://eservice.klongnoy.go.th"


def _issue(**changes: object) -> AnnouncementIssue:
    values: dict[str, object] = {
        "number": "3/2569",
        "announced_on": date(2026, 1, 5),
        "signer_name": "นายสมศักดิ์ รักถิ่น",
        "signer_position": "นายกเทศมนตรีตำบลคลองน้อย",
    }
    values.update(changes)
    return AnnouncementIssue(**values)  # type: ignore[arg-type]


def test_channels_announcement_follows_the_section_10_template(tenant: Tenant) -> None:
    content = announcement_content(tenant, "channels", eservice_url=ESERVICE)

    pdf = render_channels_announcement(tenant, content, _issue())

    text = _text(pdf)
    _assert_phrases(
        pdf,
        [
            "ประกาศเทศบาลตำบลคลองน้อย",
            "ที่ 3/2569",
            "เรื่อง ช่องทางอิเล็กทรอนิกส์สำหรับติดต่อเทศบาลตำบลคลองน้อย",
            "พ.ศ. 2569",
            "อาศัยอำนาจตามความในมาตรา 10 วรรคหนึ่ง",
            "ข้อ 1 ให้ช่องทางอิเล็กทรอนิกส์ต่อไปนี้",
            "(1) ที่อยู่ไปรษณีย์อิเล็กทรอนิกส์ (อีเมล) saraban@klongnoy.go.th",
            "(2) เว็บไซต์ https://klongnoy.go.th",
            ESERVICE,  # the e-Service's own URL
            "(3) แอปพลิเคชัน ไลน์ @klongnoy",  # the application channel
            "ข้อ 2 ในกรณีที่ผู้ยื่นคำขอหรือติดต่อมาทางช่องทางตามข้อ 1",
            "077-355-101",
            "077-355-105",
            "077-355-199",
            "ข้อ 3 ประชาชนอาจใช้วิธีการบันทึกภาพจากหน้าจอคอมพิวเตอร์",  # screenshots as preliminary evidence
            "ประกาศ ณ วันที่ 5 มกราคม พ.ศ. 2569",
            "(นายสมศักดิ์ รักถิ่น)",
            "นายกเทศมนตรีตำบลคลองน้อย",
        ],
    )
    # Nothing beyond the template: three clauses, no office-hours clause, no blank signature line.
    assert not _contains(text, "ข้อ 4")
    assert not _contains(text, "เวลา 08:30")
    assert "....." not in text


def test_channels_announcement_in_thai_digits_keeps_addresses_typeable(tenant: Tenant) -> None:
    content = announcement_content(tenant, "channels", eservice_url=ESERVICE)

    pdf = render_channels_announcement(tenant, content, _issue(), thai_digits=True)

    _assert_phrases(pdf, ["มาตรา ๑๐ วรรคหนึ่ง", "ประกาศ ณ วันที่ ๕ มกราคม พ.ศ. ๒๕๖๙", "saraban@klongnoy.go.th"])


def test_a_second_edition_cancels_the_first_as_the_template_note_says(tenant: Tenant) -> None:
    content = announcement_content(tenant, "channels", eservice_url=ESERVICE)

    pdf = render_channels_announcement(tenant, content, _issue(edition=2, replaces_year=2568))

    _assert_phrases(
        pdf,
        [
            "เรื่อง ช่องทางอิเล็กทรอนิกส์สำหรับติดต่อเทศบาลตำบลคลองน้อย (ฉบับที่ 2)",
            "ข้อ 1 ให้ยกเลิกประกาศเทศบาลตำบลคลองน้อย เรื่อง ช่องทางอิเล็กทรอนิกส์สำหรับติดต่อเทศบาลตำบลคลองน้อย พ.ศ. 2568",
            "ข้อ 2 ให้ช่องทางอิเล็กทรอนิกส์ต่อไปนี้",
            "ทางช่องทางตามข้อ 2",
            "ข้อ 4 ประชาชนอาจใช้วิธีการบันทึกภาพ",
        ],
    )


def test_display_announcement_names_each_licence_with_its_law(tenant: Tenant) -> None:
    content = announcement_content(tenant, "display", eservice_url=ESERVICE)

    pdf = render_display_announcement(tenant, content, _issue())

    _assert_phrases(
        pdf,
        [
            "เรื่อง วิธีการแสดงใบอนุญาตโดยวิธีการทางอิเล็กทรอนิกส์",
            "มาตรา 13 (1)",
            "ข้อ 1 ประกาศนี้ให้ใช้บังคับตั้งแต่วันประกาศในราชกิจจานุเบกษาเป็นต้นไป",
            "(1) ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร ตามกฎหมายว่าด้วยการสาธารณสุข",
            "แสดงเป็นภาพผ่านอุปกรณ์อิเล็กทรอนิกส์",
            "แสดงเป็นคิวอาร์โค้ด",
            f"ระบบบริการอิเล็กทรอนิกส์ (e-Service) ของเทศบาลตำบลคลองน้อย ที่ {ESERVICE}",
            "ไม่น้อยกว่าห้าวินาที",
            "ประกาศ ณ วันที่ 5 มกราคม พ.ศ. 2569",
            "(นายสมศักดิ์ รักถิ่น)",
        ],
    )
    # The fire certificate has no public register: it is not a licence to display.
    assert not _contains(_text(pdf), "หนังสือรับรองการเกิดอัคคีภัย")


def test_display_announcement_needs_a_licence_to_display(tenant: Tenant) -> None:
    with pytest.raises(RenderError) as caught:
        render_display_announcement(tenant, {"licences": [], "eservice_url": ESERVICE}, _issue())
    assert caught.value.code == "announcement.no_public_licence"


def test_payment_announcement_names_the_account_methods_and_how_to_report(tenant: Tenant) -> None:
    content = announcement_content(tenant, "payment", eservice_url=ESERVICE)

    pdf = render_payment_announcement(tenant, content, _issue())

    _assert_phrases(
        pdf,
        [
            "เรื่อง วิธีการชำระเงินทางอิเล็กทรอนิกส์",
            "บัญชีชื่อ เทศบาลตำบลคลองน้อย ธนาคารกรุงไทย สาขาสุราษฎร์ธานี",
            "Thai QR Payment",
            "บัตรเครดิตหรือบัตรเดบิต",
            "ตู้ ATM",
            ESERVICE,
            "saraban@klongnoy.go.th",
            "ชื่อบัญชีที่รับชำระเงิน วันที่ชำระเงิน จำนวนเงินที่ชำระ",
            "transaction reference number",
            "(นายสมศักดิ์ รักถิ่น)",
        ],
    )
    # bank_counter is not among the demo agency's channels: it is not announced.
    assert not _contains(_text(pdf), "เคาน์เตอร์ธนาคาร")


def test_internal_systems_order_designates_the_e_service(tenant: Tenant) -> None:
    content = announcement_content(tenant, "internal-systems", eservice_url=ESERVICE)

    pdf = render_internal_systems_order(tenant, content, _issue(number="15/2569"))

    _assert_phrases(
        pdf,
        [
            "คำสั่งเทศบาลตำบลคลองน้อย",
            "ที่ 15/2569",
            "เรื่อง ระบบสำหรับการปฏิบัติหน้าที่โดยวิธีการทางอิเล็กทรอนิกส์",
            "มาตรา 16 วรรคหนึ่ง",
            f"ระบบบริการอิเล็กทรอนิกส์ (e-Service) ของหน่วยงาน ที่ {ESERVICE}",
            "@klongnoy.go.th",
            "คำสั่งใดขัดหรือแย้งกับคำสั่งนี้ ให้ใช้คำสั่งนี้แทน",
            "ทั้งนี้ ตั้งแต่วันที่ 5 มกราคม พ.ศ. 2569 เป็นต้นไป",
            "สั่ง ณ วันที่ 5 มกราคม พ.ศ. 2569",
        ],
    )


def test_a_character_the_font_cannot_draw_is_refused_not_dropped(tenant: Tenant) -> None:
    # With shaping on, fpdf2 would silently leave the character out of the holder's name.
    data = _licence_data(holder_name="นายสมชาย ใจดี 张")

    with pytest.raises(RenderError) as caught:
        render_licence(tenant, tenant.service("food-shop"), data)
    assert caught.value.code == "text.unsupported_character"
    assert "U+5F20" in str(caught.value)


def test_importing_the_renderer_loads_neither_fpdf_nor_the_thai_dictionary() -> None:
    code = (
        "import sys, eservice_pdf.render, eservice_pdf.thai_text; "
        "heavy = [m for m in ('fpdf', 'pythainlp', 'segno', 'fontpkg_sarabun') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
