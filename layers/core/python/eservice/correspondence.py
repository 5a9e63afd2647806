"""The registers of correspondence (R-2.1, R-2.5, R-4.9; seed 003 starter §§2.4-2.6, 4.1, 4.6).

The Regulation of the Office of the Prime Minister on Correspondence (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงาน
สารบรรณ, clause 29/1) keeps two registers, here electronic:

- the **receiving register** (ทะเบียนหนังสือรับ): every request submitted through the e-Service is entered
  when the official time of receipt is stamped, under its receipt number; submissions that arrive by
  e-mail to the saraban address or on paper are entered by a records officer with the scanned file, and
  take their numbers from the **same series** (one agency, one receiving register);
- the **dispatch register** (ทะเบียนหนังสือส่ง): every official e-mail sent to an applicant, with the
  documents it carries, gets an outgoing number, once per message (a retried send finds its entry).

Entries are never changed or deleted: a correction is a new entry that names the one it corrects.
Both registers are browsed, searched and exported (CSV here; the sealed PDF is made by the sign
function from :meth:`Correspondence.period`) by records officers; the head and administrators read too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from . import clock_source
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .files import check_scan_result
from .files import check_upload as check_file
from .ids import new_id
from .ports import CorrespondenceStore, Page, page_size
from .saga_steps import office_calendar
from .tenant import MINIMUM_FORMATS, DocumentFormat, Localized, RequiredDocument, Tenant
from .time_rules import BANGKOK, buddhist_year, deemed_receipt_time

__all__ = [
    "DISPATCHED",
    "DISPATCHED_COLUMNS",
    "DISPATCH_SERIES",
    "KEEPERS",
    "MAX_EXPORT_ROWS",
    "READERS",
    "RECEIPT_SERIES",
    "RECEIVED",
    "RECEIVED_COLUMNS",
    "REGISTERS",
    "SCAN_DOCUMENT",
    "Correspondence",
    "csv_safe",
    "sort_key",
]

RECEIVED = "received"
DISPATCHED = "dispatched"
REGISTERS: tuple[str, ...] = (RECEIVED, DISPATCHED)
#: The receipt-number series the saga's registration takes from (``SagaSteps.stamp``): one series for all.
RECEIPT_SERIES = "receipt"
DISPATCH_SERIES = "dispatch"

#: Who reads the registers; who enters and corrects (R-2.5: the records office, สารบรรณ).
READERS = frozenset({"records", "head", "admin"})
KEEPERS = frozenset({"records"})
#: How a submission reached the agency when a records officer enters it by hand.
MANUAL_CHANNELS = ("email", "paper")
#: At most this many entries in one export (a period longer than that is exported in parts).
MAX_EXPORT_ROWS = 5000

#: The scanned file of a submission entered by hand: the formats the Regulation's scans come in (R-3.3).
SCAN_DOCUMENT = RequiredDocument(
    id="correspondence_scan",
    name=Localized(th="ไฟล์สแกนหนังสือ", en="Scanned letter"),
    formats=(*MINIMUM_FORMATS, DocumentFormat.PNG, DocumentFormat.TIFF),
    max_size_mb=20,
    explanation=Localized(
        th="ไฟล์อีเมลที่พิมพ์เป็น PDF หรือภาพสแกนของหนังสือที่ได้รับ",
        en="The e-mail printed to PDF, or the scan of the paper letter received.",
    ),
)

#: The columns of the Regulation's receiving register (แบบทะเบียนหนังสือรับ), then what the e-Service adds.
RECEIVED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("label", "ทะเบียนรับที่", "register no."),
    ("document_number", "ที่", "document no."),
    ("document_date", "ลงวันที่", "dated"),
    ("sender", "จาก", "from"),
    ("addressee", "ถึง", "to"),
    ("subject", "เรื่อง", "subject"),
    ("action", "การปฏิบัติ", "action"),
    ("remarks", "หมายเหตุ", "remarks"),
    ("received_date", "วันที่รับ", "date received"),
    ("received_time", "เวลารับ", "time received"),
    ("channel", "ช่องทาง", "channel"),
    ("corrects", "แก้ไขรายการที่", "corrects"),
)
#: The columns of the Regulation's dispatch register (แบบทะเบียนหนังสือส่ง), then the e-Service's own.
DISPATCHED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("label", "ทะเบียนส่งที่", "register no."),
    ("document_number", "ที่", "document no."),
    ("document_date", "ลงวันที่", "dated"),
    ("sender", "จาก", "from"),
    ("addressee", "ถึง", "to"),
    ("subject", "เรื่อง", "subject"),
    ("remarks", "หมายเหตุ", "remarks"),
    ("sent_time", "เวลาส่ง", "time sent"),
    ("channel", "ช่องทาง", "channel"),
)

_CHANNEL_LABELS = {
    "eservice": "ระบบ e-Service",
    "email": "อีเมลสารบรรณ",
    "paper": "หนังสือกระดาษ",
}


def _document_number(template: str, record: Mapping[str, Any]) -> str | None:
    """The number of the document a message carries (ที่): the licence, the e-receipt, the invoice."""
    if template == "delivered":
        return record.get("licence_number")
    if template == "receipt":
        return record.get("receipt_number_e")
    if template == "payment":
        return (record.get("payment") or {}).get("invoice_number")
    return None


def sort_key(moment: datetime, year: int, number: int) -> str:
    """The order of a register: time (UTC, to the second), then the number."""
    return f"{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')}#{year}#{number:07d}"


def csv_safe(cells: list[str]) -> list[str]:
    """A cell starting with = + - @ (or a tab/CR) would run as a formula in a spreadsheet: quote it."""
    return [f"'{c}" if c and c[0] in "=+-@\t\r" else c for c in cells]


def _search_text(entry: Mapping[str, Any]) -> str:
    parts = [entry.get(k) for k in ("label", "document_number", "sender", "addressee", "subject", "action", "remarks")]
    parts.append(entry.get("request_id"))
    return " ".join(str(p) for p in parts if p).casefold()[:2000]


def _forbidden() -> Forbidden:
    return Forbidden(
        code="correspondence.forbidden",
        th="เฉพาะเจ้าหน้าที่สารบรรณ หัวหน้าหน่วยงาน หรือผู้ดูแลระบบที่ดูทะเบียนหนังสือได้",
        en="Only records officers, the head of the agency or administrators may read the registers.",
    )


def _keepers_only() -> Forbidden:
    return Forbidden(
        code="correspondence.records_only",
        th="เฉพาะเจ้าหน้าที่สารบรรณที่ลงทะเบียนหนังสือได้",
        en="Only records officers may enter letters in the register.",
    )


def _unknown_register() -> NotFound:
    return NotFound(
        code="correspondence.unknown_register",
        th="ไม่มีทะเบียนนี้ (ทะเบียนหนังสือรับ received หรือทะเบียนหนังสือส่ง dispatched)",
        en="No such register; use received or dispatched.",
    )


class Correspondence:
    """The agency's receiving and dispatch registers."""

    def __init__(
        self,
        *,
        store: CorrespondenceStore,
        tenant: Tenant,
        uploads: Any | None = None,
        link: Any | None = None,
    ) -> None:
        self._store = store
        self._tenant = tenant
        self._uploads = uploads  # eservice.aws.Uploads (or a fake): scans of letters entered by hand
        self._link = link  # (key, file name) -> a short-lived download link of a scan
        self._calendar = office_calendar(tenant)

    # --- entered by the e-Service itself --------------------------------------------------------------
    def request_received(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """R-2.1, R-2.5: a request registered by the saga (it holds its receipt number and deemed time of
        receipt) is entered under that number. Idempotent: the entry is keyed by the number."""
        number, year = (int(x) for x in str(record["receipt_number"]).split("/"))
        existing = self._store.get(RECEIVED, year, number)
        if existing is not None:
            return existing
        service = self._tenant.service(record["service_id"])
        unit = self._tenant.units[service.responsible_unit]
        deemed = datetime.fromisoformat(record["deemed_received_at"])
        behalf = record.get("on_behalf_of") or {}
        sender = str(record.get("answers", {}).get("applicant_name") or "-")
        if behalf.get("name"):
            sender = f"{sender} แทน {behalf['name']}"
        entry = {
            "book": RECEIVED,
            "year": year,
            "number": number,
            "label": f"{number}/{year}",
            "channel": "eservice",
            "document_number": record["id"],
            "document_date": datetime.fromisoformat(record["submitted_at"]).astimezone(BANGKOK).date().isoformat(),
            "sender": sender,
            "addressee": self._tenant.head_title.th,
            "subject": f"{service.name.th}",
            # routed to the responsible unit (ส่งต่อให้ส่วนงานที่รับผิดชอบ).
            "action": f"ส่ง{unit.name.th}",
            "remarks": "ยื่นผ่านระบบ e-Service",
            "received_at": deemed.isoformat(),
            "entered_at": record.get("registered_at") or clock_source.now().isoformat(),
            "entered_by": "e-service",
            "request_id": record["id"],
            "service_id": service.id,
            "unit": service.responsible_unit,
        }
        self._store.add(self._indexed(entry, deemed))
        stored = self._store.get(RECEIVED, year, number)
        assert stored is not None
        return stored

    def dispatched(
        self,
        record: Mapping[str, Any],
        *,
        message_key: str,
        template: str,
        subject: str,
        attachments: list[str],
        to: str,
    ) -> dict[str, Any]:
        """R-4.9 (starter §§4.1, 4.6): an official e-mail sent to an applicant, and the documents it carries,
        gets an outgoing number. Once per message: a retried send finds the entry it made before."""
        owner = f"{record['id']}#{message_key}"
        existing = self._store.of_owner(DISPATCHED, owner)
        if existing is not None:
            return existing
        now = clock_source.now()
        year = buddhist_year(now)
        service = self._tenant.service(record["service_id"])
        document_number = _document_number(template, record)
        behalf = record.get("on_behalf_of") or {}
        addressee = str(record.get("answers", {}).get("applicant_name") or "-")
        if behalf.get("name"):
            addressee = f"{addressee} ({behalf['name']})"
        remarks = f"ส่งทางอีเมล {to}"
        if attachments:
            remarks += " แนบ " + ", ".join(attachments)
        remarks += f" คำขอ {record['id']}"

        def build(number: int) -> dict[str, Any]:
            entry = {
                "book": DISPATCHED,
                "year": year,
                "number": number,
                "label": f"{number}/{year}",
                "channel": "email",
                "document_number": str(document_number or record.get("receipt_number") or record["id"]),
                "document_date": now.astimezone(BANGKOK).date().isoformat(),
                "sender": self._tenant.name.th,
                "addressee": addressee,
                "subject": subject.split(" / ", 1)[0][:300],
                "remarks": remarks[:600],
                "sent_at": now.isoformat(),
                "entered_at": now.isoformat(),
                "entered_by": "e-service",
                "request_id": record["id"],
                "service_id": service.id,
                "template": template,
                "message_key": message_key,
                "owner": owner,
            }
            return self._indexed(entry, now)

        return self._store.add_numbered(DISPATCHED, DISPATCH_SERIES, year, owner, build)

    def dispatched_to_holder(
        self,
        licence: Mapping[str, Any],
        *,
        message_key: str,
        template: str,
        subject: str,
        attachments: list[str],
        to: str,
    ) -> dict[str, Any]:
        """R-4.9, R-5.4: the official e-mail telling the holder of a licence born of no request (a paper
        licence of the back catalogue) that its status changed. Once per message, like ``dispatched``."""
        number = str(licence["licence_number"])
        owner = f"licence/{number}#{message_key}"
        existing = self._store.of_owner(DISPATCHED, owner)
        if existing is not None:
            return existing
        now = clock_source.now()
        year = buddhist_year(now)
        remarks = f"ส่งทางอีเมล {to}"
        if attachments:
            remarks += " แนบ " + ", ".join(attachments)
        remarks += f" ใบอนุญาต {number}"

        def build(entry_number: int) -> dict[str, Any]:
            entry = {
                "book": DISPATCHED,
                "year": year,
                "number": entry_number,
                "label": f"{entry_number}/{year}",
                "channel": "email",
                "document_number": number,
                "document_date": now.astimezone(BANGKOK).date().isoformat(),
                "sender": self._tenant.name.th,
                "addressee": str(licence.get("holder") or "-"),
                "subject": subject.split(" / ", 1)[0][:300],
                "remarks": remarks[:600],
                "sent_at": now.isoformat(),
                "entered_at": now.isoformat(),
                "entered_by": "e-service",
                "request_id": None,
                "licence_number": number,
                "service_id": str(licence["service_id"]),
                "template": template,
                "message_key": message_key,
                "owner": owner,
            }
            return self._indexed(entry, now)

        return self._store.add_numbered(DISPATCHED, DISPATCH_SERIES, year, owner, build)

    # --- entered by a records officer ---------------------------------------------------------------
    def start_scan(self, officer_id: str, groups: frozenset[str], *, file_name: str) -> dict[str, Any]:
        """An upload (the same signed S3 form as every upload) for the scan of a letter entered by hand."""
        if not groups & KEEPERS:
            raise _keepers_only()
        if self._uploads is None:
            raise RuntimeError("no uploads bucket wired")
        scan_id = new_id("S")
        scan = {
            "id": scan_id,
            "file_name": file_name[:200],
            "state": "awaiting_upload",
            "quarantine_key": f"quarantine/correspondence/{scan_id}",
            "by": officer_id,
            "created_at": clock_source.now().isoformat(),
        }
        self._store.put_scan(scan)
        max_bytes = int(SCAN_DOCUMENT.max_size_mb * 1024 * 1024)
        return {
            "scan": {k: scan[k] for k in ("id", "file_name", "state")},
            "upload": {
                "method": "POST",
                **self._uploads.presign_post(scan["quarantine_key"], max_bytes=max_bytes),
                "expires_in": 900,
            },
            "limits": {"max_size_bytes": max_bytes, "formats": [f.value for f in SCAN_DOCUMENT.formats]},
        }

    def enter(
        self,
        officer_id: str,
        groups: frozenset[str],
        *,
        scan_id: str,
        channel: str,
        fields: Mapping[str, Any],
        arrived_at: datetime | None = None,
    ) -> dict[str, Any]:
        """R-2.5: a letter that came by e-mail to the saraban address or on paper, entered with its scan.

        It takes the next number of the receiving series (the one e-Service requests take). Its time of
        receipt is when it reached the agency, or the start of the next working day outside office hours
        (starter §2.2, Act §10). One scan makes one entry: the same scan again returns that entry."""
        if not groups & KEEPERS:
            raise _keepers_only()
        if channel not in MANUAL_CHANNELS:
            raise InvalidInput(
                code="correspondence.channel",
                th="ช่องทางต้องเป็นอีเมล (email) หรือหนังสือกระดาษ (paper)",
                en="The channel must be email or paper.",
            )
        clean = self._fields(fields)
        clean["addressee"] = clean["addressee"] or self._tenant.head_title.th
        owner = f"scan-{scan_id}"
        existing = self._store.of_owner(RECEIVED, owner)
        if existing is not None:
            return existing
        scan = self._checked_scan(scan_id)
        now = clock_source.now()
        arrived = arrived_at or now
        if arrived.tzinfo is None:
            arrived = arrived.replace(tzinfo=BANGKOK)
        if arrived > now + timedelta(minutes=5):
            raise InvalidInput(
                code="correspondence.future",
                th="เวลาที่ได้รับหนังสือต้องไม่อยู่ในอนาคต",
                en="The time the letter arrived cannot be in the future.",
            )
        deemed = deemed_receipt_time(arrived, self._calendar)
        year = buddhist_year(deemed)
        file = {k: scan.get(k) for k in ("id", "key", "file_name", "format", "size", "sha256")}

        def build(number: int) -> dict[str, Any]:
            entry = {
                "book": RECEIVED,
                "year": year,
                "number": number,
                "label": f"{number}/{year}",
                "channel": channel,
                **clean,
                "arrived_at": arrived.isoformat(),
                "received_at": deemed.isoformat(),
                "entered_at": now.isoformat(),
                "entered_by": officer_id,
                "file": file,
                "owner": owner,
            }
            return self._indexed(entry, deemed)

        return self._store.add_numbered(RECEIVED, RECEIPT_SERIES, year, owner, build)

    def correct(
        self,
        officer_id: str,
        groups: frozenset[str],
        year: int,
        number: int,
        *,
        fields: Mapping[str, Any],
        reason: str,
    ) -> dict[str, Any]:
        """A correction: a new entry (its own number) that names the one it corrects, which stays as it was.

        The corrected letter keeps its time of receipt; what the officer gives replaces the old values."""
        if not groups & KEEPERS:
            raise _keepers_only()
        reason = reason.strip()
        if not reason:
            raise InvalidInput(code="correspondence.reason_required", th="กรุณาระบุเหตุที่แก้ไข", en="Give the reason.")
        old = self._store.get(RECEIVED, year, number)
        if old is None:
            raise NotFound(code="correspondence.not_found", th="ไม่พบรายการนี้ในทะเบียน", en="No such entry.")
        changes = self._fields({**{k: old.get(k) for k in _EDITABLE}, **{k: v for k, v in fields.items() if v}})
        digest = hashlib.sha256(
            json.dumps([old["label"], officer_id, changes, reason], ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()[:24]
        owner = f"fix-{digest}"
        existing = self._store.of_owner(RECEIVED, owner)
        if existing is not None:
            return existing
        now = clock_source.now()
        received = datetime.fromisoformat(old["received_at"])
        new_year = buddhist_year(now)
        carried = {k: old.get(k) for k in ("channel", "request_id", "service_id", "unit", "file", "arrived_at")}

        def build(new_number: int) -> dict[str, Any]:
            entry = {
                "book": RECEIVED,
                "year": new_year,
                "number": new_number,
                "label": f"{new_number}/{new_year}",
                **{k: v for k, v in carried.items() if v is not None},
                **changes,
                "remarks": f"แก้ไขรายการทะเบียนรับที่ {old['label']}: {reason}"[:600],
                "corrects": old["label"],
                "correction_reason": reason[:500],
                "received_at": old["received_at"],
                "entered_at": now.isoformat(),
                "entered_by": officer_id,
                "owner": owner,
            }
            return self._indexed(entry, received)

        return self._store.add_numbered(RECEIVED, RECEIPT_SERIES, new_year, owner, build)

    # --- reading ------------------------------------------------------------------------------------
    def browse(
        self,
        groups: frozenset[str],
        register: str,
        *,
        start: date | None = None,
        end: date | None = None,
        q: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[dict[str, Any]]:
        """One page of a register for a period (Bangkok dates, both included), newest first; ``q`` searches
        the number, document number, sender, addressee, subject, action and remarks."""
        self._may_read(groups, register)
        low, high = self._bounds(start, end)
        page = self._store.between(
            register, low, high, contains=(q or "").strip().casefold() or None, limit=page_size(limit), cursor=cursor
        )
        return Page([self._public(e) for e in page.items], page.cursor)

    def entry(self, groups: frozenset[str], register: str, year: int, number: int) -> dict[str, Any]:
        """One entry, with a short-lived link to its scan (for letters entered by hand)."""
        self._may_read(groups, register)
        found = self._store.get(register, year, number)
        if found is None:
            raise NotFound(code="correspondence.not_found", th="ไม่พบรายการนี้ในทะเบียน", en="No such entry.")
        view = self._public(found)
        file = found.get("file") or {}
        if file.get("key") and self._link is not None:
            view["file"] = {**file, "url": self._link(file["key"], file.get("file_name") or "scan")}
        return view

    def period(self, register: str, start: date | None, end: date | None) -> list[dict[str, Any]]:
        """Every entry of a period, oldest first (for the exports); Conflict past ``MAX_EXPORT_ROWS``."""
        if register not in REGISTERS:
            raise _unknown_register()
        low, high = self._bounds(start, end)
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self._store.between(register, low, high, contains=None, limit=200, cursor=cursor, oldest_first=True)
            rows += [self._public(e) for e in page.items]
            if len(rows) > MAX_EXPORT_ROWS:
                raise Conflict(
                    code="correspondence.period_too_long",
                    th=f"ช่วงเวลานี้มีรายการเกิน {MAX_EXPORT_ROWS:,} รายการ กรุณาเลือกช่วงที่สั้นลง",
                    en=f"This period holds more than {MAX_EXPORT_ROWS:,} entries; choose a shorter one.",
                )
            cursor = page.cursor
            if cursor is None:
                return rows

    def csv(
        self, groups: frozenset[str], register: str, *, start: date | None = None, end: date | None = None
    ) -> bytes:
        """The period as CSV in the Regulation's columns, UTF-8 with a BOM so that Excel shows Thai;
        a cell a spreadsheet would read as a formula is neutralised."""
        self._may_read(groups, register)
        columns = RECEIVED_COLUMNS if register == RECEIVED else DISPATCHED_COLUMNS
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([f"{th}/{en}" for _, th, en in columns])
        for entry in self.period(register, start, end):
            writer.writerow(csv_safe([str(entry.get(key) or "") for key, _, _ in columns]))
        return "\ufeff".encode() + out.getvalue().encode("utf-8")

    # --- internals ----------------------------------------------------------------------------------
    def _may_read(self, groups: frozenset[str], register: str) -> None:
        if not groups & READERS:
            raise _forbidden()
        if register not in REGISTERS:
            raise _unknown_register()

    @staticmethod
    def _bounds(start: date | None, end: date | None) -> tuple[str, str]:
        if start and end and end < start:
            raise InvalidInput(
                code="correspondence.period",
                th="วันสิ้นสุดต้องไม่ก่อนวันเริ่มต้น",
                en="The end of the period cannot be before its start.",
            )
        low = datetime.combine(start, time(0, 0), tzinfo=BANGKOK) if start else datetime(1970, 1, 1, tzinfo=UTC)
        high = (
            datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=BANGKOK)
            if end
            else datetime(9999, 1, 1, tzinfo=UTC)
        )
        return sort_key(low, 0, 0), sort_key(high, 0, 0)

    @staticmethod
    def _indexed(entry: dict[str, Any], moment: datetime) -> dict[str, Any]:
        return {
            **entry,
            "sort": sort_key(moment, int(entry["year"]), int(entry["number"])),
            "search": _search_text(entry),
        }

    def _checked_scan(self, scan_id: str) -> dict[str, Any]:
        scan = self._store.get_scan(scan_id)
        if scan is None:
            raise NotFound(code="correspondence.scan_not_found", th="ไม่พบไฟล์สแกนนี้", en="No such scan.")
        if scan["state"] == "accepted":
            return scan
        if self._uploads is None:
            raise RuntimeError("no uploads bucket wired")
        limit = int(SCAN_DOCUMENT.max_size_mb * 1024 * 1024)
        data = self._uploads.read(scan["quarantine_key"], max_bytes=limit)
        if data is None:
            raise Conflict(
                code="correspondence.scan_not_uploaded",
                th="ยังไม่ได้อัปโหลดไฟล์สแกน กรุณาอัปโหลดก่อน",
                en="The scan has not been uploaded yet. Upload it first.",
            )
        if data and self._tenant.security.malware_scanning:
            check_scan_result(self._uploads.scan_status(scan["quarantine_key"]), SCAN_DOCUMENT)
        checked = check_file(data, SCAN_DOCUMENT, declared_name=scan["file_name"])
        key = f"clean/correspondence/{scan_id}"
        self._uploads.copy(scan["quarantine_key"], key, content_type=checked.media_type)
        accepted = {
            **scan,
            "state": "accepted",
            "key": key,
            "format": checked.format.value,
            "size": checked.size,
            "sha256": checked.sha256,
            "file_name": checked.safe_name,
        }
        self._store.put_scan(accepted)
        return accepted

    @staticmethod
    def _fields(fields: Mapping[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for key in _EDITABLE:
            value = fields.get(key)
            if isinstance(value, date):
                value = value.isoformat()
            clean[key] = str(value).strip()[: _LIMITS.get(key, 300)] if value not in (None, "") else None
        missing = [k for k in ("sender", "subject") if not clean.get(k)]
        if missing:
            raise InvalidInput(
                code="correspondence.fields_required",
                th="กรุณาระบุ จาก (ผู้ส่ง) และ เรื่อง",
                en=f"Give {' and '.join(missing)}.",
            )
        return clean

    @staticmethod
    def _public(entry: Mapping[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in entry.items() if k not in ("sort", "search", "owner")}
        at = entry.get("received_at") or entry.get("sent_at")
        if at:
            local = datetime.fromisoformat(str(at)).astimezone(BANGKOK)
            key = "received" if entry.get("book") == RECEIVED else "sent"
            if key == "received":
                view["received_date"] = local.date().isoformat()
                view["received_time"] = local.strftime("%H:%M")
            else:
                view["sent_time"] = local.strftime("%Y-%m-%d %H:%M")
        view["channel_label"] = _CHANNEL_LABELS.get(str(entry.get("channel")), entry.get("channel"))
        return view


#: What a records officer writes in the Regulation's columns.
_EDITABLE = ("document_number", "document_date", "sender", "addressee", "subject", "action", "remarks")
_LIMITS = {"document_number": 100, "document_date": 10, "sender": 300, "addressee": 300, "subject": 500}
