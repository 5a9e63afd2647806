"""Officer work: work lists with SLA state, request detail, decisions that answer the saga (Q4, Q5, Q7.3).

A decision answers the saga's waiting task token for one step. It is authorised by the officer's
group (the step's role), validated (the decision must fit the step, reasons where the law wants
them), recorded with who/when/why, and applied once: the token is claimed with a conditional write
before the saga is told, so a second click gets a clear "already decided" error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from . import clock_source
from .domain import STATUS_LABELS, Actor, RequestStatus
from .errors import Conflict, Forbidden, InvalidInput
from .forms import summary
from .saga_steps import office_calendar
from .store import Store
from .tenant import Service, Tenant
from .time_rules import sla_state

__all__ = ["DECISIONS", "Officer", "Officers"]

#: The decisions each waiting step accepts.
DECISIONS: dict[str, tuple[str, ...]] = {
    "review": ("approve", "more_documents", "reject", "refer", "unreachable"),
    "approval": ("approve", "send_back", "reject"),
    "signature": ("sign", "send_back"),
    "dismissal": ("dismiss", "reopen"),
    "unreachable": ("contact_restored",),
    # The payment step is answered by the payment itself (provider webhook or a slip finance verified).
    "payment": (),
}
_NEEDS_REASON = {"more_documents", "reject", "refer", "send_back", "dismiss", "reopen", "unreachable"}


@dataclass(frozen=True, kw_only=True)
class Officer:
    """A signed-in officer: id, e-mail and groups from the officer pool's token."""

    id: str
    email: str | None
    groups: frozenset[str]

    @property
    def actor(self) -> Actor:
        """The officer as the author of an event (id and first group only)."""
        return Actor(kind="officer", id=self.id, role=",".join(sorted(self.groups)) or None)


