"""Tenant configuration: one file per agency, validated once, read by CDK, the functions and the web.

A tenant is one state agency (a municipality, a department office, ...) that deploys its own stack.
Its file under ``tenants/<id>.yaml`` holds everything that differs between agencies: names, contact
details, office hours and closures (R-2.4), the services it offers with their e-Form schema (Q3),
required documents (Q3.4), fee rule (Q6), approval steps (Q5.4), SLA (Q4.5), licence template (Q7)
and public display (R-5), plus payment, notification, signing and open-data settings.
"""

from __future__ import annotations

import os
import re
import threading
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

__all__ = [
    "COMPILED_SUFFIX",
    "MINIMUM_FORMATS",
    "OFFICER_GROUPS",
    "ApprovalStep",
    "DeadlineRule",
    "DocumentFormat",
    "FeeRule",
    "FieldOption",
    "FieldType",
    "FormField",
    "LicenceTemplate",
    "Localized",
    "OfficeHours",
    "RequiredDocument",
    "Security",
    "Service",
    "Tenant",
    "TenantConfigError",
    "compile_tenant",
    "examples_dir",
    "load_all_tenants",
    "load_tenant",
    "tenants_dir",
]

#: Officer groups in the officer user pool (Q9.1). Approval steps name one of them. ``records``: the records
#: office (สารบรรณ), which keeps the registers of correspondence (R-2.5, R-4.9).
OFFICER_GROUPS: tuple[str, ...] = ("reviewer", "approver", "signer", "finance", "head", "admin", "records")

_SLUG = r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$"
_IDENT = r"^[a-z][a-z0-9_]{0,40}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Model):
    """A text shown to people: Thai first, English for the language switch."""

    th: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


class FieldType(StrEnum):
    """The kinds of e-Form input (Q3.3: dropdowns, checklists, date pickers)."""

    TEXT = "text"
    TEXTAREA = "textarea"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"  # dropdown, one value
    CHECKLIST = "checklist"  # several values
    BOOLEAN = "boolean"
    NATIONAL_ID = "national_id"  # 13-digit Thai id with checksum
    PHONE = "phone"
    EMAIL = "email"


class FieldOption(_Model):
    value: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
    label: Localized


class FormField(_Model):
    """One e-Form field; the same definition drives validation, the web form and the PDF."""

    name: Annotated[str, Field(pattern=_IDENT)]
    type: FieldType
    label: Localized
    required: bool = True
    help: Localized | None = None
    options: tuple[FieldOption, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    max_length: Annotated[int, Field(gt=0, le=5000)] = 200
    date_not_before_today: bool = False
    date_not_after_today: bool = False
    #: Q3.2: where a previous answer or the applicant's profile pre-fills this field.
    prefill: Literal["full_name", "national_id", "phone", "email", "address"] | None = None
    #: shown on the licence / register (R-5.1) when the service's template lists it.
    public: bool = False
    #: issue 13: the e-Form is shown a page (one topic) at a time; a field with ``page`` starts a new page
    #: under that heading, the fields after it stay on it. A form without any ``page`` is one page.
    page: Localized | None = None

    @model_validator(mode="after")
    def _options_match_type(self) -> FormField:
        has_options = bool(self.options)
        needs_options = self.type in (FieldType.CHOICE, FieldType.CHECKLIST)
        if needs_options and not has_options:
            raise ValueError(f"field '{self.name}' of type {self.type} needs options")
        if has_options and not needs_options:
            raise ValueError(f"field '{self.name}' of type {self.type} cannot have options")
        values = [o.value for o in self.options]
        if len(values) != len(set(values)):
            raise ValueError(f"field '{self.name}' has duplicate option values")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"field '{self.name}': min_value is greater than max_value")
        return self


class DocumentFormat(StrEnum):
    """File formats the e-Service accepts (R-3.3: at least PDF, DOC, DOCX, TXT, JPEG)."""

    PDF = "pdf"
    DOC = "doc"
    DOCX = "docx"
    TXT = "txt"
    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"
    BMP = "bmp"


