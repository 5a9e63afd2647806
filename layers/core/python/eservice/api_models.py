"""The public API's answers as typed models: what the OpenAPI document promises each operation returns.

The intake function declares every route once (functions/intake/app.py) and names, for each status
code an operation can answer, one of these models. They document; the use cases still build plain
dicts. The contract test (tests/stack/test_api_contract.py) checks every answer of the local stack
against these schemas, so a field that changes here or there is caught.

Answers may carry more fields than listed (``extra="allow"``): a client reads what is documented and
ignores the rest, so adding a field never breaks one.

Errors have one shape everywhere (eservice.errors)::

    {"error": {"code": "form.invalid", "message": {"th": "...", "en": "..."}, "details": [...]}}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AccessLogEntry",
    "AccessLogPage",
    "Agency",
    "Announcement",
    "AnnouncementPage",
    "Bilingual",
    "CardCheckout",
    "Channels",
    "CheckedAttachment",
    "Confirmation",
    "CorrespondenceEntry",
    "CorrespondencePage",
    "Digest",
    "DocumentLink",
    "Draft",
    "DraftList",
    "ErrorBody",
    "FileLink",
    "ImportRowError",
    "LicenceEntry",
    "LicenceImportReport",
    "LicencePage",
    "LineLinkCode",
    "LineWebhookOutcome",
    "MyProfile",
    "OfficerLicence",
    "OfficerLicenceList",
    "OfficerMe",
    "OfficerRequestDetail",
    "OfficerUnits",
    "OpenDataReport",
    "PaymentNotice",
    "PublicLicence",
    "Reconciliation",
    "RequestDetail",
    "RequestList",
    "ScanOffer",
    "ScanUploadOffer",
    "ServiceDetail",
    "ServiceList",
    "Slip",
    "SlipList",
    "SlipOutcome",
    "UploadOffer",
    "Verification",
    "WebhookReceipt",
    "WorkList",
]


#: These models only document (the OpenAPI document, the contract test): their validators are built when first
#: used, not when intake is imported (issue 14, cold start).
DEFERRED = ConfigDict(defer_build=True)


class ApiModel(BaseModel):
    """An answer's object: the listed fields, and possibly more."""

    model_config = ConfigDict(extra="allow", defer_build=True)


class Bilingual(ApiModel):
    """A text in Thai and in English."""

    th: str
    en: str


# --- errors ----------------------------------------------------------------------------------------------------
class FieldProblem(BaseModel):
    """One problem with one input field (Q3.6)."""

    model_config = ConfigDict(title="FieldProblem", defer_build=True)

    field: str = Field(description="Dotted path of the field: ``answers.phone``, ``query.limit``, ``body``")
    code: str = Field(description="Stable code of the problem: ``field.required``, ``field.too_long`` ...")
    message: Bilingual


class ErrorDetail(BaseModel):
    model_config = DEFERRED

    code: str = Field(description="Stable code for programs: ``draft.not_found``, ``request.invalid`` ...")
    message: Bilingual
    details: list[FieldProblem] | None = Field(default=None, description="Per-field problems, when fields are at fault")
    details_omitted: int | None = Field(default=None, description="Field problems found beyond those listed")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer of the API, API Gateway's own included."""

    model_config = ConfigDict(title="Error", defer_build=True)

    error: ErrorDetail


# --- information --------------------------------------------------------------------------------------------
class Unit(ApiModel):
    name: Bilingual
    phone: str | None = None
    email: str | None = None


class OfficeHours(ApiModel):
    opens: str
    closes: str
    weekdays: list[str] = Field(description="mon ... sun")
    timezone: str


class IdentityProvider(ApiModel):
    id: str
    name: Bilingual
    ial: str


class Agency(ApiModel):
    id: str
    name: Bilingual
    domain: str
    saraban_email: str | None = None
    address: dict[str, Any]
    records_office_phone: str
    units: dict[str, Unit]
    office_hours: OfficeHours
    closures: list[str] = Field(description="Days the office is closed besides weekends (ISO dates)")
    identity_providers: list[IdentityProvider]
    statuses: dict[str, Bilingual] = Field(description="Label of every request status")


class ServiceSummary(ApiModel):
    id: str
    name: Bilingual
    description: Bilingual
    sla_working_days: int
    has_fee: bool
    public_register: bool


class ServiceList(ApiModel):
    services: list[ServiceSummary]


