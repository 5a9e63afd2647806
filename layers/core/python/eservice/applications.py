"""Intake use cases: drafts, attachments, confirmation, the signature of intent, submission, tracking.

Each public method is one thing an applicant does (Q3.1-Q3.10). The handler parses the HTTP
request, calls one method and maps the answer; the rules live here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from . import clock_source
from .domain import FINAL_STATUSES, STATUS_LABELS, Actor, RequestStatus, StatusChange, can_transition
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .fees import fee_satang
from .files import check_scan_result
from .files import check_upload as check_file
from .forms import canonical_form_json, summary, validate_answers, validate_fields
from .identity import require_level
from .ids import new_id
from .officers import thread_entry
from .ports import Answer, Executions, OutboxMessage, Page, Repositories, page_size
from .recovery import Sweeper, deliver_answer
from .saga_steps import deemed_now, office_calendar, timestamped
from .tenant import MINIMUM_FORMATS, DocumentFormat, FieldType, FormField, Localized, RequiredDocument, Service, Tenant
from .time_rules import BANGKOK

__all__ = ["PAPER_COPY_METHODS", "Applicant", "Applications", "dismissal_grounds", "next_step_for_applicant"]

#: R-4.7: how the applicant wants the paper copy.
PAPER_COPY_METHODS = ("pickup", "post")
#: Uploads one draft, or one request's supplements, may start (accepted, rejected, replaced and detached alike:
#: each is kept). A draft holds its files' records in its own item, which DynamoDB caps at 400 KB; a record is at
#: most a few KB (a Thai file name of 200 characters, a rejection's reasons, a signature check), so 50 keep a
#: draft and the request made from it far under the cap, whatever a client sends.
MAX_UPLOADS = 50

#: The applicant's own data kept for prefill (Q3.2); validated like form fields of the same kind.
PROFILE_FORM = (
    FormField(name="full_name", type=FieldType.TEXT, label=Localized(th="ชื่อ-นามสกุล", en="Full name")),
    FormField(
        name="national_id", type=FieldType.NATIONAL_ID, label=Localized(th="เลขประจำตัวประชาชน", en="National ID")
    ),
    FormField(name="phone", type=FieldType.PHONE, label=Localized(th="โทรศัพท์", en="Phone")),
    FormField(name="email", type=FieldType.EMAIL, label=Localized(th="อีเมล", en="E-mail")),
    FormField(name="address", type=FieldType.TEXTAREA, label=Localized(th="ที่อยู่", en="Address"), max_length=500),
)
#: Q6.4: the proof of a payment made outside the e-Service (transfer, bank counter).
SLIP_DOCUMENT = RequiredDocument(
    id="payment_slip",
    name=Localized(th="หลักฐานการชำระเงิน", en="Proof of payment"),
    formats=(*MINIMUM_FORMATS, DocumentFormat.PNG),
    max_size_mb=5,
    explanation=Localized(
        th="สลิปการโอนเงินหรือใบรับเงินจากธนาคาร ที่เห็นเลขที่รายการ วันที่ และจำนวนเงิน",
        en="The transfer slip or bank receipt showing the transaction reference, date and amount.",
    ),
)
_ESTAMP_PATTERN = r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$"


@dataclass(frozen=True, kw_only=True)
class Applicant:
    """The signed-in citizen, from the identity token's claims (ids, no other personal data)."""

    id: str
    email: str | None = None
    #: R-3.4: the assurance level of this sign-in (eservice.identity.identity_level); IAL1 for a password.
    identity_level: str = "IAL1"


@dataclass(frozen=True, kw_only=True)
class OnBehalfOf:
    """Q2.3: acting for another person or a juristic person, with a power of attorney attached."""

    kind: Literal["person", "juristic_person"]
    name: str
    identifier: str  # national id or juristic person registration number


def dismissal_grounds(events: Sequence[Mapping[str, Any]], tenant: Tenant) -> dict[str, Any]:
    """Q4.6, R-3.2: why a request was dismissed (the true cause), what happens next and how to appeal."""

    def last(status: RequestStatus) -> Mapping[str, Any]:
        return next((e for e in reversed(events) if e["to_status"] == status.value), {})

    proposal, final = last(RequestStatus.DISMISSAL_PROPOSED), last(RequestStatus.DISMISSED)
    before = proposal.get("from_status")
    causes = {
        RequestStatus.UNREACHABLE.value: (
            "unreachable",
            "หน่วยงานติดต่อท่านไม่ได้ (ข้อความแจ้งถึงท่านส่งไม่ถึง) และไม่มีผู้ติดต่อกลับภายใน 30 วัน",
            "The agency could not reach you (its notice did not arrive) and nobody came forward within 30 days.",
        ),
        RequestStatus.MORE_DOCUMENTS_REQUESTED.value: (
            "documents_deadline",
            "ไม่ได้รับเอกสารหรือข้อมูลเพิ่มเติมที่เจ้าหน้าที่ขอภายในกำหนด",
            "The documents or information the officer asked for did not arrive before the deadline.",
        ),
        RequestStatus.AWAITING_PAYMENT.value: (
            "payment_deadline",
            "ไม่ได้รับชำระค่าธรรมเนียมภายในกำหนด",
            "The fee was not paid before the deadline.",
        ),
    }
    cause, th, en = causes.get(
        str(before), ("other", "หัวหน้าหน่วยงานสั่งจำหน่ายเรื่อง", "The head of the agency ordered the dismissal.")
    )
    head = tenant.head_title
    return {
        "cause": cause,
        "explanation": {"th": th, "en": en},
        "proposed_reason": proposal.get("reason"),
        "order_reason": final.get("reason"),
        "dismissed_at": final.get("at"),
        "next": {
            "th": "คำขอนี้สิ้นสุดแล้วและถูกเก็บไว้เป็นหลักฐาน ไม่ได้ถูกลบ หากยังต้องการรับบริการ ท่านยื่นคำขอใหม่ได้ทุกเมื่อ",
            "en": "This request has ended and is kept on record, never deleted. "
            "If you still need the service, you may submit a new request at any time.",
        },
        "appeal": {
            "th": f"ท่านมีสิทธิอุทธรณ์คำสั่งจำหน่ายเรื่องนี้ต่อ{head.th} ภายใน 15 วันนับแต่วันที่ได้รับแจ้ง "
            "ตามพระราชบัญญัติวิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 44 "
            f"โดยยื่นเป็นหนังสือที่หน่วยงาน หรือทางอีเมล {tenant.saraban_email}",
            "en": f"You may appeal against this dismissal to the {head.en} within 15 days of being notified "
            "(Administrative Procedure Act B.E. 2539, section 44), in writing at the agency or by e-mail to "
            f"{tenant.saraban_email}.",
        },
    }