#: R-3.3: the formats every e-Service accepts in every upload slot; a tenant may add others, never remove these.
MINIMUM_FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat.PDF,
    DocumentFormat.DOC,
    DocumentFormat.DOCX,
    DocumentFormat.TXT,
    DocumentFormat.JPEG,
)


class RequiredDocument(_Model):
    """One upload slot on the form (Q3.4): name, formats, size limit and an example."""

    id: Annotated[str, Field(pattern=_IDENT)]
    name: Localized
    #: R-3.3: at least MINIMUM_FORMATS (the default); a file that leaves one out is refused.
    formats: Annotated[tuple[DocumentFormat, ...], Field(min_length=1)] = MINIMUM_FORMATS
    max_size_mb: Annotated[float, Field(gt=0, le=50)] = 10
    required: bool = True
    explanation: Localized
    #: where an applicant may bring a file that is too large (Q3.4).
    oversize_route: Localized | None = None
    #: Q3.4: the oversize place: a separate upload, for this applicant's request only, of a file up to this
    #: size; the file is flagged oversize for the officers. None: no such place (only ``oversize_route``).
    oversize_max_mb: Annotated[float, Field(gt=0, le=2048)] | None = None
    #: Q3.4: an example of the document, a PDF or image in ``tenants/<tenant id>/examples/``, served at
    #: ``/examples/<file>`` and linked from the form ("ดูตัวอย่าง / See an example").
    example: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,80}\.(pdf|png|jpg|jpeg)$")] | None = None

    @field_validator("formats")
    @classmethod
    def _at_least_the_minimum(cls, formats: tuple[DocumentFormat, ...]) -> tuple[DocumentFormat, ...]:
        missing = [f.value for f in MINIMUM_FORMATS if f not in formats]
        if missing:
            raise ValueError(
                "R-3.3: every document slot must accept at least pdf, doc, docx, txt and jpeg; "
                f"this one leaves out {', '.join(missing)}. A tenant may add formats, never remove these."
            )
        if len(set(formats)) != len(formats):
            raise ValueError("a format is listed twice")
        return formats

    @model_validator(mode="after")
    def _oversize_is_larger(self) -> RequiredDocument:
        if self.oversize_max_mb is not None and self.oversize_max_mb <= self.max_size_mb:
            raise ValueError(f"oversize_max_mb must be larger than max_size_mb ({self.max_size_mb:g})")
        return self


class FeeRule(_Model):
    """Q6.1: a fixed fee, or a rate per unit of a numeric form field; amounts in satang."""

    kind: Literal["fixed", "per_unit"]
    amount_satang: Annotated[int, Field(ge=0)] = 0
    unit_field: str | None = None
    rate_satang: Annotated[int, Field(ge=0)] = 0
    minimum_satang: Annotated[int, Field(ge=0)] = 0
    maximum_satang: Annotated[int, Field(ge=0)] | None = None
    description: Localized

    @model_validator(mode="after")
    def _kind_fields(self) -> FeeRule:
        if self.kind == "per_unit" and (self.unit_field is None or self.rate_satang <= 0):
            raise ValueError("a per_unit fee needs unit_field and a positive rate_satang")
        if self.kind == "fixed" and self.unit_field is not None:
            raise ValueError("a fixed fee cannot name a unit_field")
        return self


class ApprovalStep(_Model):
    """Q5.4: one step of the agency's approval workflow, done by an officer group."""

    role: str
    name: Localized

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role not in OFFICER_GROUPS:
            raise ValueError(f"unknown officer group '{role}' (one of {', '.join(OFFICER_GROUPS)})")
        return role


class DeadlineRule(_Model):
    """A deadline counted from an event, in working or calendar days (Q4.5, R-3.1, Q6.8)."""

    amount: Annotated[int, Field(gt=0, le=365)]
    unit: Literal["working_days", "calendar_days"] = "working_days"