class ServiceDetail(ServiceSummary):
    form: list[dict[str, Any]] = Field(description="The e-Form: one object a field, in order")
    documents: list[dict[str, Any]] = Field(description="Documents to attach, with formats and size limits")
    fee: dict[str, Any] | None
    approval_steps: list[dict[str, Any]]
    more_documents_deadline: dict[str, Any]
    payment_deadline: dict[str, Any]
    estamp_required: bool
    identity_level: str
    declaration: Bilingual
    licence: dict[str, Any]
    contact: dict[str, Any]


class Announcement(ApiModel):
    """One of the agency's announcements (Act §10, §13(1), §16): drafted, issued once, maybe superseded."""

    id: str
    kind: str
    state: str | None = None
    title: Any = None
    number: Any = None
    issued_on: str | None = None
    pdf_url: str | None = Field(default=None, description="The sealed PDF, served from storage")
    sha256: str | None = None


class AnnouncementPage(ApiModel):
    announcements: list[Announcement]
    next_cursor: str | None


# --- citizens: profile, drafts, attachments ---------------------------------------------------------------
class MyProfile(ApiModel):
    full_name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class Attachment(ApiModel):
    id: str
    document_id: str
    file_name: str
    state: str = Field(description="awaiting_upload, accepted, rejected, replaced or detached (taken out)")
    format: str | None = None
    size: int | None = None
    sha256: str | None = None
    rejection: dict[str, Any] | None = Field(default=None, description="Why a file was rejected (error shape)")


class OnBehalfOf(ApiModel):
    kind: str
    name: str
    identifier: str


class Draft(ApiModel):
    id: str
    service_id: str
    state: str = Field(description="open, discarded or submitted")
    answers: dict[str, Any]
    attachments: dict[str, Attachment]
    on_behalf_of: OnBehalfOf | None = None
    estamp_code: str | None = None
    created_at: str
    updated_at: str
    request_id: str | None = None


class DraftList(ApiModel):
    drafts: list[Draft]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page; null on the last page")


class PresignedUpload(ApiModel):
    method: str
    url: str
    expires_in: int


class UploadLimits(ApiModel):
    max_size_bytes: int
    formats: list[str]


class UploadOffer(ApiModel):
    attachment: Attachment
    upload: PresignedUpload
    limits: UploadLimits


class CheckedAttachment(ApiModel):
    attachment: Attachment


class ServiceRef(ApiModel):
    id: str
    name: Bilingual


class SummaryRow(ApiModel):
    name: str
    label: str
    value: str


class Confirmation(ApiModel):
    draft_id: str
    service: ServiceRef
    rows: list[SummaryRow]
    attachments: list[dict[str, Any]]
    on_behalf_of: OnBehalfOf | None = None
    estamp_code: str | None = None
    fee_satang: int
    declaration: str
    content_hash: str = Field(description="SHA-256 of what is submitted; send it back to submit")


# --- citizens: requests ---------------------------------------------------------------------------------------
class RequestSummary(ApiModel):
    id: str
    reference: str
    service: ServiceRef
    status: str
    status_label: Bilingual
    submitted_at: str
    receipt_number: str | None = None
    deemed_received_at: str | None = None
    due_at: str | None = None
    fee_satang: int
    licence_number: str | None = None
    contact: dict[str, Any]


class HistoryEntry(ApiModel):
    status: str
    label: Bilingual
    at: str
    by: Any = Field(description="Who: ``applicant``/``officer``/``system``, or the officer's id and role")
    reason: str | None = None


class RequestDetail(RequestSummary):
    history: list[HistoryEntry]
    next_step: Bilingual | None = None
    deadline: str | None = None
    attachments: list[dict[str, Any]]
    documents: dict[str, Any]
    intent: dict[str, Any]
    timestamp_token: bool
    more_documents: dict[str, Any] | None = None
    thread: list[dict[str, Any]] = Field(
        default_factory=list, description="Messages with the officers, each with its deemed time of receipt (R-2.4)"
    )
    paper_copies: list[dict[str, Any]] = Field(
        default_factory=list, description="Paper-copy requests (R-4.7): open, handed_over, posted or declined"
    )
    dismissal: dict[str, Any] | None = Field(
        default=None, description="Why the request was dismissed, what follows and how to appeal (Q4.6)"
    )


class RequestList(ApiModel):
    requests: list[RequestSummary]
    next_cursor: str | None


class DocumentLink(ApiModel):
    url: str = Field(description="Short-lived download link")
    file_name: str


