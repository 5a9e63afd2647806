"""Answers reach the saga, and no request is stranded: outbox delivery, resume points, the sweeper.

The failure model (README, "Failure model"):
- a business step commits its change and its saga answer (an outbox row) in one transaction; the
  answer is then delivered here, at once by the caller and later by the sweeper if that failed;
- an answer whose token is dead (the execution ended) is marked ``stale``: the sweeper resumes the
  request in a new execution, which starts at the point the stored state names (``resume_point``);
- the sweeper also resumes requests whose execution failed, timed out, was aborted, or was never
  started, and reports what it did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from .domain import FINAL_STATUSES, RequestStatus
from .errors import TokenGone
from .ports import Executions, RequestRepository, WaitingSteps

__all__ = ["RESUME_STATES", "Sweeper", "deliver_answer", "execution_request", "resume_point"]

#: Where a resumed execution re-enters the saga (state names of ``infra/saga.py``).
AWAIT_STATE = {
    "review": "AwaitReview",
    "more_documents": "AwaitMoreDocuments",
    "unreachable": "AwaitApplicantContact",
    "approval": "AwaitApproval",
    "payment": "AwaitPayment",
    "signature": "AwaitSignature",
    "dismissal": "AwaitHeadDecision",
    "deliver": "AwaitDelivery",
}
#: After an answered step: the state that reads the answer (``$.decision``).
AFTER_STATE = {
    "review": "ReviewerDecides",
    "approval": "ApproverDecides",
    "signature": "SignerDecides",
    "dismissal": "HeadDecides",
    "more_documents": "AwaitReview",
    "unreachable": "ContactOutcome",
    "payment": "Paid",
    "deliver": "Deliver",
}
RESUME_STATES = frozenset(
    {"StampOfficialTime", "ProposeDismissal", "Withdrawn", *AWAIT_STATE.values(), *AFTER_STATE.values()}
)

_EXECUTION_NAME = re.compile(r"^(R-[0-9A-Z]+)(?:-r(\d+))?$")


def execution_request(name: str) -> str | None:
    """The request an execution name belongs to (``R-…`` or a resumption ``R-…-r2``)."""
    match = _EXECUTION_NAME.match(name)
    return match.group(1) if match else None


def deliver_answer(
    waiting: WaitingSteps, executions: Executions, row: Mapping[str, Any]
) -> Literal["delivered", "stale", "pending"]:
    """Take one outbox row to the saga. A failure leaves it pending for a retry or the sweeper."""
    try:
        if row["kind"] == "succeed":
            executions.succeed(row["token"], row.get("output") or {})
        else:
            executions.fail(row["token"], error=row.get("error") or "Error", cause=row.get("cause") or "")
    except TokenGone:
        # The execution that waited ended: the sweeper resumes the request from its stored state.
        waiting.mark_outbox(row["request_id"], int(row["sequence"]), "stale")
        return "stale"
    except Exception:
        return "pending"
    waiting.mark_outbox(row["request_id"], int(row["sequence"]), "delivered")
    return "delivered"


def resume_point(record: Mapping[str, Any]) -> dict[str, Any]:
    """Where the saga of a request continues, from what is stored (every step there is idempotent)."""
    waiting = record.get("waiting")
    if RequestStatus(record["status"]) in (RequestStatus.SUBMITTED, RequestStatus.RECEIVED) or not waiting:
        return {"goto": "StampOfficialTime"}
    step, state = waiting["step"], waiting.get("state")
    if RequestStatus(record["status"]) is RequestStatus.DISMISSAL_PROPOSED and step != "dismissal":
        # Proposed already (a deadline or the time limit), but the head's step was never parked.
        return {"goto": "ProposeDismissal", "cause": {"Error": "Deadline.Expired", "Cause": f"{step} deadline"}}
    if state == "waiting":
        return {"goto": AWAIT_STATE[step]}  # parked again, with a new token
    if state == "expired":
        return {"goto": "ProposeDismissal", "cause": {"Error": "Deadline.Expired", "Cause": f"{step} deadline"}}
    if waiting.get("outcome") == "withdrawn":
        return {"goto": "Withdrawn"}
    if waiting.get("outcome") == "unreachable":
        return {"goto": "AwaitApplicantContact"}  # the notice bounced; the hold starts
    return {"goto": AFTER_STATE[step], "decision": waiting.get("output") or {}}


@dataclass(kw_only=True)
class Sweeper:
    """Finds what a failure left behind and sets it going again; says what it did."""

    requests: RequestRepository
    waiting: WaitingSteps
    executions: Executions
    grace: timedelta = timedelta(minutes=2)

    def sweep(self, *, now: datetime, limit: int = 200) -> dict[str, list[str]]:
        """Deliver pending answers, resume failed or missing executions. Safe to run at any time."""
        report: dict[str, list[str]] = {"delivered": [], "stale": [], "resumed": [], "started": []}
        cutoff = (now - self.grace).isoformat()
        cursor: str | None = None
        while True:
            page = self.waiting.pending_outbox(limit=min(limit, 100), cursor=cursor)
            for row in page.items:
                if row["created_at"] > cutoff:
                    continue  # its own caller may still be delivering it
                outcome = deliver_answer(self.waiting, self.executions, row)
                if outcome != "pending":
                    report[outcome].append(row["request_id"])
            cursor = page.cursor
            if cursor is None:
                break
        # ``limit`` counts resumptions, not executions looked at: those resumed before are passed over, so
        # each sweep goes on where the last one stopped when more than ``limit`` stopped at once.
        for name in self.executions.ended_badly():
            if len(report["resumed"]) >= limit:
                break
            request_id = execution_request(name)
            if request_id is None:
                continue
            record = self.requests.find(request_id)
            if record is None or record.get("execution", request_id) != name:
                continue  # resumed already
            self.resume(record)
            report["resumed"].append(request_id)
        # Answers whose token died: the request goes on in a resumed execution (unless one runs).
        while True:
            page = self.waiting.stale_outbox(limit=min(limit, 100), cursor=None)
            for row in page.items:
                record = self.requests.find(row["request_id"])
                if (
                    record is not None
                    and record["id"] not in report["resumed"]
                    and RequestStatus(record["status"]) not in FINAL_STATUSES
                    and self.executions.status(record.get("execution") or record["id"]) not in ("RUNNING", "SUCCEEDED")
                ):
                    self.resume(record)
                    report["resumed"].append(record["id"])
                self.waiting.mark_outbox(row["request_id"], int(row["sequence"]), "resumed")
            if page.cursor is None or not page.items:
                break
        cursor = None
        while True:
            page = self.requests.in_status(RequestStatus.SUBMITTED, limit=min(limit, 100), cursor=cursor)
            for record in page.items:
                if record["submitted_at"] > cutoff:
                    continue
                name = record.get("execution", record["id"])
                status = self.executions.status(name)
                if status is None:
                    self.executions.start(name, record["id"])
                    report["started"].append(record["id"])
                elif status != "RUNNING" and record["id"] not in report["resumed"]:
                    self.resume(record)
                    report["resumed"].append(record["id"])
            cursor = page.cursor
            if cursor is None:
                break
        return report

    def resume(self, record: Mapping[str, Any]) -> str:
        """Start a resumption execution of the request (named ``<id>-r<n>``)."""
        count = int(record.get("resumptions") or 0) + 1
        name = f"{record['id']}-r{count}"
        # Started first, recorded after: if recording fails, the next sweep starts the same name again,
        # which is a no-op, and records it then.
        self.executions.start(name, record["id"], resume=True)
        self.requests.set_fields(record["id"], {"execution": name, "resumptions": count})
        return name
