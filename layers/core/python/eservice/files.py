"""Uploaded documents: the real file type read from the content, size limits and a safe file name.

R-3.3 and Q3.4 name the formats an agency accepts per document (at least PDF, DOC, DOCX, TXT and JPEG;
also PNG, TIFF and BMP). The name a browser sends proves nothing, so the type is read from the bytes;
a file whose content and name disagree is refused, because an officer's computer opens a download by
its name. Executables are never recognised as any document format, whatever they are called.
Where the agency turns malware scanning on, a file is accepted only once the scan found no threats.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from eservice.errors import Conflict, FieldError, InvalidInput
from eservice.tenant import DocumentFormat, RequiredDocument

__all__ = [
    "FORMAT_NAMES",
    "SCAN_NO_THREATS_FOUND",
    "SCAN_THREATS_FOUND",
    "CheckedFile",
    "check_scan_result",
    "check_upload",
    "media_type",
    "sniff_format",
]

#: How a format is named to people in messages and on the upload button (Q3.4).
FORMAT_NAMES: dict[DocumentFormat, str] = {
    DocumentFormat.PDF: "PDF",
    DocumentFormat.DOC: "DOC",
    DocumentFormat.DOCX: "DOCX",
    DocumentFormat.TXT: "TXT",
    DocumentFormat.JPEG: "JPEG",
    DocumentFormat.PNG: "PNG",
    DocumentFormat.TIFF: "TIFF",
    DocumentFormat.BMP: "BMP",
}

_MEDIA_TYPES: dict[DocumentFormat, str] = {
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.DOC: "application/msword",
    DocumentFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DocumentFormat.TXT: "text/plain",
    DocumentFormat.JPEG: "image/jpeg",
    DocumentFormat.PNG: "image/png",
    DocumentFormat.TIFF: "image/tiff",
    DocumentFormat.BMP: "image/bmp",
}

_EXTENSIONS: dict[str, DocumentFormat] = {
    "pdf": DocumentFormat.PDF,
    "doc": DocumentFormat.DOC,
    "docx": DocumentFormat.DOCX,
    "txt": DocumentFormat.TXT,
    "jpg": DocumentFormat.JPEG,
    "jpeg": DocumentFormat.JPEG,
    "jpe": DocumentFormat.JPEG,
    "jfif": DocumentFormat.JPEG,
    "png": DocumentFormat.PNG,
    "tif": DocumentFormat.TIFF,
    "tiff": DocumentFormat.TIFF,
    "bmp": DocumentFormat.BMP,
    "dib": DocumentFormat.BMP,
}
_CANONICAL_EXTENSION: dict[DocumentFormat, str] = {
    DocumentFormat.PDF: "pdf",
    DocumentFormat.DOC: "doc",
    DocumentFormat.DOCX: "docx",
    DocumentFormat.TXT: "txt",
    DocumentFormat.JPEG: "jpg",
    DocumentFormat.PNG: "png",
    DocumentFormat.TIFF: "tif",
    DocumentFormat.BMP: "bmp",
}

# Windows PE, ELF, Mach-O (both byte orders, 32/64 bit) and fat binaries, shell scripts.
_EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_PNG = b"\x89PNG\r\n\x1a\n"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# A PDF starts with its header (ISO 32000-1 §7.5.2), and ends with startxref and %%EOF; readers
# tolerate a little trailing garbage, so the end is looked for in the last KiB. (Acrobat also finds a
# header after up to 1 KiB of junk, which let an HTML page with "%PDF-" in it pass as a PDF.)
_PDF_TAIL_WINDOW = 1024
# A DOCX is a ZIP: what its entries declare they expand to, read from the central directory without
# expanding anything. Word documents compress text about 5-10 times; 100 times is a bomb.
_ARCHIVE_MAX_EXPANDED = 200 * 1024 * 1024
_ARCHIVE_MAX_RATIO = 100
# BITMAPCOREHEADER, BITMAPINFOHEADER and its V2-V5 successors.
_BMP_DIB_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
# An OLE2 directory entry naming the main stream of a Word 97-2003 document: "WordDocument" in
# UTF-16LE, padded to 64 bytes, then its name length (26 bytes with the terminator) and type 2 (stream).
_WORD_DOCUMENT_ENTRY = "WordDocument".encode("utf-16-le")
_OLE2_ENTRY_SIZE = 128
_DOCX_MAIN_PART = "wordprocessingml.document.main+xml"
_CONTENT_TYPES_READ_LIMIT = 256 * 1024
# Share of printable characters a text file must have; the rest may be odd control bytes.
_TXT_PRINTABLE_SHARE = 0.95
_TXT_WHITESPACE = frozenset("\t\n\r\f\v")

_MAX_NAME_CHARS = 120
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)
_BYTES_PER_MB = 1024 * 1024

#: Values of the ``GuardDutyMalwareScanStatus`` tag GuardDuty Malware Protection for S3 puts on a scanned
#: object; the others are UNSUPPORTED, ACCESS_DENIED and FAILED (the file could not be scanned).
SCAN_NO_THREATS_FOUND = "NO_THREATS_FOUND"
SCAN_THREATS_FOUND = "THREATS_FOUND"


@dataclass(frozen=True, kw_only=True)
class CheckedFile:
    """An upload that passed :func:`check_upload`: its real format, size, digest and a safe name."""

    format: DocumentFormat
    size: int
    #: hex SHA-256 of the content, kept as evidence that the file did not change (Q3.8, Q3.9).
    sha256: str
    #: Content-Type to store and serve it with; text files name their character set.
    media_type: str
    #: the applicant's file name made safe to store and download: no path, no control characters,
    #: at most 120 characters, Thai kept, extension matching the content.
    safe_name: str


def media_type(fmt: DocumentFormat) -> str:
    """The IANA media type of a document format, e.g. ``application/pdf``."""
    return _MEDIA_TYPES[fmt]


def sniff_format(head: bytes) -> DocumentFormat | None:
    """The document format the bytes really are, or None when they are none of the accepted formats.

    Give it the first 8 KiB for PDF, images and text. DOC and DOCX are containers whose directory may
    lie anywhere in the file: give it the whole file (as :func:`check_upload` does), or they are not
    recognised. A ZIP that is not a Word document (a plain archive, an XLSX, a macro-enabled DOCM) and an
    OLE2 file without a Word stream (XLS, PPT, MSI) are None.
    """
    if not head or head.startswith(_EXECUTABLE_MAGIC):
        return None
    if head.startswith(_PNG):
        return DocumentFormat.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return DocumentFormat.JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return DocumentFormat.TIFF
    if head.startswith(_OLE2):
        return DocumentFormat.DOC if _is_word_97(head) else None
    if head.startswith(_ZIP):
        return DocumentFormat.DOCX if _is_docx(head) else None
    if _is_bmp(head):
        return DocumentFormat.BMP
    if head.startswith(b"%PDF-"):
        return DocumentFormat.PDF
    if _text_encoding(head) is not None:
        return DocumentFormat.TXT
    return None


def check_upload(data: bytes, document: RequiredDocument, *, declared_name: str) -> CheckedFile:
    """Check one upload for a required document (Q3.4, R-3.3) and describe it.

    Raises InvalidInput with code ``file.empty``, ``file.too_large`` (naming the limit and, if the
    document has one, where to send a larger file), ``file.type_not_allowed`` (naming the accepted
    formats) or ``file.type_mismatch`` (the content is one accepted format, the name says another).
    A name without a recognised extension gets the content's extension. 1 MB is 1,048,576 bytes.
    """
    if not data:
        raise _rejection(
            document,
            "file.empty",
            "ไฟล์ว่างเปล่า กรุณาเลือกไฟล์ที่ถูกต้องแล้วอัปโหลดใหม่",
            "The file is empty. Please choose the right file and upload it again.",
        )
    if len(data) > document.max_size_mb * _BYTES_PER_MB:
        limit = f"{document.max_size_mb:g} MB"
        th = f"ไฟล์มีขนาดใหญ่เกิน {limit}"
        en = f"The file is larger than {limit}."
        if document.oversize_route is not None:
            th = f"{th} {document.oversize_route.th}"
            en = f"{en} {document.oversize_route.en}"
        raise _rejection(document, "file.too_large", th, en)
    fmt = sniff_format(data)
    if fmt is None or fmt not in document.formats:
        accepted = ", ".join(FORMAT_NAMES[f] for f in document.formats)
        extension = _split_name(declared_name)[1]
        named_as = _EXTENSIONS.get(extension)
        if fmt is None and named_as is not None:
            # Say exactly what is wrong: "report.pdf" whose content is not a PDF at all (issue 13).
            shown = FORMAT_NAMES[named_as]
            raise _rejection(
                document,
                "file.type_not_allowed",
                f"ไฟล์นี้ชื่อลงท้ายด้วย .{extension} แต่เนื้อหาไม่ใช่ไฟล์ {shown} กรุณาเปิดไฟล์ตรวจสอบ "
                f"หรือบันทึกเป็นไฟล์ใหม่ เอกสารนี้รับเฉพาะไฟล์ {accepted}",
                f"This file's name ends in .{extension} but its content is not a {shown} file. Please open it "
                f"to check, or save it again. This document accepts only {accepted} files.",
            )
        raise _rejection(
            document,
            "file.type_not_allowed",
            f"ไม่รับไฟล์ประเภทนี้ เอกสารนี้รับเฉพาะไฟล์ {accepted}",
            f"This type of file is not accepted. This document accepts only {accepted} files.",
        )
    if fmt == DocumentFormat.PDF and not _pdf_is_complete(data):
        raise _rejection(
            document,
            "file.broken_pdf",
            "ไฟล์นี้ไม่ใช่ PDF ที่สมบูรณ์ (อาจดาวน์โหลดไม่ครบหรือไฟล์เสีย) กรุณาบันทึกเป็น PDF ใหม่แล้วอัปโหลดอีกครั้ง",
            "This file is not a complete PDF (it may be cut short or damaged). "
            "Please save it as a PDF again and upload it.",
        )
    if fmt == DocumentFormat.DOCX and _archive_is_a_bomb(data):
        raise _rejection(
            document,
            "file.unsafe_archive",
            "ไฟล์ Word นี้ขยายตัวผิดปกติเมื่อเปิด ระบบไม่รับไฟล์นี้ กรุณาบันทึกเป็น PDF แล้วอัปโหลดใหม่",
            "This Word file expands abnormally when opened and is not accepted. "
            "Please save it as a PDF and upload that.",
        )
    stem, extension = _split_name(declared_name)
    named = _EXTENSIONS.get(extension)
    if named is not None and named != fmt:
        raise _rejection(
            document,
            "file.type_mismatch",
            f"เนื้อหาของไฟล์เป็น {FORMAT_NAMES[fmt]} แต่ชื่อไฟล์ลงท้ายด้วย .{extension} กรุณาตรวจสอบว่าเลือกไฟล์ถูกต้อง แล้วอัปโหลดใหม่",
            f"The file's content is {FORMAT_NAMES[fmt]} but its name ends in .{extension}. "
            "Please check you chose the right file and upload it again.",
        )
    if named is None:
        # No extension, or one we do not know ("scan.final"): keep the name and add the real one.
        if extension:
            stem = f"{stem}.{extension}"
        extension = _CANONICAL_EXTENSION[fmt]
    content_type = media_type(fmt)
    if fmt == DocumentFormat.TXT:
        content_type = f"{content_type}; charset={_text_encoding(data)}"
    return CheckedFile(
        format=fmt,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=content_type,
        safe_name=_safe_name(stem, extension),
    )


def check_scan_result(status: str | None, document: RequiredDocument) -> None:
    """Accept a file only once the malware scan found no threats in it (Q9.2).

    ``status`` is the object's ``GuardDutyMalwareScanStatus`` tag, None while the scan runs. Raises
    Conflict ``file.scan_pending`` (ask again shortly), InvalidInput ``file.malware`` for a threat, or
    ``file.scan_failed`` when the file could not be scanned (password-protected, too large to scan).
    """
    if status == SCAN_NO_THREATS_FOUND:
        return
    if status is None:
        raise Conflict(
            code="file.scan_pending",
            th="กำลังตรวจหามัลแวร์ในไฟล์ กรุณารอสักครู่แล้วตรวจสอบอีกครั้ง",
            en="The file is still being scanned for malware. Please wait a moment and check again.",
        )
    if status == SCAN_THREATS_FOUND:
        raise _rejection(
            document,
            "file.malware",
            "พบมัลแวร์ในไฟล์นี้ ระบบไม่รับไฟล์และได้กักไว้ กรุณาตรวจเครื่องของท่านด้วยโปรแกรมป้องกันไวรัส แล้วอัปโหลดไฟล์ที่ปลอดภัย",
            "Malware was found in this file. It was not accepted and is held in quarantine. "
            "Please check your computer with an antivirus program and upload a safe file.",
        )
    raise _rejection(
        document,
        "file.scan_failed",
        "ระบบตรวจหามัลแวร์ในไฟล์นี้ไม่ได้ (เช่น ไฟล์มีรหัสผ่าน) กรุณาบันทึกเป็น PDF ที่ไม่มีรหัสผ่านแล้วอัปโหลดใหม่",
        "This file could not be scanned for malware (for example, it is password-protected). "
        "Please save it as a PDF without a password and upload it again.",
    )


def _rejection(document: RequiredDocument, code: str, th: str, en: str) -> InvalidInput:
    # The detail names the upload slot so the web form shows the message next to the right button.
    return InvalidInput(code=code, th=th, en=en, details=[FieldError(field=document.id, code=code, th=th, en=en)])


def _is_bmp(head: bytes) -> bool:
    # "BM" alone starts many text files ("BMW ..."); the DIB header size makes it a bitmap.
    if len(head) < 26 or not head.startswith(b"BM"):
        return False
    pixel_offset, dib_size = struct.unpack_from("<II", head, 10)
    return dib_size in _BMP_DIB_HEADER_SIZES and pixel_offset >= 14 + dib_size


def _is_word_97(data: bytes) -> bool:
    # Directory entries are 128 bytes, aligned to 128 (512- and 4096-byte sectors alike).
    start = data.find(_WORD_DOCUMENT_ENTRY)
    while start != -1:
        if start % _OLE2_ENTRY_SIZE == 0 and start + 67 <= len(data):
            name_length, entry_type = struct.unpack_from("<HB", data, start + 64)
            if name_length == len(_WORD_DOCUMENT_ENTRY) + 2 and entry_type == 2:
                return True
        start = data.find(_WORD_DOCUMENT_ENTRY, start + 1)
    return False


def _pdf_is_complete(data: bytes) -> bool:
    """The header first, then a cross-reference pointer and the end-of-file marker at the end."""
    tail = data[-_PDF_TAIL_WINDOW:]
    return data.startswith(b"%PDF-") and b"%%EOF" in tail and b"startxref" in data[-4 * _PDF_TAIL_WINDOW :]


def _archive_is_a_bomb(data: bytes) -> bool:
    """Declared expanded sizes from the ZIP directory: too large in total, or too compressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, struct.error, OSError, ValueError):
        return True
    expanded = sum(e.file_size for e in entries)
    compressed = sum(e.compress_size for e in entries)
    return expanded > _ARCHIVE_MAX_EXPANDED or expanded > _ARCHIVE_MAX_RATIO * max(compressed, 1)


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
                return False
            with archive.open("[Content_Types].xml") as part:
                # Bounded read: a small, hostile archive can inflate to gigabytes.
                content_types = part.read(_CONTENT_TYPES_READ_LIMIT).decode("utf-8", errors="replace")
    # Whatever way a hostile or broken archive fails to parse, it is not a Word document.
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        struct.error,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
    ):
        return False
    # A macro-enabled document (.docm) declares another main part and is not accepted as DOCX.
    return _DOCX_MAIN_PART in content_types


