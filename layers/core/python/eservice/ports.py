"""Ports: what the use cases need from storage and from the saga, as protocols (no AWS here).

Each aggregate has a small repository port. The DynamoDB adapters (``dynamo.py``) hold every key
and condition expression; the in-memory fakes (``memory.py``) implement the same ports so that the
rules are proved in unit tests without the local stack.

A business step is one call on a port, and each such call is atomic: an officer's decision, its
record, the status change and the saga answer it produces (the outbox row) are committed together
(``WaitingSteps.answer``); a payment's settlement likewise (``PaymentLedger.settle``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from .domain import RequestStatus, StatusChange
from .errors import Conflict

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "AlreadyAnswered",
    "AnnouncementRepository",
    "Answer",
    "ChannelRepository",
    "CorrespondenceStore",
    "DraftRepository",
    "Executions",
    "LicenceRepository",
    "MessageLog",
    "NumberSeries",
    "OutboxMessage",
    "Page",
    "PaymentLedger",
    "ProfileRepository",
    "Repositories",
    "RequestRepository",
    "WaitingSteps",
    "WebhookInbox",
    "page_size",
]

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(limit: int | None) -> int:
    """A page size within bounds (every list is paginated: no read grows with the table)."""
    if limit is None:
        return DEFAULT_PAGE_SIZE
    return max(1, min(int(limit), MAX_PAGE_SIZE))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the opaque cursor of the next (None: this was the last page)."""

    items: list[T]
    cursor: str | None = None


class AlreadyAnswered(Conflict):
    """The waiting step was answered (or expired) first."""


