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
from .errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from .forms import summary, validate_fields
from .ids import new_id
from .ports import Answer, Executions, OutboxMessage, Page, Repositories, page_size
from .recovery import deliver_answer
from .saga_steps import APPLICANT_STEPS, office_calendar, request_of, step_role, timestamped
from .tenant import Tenant
from .time_rules import BANGKOK, add_working_days, sla_state
from .units import UNIT_GROUP_PREFIX, require_visible, sees_all, units_of, visible_services

__all__ = ["AUDIT_READERS", "DECISIONS", "PAPER_COPY_OUTCOMES", "Officer", "Officers", "digest_for", "thread_entry"]

#: Officer groups that may read a request's access log (who read the applicant's data).
AUDIT_READERS = frozenset({"head", "admin"})
#: How long an officer's download link works.
_DOWNLOAD_SECONDS = 300

#: The decisions each waiting step accepts.
DECISIONS: dict[str, tuple[str, ...]] = {
    "review": ("approve", "more_documents", "reject", "refer", "unreachable"),
    "approval": ("approve", "send_back", "reject"),
    "signature": ("sign", "send_back"),
    "dismissal": ("dismiss", "reopen"),
    # after the 30-day hold the officer (not the system) proposes dismissal; the head decides.
    "unreachable": ("contact_restored", "propose_dismissal"),
    # Q8.1: the sealed document is sent on the officer's command where the tenant file says so.
    "deliver": ("deliver",),
    # The payment step is answered by the payment itself (provider webhook or a slip finance verified).
    "payment": (),
}
_NEEDS_REASON = {
    "more_documents",
    "reject",
    "refer",
    "send_back",
    "dismiss",
    "reopen",
    "unreachable",
    "propose_dismissal",
}
#: R-4.7: how an officer closes an applicant's request for a paper copy.
PAPER_COPY_OUTCOMES = ("handed_over", "posted", "declined")


def thread_entry(
    kind: str, *, by: Actor, text: str | None, at: str, deemed_received_at: str | None = None, **extra: Any
) -> tuple[str, str, dict[str, Any]]:
    """One message on a request's thread, as a (kind, id, data) record; ids sort by time."""
    message_id = f"{at}#{new_id('M')}"
    data = {
        "id": message_id,
        "kind": kind,
        "by": by.as_dict(),
        "text": text,
        "at": at,
        "deemed_received_at": deemed_received_at,
        **extra,
    }
    return "THREAD", message_id, data


@dataclass(frozen=True, kw_only=True)
class Officer:
    """A signed-in officer: id, e-mail and groups from the officer pool's token."""

    id: str
    email: str | None
    groups: frozenset[str]

    @property
    def actor(self) -> Actor:
        """The officer as the author of an event (id and first group only)."""
        # Roles only: the units (unit-* groups) say whose requests the officer sees, not what they did as.
        roles = sorted(g for g in self.groups if not g.startswith(UNIT_GROUP_PREFIX))
        return Actor(kind="officer", id=self.id, role=",".join(roles) or None)