def next_step_for_applicant(status: RequestStatus) -> dict[str, str] | None:
    """What the applicant is expected to do next, in Thai and English (None: nothing, wait)."""
    steps = {
        RequestStatus.MORE_DOCUMENTS_REQUESTED: (
            "ส่งเอกสารเพิ่มเติมตามที่เจ้าหน้าที่แจ้งภายในกำหนด",
            "Send the additional documents the officer asked for before the deadline.",
        ),
        RequestStatus.AWAITING_PAYMENT: (
            "ชำระค่าธรรมเนียมภายในกำหนดด้วย QR พร้อมเพย์ บัตร หรืออัปโหลดหลักฐานการชำระเงิน",
            "Pay the fee before the deadline by Thai QR, card, or upload your proof of payment.",
        ),
        RequestStatus.UNREACHABLE: (
            "ติดต่อหน่วยงานเพื่อยืนยันช่องทางการติดต่อ ภายใน 30 วัน",
            "Contact the agency to confirm how to reach you, within 30 days.",
        ),
        RequestStatus.DELIVERED: (
            "ดาวน์โหลดใบอนุญาตอิเล็กทรอนิกส์ หรือขอรับสำเนากระดาษได้ที่หน่วยงาน",
            "Download the electronic licence, or ask the agency for a paper copy.",
        ),
    }
    texts = steps.get(status)
    return None if texts is None else {"th": texts[0], "en": texts[1]}


