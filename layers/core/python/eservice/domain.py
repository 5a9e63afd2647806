"""The request and its life: statuses, allowed transitions, and the events that record them.

A request (คำขอ) is never deleted. Every change of status is a ``StatusChange`` event appended to
its history; dismissal (จำหน่ายเรื่อง, Q4.6) and withdrawal are statuses like any other.
This module is plain Python: no AWS, no I/O, so the rules are tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .errors import Conflict

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FINAL_STATUSES",
    "Actor",
    "Request",
    "RequestStatus",
    "StatusChange",
    "can_transition",
]


class RequestStatus(StrEnum):
    """Where a request stands; Thai labels in ``STATUS_LABELS``."""

    SUBMITTED = "submitted"  # entered the system, not yet registered
    RECEIVED = "received"  # registered with a receipt number and deemed time
    IN_REVIEW = "in_review"  # Q4
    MORE_DOCUMENTS_REQUESTED = "more_documents_requested"
    IN_APPROVAL = "in_approval"  # Q5
    AWAITING_PAYMENT = "awaiting_payment"  # Q6
    PAID = "paid"
    AWAITING_SIGNATURE = "awaiting_signature"  # Q7.3
    ISSUED = "issued"  # Q7.5 sealed licence exists
    DELIVERED = "delivered"
    REJECTED = "rejected"  # refusal letter issued
    REFERRED = "referred"  # wrong agency
    WITHDRAWN = "withdrawn"  # by the applicant
    UNREACHABLE = "unreachable"  # applicant cannot be contacted; kept 30 days
    DISMISSAL_PROPOSED = "dismissal_proposed"  # officer proposes, head decides
    DISMISSED = "dismissed"  # จำหน่ายเรื่อง (Q4.6): a status, never a deletion


S = RequestStatus

#: Statuses a request can still be withdrawn from by its applicant.
_WITHDRAWABLE = frozenset(
    {
        S.SUBMITTED,
        S.RECEIVED,
        S.IN_REVIEW,
        S.MORE_DOCUMENTS_REQUESTED,
        S.IN_APPROVAL,
        S.AWAITING_PAYMENT,
        S.UNREACHABLE,
    }
)

_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.RECEIVED, S.REFERRED}),
    S.RECEIVED: frozenset({S.IN_REVIEW, S.REFERRED}),
    S.IN_REVIEW: frozenset(
        {
            S.MORE_DOCUMENTS_REQUESTED,
            S.IN_APPROVAL,
            S.REJECTED,
            S.REFERRED,
            S.UNREACHABLE,
        }
    ),
    S.MORE_DOCUMENTS_REQUESTED: frozenset({S.IN_REVIEW, S.DISMISSAL_PROPOSED, S.UNREACHABLE}),
    # IN_APPROVAL -> IN_APPROVAL is the move to the next approval step (Q5.4).
    S.IN_APPROVAL: frozenset({S.IN_APPROVAL, S.IN_REVIEW, S.AWAITING_PAYMENT, S.AWAITING_SIGNATURE, S.REJECTED}),
    # a fee notice that cannot reach the applicant starts the 30-day hold instead of its deadline.
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.DISMISSAL_PROPOSED, S.UNREACHABLE}),
    S.PAID: frozenset({S.AWAITING_SIGNATURE}),
    # The authorised signer may send a draft back (Q7.3).
    S.AWAITING_SIGNATURE: frozenset({S.ISSUED, S.IN_REVIEW}),
    S.ISSUED: frozenset({S.DELIVERED}),
    # Contact restored: back to review, or to the step the applicant could not be told about.
    S.UNREACHABLE: frozenset({S.IN_REVIEW, S.DISMISSAL_PROPOSED, S.MORE_DOCUMENTS_REQUESTED, S.AWAITING_PAYMENT}),
    # The head of the agency approves the dismissal, or reopens the request.
    S.DISMISSAL_PROPOSED: frozenset({S.DISMISSED, S.IN_REVIEW}),
    S.DELIVERED: frozenset(),
    S.REJECTED: frozenset(),
    S.REFERRED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.DISMISSED: frozenset(),
}

#: status -> the statuses it may move to. Withdrawal is added where the applicant may withdraw.
ALLOWED_TRANSITIONS: MappingProxyType[RequestStatus, frozenset[RequestStatus]] = MappingProxyType(
    {
        status: targets | ({S.WITHDRAWN} if status in _WITHDRAWABLE else frozenset())
        for status, targets in _TRANSITIONS.items()
    }
)

#: Ends of the saga. Nothing leaves them; the record stays (Q4.6).
FINAL_STATUSES = frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if not targets)

STATUS_LABELS: MappingProxyType[RequestStatus, tuple[str, str]] = MappingProxyType(
    {
        S.SUBMITTED: ("ยื่นคำขอแล้ว", "Submitted"),
        S.RECEIVED: ("ลงทะเบียนรับแล้ว", "Received"),
        S.IN_REVIEW: ("อยู่ระหว่างตรวจสอบ", "In review"),
        S.MORE_DOCUMENTS_REQUESTED: ("ขอเอกสารเพิ่มเติม", "More documents requested"),
        S.IN_APPROVAL: ("อยู่ระหว่างพิจารณาอนุมัติ", "In approval"),
        S.AWAITING_PAYMENT: ("รอชำระค่าธรรมเนียม", "Awaiting payment"),
        S.PAID: ("ชำระค่าธรรมเนียมแล้ว", "Paid"),
        S.AWAITING_SIGNATURE: ("รอลงนาม", "Awaiting signature"),
        S.ISSUED: ("ออกใบอนุญาตแล้ว", "Issued"),
        S.DELIVERED: ("ส่งมอบแล้ว", "Delivered"),
        S.REJECTED: ("ไม่อนุญาต", "Rejected"),
        S.REFERRED: ("ส่งต่อหน่วยงานที่รับผิดชอบ", "Referred to another agency"),
        S.WITHDRAWN: ("ถอนคำขอแล้ว", "Withdrawn"),
        S.UNREACHABLE: ("ติดต่อผู้ยื่นคำขอไม่ได้", "Applicant unreachable"),
        S.DISMISSAL_PROPOSED: ("เสนอจำหน่ายเรื่อง", "Dismissal proposed"),
        S.DISMISSED: ("จำหน่ายเรื่องแล้ว", "Dismissed"),
    }
)
__all__ += ["STATUS_LABELS"]


def can_transition(current: RequestStatus, target: RequestStatus) -> bool:
    """Whether a request in ``current`` may move to ``target``."""
    return target in ALLOWED_TRANSITIONS[current]


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who caused a change: an applicant, an officer (with group) or the system itself. Ids only."""

    kind: str  # "applicant" | "officer" | "system"
    id: str
    role: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain form for storage and the API."""
        return {"kind": self.kind, "id": self.id, "role": self.role}


SYSTEM = Actor(kind="system", id="e-service")
__all__ += ["SYSTEM"]


@dataclass(frozen=True, kw_only=True)
class StatusChange:
    """An event in a request's history: one status change, with who, when and why."""

    request_id: str
    seq: int
    from_status: RequestStatus | None
    to_status: RequestStatus
    at: datetime
    actor: Actor
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Request:
    """A citizen's request as the domain sees it (the form data lives beside it, by id)."""

    id: str
    tenant_id: str
    service_id: str
    applicant_id: str
    status: RequestStatus
    version: int  # number of events so far; the next event's seq is version + 1
    submitted_at: datetime

    def change_status(
        self,
        target: RequestStatus,
        *,
        at: datetime,
        actor: Actor,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> tuple[Request, StatusChange]:
        """Return the request in ``target`` and the event recording it; Conflict if not allowed."""
        if not can_transition(self.status, target):
            raise Conflict(
                code="request.invalid_transition",
                th=f"ไม่สามารถเปลี่ยนสถานะคำขอจาก “{STATUS_LABELS[self.status][0]}” เป็น “{STATUS_LABELS[target][0]}” ได้",
                en=f"A request that is {STATUS_LABELS[self.status][1].lower()} "
                f"cannot become {STATUS_LABELS[target][1].lower()}.",
            )
        event = StatusChange(
            request_id=self.id,
            seq=self.version + 1,
            from_status=self.status,
            to_status=target,
            at=at,
            actor=actor,
            reason=reason,
            data=dict(data or {}),
        )
        return replace(self, status=target, version=self.version + 1), event
