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
import time as time_module
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, Literal
from urllib.parse import quote

from . import clock_source
from .errors import Conflict, FieldError, InvalidInput, NotFound
from .forms import validate_fields
from .messages import Message, compose
from .ports import Page, Repositories, page_size
from .register import LicenceRegister, licence_status
from .tenant import FieldType, FormField, Localized, Service, Tenant
from .time_rules import BANGKOK

__all__ = [
    "HOLDER_CONTACT_COLUMNS",
    "IMPORT_COLUMNS",
    "MAX_IMPORT_ROWS",
    "STATUSES",
    "HolderNotices",
    "LicenceBook",
    "area_of",
    "business_name",
    "clean_holder_contact",
    "holder_subject",
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
#: The holder's contact, optional: a paper licence has no request whose applicant could be told (R-5.4).
HOLDER_CONTACT_COLUMNS = ("holder_email", "holder_phone", "holder_address")
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
        """Record the change as an event of the licence's request and give the holder's notice. A licence
        born of no request (imported from paper) tells its holder at the contact kept with it."""
        request_id = record.get("request_id")
        if not request_id:
            key = f"{status}-{re.sub(r'[^0-9]', '', at)[:20]}"
            return self._holder_event(record, status, reason, at, until, key)
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

    # --- the holders of licences born of no request (R-5.2, R-5.4) -------------------------------------
    def _holder_event(
        self, record: Mapping[str, Any], status: str, reason: str, at: str, until: str | None, key: str
    ) -> dict[str, Any] | None:
        """The notice for the holder of an imported licence, keyed by the licence; with no e-mail and no
        mobile phone kept, the holder cannot be told: the licence says so (``holder_not_reached``)."""
        contact = record.get("holder_contact") or {}
        reachable = bool(contact.get("email") or contact.get("phone"))
        occasion = {"status": status, "at": at, "reason": reason, "until": until}
        if not reachable:
            self.note_holder_notice(
                record["licence_number"], key, {**occasion, "state": "not_reached", "why": "no_contact"}
            )
            return None
        self.note_holder_notice(record["licence_number"], key, {**occasion, "state": "sending"})
        return holder_notice_event(
            record["licence_number"], status, reason, at, until, key, len(record.get("holder_contact_history") or [])
        )

    def note_holder_notice(self, licence_number: str, key: str, changes: Mapping[str, Any]) -> None:
        """Record how the holder's notice of one change went (sending, sent, not reached), keeping the rest."""
        for _ in range(_REVISE_ATTEMPTS):
            record = self._licences.get(licence_number)
            if record is None:
                raise _no_licence()
            notices = {k: dict(v) for k, v in (record.get("holder_notices") or {}).items()}
            notices[key] = {**notices.get(key, {}), **changes}
            fields = {"holder_notices": notices, "holder_not_reached": _unreached(notices)}
            if self._licences.revise(licence_number, revision=int(record.get("holder_revision") or 0), fields=fields):
                return
        raise _changed()

    def officer_entry(self, licence_number: str) -> dict[str, Any]:
        """One licence as the records officer, the head and the administrator see it: the whole history
        (with who did what), the holder's contact and its history, and how each status notice went."""
        record = self._licences.get(licence_number)
        if record is None:
            raise _no_licence()
        return self.officer_view(record)

    def officer_view(self, record: Mapping[str, Any]) -> dict[str, Any]:
        view = self.public_view(record)
        notices = record.get("holder_notices") or {}
        return {
            **view,
            "on_public_register": bool(record.get("public")),
            "history": [dict(h) for h in record.get("history") or []],
            "holder_contact": dict(record.get("holder_contact") or {}) or None,
            "holder_contact_history": [dict(h) for h in record.get("holder_contact_history") or []],
            "holder_notices": [
                {"key": k, **notices[k]} for k in sorted(notices, key=lambda k: notices[k].get("at") or "")
            ],
            "holder_not_reached": bool(record.get("holder_not_reached")),
            "request_born": bool(record.get("request_id")),
        }

    def holders_not_reached(self) -> list[dict[str, Any]]:
        """Licences whose holder could not be told of a status change (no contact, or every channel
        refused it for good): the records officer's list, oldest unreached change first."""
        rows = [
            r for public in (True, False) for r in self._licences.every(public=public) if r.get("holder_not_reached")
        ]
        views = [self.officer_view(r) for r in rows]
        views.sort(
            key=lambda v: min((n.get("at") or "") for n in v["holder_notices"] if n.get("state") == "not_reached")
        )
        return views

    def set_holder_contact(
        self, licence_number: str, *, contact: Mapping[str, Any], reason: str, by: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The records officer adds or corrects the contact of an imported licence's holder. The old value
        stays in ``holder_contact_history`` with who changed it, when and why. Notices the holder could
        not be given are given now (once each), when the new contact has an e-mail or a mobile phone.
        Returns the officer's view and the notices to send."""
        if not reason.strip():
            raise InvalidInput(code="licence.reason_required", th="กรุณาระบุเหตุผล", en="Give the reason.")
        today = clock_source.now().astimezone(BANGKOK).date()
        cleaned = clean_holder_contact(contact, today=today)
        if not cleaned:
            raise InvalidInput(
                code="licence.holder_contact_empty",
                th="กรุณาระบุอีเมล หมายเลขโทรศัพท์มือถือ หรือที่อยู่ของผู้รับอนุญาตอย่างน้อยหนึ่งอย่าง",
                en="Give at least one of the holder's e-mail, mobile phone or postal address.",
            )
        for _ in range(_REVISE_ATTEMPTS):
            record = self._licences.get(licence_number)
            if record is None:
                raise _no_licence()
            if record.get("request_id"):
                raise Conflict(
                    code="licence.contact_from_request",
                    th="ใบอนุญาตที่ออกผ่านระบบใช้ข้อมูลติดต่อของผู้ยื่นคำขอ แก้ไขที่นี่ไม่ได้",
                    en="A licence issued through the e-Service uses its applicant's contact; it is not edited here.",
                )
            previous = dict(record.get("holder_contact") or {}) or None
            if cleaned == (previous or {}):
                raise Conflict(
                    code="licence.holder_contact_same",
                    th="ข้อมูลติดต่อนี้ตรงกับที่บันทึกไว้แล้ว",
                    en="This contact is already the one kept.",
                )
            now = clock_source.now().isoformat()
            history = [
                *(record.get("holder_contact_history") or []),
                {"at": now, "by": by, "reason": reason.strip(), "previous": previous, "contact": cleaned},
            ]
            notices = {k: dict(v) for k, v in (record.get("holder_notices") or {}).items()}
            resend: list[dict[str, Any]] = []
            if cleaned.get("email") or cleaned.get("phone"):
                for key, notice in sorted(notices.items(), key=lambda item: item[1].get("at") or ""):
                    if notice.get("state") != "not_reached":
                        continue
                    notices[key] = {**notice, "state": "sending", "why": None}
                    resend.append(
                        holder_notice_event(
                            licence_number,
                            str(notice["status"]),
                            str(notice.get("reason") or ""),
                            str(notice["at"]),
                            notice.get("until"),
                            key,
                            len(history),
                        )
                    )
            fields = {
                "holder_contact": cleaned,
                "holder_contact_history": history,
                "holder_notices": notices,
                "holder_not_reached": _unreached(notices),
            }
            if self._licences.revise(licence_number, revision=int(record.get("holder_revision") or 0), fields=fields):
                return self.officer_entry(licence_number), resend
        raise _changed()

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
            if k not in IMPORT_COLUMNS
            and k not in OPTIONAL_COLUMNS
            and k not in HOLDER_CONTACT_COLUMNS
            and v not in (None, "")
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
        # The holder's contact (personal data, never on the public register): not part of the fingerprint,
        # so a contact is corrected through its own audited route, never by a re-import.
        contact = _row_contact(row, today)
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
                if contact and contact != (existing.get("holder_contact") or {}):
                    raise _RowRefused(
                        "import.holder_contact_differs",
                        "ใบอนุญาตนี้นำเข้าแล้ว แต่ข้อมูลติดต่อผู้รับอนุญาตต่างจากที่บันทึกไว้ "
                        "(แก้ไขข้อมูลติดต่อได้ที่หน้าใบอนุญาต ระบบเก็บค่าเดิมไว้ในประวัติ)",
                        "This licence was imported before with another holder contact "
                        "(correct the contact on the licence's page; the old value is kept in its history).",
                        "holder_email",
                    )
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
            # PDPA: the holder's contact, for the status notices only; kept off every public view.
            "holder_contact": contact or None,
            "holder_contact_history": [],
        }
        if not self._licences.add(entry):
            # Imported by a concurrent call: the same row is unchanged, another row is refused.
            again = self._licences.get(number) or {}
            if again.get("import_fingerprint") == fingerprint and (
                not contact or contact == (again.get("holder_contact") or {})
            ):
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


# --- the holders of licences born of no request: contact and status notices (R-5.2, R-5.4, PDPA) ---------
_REVISE_ATTEMPTS = 8
#: How often the "sent" mark is tried before the step fails (a retried step would send the message again).
_MARK_ATTEMPTS = 6
#: The holder's contact, validated as the applicant's own contact is (``eservice.forms``).
_CONTACT_FORM = (
    FormField(name="email", type=FieldType.EMAIL, label=Localized(th="อีเมลผู้รับอนุญาต", en="Holder's e-mail")),
    FormField(name="phone", type=FieldType.PHONE, label=Localized(th="โทรศัพท์มือถือผู้รับอนุญาต", en="Holder's mobile phone")),
    FormField(
        name="address",
        type=FieldType.TEXTAREA,
        label=Localized(th="ที่อยู่ผู้รับอนุญาต", en="Holder's postal address"),
        max_length=500,
    ),
)
_MOBILE = re.compile(r"^0[689][0-9]{8}$")
_CONTACT_PROBLEMS: dict[str, tuple[str, str]] = {
    "email": ("อีเมลของผู้รับอนุญาตไม่ถูกต้อง", "The holder's e-mail address is not valid."),
    "phone": (
        "หมายเลขโทรศัพท์มือถือของผู้รับอนุญาตไม่ถูกต้อง (10 หลัก ขึ้นต้นด้วย 06 08 หรือ 09)",
        "The holder's mobile phone number is not valid (10 digits starting with 06, 08 or 09).",
    ),
    "address": (
        "ที่อยู่ของผู้รับอนุญาตไม่ถูกต้อง (ไม่เกิน 500 ตัวอักษร)",
        "The holder's postal address is not valid (500 characters at most).",
    ),
}
#: The message log's subject for the notices of a licence born of no request (``MessageLog`` is keyed by it).
HOLDER_SUBJECT_PREFIX = "licence/"


def holder_subject(licence_number: str) -> str:
    return f"{HOLDER_SUBJECT_PREFIX}{licence_number}"


def _no_licence() -> NotFound:
    return NotFound(code="licence.not_found", th="ไม่พบใบอนุญาตเลขที่นี้", en="No licence with that number.")


def _changed() -> Conflict:
    return Conflict(code="licence.changed", th="ข้อมูลใบอนุญาตเพิ่งเปลี่ยน กรุณาลองอีกครั้ง", en="The licence just changed.")


def _unreached(notices: Mapping[str, Mapping[str, Any]]) -> bool:
    return any(n.get("state") == "not_reached" for n in notices.values())


def holder_notice_event(
    licence_number: str, status: str, reason: str, at: str, until: str | None, key: str, contact_version: int
) -> dict[str, Any]:
    """What the notify function is given (ids and the change only; the contact stays in the table)."""
    return {
        "action": "licence_holder_notice",
        "licence_number": licence_number,
        "new_status": status,
        "reason": reason,
        "effective_at": at,
        "until": until,
        "key": key,
        # A contact added or corrected later makes a new message (to the new address) of the same notice.
        "contact_version": contact_version,
    }


def _contact(given: Mapping[str, Any], today: date) -> tuple[dict[str, str], list[str]]:
    cleaned: dict[str, str] = {}
    bad: list[str] = []
    for form_field in _CONTACT_FORM:
        raw = given.get(form_field.name)
        if raw is None or not str(raw).strip():
            continue
        try:
            value = str(validate_fields([form_field], {form_field.name: str(raw)}, today=today)[form_field.name])
        except InvalidInput:
            bad.append(form_field.name)
            continue
        if form_field.name == "phone" and not _MOBILE.fullmatch(value):
            bad.append("phone")  # SMS reaches a mobile phone only
            continue
        cleaned[form_field.name] = value
    return cleaned, bad


def clean_holder_contact(given: Mapping[str, Any], *, today: date) -> dict[str, str]:
    """The holder's e-mail, mobile phone and postal address, checked; InvalidInput names each bad one."""
    unknown = sorted(str(k) for k in given if k not in {f.name for f in _CONTACT_FORM})
    cleaned, bad = _contact(given, today)
    if bad or unknown:
        details = [
            FieldError(
                field=name,
                code=f"holder_contact.{name}_invalid",
                th=_CONTACT_PROBLEMS[name][0],
                en=_CONTACT_PROBLEMS[name][1],
            )
            for name in bad
        ] + [FieldError(field=name, code="field.unknown", th="ไม่มีช่องนี้", en="No such field") for name in unknown]
        raise InvalidInput(
            code="licence.holder_contact_invalid",
            th="ข้อมูลติดต่อผู้รับอนุญาตไม่ถูกต้อง",
            en="The holder's contact is not valid.",
            details=details,
        )
    return cleaned


def _row_contact(row: Mapping[str, Any], today: date) -> dict[str, str]:
    cleaned, bad = _contact({name: row.get(f"holder_{name}") for name in ("email", "phone", "address")}, today)
    if bad:
        th, en = _CONTACT_PROBLEMS[bad[0]]
        raise _RowRefused(f"import.holder_{bad[0]}_invalid", th, en, f"holder_{bad[0]}")
    return cleaned


def holder_message(
    tenant: Tenant, service: Service, record: Mapping[str, Any], template: str, extra: Mapping[str, Any], base_url: str
) -> Message:
    """The e-mail and SMS of a status notice to the holder of a licence born of no request: the same
    text as a request-born holder gets, naming the licence and its public page instead of a request."""
    number = str(record["licence_number"])
    url = f"{base_url.rstrip('/')}/#/register/{quote(number, safe='')}"
    pseudo = {"id": number, "licence_number": number, "service_id": service.id, "answers": {}}
    message = compose(template, tenant=tenant, service=service, request=pseudo, tracking_url=url, extra=extra)
    swaps = (
        (f"เลขอ้างอิงคำขอ {number}", f"เลขที่ใบอนุญาต {number}"),
        (f"Request reference {number}", f"Licence number {number}"),
        (f"ติดตามสถานะคำขอได้ที่ {url}", f"ดูสถานะใบอนุญาตได้ที่ {url}"),
        (f"Track your request at {url}", f"See the licence's status at {url}"),
    )
    body = message.body
    for old, new in swaps:
        body = body.replace(old, new)
    return Message(subject=message.subject, body=body, sms=message.sms, line=message.line)


class HolderNotices:
    """R-5.4 for licences born of no request: the holder is told at the contact kept with the licence, with
    the same sealed notice (made and kept by the sign function, keyed by the licence), on e-mail and SMS,
    each channel once (the ``MessageLog`` claim, under ``holder_subject``), the e-mail entered in the
    dispatch register. When no channel takes it for good, the licence says the holder was not reached."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        public_base_url: str,
        send_email: Callable[[str, Message, Mapping[str, Any]], str],
        send_sms: Callable[[str, str], str],
        notice_document: Callable[[str, str, str, Mapping[str, Any]], Mapping[str, Any]],
        correspondence: Any | None = None,
        sleep: Callable[[float], None] = time_module.sleep,
    ) -> None:
        self._repos = repos
        self._licences = repos.licences
        self._messages = repos.messages
        self._tenant = tenant
        self._base = public_base_url
        self._send_email = send_email  # (address, message, the kept notice document) -> provider message id
        self._send_sms = send_sms
        # (licence number, template, occasion, extra) -> the kept notice document (kind, key, file_name, sha256)
        self._notice_document = notice_document
        self._correspondence = correspondence
        self._sleep = sleep

    def send(
        self,
        licence_number: str,
        new_status: str,
        *,
        reason: str,
        effective_at: str,
        until: str | None,
        key: str,
        contact_version: int = 0,
    ) -> dict[str, Any]:
        from .notices import LICENCE_NOTICES, DeliveryRefused

        template = next((t for t, status in LICENCE_NOTICES.items() if status == new_status), None)
        if template is None:
            raise ValueError(f"no notice for licence status {new_status!r}")
        record = self._licences.get(licence_number)
        if record is None:
            raise _no_licence()
        service = self._tenant.service(record["service_id"])
        extra = {
            "reason": reason,
            "effective_at": effective_at,
            "until": until,
            "new_status": new_status,
            "licence_number": licence_number,
        }
        message = holder_message(self._tenant, service, record, template, extra, self._base)
        occasion = f"{template}#{key}"
        message_key = occasion if not contact_version else f"{occasion}~c{contact_version}"
        subject = holder_subject(licence_number)
        contact = record.get("holder_contact") or {}
        channels: list[tuple[str, str]] = []
        if contact.get("email"):
            channels.append(("email", str(contact["email"])))
        if contact.get("phone"):
            channels.append(("sms", str(contact["phone"])))
        data = {"template": template, "subject": message.subject, "at": clock_source.now().isoformat()}
        results: list[dict[str, Any]] = []
        retry: Exception | None = None
        document: Mapping[str, Any] | None = None
        for channel, to in channels:
            if not self._messages.claim(subject, message_key, channel, data):
                results.append({"channel": channel, "state": "sent_before"})
                continue
            try:
                if channel == "email":
                    # Made, sealed, kept and registered for verification before the e-mail that carries it.
                    document = self._notice_document(licence_number, template, occasion, extra)
                    provider_id = self._send_email(to, message, document)
                else:
                    provider_id = self._send_sms(to, message.sms)
            except DeliveryRefused as refused:
                self._messages.failed(subject, message_key, channel, error=refused.reason, retryable=False)
                results.append({"channel": channel, "state": "failed", "error": refused.reason})
                continue
            except Exception as exc:
                self._messages.failed(subject, message_key, channel, error=type(exc).__name__, retryable=True)
                results.append({"channel": channel, "state": "failed", "error": type(exc).__name__})
                retry = retry or exc
                continue
            self._mark_sent(subject, message_key, channel, provider_id)
            results.append({"channel": channel, "state": "sent"})
        # What went out is read from the message log, not from this call: a call retried after a crash finds
        # the channels handled before already claimed, whether they were sent or refused for good.
        logged = {
            str(row.get("channel")): row for row in self._messages.of_request(subject) if row.get("key") == message_key
        }
        sent = [c for c, _ in channels if logged.get(c, {}).get("state") in ("sent", "delivered")]
        emailed = next((to for channel, to in channels if channel == "email"), None)
        if emailed and "email" in sent:
            self._register_dispatch(licence_number, template, message_key, occasion, message, emailed, document)
        if retry is not None:
            raise retry  # the invocation is retried: only what did not go out is sent
        book = LicenceBook(repos=self._repos, tenant=self._tenant)
        if sent:
            book.note_holder_notice(licence_number, key, {"state": "sent", "channels": sent, "why": None})
        else:
            why = "no_contact" if not channels else "refused"
            book.note_holder_notice(licence_number, key, {"state": "not_reached", "why": why})
        return {"template": template, "channels": sent, "results": results}

    def _register_dispatch(
        self,
        licence_number: str,
        template: str,
        message_key: str,
        occasion: str,
        message: Message,
        to: str,
        document: Mapping[str, Any] | None,
    ) -> None:
        if self._correspondence is None:
            return
        from .notices import notice_kind

        latest = self._licences.get(licence_number) or {}
        kind = notice_kind(template, occasion)
        kept = document or (latest.get("holder_documents") or {}).get(kind) or {}
        self._correspondence.dispatched_to_holder(
            latest,
            message_key=message_key,
            template=template,
            subject=message.subject,
            attachments=[str(kept.get("file_name") or kind)],
            to=to,
        )

    def _mark_sent(self, subject: str, message_key: str, channel: str, provider_id: str) -> None:
        for attempt in range(_MARK_ATTEMPTS):
            try:
                self._messages.sent(subject, message_key, channel, provider_id=provider_id)
                return
            except Exception:
                if attempt == _MARK_ATTEMPTS - 1:
                    raise
                self._sleep(0.05 * 2**attempt)


def keep_holder_document(licences: Any, licence_number: str, kind: str, document: Mapping[str, Any]) -> None:
    """Remember the sealed notice kept for a licence's holder, so a retried step finds it (sign function)."""
    for _ in range(_REVISE_ATTEMPTS):
        record = licences.get(licence_number)
        if record is None:
            raise _no_licence()
        documents = dict(record.get("holder_documents") or {})
        if kind in documents:
            return
        documents[kind] = dict(document)
        if licences.revise(
            licence_number, revision=int(record.get("holder_revision") or 0), fields={"holder_documents": documents}
        ):
            return
    raise _changed()
