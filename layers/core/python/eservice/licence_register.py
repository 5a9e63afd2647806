"""The complete licence register (R-5.1-R-5.5, Act §13): fields, statuses, the back catalogue, public search.

- **Fields (R-5.1).** An entry keeps the fields printed on the licence (the service's ``licence.fields``),
  never a personal identifier (national id, phone, e-mail), plus the officer fields the agency marked
  public (Q7.1). The holder's name is its own column.
- **Statuses (R-5.4).** In force, suspended, revoked, expired. The head or an administrator suspends,
  reinstates or revokes with a reason; a daily sweep expires licences past their validity. Each change
  joins the entry's history, is recorded as an event on the licence's request, and tells the holder
  with a sealed status notice (the notify function's ``licence_notice``). Nothing is deleted.
- **Back catalogue (R-5.2).** Paper licences still in force are imported from a CSV file (or one by one),
  marked ``imported``, each row checked on its own: the report names the row, a stable code and a Thai
  and English message. Re-importing the same row changes nothing; a different row under a number
  already registered is refused.
- **Public search.** By number, holder or business name, service, area and status; in force first, then
  newest issued; paginated.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, Literal

from . import clock_source
from .errors import FieldError, InvalidInput
from .forms import validate_fields
from .ports import Page, Repositories, page_size
from .register import LicenceRegister, licence_status
from .tenant import FieldType, FormField, Service, Tenant
from .time_rules import BANGKOK

__all__ = [
    "IMPORT_COLUMNS",
    "MAX_IMPORT_ROWS",
    "STATUSES",
    "LicenceBook",
    "area_of",
    "business_name",
    "register_fields",
    "register_form",
]

STATUSES = ("in_force", "suspended", "revoked", "expired")
_ORDER = {status: rank for rank, status in enumerate(STATUSES)}
#: Never on the register, whatever a tenant file lists on its licence (PDPA).
_PERSONAL = frozenset({FieldType.NATIONAL_ID, FieldType.PHONE, FieldType.EMAIL})
#: The columns every import file has; any other column names a field of the service's licence.
IMPORT_COLUMNS = ("licence_number", "service_id", "holder", "issued_on", "valid_until")
OPTIONAL_COLUMNS = ("area", "scan_id")
MAX_IMPORT_ROWS = 5000
_NUMBER = re.compile(r"^(?=.{1,40}$)[A-Za-z0-9ก-๙.-]+( [A-Za-z0-9ก-๙.-]+)*$")
_IMPORTED_REASON = "นำเข้าจากทะเบียนใบอนุญาตฉบับกระดาษ / Imported from the paper register"


def register_form(service: Service) -> list[FormField]:
    """The fields of the service that the register keeps: those printed on the licence (and public
    form fields), then the public officer fields; never the holder's name field nor a personal id."""
    names = list(service.licence.fields) + [
        f.name for f in service.form if f.public and f.name not in service.licence.fields
    ]
    fields = [service.field(name) for name in names]
    fields = [f for f in fields if f.prefill != "full_name" and f.type not in _PERSONAL]
    return fields + [f for f in service.licence.officer_fields if f.public and f.type not in _PERSONAL]


def register_fields(service: Service, answers: Mapping[str, Any], additions: Mapping[str, Any]) -> dict[str, Any]:
    """R-5.1: the values the register shows for one licence, from the request's answers and what the
    officers added (Q7.1)."""
    officer = {f.name for f in service.licence.officer_fields}
    out: dict[str, Any] = {}
    for field in register_form(service):
        source = additions if field.name in officer else answers
        if field.name in source and source[field.name] not in (None, ""):
            out[field.name] = source[field.name]
    return out


def area_of(service: Service, fields: Mapping[str, Any]) -> str | None:
    """Where the licensed business is: the first address field of the register's fields."""
    for field in register_form(service):
        if "address" in field.name or field.prefill == "address" or "location" in field.name:
            value = fields.get(field.name)
            if value:
                return str(value)
    return None


