"""In-memory fakes of the ports, for use-case unit tests (milliseconds, no AWS, no moto).

They keep the same promises as the DynamoDB adapters: each call is atomic (one lock, check then
apply), conditions fail the same way, lists are paginated with an opaque cursor, nothing is deleted.
``MemoryExecutions`` stands in for Step Functions: it records starts and answers and can be told to
fail, which is how the tests model a saga that did not hear an answer.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from . import clock_source
from .domain import FINAL_STATUSES, RequestStatus, StatusChange
from .errors import Conflict, InvalidInput, NotFound
from .ports import AlreadyAnswered, Answer, Page, Repositories

__all__ = ["MemoryDatabase", "MemoryExecutions"]


def _page(
    rows: list[dict[str, Any]],
    limit: int,
    cursor: str | None,
    *,
    key: Callable[[dict[str, Any]], Any],
    reverse: bool = False,
) -> Page[dict[str, Any]]:
    """Like DynamoDB: sorted by ``key``; the cursor is the last key returned, so rows added or
    removed between pages neither repeat nor skip what remains."""
    rows = sorted(rows, key=key, reverse=reverse)
    if cursor:
        try:
            last = tuple(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))
        except (ValueError, TypeError, binascii.Error):
            raise InvalidInput(
                code="cursor.invalid", th="ตัวชี้หน้าถัดไปไม่ถูกต้อง", en="The page cursor is not valid."
            ) from None
        rows = [r for r in rows if (tuple(key(r)) < last if reverse else tuple(key(r)) > last)]
    chunk = rows[:limit]
    more = len(rows) > limit
    next_cursor = (
        base64.urlsafe_b64encode(json.dumps(list(key(chunk[-1]))).encode()).decode().rstrip("=")
        if more and chunk
        else None
    )
    return Page([copy.deepcopy(r) for r in chunk], next_cursor)


def _set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = copy.deepcopy(value)


_CHANGED = Conflict(
    code="request.changed",
    th="คำขอนี้เพิ่งถูกเปลี่ยนแปลง กรุณาโหลดข้อมูลใหม่แล้วลองอีกครั้ง",
    en="This request has just changed. Reload it and try again.",
)


@dataclass
class _State:
    lock: threading.RLock = field(default_factory=threading.RLock)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    records: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    outbox: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)
    owners: dict[tuple[str, int, str], int] = field(default_factory=dict)
    drafts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    slips: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    messages: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    provider_ids: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    licences: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    announcements: dict[str, dict[str, Any]] = field(default_factory=dict)
    current_announcements: dict[str, str] = field(default_factory=dict)
    access_log: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    link_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    line_users: dict[str, str] = field(default_factory=dict)
    digest_at: str | None = None
    writes: int = 0  # how many write calls were made (tests check that reads stay reads)


def _event_row(event: StatusChange) -> dict[str, Any]:
    return {
        "request_id": event.request_id,
        "seq": event.seq,
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value,
        "at": event.at.isoformat(),
        "actor": event.actor.as_dict(),
        "reason": event.reason,
        "data": copy.deepcopy(event.data),
    }


class MemoryRequests:
    """RequestRepository and NumberSeries."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def create(
        self, record: Mapping[str, Any], first_event: StatusChange, *, draft: tuple[str, str] | None = None
    ) -> bool:
        with self._s.lock:
            if record["id"] in self._s.requests:
                return False
            stored_draft = self._s.drafts.get(draft) if draft is not None else None
            if draft is not None:
                if stored_draft is None or stored_draft["state"] != "open":
                    return False
                stored_draft.update(state="submitted", request_id=record["id"], updated_at=record["submitted_at"])
            self._s.writes += 1
            self._s.requests[record["id"]] = copy.deepcopy(dict(record))
            self._s.events[record["id"]] = [_event_row(first_event)]
            return True

    def find(self, request_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            record = self._s.requests.get(request_id)
            return copy.deepcopy(record) if record is not None else None

    def get(self, request_id: str) -> dict[str, Any]:
        record = self.find(request_id)
        if record is None:
            raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")
        return record

    def _check_status(self, event: StatusChange) -> dict[str, Any]:
        record = self._s.requests.get(event.request_id)
        if record is None or int(record["version"]) != event.seq - 1:
            raise _CHANGED
        return record

    def _apply_status(self, record: dict[str, Any], event: StatusChange, fields: Mapping[str, Any]) -> None:
        record.update(status=event.to_status.value, version=event.seq, updated_at=event.at.isoformat())
        for name, value in fields.items():
            _set_path(record, name, value)
        self._s.events[event.request_id].append(_event_row(event))

    def change_status(self, event: StatusChange, *, set_fields: Mapping[str, Any] | None = None) -> None:
        with self._s.lock:
            record = self._check_status(event)
            self._s.writes += 1
            self._apply_status(record, event, set_fields or {})

    def set_fields(self, request_id: str, fields: Mapping[str, Any]) -> None:
        with self._s.lock:
            record = self._s.requests.get(request_id)
            if record is None:
                raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")
            self._s.writes += 1
            for name, value in fields.items():
                _set_path(record, name, value)

    def set_document(self, request_id: str, kind: str, document: Mapping[str, Any]) -> None:
        self.set_fields(request_id, {f"documents.{kind}": dict(document)})

    def add_attachments(self, request_id: str, attachments: list[Mapping[str, Any]]) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.requests[request_id].setdefault("attachments", []).extend(copy.deepcopy(list(attachments)))

    def events(self, request_id: str) -> list[dict[str, Any]]:
        with self._s.lock:
            return copy.deepcopy(self._s.events.get(request_id, []))

    def put_record(self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.records[(request_id, kind, record_id)] = copy.deepcopy(dict(data))

    def add_record(self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any]) -> bool:
        with self._s.lock:
            if (request_id, kind, record_id) in self._s.records:
                return False
            self.put_record(request_id, kind, record_id, data)
            return True

    def replace_record(
        self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any], *, state: str
    ) -> bool:
        with self._s.lock:
            found = self._s.records.get((request_id, kind, record_id))
            if found is None or found.get("state") != state:
                return False
            self.put_record(request_id, kind, record_id, data)
            return True

    def get_record(self, request_id: str, kind: str, record_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.records.get((request_id, kind, record_id))
            return copy.deepcopy(found) if found is not None else None

    def records(self, request_id: str, kind: str) -> list[dict[str, Any]]:
        with self._s.lock:
            keys = sorted(k for k in self._s.records if k[0] == request_id and k[1] == kind)
            return [copy.deepcopy(self._s.records[k]) for k in keys]

    def of_applicant(self, applicant_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [r for r in self._s.requests.values() if r["applicant_id"] == applicant_id]
            return _page(rows, limit, cursor, key=lambda r: (r["submitted_at"], r["id"]), reverse=True)

    def in_status(
        self, status: RequestStatus, *, limit: int, cursor: str | None, service_ids: frozenset[str] | None = None
    ) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [r for r in self._s.requests.values() if r["status"] == status.value]
            if service_ids is not None:
                rows = [r for r in rows if r["service_id"] in service_ids]
            return _page(rows, limit, cursor, key=lambda r: (r["updated_at"], r["id"]), reverse=True)

    def open(
        self,
        *,
        limit: int,
        cursor: str | None,
        changed_since: datetime | None = None,
        due_before: datetime | None = None,
        waiting_roles: frozenset[str] | None = None,
        service_ids: frozenset[str] | None = None,
    ) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [r for r in self._s.requests.values() if RequestStatus(r["status"]) not in FINAL_STATUSES]
            if service_ids is not None:
                rows = [r for r in rows if r["service_id"] in service_ids]
            if changed_since is not None:
                rows = [r for r in rows if r["updated_at"] >= changed_since.isoformat()]
            if due_before is not None:
                rows = [r for r in rows if r.get("due_at") and r["due_at"] <= due_before.isoformat()]
            if waiting_roles is not None:
                rows = [
                    r
                    for r in rows
                    if (r.get("waiting") or {}).get("state") == "waiting" and r["waiting"].get("role") in waiting_roles
                ]
            return _page(rows, limit, cursor, key=lambda r: (r["updated_at"], r["id"]), reverse=True)

    def received_between(
        self, start: datetime, end: datetime, *, limit: int, cursor: str | None
    ) -> Page[dict[str, Any]]:
        """Requests submitted in ``[start, end)``, oldest first (statistics, Q10.5)."""
        with self._s.lock:
            rows = [r for r in self._s.requests.values() if start <= datetime.fromisoformat(r["submitted_at"]) < end]
            return _page(rows, limit, cursor, key=lambda r: (r["submitted_at"], r["id"]))

    def applicant_rows(self, applicant_id: str) -> list[dict[str, Any]]:
        """Every row kept under the applicant (profile, channels, drafts in any state), with ``kind``."""
        with self._s.lock:
            rows = [
                {**copy.deepcopy(d), "kind": "DRAFT", "row_id": key[1]}
                for key, d in sorted(self._s.drafts.items())
                if key[0] == applicant_id
            ]
            if applicant_id in self._s.profiles:
                rows.append({**copy.deepcopy(self._s.profiles[applicant_id]), "kind": "PROFILE", "row_id": ""})
            if applicant_id in self._s.channels:
                rows.append({**copy.deepcopy(self._s.channels[applicant_id]), "kind": "CHANNELS", "row_id": ""})
            return rows

    def held_under(self, request_id: str) -> list[dict[str, Any]]:
        """Every row kept under the request but its record, with ``kind`` and ``row_id`` (PDPA export)."""
        with self._s.lock:
            rows = [{**e, "kind": "EVT", "row_id": f"{e['seq']:06d}"} for e in self._s.events.get(request_id, [])]
            rows += [
                {**copy.deepcopy(data), "kind": kind, "row_id": record_id}
                for (owner, kind, record_id), data in sorted(self._s.records.items())
                if owner == request_id
            ]
            rows += [
                {**copy.deepcopy(p), "kind": "PAYMENT", "row_id": f"PAY#{key[0]}#{key[1]}"}
                for key, p in self._s.payments.items()
                if p.get("request_id") == request_id
            ]
            rows += [
                {**copy.deepcopy(slip), "kind": "SLIP", "row_id": key[1]}
                for key, slip in self._s.slips.items()
                if key[0] == request_id
            ]
            rows += [
                {**copy.deepcopy(m), "kind": "MESSAGE", "row_id": f"{key[1]}#{key[2]}"}
                for key, m in self._s.messages.items()
                if key[0] == request_id
            ]
            rows += [
                {**copy.deepcopy(o), "kind": "OUTBOX", "row_id": f"{key[1]:06d}"}
                for key, o in self._s.outbox.items()
                if key[0] == request_id
            ]
            rows += [
                {**copy.deepcopy(a), "kind": "AUDIT", "row_id": a["id"]} for a in self._s.access_log.get(request_id, [])
            ]
            return rows

    def take(self, series: str, year: int, *, owner: str) -> int:
        with self._s.lock:
            held = self._s.owners.get((series, year, owner))
            if held is not None:
                return held
            self._s.writes += 1
            number = self._s.counters.get((series, year), 0) + 1
            self._s.counters[(series, year)] = number
            self._s.owners[(series, year, owner)] = number
            return number

    def register(
        self,
        request_id: str,
        *,
        series: str,
        year: int,
        build: Callable[[int], tuple[StatusChange, Mapping[str, Any]]],
    ) -> int:
        with self._s.lock:
            held = self._s.owners.get((series, year, request_id))
            if held is not None:
                return held
            number = self._s.counters.get((series, year), 0) + 1
            event, fields = build(number)
            record = self._check_status(event)
            self._s.writes += 1
            self._s.counters[(series, year)] = number
            self._s.owners[(series, year, request_id)] = number
            self._apply_status(record, event, fields)
            return number


class MemoryWaitingSteps:
    """WaitingSteps."""

    def __init__(self, s: _State, requests: MemoryRequests) -> None:
        self._s = s
        self._requests = requests

    def park(
        self, request_id: str, waiting: Mapping[str, Any], *, event: StatusChange | None, expected_sequence: int
    ) -> None:
        with self._s.lock:
            record = self._s.requests.get(request_id)
            if record is None:
                raise _CHANGED
            current = record.get("waiting")
            if current is not None and int(current.get("sequence", 0)) != expected_sequence:
                raise _CHANGED
            if event is not None:
                self._requests._check_status(event)
                self._requests._apply_status(record, event, {"waiting": dict(waiting)})
            else:
                record["waiting"] = copy.deepcopy(dict(waiting))
            self._s.writes += 1

    def check(self, answer: Answer) -> dict[str, Any]:
        """The request, if the answer may be applied (its step still waits with this token)."""
        record = self._s.requests.get(answer.request_id)
        waiting = (record or {}).get("waiting") or {}
        if record is None or waiting.get("state") != "waiting" or waiting.get("token") != answer.token:
            raise AlreadyAnswered(
                code="decision.already_made", th="มีการพิจารณาขั้นตอนนี้ไปแล้ว", en="This step has already been decided."
            )
        if answer.event is not None:
            self._requests._check_status(answer.event)
        return record

    def apply(self, record: dict[str, Any], answer: Answer) -> None:
        """Write what ``check`` allowed (called under the lock)."""
        at = clock_source.now().isoformat()
        record["waiting"].update(
            state=answer.state,
            answered_at=at,
            answered_by=answer.by,
            outcome=answer.outcome,
            output=copy.deepcopy(answer.outbox.output) if answer.outbox.kind == "succeed" else None,
            error=answer.outbox.error,
        )
        if answer.event is not None:
            self._requests._apply_status(record, answer.event, answer.fields)
        else:
            for name, value in answer.fields.items():
                _set_path(record, name, value)
        if answer.record is not None:
            kind, record_id, data = answer.record
            self._s.records[(answer.request_id, kind, record_id)] = copy.deepcopy(dict(data))
        for kind, record_id, data in answer.also:
            self._s.records[(answer.request_id, kind, record_id)] = copy.deepcopy(dict(data))
        self._s.outbox[(answer.request_id, answer.outbox.sequence)] = {
            **copy.deepcopy(answer.outbox.as_dict()),
            "state": "pending",
            "created_at": at,
        }
        self._s.writes += 1

    def answer(self, answer: Answer) -> None:
        with self._s.lock:
            self.apply(self.check(answer), answer)

    def outbox(self, request_id: str, sequence: int) -> dict[str, Any] | None:
        with self._s.lock:
            row = self._s.outbox.get((request_id, sequence))
            return copy.deepcopy(row) if row is not None else None

    def mark_outbox(self, request_id: str, sequence: int, state: Literal["delivered", "stale", "resumed"]) -> None:
        with self._s.lock:
            row = self._s.outbox[(request_id, sequence)]
            if state == "stale" and row["state"] != "pending":
                return  # delivered a moment ago by someone else: not stale
            self._s.writes += 1
            row.update(state=state, delivered_at=clock_source.now().isoformat())

    def pending_outbox(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [r for r in self._s.outbox.values() if r["state"] == "pending"]
            return _page(rows, limit, cursor, key=lambda r: (r["created_at"], r["request_id"], r["sequence"]))

    def stale_outbox(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [r for r in self._s.outbox.values() if r["state"] == "stale"]
            return _page(rows, limit, cursor, key=lambda r: (r["created_at"], r["request_id"], r["sequence"]))


class MemoryDrafts:
    """DraftRepository."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def create(self, draft: Mapping[str, Any]) -> None:
        with self._s.lock:
            key = (draft["applicant_id"], draft["id"])
            if key in self._s.drafts:
                raise Conflict(code="draft.exists", th="มีแบบร่างนี้อยู่แล้ว", en="This draft exists already.")
            self._s.writes += 1
            self._s.drafts[key] = copy.deepcopy(dict(draft))

    def get(self, applicant_id: str, draft_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            draft = self._s.drafts.get((applicant_id, draft_id))
            return copy.deepcopy(draft) if draft is not None else None

    def of_applicant(self, applicant_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [d for (a, _), d in self._s.drafts.items() if a == applicant_id and d["state"] == "open"]
            return _page(rows, limit, cursor, key=lambda d: (d["id"],), reverse=True)

    def save(self, applicant_id: str, draft_id: str, fields: Mapping[str, Any], *, expected_state: str | None) -> bool:
        with self._s.lock:
            draft = self._s.drafts.get((applicant_id, draft_id))
            if draft is None or (expected_state is not None and draft["state"] != expected_state):
                return False
            self._s.writes += 1
            for name, value in fields.items():
                _set_path(draft, name, value)
            return True

    def set_attachment(self, applicant_id: str, draft_id: str, attachment: Mapping[str, Any]) -> bool:
        with self._s.lock:
            draft = self._s.drafts.get((applicant_id, draft_id))
            if draft is None or draft["state"] != "open":
                return False
            self._s.writes += 1
            draft["attachments"][attachment["id"]] = copy.deepcopy(dict(attachment))
            return True


class MemoryProfiles:
    """ProfileRepository."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def get(self, applicant_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.profiles.get(applicant_id)
            return copy.deepcopy(found) if found is not None else None

    def put(self, applicant_id: str, profile: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.profiles[applicant_id] = copy.deepcopy(dict(profile))


class MemoryPayments:
    """PaymentLedger and WebhookInbox (one stored payment stands for all its copies)."""

    def __init__(self, s: _State, waiting: MemoryWaitingSteps) -> None:
        self._s = s
        self._waiting = waiting

    def get(self, provider: str, transaction_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.payments.get((provider, transaction_id))
            return copy.deepcopy(found) if found is not None else None

    def record(self, payment: Mapping[str, Any], *, day: date) -> bool:
        with self._s.lock:
            key = (payment["provider"], payment["transaction_id"])
            if key in self._s.payments:
                return False
            self._s.writes += 1
            self._s.payments[key] = {**copy.deepcopy(dict(payment)), "day": day.isoformat()}
            return True

    def advance(self, provider: str, transaction_id: str, *, was: str, to: str, at: datetime) -> bool:
        with self._s.lock:
            payment = self._s.payments.get((provider, transaction_id))
            if payment is None or payment["status"] != was:
                return False
            self._s.writes += 1
            payment.update(status=to, updated_at=at.isoformat())
            return True

    def mark(self, provider: str, transaction_id: str, fields: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.payments[(provider, transaction_id)].update(copy.deepcopy(dict(fields)))

    def settle(self, provider: str, transaction_id: str, *, answer: Answer, paid: Mapping[str, Any]) -> None:
        with self._s.lock:
            payment = self._s.payments[(provider, transaction_id)]
            if payment.get("applied_to"):
                raise AlreadyAnswered(
                    code="payment.already_applied", th="การชำระเงินนี้ถูกบันทึกแล้ว", en="This payment was applied already."
                )
            record = self._waiting.check(answer)
            self._waiting.apply(record, answer)
            payment.update(applied_to=answer.request_id, held=None)

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        with self._s.lock:
            return [copy.deepcopy(p) for p in self._s.payments.values() if p.get("request_id") == request_id]

    def _day(self, day: date) -> list[dict[str, Any]]:
        rows = [p for p in self._s.payments.values() if p["day"] == day.isoformat()]
        return sorted(rows, key=lambda p: p["received_at"])

    def of_day(self, day: date, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            return _page(
                self._day(day), limit, cursor, key=lambda p: (p["received_at"], p["provider"], p["transaction_id"])
            )

    def totals_of_day(self, day: date) -> dict[str, int]:
        with self._s.lock:
            totals: dict[str, int] = {}
            for row in self._day(day):
                if row["status"] == "succeeded" and not row.get("mismatch"):
                    totals[row["channel"]] = totals.get(row["channel"], 0) + int(row["amount_satang"])
            return totals

    def add_slip(self, slip: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.slips[(slip["request_id"], slip["id"])] = copy.deepcopy(dict(slip))

    def get_slip(self, request_id: str, slip_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.slips.get((request_id, slip_id))
            return copy.deepcopy(found) if found is not None else None

    def pending_slips(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [s for s in self._s.slips.values() if s["state"] == "pending"]
            return _page(rows, limit, cursor, key=lambda s: (s["submitted_at"], s["id"]))

    def reject_slip(self, request_id: str, slip_id: str, fields: Mapping[str, Any]) -> bool:
        with self._s.lock:
            slip = self._s.slips.get((request_id, slip_id))
            if slip is None or slip["state"] != "pending":
                return False
            self._s.writes += 1
            slip.update(copy.deepcopy(dict(fields)))
            return True

    def verify_slip(
        self,
        request_id: str,
        slip_id: str,
        fields: Mapping[str, Any],
        *,
        payment: Mapping[str, Any],
        day: date,
        answer: Answer | None,
        paid: Mapping[str, Any] | None,
    ) -> None:
        with self._s.lock:
            slip = self._s.slips.get((request_id, slip_id))
            if slip is None or slip["state"] != "pending":
                raise Conflict(code="slip.decided", th="หลักฐานนี้ได้รับการพิจารณาแล้ว", en="This slip was already decided.")
            if (payment["provider"], payment["transaction_id"]) in self._s.payments:
                raise Conflict(
                    code="slip.duplicate_reference",
                    th="เลขที่รายการนี้ถูกใช้ชำระไปแล้ว",
                    en="This transaction reference was already used for a payment.",
                )
            record = self._waiting.check(answer) if answer is not None else None
            slip.update(copy.deepcopy(dict(fields)))
            self.record(payment, day=day)
            if answer is not None and record is not None:
                self._waiting.apply(record, answer)

    # webhook inbox
    def claim(
        self, provider: str, event_id: str, *, at: datetime, lease_seconds: int
    ) -> Literal["claimed", "done", "busy"]:
        with self._s.lock:
            row = self._s.webhooks.get((provider, event_id))
            if row is not None:
                if row["state"] == "done":
                    return "done"
                if row["state"] == "processing" and row["claimed_at"] >= (at - timedelta(seconds=lease_seconds)):
                    return "busy"
            self._s.writes += 1
            self._s.webhooks[(provider, event_id)] = {"state": "processing", "claimed_at": at}
            return "claimed"

    def done(self, provider: str, event_id: str, *, result: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.webhooks[(provider, event_id)].update(state="done", result=dict(result))

    def release(self, provider: str, event_id: str, *, error: str) -> None:
        with self._s.lock:
            self._s.webhooks[(provider, event_id)].update(state="failed", error=error)


class MemoryMessages:
    """MessageLog."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def claim(self, request_id: str, message_key: str, channel: str, data: Mapping[str, Any]) -> bool:
        with self._s.lock:
            key = (request_id, message_key, channel)
            row = self._s.messages.get(key)
            if row is not None and not _claimable(row):
                return False
            self._s.writes += 1
            self._s.messages[key] = {
                **(row or {}),
                **copy.deepcopy(dict(data)),
                "channel": channel,
                "key": message_key,
                "state": "sending",
            }
            return True

    def sent(self, request_id: str, message_key: str, channel: str, *, provider_id: str) -> None:
        with self._s.lock:
            self._s.messages[(request_id, message_key, channel)].update(state="sent", provider_id=provider_id)
            if channel == "email":  # as the DynamoDB adapter: only SES reports back by the provider's id
                self._s.provider_ids[provider_id] = (request_id, message_key, channel)

    def failed(self, request_id: str, message_key: str, channel: str, *, error: str, retryable: bool = True) -> None:
        with self._s.lock:
            row = self._s.messages[(request_id, message_key, channel)]
            row.update(state="failed", error=error, retryable=retryable)
            row.setdefault("failures", []).append({"at": row.get("at"), "error": error})

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        with self._s.lock:
            return [copy.deepcopy(m) for (r, _, _), m in sorted(self._s.messages.items()) if r == request_id]

    def by_provider_id(self, provider_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            key = self._s.provider_ids.get(provider_id)
            if key is None:
                return None
            return {"request_id": key[0], "template": key[1].split("#", 1)[0], "channel": key[2]}

    def set_state(self, provider_id: str, state: str) -> None:
        with self._s.lock:
            key = self._s.provider_ids.get(provider_id)
            if key is not None:
                self._s.messages[key].update(_delivery_report(state))

    def last_digest(self) -> str | None:
        with self._s.lock:
            return self._s.digest_at

    def digest_sent(self, at: str) -> None:
        with self._s.lock:
            self._s.digest_at = at


def _claimable(row: Mapping[str, Any]) -> bool:
    """A message may be (re)sent: never sent, or claimed and never confirmed, or failed and retryable."""
    state = row.get("state")
    return state == "sending" or (state == "failed" and bool(row.get("retryable", True)))


def _delivery_report(state: str) -> dict[str, Any]:
    if state == "delivered":
        return {"delivery": state, "state": "delivered"}
    # A bounce or a complaint: the address does not take our mail; sending again would not help.
    return {"delivery": state, "state": "failed", "error": state, "retryable": False}


class MemoryChannels:
    """ChannelRepository."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def get(self, applicant_id: str) -> dict[str, Any]:
        with self._s.lock:
            return copy.deepcopy(self._s.channels.get(applicant_id, {}))

    def choose(self, applicant_id: str, *, sms: bool, line: bool, at: str) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.channels.setdefault(applicant_id, {}).update(sms=sms, line=line, chosen_at=at)

    def add_link_code(self, code: str, applicant_id: str, *, expires_at: str) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.link_codes[code] = {"applicant_id": applicant_id, "expires_at": expires_at, "used": False}

    def link_with_code(self, code: str, line_user_id: str, *, now: str) -> str | None:
        with self._s.lock:
            row = self._s.link_codes.get(code)
            if row is None:
                return None
            applicant_id = str(row["applicant_id"])
            if row["used"]:
                return applicant_id if row.get("line_user_id") == line_user_id else None
            if row["expires_at"] <= now:
                return None
            self._s.writes += 1
            row.update(used=True, used_at=now, line_user_id=line_user_id)
            channels = self._s.channels.setdefault(applicant_id, {})
            channels.update(line_user_id=line_user_id, line_linked_at=now)
            channels.pop("line_unlinked", None)
            self._s.line_users[line_user_id] = applicant_id
            return applicant_id

    def applicant_of_line_user(self, line_user_id: str) -> str | None:
        with self._s.lock:
            return self._s.line_users.get(line_user_id)

    def unlink_line(self, applicant_id: str, *, at: str, reason: str) -> None:
        with self._s.lock:
            self._s.writes += 1
            channels = self._s.channels.setdefault(applicant_id, {})
            user = channels.pop("line_user_id", None)
            channels.pop("line_linked_at", None)
            channels["line_unlinked"] = {"at": at, "reason": reason}
            if user is not None:
                self._s.line_users.pop(user, None)


class MemoryLicences:
    """LicenceRepository."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def add(self, entry: Mapping[str, Any]) -> bool:
        with self._s.lock:
            if entry["licence_number"] in self._s.licences:
                return False
            self._s.writes += 1
            self._s.licences[entry["licence_number"]] = copy.deepcopy(dict(entry))
            return True

    def get(self, licence_number: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.licences.get(licence_number)
            return copy.deepcopy(found) if found is not None else None

    def change(self, licence_number: str, *, was: str, fields: Mapping[str, Any]) -> bool:
        with self._s.lock:
            entry = self._s.licences.get(licence_number)
            if entry is None or entry["status"] != was:
                return False
            self._s.writes += 1
            entry.update(copy.deepcopy(dict(fields)))
            return True

    def public(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [e for e in self._s.licences.values() if e.get("public")]
            return _page(rows, limit, cursor, key=lambda e: (e["issued_at"], e["licence_number"]), reverse=True)

    def keep_document(self, sha256: str, data: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.documents[sha256] = copy.deepcopy(dict(data))

    def document(self, sha256: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.documents.get(sha256)
            return copy.deepcopy(found) if found is not None else None

    def every(self, *, public: bool) -> list[dict[str, Any]]:
        with self._s.lock:
            rows = [copy.deepcopy(e) for e in self._s.licences.values() if bool(e.get("public")) == public]
        return sorted(rows, key=lambda e: (e["issued_at"], e["licence_number"]), reverse=True)

    def revise(self, licence_number: str, *, revision: int, fields: Mapping[str, Any]) -> bool:
        with self._s.lock:
            entry = self._s.licences.get(licence_number)
            if entry is None or int(entry.get("holder_revision") or 0) != revision:
                return False
            self._s.writes += 1
            entry.update(copy.deepcopy(dict(fields)), holder_revision=revision + 1)
            return True


class MemoryAnnouncements:
    """AnnouncementRepository."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def add(self, record: Mapping[str, Any]) -> None:
        with self._s.lock:
            if record["id"] in self._s.announcements:
                raise Conflict(code="announcement.exists", th="มีประกาศเลขนี้แล้ว", en="This announcement exists.")
            self._s.writes += 1
            self._s.announcements[record["id"]] = copy.deepcopy(dict(record))

    def get(self, announcement_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self._s.announcements.get(announcement_id)
            return copy.deepcopy(found) if found is not None else None

    def current(self, kind: str) -> dict[str, Any] | None:
        with self._s.lock:
            pointer = self._s.current_announcements.get(kind)
            return None if pointer is None else self.get(pointer)

    def claim_approval(
        self, announcement_id: str, *, approval: Mapping[str, Any], signer: Mapping[str, Any], now: str
    ) -> bool:
        with self._s.lock:
            record = self._s.announcements.get(announcement_id)
            if record is None:
                return False
            lapsed = record["state"] == "approving" and record["approval"]["lease_until"] < now
            if record["state"] != "draft" and not lapsed:
                return False
            self._s.writes += 1
            record.update(state="approving", approval=copy.deepcopy(dict(approval)), signer=copy.deepcopy(dict(signer)))
            return True

    def issue(self, announcement_id: str, fields: Mapping[str, Any], *, kind: str, replaces: str | None) -> bool:
        with self._s.lock:
            record = self._s.announcements.get(announcement_id)
            if record is None or record["state"] != "approving":
                return False
            if self._s.current_announcements.get(kind) != replaces:
                return False
            old = self._s.announcements.get(replaces) if replaces else None
            if replaces is not None and (old is None or old["state"] != "issued"):
                return False
            self._s.writes += 1
            record.update(copy.deepcopy(dict(fields)))
            if old is not None:
                old.update(state="superseded", superseded_by=announcement_id, superseded_at=fields["issued_at"])
            self._s.current_announcements[kind] = announcement_id
            return True

    def record_gazette(self, announcement_id: str, gazette: Mapping[str, Any]) -> bool:
        with self._s.lock:
            record = self._s.announcements.get(announcement_id)
            if record is None or record["state"] not in ("issued", "superseded") or record.get("gazette"):
                return False
            self._s.writes += 1
            record["gazette"] = copy.deepcopy(dict(gazette))
            return True

    def published(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [r for r in self._s.announcements.values() if r["state"] in ("issued", "superseded")]
            return _page(rows, limit, cursor, key=lambda r: (r["issued_at"], r["id"]), reverse=True)

    def all(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = list(self._s.announcements.values())
            return _page(rows, limit, cursor, key=lambda r: (r["drafted_at"], r["id"]), reverse=True)


class MemoryAccessLog:
    """AccessLog."""

    def __init__(self, s: _State) -> None:
        self._s = s

    def record(self, entry: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.writes += 1
            self._s.access_log.setdefault(entry["request_id"], []).append(copy.deepcopy(dict(entry)))

    def of_request(self, request_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        with self._s.lock:
            entries = list(self._s.access_log.get(request_id, []))
        return _page(entries, limit, cursor, key=lambda e: (e["at"], e["id"]))


class MemoryDatabase:
    """Every fake over one shared state."""

    def __init__(self) -> None:
        self.state = _State()
        self.requests = MemoryRequests(self.state)
        self.waiting = MemoryWaitingSteps(self.state, self.requests)
        self.payments = MemoryPayments(self.state, self.waiting)
        self.repositories = Repositories(
            requests=self.requests,
            numbers=self.requests,
            waiting=self.waiting,
            drafts=MemoryDrafts(self.state),
            profiles=MemoryProfiles(self.state),
            payments=self.payments,
            webhooks=self.payments,
            messages=MemoryMessages(self.state),
            licences=MemoryLicences(self.state),
            announcements=MemoryAnnouncements(self.state),
            access_log=MemoryAccessLog(self.state),
            channels=MemoryChannels(self.state),
        )
        #: The registers of correspondence (not a field of ``Repositories``: only their users wire them).
        self.correspondence = MemoryCorrespondence(self.state, self.requests)


@dataclass
class MemoryExecutions:
    """Step Functions as the use cases see it: executions by name, and the answers they received.

    ``fail_next`` makes the next calls of an operation raise (as an AWS 5xx would); ``dead_tokens``
    answer like a token whose execution has ended.
    """

    started: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    answers: list[tuple[str, str, Any]] = field(default_factory=list)
    fail_next: dict[str, int] = field(default_factory=dict)
    dead_tokens: set[str] = field(default_factory=set)

    def _maybe_fail(self, operation: str) -> None:
        if self.fail_next.get(operation, 0) > 0:
            self.fail_next[operation] -= 1
            from .errors import TransientError

            raise TransientError(f"{operation}: injected 5xx")

    def start(self, name: str, request_id: str, *, resume: bool = False) -> str:
        self._maybe_fail("start")
        if name not in self.started:
            self.started[name] = {"request_id": request_id, "resume": resume}
            self.statuses[name] = "RUNNING"
        return name

    def status(self, name: str) -> str | None:
        return self.statuses.get(name)

    def succeed(self, token: str, output: Mapping[str, Any]) -> None:
        self._maybe_fail("succeed")
        self._take(token)
        self.answers.append(("succeed", token, dict(output)))

    def fail(self, token: str, *, error: str, cause: str) -> None:
        self._maybe_fail("fail")
        self._take(token)
        self.answers.append(("fail", token, error))

    def _take(self, token: str) -> None:
        # Like Step Functions: a token answered once (or whose execution ended) is refused.
        from .errors import TokenGone

        if token in self.dead_tokens or any(t == token for _, t, _ in self.answers):
            raise TokenGone(token)

    def ended_badly(self) -> list[str]:
        # Most recently stopped first: statuses set later come later in the dict.
        return [n for n, s in reversed(self.statuses.items()) if s in ("FAILED", "ABORTED", "TIMED_OUT")]

    def names(self) -> Iterable[str]:
        """Every started execution name."""
        return list(self.started)


class MemoryCorrespondence:
    """CorrespondenceStore: entries by (register, year, number), the entry of each owner, scans."""

    def __init__(self, s: _State, numbers: MemoryRequests) -> None:
        self._s = s
        self._numbers = numbers
        self.entries: dict[tuple[str, int, int], dict[str, Any]] = {}
        self.owners: dict[tuple[str, str], tuple[int, int]] = {}
        self.scans: dict[str, dict[str, Any]] = {}

    def add(self, entry: Mapping[str, Any]) -> bool:
        with self._s.lock:
            key = (str(entry["book"]), int(entry["year"]), int(entry["number"]))
            if key in self.entries:
                return False
            self._s.writes += 1
            self.entries[key] = copy.deepcopy(dict(entry))
            return True

    def add_numbered(
        self, register: str, series: str, year: int, owner: str, build: Callable[[int], Mapping[str, Any]]
    ) -> dict[str, Any]:
        with self._s.lock:
            found = self.of_owner(register, owner)
            if found is not None:
                return found
            number = self._s.counters.get((series, year), 0) + 1
            entry = dict(build(number))  # before anything is taken: a failing build takes no number
            self._numbers.take(series, year, owner=owner)
            self.entries[(register, year, number)] = copy.deepcopy(entry)
            self.owners[(register, owner)] = (year, number)
            return copy.deepcopy(entry)

    def get(self, register: str, year: int, number: int) -> dict[str, Any] | None:
        with self._s.lock:
            found = self.entries.get((register, year, number))
            return copy.deepcopy(found) if found is not None else None

    def of_owner(self, register: str, owner: str) -> dict[str, Any] | None:
        with self._s.lock:
            held = self.owners.get((register, owner))
            return None if held is None else self.get(register, *held)

    def between(
        self,
        register: str,
        low: str,
        high: str,
        *,
        contains: str | None,
        limit: int,
        cursor: str | None,
        oldest_first: bool = False,
    ) -> Page[dict[str, Any]]:
        with self._s.lock:
            rows = [
                e
                for (kind, _, _), e in self.entries.items()
                if kind == register and low <= e["sort"] < high and (not contains or contains in e.get("search", ""))
            ]
        return _page(rows, limit, cursor, key=lambda e: (e["sort"],), reverse=not oldest_first)

    def put_scan(self, scan: Mapping[str, Any]) -> None:
        with self._s.lock:
            self._s.writes += 1
            self.scans[str(scan["id"])] = copy.deepcopy(dict(scan))

    def get_scan(self, scan_id: str) -> dict[str, Any] | None:
        with self._s.lock:
            found = self.scans.get(scan_id)
            return copy.deepcopy(found) if found is not None else None