class Applications:
    """The applicant's side of the e-Service."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        uploads: Any,
        executions: Executions,
        documents_link: Callable[[str, str], str] | None = None,
        verify_pdf: Callable[[str], dict[str, Any]] | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        self._requests = repos.requests
        self._drafts = repos.drafts
        self._profiles = repos.profiles
        self._waiting = repos.waiting
        self._tenant = tenant
        self._uploads = uploads
        self._executions = executions
        self._documents_link = documents_link or _no_documents
        self._verify_pdf = verify_pdf
        self._today = today or (lambda: clock_source.now().astimezone(BANGKOK).date())
        self._calendar = office_calendar(tenant)

    # --- catalogue (Q1) ---------------------------------------------------------------------------
    def service(self, service_id: str) -> Service:
        """The service, or NotFound naming it."""
        try:
            return self._tenant.service(service_id)
        except KeyError:
            raise NotFound(
                code="service.not_found",
                th="ไม่พบบริการนี้ในหน่วยงาน",
                en="This agency does not offer that service.",
            ) from None

    # --- profile and prefill (Q3.2) ---------------------------------------------------------------
    def profile(self, applicant: Applicant) -> dict[str, Any]:
        """What the applicant told us about themselves (for prefill)."""
        item = self._profiles.get(applicant.id) or {}
        profile = {k: item.get(k) for k in ("full_name", "national_id", "phone", "email", "address")}
        if not profile.get("email") and applicant.email:
            profile["email"] = applicant.email
        return profile

    def save_profile(self, applicant: Applicant, data: Mapping[str, Any]) -> dict[str, Any]:
        """Keep the profile; the same validation as a form field of the same kind."""
        cleaned = validate_fields(PROFILE_FORM, data, today=self._today(), partial=True)
        self._profiles.put(applicant.id, {**cleaned, "updated_at": clock_source.now().isoformat()})
        return self.profile(applicant)

    def _prefill(self, applicant: Applicant, service: Service) -> dict[str, Any]:
        profile = self.profile(applicant)
        answers: dict[str, Any] = {}
        for f in service.form:
            if f.prefill and profile.get(f.prefill):
                answers[f.name] = profile[f.prefill]
        # The latest earlier request of the same service fills what the profile does not.
        for previous in self._requests.of_applicant(applicant.id, limit=20, cursor=None).items:
            if previous["service_id"] == service.id:
                for name, value in previous.get("answers", {}).items():
                    answers.setdefault(name, value)
                break
        return answers

    # --- drafts (Q3.5) ------------------------------------------------------------------------------
    def create_draft(
        self,
        applicant: Applicant,
        service_id: str,
        *,
        answers: Mapping[str, Any] | None = None,
        on_behalf_of: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Start a draft, pre-filled from the profile and earlier requests; answers given win."""
        service = self.service(service_id)
        require_level(applicant.identity_level, service.identity_level, self._tenant, act="draft")
        merged = {**self._prefill(applicant, service), **(answers or {})}
        cleaned = validate_answers(service, merged, today=self._today(), partial=True)
        now = clock_source.now()
        draft_id = new_id("D")
        draft = {
            "id": draft_id,
            "service_id": service.id,
            "applicant_id": applicant.id,
            "state": "open",
            "answers": cleaned,
            "attachments": {},
            "on_behalf_of": self._on_behalf_of(on_behalf_of),
            "estamp_code": None,
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
        self._drafts.create(draft)
        return self._public_draft(draft)

    def drafts(
        self, applicant: Applicant, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        """The applicant's open drafts, newest first (one page)."""
        page = self._drafts.of_applicant(applicant.id, limit=page_size(limit), cursor=cursor)
        return Page([self._public_draft(i) for i in page.items], page.cursor)

    def draft(self, applicant: Applicant, draft_id: str) -> dict[str, Any]:
        """One draft of this applicant."""
        return self._public_draft(self._draft(applicant, draft_id))

    def update_draft(
        self,
        applicant: Applicant,
        draft_id: str,
        *,
        answers: Mapping[str, Any],
        on_behalf_of: Mapping[str, Any] | None = None,
        estamp_code: str | None = None,
    ) -> dict[str, Any]:
        """Save the answers so far (types checked, required fields not yet)."""
        draft = self._open_draft(applicant, draft_id)
        service = self.service(draft["service_id"])
        cleaned = validate_answers(service, answers, today=self._today(), partial=True)
        fields: dict[str, Any] = {
            "answers": cleaned,
            "on_behalf_of": self._on_behalf_of(on_behalf_of),
            "estamp_code": self._estamp(service, estamp_code, required=False),
            "updated_at": clock_source.now().isoformat(),
        }
        self._save_draft(applicant, draft_id, fields, expected_state="open")
        return self.draft(applicant, draft_id)

    def discard_draft(self, applicant: Applicant, draft_id: str) -> dict[str, Any]:
        """Set a draft aside; it is kept (marked discarded), never turned into a request."""
        self._open_draft(applicant, draft_id)
        self._save_draft(
            applicant,
            draft_id,
            {"state": "discarded", "updated_at": clock_source.now().isoformat()},
            expected_state="open",
        )
        return self.draft(applicant, draft_id)

    # --- attachments (Q3.4, R-3.3) ------------------------------------------------------------------
    def start_upload(self, applicant: Applicant, draft_id: str, *, document_id: str, file_name: str) -> dict[str, Any]:
        """A presigned upload to a quarantine key the server chooses, for one document slot."""
        draft = self._open_draft(applicant, draft_id)
        _require_upload_room(len(draft["attachments"]))
        service = self.service(draft["service_id"])
        document = self._document(service, document_id)
        attachment_id = new_id("F")
        key = f"quarantine/{draft_id}/{attachment_id}"
        attachment = {
            "id": attachment_id,
            "document_id": document.id,
            "file_name": file_name[:200],
            "state": "awaiting_upload",
            "quarantine_key": key,
            "created_at": clock_source.now().isoformat(),
        }
        self._set_attachment(applicant, draft_id, attachment)
        return self._upload_offer(attachment, document)

    def start_oversize_upload(
        self, applicant: Applicant, draft_id: str, *, document_id: str, file_name: str
    ) -> dict[str, Any]:
        """Q3.4: the oversize place of a slot: an upload bound to this applicant's draft (its key is the
        draft's, which only its applicant can reach), up to the slot's ``oversize_max_mb``, on the same
        presigned mechanism as every upload. The file is checked like any other and flagged ``oversize``
        for the officers."""
        draft = self._open_draft(applicant, draft_id)
        _require_upload_room(len(draft["attachments"]))
        document = self._document(self.service(draft["service_id"]), document_id)
        if document.oversize_max_mb is None:
            raise InvalidInput(
                code="oversize.not_offered",
                th="เอกสารนี้ไม่มีช่องสำหรับไฟล์ขนาดใหญ่",
                en="This document has no place for large files.",
            )
        attachment_id = new_id("F")
        attachment = {
            "id": attachment_id,
            "document_id": document.id,
            "file_name": file_name[:200],
            "state": "awaiting_upload",
            "quarantine_key": f"quarantine/{draft_id}/oversize/{attachment_id}",
            "oversize": True,
            "created_at": clock_source.now().isoformat(),
        }
        self._set_attachment(applicant, draft_id, attachment)
        return self._upload_offer(attachment, _oversize(document))

    def check_upload(self, applicant: Applicant, draft_id: str, attachment_id: str) -> dict[str, Any]:
        """Check an uploaded file by its content; accept it into the slot or reject it with a reason."""
        draft = self._open_draft(applicant, draft_id)
        attachment = draft["attachments"].get(attachment_id)
        if attachment is None:
            raise NotFound(code="attachment.not_found", th="ไม่พบไฟล์แนบนี้", en="No such attachment.")
        if attachment["state"] == "accepted":
            return {"attachment": attachment}
        service = self.service(draft["service_id"])
        document = self._document(service, attachment["document_id"])
        if attachment.get("oversize"):
            document = _oversize(document)
        try:
            attachment = self._check_file(document, attachment, clean_prefix=f"clean/{draft_id}")
        except InvalidInput as rejected:
            self._set_attachment(applicant, draft_id, self._rejected(attachment, rejected))
            raise
        # One slot holds one accepted file: a new accepted upload replaces the earlier one.
        for other in draft["attachments"].values():
            if other["document_id"] == document.id and other["id"] != attachment_id and other["state"] == "accepted":
                self._set_attachment(applicant, draft_id, {**other, "state": "replaced"})
        self._set_attachment(applicant, draft_id, attachment)
        return {"attachment": attachment}

    def detach_upload(self, applicant: Applicant, draft_id: str, attachment_id: str) -> dict[str, Any]:
        """Issue 13: take a file out of its slot before submitting. A status change (``detached``, with its
        time): the file and its record stay, the slot is empty again; asking twice answers the same."""
        draft = self._open_draft(applicant, draft_id)
        attachment = draft["attachments"].get(attachment_id)
        if attachment is None:
            raise NotFound(code="attachment.not_found", th="ไม่พบไฟล์แนบนี้", en="No such attachment.")
        if attachment["state"] == "detached":
            return {"attachment": attachment}
        if attachment["state"] != "accepted":
            raise Conflict(
                code="attachment.not_attached",
                th="ไฟล์นี้ไม่ได้แนบอยู่ในคำขอ จึงนำออกไม่ได้",
                en="This file is not attached to the request, so it cannot be removed.",
            )
        detached = {**attachment, "state": "detached", "detached_at": clock_source.now().isoformat()}
        self._set_attachment(applicant, draft_id, detached)
        return {"attachment": detached}

    # --- confirmation and the signature of intent (Q3.7, Q3.8) -------------------------------------
    def confirmation(self, applicant: Applicant, draft_id: str, *, lang: Literal["th", "en"]) -> dict[str, Any]:
        """Everything to be submitted, checked in full, with the declaration and its content hash."""
        draft = self._open_draft(applicant, draft_id)
        service = self.service(draft["service_id"])
        answers = validate_answers(service, draft["answers"], today=self._today())
        attachments = self._accepted_attachments(service, draft)
        estamp = self._estamp(service, draft.get("estamp_code"), required=service.estamp_required)
        declaration = service.declaration.th + "\n" + service.declaration.en
        content = self._content(service, draft, answers, attachments, estamp, declaration)
        return {
            "draft_id": draft_id,
            "service": {"id": service.id, "name": service.name.model_dump()},
            "rows": summary(service, answers, lang),
            "attachments": [
                {k: a[k] for k in ("document_id", "file_name", "format", "size", "sha256")} for a in attachments
            ],
            "on_behalf_of": draft.get("on_behalf_of"),
            "estamp_code": estamp,
            "fee_satang": fee_satang(service, answers),
            "declaration": declaration,
            "content_hash": hashlib.sha256(content).hexdigest(),
        }

    def submit(
        self,
        applicant: Applicant,
        draft_id: str,
        *,
        declaration: str,
        content_hash: str,
        accepted: bool,
        client_info: Mapping[str, str],
    ) -> dict[str, Any]:
        """Turn a confirmed draft into a request: idempotent, evidence kept, saga started (Q3.8, Q3.9)."""
        existing = self._drafts.get(applicant.id, draft_id)
        if existing is None:
            raise NotFound(code="draft.not_found", th="ไม่พบแบบร่างนี้", en="No such draft.")
        request_id = "R-" + draft_id.removeprefix("D-")
        if existing["state"] == "submitted":
            # A retried or double-clicked submit: the same request; its saga is started, or resumed
            # if it failed, never started twice.
            self._ensure_saga(self._requests.get(request_id))
            return self.request_detail(applicant, request_id)
        require_level(
            applicant.identity_level, self.service(existing["service_id"]).identity_level, self._tenant, act="submit"
        )
        if not accepted:
            raise InvalidInput(
                code="declaration.not_accepted",
                th="กรุณายืนยันคำรับรองก่อนยื่นคำขอ",
                en="Please confirm the declaration before submitting.",
            )
        try:
            confirmation = self.confirmation(applicant, draft_id, lang="th")
        except Conflict:
            # A concurrent click submitted the draft a moment ago: answer with the same request.
            again = self._drafts.get(applicant.id, draft_id)
            if again is None or again["state"] != "submitted":
                raise
            self._ensure_saga(self._requests.get(request_id))
            return self.request_detail(applicant, request_id)
        if declaration.strip() != confirmation["declaration"].strip():
            raise InvalidInput(
                code="declaration.mismatch",
                th="ข้อความคำรับรองไม่ตรงกับที่ระบบแสดง",
                en="The declaration text does not match the one shown.",
            )
        if content_hash != confirmation["content_hash"]:
            raise Conflict(
                code="confirmation.outdated",
                th="ข้อมูลคำขอเปลี่ยนไปหลังจากหน้ายืนยัน กรุณาตรวจสอบอีกครั้ง",
                en="The request changed after the confirmation page. Please review it again.",
            )
        service = self.service(existing["service_id"])
        now = clock_source.now()
        answers = validate_answers(service, existing["answers"], today=self._today())
        attachments = self._accepted_attachments(service, existing)
        record = {
            "id": request_id,
            "tenant_id": self._tenant.id,
            "service_id": service.id,
            "applicant_id": applicant.id,
            "applicant_email": applicant.email or answers.get("email"),
            "status": RequestStatus.SUBMITTED.value,
            "version": 1,
            "submitted_at": now.isoformat(),
            "updated_at": now.isoformat(),
            "answers": answers,
            "attachments": attachments,
            "on_behalf_of": existing.get("on_behalf_of"),
            "estamp_code": confirmation["estamp_code"],
            "fee_satang": confirmation["fee_satang"],
            "documents": {},
            "execution": request_id,
            "intent": {
                # Type-1 electronic signature evidence (ETDA ขมธอ. 23-2563): who, when, what text, what content.
                "method": "type1-explicit-confirmation",
                "signer_id": applicant.id,
                "signer_email": applicant.email,
                "signed_at": now.isoformat(),
                "declaration": confirmation["declaration"],
                "content_hash": content_hash,
                "hash_algorithm": "sha256",
                "client": dict(client_info),
            },
            "draft_id": draft_id,
        }
        event = StatusChange(
            request_id=request_id,
            seq=1,
            from_status=None,
            to_status=RequestStatus.SUBMITTED,
            at=now,
            actor=Actor(kind="applicant", id=applicant.id),
            data={"content_hash": content_hash},
        )
        # The request, its first event and the closing of its draft commit together. If a concurrent
        # submit of the same draft got there first, carry on idempotently with that request.
        if not self._requests.create(record, event, draft=(applicant.id, draft_id)):
            again = self._drafts.get(applicant.id, draft_id) or {}
            if again.get("state") != "submitted" or self._requests.find(request_id) is None:
                raise Conflict(
                    code="draft.closed",
                    th="แบบร่างนี้ถูกยื่นหรือยกเลิกแล้ว แก้ไขไม่ได้",
                    en="This draft was already submitted or discarded and cannot change.",
                )
        self._ensure_saga(self._requests.get(request_id))
        return self.request_detail(applicant, request_id)

    def _ensure_saga(self, record: Mapping[str, Any]) -> None:
        """Start the request's saga, or resume it if its execution ended without finishing."""
        name = record.get("execution") or record["id"]
        status = self._executions.status(name)
        if status is None:
            self._executions.start(name, record["id"])
        elif status != "RUNNING" and RequestStatus(record["status"]) not in FINAL_STATUSES:
            Sweeper(requests=self._requests, waiting=self._waiting, executions=self._executions).resume(record)

    # --- tracking ------------------------------------------------------------------------------------
    def my_requests(
        self, applicant: Applicant, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[dict[str, Any]]:
        """The applicant's requests, newest first, with status labels (one page)."""
        page = self._requests.of_applicant(applicant.id, limit=page_size(limit), cursor=cursor)
        return Page([self._request_summary(r) for r in page.items], page.cursor)

    def request_detail(self, applicant: Applicant, request_id: str) -> dict[str, Any]:
        """Status, history with times, and what is expected of the applicant next."""
        record = self._owned_request(applicant, request_id)
        status = RequestStatus(record["status"])
        token = record.get("waiting")
        events = self._requests.events(request_id)
        history = [
            {
                "status": e["to_status"],
                "label": dict(zip(("th", "en"), STATUS_LABELS[RequestStatus(e["to_status"])], strict=True)),
                "at": e["at"],
                "by": e["actor"]["kind"],
                "reason": e.get("reason"),
                # an applicant's contact (a supplement, a withdrawal) with its deemed time of receipt.
                "deemed_received_at": (e.get("data") or {}).get("deemed_received_at"),
            }
            for e in events
        ]
        detail_deadline = token.get("deadline_at") if token and token.get("state") == "waiting" else None
        detail = {
            **self._request_summary(record),
            "history": history,
            "next_step": next_step_for_applicant(status),
            "deadline": token.get("deadline_at") if token and token.get("state") == "waiting" else None,
            "attachments": [
                {k: a.get(k) for k in ("document_id", "file_name", "format", "size", "sha256")}
                for a in record.get("attachments", [])
            ],
            # The licence's unwatermarked twin waits for the seal; the applicant gets the sealed licence.
            "documents": {k: v for k, v in (record.get("documents") or {}).items() if v and k != "licence_unsealed"},
            "intent": {k: record["intent"][k] for k in ("signed_at", "content_hash", "hash_algorithm")},
            "timestamp_token": timestamped(record),
            "more_documents": (
                {
                    "what": record.get("more_documents_what"),
                    "deadline": detail_deadline,
                    "reason": record.get("more_documents_reason"),
                    "documents": record.get("more_documents_slots") or [],
                }
                if status is RequestStatus.MORE_DOCUMENTS_REQUESTED
                else None
            ),
            "thread": [_public_message(m) for m in self._requests.records(request_id, "THREAD")],
            "paper_copies": [
                _public_paper_copy(c)
                for c in sorted(self._requests.records(request_id, "PAPERCOPY"), key=lambda c: c["requested_at"])
            ],
            "dismissal": dismissal_grounds(events, self._tenant) if status is RequestStatus.DISMISSED else None,
        }
        return detail

    # --- contacts after submission (R-2.4: each one has a deemed time of receipt) -----------------------
    def send_message(self, applicant: Applicant, request_id: str, text: str) -> dict[str, Any]:
        """A reply or question to the officers on the request's thread."""
        self._owned_request(applicant, request_id)
        text = text.strip()
        if not text:
            raise InvalidInput(code="message.empty", th="กรุณาพิมพ์ข้อความ", en="Write the message first.")
        now, deemed = deemed_now(self._calendar)
        kind, message_id, data = thread_entry(
            "message",
            by=Actor(kind="applicant", id=applicant.id),
            text=text,
            at=now.isoformat(),
            deemed_received_at=deemed.isoformat(),
        )
        self._requests.put_record(request_id, kind, message_id, data)
        return self.request_detail(applicant, request_id)

    def request_paper_copy(
        self, applicant: Applicant, request_id: str, *, method: str, note: str | None
    ) -> dict[str, Any]:
        """R-4.7: a paper copy, asked for now or later; recorded and kept until an officer closes it."""
        record = self._owned_request(applicant, request_id)
        if method not in PAPER_COPY_METHODS:
            raise InvalidInput(
                code="paper_copy.method",
                th="กรุณาเลือกวิธีรับสำเนา: รับด้วยตนเองที่หน่วยงาน หรือส่งทางไปรษณีย์",
                en="Choose how to receive the copy: pickup at the agency, or post.",
            )
        if any(c["state"] == "open" for c in self._requests.records(request_id, "PAPERCOPY")):
            raise Conflict(
                code="paper_copy.open",
                th="ท่านมีคำขอสำเนากระดาษที่รอดำเนินการอยู่แล้ว",
                en="You already have a paper-copy request waiting.",
            )
        now, deemed = deemed_now(self._calendar)
        copy_id = new_id("C")
        opened = {"state": "open", "at": now.isoformat(), "by": {"kind": "applicant", "id": applicant.id}}
        self._requests.put_record(
            request_id,
            "PAPERCOPY",
            copy_id,
            {
                "id": copy_id,
                "method": method,
                "note": (note or "").strip() or None,
                "state": "open",
                "requested_at": now.isoformat(),
                "deemed_received_at": deemed.isoformat(),
                "request_status": record["status"],
                "history": [opened],
            },
        )
        self._requests.set_fields(request_id, {"paper_copy_open": True})
        return self.request_detail(applicant, request_id)

    def _check_file(self, document: Any, attachment: dict[str, Any], *, clean_prefix: str) -> dict[str, Any]:
        """Check an uploaded file by content; copy it to its accepted place; InvalidInput if rejected."""
        limit = int(document.max_size_mb * 1024 * 1024)
        data = self._uploads.read(attachment["quarantine_key"], max_bytes=limit)
        if data is None:
            raise Conflict(
                code="attachment.not_uploaded",
                th="ยังไม่ได้อัปโหลดไฟล์ กรุณาอัปโหลดก่อนตรวจสอบ",
                en="The file has not been uploaded yet. Upload it first.",
            )
        if data and self._tenant.security.malware_scanning:
            # Q9.2: GuardDuty's verdict (or the local stand-in's) comes before anything reads the content.
            check_scan_result(self._uploads.scan_status(attachment["quarantine_key"]), document)
        checked = check_file(data, document, declared_name=attachment["file_name"])
        clean_key = f"{clean_prefix}/{attachment['id']}"
        self._uploads.copy(attachment["quarantine_key"], clean_key, content_type=checked.media_type)
        accepted = {
            **attachment,
            "state": "accepted",
            "key": clean_key,
            "format": checked.format.value,
            "size": checked.size,
            "sha256": checked.sha256,
            "file_name": checked.safe_name,
            "media_type": checked.media_type,
            "checked_at": clock_source.now().isoformat(),
        }
        if checked.format.value == "pdf" and b"/ByteRange" in data and self._verify_pdf is not None:
            # a signed PDF is validated (signature, integrity, trust list, timestamp) for the officer.
            accepted["signature_check"] = self._verify_pdf(attachment["quarantine_key"])
        return accepted

    @staticmethod
    def _rejected(attachment: dict[str, Any], rejected: InvalidInput) -> dict[str, Any]:
        return {
            **attachment,
            "state": "rejected",
            "rejection": rejected.as_dict()["error"],
            "checked_at": clock_source.now().isoformat(),
        }

    # --- after submission: more documents, withdrawal (R-3.4) ----------------------------------
    def start_supplement_upload(
        self, applicant: Applicant, request_id: str, *, document_id: str, file_name: str
    ) -> dict[str, Any]:
        """An upload for a document the officer asked for, while the request waits for it."""
        record = self._owned_request(applicant, request_id)
        self._require_status(record, RequestStatus.MORE_DOCUMENTS_REQUESTED)
        document = self._document(self.service(record["service_id"]), document_id)
        asked = record.get("more_documents_slots") or []
        if asked and document.id not in asked:
            raise InvalidInput(
                code="attachment.slot_not_requested",
                th="เจ้าหน้าที่ไม่ได้ขอเอกสารรายการนี้ กรุณาแนบเฉพาะเอกสารที่ขอ",
                en="The officer did not ask for this document; attach only the ones asked for.",
            )
        _require_upload_room(len(self._requests.records(request_id, "SUPPLEMENT")))
        return self._start_request_upload(request_id, "SUPPLEMENT", document, file_name, folder="")

    def check_supplement(self, applicant: Applicant, request_id: str, attachment_id: str) -> dict[str, Any]:
        """Check a supplementary file like any attachment."""
        record = self._owned_request(applicant, request_id)
        service = self.service(record["service_id"])
        return {
            "attachment": self._check_request_upload(
                request_id, "SUPPLEMENT", attachment_id, lambda doc_id: self._document(service, doc_id), folder=""
            )
        }

    def start_slip_upload(self, applicant: Applicant, request_id: str, *, file_name: str) -> dict[str, Any]:
        """Q6.4: an upload for the proof of a payment made at a bank counter or by transfer."""
        record = self._owned_request(applicant, request_id)
        self._require_status(record, RequestStatus.AWAITING_PAYMENT)
        return self._start_request_upload(request_id, "SLIPFILE", SLIP_DOCUMENT, file_name, folder="slips/")

    def checked_slip_file(self, applicant: Applicant, request_id: str, attachment_id: str) -> dict[str, Any]:
        """Check the slip's file by content; return it once accepted."""
        self._owned_request(applicant, request_id)
        return self._check_request_upload(
            request_id, "SLIPFILE", attachment_id, lambda _: SLIP_DOCUMENT, folder="slips/"
        )

    def _start_request_upload(
        self, request_id: str, kind: str, document: RequiredDocument, file_name: str, *, folder: str
    ) -> dict[str, Any]:
        attachment_id = new_id("F")
        attachment = {
            "id": attachment_id,
            "document_id": document.id,
            "file_name": file_name[:200],
            "state": "awaiting_upload",
            "quarantine_key": f"quarantine/{request_id}/{folder}{attachment_id}",
            "created_at": clock_source.now().isoformat(),
        }
        self._requests.put_record(request_id, kind, attachment_id, attachment)
        return self._upload_offer(attachment, document)

    def _check_request_upload(
        self,
        request_id: str,
        kind: str,
        attachment_id: str,
        document_for: Callable[[str], RequiredDocument],
        *,
        folder: str,
    ) -> dict[str, Any]:
        attachment = self._requests.get_record(request_id, kind, attachment_id)
        if attachment is None:
            raise NotFound(code="attachment.not_found", th="ไม่พบไฟล์แนบนี้", en="No such attachment.")
        if attachment["state"] == "accepted":
            return attachment
        try:
            attachment = self._check_file(
                document_for(attachment["document_id"]),
                attachment,
                clean_prefix=f"clean/{request_id}/{folder}".rstrip("/"),
            )
        except InvalidInput as rejected:
            self._requests.put_record(request_id, kind, attachment_id, self._rejected(attachment, rejected))
            raise
        self._requests.put_record(request_id, kind, attachment_id, attachment)
        return attachment

    def _upload_offer(self, attachment: dict[str, Any], document: RequiredDocument) -> dict[str, Any]:
        """The presigned upload for one slot, with the limits the page shows next to the button."""
        max_bytes = int(document.max_size_mb * 1024 * 1024)
        return {
            "attachment": attachment,
            # An HTML form upload: S3 refuses a file over the slot's limit before keeping any of it.
            "upload": {
                "method": "POST",
                **self._uploads.presign_post(attachment["quarantine_key"], max_bytes=max_bytes),
                "expires_in": 900,
            },
            "limits": {
                "max_size_bytes": max_bytes,
                "formats": [f.value for f in document.formats],
            },
        }

    def resubmit(self, applicant: Applicant, request_id: str, *, note: str | None) -> dict[str, Any]:
        """Send the requested documents back: the request returns to review (R-3.1). The answer, the
        added files and the note commit together; the saga then hears it. R-3.4: it pursues the claim,
        so it needs the service's identity level, as submitting did."""
        record = self._owned_request(applicant, request_id)
        require_level(
            applicant.identity_level, self.service(record["service_id"]).identity_level, self._tenant, act="resubmit"
        )
        self._require_status(record, RequestStatus.MORE_DOCUMENTS_REQUESTED)
        present = {a.get("id") for a in record.get("attachments", [])}
        supplements = [
            a
            for a in self._requests.records(request_id, "SUPPLEMENT")
            if a["state"] == "accepted" and a["id"] not in present
        ]
        if not supplements and not (note or "").strip():
            raise InvalidInput(
                code="resubmission.empty",
                th="กรุณาแนบเอกสารหรือพิมพ์คำชี้แจงก่อนส่ง",
                en="Attach a document or write an explanation before sending.",
            )
        waiting = self._waiting_at(record, "more_documents")
        moment, deemed = deemed_now(self._calendar)
        now = moment.isoformat()
        # the supplement is a contact like the submission: it has its own deemed time of receipt.
        added = [{**a, "added_at": now, "deemed_received_at": deemed.isoformat()} for a in supplements]
        text = (note or "").strip() or None
        answer = Answer(
            request_id=request_id,
            token=waiting["token"],
            by=applicant.id,
            outcome="resubmitted",
            # The whole list is safe to set here: only this answer (which claims the step) changes it.
            fields={
                "attachments": [*record.get("attachments", []), *added],
                "resubmission_note": text,
                "resubmission": {"at": now, "deemed_received_at": deemed.isoformat(), "files": len(added)},
            },
            also=(
                thread_entry(
                    "supplement",
                    by=Actor(kind="applicant", id=applicant.id),
                    text=text,
                    at=now,
                    deemed_received_at=deemed.isoformat(),
                    files=[a.get("file_name") for a in added],
                ),
            ),
            outbox=OutboxMessage(
                request_id=request_id,
                sequence=int(waiting["sequence"]),
                token=waiting["token"],
                kind="succeed",
                output={"decision": "resubmitted"},
            ),
        )
        self._waiting.answer(answer)
        for a in supplements:
            self._requests.put_record(
                request_id, "SUPPLEMENT", a["id"], {**a, "submitted_at": now, "deemed_received_at": deemed.isoformat()}
            )
        deliver_answer(self._waiting, self._executions, answer.outbox.as_dict())
        return self.request_detail(applicant, request_id)

    def withdraw(
        self, applicant: Applicant, request_id: str, *, reason: str | None, authenticated_at: float | None
    ) -> dict[str, Any]:
        """R-3.4: cancelling a submitted request is high-risk: it needs a sign-in of the last 10 minutes,
        at the service's identity level (a password sign-in does not pass for an IAL2 service)."""
        import time

        if authenticated_at is None or time.time() - authenticated_at > 600:
            raise Forbidden(
                code="auth.fresh_required",
                th="การถอนคำขอต้องยืนยันตัวตนอีกครั้ง กรุณาเข้าสู่ระบบใหม่แล้วลองอีกครั้ง",
                en="Withdrawing a request needs a fresh sign-in. Sign in again and retry.",
            )
        record = self._owned_request(applicant, request_id)
        require_level(
            applicant.identity_level, self.service(record["service_id"]).identity_level, self._tenant, act="withdraw"
        )
        if not can_transition(RequestStatus(record["status"]), RequestStatus.WITHDRAWN):
            raise Conflict(
                code="withdrawal.not_possible",
                th="ไม่สามารถถอนคำขอในสถานะนี้ได้",
                en="The request cannot be withdrawn in its current status.",
            )
        waiting = self._waiting_at(record, None)
        now, deemed = deemed_now(self._calendar)
        answer = Answer(
            request_id=request_id,
            token=waiting["token"],
            by=applicant.id,
            outcome="withdrawn",
            fields={
                "decision": {
                    "step": waiting["step"],
                    "decision": "withdraw",
                    "reason": (reason or "").strip() or None,
                    "by": applicant.id,
                    "at": now.isoformat(),
                    "deemed_received_at": deemed.isoformat(),
                }
            },
            outbox=OutboxMessage(
                request_id=request_id,
                sequence=int(waiting["sequence"]),
                token=waiting["token"],
                kind="fail",
                error="Request.Withdrawn",
                cause="withdrawn by the applicant",
            ),
        )
        self._waiting.answer(answer)
        deliver_answer(self._waiting, self._executions, answer.outbox.as_dict())
        return self.request_detail(applicant, request_id)

    def document_link(self, applicant: Applicant, request_id: str, kind: str) -> dict[str, Any]:
        """A short-lived download link for one of the request's issued documents."""
        record = self._owned_request(applicant, request_id)
        document = (record.get("documents") or {}).get(kind)
        if document is None or kind in ("licence_draft", "licence_unsealed"):
            raise NotFound(code="document.not_found", th="ไม่พบเอกสารนี้", en="No such document.")
        return {"url": self._documents_link(document["key"], document["file_name"]), "file_name": document["file_name"]}

    @staticmethod
    def _waiting_at(record: Mapping[str, Any], step: str | None) -> dict[str, Any]:
        waiting = record.get("waiting") or {}
        if waiting.get("state") != "waiting" or (step and waiting.get("step") != step):
            raise Conflict(
                code="request.busy",
                th="คำขออยู่ระหว่างดำเนินการ กรุณาลองใหม่อีกครั้งในอีกสักครู่",
                en="The request is being processed. Try again in a moment.",
            )
        return dict(waiting)

    @staticmethod
    def _require_status(record: Mapping[str, Any], status: RequestStatus) -> None:
        if record["status"] != status.value:
            raise Conflict(
                code="request.wrong_status",
                th=f"ทำรายการนี้ได้เฉพาะเมื่อคำขอมีสถานะ “{STATUS_LABELS[status][0]}”",
                en=f"This is possible only while the request is {STATUS_LABELS[status][1].lower()}.",
            )

    # --- internals -------------------------------------------------------------------------------------
    def _owned_request(self, applicant: Applicant, request_id: str) -> dict[str, Any]:
        record = self._requests.get(request_id)
        if record["applicant_id"] != applicant.id:
            # Not "forbidden": another person's request is not even shown to exist.
            raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")
        return record

    def _request_summary(self, record: Mapping[str, Any]) -> dict[str, Any]:
        status = RequestStatus(record["status"])
        service = self._tenant.service(record["service_id"])
        unit = self._tenant.units[service.responsible_unit]
        return {
            "id": record["id"],
            "reference": record["id"],
            "service": {"id": service.id, "name": service.name.model_dump()},
            "status": status.value,
            "status_label": {"th": STATUS_LABELS[status][0], "en": STATUS_LABELS[status][1]},
            "submitted_at": record["submitted_at"],
            "receipt_number": record.get("receipt_number"),
            "deemed_received_at": record.get("deemed_received_at"),
            "due_at": record.get("due_at"),
            "fee_satang": record.get("fee_satang", 0),
            "licence_number": record.get("licence_number") if "licence" in (record.get("documents") or {}) else None,
            "contact": {
                "records_office_phone": self._tenant.phones.records_office,
                "unit": unit.name.model_dump(),
                "unit_phone": unit.phone,
            },
        }

    def _draft(self, applicant: Applicant, draft_id: str) -> dict[str, Any]:
        item = self._drafts.get(applicant.id, draft_id)
        if item is None:
            raise NotFound(code="draft.not_found", th="ไม่พบแบบร่างนี้", en="No such draft.")
        return item

    def _open_draft(self, applicant: Applicant, draft_id: str) -> dict[str, Any]:
        draft = self._draft(applicant, draft_id)
        if draft["state"] != "open":
            raise Conflict(
                code="draft.closed",
                th="แบบร่างนี้ถูกยื่นหรือยกเลิกแล้ว แก้ไขไม่ได้",
                en="This draft was already submitted or discarded and cannot change.",
            )
        return draft

    def _save_draft(
        self, applicant: Applicant, draft_id: str, fields: Mapping[str, Any], *, expected_state: str | None
    ) -> None:
        if not self._drafts.save(applicant.id, draft_id, fields, expected_state=expected_state):
            raise Conflict(
                code="draft.closed",
                th="แบบร่างนี้ถูกยื่นหรือยกเลิกแล้ว แก้ไขไม่ได้",
                en="This draft was already submitted or discarded and cannot change.",
            )

    def _set_attachment(self, applicant: Applicant, draft_id: str, attachment: Mapping[str, Any]) -> None:
        # One slot's entry, by its id: concurrent uploads to other slots are never overwritten.
        if not self._drafts.set_attachment(applicant.id, draft_id, attachment):
            raise Conflict(
                code="draft.closed",
                th="แบบร่างนี้ถูกยื่นหรือยกเลิกแล้ว แก้ไขไม่ได้",
                en="This draft was already submitted or discarded and cannot change.",
            )

    def _document(self, service: Service, document_id: str) -> Any:
        for document in service.documents:
            if document.id == document_id:
                return document
        raise InvalidInput(
            code="attachment.unknown_slot",
            th="บริการนี้ไม่มีช่องแนบเอกสารนี้",
            en="This service has no such document slot.",
        )

    def _accepted_attachments(self, service: Service, draft: Mapping[str, Any]) -> list[dict[str, Any]]:
        accepted = {a["document_id"]: a for a in draft["attachments"].values() if a["state"] == "accepted"}
        missing = [d for d in service.documents if d.required and d.id not in accepted]
        if draft.get("on_behalf_of") and "power_of_attorney" not in accepted:
            slot = [d for d in service.documents if d.id == "power_of_attorney"]
            if not slot:
                raise InvalidInput(
                    code="on_behalf_of.not_offered",
                    th="บริการนี้ต้องยื่นด้วยตนเอง ไม่รับการมอบอำนาจทางระบบ",
                    en="This service must be requested in person; acting for someone else is not offered here.",
                )
            missing += slot
        if missing:
            from .errors import FieldError

            raise InvalidInput(
                code="attachments.missing",
                th="ยังไม่ได้แนบเอกสารที่จำเป็น",
                en="Required documents are missing.",
                details=[
                    FieldError(
                        field=f"documents.{d.id}",
                        code="document.required",
                        th=f"กรุณาแนบ{d.name.th}",
                        en=f"Please attach: {d.name.en}.",
                    )
                    for d in missing
                ],
            )
        return [accepted[d.id] for d in service.documents if d.id in accepted]

    def _content(
        self,
        service: Service,
        draft: Mapping[str, Any],
        answers: Mapping[str, Any],
        attachments: list[dict[str, Any]],
        estamp: str | None,
        declaration: str,
    ) -> bytes:
        """What the signature of intent covers: form data, every file's hash, the declaration."""
        envelope = {
            "form": json.loads(canonical_form_json(service.id, answers)),
            "attachments": [{"document_id": a["document_id"], "sha256": a["sha256"]} for a in attachments],
            "on_behalf_of": draft.get("on_behalf_of"),
            "estamp_code": estamp,
            "declaration": declaration,
        }
        return json.dumps(envelope, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def _estamp(self, service: Service, code: str | None, *, required: bool) -> str | None:
        """R-3.3.8: an e-stamp duty code, format-checked (16 characters in four groups)."""
        import re

        if not code:
            if required:
                raise InvalidInput(
                    code="estamp.required",
                    th="บริการนี้ต้องแนบรหัสอากรแสตมป์อิเล็กทรอนิกส์ (e-Stamp)",
                    en="This service needs an e-Stamp duty code.",
                )
            return None
        normalised = code.strip().upper()
        if not re.fullmatch(_ESTAMP_PATTERN, normalised):
            raise InvalidInput(
                code="estamp.format",
                th="รหัส e-Stamp ต้องเป็นตัวอักษรหรือตัวเลข 16 หลัก แบ่งเป็น 4 กลุ่ม เช่น AB12-CD34-EF56-GH78",
                en="An e-Stamp code is 16 letters or digits in four groups, e.g. AB12-CD34-EF56-GH78.",
            )
        return normalised

    @staticmethod
    def _on_behalf_of(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if not data:
            return None
        try:
            value = OnBehalfOf(
                kind=data["kind"], name=str(data["name"]).strip(), identifier=str(data["identifier"]).strip()
            )
        except (KeyError, TypeError):
            value = None
        if value is None or value.kind not in ("person", "juristic_person") or not value.name:
            raise InvalidInput(
                code="on_behalf_of.invalid",
                th="กรุณาระบุประเภท ชื่อ และเลขประจำตัวของผู้มอบอำนาจ",
                en="Give the kind, name and identifier of the person you act for.",
            )
        return {"kind": value.kind, "name": value.name, "identifier": value.identifier}

    def _public_draft(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: item.get(k)
            for k in (
                "id",
                "service_id",
                "state",
                "answers",
                "attachments",
                "on_behalf_of",
                "estamp_code",
                "created_at",
                "updated_at",
                "request_id",
            )
        }


def _oversize(document: RequiredDocument) -> RequiredDocument:
    """The slot as its oversize place sees it: the larger limit, no further route (Q3.4)."""
    return document.model_copy(update={"max_size_mb": document.oversize_max_mb, "oversize_route": None})


def _no_documents(*_: Any) -> Any:
    raise NotFound(code="document.not_found", th="ไม่พบเอกสารนี้", en="No such document.")


def _public_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """A thread message as the applicant sees it: an officer by role, never by account id."""
    by = dict(message.get("by") or {})
    if by.get("kind") != "applicant":
        by.pop("id", None)
    return {**{k: v for k, v in message.items() if k != "by"}, "by": by}


def _public_paper_copy(copy: Mapping[str, Any]) -> dict[str, Any]:
    """A paper-copy request as the applicant sees it: who acted, by kind only."""
    history = [
        {**{k: v for k, v in h.items() if k != "by"}, "by": (h.get("by") or {}).get("kind")}
        for h in copy.get("history", [])
    ]
    return {**{k: v for k, v in copy.items() if k != "history"}, "history": history}


def _require_upload_room(started: int) -> None:
    """Refuse a new upload once ``MAX_UPLOADS`` have started: nothing kept is dropped to make room."""
    if started >= MAX_UPLOADS:
        raise Conflict(
            code="attachments.limit_reached",
            th=f"คำขอนี้อัปโหลดไฟล์ครบ {MAX_UPLOADS} ครั้งแล้ว จึงอัปโหลดเพิ่มไม่ได้ ไฟล์ที่แนบไว้ยังอยู่ครบ "
            "หากต้องการส่งเอกสารเพิ่ม กรุณาติดต่อหน่วยงาน",
            en=f"This request has reached its limit of {MAX_UPLOADS} uploads, so no more can be added. The files "
            "already attached are kept. To send more documents, please contact the agency.",
        )