def _text_encoding(data: bytes) -> str | None:
    """The charset a text file is written in ("utf-8" or "windows-874"), or None if it is not text."""
    if b"\x00" in data:
        return None
    for codec, charset in (("utf-8-sig", "utf-8"), ("cp874", "windows-874")):
        text = _decode(data, codec)
        if text is not None:
            printable = sum(1 for ch in text if ch.isprintable() or ch in _TXT_WHITESPACE)
            return charset if text and printable >= _TXT_PRINTABLE_SHARE * len(text) else None
    return None


def _decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        # The first 8 KiB may end inside a multi-byte UTF-8 character; that cut is not an error.
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            return data[: error.start].decode(codec, errors="strict")
        return None


def _split_name(declared_name: str) -> tuple[str, str]:
    # Browsers on Windows may send the full path; keep only the last component.
    base = re.split(r"[/\\]", declared_name)[-1].strip()
    stem, dot, extension = base.rpartition(".")
    if not dot:
        return base, ""
    return stem, extension.strip().lower()


def _safe_name(stem: str, extension: str) -> str:
    cleaned = unicodedata.normalize("NFC", stem)
    # Control and format characters (Cc, Cf) include the right-to-left override behind "fdp.exe" tricks.
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in cleaned)
    cleaned = _WINDOWS_FORBIDDEN.sub("_", cleaned)
    cleaned = " ".join(cleaned.split()).strip(" .")
    if not cleaned:
        cleaned = "document"
    if cleaned.split(".")[0].upper() in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    extension = re.sub(r"[^a-z0-9]", "", extension)
    return f"{cleaned[: _MAX_NAME_CHARS - len(extension) - 1].rstrip(' .')}.{extension}"