class LicenceTemplate(_Model):
    """Q7.1-7.5: what the issued document says."""

    title: Localized
    number_prefix: Annotated[str, Field(pattern=r"^[A-Z0-9ก-๙.-]{1,12}$")]
    validity_days: Annotated[int, Field(gt=0)] | None = None
    fields: tuple[str, ...] = ()
    conditions: tuple[Localized, ...] = ()
    #: The law the licence is issued under, as the Act §13(1) announcement names it after
    #: "ตามกฎหมายว่าด้วย" (e.g. ``{th: การสาธารณสุข, en: public health}``); required when the licence
    #: is on the public register, since the announcement must list each such licence with its law.
    law: Localized | None = None

    #: Q7.1: what the agency adds to the licence (conditions, a location code, an inspection date), filled
    #: by the reviewer or an approver before the draft is made, validated like form fields; ``public``
    #: ones also go on the register (R-5.1) when the service is on it. ``required`` ones must be filled
    #: before the last approval.
    officer_fields: tuple[FormField, ...] = ()

    @field_validator("officer_fields")
    @classmethod
    def _officer_fields(cls, fields: tuple[FormField, ...]) -> tuple[FormField, ...]:
        names = [f.name for f in fields]
        if len(names) != len(set(names)):
            raise ValueError("duplicate officer field names")
        prefilled = [f.name for f in fields if f.prefill]
        if prefilled:
            raise ValueError(f"officer fields are not pre-filled from the applicant: {', '.join(prefilled)}")
        return fields