# --- payments -------------------------------------------------------------------------------------------------
class PaymentRow(ApiModel):
    transaction_id: str
    provider: str | None = None
    channel: str | None = None
    ref1: str | None = None
    ref2: str | None = None
    amount_satang: int
    status: str
    paid_at: str | None = None
    received_at: str | None = None
    request_id: str | None = None
    mismatch: str | None = None


class PaymentNotice(ApiModel):
    invoice_number: str
    amount_satang: int
    amount_baht: str
    due_at: str
    ref1: str
    ref2: str
    qr_payload: str = Field(description="Thai QR (PromptPay bill payment) payload")
    qr_svg: str
    qr_png: str
    channels: list[str]
    account_name: Bilingual
    bank: Bilingual
    how_to_confirm: Bilingual
    paid: dict[str, Any] | None = None
    payments: list[PaymentRow]


class CardCheckout(ApiModel):
    redirect_url: str
    provider: str


class Slip(ApiModel):
    id: str
    request_id: str
    transaction_reference: str
    paid_on: str
    amount_satang: int
    state: str = Field(description="pending, verified or rejected")
    submitted_at: str
    reason: str | None = None
    attachment: dict[str, Any]
    url: str | None = Field(default=None, description="Download link of the proof (finance's list)")


class SlipList(ApiModel):
    slips: list[Slip]
    next_cursor: str | None


class SlipOutcome(ApiModel):
    """What a slip decision did: rejected, or recorded as a payment (settled, held or a mismatch)."""

    slip: str | None = None
    state: str | None = None
    recorded: bool | None = None
    settled: str | None = None
    held: bool | None = None
    mismatch: str | None = None


class WebhookReceipt(ApiModel):
    """What became of the provider's message: recorded once, applied, held, or a duplicate."""

    duplicate: bool | None = None
    event: str | None = None
    recorded: bool | None = None
    status: str | None = None
    reason: str | None = None
    transaction: str | None = None
    settled: str | None = None
    held: bool | None = None
    mismatch: str | None = None


class Reconciliation(ApiModel):
    date: str
    payments: list[PaymentRow]
    totals_satang: dict[str, int]
    total_satang: int
    mismatches: list[PaymentRow]
    cursor: str | None


# --- officers -------------------------------------------------------------------------------------------------
class OfficerMe(ApiModel):
    id: str
    email: str | None = None
    groups: list[str]


class Waiting(ApiModel):
    step: str
    role: str
    decisions: list[str]
    deadline_at: str | None = None


class WorkItem(ApiModel):
    id: str
    service: ServiceRef
    status: str
    status_label: Bilingual
    receipt_number: str | None = None
    submitted_at: str
    deemed_received_at: str | None = None
    due_at: str | None = None
    sla_state: str | None = None
    updated_at: str
    is_new: bool
    fee_satang: int
    contact_problem: bool
    saga_failed: bool
    waiting: Waiting | None = None
    #: R-2.1: the unit the request is routed to.
    unit: str | None = None


class WorkList(ApiModel):
    requests: list[WorkItem]
    next_cursor: str | None


class Digest(ApiModel):
    generated_at: str
    since: str
    new: list[WorkItem]
    changed: list[WorkItem]
    due_soon: list[WorkItem]
    overdue: list[WorkItem]
    mine: list[WorkItem]


class OfficerRequestDetail(ApiModel):
    request: WorkItem
    rows: list[SummaryRow]
    on_behalf_of: OnBehalfOf | None = None
    estamp_code: str | None = None
    attachments: list[dict[str, Any]]
    documents: dict[str, Any]
    history: list[HistoryEntry]
    notes: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    intent: dict[str, Any] | None = None
    timestamp_token: bool
    messages: list[dict[str, Any]]
    contact_problems: list[Any]
    unreachable: Any = None
    saga_failure: dict[str, Any] | None = None
    thread: list[dict[str, Any]] = Field(default_factory=list, description="Messages with the applicant")
    paper_copies: list[dict[str, Any]] = Field(default_factory=list, description="Paper-copy requests (R-4.7)")


# --- register and verification --------------------------------------------------------------------------------
class LicenceEntry(ApiModel):
    """A licence of the public register in full; any other licence answers only whether it is valid."""

    licence_number: str
    status: str = Field(description="in_force, suspended, revoked or expired")
    on_public_register: bool | None = None
    valid: bool | None = None
    service_id: str | None = None
    title: Bilingual | None = None
    holder: str | None = None
    fields: dict[str, Any] | None = None
    issued_at: str | None = None
    valid_until: str | None = None
    document_sha256: str | None = None
    history: list[dict[str, Any]] | None = None
    suspended_until: str | None = None
    business_name: str | None = None
    area: str | None = None
    imported: bool | None = Field(default=None, description="A paper licence of the back catalogue (R-5.2)")
    image: dict[str, Any] | None = Field(
        default=None, description="Act §13(1): the licence's image (its sealed PDF, or the scan), a short-lived link"
    )


