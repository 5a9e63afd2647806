"""The saga's own steps (run by the clock function): official time, waiting steps, deadlines, transitions.

Each step is idempotent: Step Functions may run a task twice, and a retried step must neither take a
second receipt number nor record a status change twice.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from . import clock_source
from .domain import FINAL_STATUSES, SYSTEM, Actor, Request, RequestStatus, StatusChange
from .ports import AlreadyAnswered, Answer, Executions, OutboxMessage, Repositories, RequestRepository
from .recovery import deliver_answer, resume_point
from .tenant import OFFICER_GROUPS, DeadlineRule, Service, Tenant
from .time_rules import (
    Deadline,
    OfficeCalendar,
    add_working_days,
    buddhist_year,
    deadline_from,
    deemed_receipt_time,
)

__all__ = [
    "APPLICANT_STEPS",
    "STEP_STATUS",
    "TIMESTAMP_RECORD",
    "UNREACHABLE_ERROR",
    "DeadlineScheduler",
    "SagaSteps",
    "deemed_now",
    "office_calendar",
    "record_transition",
    "request_of",
    "step_role",
    "timestamped",
]

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
    "deliver": S.ISSUED,  # Q8.1: the sealed document waits for the officer's command to send it
}

#: R-3.2: the steps where the applicant must act; a notice that cannot reach them starts the hold.
APPLICANT_STEPS = ("more_documents", "payment")
#: The saga's error that moves a waiting applicant step to the 30-day hold (``infra/saga.py``).
UNREACHABLE_ERROR = "Applicant.Unreachable"

#: The row (kind, id) under the request that keeps the RFC 3161 token of its signed intent (``stamp``).
TIMESTAMP_RECORD = ("TIMESTAMP", "receipt")

#: R-3.2: a request whose applicant cannot be reached is kept 30 calendar days.
UNREACHABLE_HOLD = DeadlineRule(amount=30, unit="calendar_days")

_DECIDED_ENDS = frozenset({S.REJECTED, S.REFERRED, S.WITHDRAWN, S.DISMISSED})

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _decided_by(waiting: Mapping[str, Any]) -> Actor | None:
    """The officer who answered this waiting step (ids only), if an officer's decision answered it."""
    by, role = waiting.get("answered_by"), waiting.get("role")
    if waiting.get("state") == "waiting" or not by or role not in OFFICER_GROUPS:
        return None
    if by in ("deadline", "contact", "e-service"):
        return None
    return Actor(kind="officer", id=str(by), role=str(role))


def deemed_now(calendar: OfficeCalendar) -> tuple[datetime, datetime]:
    """R-2.4 (Act §10): the moment a contact enters the system, and when it counts as received."""
    now = clock_source.now()
    return now, deemed_receipt_time(now, calendar)


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


def schedule_name_prefix(tenant_id: str) -> str:
    """What every deadline schedule of an agency is named with: a cell's agencies share one schedule group
    (issue 14), and each agency's functions may create, read and delete only schedules of its own name. A
    tenant id never holds a dot, so no agency's prefix starts another's."""
    return f"{tenant_id}."


def schedule_name(tenant_id: str, base: str) -> str:
    """The agency's schedule name for ``base`` (at most 64 characters: a longer one is shortened to a digest,
    never cut, so two deadlines can never share a name and one be lost as "already scheduled")."""
    prefix = schedule_name_prefix(tenant_id)
    if len(prefix) + len(base) <= 64:
        return prefix + base
    import hashlib

    return prefix + hashlib.sha256(base.encode()).hexdigest()[: 64 - len(prefix)]