@dataclass(frozen=True, kw_only=True)
class OutboxMessage:
    """The saga's answer that a business change produces; committed with it, delivered after it."""

    request_id: str
    sequence: int  # the waiting step it answers
    token: str
    kind: Literal["succeed", "fail"]
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain form for storage."""
        return {
            "request_id": self.request_id,
            "sequence": self.sequence,
            "token": self.token,
            "kind": self.kind,
            "output": self.output,
            "error": self.error,
            "cause": self.cause,
        }


@dataclass(frozen=True, kw_only=True)
class Answer:
    """An answer to the step a request waits at, written in one transaction.

    The waiting step is claimed (it must still wait with this token), the request's fields are set,
    the status change (if any) is appended, the record (a decision) is kept and the outbox row
    that will answer the saga is added. Either all of it is stored or none of it.
    """

    request_id: str
    token: str
    by: str
    outcome: str
    outbox: OutboxMessage
    fields: Mapping[str, Any] = field(default_factory=dict)
    event: StatusChange | None = None
    record: tuple[str, str, Mapping[str, Any]] | None = None  # (kind, id, data), e.g. ("DECISION", at, {...})
    #: More records kept in the same transaction, e.g. the message to the applicant (``THREAD``).
    also: tuple[tuple[str, str, Mapping[str, Any]], ...] = ()
    state: Literal["answered", "expired"] = "answered"


class RequestRepository(Protocol):
    """Requests, their history and the records kept under them (decisions, notes, files, failures)."""

    def create(
        self, record: Mapping[str, Any], first_event: StatusChange, *, draft: tuple[str, str] | None = None
    ) -> bool:
        """Store a new request with its first event, and close its draft (applicant id, draft id) as
        submitted, atomically; False if the request exists or the draft is no longer open."""

    def get(self, request_id: str) -> dict[str, Any]:
        """The request; NotFound if there is none."""

    def find(self, request_id: str) -> dict[str, Any] | None:
        """The request or None."""

    def change_status(self, event: StatusChange, *, set_fields: Mapping[str, Any] | None = None) -> None:
        """One status change, guarded by the version; Conflict ``request.changed`` if someone moved first."""

    def set_fields(self, request_id: str, fields: Mapping[str, Any]) -> None:
        """Set fields that are not a status change."""

    def set_document(self, request_id: str, kind: str, document: Mapping[str, Any]) -> None:
        """Keep one issued document's reference (a path update: other documents are untouched)."""

    def add_attachments(self, request_id: str, attachments: list[Mapping[str, Any]]) -> None:
        """Append accepted files to the request's attachments (a list append, never a rewrite)."""

    def events(self, request_id: str) -> list[dict[str, Any]]:
        """The history, oldest first."""

    def put_record(self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any]) -> None:
        """Keep (or replace) one record under the request."""

    def add_record(self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any]) -> bool:
        """Keep a new record; False if one with this id exists."""

    def replace_record(
        self, request_id: str, kind: str, record_id: str, data: Mapping[str, Any], *, state: str
    ) -> bool:
        """Replace a record only while its ``state`` is still ``state``; False if it changed meanwhile."""

    def get_record(self, request_id: str, kind: str, record_id: str) -> dict[str, Any] | None:
        """One record."""

    def records(self, request_id: str, kind: str) -> list[dict[str, Any]]:
        """The records of a kind, in id order (bounded by the request's own life)."""

    def of_applicant(self, applicant_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """An applicant's requests, newest first."""

    def in_status(
        self, status: RequestStatus, *, limit: int, cursor: str | None, service_ids: frozenset[str] | None = None
    ) -> Page[dict[str, Any]]:
        """Requests in one status, most recently changed first (optionally only of these services: R-2.1)."""

    def open(
        self,
        *,
        limit: int,
        cursor: str | None,
        changed_since: datetime | None = None,
        due_before: datetime | None = None,
        waiting_roles: frozenset[str] | None = None,
        service_ids: frozenset[str] | None = None,
    ) -> Page[dict[str, Any]]:
        """Open requests, most recently changed first; optionally only changed since, due before, waiting
        for one of the roles, or of one of the services (a unit's, R-2.1)."""

    def register(
        self,
        request_id: str,
        *,
        series: str,
        year: int,
        build: Callable[[int], tuple[StatusChange, Mapping[str, Any]]],
    ) -> int:
        """Take the series' next number and apply the status change ``build(number)`` makes, atomically."""


class NumberSeries(Protocol):
    """Unique, gap-free numbers per series and Buddhist year (receipt, invoice, e-receipt, licence)."""

    def take(self, series: str, year: int, *, owner: str) -> int:
        """The owner's number of the series (the same number again when asked again)."""


class WaitingSteps(Protocol):
    """The step a request waits at (kept on the request itself) and the saga answers it produces."""

    def park(
        self, request_id: str, waiting: Mapping[str, Any], *, event: StatusChange | None, expected_sequence: int
    ) -> None:
        """Record that the saga waits at a step, with its status change; Conflict if the step moved."""

    def answer(self, answer: Answer) -> None:
        """Claim the waiting step and commit everything the answer writes; AlreadyAnswered if it was."""

    def outbox(self, request_id: str, sequence: int) -> dict[str, Any] | None:
        """The saga answer produced for one waiting step, if any."""

    def mark_outbox(self, request_id: str, sequence: int, state: Literal["delivered", "stale", "resumed"]) -> None:
        """The answer reached the saga; or its token is dead (stale) until the sweeper resumed the
        request (resumed)."""

    def pending_outbox(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """Answers not yet delivered, oldest first."""

    def stale_outbox(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """Answers whose token died, not yet taken over by a resumed execution, oldest first."""


class DraftRepository(Protocol):
    """An applicant's drafts (Q3.5)."""

    def create(self, draft: Mapping[str, Any]) -> None:
        """Store a new draft."""

    def get(self, applicant_id: str, draft_id: str) -> dict[str, Any] | None:
        """One draft of the applicant."""

    def of_applicant(self, applicant_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """The applicant's drafts, newest first."""

    def save(self, applicant_id: str, draft_id: str, fields: Mapping[str, Any], *, expected_state: str | None) -> bool:
        """Set fields if the draft exists (in the expected state); False otherwise."""

    def set_attachment(self, applicant_id: str, draft_id: str, attachment: Mapping[str, Any]) -> bool:
        """Set one attachment of an open draft by its id (a path update: others are untouched)."""


class ProfileRepository(Protocol):
    """What applicants told us about themselves, for prefill (Q3.2)."""

    def get(self, applicant_id: str) -> dict[str, Any] | None:
        """The profile."""

    def put(self, applicant_id: str, profile: Mapping[str, Any]) -> None:
        """Keep the profile."""


class ChannelRepository(Protocol):
    """How an applicant wants to be told (Q4.4): chosen channels, the linked LINE account, link codes."""

    def get(self, applicant_id: str) -> dict[str, Any]:
        """``{"sms": bool?, "line": bool?, "line_user_id": str?, "line_linked_at": str?}`` ({} if none)."""

    def choose(self, applicant_id: str, *, sms: bool, line: bool, at: str) -> None:
        """Keep the applicant's choice of channels (e-mail is always on)."""

    def add_link_code(self, code: str, applicant_id: str, *, expires_at: str) -> None:
        """A new one-time code that links a LINE account to this applicant."""

    def link_with_code(self, code: str, line_user_id: str, *, now: str) -> str | None:
        """Use the code and link the LINE account to the applicant it was given to (replacing an earlier
        account), both or neither; the applicant, or None for an unknown, used or expired code. The same
        account sending the same code again (LINE redelivers an unanswered webhook) gets the same applicant."""

    def applicant_of_line_user(self, line_user_id: str) -> str | None:
        """Whose LINE account this is."""

    def unlink_line(self, applicant_id: str, *, at: str, reason: str) -> None:
        """The account is no longer reachable (unfollowed the Official Account, or the applicant asked)."""


class PaymentLedger(Protocol):
    """Every payment once, by its provider's transaction id, with its copies (day, request), and slips."""

    def get(self, provider: str, transaction_id: str) -> dict[str, Any] | None:
        """One payment."""

    def record(self, payment: Mapping[str, Any], *, day: date) -> bool:
        """Store a new payment and its copies atomically; False if the transaction is known."""

    def advance(self, provider: str, transaction_id: str, *, was: str, to: str, at: datetime) -> bool:
        """Move a payment's status forward on every copy at once; False if it was not ``was``."""

    def mark(self, provider: str, transaction_id: str, fields: Mapping[str, Any]) -> None:
        """Set fields (mismatch, held) on every copy at once."""

    def settle(self, provider: str, transaction_id: str, *, answer: Answer, paid: Mapping[str, Any]) -> None:
        """Apply the payment to its request and answer the payment step, atomically."""

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        """The payments recorded against a request."""

    def of_day(self, day: date, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """The payments received on a day, in order of arrival."""

    def totals_of_day(self, day: date) -> dict[str, int]:
        """Satang received per channel on a day (settled or held, not mismatched)."""

    def add_slip(self, slip: Mapping[str, Any]) -> None:
        """Store a reported slip, pending for finance."""

    def get_slip(self, request_id: str, slip_id: str) -> dict[str, Any] | None:
        """One slip."""

    def pending_slips(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """Slips finance has not decided, oldest first."""

    def reject_slip(self, request_id: str, slip_id: str, fields: Mapping[str, Any]) -> bool:
        """Pending -> rejected; False if it was decided already."""

    def verify_slip(
        self,
        request_id: str,
        slip_id: str,
        fields: Mapping[str, Any],
        *,
        payment: Mapping[str, Any],
        day: date,
        answer: Answer | None,
        paid: Mapping[str, Any] | None,
    ) -> None:
        """Pending -> verified with its reference claimed as a payment (and the step answered), in one
        transaction. Conflict ``slip.decided`` or ``slip.duplicate_reference``; nothing changes then."""


class WebhookInbox(Protocol):
    """Provider messages processed once: claimed, then done; a failed settlement releases the claim."""

    def claim(
        self, provider: str, event_id: str, *, at: datetime, lease_seconds: int
    ) -> Literal["claimed", "done", "busy"]:
        """Claim a message for processing."""

    def done(self, provider: str, event_id: str, *, result: Mapping[str, Any]) -> None:
        """The message was processed."""

    def release(self, provider: str, event_id: str, *, error: str) -> None:
        """Processing failed: the provider's retry may claim it again."""


class MessageLog(Protocol):
    """Each message once per (request, template, key) and channel, with its delivery state.

    States: ``sending`` (claimed), ``sent`` (the provider took it), ``delivered`` (the provider reported
    delivery), ``failed`` (with ``error``; ``retryable`` says whether a retry may send it)."""

    def claim(self, request_id: str, message_key: str, channel: str, data: Mapping[str, Any]) -> bool:
        """True if this channel's message must be sent now: never sent, or failed in a way a retry may mend."""

    def sent(self, request_id: str, message_key: str, channel: str, *, provider_id: str) -> None:
        """The provider accepted it."""

    def failed(self, request_id: str, message_key: str, channel: str, *, error: str, retryable: bool = True) -> None:
        """The provider refused it; each failure is kept with its reason (a retry may send it if retryable)."""

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        """Messages of a request."""

    def by_provider_id(self, provider_id: str) -> dict[str, Any] | None:
        """The message a provider's id names (bounce reports)."""

    def set_state(self, provider_id: str, state: str) -> None:
        """A provider's delivery report: ``delivered``, or ``bounce``/``complaint`` (failed, never resent)."""

    def last_digest(self) -> str | None:
        """When the officers' digest was last sent (ISO time)."""

    def digest_sent(self, at: str) -> None:
        """Remember when the officers' digest was sent."""


class LicenceRepository(Protocol):
    """The licence register (R-5) and the index of issued documents by hash (verification)."""

    def add(self, entry: Mapping[str, Any]) -> bool:
        """Register a licence; False if it is registered already."""

    def get(self, licence_number: str) -> dict[str, Any] | None:
        """One licence."""

    def change(self, licence_number: str, *, was: str, fields: Mapping[str, Any]) -> bool:
        """Change a licence's status fields if it is still ``was``."""

    def public(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """Licences on the public register, newest first."""

    def keep_document(self, sha256: str, data: Mapping[str, Any]) -> None:
        """Remember an issued document by its hash."""

    def document(self, sha256: str) -> dict[str, Any] | None:
        """An issued document by its hash."""

    def every(self, *, public: bool) -> list[dict[str, Any]]:
        """Every licence on the public register (``public``) or off it, newest first: the register's
        search, open-data export and daily expiry sweep read the whole register (R-5.1-R-5.4)."""

    def revise(self, licence_number: str, *, revision: int, fields: Mapping[str, Any]) -> bool:
        """Set the holder's fields (contact, notices) if the licence's ``holder_revision`` is still
        ``revision`` (0: never revised); the revision goes up by one. False if it moved or no licence."""


class AnnouncementRepository(Protocol):
    """The agency's announcements (Act §10, §13(1), §16; R-3.5(2)): drafts, the one in force of each
    kind, and the superseded ones, which are kept."""

    def add(self, record: Mapping[str, Any]) -> None:
        """Keep a new draft."""

    def get(self, announcement_id: str) -> dict[str, Any] | None:
        """One announcement."""

    def current(self, kind: str) -> dict[str, Any] | None:
        """The announcement of ``kind`` in force (the last issued), if any."""

    def claim_approval(
        self, announcement_id: str, *, approval: Mapping[str, Any], signer: Mapping[str, Any], now: str
    ) -> bool:
        """draft (or approving whose lease ended before ``now``) -> approving with the approval and the
        signer; False otherwise."""

    def issue(self, announcement_id: str, fields: Mapping[str, Any], *, kind: str, replaces: str | None) -> bool:
        """approving -> issued with ``fields``, the one it replaces (in force) -> superseded, and the
        kind's pointer moved, in one transaction; False if any of them changed first."""

    def record_gazette(self, announcement_id: str, gazette: Mapping[str, Any]) -> bool:
        """Set the Royal Gazette publication of an issued announcement once; False if it is not issued
        or already recorded."""

    def published(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """Issued and superseded announcements, newest issued first."""

    def all(self, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """Every announcement, drafts included, newest drafted first."""


class AccessLog(Protocol):
    """Officers' reads of a request's personal data and downloads of its files (PDPA accountability, R-1.10).

    Append-only: an entry names who (officer id and roles), what (an action and the id of what was read)
    and when; it never holds the citizen's personal data.
    """

    def record(self, entry: Mapping[str, Any]) -> None:
        """Keep one entry (``request_id``, ``id``, ``at``, ``by``, ``action``, ``target``)."""

    def of_request(self, request_id: str, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
        """The request's entries, oldest first, one page."""


class Executions(Protocol):
    """The saga's executions: start, look up, answer."""

    def start(self, name: str, request_id: str, *, resume: bool = False) -> str:
        """Start an execution (a no-op if the name was started before)."""

    def status(self, name: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, or None if there is no such execution."""

    def succeed(self, token: str, output: Mapping[str, Any]) -> None:
        """Complete a waiting step."""

    def fail(self, token: str, *, error: str, cause: str) -> None:
        """Fail a waiting step."""

    def ended_badly(self) -> list[str]:
        """Names of every execution that FAILED, TIMED_OUT or was ABORTED (as long as Step Functions keeps
        it: 90 days after it stopped), the most recently stopped first."""


@dataclass(frozen=True, kw_only=True)
class Repositories:
    """Everything a composition root wires: one adapter per port."""

    requests: RequestRepository
    numbers: NumberSeries
    waiting: WaitingSteps
    drafts: DraftRepository
    profiles: ProfileRepository
    payments: PaymentLedger
    webhooks: WebhookInbox
    messages: MessageLog
    licences: LicenceRepository
    announcements: AnnouncementRepository
    access_log: AccessLog
    channels: ChannelRepository


class CorrespondenceStore(Protocol):
    """The registers of correspondence (R-2.5, R-4.9): entries by (register, year, number), in time order.

    Append-only: an entry is never changed or deleted (a correction is a new entry)."""

    def add(self, entry: Mapping[str, Any]) -> bool:
        """Keep an entry whose number was taken already (a request's receipt number); False if it exists."""

    def add_numbered(
        self, register: str, series: str, year: int, owner: str, build: Callable[[int], Mapping[str, Any]]
    ) -> dict[str, Any]:
        """Take the series' next number for ``owner`` and keep ``build(number)`` in one transaction; the
        owner's entry (whatever its year) if it has one already."""

    def get(self, register: str, year: int, number: int) -> dict[str, Any] | None:
        """One entry."""

    def of_owner(self, register: str, owner: str) -> dict[str, Any] | None:
        """The entry made for an owner (a message, a scan, a correction), if any."""

    def between(
        self,
        register: str,
        low: str,
        high: str,
        *,
        contains: str | None,
        limit: int,
        cursor: str | None,
        oldest_first: bool = False,
    ) -> Page[dict[str, Any]]:
        """Entries whose ``sort`` key is in [low, high), newest first (or oldest), optionally only those
        whose ``search`` text contains ``contains``."""

    def put_scan(self, scan: Mapping[str, Any]) -> None:
        """Keep (or update) the record of a scan uploaded for an entry."""

    def get_scan(self, scan_id: str) -> dict[str, Any] | None:
        """One scan record."""