class Officers:
    """The officers' side of the e-Service."""

    def __init__(
        self,
        *,
        store: Store,
        tenant: Tenant,
        answer_step: Callable[[str, dict[str, Any]], None],
        link: Callable[[str, str, str], str],
    ) -> None:
        self._store = store
        self._tenant = tenant
        self._answer_step = answer_step
        self._link = link  # (bucket kind, key, file name) -> short-lived download URL
        self._calendar = office_calendar(tenant)

    # --- work lists (Q4.1, Q5.1, R-1.7) --------------------------------------------------------------
    def work_list(self, officer: Officer, *, status: str | None = None, mine: bool = False) -> list[dict[str, Any]]:
        """Open requests, most recently changed first, with SLA state and the step they wait at."""
        statuses = [RequestStatus(status)] if status else [s for s in RequestStatus if s not in _CLOSED]
        rows = []
        for s in statuses:
            for record in self._store.requests_in_status(s):
                row = self._summary(record)
                if mine and (row["waiting"] is None or row["waiting"]["role"] not in officer.groups):
                    continue
                rows.append(row)
        return sorted(rows, key=lambda r: r["updated_at"], reverse=True)

    def digest(self, officer: Officer, *, since: datetime | None = None) -> dict[str, Any]:
        """R-1.7: what changed since the last check, and what is due soon or overdue."""
        now = clock_source.now()
        since = since or now - timedelta(hours=12)
        rows = self.work_list(officer)
        return {
            "generated_at": now.isoformat(),
            "since": since.isoformat(),
            "new": [
                r for r in rows if r["status"] in ("received", "in_review") and r["updated_at"] >= since.isoformat()
            ],
            "changed": [r for r in rows if r["updated_at"] >= since.isoformat()],
            "due_soon": [r for r in rows if r["sla_state"] == "due_soon"],
            "overdue": [r for r in rows if r["sla_state"] == "overdue"],
        }

    # --- detail (Q4.2, Q5.2) -------------------------------------------------------------------------
    def detail(self, officer: Officer, request_id: str, *, lang: Literal["th", "en"] = "th") -> dict[str, Any]:
        """Everything an officer needs to decide: answers, files and their checks, history, waiting step."""
        record = self._store.get_request(request_id)
        service = self._tenant.service(record["service_id"])
        names = {d.id: d.name.model_dump() for d in service.documents}
        attachments = [
            {
                **{k: a.get(k) for k in ("document_id", "file_name", "format", "size", "sha256", "signature_check")},
                "name": names.get(a["document_id"]),
                "added_at": a.get("added_at"),
                "url": self._link("uploads", a["key"], a["file_name"]),
            }
            for a in record.get("attachments", [])
        ]
        documents = {
            kind: {**doc, "url": self._link("documents", doc["key"], doc["file_name"])}
            for kind, doc in (record.get("documents") or {}).items()
        }
        notes = self._store.query_prefix(f"REQ#{request_id}", "NOTE#")
        return {
            "request": self._summary(record),
            "rows": summary(service, record["answers"], lang),
            "on_behalf_of": record.get("on_behalf_of"),
            "estamp_code": record.get("estamp_code"),
            "attachments": attachments,
            "documents": documents,
            "history": [
                {
                    "status": e["to_status"],
                    "label": dict(zip(("th", "en"), STATUS_LABELS[RequestStatus(e["to_status"])], strict=True)),
                    "at": e["at"],
                    "by": e["actor"],
                    "reason": e.get("reason"),
                }
                for e in self._store.events(request_id)
            ],
            "notes": [{"at": n["at"], "by": n["by"], "text": n["text"]} for n in notes],
            "decisions": [
                {k: d.get(k) for k in ("step", "decision", "reason", "by", "at")}
                for d in self._store.query_prefix(f"REQ#{request_id}", "DECISION#")
            ],
            "intent": record.get("intent"),
            "timestamp_token": bool(record.get("timestamp_token")),
            "messages": [
                {k: m.get(k) for k in ("template", "subject", "at", "state")}
                for m in self._store.query_prefix(f"REQ#{request_id}", "MESSAGE#")
            ],
            # bounced or refused e-mail; the reviewer may then record the applicant as unreachable.
            "contact_problems": record.get("contact_problems", []),
        }

    def add_note(self, officer: Officer, request_id: str, text: str) -> dict[str, Any]:
        """Q4.3: record a finding or what more is needed."""
        self._store.get_request(request_id)
        text = text.strip()
        if not text:
            raise InvalidInput(code="note.empty", th="กรุณาพิมพ์บันทึก", en="Write the note first.")
        now = clock_source.now()
        self._store.put_item(
            {"PK": f"REQ#{request_id}", "SK": f"NOTE#{now.isoformat()}", "at": now, "by": officer.id, "text": text}
        )
        return self.detail(officer, request_id)

    # --- decisions (Q4.3, Q5.3, Q5.4, Q7.3, R-2.2, R-3.2) ------------------------------------------------
    def decide(
        self,
        officer: Officer,
        request_id: str,
        *,
        step: str,
        decision: str,
        reason: str | None = None,
        what: str | None = None,
        deadline: date | None = None,
        correct_agency: str | None = None,
    ) -> dict[str, Any]:
        """Answer the step the request waits at; Conflict if it is not waiting there (any more)."""
        record = self._store.get_request(request_id)
        service = self._tenant.service(record["service_id"])
        waiting = self._store.get_item(f"REQ#{request_id}", "TOKEN")
        if not waiting or waiting.get("state") != "waiting" or waiting.get("step") != step:
            raise Conflict(
                code="decision.not_waiting",
                th="คำขอนี้ไม่ได้รอการพิจารณาในขั้นตอนนี้แล้ว (อาจมีผู้ดำเนินการไปก่อนหน้า) กรุณาโหลดข้อมูลใหม่",
                en="This request is no longer waiting at this step (someone may have acted first). Reload it.",
            )
        role = self._role(step, service, waiting)
        if role not in officer.groups:
            raise Forbidden(
                code="decision.wrong_role",
                th="ท่านไม่มีสิทธิ์พิจารณาในขั้นตอนนี้",
                en="Your role may not decide at this step.",
            )
        if decision not in DECISIONS.get(step, ()):
            raise InvalidInput(
                code="decision.invalid",
                th="การพิจารณานี้ใช้ไม่ได้กับขั้นตอนปัจจุบัน",
                en="That decision does not fit this step.",
            )
        reason = (reason or "").strip() or None
        if decision in _NEEDS_REASON and not reason:
            raise InvalidInput(
                code="decision.reason_required",
                th="กรุณาระบุเหตุผล",
                en="Give the reason.",
            )
        now = clock_source.now()
        fields: dict[str, Any] = {
            "decision": {"step": step, "decision": decision, "reason": reason, "by": officer.id, "at": now.isoformat()}
        }
        output: dict[str, Any] = {"decision": decision}
        if decision == "more_documents":
            if not (what or "").strip():
                raise InvalidInput(
                    code="decision.what_required",
                    th="กรุณาระบุเอกสารหรือข้อมูลที่ต้องการเพิ่มเติม",
                    en="Say which documents or information are needed.",
                )
            fields["more_documents_what"] = what.strip() if what else None
            fields["more_documents_deadline"] = self._deadline(deadline, now)
        if decision == "refer":
            if not (correct_agency or "").strip():
                raise InvalidInput(
                    code="decision.agency_required",
                    th="กรุณาระบุหน่วยงานที่มีอำนาจ (R-2.2)",
                    en="Name the agency that has the power to decide (R-2.2).",
                )
            fields["referred_to"] = correct_agency.strip() if correct_agency else None
        if step == "review" and decision == "approve":
            fields["approval_index"] = 0
        if step == "approval" and decision == "approve":
            index = int(record.get("approval_index") or 0)
            complete = index + 1 >= len(service.approval_steps)
            output["approval_complete"] = complete
            if not complete:
                fields["approval_index"] = index + 1
        if step == "signature" and decision == "sign":
            draft = (record.get("documents") or {}).get("licence_draft")
            if not draft:
                raise Conflict(code="licence.no_draft", th="ยังไม่มีร่างใบอนุญาต", en="There is no draft yet.")
            # Q7.4: the signer's identity, time and the exact draft's hash are the approval record.
            fields["signature_approval"] = {"by": officer.id, "at": now.isoformat(), "draft_sha256": draft["sha256"]}
        claimed = self._store.conditional_update(
            f"REQ#{request_id}",
            "TOKEN",
            {"state": "used", "used_at": now, "used_by": officer.id, "decision": decision},
            condition="#state = :waiting AND #token = :token",
            values={":waiting": "waiting", ":token": waiting["token"]},
            names={"#state": "state", "#token": "token"},
        )
        if not claimed:
            raise Conflict(
                code="decision.already_made",
                th="มีการพิจารณาขั้นตอนนี้ไปแล้ว",
                en="This step has already been decided.",
            )
        self._store.update_request_fields(request_id, fields)
        self._store.put_item(
            {
                "PK": f"REQ#{request_id}",
                "SK": f"DECISION#{now.isoformat()}",
                **fields["decision"],
                "role": role,
                "at": now,
            }
        )
        if step == "approval" and decision == "approve" and not output["approval_complete"]:
            # Q5.4: the request moves on to the next approver in the service's order.
            request = self._store.request_domain(self._store.get_request(request_id))
            nxt = service.approval_steps[int(fields["approval_index"])]
            _, event = request.change_status(
                RequestStatus.IN_APPROVAL,
                at=now,
                actor=officer.actor,
                reason=f"{nxt.name.th} / {nxt.name.en}",
                data={"approval_index": fields["approval_index"], "approved_by_role": role},
            )
            self._store.apply_status_change(event)
        self._answer_step(waiting["token"], output)
        return self.detail(officer, request_id)

    # --- internals -------------------------------------------------------------------------------------
    def _deadline(self, deadline: date | None, now: datetime) -> str | None:
        if deadline is None:
            return None
        local_now = now.astimezone(self._calendar.timezone)
        if deadline <= local_now.date():
            raise InvalidInput(
                code="decision.deadline_past",
                th="กำหนดส่งเอกสารต้องเป็นวันหลังจากวันนี้",
                en="The deadline must be after today.",
            )
        moment = datetime.combine(deadline, self._calendar.closes, tzinfo=self._calendar.timezone)
        return moment.isoformat()

    @staticmethod
    def _role(step: str, service: Service, waiting: Mapping[str, Any]) -> str:
        if step == "approval":
            return str(waiting.get("approval_role") or service.approval_steps[0].role)
        return {
            "review": "reviewer",
            "unreachable": "reviewer",
            "signature": "signer",
            "dismissal": "head",
            "payment": "finance",
        }.get(step, "admin")

    def _summary(self, record: Mapping[str, Any]) -> dict[str, Any]:
        status = RequestStatus(record["status"])
        service = self._tenant.service(record["service_id"])
        waiting = self._store.get_item(f"REQ#{record['id']}", "TOKEN")
        now = clock_source.now()
        due = record.get("due_at")
        state = sla_state(datetime.fromisoformat(due), now, self._calendar).value if due else None
        if status in _CLOSED:
            state = None
        return {
            "id": record["id"],
            "service": {"id": service.id, "name": service.name.model_dump()},
            "status": status.value,
            "status_label": {"th": STATUS_LABELS[status][0], "en": STATUS_LABELS[status][1]},
            "receipt_number": record.get("receipt_number"),
            "submitted_at": record["submitted_at"],
            "deemed_received_at": record.get("deemed_received_at"),
            "due_at": due,
            "sla_state": state,
            "updated_at": record["updated_at"],
            "fee_satang": record.get("fee_satang", 0),
            "contact_problem": bool(record.get("contact_problems")),
            "waiting": (
                {
                    "step": waiting["step"],
                    "role": self._role(waiting["step"], service, waiting),
                    "decisions": list(DECISIONS.get(waiting["step"], ())),
                    "deadline_at": waiting.get("deadline_at"),
                }
                if waiting and waiting.get("state") == "waiting"
                else None
            ),
        }


_CLOSED = frozenset(
    {
        RequestStatus.DELIVERED,
        RequestStatus.REJECTED,
        RequestStatus.REFERRED,
        RequestStatus.WITHDRAWN,
        RequestStatus.DISMISSED,
    }
)