@dataclass(frozen=True, kw_only=True)
class DeadlineScheduler:
    """Creates one-time EventBridge Scheduler schedules that call the clock back when a deadline is due."""

    scheduler: Any
    group: str
    role_arn: str
    target_arn: str
    #: The agency's id: its schedules' names start with it (``schedule_name``).
    tenant_id: str

    def schedule(self, *, name: str, due_at: datetime, payload: dict[str, Any]) -> None:
        """Fire ``payload`` at the clock function at ``due_at`` (UTC, to the second)."""
        at = due_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S")
        try:
            self.scheduler.create_schedule(
                Name=schedule_name(self.tenant_id, name),
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
    """What the saga's tasks do to a request. Every step is idempotent: a retried task, or a resumed
    execution that runs a step again, neither takes a second number nor records a change twice."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        deadlines: DeadlineScheduler | None,
        executions: Executions,
        timestamp: Callable[[bytes], bytes] | None = None,
        notify: Callable[[str, str, dict[str, Any]], None] | None = None,
        correspondence: Any | None = None,
    ) -> None:
        self._requests = repos.requests
        self._waiting = repos.waiting
        self._repos = repos
        self._tenant = tenant
        self._calendar = office_calendar(tenant)
        self._deadlines = deadlines
        self._executions = executions
        self._timestamp = timestamp
        self._notify = notify
        # the receiving register (eservice.correspondence.Correspondence), entered at registration.
        self._correspondence = correspondence

    # --- official time (R-2.1, R-2.3, R-2.4, Q4.5) ---------------------------------------------------
    def stamp(self, request_id: str) -> dict[str, Any]:
        """Register the request: receipt number, deemed time of receipt, SLA due time, RFC 3161 token.

        The number and the status change commit in one transaction: a failure leaves no gap."""
        record = self._requests.get(request_id)
        if record.get("receipt_number"):
            # A retried step: the entry in the receiving register is made if the first try stopped short.
            self._enter_received(record)
            return self._stamp_result(record)
        service = self._tenant.service(record["service_id"])
        entered = datetime.fromisoformat(record["submitted_at"])
        deemed = deemed_receipt_time(entered, self._calendar)
        year = buddhist_year(deemed)
        due = add_working_days(deemed, service.sla_working_days, self._calendar)
        fields: dict[str, Any] = {"deemed_received_at": deemed.isoformat(), "due_at": due.isoformat()}
        if self._timestamp is not None:
            token = self._timestamp(bytes.fromhex(record["intent"]["content_hash"]))
            # The RFC 3161 token (about 5 KB, half the request item) is kept in a row of its own, before the
            # registration, not on the request item every later step reads and rewrites: DynamoDB bills each
            # write by the whole item (issue 14). A retry before the registration keeps its own token.
            self._requests.put_record(
                request_id, TIMESTAMP_RECORD[0], TIMESTAMP_RECORD[1], {"token": base64.b64encode(token).decode()}
            )
            fields["timestamped"] = True
        request = request_of(record)
        now = clock_source.now()

        def registration(number: int) -> tuple[StatusChange, dict[str, Any]]:
            receipt = f"{number}/{year}"
            _, event = request.change_status(
                S.RECEIVED,
                at=now,
                actor=SYSTEM,
                data={"receipt_number": receipt, "deemed_received_at": fields["deemed_received_at"]},
            )
            return event, {**fields, "receipt_number": receipt}

        number = self._requests.register(request_id, series="receipt", year=year, build=registration)
        registered = {**record, **fields, "receipt_number": f"{number}/{year}", "registered_at": now.isoformat()}
        self._enter_received(registered)
        return self._stamp_result(registered)

    def _enter_received(self, record: Mapping[str, Any]) -> None:
        """R-2.1, R-2.5: the registered request in the receiving register, under its receipt number (once)."""
        if self._correspondence is not None:
            self._correspondence.request_received(record)

    def _stamp_result(self, record: Mapping[str, Any]) -> dict[str, Any]:
        # Ids and numbers only: the execution history must hold no personal data.
        service = self._tenant.service(record["service_id"])
        return {
            "receipt_number": record["receipt_number"],
            "deemed_received_at": record["deemed_received_at"],
            "due_at": record["due_at"],
            "fee_satang": int(record.get("fee_satang") or 0),
            # Q8.1 / Q8.2: the tenant file says whether an officer sends the issued document.
            "deliver_on_command": service.delivery == "on_command",
        }

    # --- waiting steps ----------------------------------------------------------------------------
    def await_step(self, request_id: str, step: str, token: str) -> dict[str, Any]:
        """Park the saga at ``step``: status, task token and (if any) the deadline schedule."""
        record = self._requests.get(request_id)
        previous = record.get("waiting") or {}
        if previous.get("token") == token:
            waiting = previous  # a retried invocation of the same task: parked already
        elif self._answered_before_retry(record, step, previous):
            # The task failed after parking and is retried with a new token, but the step was answered
            # meanwhile (on the old token): hand that answer to the new token instead of asking again.
            self._forward(previous, token)
            return {"step": step, "deadline_at": previous.get("deadline_at"), "forwarded": True}
        else:
            waiting = self._park(record, step, token, previous)
        # the end of the 30-day hold is shown, but it moves nothing: the officer proposes dismissal.
        if waiting.get("deadline_at") and self._deadlines is not None and step != "unreachable":
            self._deadlines.schedule(
                name=f"{request_id}-{waiting['sequence']}-{step}",
                due_at=datetime.fromisoformat(waiting["deadline_at"]),
                payload={
                    "action": "deadline_due",
                    "request_id": request_id,
                    "step": step,
                    "sequence": waiting["sequence"],
                },
            )
        if self._notify is not None:
            self._tell_applicant(record, step, waiting)
        if step == "payment" and waiting.get("state") == "waiting":
            from .payments import PaymentDesk

            desk = PaymentDesk(repos=self._repos, tenant=self._tenant, executions=self._executions)
            if record.get("paid"):
                # Paid already (the signer sent the draft back after payment): never ask again.
                desk.answer_paid(request_id)
            else:
                # A payment made before the wait began (the QR is shown before it) is applied now.
                desk.apply_held(request_id)
        return {"step": step, "deadline_at": waiting.get("deadline_at")}

    def _tell_applicant(self, record: Mapping[str, Any], step: str, waiting: Mapping[str, Any]) -> None:
        """The message a waiting step begins with, once per waiting step however often the task is retried:
        what is needed and by when (R-3.1, Q6.1), an approval step done (Q5.5), approval without a fee."""
        assert self._notify is not None
        key = f"w{waiting.get('sequence')}"
        if step in ("more_documents", "payment"):
            extra = {
                "deadline_at": waiting.get("deadline_at"),
                "what": record.get("more_documents_what"),
                # The officer's reason, as written (the officer's form says the applicant will see it).
                "reason": record.get("more_documents_reason") if step == "more_documents" else None,
            }
            self._notify(record["id"], step, {**extra, "key": key})
        elif step == "dismissal" and (record.get("decision") or {}).get("step") == "unreachable":
            # the officer proposed dismissal after the 30-day hold; the applicant hears of it once
            # (a proposal for a passed deadline is told by ``propose_dismissal``).
            reason = (record.get("decision") or {}).get("reason")
            self._notify(record["id"], "dismissal_proposed", {"key": key, "reason": reason})
        elif step == "approval":
            steps = self._tenant.service(record["service_id"]).approval_steps
            index = min(int(record.get("approval_index") or 0), len(steps) - 1)
            done = steps[index - 1].name if index > 0 else None
            extra = {
                "done_th": done.th if done else "การตรวจสอบคำขอ",
                "done_en": done.en if done else "the review",
                "next_th": steps[index].name.th,
                "next_en": steps[index].name.en,
            }
            self._notify(record["id"], "approval_step", {**extra, "key": key})
        elif step == "signature" and not int(record.get("fee_satang") or 0):
            # With a fee, the fee notice said "approved" and the receipt confirmed the payment.
            self._notify(record["id"], "approved", {"key": key})

    @staticmethod
    def _answered_before_retry(record: Mapping[str, Any], step: str, previous: Mapping[str, Any]) -> bool:
        if previous.get("step") != step or previous.get("state") == "waiting" or not previous.get("token"):
            return False
        if step == "approval" and int(previous.get("approval_index") or 0) != int(record.get("approval_index") or 0):
            return False  # the next approver's step, not a retry of this one
        # The status is still the step's own: the saga has not moved on since that answer.
        return bool(record["status"] == STEP_STATUS[step].value and previous.get("answered_at"))

    def _forward(self, previous: Mapping[str, Any], token: str) -> None:
        if previous.get("state") == "expired" or previous.get("error"):
            error = previous.get("error") or "Deadline.Expired"
            self._executions.fail(token, error=error, cause=f"{previous.get('step')}: answered before a retry")
        else:
            self._executions.succeed(token, previous.get("output") or {})

    def _park(self, record: dict[str, Any], step: str, token: str, previous: Mapping[str, Any]) -> dict[str, Any]:
        service = self._tenant.service(record["service_id"])
        now = clock_source.now()
        deadline_at = self._deadline_for(step, service, record, now)
        approval_index = int(record.get("approval_index") or 0)
        role = step_role(step, service, approval_index)
        waiting = {
            "step": step,
            "token": token,
            "state": "waiting",
            "sequence": int(previous.get("sequence") or 0) + 1,
            "role": role,
            "approval_index": approval_index if step == "approval" else None,
            "approval_role": role if step == "approval" else None,
            "created_at": now.isoformat(),
            "deadline_at": deadline_at.isoformat() if deadline_at else None,
        }
        target = STEP_STATUS[step]
        event = None
        if record["status"] != target.value:
            reason = None
            # Issue 13: the history names the officer whose decision moved the request on, not "the system".
            actor = _decided_by(previous) or SYSTEM
            data: dict[str, Any] = {"step": step}
            resubmission = record.get("resubmission") or {}
            resubmitted = previous.get("step") == "more_documents" and previous.get("outcome") == "resubmitted"
            if step == "review" and resubmitted and resubmission:
                # the supplement's deemed time of receipt stays in the history both sides read.
                actor = Actor(kind="applicant", id=str(previous.get("answered_by") or record["applicant_id"]))
                reason = "ผู้ยื่นส่งเอกสารเพิ่มเติมแล้ว / The applicant sent the documents asked for"
                data["deemed_received_at"] = resubmission.get("deemed_received_at")
            elif step == "unreachable":
                reason = (record.get("unreachable") or {}).get("reason")
            elif step == "approval":
                name = service.approval_steps[approval_index].name
                reason = f"{name.th} / {name.en}"
            elif step == "more_documents":
                # what the officer asked for stays in the history the applicant reads.
                reason = record.get("more_documents_what")
            _, event = request_of(record).change_status(target, at=now, actor=actor, reason=reason, data=data)
        self._waiting.park(record["id"], waiting, event=event, expected_sequence=int(previous.get("sequence") or 0))
        return waiting

    def _deadline_for(self, step: str, service: Service, record: dict[str, Any], now: datetime) -> datetime | None:
        if step == "more_documents":
            asked = record.get("more_documents_deadline")
            if asked:
                return datetime.fromisoformat(asked)
            rule = service.more_documents_deadline
        elif step == "payment":
            due = (record.get("payment") or {}).get("due_at")
            if due and (datetime.fromisoformat(due) > now or not record.get("unreachable")):
                return datetime.fromisoformat(due)  # the deadline printed on the invoice (Q6.1)
            # back from the 30-day hold after the invoice's date: a fresh period from now.
            rule = service.payment_deadline
        elif step == "unreachable":
            rule = UNREACHABLE_HOLD
        else:
            return None
        return deadline_from(now, Deadline(amount=rule.amount, unit=rule.unit), self._calendar)

    def deadline_due(self, request_id: str, step: str, sequence: int) -> dict[str, Any]:
        """A deadline schedule fired: fail the waiting step with ``Deadline.Expired`` if it still waits."""
        record = self._requests.get(request_id)
        waiting = record.get("waiting") or {}
        if waiting.get("step") != step or int(waiting.get("sequence", 0)) != sequence:
            return {"expired": False, "reason": "step no longer waiting"}
        if waiting.get("state") != "waiting":
            # Expired (or answered) already; make sure that answer reached the saga.
            row = self._waiting.outbox(request_id, sequence)
            if row and row["state"] == "pending":
                deliver_answer(self._waiting, self._executions, row)
            return {"expired": waiting.get("state") == "expired", "reason": "answered first"}
        answer = Answer(
            request_id=request_id,
            token=waiting["token"],
            by="deadline",
            outcome="expired",
            state="expired",
            outbox=OutboxMessage(
                request_id=request_id,
                sequence=sequence,
                token=waiting["token"],
                kind="fail",
                error="Deadline.Expired",
                cause=f"{step} deadline passed",
            ),
        )
        try:
            self._waiting.answer(answer)
        except AlreadyAnswered:
            return {"expired": False, "reason": "answered first"}
        deliver_answer(self._waiting, self._executions, {**answer.outbox.as_dict()})
        return {"expired": True}

    # --- the applicant cannot be reached (R-3.2) ------------------------------------------------------
    def contact_failed(self, request_id: str, *, channel: str, kind: str, template: str) -> dict[str, Any]:
        """A notice bounced or failed for good while the applicant must act: the 30-day hold starts in
        place of the step's deadline. Elsewhere the problem is only shown to the officers."""
        record = self._requests.get(request_id)
        waiting = record.get("waiting") or {}
        step = str(waiting.get("step") or "")
        if waiting.get("state") != "waiting" or step not in APPLICANT_STEPS:
            return {"held": False, "reason": "the applicant is not asked to act now"}
        now = clock_source.now()
        sequence = int(waiting["sequence"])
        label = {"more_documents": "แจ้งขอเอกสารเพิ่มเติม", "payment": "แจ้งชำระค่าธรรมเนียม"}[step]
        label_en = {"more_documents": "more-documents notice", "payment": "fee notice"}[step]
        unreachable = {
            "from_step": step,
            "channel": channel,
            "kind": kind,
            "template": template,
            "at": now.isoformat(),
            "reason": (
                f"ส่ง{label}ถึงผู้ยื่นไม่ได้ ({channel}: {kind}) เก็บคำขอไว้ 30 วัน / "
                f"The {label_en} could not reach the applicant ({channel}: {kind}); the request is kept 30 days"
            ),
        }
        answer = Answer(
            request_id=request_id,
            token=waiting["token"],
            by="contact",
            outcome="unreachable",
            fields={"unreachable": unreachable},
            outbox=OutboxMessage(
                request_id=request_id,
                sequence=sequence,
                token=waiting["token"],
                kind="fail",
                error=UNREACHABLE_ERROR,
                cause=f"{step}: the {channel} notice failed ({kind})",
            ),
        )
        try:
            self._waiting.answer(answer)
        except AlreadyAnswered:
            return {"held": False, "reason": "answered first"}
        deliver_answer(self._waiting, self._executions, answer.outbox.as_dict())
        return {"held": True, "from_step": step}

    # --- plain transitions ---------------------------------------------------------------------------
    def transition(
        self, request_id: str, to: str, *, reason: str | None = None, actor: Actor = SYSTEM
    ) -> dict[str, Any]:
        """Move the request to ``to`` (no-op if it is there already: a retried step)."""
        return record_transition(self._requests, request_id, to, reason=reason, actor=actor)

    def propose_dismissal(self, request_id: str, cause: str | None) -> dict[str, Any]:
        """R-3.2, Q4.6, Q6.8: a deadline passed or the applicant stayed unreachable; the head decides."""
        reasons = {
            "Deadline.Expired": "พ้นกำหนดเวลาที่แจ้งผู้ยื่นคำขอ / the deadline given to the applicant passed",
            "States.Timeout": "ไม่มีความเคลื่อนไหวเกินกำหนด / no action within the time limit",
        }
        reason = reasons.get(cause or "", cause)
        result = self.transition(request_id, S.DISMISSAL_PROPOSED.value, reason=reason)
        record = self._requests.get(request_id)
        if self._notify is not None and record["status"] == S.DISMISSAL_PROPOSED.value:
            # the applicant hears of the proposal (with its sealed notice) before the head decides.
            self._notify(request_id, "dismissal_proposed", {"key": f"v{record['version']}", "reason": reason})
        return result

    def record_failure(self, request_id: str, error: dict[str, Any] | None) -> dict[str, Any]:
        """Keep a failed step's error against the request for the administrators (status unchanged)."""
        now = clock_source.now()
        failure = {
            "error": (error or {}).get("Error", "unknown"),
            "cause": str((error or {}).get("Cause", ""))[:2000],
            "at": now.isoformat(),
        }
        self._requests.put_record(request_id, "FAILURE", now.isoformat(), failure)
        self._requests.set_fields(request_id, {"saga_failure": failure})
        return {"recorded": True}

    def resume(self, request_id: str) -> dict[str, Any]:
        """Where a resumed execution continues (``recovery.resume_point``), with what its states read."""
        record = self._requests.get(request_id)
        point = resume_point(record)
        result: dict[str, Any] = {"request_id": request_id, **point}
        if record.get("receipt_number"):
            result["stamp"] = self._stamp_result(record)
        self._requests.set_fields(request_id, {"saga_failure": None, "resumed_at": clock_source.now().isoformat()})
        return result


def record_transition(
    requests: RequestRepository, request_id: str, to: str, *, reason: str | None = None, actor: Actor = SYSTEM
) -> dict[str, Any]:
    """Move the request to ``to`` (no-op if it is there already: a retried step).

    Also run by the task that does the step's work (issue 14: a status change is not a saga state of its
    own): the sign function records ``paid`` before the receipt, notify records ``delivered`` after sending."""
    record = requests.get(request_id)
    target = RequestStatus(to)
    if record["status"] == target.value:
        return {"status": target.value}
    if RequestStatus(record["status"]) in FINAL_STATUSES:
        # A resumed execution re-running a step of a request that has ended: nothing to change.
        return {"status": record["status"]}
    decision = record.get("decision") or {}
    if actor is SYSTEM:
        actor = _decided_by(record.get("waiting") or {}) or SYSTEM
    if target in _DECIDED_ENDS and decision and reason is None:
        # Who decided and why travels with the status change (the audit trail of Q4.3).
        reason = decision.get("reason")
        if decision.get("by"):
            kind = "applicant" if decision.get("decision") == "withdraw" else "officer"
            actor = Actor(kind=kind, id=decision["by"], role=decision.get("step"))
    extra: dict[str, Any] = {"referred_to": record.get("referred_to")} if target is S.REFERRED else {}
    if target is S.WITHDRAWN and decision.get("deemed_received_at"):
        extra["deemed_received_at"] = decision["deemed_received_at"]  # a contact like any other
    _, event = request_of(record).change_status(target, at=clock_source.now(), actor=actor, reason=reason, data=extra)
    requests.change_status(event)
    return {"status": target.value}


def timestamped(record: Mapping[str, Any]) -> bool:
    """The request's signed intent has its RFC 3161 token (in its own row; on the request item before issue 14)."""
    return bool(record.get("timestamped") or record.get("timestamp_token"))


def request_of(record: Mapping[str, Any]) -> Request:
    """The domain view of a stored request."""
    return Request(
        id=record["id"],
        tenant_id=record["tenant_id"],
        service_id=record["service_id"],
        applicant_id=record["applicant_id"],
        status=RequestStatus(record["status"]),
        version=int(record["version"]),
        submitted_at=datetime.fromisoformat(record["submitted_at"]),
    )


def step_role(step: str, service: Service, approval_index: int = 0) -> str:
    """The officer group that answers a waiting step."""
    if step == "approval":
        steps = service.approval_steps
        return steps[min(approval_index, len(steps) - 1)].role if steps else "approver"
    return {
        "review": "reviewer",
        "unreachable": "reviewer",
        "signature": "signer",
        "dismissal": "head",
        "payment": "finance",
        "more_documents": "applicant",
        "deliver": "reviewer",  # Q8.1: the officer who handled the request sends the issued document
    }.get(step, "admin")