def business_name(service: Service, fields: Mapping[str, Any]) -> str | None:
    for field in register_form(service):
        if field.type == FieldType.TEXT and field.name.endswith("_name") and fields.get(field.name):
            return str(fields[field.name])
    return None


def _error(row: int, number: str | None, code: str, th: str, en: str, field: str | None = None) -> dict[str, Any]:
    return {
        "row": row,
        "licence_number": number or None,
        "code": code,
        "message": {"th": th, "en": en},
        **({"field": field} if field else {}),
    }


class _RowRefused(Exception):
    def __init__(self, code: str, th: str, en: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code, self.th, self.en, self.field = code, th, en, field


class LicenceBook:
    """The register's use cases over the repositories (the intake and clock functions wire it)."""

    def __init__(self, *, repos: Repositories, tenant: Tenant) -> None:
        self._repos = repos
        self._licences = repos.licences
        self._tenant = tenant

    # --- public search ---------------------------------------------------------------------------------
    def search(
        self,
        *,
        q: str | None = None,
        service_id: str | None = None,
        area: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[dict[str, Any]]:
        """Public licences matching every criterion given; in force first, then newest issued."""
        if status is not None and status not in STATUSES:
            raise InvalidInput(
                code="register.bad_status",
                th="สถานะต้องเป็น in_force, suspended, revoked หรือ expired",
                en="The status must be in_force, suspended, revoked or expired.",
            )
        now = clock_source.now()
        entries = [self.public_view(r, now) for r in self._licences.every(public=True)]
        if q:
            needle = q.casefold().strip()
            entries = [e for e in entries if needle in _haystack(e)]
        if service_id:
            entries = [e for e in entries if e["service_id"] == service_id]
        if area:
            place = area.casefold().strip()
            entries = [e for e in entries if place in (e.get("area") or "").casefold()]
        if status:
            entries = [e for e in entries if e["status"] == status]
        # Newest first (the repository's order), then in force first: a stable sort keeps the first order.
        entries.sort(key=lambda e: _ORDER.get(e["status"], 9))
        start = _offset(cursor)
        size = page_size(limit)
        chunk = entries[start : start + size]
        more = start + size < len(entries)
        return Page(chunk, _cursor(start + size) if more else None)

    def public_view(self, record: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
        """What anyone may see of a licence of the public register (no request id, no personal ids)."""
        now = now or clock_source.now()
        view = LicenceRegister._public(dict(record), now)
        view.pop("document_sha256", None)
        view["history"] = [
            {k: h.get(k) for k in ("status", "at", "reason", "until") if k in h} for h in record.get("history") or []
        ]
        view["service_id"] = record.get("service_id")
        view["area"] = record.get("area")
        view["business_name"] = record.get("business_name")
        view["imported"] = bool(record.get("imported"))
        view["document_sha256"] = record.get("document_sha256")
        return view

    # --- statuses (R-5.4) ------------------------------------------------------------------------------
    def change_status(
        self,
        licence_number: str,
        *,
        status: Literal["in_force", "suspended", "revoked"],
        reason: str,
        by: str,
        until: date | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Suspend, reinstate or revoke (the caller checked the officer is the head or an admin).
        Returns the entry and the notice to send to the holder (None for a licence with no request)."""
        entry = LicenceRegister(licences=self._licences).change_status(
            licence_number, status=status, reason=reason, by=by, until=until
        )
        record = self._licences.get(licence_number) or {}
        change = (record.get("history") or [])[-1]
        return entry, self._event(record, status, change["reason"], change["at"], until.isoformat() if until else None)

    def expire_due(self) -> list[dict[str, Any]]:
        """The daily sweep: every licence in force (or suspended) past its validity becomes expired, at
        once, in its history; returns the notices to send (one per licence, sent once)."""
        now = clock_source.now()
        today = now.astimezone(BANGKOK).date()
        notices: list[dict[str, Any]] = []
        for public in (True, False):
            for record in self._licences.every(public=public):
                until = record.get("valid_until")
                if record["status"] not in ("in_force", "suspended") or not until:
                    continue
                if date.fromisoformat(str(until)[:10]) >= today:
                    continue
                at = now.isoformat()
                reason = "ใบอนุญาตสิ้นอายุตามที่กำหนดไว้ / The licence reached the end of its validity"
                history = [
                    *record.get("history", []),
                    {"status": "expired", "at": at, "reason": reason, "by": "system"},
                ]
                fields = {"status": "expired", "history": history, "updated_at": at, "suspended_until": None}
                if not self._licences.change(record["licence_number"], was=record["status"], fields=fields):
                    continue  # changed meanwhile: the next sweep sees it again
                notice = self._event({**record, **fields}, "expired", reason, at, None)
                if notice is not None:
                    notices.append(notice)
        return notices

    def _event(
        self, record: Mapping[str, Any], status: str, reason: str, at: str, until: str | None
    ) -> dict[str, Any] | None:
        """Record the change as an event of the licence's request and give the holder's notice."""
        request_id = record.get("request_id")
        if not request_id:
            return None
        event_id = f"{at}#{status}"
        self._repos.requests.add_record(
            request_id,
            "licence_event",
            event_id,
            {"licence_number": record["licence_number"], "status": status, "reason": reason, "at": at, "until": until},
        )
        return {
            "action": "licence_notice",
            "request_id": request_id,
            "new_status": status,
            "reason": reason,
            "effective_at": at,
            "until": until,
            # The occasion names the kept notice (a document path part): digits only, never a dot.
            "key": f"{status}-{re.sub(r'[^0-9]', '', at)[:20]}",
        }

    # --- back catalogue (R-5.2) ------------------------------------------------------------------------
    def import_csv(self, text: str, *, by: str, scans: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """Import a CSV file (UTF-8, with or without BOM): one report line per refused row."""
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in IMPORT_COLUMNS if c not in columns]
        if missing:
            raise InvalidInput(
                code="import.columns_missing",
                th=f"ไฟล์ไม่มีคอลัมน์ที่ต้องมี: {', '.join(missing)}",
                en=f"The file lacks required columns: {', '.join(missing)}",
                details=[
                    FieldError(field=c, code="import.column_missing", th="ไม่มีคอลัมน์นี้", en="Column missing")
                    for c in missing
                ],
            )
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
        if len(rows) > MAX_IMPORT_ROWS:
            raise InvalidInput(
                code="import.too_many_rows",
                th=f"นำเข้าได้ครั้งละไม่เกิน {MAX_IMPORT_ROWS} แถว กรุณาแบ่งไฟล์",
                en=f"Import at most {MAX_IMPORT_ROWS} rows at a time; split the file.",
            )
        return self.import_rows(rows, by=by, first_row=2, scans=scans)

    def import_rows(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        by: str,
        first_row: int = 1,
        scans: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Each row on its own: imported, unchanged (the same row imported before) or refused."""
        imported: list[str] = []
        unchanged: list[str] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, row in enumerate(rows):
            number = str(row.get("licence_number") or "").strip()
            line = first_row + index
            try:
                if number in seen:
                    raise _RowRefused(
                        "import.duplicate_in_file",
                        "เลขที่ใบอนุญาตซ้ำกับแถวก่อนหน้าในไฟล์เดียวกัน",
                        "The licence number repeats an earlier row of the same file.",
                        "licence_number",
                    )
                seen.add(number)
                outcome = self._import_one(row, by=by, scans=scans or {})
            except _RowRefused as refused:
                errors.append(_error(line, number, refused.code, refused.th, refused.en, refused.field))
                continue
            (imported if outcome == "imported" else unchanged).append(number)
        return {
            "rows": len(rows),
            "imported": imported,
            "unchanged": unchanged,
            "errors": errors,
        }

    def _import_one(self, row: Mapping[str, Any], *, by: str, scans: Mapping[str, Mapping[str, Any]]) -> str:
        number = str(row.get("licence_number") or "").strip()
        if not _NUMBER.fullmatch(number):
            raise _RowRefused(
                "import.licence_number_invalid",
                "เลขที่ใบอนุญาตว่างหรือมีอักขระที่ใช้ไม่ได้ (ใช้ได้ ก-ฮ A-Z 0-9 . - และเว้นวรรค ไม่เกิน 40 ตัว เขียน / เป็น -)",
                "The licence number is empty or has characters not allowed "
                "(Thai, A-Z, 0-9, . -, spaces; 40 at most; write / as -).",
                "licence_number",
            )
        service_id = str(row.get("service_id") or "").strip()
        try:
            service = self._tenant.service(service_id)
        except KeyError:
            raise _RowRefused(
                "import.unknown_service",
                f"ไม่มีบริการรหัส '{service_id}' ของหน่วยงาน",
                f"The agency has no service '{service_id}'.",
                "service_id",
            ) from None
        holder = str(row.get("holder") or "").strip()
        if not holder or len(holder) > 200:
            raise _RowRefused(
                "import.holder_required",
                "กรุณาระบุชื่อผู้รับอนุญาต (ไม่เกิน 200 ตัวอักษร)",
                "Give the licence holder's name (200 characters at most).",
                "holder",
            )
        issued = _date(row.get("issued_on"), "issued_on", required=True)
        valid_until = _date(row.get("valid_until"), "valid_until", required=False)
        today = clock_source.now().astimezone(BANGKOK).date()
        assert issued is not None
        if issued > today:
            raise _RowRefused(
                "import.issued_in_future",
                "วันที่ออกใบอนุญาตเป็นวันในอนาคต",
                "The date of issue is in the future.",
                "issued_on",
            )
        if valid_until is not None and valid_until < today:
            raise _RowRefused(
                "import.not_in_force",
                "ใบอนุญาตสิ้นอายุแล้ว นำเข้าได้เฉพาะใบอนุญาตที่ยังมีผลใช้บังคับ",
                "The licence has expired; only licences still in force are imported.",
                "valid_until",
            )
        if valid_until is not None and valid_until < issued:
            raise _RowRefused(
                "import.valid_until_before_issue",
                "วันสิ้นอายุอยู่ก่อนวันที่ออกใบอนุญาต",
                "The end of validity is before the date of issue.",
                "valid_until",
            )
        known = {f.name: f for f in register_form(service)}
        given = {
            k: v
            for k, v in row.items()
            if k not in IMPORT_COLUMNS and k not in OPTIONAL_COLUMNS and v not in (None, "")
        }
        unknown = sorted(k for k in given if k not in known)
        if unknown:
            raise _RowRefused(
                "import.unknown_field",
                f"ใบอนุญาตของบริการนี้ไม่มีช่อง: {', '.join(unknown)}",
                f"This service's licence has no field: {', '.join(unknown)}",
                unknown[0],
            )
        try:
            fields = validate_fields(list(known.values()), given, today=today, partial=True)
        except InvalidInput as exc:
            detail = exc.details[0] if exc.details else None
            name = detail.field if detail else None
            label = known[name].label if name in known else None
            raise _RowRefused(
                "import.field_invalid",
                f"ข้อมูลช่อง {label.th if label else name} ไม่ถูกต้อง ({detail.code if detail else exc.code})",
                f"The field {label.en if label else name} is not valid ({detail.code if detail else exc.code}).",
                name,
            ) from None
        scan_id = str(row.get("scan_id") or "").strip()
        scan = None
        if scan_id:
            scan = scans.get(scan_id)
            if scan is None:
                raise _RowRefused(
                    "import.scan_missing",
                    "ไม่พบไฟล์ภาพสแกนใบอนุญาตที่อ้างถึง (อัปโหลดก่อนนำเข้า)",
                    "The scanned image the row names was not found (upload it before importing).",
                    "scan_id",
                )
        area = str(row.get("area") or "").strip() or area_of(service, fields)
        fingerprint = hashlib.sha256(
            json.dumps(
                {
                    "n": number,
                    "s": service.id,
                    "h": holder,
                    "i": issued.isoformat(),
                    "v": valid_until.isoformat() if valid_until else None,
                    "f": fields,
                    "a": area,
                    "scan": scan_id or None,
                },
                sort_keys=True,
                ensure_ascii=False,
            ).encode()
        ).hexdigest()
        existing = self._licences.get(number)
        if existing is not None:
            if existing.get("import_fingerprint") == fingerprint:
                return "unchanged"
            raise _RowRefused(
                "import.number_taken",
                "มีใบอนุญาตเลขที่นี้ในทะเบียนแล้วด้วยข้อมูลอื่น (แก้ไขไม่ได้ด้วยการนำเข้าซ้ำ)",
                "A licence with this number is already registered with other data (a re-import cannot change it).",
                "licence_number",
            )
        now = clock_source.now().isoformat()
        issued_at = datetime.combine(issued, time(0, 0), tzinfo=BANGKOK).isoformat()
        entry = {
            "licence_number": number,
            "service_id": service.id,
            "title": service.licence.title.model_dump(),
            "holder": holder,
            "business_name": business_name(service, fields),
            "fields": fields,
            "area": area,
            "issued_at": issued_at,
            "valid_until": valid_until.isoformat() if valid_until else None,
            "status": "in_force",
            "public": service.public_register,
            "request_id": None,
            "document_sha256": scan.get("sha256") if scan else None,
            "imported": True,
            "imported_at": now,
            "imported_by": by,
            "import_fingerprint": fingerprint,
            "scan": dict(scan) if scan else None,
            "history": [{"status": "in_force", "at": now, "reason": _IMPORTED_REASON, "by": by}],
        }
        if not self._licences.add(entry):
            # Imported by a concurrent call: the same row is unchanged, another row is refused.
            again = self._licences.get(number) or {}
            if again.get("import_fingerprint") == fingerprint:
                return "unchanged"
            raise _RowRefused(
                "import.number_taken",
                "มีใบอนุญาตเลขที่นี้ในทะเบียนแล้วด้วยข้อมูลอื่น",
                "A licence with this number is already registered with other data.",
                "licence_number",
            )
        return "imported"


def _date(value: Any, name: str, *, required: bool) -> date | None:
    text = str(value or "").strip()
    if not text:
        if required:
            raise _RowRefused(
                "import.date_required", f"กรุณาระบุ {name} (ปปปป-ดด-วว)", f"Give {name} (YYYY-MM-DD).", name
            )
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _RowRefused(
            "import.date_invalid",
            f"{name} ไม่ใช่วันที่แบบ ปปปป-ดด-วว (ปีคริสต์ศักราช)",
            f"{name} is not a date as YYYY-MM-DD (Gregorian year).",
            name,
        ) from None


def _haystack(entry: Mapping[str, Any]) -> str:
    parts = [entry["licence_number"], entry.get("holder") or "", entry.get("business_name") or ""]
    parts += [str(v) for v in (entry.get("title") or {}).values()]
    parts += [str(v) for v in (entry.get("fields") or {}).values()]
    return " ".join(parts).casefold()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = int(value["o"])
    except (ValueError, TypeError, KeyError):
        raise InvalidInput(code="cursor.invalid", th="ตัวชี้หน้าถัดไปไม่ถูกต้อง", en="The page cursor is not valid.") from None
    if offset < 0:
        raise InvalidInput(code="cursor.invalid", th="ตัวชี้หน้าถัดไปไม่ถูกต้อง", en="The page cursor is not valid.")
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def status_now(record: Mapping[str, Any]) -> str:
    """The licence's status as of now (for callers that only hold a record)."""
    return licence_status(dict(record), clock_source.now())