class Officers:
    """The officers' side of the e-Service."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        executions: Executions,
        link: Callable[[str, str, str], str],
    ) -> None:
        self._requests = repos.requests
        self._waiting = repos.waiting
        self._messages = repos.messages
        self._access_log = repos.access_log
        self._tenant = tenant
        self._executions = executions
        self._link = link  # (bucket kind, key, file name) -> short-lived download URL
        self._calendar = office_calendar(tenant)

    # --- work lists (Q4.1, Q5.1, R-1.7) --------------------------------------------------------------
    def work_list(
        self,
        officer: Officer,
        *,
        status: str | None = None,
        mine: bool = False,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[dict[str, Any]]:
        """Requests, most recently changed first, with SLA state and the step they wait at; one page."""
        size = page_size(limit)
        # a unit's requests go to that unit's officers; the head and administrators see all.
        services = visible_services(self._tenant, officer.groups)
        if services is not None and not services:
            return Page([], None)
        if status:
            try:
                wanted = RequestStatus(status)
            except ValueError:
                raise InvalidInput(
                    code="status.unknown",
                    th="ไม่รู้จักสถานะนี้",
                    en=f"Unknown status; use one of: {', '.join(s.value for s in RequestStatus)}.",
                ) from None
            page = self._requests.in_status(wanted, limit=size, cursor=cursor, service_ids=services)
            rows = [self._summary(r) for r in page.items]
            if mine:
                rows = [r for r in rows if r["waiting"] and r["waiting"]["role"] in officer.groups]
            return Page(rows, page.cursor)
        roles = frozenset(officer.groups) if mine else None
        page = self._requests.open(limit=size, cursor=cursor, waiting_roles=roles, service_ids=services)
        return Page([self._summary(r) for r in page.items], page.cursor)

    def digest(self, officer: Officer, *, since: datetime | None = None) -> dict[str, Any]:
        """R-1.7: what changed since the last check, and what is due soon or overdue."""
        return digest_for(self.digest_lists(since=since), officer.groups)

    def digest_lists(self, *, since: datetime | None = None, limit: int = 500) -> dict[str, Any]:
        """The digest's lists for every officer at once: one query per list, not one per officer."""
        now = clock_source.now()
        since = since or now - timedelta(hours=12)
        soon = add_working_days(now, 2, self._calendar)
        changed = self._all(limit, changed_since=since)
        due = self._all(limit, due_before=soon)
        changed_rows = [self._summary(r, now=now) for r in changed]
        due_rows = [self._summary(r, now=now) for r in due]
        return {
            "generated_at": now.isoformat(),
            "since": since.isoformat(),
            "new": [r for r in changed_rows if r["status"] in ("received", "in_review") and r["is_new"]],
            "changed": [r for r in changed_rows if not (r["status"] in ("received", "in_review") and r["is_new"])],
            "due_soon": [r for r in due_rows if r["sla_state"] == "due_soon"],
            "overdue": [r for r in due_rows if r["sla_state"] == "overdue"],
        }

    def _all(self, limit: int, **which: Any) -> list[dict[str, Any]]:
        """Every page of one list, up to ``limit`` rows (a digest names at most that many)."""
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(rows) < limit:
            page = self._requests.open(limit=min(200, limit - len(rows)), cursor=cursor, **which)
            rows += page.items
            cursor = page.cursor
            if cursor is None:
                break
        return rows

    # --- detail (Q4.2, Q5.2) -------------------------------------------------------------------------
    def detail(self, officer: Officer, request_id: str, *, lang: Literal["th", "en"] = "th") -> dict[str, Any]:
        """Everything an officer needs to decide: answers, files and their checks, history, waiting step.

        The read is recorded in the request's access log (who, when). A file is not linked here: each
        download goes through :meth:`attachment_download`, which records it.
        """
        record = self._visible(officer, request_id)
        service = self._tenant.service(record["service_id"])
        self._log_access(officer, request_id, "request.read", {"request_id": request_id})
        names = {d.id: d.name.model_dump() for d in service.documents}
        attachments = [
            {
                **{
                    k: a.get(k)
                    for k in (
                        "id",
                        "document_id",
                        "file_name",
                        "format",
                        "size",
                        "sha256",
                        "signature_check",
                        "oversize",
                    )
                },
                "name": names.get(a["document_id"]),
                "added_at": a.get("added_at"),
            }
            for a in record.get("attachments", [])
        ]
        documents = {
            kind: {**doc, "url": self._link("documents", doc["key"], doc["file_name"])}
            for kind, doc in (record.get("documents") or {}).items()
            # A superseded document (an expired invoice) is kept in storage, not listed; the licence's
            # unwatermarked twin is only ever sealed, never shown (the signer reads the marked draft).
            if doc and kind != "licence_unsealed"
        }
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
                    "deemed_received_at": (e.get("data") or {}).get("deemed_received_at"),
                }
                for e in self._requests.events(request_id)
            ],
            "notes": [
                {"at": n["at"], "by": n["by"], "text": n["text"]} for n in self._requests.records(request_id, "NOTE")
            ],
            "decisions": [
                {k: d.get(k) for k in ("step", "decision", "reason", "by", "at")}
                for d in self._requests.records(request_id, "DECISION")
            ],
            "intent": record.get("intent"),
            "timestamp_token": timestamped(record),
            "messages": [
                {k: m.get(k) for k in ("template", "subject", "at", "state", "channel", "delivery")}
                for m in self._messages.of_request(request_id)
            ],
            # bounced or refused e-mail; the reviewer may then record the applicant as unreachable.
            "contact_problems": record.get("contact_problems", []),
            "unreachable": record.get("unreachable"),
            "saga_failure": record.get("saga_failure"),
            # What the officer asked for, and what the applicant said when sending it back.
            "more_documents": {
                "what": record.get("more_documents_what"),
                "reason": record.get("more_documents_reason"),
                "documents": record.get("more_documents_slots") or [],
            },
            # The slots an officer may ask for (the applicant's form then offers only those).
            "document_slots": [{"id": d.id, "name": d.name.model_dump()} for d in service.documents],
            "resubmission_note": record.get("resubmission_note"),
            "resubmission": record.get("resubmission"),
            "thread": self._requests.records(request_id, "THREAD"),
            "paper_copies": sorted(self._requests.records(request_id, "PAPERCOPY"), key=lambda c: c["requested_at"]),
            # Q7.1: what the agency adds to the licence, who may fill it in now, and the licence number
            # the signer names to confirm (Q7.4).
            "licence_fields": self._licence_fields(officer, service, record),
            "licence_number": record.get("licence_number"),
            "licence_title": service.licence.title.model_dump(),
        }

    def send_message(self, officer: Officer, request_id: str, text: str) -> dict[str, Any]:
        """A message to the applicant on the request's thread (they see it with who and when)."""
        self._visible(officer, request_id)
        text = text.strip()
        if not text:
            raise InvalidInput(code="message.empty", th="กรุณาพิมพ์ข้อความ", en="Write the message first.")
        kind, message_id, data = thread_entry("message", by=officer.actor, text=text, at=clock_source.now().isoformat())
        self._requests.put_record(request_id, kind, message_id, data)
        return self.detail(officer, request_id)

    def close_paper_copy(
        self, officer: Officer, request_id: str, copy_id: str, *, outcome: str, note: str | None
    ) -> dict[str, Any]:
        """R-4.7: the paper copy was handed over, posted or declined; the request is kept, never deleted."""
        if outcome not in PAPER_COPY_OUTCOMES:
            raise InvalidInput(
                code="paper_copy.outcome",
                th="กรุณาเลือกผลการดำเนินการ: มอบให้แล้ว ส่งทางไปรษณีย์แล้ว หรือไม่อาจดำเนินการได้",
                en=f"Choose one of: {', '.join(PAPER_COPY_OUTCOMES)}.",
            )
        note = (note or "").strip() or None
        if outcome == "declined" and not note:
            raise InvalidInput(code="paper_copy.reason_required", th="กรุณาระบุเหตุผล", en="Give the reason.")
        self._visible(officer, request_id)
        copy = self._requests.get_record(request_id, "PAPERCOPY", copy_id)
        if copy is None:
            raise NotFound(code="paper_copy.not_found", th="ไม่พบคำขอสำเนากระดาษนี้", en="No such paper-copy request.")
        last = (copy.get("history") or [{}])[-1]
        repeated = copy["state"] == outcome and last.get("note") == note and last.get("by") == officer.actor.as_dict()
        if copy["state"] != "open" and not repeated:
            raise Conflict(
                code="paper_copy.closed", th="คำขอสำเนากระดาษนี้ปิดไปแล้ว", en="This paper-copy request is closed already."
            )
        if copy["state"] == "open":
            now = clock_source.now().isoformat()
            change = {"state": outcome, "at": now, "by": officer.actor.as_dict(), "note": note}
            closed = {**copy, "state": outcome, "closed_at": now, "history": [*copy.get("history", []), change]}
            # Only while still open: two officers closing at once cannot both win, nor one undo the other.
            if not self._requests.replace_record(request_id, "PAPERCOPY", copy_id, closed, state="open"):
                raise Conflict(
                    code="paper_copy.closed",
                    th="คำขอสำเนากระดาษนี้ปิดไปแล้ว",
                    en="This paper-copy request is closed already.",
                )
        # Also when the same officer sends the same close again (the first answer was lost after the close
        # was kept): the request's flag follows the copies, so a retry mends a flag left stale.
        still_open = any(c["state"] == "open" for c in self._requests.records(request_id, "PAPERCOPY"))
        self._requests.set_fields(request_id, {"paper_copy_open": still_open})
        return self.detail(officer, request_id)

    # --- the access log: who read the applicant's data (R-1.10, PDPA accountability) ---------------------
    def attachment_download(self, officer: Officer, request_id: str, attachment_id: str) -> dict[str, Any]:
        """A short-lived download link for one of the request's files; the download is recorded first."""
        record = self._visible(officer, request_id)
        attachment = next((a for a in record.get("attachments", []) if a.get("id") == attachment_id), None)
        if attachment is None:
            raise NotFound(
                code="attachment.not_found", th="ไม่พบไฟล์แนบนี้ในคำขอ", en="This request has no such attachment."
            )
        self._log_access(
            officer,
            request_id,
            "file.download",
            {"attachment_id": attachment_id, "document_id": attachment["document_id"]},
        )
        return {
            "url": self._link("uploads", attachment["key"], attachment["file_name"]),
            "file_name": attachment["file_name"],
            "expires_in": _DOWNLOAD_SECONDS,
        }

    def access_log(
        self, officer: Officer, request_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        """Who read the request's personal data or downloaded its files, and when; oldest first.

        Only the head of the agency and administrators may read it (Forbidden ``audit.forbidden``).
        """
        if not officer.groups & AUDIT_READERS:
            raise Forbidden(
                code="audit.forbidden",
                th="เฉพาะหัวหน้าหน่วยงานหรือผู้ดูแลระบบที่ดูบันทึกการเข้าถึงได้",
                en="Only the head of the agency or an administrator may read the access log.",
            )
        self._visible(officer, request_id)
        page = self._access_log.of_request(request_id, limit=page_size(limit), cursor=cursor)
        return Page([{k: e.get(k) for k in ("at", "by", "action", "target")} for e in page.items], page.cursor)

    def _log_access(self, officer: Officer, request_id: str, action: str, target: Mapping[str, Any]) -> None:
        # Ids only: the officer (id, roles) and what was read, never the applicant's data.
        self._access_log.record(
            {
                "id": new_id("A"),
                "request_id": request_id,
                "at": clock_source.now().isoformat(),
                "by": officer.actor.as_dict(),
                "action": action,
                "target": dict(target),
            }
        )

    def add_note(self, officer: Officer, request_id: str, text: str) -> dict[str, Any]:
        """Q4.3: record a finding or what more is needed."""
        self._visible(officer, request_id)
        text = text.strip()
        if not text:
            raise InvalidInput(code="note.empty", th="กรุณาพิมพ์บันทึก", en="Write the note first.")
        now = clock_source.now()
        self._requests.put_record(
            request_id, "NOTE", now.isoformat(), {"at": now.isoformat(), "by": officer.id, "text": text}
        )
        return self.detail(officer, request_id)

    # --- what the officers add to the licence (Q7.1) ---------------------------------------------------
    def set_licence_fields(self, officer: Officer, request_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Q7.1: the reviewer or the approver of the current step fills in the service's officer fields.

        Validated like form fields (partial: the required ones are checked at the last approval); the
        values replace the earlier ones and are recorded with who and when. A draft licence made before
        (the signer sent the request back) is superseded, so the next draft shows the new values: the
        signer signs exactly what was filled in."""
        record = self._visible(officer, request_id)
        service = self._tenant.service(record["service_id"])
        fields = service.licence.officer_fields
        if not fields:
            raise InvalidInput(
                code="licence_fields.none",
                th="บริการนี้ไม่มีข้อมูลที่เจ้าหน้าที่ต้องเพิ่มในใบอนุญาต",
                en="This service has no fields for officers to add to the licence.",
            )
        if not self._may_fill(officer, service, record):
            raise Conflict(
                code="licence_fields.not_now",
                th="เพิ่มข้อมูลในใบอนุญาตได้เฉพาะผู้ตรวจสอบหรือผู้พิจารณาในขั้นตอนที่คำขอรออยู่ ก่อนออกใบอนุญาต",
                en="Only the reviewer or the approver of the step the request waits at may add licence data, "
                "before the licence is issued.",
            )
        today = clock_source.now().astimezone(BANGKOK).date()
        cleaned = validate_fields(fields, values, today=today, partial=True)
        now = clock_source.now().isoformat()
        changes: dict[str, Any] = {"licence_additions": cleaned}
        if (record.get("documents") or {}).get("licence_draft"):
            # Kept in storage (its hash stays verifiable), no longer listed; the saga drafts it again.
            changes |= {"documents.licence_draft": None, "documents.licence_unsealed": None}
        self._requests.set_fields(request_id, changes)
        self._requests.put_record(request_id, "LICENCE_FIELDS", now, {"at": now, "by": officer.id, "values": cleaned})
        return self.detail(officer, request_id)

    def _may_fill(self, officer: Officer, service: Any, record: Mapping[str, Any]) -> bool:
        waiting = record.get("waiting") or {}
        if waiting.get("state") != "waiting" or waiting.get("step") not in ("review", "approval"):
            return False
        if (record.get("documents") or {}).get("licence"):
            return False  # sealed already
        role = step_role(str(waiting["step"]), service, int(record.get("approval_index") or 0))
        return role in officer.groups

    def _licence_fields(self, officer: Officer, service: Any, record: Mapping[str, Any]) -> dict[str, Any]:
        values = record.get("licence_additions") or {}
        return {
            "fields": [
                {
                    **f.model_dump(
                        mode="json", include={"name", "type", "label", "required", "help", "options", "max_length"}
                    ),
                    "public": f.public,
                }
                for f in service.licence.officer_fields
            ],
            "values": values,
            "editable": bool(service.licence.officer_fields) and self._may_fill(officer, service, record),
        }

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
        documents: list[str] | None = None,
        legal_basis: str | None = None,
        confirm: str | None = None,
    ) -> dict[str, Any]:
        """Answer the step the request waits at.

        A refusal (``reject``) records its reasons and its legal basis, both printed on the sealed refusal
        letter (R-4.1; Administrative Procedure Act §37). Signing (``sign``) needs ``confirm`` naming the
        draft's licence number: the signer confirms exactly which document is signed (Q7.4).

        The claim of the step, the request's fields, the status change, the decision record and the
        saga's answer commit in one transaction; the answer is then delivered. If the same decision
        was recorded but its answer has not reached the saga (a failure in between), a retry delivers
        it instead of failing. Conflict if the request does not wait at this step."""
        record = self._visible(officer, request_id)
        service = self._tenant.service(record["service_id"])
        waiting = record.get("waiting") or {}
        if waiting.get("step") == step and waiting.get("state") == "answered":
            return self._answered_again(officer, record, waiting, decision)
        if waiting.get("state") != "waiting" or waiting.get("step") != step:
            raise Conflict(
                code="decision.not_waiting",
                th="คำขอนี้ไม่ได้รอการพิจารณาในขั้นตอนนี้แล้ว (อาจมีผู้ดำเนินการไปก่อนหน้า) กรุณาโหลดข้อมูลใหม่",
                en="This request is no longer waiting at this step (someone may have acted first). Reload it.",
            )
        role = step_role(step, service, int(waiting.get("approval_index") or 0))
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
        legal_basis = (legal_basis or "").strip() or None
        if decision == "reject" and not legal_basis:
            raise InvalidInput(
                code="decision.legal_basis_required",
                th="กรุณาระบุฐานทางกฎหมายของการไม่อนุญาต (เช่น มาตราของกฎหมายที่ใช้)",
                en="Give the legal basis of the refusal (e.g. the section of the law relied on).",
                details=[
                    FieldError(
                        field="legal_basis",
                        code="field.required",
                        th="กรุณาระบุฐานทางกฎหมาย",
                        en="The legal basis is required.",
                    )
                ],
            )
        now = clock_source.now()
        fields: dict[str, Any] = {
            "decision": {"step": step, "decision": decision, "reason": reason, "by": officer.id, "at": now.isoformat()}
        }
        if decision == "reject":
            fields["decision"]["legal_basis"] = legal_basis
        output: dict[str, Any] = {"decision": decision}
        also: list[tuple[str, str, Mapping[str, Any]]] = []
        event = None
        if decision == "more_documents":
            if not (what or "").strip():
                raise InvalidInput(
                    code="decision.what_required",
                    th="กรุณาระบุเอกสารหรือข้อมูลที่ต้องการเพิ่มเติม",
                    en="Say which documents or information are needed.",
                )
            fields["more_documents_what"] = what.strip() if what else None
            fields["more_documents_deadline"] = self._deadline(deadline, now)
            # The reason, as written, reaches the applicant (page, notice, thread); so do the slots.
            fields["more_documents_reason"] = reason
            fields["more_documents_slots"] = self._slots(service, documents or [])
            also.append(
                thread_entry(
                    "more_documents",
                    by=officer.actor,
                    text=reason,
                    at=now.isoformat(),
                    what=fields["more_documents_what"],
                    documents=fields["more_documents_slots"],
                )
            )
        if step == "review" and decision == "unreachable":
            fields["unreachable"] = {"from_step": "review", "reason": reason, "at": now.isoformat(), "by": officer.id}
        if step == "unreachable" and decision == "propose_dismissal":
            held_until = waiting.get("deadline_at")
            if held_until and now < datetime.fromisoformat(held_until):
                raise Conflict(
                    code="dismissal.hold_not_over",
                    th="ต้องเก็บคำขอไว้ 30 วันก่อนเสนอจำหน่ายเรื่อง (R-3.2) ครบกำหนดเมื่อ " + held_until[:10],
                    en=f"The request is kept 30 days before dismissal can be proposed (R-3.2); the hold ends "
                    f"{held_until[:10]}.",
                )
            _, event = request_of(record).change_status(
                RequestStatus.DISMISSAL_PROPOSED,
                at=now,
                actor=officer.actor,
                reason=reason,
                data={"cause": "unreachable", "held_until": held_until},
            )
        if step == "unreachable" and decision == "contact_restored":
            origin = (record.get("unreachable") or {}).get("from_step")
            output["return_to"] = origin if origin in APPLICANT_STEPS else "review"
            if origin == "more_documents":
                # A new period from now: the one the notice named never reached the applicant.
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
            if complete and service.licence.officer_fields:
                # Q7.1: what the licence needs from the officers is there before the draft is made.
                try:
                    validate_fields(
                        service.licence.officer_fields,
                        record.get("licence_additions") or {},
                        today=now.astimezone(BANGKOK).date(),
                        partial=False,
                    )
                except InvalidInput as missing:
                    raise InvalidInput(
                        code="licence_fields.missing",
                        th="กรุณากรอกข้อมูลที่หน่วยงานเพิ่มในใบอนุญาตให้ครบก่อนอนุญาต",
                        en="Fill in the data the agency adds to the licence before approving.",
                        details=missing.details,
                    ) from None
            if not complete:
                # Q5.4: the request moves on to the next approver in the service's order.
                fields["approval_index"] = index + 1
                nxt = service.approval_steps[index + 1]
                _, event = request_of(record).change_status(
                    RequestStatus.IN_APPROVAL,
                    at=now,
                    actor=officer.actor,
                    reason=f"{nxt.name.th} / {nxt.name.en}",
                    data={"approval_index": index + 1, "approved_by_role": role},
                )
        if step == "signature" and decision == "sign":
            draft = (record.get("documents") or {}).get("licence_draft")
            if not draft:
                raise Conflict(code="licence.no_draft", th="ยังไม่มีร่างใบอนุญาต", en="There is no draft yet.")
            number = str(record.get("licence_number") or "")
            if (confirm or "").strip() != number:
                raise InvalidInput(
                    code="signature.confirmation_required",
                    th=f"กรุณายืนยันการลงนามโดยระบุเลขที่ใบอนุญาต {number} ของร่างที่ลงนาม",
                    en=f"Confirm the signature by giving the licence number {number} of the draft being signed.",
                    details=[
                        FieldError(
                            field="confirm",
                            code="field.confirmation",
                            th=f"ระบุเลขที่ใบอนุญาต {number}",
                            en=f"Give the licence number {number}.",
                        )
                    ],
                )
            # Q7.4: the signer's identity, time and the exact draft's hash are the approval record.
            fields["signature_approval"] = {"by": officer.id, "at": now.isoformat(), "draft_sha256": draft["sha256"]}
        sequence = int(waiting["sequence"])
        answer = Answer(
            request_id=request_id,
            token=waiting["token"],
            by=officer.id,
            outcome=decision,
            fields=fields,
            event=event,
            record=("DECISION", f"{sequence:06d}", {**fields["decision"], "role": role}),
            also=tuple(also),
            outbox=OutboxMessage(
                request_id=request_id, sequence=sequence, token=waiting["token"], kind="succeed", output=output
            ),
        )
        self._waiting.answer(answer)
        deliver_answer(self._waiting, self._executions, answer.outbox.as_dict())
        return self.detail(officer, request_id)

    def _answered_again(
        self, officer: Officer, record: Mapping[str, Any], waiting: Mapping[str, Any], decision: str
    ) -> dict[str, Any]:
        """A retried click: deliver the recorded answer if the saga has not heard it yet."""
        if waiting.get("outcome") not in DECISIONS.get(str(waiting["step"]), ()):
            # Not an officer's answer: the applicant withdrew, or the deadline passed.
            raise Conflict(
                code="decision.not_waiting",
                th="คำขอนี้ไม่ได้รอการพิจารณาในขั้นตอนนี้แล้ว (อาจมีผู้ดำเนินการไปก่อนหน้า) กรุณาโหลดข้อมูลใหม่",
                en="This request is no longer waiting at this step (someone may have acted first). Reload it.",
            )
        row = self._waiting.outbox(record["id"], int(waiting["sequence"]))
        if row is None or row["state"] != "pending" or waiting.get("outcome") != decision:
            raise Conflict(
                code="decision.already_made",
                th="มีการพิจารณาขั้นตอนนี้ไปแล้ว",
                en="This step has already been decided.",
            )
        deliver_answer(self._waiting, self._executions, row)
        return self.detail(officer, record["id"])

    # --- internals -------------------------------------------------------------------------------------
    def _visible(self, officer: Officer, request_id: str) -> dict[str, Any]:
        """The request, if it is of one of the officer's units (R-2.1); otherwise as if there were none."""
        record = self._requests.get(request_id)
        require_visible(self._tenant, officer.groups, record)
        return record

    @staticmethod
    def _slots(service: Any, documents: list[str]) -> list[str]:
        """The document slots the officer asks for: each one of the service's, none twice."""
        known = [d.id for d in service.documents]
        unknown = [d for d in documents if d not in known]
        if unknown:
            raise InvalidInput(
                code="decision.unknown_slot",
                th="บริการนี้ไม่มีช่องเอกสารที่ระบุ",
                en=f"This service has no document slot {', '.join(unknown)}; use: {', '.join(known)}.",
            )
        return [d for d in known if d in documents]

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

    def _summary(self, record: Mapping[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
        status = RequestStatus(record["status"])
        service = self._tenant.service(record["service_id"])
        waiting = record.get("waiting") or {}
        now = now or clock_source.now()
        due = record.get("due_at")
        state = sla_state(datetime.fromisoformat(due), now, self._calendar).value if due else None
        if status in _CLOSED:
            state = None
        elif state is not None and waiting.get("state") == "waiting" and waiting.get("step") in APPLICANT_STEPS:
            # Q4.5: the service time runs on the agency's steps; while the applicant has the request (more
            # documents, payment) the clock is stopped, so the badge says so rather than "overdue".
            state = SLA_WAITING_FOR_APPLICANT
        return {
            "id": record["id"],
            "service": {"id": service.id, "name": service.name.model_dump()},
            "unit": service.responsible_unit,
            "status": status.value,
            "status_label": {"th": STATUS_LABELS[status][0], "en": STATUS_LABELS[status][1]},
            "receipt_number": record.get("receipt_number"),
            "submitted_at": record["submitted_at"],
            "deemed_received_at": record.get("deemed_received_at"),
            "due_at": due,
            "sla_state": state,
            "updated_at": record["updated_at"],
            "is_new": int(record.get("version") or 0) <= 3,
            "fee_satang": record.get("fee_satang", 0),
            "contact_problem": bool(record.get("contact_problems")),
            "paper_copy_open": bool(record.get("paper_copy_open")),
            "saga_failed": bool(record.get("saga_failure")),
            "waiting": (
                {
                    "step": waiting["step"],
                    "role": waiting.get("role") or step_role(waiting["step"], service),
                    "decisions": list(DECISIONS.get(waiting["step"], ())),
                    "deadline_at": waiting.get("deadline_at"),
                }
                if waiting.get("state") == "waiting"
                else None
            ),
        }


#: The SLA badge while the request waits on the applicant (issue 13; Q4.5 the clock is stopped).
SLA_WAITING_FOR_APPLICANT = "waiting_for_applicant"


def digest_for(lists: Mapping[str, Any], groups: frozenset[str] | set[str]) -> dict[str, Any]:
    """One officer's digest from the shared lists, limited to their units' requests (R-2.1; the head and
    administrators see all): what waits for their roles comes first."""
    if not sees_all(groups):
        units = units_of(groups)
        lists = {
            key: [r for r in value if r.get("unit") in units] if isinstance(value, list) else value
            for key, value in lists.items()
        }
    mine = [r for r in lists["new"] + lists["changed"] if r["waiting"] and r["waiting"]["role"] in groups]
    return {**lists, "mine": mine}


_CLOSED = frozenset(
    {
        RequestStatus.DELIVERED,
        RequestStatus.REJECTED,
        RequestStatus.REFERRED,
        RequestStatus.WITHDRAWN,
        RequestStatus.DISMISSED,
    }
)
