"""The saga's own steps (run by the clock function): official time, waiting steps, deadlines, transitions.

Each step is idempotent: Step Functions may run a task twice, and a retried step must neither take a
second receipt number nor record a status change twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import clock_source
from .domain import SYSTEM, Actor, RequestStatus
from .store import Store
from .tenant import DeadlineRule, Service, Tenant
from .time_rules import (
    Deadline,
    OfficeCalendar,
    add_working_days,
    buddhist_year,
    deadline_from,
    deemed_receipt_time,
)

__all__ = ["STEP_STATUS", "DeadlineScheduler", "SagaSteps", "office_calendar"]

S = RequestStatus

#: The status a request is in while the saga waits at each step.
STEP_STATUS: dict[str, RequestStatus] = {
    "review": S.IN_REVIEW,
    "more_documents": S.MORE_DOCUMENTS_REQUESTED,
    "approval": S.IN_APPROVAL,
    "payment": S.AWAITING_PAYMENT,
    "signature": S.AWAITING_SIGNATURE,
    "unreachable": S.UNREACHABLE,
    "dismissal": S.DISMISSAL_PROPOSED,
}

#: R-3.2: a request whose applicant cannot be reached is kept 30 calendar days.
UNREACHABLE_HOLD = DeadlineRule(amount=30, unit="calendar_days")

_DECIDED_ENDS = frozenset({S.REJECTED, S.REFERRED, S.WITHDRAWN, S.DISMISSED})

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def office_calendar(tenant: Tenant) -> OfficeCalendar:
    """The agency's working time from its tenant file (R-2.4)."""
    hours = tenant.office_hours
    return OfficeCalendar(
        opens=hours.opens,
        closes=hours.closes,
        working_weekdays=frozenset(_WEEKDAYS[d] for d in hours.weekdays),
        closures=frozenset(tenant.closures),
        timezone=ZoneInfo(hours.timezone),
        public_holidays=hours.public_holidays,
    )


@dataclass(frozen=True, kw_only=True)
class DeadlineScheduler:
    """Creates one-time EventBridge Scheduler schedules that call the clock back when a deadline is due."""

    scheduler: Any
    group: str
    role_arn: str
    target_arn: str

    def schedule(self, *, name: str, due_at: datetime, payload: dict[str, Any]) -> None:
        """Fire ``payload`` at the clock function at ``due_at`` (UTC, to the second)."""
        at = due_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S")
        try:
            self.scheduler.create_schedule(
                Name=name,
                GroupName=self.group,
                ScheduleExpression=f"at({at})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={"Arn": self.target_arn, "RoleArn": self.role_arn, "Input": json.dumps(payload)},
            )
        except self.scheduler.exceptions.ConflictException:
            pass  # the same step retried: the schedule already exists