class LicencePage(ApiModel):
    licences: list[LicenceEntry]
    next_cursor: str | None


class PublicLicence(ApiModel):
    licence: LicenceEntry


class ScanOffer(ApiModel):
    scan_id: str
    file_name: str
    upload: PresignedUpload


class ImportRowError(ApiModel):
    row: int = Field(description="The row of the file (the header is row 1)")
    licence_number: str | None
    code: str
    message: Bilingual
    field: str | None = None


class LicenceImportReport(ApiModel):
    rows: int
    imported: list[str]
    unchanged: list[str] = Field(description="Rows imported before, identical: nothing changed")
    errors: list[ImportRowError]


class OpenDataReport(ApiModel):
    published: bool
    sha256: str
    files: dict[str, str] | None = None
    ckan: dict[str, Any] | None = None
    parent_agency: dict[str, Any] | None = None


class Verification(ApiModel):
    report: dict[str, Any] = Field(description="Signatures, signer, time, timestamp, changes after signing")
    sha256: str
    issued_by_us: bool
    licence: LicenceEntry | None = None


# --- officers' reads, channels, LINE ------------------------------------------------------------------------
class AccessLogEntry(ApiModel):
    at: str
    by: dict[str, Any] = Field(description="The officer's id and role (never the applicant's data)")
    action: str = Field(description="request.read or file.download")
    target: dict[str, Any] | None = None


class AccessLogPage(ApiModel):
    entries: list[AccessLogEntry]
    next_cursor: str | None


class FileLink(ApiModel):
    url: str = Field(description="Short-lived download link")
    file_name: str
    expires_in: int


class EmailChannel(ApiModel):
    on: bool
    address: str | None


class SmsChannel(ApiModel):
    on: bool
    phone: str | None


class LineChannel(ApiModel):
    available: bool
    linked: bool
    on: bool
    official_account: str | None


class Channels(ApiModel):
    email: EmailChannel
    sms: SmsChannel
    line: LineChannel


class LineLinkCode(ApiModel):
    code: str = Field(description="Send it as a chat message to the agency's LINE Official Account")
    expires_at: str
    official_account: str | None


class LineWebhookOutcome(ApiModel):
    linked: int
    unlinked: int


# --- registers of correspondence and units (R-2.1, R-2.5, R-4.9) ------------------------------------------------
class CorrespondenceEntry(ApiModel):
    """One entry of the receiving (ทะเบียนหนังสือรับ) or dispatch (ทะเบียนหนังสือส่ง) register."""

    #: Which register: ``received`` or ``dispatched``.
    book: str
    year: int
    number: int
    label: str
    channel: str
    document_number: str | None = None
    document_date: str | None = None
    sender: str | None = None
    addressee: str | None = None
    subject: str | None = None
    action: str | None = None
    remarks: str | None = None
    received_at: str | None = None
    sent_at: str | None = None
    entered_at: str
    corrects: str | None = None
    request_id: str | None = None


class CorrespondencePage(ApiModel):
    entries: list[CorrespondenceEntry]
    next_cursor: str | None


class ScanUploadOffer(ApiModel):
    """Where to upload the scan of a letter entered by hand (a signed S3 form), and its limits."""

    scan: dict[str, Any]
    upload: dict[str, Any]
    limits: dict[str, Any]


class OfficerUnits(ApiModel):
    username: str
    units: list[str]


class OfficerLicence(LicenceEntry):
    """A licence as the records officer, the head and the administrator see it (never public)."""

    holder_contact: dict[str, Any] | None = Field(
        default=None, description="PDPA: the holder's e-mail, mobile phone and postal address (paper licences)"
    )
    holder_contact_history: list[dict[str, Any]] = Field(
        default_factory=list, description="Each addition or correction: when, by whom, why, the previous value"
    )
    holder_notices: list[dict[str, Any]] = Field(
        default_factory=list, description="Each status notice to the holder: sending, sent or not_reached (why)"
    )
    holder_not_reached: bool = False
    request_born: bool = False


class OfficerLicenceList(BaseModel):
    model_config = DEFERRED

    licences: list[OfficerLicence]
