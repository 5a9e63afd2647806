"""Uploaded documents (Q3.4, R-3.3): the real type from the content, size limits, safe names."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib

import pytest

from eservice.errors import InvalidInput
from eservice.files import CheckedFile, check_upload, media_type, sniff_format
from eservice.tenant import DocumentFormat, RequiredDocument, load_tenant, tenants_dir

TENANT = load_tenant(tenants_dir() / "klongnoy.yaml")
FOOD_SHOP = TENANT.service("food-shop")
FIRE = TENANT.service("fire-certificate")


def document(service_id: str, document_id: str) -> RequiredDocument:
    return next(d for d in TENANT.service(service_id).documents if d.id == document_id)


# every slot accepts at least pdf, doc, docx, txt and jpeg.
ID_CARD = document("food-shop", "id_card")  # the minimum + png; 5 MB
SHOP_MAP = document("food-shop", "shop_map")  # the minimum + png, tiff, bmp; 20 MB, oversize route
HEALTH_CERTIFICATE = document("food-shop", "health_certificate")  # the minimum + png
POLICE_REPORT = document("fire-certificate", "police_report")  # the minimum + png

MB = 1024 * 1024

# --- real minimal files -------------------------------------------------------------------------------

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
    b"startxref\n0\n%%EOF\n"
)


def png_1x1() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = png_1x1()
# SOI, a JFIF APP0 segment, then EOI: the header every JPEG camera and scanner writes.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def bmp_1x1() -> bytes:
    pixel_row = b"\x00\x00\xff\x00"  # one blue-green-red pixel, padded to 4 bytes
    info = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, len(pixel_row), 2835, 2835, 0, 0)
    size = 14 + len(info) + len(pixel_row)
    return b"BM" + struct.pack("<IHHI", size, 0, 0, 14 + len(info)) + info + pixel_row


BMP = bmp_1x1()


def tiff_1x1(byte_order: bytes = b"II") -> bytes:
    endian = "<" if byte_order == b"II" else ">"
    entries = [
        (256, 3, 1, 1),
        (257, 3, 1, 1),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8 + 2 + 4 * 12 + 4),
    ]
    ifd = struct.pack(f"{endian}H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack(f"{endian}H", value) + b"\x00\x00" if kind == 3 else struct.pack(f"{endian}I", value)
        ifd += struct.pack(f"{endian}HHI", tag, kind, count) + packed
    ifd += struct.pack(f"{endian}I", 0)
    return byte_order + struct.pack(f"{endian}HI", 42, 8) + ifd + b"\xff"


TIFF = tiff_1x1()


def ole2(stream_name: str) -> bytes:
    """A minimal compound file: header, one FAT sector, one directory sector (root + one stream)."""
    end_of_chain, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    assert len(header) == 512
    fat = struct.pack("<II", fat_sector, end_of_chain) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, child: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        body = encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
        body += struct.pack("<III", free, free, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
        return body + struct.pack("<IQ", end_of_chain, 0)

    directory = entry("Root Entry", 5, 1) + entry(stream_name, 2, free)
    directory = directory.ljust(512, b"\x00")
    return header + fat + directory


DOC = ole2("WordDocument")
XLS = ole2("Workbook")


def office_zip(content_type: str, part: str, extra: dict[str, bytes] | None = None) -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<document><body><p>ใบรับรองแพทย์</p></body></document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = office_zip(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/document.xml"
)
XLSX = office_zip("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/workbook.xml")
DOCM = office_zip(
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "word/document.xml",
    {"word/vbaProject.bin": b"x"},
)


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/fire.txt", "not a document")
    return buffer.getvalue()


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
)
THAI_REPORT = "บันทึกประจำวัน สถานีตำรวจภูธรเมืองสุราษฎร์ธานี\nเหตุเพลิงไหม้บ้านเลขที่ 12 หมู่ 3 ตำบลคลองน้อย\n"


# --- sniffing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, DocumentFormat.PDF),
        (PNG, DocumentFormat.PNG),
        (JPEG, DocumentFormat.JPEG),
        (BMP, DocumentFormat.BMP),
        (TIFF, DocumentFormat.TIFF),
        (tiff_1x1(b"MM"), DocumentFormat.TIFF),
        (DOC, DocumentFormat.DOC),
        (DOCX, DocumentFormat.DOCX),
        (THAI_REPORT.encode("utf-8"), DocumentFormat.TXT),
        (THAI_REPORT.encode("utf-8-sig"), DocumentFormat.TXT),
        (THAI_REPORT.encode("tis-620"), DocumentFormat.TXT),
        (b"Police report no. 12/2566\r\n", DocumentFormat.TXT),
        (b"BMW 520d burnt in the carport, see photos\n", DocumentFormat.TXT),  # "BM" but no bitmap header
    ],
)
def test_given_real_file_bytes_when_sniffed_then_format_found(data: bytes, expected: DocumentFormat) -> None:
    assert sniff_format(data) == expected


def test_given_bytes_before_the_pdf_header_when_sniffed_then_it_is_not_a_pdf() -> None:
    # An HTML page that quotes "%PDF-" is not a PDF: the header comes first, as readers expect.
    assert sniff_format(b"<html><body>%PDF-1.7 sample</body></html>") == DocumentFormat.TXT
    assert sniff_format(b"\r\n" + PDF) != DocumentFormat.PDF
    assert sniff_format(b"\x01" * 1024 + PDF) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        EXE,
        EXE + b"%PDF-1.7\n",
        b"\x7fELF\x02\x01\x01" + b"\x00" * 9,
        b"#!/bin/sh\necho hi\n",
        XLS,
        XLSX,
        DOCM,
        plain_zip(),
        DOCX[:200],  # truncated: the central directory is missing
        b"\x00\x01\x02\x03" * 100,
        bytes(range(1, 32)) * 20,
    ],
    ids=[
        "empty",
        "exe",
        "exe-with-pdf-marker",
        "elf",
        "script",
        "xls",
        "xlsx",
        "docm",
        "zip",
        "truncated-docx",
        "binary",
        "control-bytes",
    ],
)
def test_given_bytes_of_no_accepted_format_when_sniffed_then_none(data: bytes) -> None:
    assert sniff_format(data) is None


def test_given_first_8_kib_cut_inside_a_thai_character_when_sniffed_then_still_text() -> None:
    # Every Thai character is 3 bytes in UTF-8 and 8192 is not a multiple of 3.
    head = ("บันทึกประจำวัน" * 400).encode("utf-8")[:8192]
    with pytest.raises(UnicodeDecodeError):
        head.decode("utf-8")
    assert sniff_format(head) == DocumentFormat.TXT


def test_given_each_format_when_media_type_then_iana_name() -> None:
    assert media_type(DocumentFormat.PDF) == "application/pdf"
    assert media_type(DocumentFormat.DOC) == "application/msword"
    assert media_type(DocumentFormat.DOCX).endswith("wordprocessingml.document")
    assert media_type(DocumentFormat.JPEG) == "image/jpeg"
    assert {media_type(f) for f in DocumentFormat} >= {"image/png", "image/tiff", "image/bmp", "text/plain"}


# --- accepted uploads ----------------------------------------------------------------------------------


def test_given_pdf_id_card_when_checked_then_described() -> None:
    checked = check_upload(PDF, ID_CARD, declared_name="สำเนาบัตรประชาชน.pdf")
    assert checked == CheckedFile(
        format=DocumentFormat.PDF,
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        media_type="application/pdf",
        safe_name="สำเนาบัตรประชาชน.pdf",
    )


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (DOC, "ใบรับรองแพทย์.doc", DocumentFormat.DOC),
        (DOCX, "ใบรับรองแพทย์.docx", DocumentFormat.DOCX),
        (JPEG, "IMG_0001.JPG", DocumentFormat.JPEG),
        (JPEG, "scan.jpeg", DocumentFormat.JPEG),
        (PNG, "scan.png", DocumentFormat.PNG),
    ],
)
def test_given_health_certificate_in_an_accepted_format_when_checked_then_accepted(
    data: bytes, name: str, fmt: DocumentFormat
) -> None:
    checked = check_upload(data, HEALTH_CERTIFICATE, declared_name=name)
    assert checked.format == fmt
    assert checked.media_type == media_type(fmt)


@pytest.mark.parametrize(("data", "name"), [(BMP, "แผนผัง.bmp"), (TIFF, "แผนผัง.tif"), (TIFF, "แผนผัง.TIFF")])
def test_given_shop_map_as_bitmap_or_tiff_when_checked_then_accepted(data: bytes, name: str) -> None:
    assert check_upload(data, SHOP_MAP, declared_name=name).safe_name == name.replace("TIFF", "tiff")


@pytest.mark.parametrize(
    ("encoding", "charset"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("tis-620", "windows-874")]
)
def test_given_thai_police_report_as_text_when_checked_then_accepted_with_its_charset(
    encoding: str, charset: str
) -> None:
    checked = check_upload(THAI_REPORT.encode(encoding), POLICE_REPORT, declared_name="บันทึกประจำวัน.txt")
    assert checked.format == DocumentFormat.TXT
    assert checked.media_type == f"text/plain; charset={charset}"


def test_given_file_exactly_at_the_limit_when_checked_then_accepted() -> None:
    body, trailer = PDF.split(b"trailer")
    padding = 5 * MB - len(PDF) - 2  # a comment line inside the file, so it still ends as a PDF does
    data = body + b"%" + b"0" * padding + b"\n" + b"trailer" + trailer
    assert check_upload(data, ID_CARD, declared_name="id.pdf").size == 5 * MB


# --- refused uploads -----------------------------------------------------------------------------------


def rejection(data: bytes, doc: RequiredDocument, name: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check_upload(data, doc, declared_name=name)
    error = caught.value
    assert error.status == 400
    assert [(d.field, d.code) for d in error.details] == [(doc.id, error.code)]
    assert error.th and error.en
    return error


def test_given_empty_file_when_checked_then_file_empty() -> None:
    assert rejection(b"", ID_CARD, "id.pdf").code == "file.empty"


def test_given_file_over_the_limit_when_checked_then_too_large_names_the_limit() -> None:
    error = rejection(PDF + b"0" * (5 * MB), ID_CARD, "id.pdf")
    assert error.code == "file.too_large"
    assert "5 MB" in error.th and "5 MB" in error.en


def test_given_shop_map_over_20_mb_when_checked_then_message_names_the_oversize_route() -> None:
    error = rejection(PDF + b"0" * (20 * MB), SHOP_MAP, "map.pdf")
    assert error.code == "file.too_large"
    assert "20 MB" in error.en and "saraban@klongnoy.go.th" in error.en
    assert "saraban@klongnoy.go.th" in error.th


def test_given_exe_renamed_pdf_when_checked_then_type_not_allowed_naming_accepted_formats() -> None:
    error = rejection(EXE, ID_CARD, "id.pdf")
    assert error.code == "file.type_not_allowed"
    assert "PDF, DOC, DOCX, TXT, JPEG, PNG" in error.th and "PDF, DOC, DOCX, TXT, JPEG, PNG" in error.en
    # Issue 13: it says exactly that a file named .pdf is not a PDF.
    assert "ชื่อลงท้ายด้วย .pdf แต่เนื้อหาไม่ใช่ไฟล์ PDF" in error.th
    assert "ends in .pdf but its content is not a PDF file" in error.en


def test_given_png_named_pdf_when_checked_then_type_mismatch() -> None:
    error = rejection(PNG, ID_CARD, "scan.pdf")
    assert error.code == "file.type_mismatch"
    assert "PNG" in error.en and ".pdf" in error.en
    assert "PNG" in error.th and ".pdf" in error.th


@pytest.mark.parametrize(
    ("data", "doc", "name"),
    [
        (TIFF, ID_CARD, "id.tif"),  # a real format, but not one this document accepts
        (BMP, ID_CARD, "id.bmp"),
        (BMP, HEALTH_CERTIFICATE, "certificate.bmp"),
        (XLSX, HEALTH_CERTIFICATE, "certificate.docx"),
        (DOCM, HEALTH_CERTIFICATE, "certificate.docx"),
        (plain_zip(), HEALTH_CERTIFICATE, "certificate.docx"),
        (XLS, HEALTH_CERTIFICATE, "certificate.doc"),
    ],
)
def test_given_content_not_accepted_for_the_document_when_checked_then_type_not_allowed(
    data: bytes, doc: RequiredDocument, name: str
) -> None:
    assert rejection(data, doc, name).code == "file.type_not_allowed"


def test_given_tiff_for_id_card_named_png_when_checked_then_not_allowed_rather_than_mismatch() -> None:
    # The content decides first: a format the document does not take is refused whatever its name.
    assert rejection(TIFF, ID_CARD, "id.png").code == "file.type_not_allowed"


def test_given_docx_named_doc_when_checked_then_type_mismatch() -> None:
    assert rejection(DOCX, HEALTH_CERTIFICATE, "certificate.doc").code == "file.type_mismatch"


# --- safe names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "safe"),
    [
        ("C:\\Users\\somchai\\Desktop\\สำเนาบัตร.pdf", "สำเนาบัตร.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("บัตร\x00\x1f\n.pdf", "บัตร.pdf"),
        ("invoice\u202efdp.exe.pdf", "invoice fdp.exe.pdf"),
        ('a<b>:"c|d?*.pdf', "a_b___c_d__.pdf"),
        ("  .hidden.pdf", "hidden.pdf"),
        (".pdf", "document.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("scan", "scan.pdf"),
        ("scan.final", "scan.final.pdf"),
        ("scan.PDF", "scan.pdf"),
    ],
)
def test_given_hostile_or_odd_names_when_checked_then_safe_name(declared: str, safe: str) -> None:
    assert check_upload(PDF, ID_CARD, declared_name=declared).safe_name == safe


def test_given_very_long_thai_name_when_checked_then_cut_to_120_keeping_the_extension() -> None:
    name = "สำเนาทะเบียนบ้าน" * 20 + ".pdf"
    safe = check_upload(PDF, ID_CARD, declared_name=name).safe_name
    assert len(safe) <= 120
    assert safe.endswith(".pdf") and safe.startswith("สำเนาทะเบียนบ้าน")


# --- hostile or broken files (issue 10: bad input gets a clear 4xx) ---------------------------------------
def test_given_an_html_page_that_quotes_the_pdf_header_named_pdf_then_it_is_refused_as_not_a_pdf() -> None:
    page = b"<!doctype html><html><body><p>%PDF-1.7 is how a PDF starts</p></body></html>"

    error = rejection(page, POLICE_REPORT, "report.pdf")  # every slot accepts text too

    assert error.code == "file.type_mismatch"
    assert "TXT" in error.en and ".pdf" in error.en


def test_given_a_pdf_cut_short_then_it_is_refused_as_an_incomplete_pdf() -> None:
    error = rejection(PDF[: len(PDF) // 2], ID_CARD, "id.pdf")

    assert error.code == "file.broken_pdf"
    assert "PDF" in error.th and "PDF" in error.en


def test_given_a_word_file_that_expands_a_hundredfold_then_it_is_refused_without_expanding_it() -> None:
    bomb = office_zip(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "word/document.xml",
        {"word/media/filler.bin": b"\x00" * (8 * MB)},
    )
    assert len(bomb) < 64 * 1024  # small on the wire, 8 MB when opened

    assert rejection(bomb, HEALTH_CERTIFICATE, "certificate.docx").code == "file.unsafe_archive"
    assert check_upload(DOCX, HEALTH_CERTIFICATE, declared_name="certificate.docx").format == DocumentFormat.DOCX