class Service(_Model):
    """One e-Service of the agency (a licence, permit or certificate)."""

    id: Annotated[str, Field(pattern=_SLUG)]
    name: Localized
    description: Localized
    keywords: tuple[str, ...] = ()
    responsible_unit: str
    form: Annotated[tuple[FormField, ...], Field(min_length=1)]
    documents: tuple[RequiredDocument, ...] = ()
    fee: FeeRule | None = None
    approval_steps: Annotated[tuple[ApprovalStep, ...], Field(min_length=1)]
    sla_working_days: Annotated[int, Field(gt=0, le=365)]
    more_documents_deadline: DeadlineRule = DeadlineRule(amount=7, unit="working_days")
    payment_deadline: DeadlineRule = DeadlineRule(amount=15, unit="calendar_days")
    licence: LicenceTemplate
    public_register: bool = False
    estamp_required: bool = False
    #: R-3.4: the identity assurance level the risk assessment sets for this service.
    identity_level: Literal["IAL1", "IAL2"] = "IAL1"
    #: Q8.1 / Q8.2: the issued document is sent at once, or when an officer gives the command.
    delivery: Literal["automatic", "on_command"] = "automatic"
    declaration: Localized = Localized(
        th="ข้าพเจ้าขอรับรองว่าข้อความและเอกสารที่ยื่นมาพร้อมนี้เป็นความจริงทุกประการ",
        en="I certify that the statements and documents submitted herewith are true in every respect.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        names = [f.name for f in self.form]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"duplicate form field names: {', '.join(sorted(dupes))}")
        doc_ids = [d.id for d in self.documents]
        if len(doc_ids) != len(set(doc_ids)):
            raise ValueError("duplicate document ids")
        by_name = {f.name: f for f in self.form}
        if self.fee is not None and self.fee.kind == "per_unit":
            unit = by_name.get(self.fee.unit_field or "")
            if unit is None or unit.type not in (FieldType.INTEGER, FieldType.NUMBER):
                raise ValueError(f"fee unit_field '{self.fee.unit_field}' must be a numeric form field")
        unknown = [f for f in self.licence.fields if f not in by_name]
        if unknown:
            raise ValueError(f"licence fields not in the form: {', '.join(unknown)}")
        if self.public_register and self.licence.law is None:
            raise ValueError(
                "a licence on the public register must name licence.law, the law it is issued under "
                "(the Act §13(1) announcement lists it)"
            )

        clash = [f.name for f in self.licence.officer_fields if f.name in by_name]
        if clash:
            raise ValueError(f"officer fields named like form fields: {', '.join(clash)}")
        return self

    @property
    def has_fee(self) -> bool:
        """Whether the saga waits for a payment."""
        return self.fee is not None and (self.fee.amount_satang > 0 or self.fee.rate_satang > 0)

    def field(self, name: str) -> FormField:
        """The form field called ``name`` (KeyError if there is none)."""
        for f in self.form:
            if f.name == name:
                return f
        raise KeyError(name)


class OfficeHours(_Model):
    """R-2.4: the agency's office hours; outside them a submission is received next working day."""

    opens: time = time(8, 30)
    closes: time = time(16, 30)
    weekdays: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = (
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    )
    timezone: str = "Asia/Bangkok"
    public_holidays: bool = True

    @field_validator("opens", "closes", mode="before")
    @classmethod
    def _quoted_time(cls, value: Any) -> Any:
        # YAML reads an unquoted 16:30 as the number 990 (sexagesimal), which pydantic would take as seconds.
        if not isinstance(value, str | time):
            raise ValueError('write the time in quotes, e.g. "16:30"')
        return value

    @model_validator(mode="after")
    def _ordered(self) -> OfficeHours:
        if self.opens >= self.closes:
            raise ValueError("office hours must open before they close")
        return self


class Phones(_Model):
    """R-2.3: the records office (งานสารบรรณ) and each responsible unit."""

    records_office: Annotated[str, Field(pattern=r"^0[0-9]{1,2}-?[0-9]{3}-?[0-9]{3,4}$")]


class Unit(_Model):
    name: Localized
    phone: Annotated[str, Field(pattern=r"^0[0-9]{1,2}-?[0-9]{3}-?[0-9]{3,4}$")]
    email: str | None = None


class Payment(_Model):
    """R-3.5, Q6: the agency's account and the Thai QR biller id (13-digit tax id + 2-digit suffix)."""

    biller_id: Annotated[str, Field(pattern=r"^[0-9]{15}$")]
    account_name: Localized
    bank: Localized
    channels: tuple[Literal["thai_qr", "card", "bank_counter", "slip_upload"], ...] = (
        "thai_qr",
        "slip_upload",
    )
    provider: Literal["local-simulator", "generic-hmac"] = "local-simulator"
    #: the provider's hosted card page (generic-hmac); the local simulator serves its own.
    checkout_url: str | None = None
    on_deadline: Literal["dismissal"] = "dismissal"


class Notifications(_Model):
    """Channels used to reach applicants and officers (R-4.6, Q4.4).

    Applicants get e-mail from the agency's saraban address (``Tenant.saraban_email``); ``email_from``
    sends what is not an official communication (sign-in codes, the officers' digest). The LINE
    channel's secret and access token live in the stack's LINE secret, never in this file."""

    email_from: str
    #: the alphanumeric sender id of SMS (AWS.SNS.SMS.SenderID): 1-11 letters and digits, one letter at least.
    sms_sender: Annotated[str, Field(pattern=r"^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$", max_length=11)] | None = None
    line_enabled: bool = False
    #: the agency's LINE Official Account id (``@klongnoy``): where applicants send their link code.
    line_official_account: Annotated[str, Field(pattern=r"^@[a-z0-9._-]{1,40}$")] | None = None
    #: how long a LINE link code works.
    line_link_code_minutes: Annotated[int, Field(ge=5, le=1440)] = 30

    @model_validator(mode="after")
    def _line_needs_account(self) -> Notifications:
        if self.line_enabled and not self.line_official_account:
            raise ValueError("line_enabled needs line_official_account (the @id applicants send their code to)")
        return self


class Signing(_Model):
    """R-4.3-4.5: the organisational certificate that seals documents sent to citizens."""

    mode: Literal["local-pki", "certificate"] = "local-pki"
    certificate_s3_key: str | None = None
    chain_s3_key: str | None = None
    tsa_url: str | None = None
    signer_title: Localized
    auto_seal: tuple[Literal["acknowledgment", "receipt", "invoice", "notice"], ...] = (
        "acknowledgment",
        "receipt",
        "invoice",
    )

    @model_validator(mode="after")
    def _certificate_needs_key(self) -> Signing:
        if self.mode == "certificate" and not self.certificate_s3_key:
            raise ValueError("signing mode 'certificate' needs certificate_s3_key")
        return self


class OpenData(_Model):
    """R-5.3: publication of the licence register on a CKAN portal (data.go.th)."""

    enabled: bool = False
    ckan_url: str = "https://data.go.th"
    organization: str | None = None
    dataset: str | None = None
    #: The metadata the Thai government data catalogue (data.go.th, DGA) asks of every dataset; the CKAN
    #: URL may be overridden per stack (``CKAN_URL``), the API key is in the channel keys secret (``ckan_api_key``).
    title: Localized | None = None
    description: Localized | None = None
    maintainer: str | None = None
    maintainer_email: str | None = None
    tags: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = ()
    objective: str | None = None
    #: How often the dataset is updated: the register is exported at each month-end with changes.
    update_frequency: Literal["daily", "weekly", "monthly", "quarterly", "yearly"] = "monthly"
    geographic_coverage: str | None = None
    data_source: str | None = None
    license_id: str = "Open Data Common"
    category: str | None = None
    #: R-5.3: the parent agency that also receives each export (by e-mail with the files).
    parent_agency: Localized | None = None
    parent_agency_email: str | None = None

    @model_validator(mode="after")
    def _catalogue_metadata(self) -> OpenData:
        if self.enabled:
            required = (
                "organization",
                "dataset",
                "title",
                "description",
                "maintainer",
                "maintainer_email",
                "objective",
                "geographic_coverage",
                "data_source",
                "category",
            )
            missing = [name for name in required if not getattr(self, name)]
            if not self.tags:
                missing.append("tags")
            if missing:
                raise ValueError(f"open_data is enabled but lacks the catalogue's metadata: {', '.join(missing)}")
        for name in ("maintainer_email", "parent_agency_email"):
            value = getattr(self, name)
            if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
                raise ValueError(f"open_data.{name} is not an e-mail address")
        if self.parent_agency_email and not self.parent_agency:
            raise ValueError("open_data.parent_agency_email needs parent_agency (its name)")
        return self


class Security(_Model):
    """How uploads are guarded beyond the content checks every agency gets (Q9.2).

    ``malware_scanning`` turns on GuardDuty Malware Protection for S3 on the uploads bucket: every file
    uploaded to ``quarantine/`` is scanned and tagged, and an attachment is accepted only once its scan
    found no threats (the local stack runs a stand-in scanner that tags the same way). GuardDuty charges
    per GB scanned. ``quarantine_days``: how long an unchecked or refused upload is kept in quarantine
    before the bucket's lifecycle rule removes it; accepted files are copied out of quarantine first.
    """

    malware_scanning: bool = False
    quarantine_days: Annotated[int, Field(ge=1, le=3650)] = 30


#: R-4.8 / Regulation on Correspondence (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ): what a register must
#: keep. Records are kept at least ten years (clause 57), so the object lock that stops their deletion
#: may not be shorter; a record may leave the live system for cold storage no sooner than a year after it
#: was made (a request may still be appealed or reopened), and issued documents, which the public licence
#: register and verification serve, only to a class that answers at once (Glacier Instant Retrieval).
REGISTER_KEEPS_DAYS = 3650
LIVE_AT_LEAST_DAYS = 365
ArchiveClass = Literal["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]


class RecordRetention(_Model):
    """One record type: when it moves to cold storage (after backup) and how long it is locked."""

    archive_after_days: Annotated[int, Field(ge=LIVE_AT_LEAST_DAYS, le=36500)]
    storage_class: ArchiveClass = "GLACIER"
    lock_days: Annotated[int, Field(ge=REGISTER_KEEPS_DAYS, le=36500)] = REGISTER_KEEPS_DAYS


class Retention(_Model):
    """R-4.8: retention per record type, set by the head of the agency (seed 003 standard §4.8).

    Nothing is deleted: archiving moves the oldest objects of a record type to a cold S3 storage class
    (lifecycle transitions derived from these settings, ``infra/stack.py``), after the data was backed
    up (point-in-time recovery of the table, S3 versions). Table items are never deleted nor expired:
    the table is exported to the archive bucket, whose exports go cold in turn. The loader refuses a
    setting shorter than what a register must keep.

    - ``evidence``: the citizens' accepted uploads (``clean/`` in the uploads bucket);
    - ``issued_documents``: sealed licences, notices, receipts (documents bucket);
    - ``table_exports``: the table's exports (archive bucket).
    """

    evidence: RecordRetention = RecordRetention(archive_after_days=730, storage_class="GLACIER")
    issued_documents: RecordRetention = RecordRetention(archive_after_days=1825, storage_class="GLACIER_IR")
    table_exports: RecordRetention = RecordRetention(archive_after_days=365, storage_class="DEEP_ARCHIVE")
    #: How often the table is exported to the archive bucket (days).
    table_export_every_days: Annotated[int, Field(ge=1, le=31)] = 7

    @model_validator(mode="after")
    def _registers_stay_readable(self) -> Retention:
        # The public register and verification serve issued documents at once: no restore wait.
        if self.issued_documents.storage_class != "GLACIER_IR":
            raise ValueError(
                "issued_documents must stay instantly readable (storage_class GLACIER_IR): the licence register "
                "and verification serve them"
            )
        return self


#: Citizen pool attributes an identity provider's claims may fill (Cognito's attribute mapping).
_POOL_ATTRIBUTE = (
    r"^(custom:[A-Za-z0-9_]{1,20}|address|birthdate|email|email_verified|family_name|gender|given_name|locale|"
    r"middle_name|name|nickname|phone_number|phone_number_verified|picture|preferred_username|profile|updated_at|"
    r"website|zoneinfo)$"
)


class OidcProvider(_Model):
    """Q2.2: a Digital ID provider (ThaID / D.DOPA style OIDC) the agency accepts.

    ``id`` is also the provider's name in the citizen user pool: Cognito names the users it creates
    ``<id>_<subject>`` and puts them in the group ``<pool id>_<id>``, which is how a token shows
    that the citizen signed in with this provider (and so at its ``ial``).
    """

    id: Annotated[str, Field(pattern=_SLUG)]
    name: Localized
    issuer: Annotated[str, Field(pattern=r"^https?://[^\s?#]+$")]
    client_id: Annotated[str, Field(min_length=1)]
    ial: Literal["IAL1", "IAL2", "IAL2.3"] = "IAL2"
    #: OAuth scopes asked of the provider (``openid`` is required).
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    #: the Secrets Manager secret (plain text) holding the client secret the provider issued;
    #: the agency creates it before deploying. Default: ``eservice/<tenant id>/oidc/<provider id>``.
    client_secret_name: Annotated[str, Field(pattern=r"^[A-Za-z0-9/_+=.@-]{1,512}$")] | None = None
    #: citizen pool attribute → the provider's claim that fills it, applied at every sign-in.
    attribute_mapping: dict[Annotated[str, Field(pattern=_POOL_ATTRIBUTE)], Annotated[str, Field(min_length=1)]] = {
        "email": "email",
        "name": "name",
    }

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, scopes: tuple[str, ...]) -> tuple[str, ...]:
        if "openid" not in scopes:
            raise ValueError("an OpenID Connect provider needs the 'openid' scope")
        return scopes

    def secret_name(self, tenant_id: str) -> str:
        """The name of the Secrets Manager secret that holds this provider's client secret."""
        return self.client_secret_name or f"eservice/{tenant_id}/oidc/{self.id}"


class Tenant(_Model):
    """One agency: everything its stack needs to know."""

    id: Annotated[str, Field(pattern=_SLUG)]
    name: Localized
    domain: str
    saraban_email: str
    address: Localized
    head_title: Localized
    phones: Phones
    units: dict[str, Unit]
    office_hours: OfficeHours = OfficeHours()
    closures: tuple[date, ...] = ()
    services: Annotated[tuple[Service, ...], Field(min_length=1)]
    payment: Payment
    notifications: Notifications
    signing: Signing
    open_data: OpenData = OpenData()
    security: Security = Security()
    identity_providers: tuple[OidcProvider, ...] = ()
    #: The agency's applications through which people may send requests, as the Act §10 announcement
    #: names them in its item (3) (e.g. "ไลน์ @opengov"); none: the item is left out, as the template allows.
    applications: tuple[Localized, ...] = ()
    #: trusted roots for incoming signed PDFs (R-3.3.6), as PEM files beside the tenant file.
    trust_list: tuple[str, ...] = ()
    #: R-4.8: retention per record type (archiving to cold storage; never shorter than a register keeps).
    retention: Retention = Retention()
    #: Issue 14: a table deployed before its indexes were lean (whole items in GSI1..GSI4) moves to the lean
    #: ones in eight deployments, one index each (``eservice.dynamo.table_indexes``; README "Upgrading an
    #: agency deployed before"). Unset for a new agency, and for one whose table has no index yet.
    index_upgrade_step: Annotated[int, Field(ge=0, le=8)] | None = None

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", value):
            raise ValueError("not a domain name")
        return value

    @field_validator("saraban_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("services")
    @classmethod
    def _services_consistent(cls, services: tuple[Service, ...], info: ValidationInfo) -> tuple[Service, ...]:
        ids = [s.id for s in services]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate service ids: {', '.join(dupes)}")
        units = info.data.get("units")
        if units is not None:
            for service in services:
                if service.responsible_unit not in units:
                    raise ValueError(
                        f"service '{service.id}' names unknown responsible_unit '{service.responsible_unit}'"
                    )
        return services

    @field_validator("identity_providers")
    @classmethod
    def _unique_providers(cls, providers: tuple[OidcProvider, ...]) -> tuple[OidcProvider, ...]:
        ids = [p.id for p in providers]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate identity provider ids: {', '.join(dupes)}")
        return providers

    def service(self, service_id: str) -> Service:
        """The service with that id (KeyError if the agency does not offer it)."""
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(service_id)


class TenantConfigError(ValueError):
    """A tenant file is invalid; ``problems`` lists (file, field, reason) for each fault."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {field or '<file>'}: {reason}" for field, reason in problems]
        super().__init__("invalid tenant configuration\n" + "\n".join(lines))


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    errors = error.errors()
    locations = [tuple(e["loc"]) for e in errors]
    out = []
    for e in errors:
        loc = tuple(e["loc"])
        # A faulty item also makes pydantic report its list as "too short": that is not a second fault.
        if e["type"] == "too_short" and any(other[: len(loc)] == loc and other != loc for other in locations):
            continue
        out.append((".".join(str(p) for p in loc), e["msg"]))
    return out


def tenants_dir() -> Path:
    """The folder of tenant files (``TENANTS_DIR`` or ``<repo>/tenants``)."""
    import os

    configured = os.environ.get("TENANTS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[4] / "tenants"


def load_tenant(path: Path | str, *, check_files: bool = True) -> Tenant:
    """Read and validate one tenant file; raise TenantConfigError naming file, field and reason.

    ``check_files`` also checks that the files the tenant names beside it (the example documents) exist;
    the functions, whose layer holds the tenant file alone, read it with ``check_files=False``.
    """
    path = Path(path)
    if path.suffix == ".json":
        return _load_compiled(path)
    import yaml  # the agency's file; the functions read its compiled JSON (issue 14, cold start)

    try:
        # libyaml's parser when PyYAML has it (its wheels do): the same safe constructor, several times faster than
        # the pure-Python one.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except FileNotFoundError:
        raise TenantConfigError(path, [("", "file not found")]) from None
    except yaml.YAMLError as exc:
        raise TenantConfigError(path, [("", f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise TenantConfigError(path, [("", "the file must hold a mapping")])
    if raw.get("id") and raw["id"] != path.stem:
        raise TenantConfigError(path, [("id", f"'{raw['id']}' must equal the file name '{path.stem}'")])
    try:
        tenant = Tenant.model_validate(raw)
    except ValidationError as exc:
        raise TenantConfigError(path, _problems(exc)) from None
    if not check_files:
        return tenant
    missing = [
        (f"services.{i}.documents.{j}.example", f"no file {examples_dir(path, tenant.id) / d.example}")
        for i, service in enumerate(tenant.services)
        for j, d in enumerate(service.documents)
        if d.example and not (examples_dir(path, tenant.id) / d.example).is_file()
    ]
    if missing:
        raise TenantConfigError(path, missing)
    return tenant


#: The compiled tenant file's suffix: what the functions' tenant layer holds (``compile_tenant``).
COMPILED_SUFFIX = ".json"


def compile_tenant(tenant: Tenant, source: Path, directory: Path) -> Path:
    """What the functions' tenant layer holds, written to ``directory``: the validated tenant as ``<id>.json``
    (issue 14, cold start: pydantic reads and validates it in about 1 ms where the YAML took about 25 ms plus
    PyYAML's import; it holds every field after validation, so reading it gives the same ``Tenant``) and the
    trust list's certificates (R-3.3.6), which ``source``, the folder of the tenant file, holds beside it.

    Each file is replaced whole (written aside, then renamed): synths running side by side may write it."""
    directory.mkdir(parents=True, exist_ok=True)
    missing = [
        (f"trust_list.{i}", f"no file {source / name}")
        for i, name in enumerate(tenant.trust_list)
        if not (source / name).is_file()
    ]
    if missing:
        raise TenantConfigError(source / f"{tenant.id}.yaml", missing)
    files = {f"{tenant.id}{COMPILED_SUFFIX}": tenant.model_dump_json().encode("utf-8")}
    files |= {name: (source / name).read_bytes() for name in tenant.trust_list}
    for stale in directory.rglob("*"):  # a certificate since taken off the trust list
        if stale.is_file() and not stale.name.startswith(".") and stale.relative_to(directory).as_posix() not in files:
            stale.unlink()
    for name, data in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside next to the layer folder, not in it: a synthesis fingerprinting the folder meanwhile
        # (another test's, in parallel) would count the file aside and stage another asset.
        flat = name.replace("/", "_")
        aside = directory.parent / f".{directory.name}.{flat}.{os.getpid()}.{threading.get_ident()}"
        aside.write_bytes(data)
        os.replace(aside, target)
    return directory / f"{tenant.id}{COMPILED_SUFFIX}"


def _load_compiled(path: Path) -> Tenant:
    """A compiled tenant file (``compile_tenant``), validated again as it is read."""
    try:
        tenant = Tenant.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise TenantConfigError(path, [("", "file not found")]) from None
    except ValidationError as exc:
        raise TenantConfigError(path, _problems(exc)) from None
    if tenant.id != path.stem:
        raise TenantConfigError(path, [("id", f"'{tenant.id}' must equal the file name '{path.stem}'")])
    return tenant


def examples_dir(tenant_file: Path, tenant_id: str) -> Path:
    """Q3.4: the folder of the tenant's example documents, beside its file: ``tenants/<id>/examples``."""
    return tenant_file.parent / tenant_id / "examples"


def load_all_tenants(folder: Path | None = None) -> list[Tenant]:
    """Every ``*.yaml`` tenant in the folder, sorted by id."""
    folder = folder or tenants_dir()
    return [load_tenant(p) for p in sorted(folder.glob("*.yaml"))]
