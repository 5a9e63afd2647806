"""A seeded set of requests with known statistics (Q10.5), shared by the unit and the stack tests.

All times are Bangkok time in March and April 2024 (2567 BE). March 2024 has no Thai government holiday;
April has Chakri Day in lieu (Mon 8), the bridge holiday (Fri 12) and Songkran (Mon 15, Tue 16 in lieu),
so April's working days prove that the agency's calendar is used.

Fire certificate (time limit 5 working days), March:
- F1 completed: received Mon 4 Mar 10:00, issued Wed 6 Mar: 2 working days, within.
- F2 completed: entered Sun 3 Mar 21:00 (deemed Mon 4 Mar 08:30), documents requested Tue 5 Mar 10:00 to
  Tue 12 Mar 10:00 (5 working days, the clock stops, Q4.5), issued Thu 14 Mar: 8 - 5 = 3, within.
- F3 rejected Wed 13 Mar: 7 working days, late.
- F4 withdrawn, F5 referred, F6 dismissed, F7 still open.
  -> received 7; median of [2, 3, 7] = 3; 90th percentile 3 + 0.8 x 4 = 6.2; 2 of 3 within (66.7 %).
Fire certificate, April:
- F8: entered Fri 29 Mar 17:00, after office hours, so deemed Mon 1 Apr 08:30 (counts in April); awaiting
  payment Wed 3 Apr 10:00 to Tue 9 Apr 10:00 (3 working days: 4, 5, 9 — Mon 8 is a holiday); issued Wed
  10 Apr: 6 - 3 = 3, within.
- F9: received Fri 5 Apr, issued Fri 19 Apr: 9, 10, 11, 17, 18, 19 = 6 working days, late.
  -> received 2; median 4.5; 90th percentile 3 + 0.9 x 3 = 5.7; 1 of 2 within (50 %).
Residence certificate (3 working days), March: R1 issued Mon 11 Mar after 5 working days, late.
Fees (ledger, succeeded and matched only): fire March 500.00 baht (a mismatched 999.00 and a failed
payment are not counted), fire April 100.00 (paid 9 Apr), residence March 20.00.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from eservice.domain import Actor, RequestStatus, StatusChange
from eservice.ports import PaymentLedger, RequestRepository
from eservice.time_rules import BANGKOK

S = RequestStatus
OFFICER = Actor(kind="officer", id="officer-stats", role="reviewer")

#: (key, service, entered at, [(status, at), ...]) — times in Bangkok.
SEEDED: list[tuple[str, str, str, list[tuple[RequestStatus, str]]]] = [
    (
        "F1",
        "fire-certificate",
        "2024-03-04T10:00",
        [
            (S.RECEIVED, "2024-03-04T10:00"),
            (S.IN_REVIEW, "2024-03-04T11:00"),
            (S.IN_APPROVAL, "2024-03-05T10:00"),
            (S.AWAITING_SIGNATURE, "2024-03-06T10:00"),
            (S.ISSUED, "2024-03-06T14:00"),
            (S.DELIVERED, "2024-03-06T14:01"),
        ],
    ),
    (
        "F2",
        "fire-certificate",
        "2024-03-03T21:00",
        [
            (S.RECEIVED, "2024-03-04T08:30"),
            (S.IN_REVIEW, "2024-03-04T09:00"),
            (S.MORE_DOCUMENTS_REQUESTED, "2024-03-05T10:00"),
            (S.IN_REVIEW, "2024-03-12T10:00"),
            (S.IN_APPROVAL, "2024-03-12T11:00"),
            (S.AWAITING_SIGNATURE, "2024-03-13T10:00"),
            (S.ISSUED, "2024-03-14T15:00"),
            (S.DELIVERED, "2024-03-14T15:01"),
        ],
    ),
    (
        "F3",
        "fire-certificate",
        "2024-03-04T09:00",
        [
            (S.RECEIVED, "2024-03-04T09:00"),
            (S.IN_REVIEW, "2024-03-04T10:00"),
            (S.REJECTED, "2024-03-13T10:00"),
        ],
    ),
    (
        "F4",
        "fire-certificate",
        "2024-03-05T10:00",
        [
            (S.RECEIVED, "2024-03-05T10:00"),
            (S.IN_REVIEW, "2024-03-05T11:00"),
            (S.WITHDRAWN, "2024-03-06T09:00"),
        ],
    ),
    (
        "F5",
        "fire-certificate",
        "2024-03-08T10:00",
        [(S.RECEIVED, "2024-03-08T10:00"), (S.REFERRED, "2024-03-08T11:00")],
    ),
    (
        "F6",
        "fire-certificate",
        "2024-03-11T10:00",
        [
            (S.RECEIVED, "2024-03-11T10:00"),
            (S.IN_REVIEW, "2024-03-11T11:00"),
            (S.MORE_DOCUMENTS_REQUESTED, "2024-03-12T10:00"),
            (S.DISMISSAL_PROPOSED, "2024-03-25T10:00"),
            (S.DISMISSED, "2024-03-26T10:00"),
        ],
    ),
    (
        "F7",
        "fire-certificate",
        "2024-03-25T10:00",
        [(S.RECEIVED, "2024-03-25T10:00"), (S.IN_REVIEW, "2024-03-25T11:00")],
    ),
    (
        "F8",
        "fire-certificate",
        "2024-03-29T17:00",
        [
            (S.RECEIVED, "2024-04-01T08:30"),
            (S.IN_REVIEW, "2024-04-01T09:00"),
            (S.IN_APPROVAL, "2024-04-02T10:00"),
            (S.AWAITING_PAYMENT, "2024-04-03T10:00"),
            (S.PAID, "2024-04-09T10:00"),
            (S.AWAITING_SIGNATURE, "2024-04-09T10:01"),
            (S.ISSUED, "2024-04-10T10:00"),
            (S.DELIVERED, "2024-04-10T10:01"),
        ],
    ),
    (
        "F9",
        "fire-certificate",
        "2024-04-05T10:00",
        [
            (S.RECEIVED, "2024-04-05T10:00"),
            (S.IN_REVIEW, "2024-04-05T11:00"),
            (S.IN_APPROVAL, "2024-04-17T10:00"),
            (S.AWAITING_SIGNATURE, "2024-04-18T10:00"),
            (S.ISSUED, "2024-04-19T10:00"),
            (S.DELIVERED, "2024-04-19T10:01"),
        ],
    ),
    (
        "R1",
        "residence-certificate",
        "2024-03-04T10:00",
        [
            (S.RECEIVED, "2024-03-04T10:00"),
            (S.IN_REVIEW, "2024-03-04T11:00"),
            (S.IN_APPROVAL, "2024-03-08T10:00"),
            (S.AWAITING_SIGNATURE, "2024-03-08T11:00"),
            (S.ISSUED, "2024-03-11T10:00"),
            (S.DELIVERED, "2024-03-11T10:01"),
        ],
    ),
]

#: (request key, day, received at, satang, status, mismatch)
PAYMENTS: list[tuple[str, str, str, int, str, bool]] = [
    ("F1", "2024-03-06", "2024-03-06T09:00", 50_000, "succeeded", False),
    ("F1", "2024-03-06", "2024-03-06T09:05", 99_900, "succeeded", True),
    ("F3", "2024-03-07", "2024-03-07T09:00", 70_000, "failed", False),
    ("F8", "2024-04-09", "2024-04-09T10:00", 10_000, "succeeded", False),
    ("R1", "2024-03-08", "2024-03-08T09:00", 2_000, "succeeded", False),
]

#: The known answers: (service, month) -> fields of the row.
EXPECTED: dict[tuple[str, str], dict[str, Any]] = {
    ("fire-certificate", "2024-03"): {
        "received": 7,
        "completed": 2,
        "rejected": 1,
        "referred": 1,
        "withdrawn": 1,
        "dismissed": 1,
        "open": 1,
        "median_working_days": 3.0,
        "p90_working_days": 6.2,
        "sla_decided": 3,
        "sla_met": 2,
        "sla_compliance_percent": 66.7,
        "fees_satang": 50_000,
    },
    ("fire-certificate", "2024-04"): {
        "received": 2,
        "completed": 2,
        "rejected": 0,
        "referred": 0,
        "withdrawn": 0,
        "dismissed": 0,
        "open": 0,
        "median_working_days": 4.5,
        "p90_working_days": 5.7,
        "sla_decided": 2,
        "sla_met": 1,
        "sla_compliance_percent": 50.0,
        "fees_satang": 10_000,
    },
    ("residence-certificate", "2024-03"): {
        "received": 1,
        "completed": 1,
        "rejected": 0,
        "referred": 0,
        "withdrawn": 0,
        "dismissed": 0,
        "open": 0,
        "median_working_days": 5.0,
        "p90_working_days": 5.0,
        "sla_decided": 1,
        "sla_met": 0,
        "sla_compliance_percent": 0.0,
        "fees_satang": 2_000,
    },
    ("residence-certificate", "2024-04"): {
        "received": 0,
        "completed": 0,
        "rejected": 0,
        "referred": 0,
        "withdrawn": 0,
        "dismissed": 0,
        "open": 0,
        "median_working_days": None,
        "p90_working_days": None,
        "sla_decided": 0,
        "sla_met": 0,
        "sla_compliance_percent": None,
        "fees_satang": 0,
    },
}


def _at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=BANGKOK)


def seed(requests: RequestRepository, payments: PaymentLedger, *, tenant_id: str = "klongnoy") -> dict[str, str]:
    """Store the seeded requests with their histories and payments; the request id of each key."""
    ids: dict[str, str] = {}
    for key, service_id, entered, history in SEEDED:
        request_id = f"stats-{key.lower()}-{uuid.uuid4().hex[:8]}"
        ids[key] = request_id
        submitted = _at(entered)
        first = StatusChange(
            request_id=request_id, seq=1, from_status=None, to_status=S.SUBMITTED, at=submitted, actor=OFFICER
        )
        record = {
            "id": request_id,
            "tenant_id": tenant_id,
            "service_id": service_id,
            "applicant_id": "applicant-stats",
            "status": S.SUBMITTED.value,
            "version": 1,
            "submitted_at": _utc(submitted),
            "updated_at": _utc(submitted),
            "answers": {},
            "attachments": [],
            "documents": {},
        }
        assert requests.create(record, first)
        status = S.SUBMITTED
        for seq, (target, at) in enumerate(history, start=2):
            event = StatusChange(
                request_id=request_id, seq=seq, from_status=status, to_status=target, at=_at(at), actor=OFFICER
            )
            fields = {"deemed_received_at": _at(at).isoformat()} if target is S.RECEIVED else None
            requests.change_status(event, set_fields=fields)
            status = target
    for n, (key, day, received, satang, status_, mismatch) in enumerate(PAYMENTS):
        moment = _at(received)
        payment = {
            "provider": "local-simulator",
            "transaction_id": f"stats-{uuid.uuid4().hex[:10]}-{n}",
            "channel": "thai_qr",
            "ref1": ids[key],
            "ref2": None,
            "amount_satang": satang,
            "status": status_,
            "paid_at": _utc(moment),
            "received_at": _utc(moment),
            "request_id": ids[key],
            "mismatch": "amount" if mismatch else None,
        }
        assert payments.record(payment, day=date.fromisoformat(day))
    return ids


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def seed_once(requests: Any, payments: PaymentLedger) -> None:
    """Seed unless the seeded months already hold requests (one local stack serves a whole test session)."""
    start, end = _at("2024-02-15T00:00"), _at("2024-05-01T00:00")
    if not requests.received_between(start, end, limit=1, cursor=None).items:
        seed(requests, payments)