class SagaSteps:
    """What the saga's tasks do to a request."""

    def __init__(
        self,
        *,
        store: Store,
        tenant: Tenant,
        deadlines: DeadlineScheduler | None,
        fail_token: Callable[[str, str, str], None],
        timestamp: Callable[[bytes], bytes] | None = None,
        notify: Callable[[str, str, dict[str, Any]], None] | None = None,
    ) -> None:
        self._store = store
        self._tenant = tenant
        self._calendar = office_calendar(tenant)
        self._deadlines = deadlines
        self._fail_token = fail_token
        self._timestamp = timestamp
        self._notify = notify

    # --- official time (R-2.1, R-2.3, R-2.4, Q4.5) ---------------------------------------------------
    def stamp(self, request_id: str) -> dict[str, Any]:
        """Register the request: receipt number, deemed time of receipt, SLA due time, RFC 3161 token."""
        record = self._store.get_request(request_id)
        service = self._tenant.service(record["service_id"])
        if record.get("receipt_number"):
            return self._stamp_result(record)
        entered = datetime.fromisoformat(record["submitted_at"])
        deemed = deemed_receipt_time(entered, self._calendar)
        year = buddhist_year(deemed)
        number = self._store.next_number("receipt", year, owner=request_id)
        due = add_working_days(deemed, service.sla_working_days, self._calendar)
        fields: dict[str, Any] = {
            "receipt_number": f"{number}/{year}",
            "deemed_received_at": deemed.isoformat(),
            "due_at": due.isoformat(),
        }
        if self._timestamp is not None:
            token = self._timestamp(bytes.fromhex(record["intent"]["content_hash"]))
            import base64

            fields["timestamp_token"] = base64.b64encode(token).decode()
        request = self._store.request_domain(record)
        _, event = request.change_status(
            S.RECEIVED,
            at=clock_source.now(),
            actor=SYSTEM,
            data={"receipt_number": fields["receipt_number"], "deemed_received_at": fields["deemed_received_at"]},
        )
        self._store.apply_status_change(event, set_fields=fields)
        return self._stamp_result({**record, **fields})

    @staticmethod
    def _stamp_result(record: dict[str, Any]) -> dict[str, Any]:
        # Ids and numbers only: the execution history must hold no personal data.
        return {
            "receipt_number": record["receipt_number"],
            "deemed_received_at": record["deemed_received_at"],
            "due_at": record["due_at"],
            "fee_satang": int(record.get("fee_satang") or 0),
        }

    # --- waiting steps ----------------------------------------------------------------------------
    def await_step(self, request_id: str, step: str, token: str) -> dict[str, Any]:
        """Park the saga at ``step``: status, task token and (if any) the deadline schedule."""
        record = self._store.get_request(request_id)
        service = self._tenant.service(record["service_id"])
        now = clock_source.now()
        deadline_at = self._deadline_for(step, service, record, now)
        target = STEP_STATUS[step]
        request = self._store.request_domain(record)
        approval_index = int(record.get("approval_index") or 0)
        if request.status != target:
            reason = None
            if step == "approval":
                name = service.approval_steps[approval_index].name
                reason = f"{name.th} / {name.en}"
            elif step == "more_documents":
                # what the officer asked for stays in the history the applicant reads.
                reason = record.get("more_documents_what")
            _, event = request.change_status(target, at=now, actor=SYSTEM, reason=reason, data={"step": step})
            self._store.apply_status_change(event)
        sequence = int((self._store.get_item(f"REQ#{request_id}", "TOKEN") or {}).get("sequence", 0)) + 1
        item = {
            "PK": f"REQ#{request_id}",
            "SK": "TOKEN",
            "request_id": request_id,
            "step": step,
            "token": token,
            "state": "waiting",
            "sequence": sequence,
            "approval_index": approval_index if step == "approval" else None,
            "approval_role": service.approval_steps[approval_index].role if step == "approval" else None,
            "created_at": now,
            "deadline_at": deadline_at.isoformat() if deadline_at else None,
        }
        self._store.put_item(item)
        if deadline_at is not None and self._deadlines is not None:
            self._deadlines.schedule(
                name=f"{request_id}-{sequence}-{step}"[:64],
                due_at=deadline_at,
                payload={"action": "deadline_due", "request_id": request_id, "step": step, "sequence": sequence},
            )
        if step in ("more_documents", "payment") and self._notify is not None:
            # Q6.1: the applicant is told at once what is needed and by when.
            self._notify(
                request_id,
                step,
                {"deadline_at": item["deadline_at"], "what": record.get("more_documents_what")},
            )
        return {"step": step, "deadline_at": item["deadline_at"]}

    def _deadline_for(self, step: str, service: Service, record: dict[str, Any], now: datetime) -> datetime | None:
        if step == "more_documents":
            asked = record.get("more_documents_deadline")
            if asked:
                return datetime.fromisoformat(asked)
            rule = service.more_documents_deadline
        elif step == "payment":
            due = (record.get("payment") or {}).get("due_at")
            if due:
                return datetime.fromisoformat(due)  # the deadline printed on the invoice (Q6.1)
            rule = service.payment_deadline
        elif step == "unreachable":
            rule = UNREACHABLE_HOLD
        else:
            return None
        return deadline_from(now, Deadline(amount=rule.amount, unit=rule.unit), self._calendar)

    def deadline_due(self, request_id: str, step: str, sequence: int) -> dict[str, Any]:
        """A deadline schedule fired: fail the waiting step with ``Deadline.Expired`` if it still waits."""
        waiting = self._store.get_item(f"REQ#{request_id}", "TOKEN")
        if not waiting or waiting.get("step") != step or int(waiting.get("sequence", 0)) != sequence:
            return {"expired": False, "reason": "step no longer waiting"}
        taken = self._store.conditional_update(
            f"REQ#{request_id}",
            "TOKEN",
            {"state": "expired", "used_at": clock_source.now()},
            condition="#state = :waiting AND #sequence = :sequence",
            values={":waiting": "waiting", ":sequence": sequence},
            names={"#state": "state", "#sequence": "sequence"},
        )
        if not taken:
            return {"expired": False, "reason": "answered first"}
        self._fail_token(waiting["token"], "Deadline.Expired", f"{step} deadline passed")
        return {"expired": True}

    # --- plain transitions ---------------------------------------------------------------------------
    def transition(
        self, request_id: str, to: str, *, reason: str | None = None, actor: Actor = SYSTEM
    ) -> dict[str, Any]:
        """Move the request to ``to`` (no-op if it is there already: a retried step)."""
        record = self._store.get_request(request_id)
        target = RequestStatus(to)
        if record["status"] == target.value:
            return {"status": target.value}
        decision = record.get("decision") or {}
        if target in _DECIDED_ENDS and decision and reason is None:
            # Who decided and why travels with the status change (the audit trail of Q4.3).
            reason = decision.get("reason")
            if decision.get("by"):
                kind = "applicant" if decision.get("decision") == "withdraw" else "officer"
                actor = Actor(kind=kind, id=decision["by"], role=decision.get("step"))
        request = self._store.request_domain(record)
        extra = {"referred_to": record.get("referred_to")} if target is S.REFERRED else {}
        _, event = request.change_status(target, at=clock_source.now(), actor=actor, reason=reason, data=extra)
        self._store.apply_status_change(event)
        return {"status": target.value}

    def propose_dismissal(self, request_id: str, cause: str | None) -> dict[str, Any]:
        """R-3.2, Q4.6, Q6.8: a deadline passed or the applicant stayed unreachable; the head decides."""
        reasons = {
            "Deadline.Expired": "พ้นกำหนดเวลาที่แจ้งผู้ยื่นคำขอ / the deadline given to the applicant passed",
            "States.Timeout": "ไม่มีความเคลื่อนไหวเกินกำหนด / no action within the time limit",
        }
        return self.transition(request_id, S.DISMISSAL_PROPOSED.value, reason=reasons.get(cause or "", cause))

    def record_failure(self, request_id: str, error: dict[str, Any] | None) -> dict[str, Any]:
        """Keep a failed step's error against the request for the administrators (status unchanged)."""
        now = clock_source.now()
        self._store.put_item(
            {
                "PK": f"REQ#{request_id}",
                "SK": f"FAILURE#{now.isoformat()}",
                "error": (error or {}).get("Error", "unknown"),
                "cause": str((error or {}).get("Cause", ""))[:2000],
                "at": now,
            }
        )
        return {"recorded": True}

