"""The public licence register (R-5, Act §13): every licence with its data and current status.

Licences in force come first, then the back catalogue (R-5.2). Suspension, revocation and expiry
change the status at once (R-5.4); nothing is deleted, each change is kept in the entry's history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from . import clock_source
from .errors import Conflict, InvalidInput, NotFound
from .ports import LicenceRepository, Page, page_size
from .time_rules import BANGKOK

__all__ = ["LicenceRegister", "licence_status"]

_ORDER = {"in_force": 0, "suspended": 1, "expired": 2, "revoked": 3}
_PUBLIC_FIELDS = (
    "licence_number",
    "service_id",
    "title",
    "holder",
    "fields",
    "issued_at",
    "valid_until",
    "document_sha256",
    "history",
    "suspended_until",
)


def licence_status(record: dict[str, Any], now: datetime) -> str:
    """in_force, suspended, revoked or expired as of ``now`` (expiry and the end of a suspension count)."""
    status = str(record["status"])
    today = now.astimezone(BANGKOK).date()
    if (
        status == "suspended"
        and record.get("suspended_until")
        and date.fromisoformat(record["suspended_until"]) < today
    ):
        status = "in_force"
    if status == "in_force" and record.get("valid_until") and date.fromisoformat(record["valid_until"]) < today:
        return "expired"
    return status


class LicenceRegister:
    """Read and keep the register."""

    def __init__(self, *, licences: LicenceRepository) -> None:
        self._licences = licences

    def public_entries(
        self, query: str | None = None, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        """Licences the law requires to display, newest first, one page; in force first within the
        page (R-5.2), filtered by a search text."""
        now = clock_source.now()
        page = self._licences.public(limit=page_size(limit), cursor=cursor)
        entries = [self._public(r, now) for r in page.items]
        if query:
            needle = query.casefold().strip()
            entries = [e for e in entries if needle in _haystack(e)]
        entries.sort(key=lambda e: _ORDER.get(e["status"], 9))
        return Page(entries, page.cursor)

    def entry(self, licence_number: str, *, full: bool = False) -> dict[str, Any]:
        """One licence: any licence can be checked by its number. A licence of a service the law does
        not require to display publicly answers only whether it is valid, with no personal data
        (R-5.5, PDPA); ``full`` (officers) gives the whole entry."""
        record = self._licences.get(licence_number)
        if record is None:
            raise NotFound(code="licence.not_found", th="ไม่พบใบอนุญาตเลขที่นี้", en="No licence with that number.")
        entry = self._public(record, clock_source.now())
        if full or record.get("public"):
            return {**entry, "on_public_register": bool(record.get("public"))}
        return {
            "licence_number": entry["licence_number"],
            "status": entry["status"],
            "valid": entry["status"] == "in_force",
            "on_public_register": False,
        }

    def change_status(
        self,
        licence_number: str,
        *,
        status: Literal["in_force", "suspended", "revoked"],
        reason: str,
        by: str,
        until: date | None = None,
    ) -> dict[str, Any]:
        """R-5.4: suspend, revoke or reinstate at once; the change joins the entry's history."""
        record = self._licences.get(licence_number)
        if record is None:
            raise NotFound(code="licence.not_found", th="ไม่พบใบอนุญาตเลขที่นี้", en="No licence with that number.")
        if not reason.strip():
            raise InvalidInput(code="licence.reason_required", th="กรุณาระบุเหตุผล", en="Give the reason.")
        current = licence_status(record, clock_source.now())
        if current == "revoked":
            raise Conflict(code="licence.revoked", th="ใบอนุญาตถูกเพิกถอนแล้ว", en="The licence is revoked.")
        if current == status:
            raise Conflict(code="licence.same_status", th="ใบอนุญาตอยู่ในสถานะนี้แล้ว", en="Already in that status.")
        now = clock_source.now().isoformat()
        history = [*record.get("history", []), {"status": status, "at": now, "reason": reason.strip(), "by": by}]
        fields: dict[str, Any] = {
            "status": status,
            "history": history,
            "updated_at": now,
            "suspended_until": until.isoformat() if until else None,
        }
        ok = self._licences.change(licence_number, was=record["status"], fields=fields)
        if not ok:
            raise Conflict(code="licence.changed", th="ข้อมูลใบอนุญาตเพิ่งเปลี่ยน", en="The licence just changed.")
        return self.entry(licence_number, full=True)

    @staticmethod
    def _public(record: dict[str, Any], now: datetime) -> dict[str, Any]:
        return {**{k: record.get(k) for k in _PUBLIC_FIELDS}, "status": licence_status(record, now)}


def _haystack(entry: dict[str, Any]) -> str:
    parts = [entry["licence_number"], entry.get("holder") or "", *(entry.get("title") or {}).values()]
    parts += [str(v) for v in (entry.get("fields") or {}).values()]
    return " ".join(parts).casefold()
