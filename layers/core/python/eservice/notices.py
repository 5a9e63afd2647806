"""Telling applicants: each message once per channel, with its delivery state (R-2.3, R-3.1, Q4.4, Q5.5, R-4.6).

A message is identified by (request, template, key): the key defaults to the request's version,
which does not change while the saga runs the steps between a status change and the next wait, so
a retried notice step finds its own message. Each channel (e-mail, SMS, LINE) is its own record in
the ``MessageLog``: ``sending``, then ``sent`` (the provider took it), ``delivered`` (the provider
said so) or ``failed`` with the reason of each failure. A retry sends only what did not go out: an
applicant never gets the same e-mail twice because the SMS provider was throttled, nor the same
LINE message twice because LINE answered 500 once.

E-mail always goes, from the agency's saraban address, and carries the documents: the sealed notice
of each decision the applicant must know (R-4.3-R-4.5), the letters and the licence (R-4.6). SMS and
LINE go where the applicant chose them in their profile (SMS by default when they gave a phone,
LINE once they linked an account and the tenant uses LINE).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import clock_source
from .messages import TEMPLATES, Message, compose
from .ports import Repositories
from .tenant import Tenant

__all__ = [
    "ATTACHED_DOCUMENTS",
    "LICENCE_NOTICES",
    "SEALED_NOTICES",
    "DeliveryRefused",
    "LineMessage",
    "Notifier",
    "applicant_channels",
    "notice_kind",
]

logger = logging.getLogger(__name__)

_MARK_ATTEMPTS = 6
#: How often a LINE push is tried within one call (LINE's retry key makes a repeat harmless).
LINE_ATTEMPTS = 3

#: The issued documents each message carries (sealed PDFs made by their own saga steps).
ATTACHED_DOCUMENTS: dict[str, list[str]] = {
    "acknowledgment": ["acknowledgment"],
    "delivered": ["licence"],
    "rejected": ["refusal"],
    "payment": ["invoice"],
    "receipt": ["receipt"],
    "dismissed": ["dismissal_order"],  # Q4.6: the head's sealed order
}

#: Messages whose e-mail carries a notice made for it (R-4.3-R-4.5), sealed when ``auto_seal`` has ``notice``.
#: ``dismissed`` is not here: its notice is the head's sealed dismissal order (``ATTACHED_DOCUMENTS``).
SEALED_NOTICES = frozenset(
    {
        "more_documents",
        "referred",
        "withdrawn",
        "dismissal_proposed",
        "licence_suspended",
        "licence_reinstated",
        "licence_revoked",
        "licence_expired",
    }
)

#: The licence status notices and the licence status each announces (R-5.4).
LICENCE_NOTICES: dict[str, str] = {
    "licence_suspended": "suspended",
    "licence_reinstated": "in_force",
    "licence_revoked": "revoked",
    "licence_expired": "expired",
}


def notice_kind(template: str, message_key: str) -> str:
    """The document kind under which the notice of one message is kept on its request (one per occasion)."""
    occasion = message_key.split("#", 1)[-1]
    return f"notice_{template}_{occasion}"


class DeliveryRefused(Exception):
    """A provider refused a message for good (a wrong number, a blocked LINE account): retrying will not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class LineMessage:
    """A LINE push: to whom, the text, and the retry key LINE uses to accept a repeated push only once."""

    to: str
    text: str
    retry_key: str


def applicant_channels(tenant: Tenant, record: Mapping[str, Any], chosen: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (channel, address) pairs a message about ``record`` goes to, e-mail first.

    ``chosen`` is what the applicant set in their profile (``ChannelRepository.get``)."""
    channels: list[tuple[str, str]] = []
    address = record.get("applicant_email") or record.get("answers", {}).get("email")
    if address:
        channels.append(("email", str(address)))
    phone = record.get("answers", {}).get("phone")
    if phone and chosen.get("sms", True):
        channels.append(("sms", str(phone)))
    line_user = chosen.get("line_user_id")
    if tenant.notifications.line_enabled and line_user and chosen.get("line", True):
        channels.append(("line", str(line_user)))
    return channels


class Notifier:
    """Compose and send one message about a request to its applicant, on every channel they have."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        public_base_url: str,
        send_email: Callable[[str, Message, str, list[str]], str],
        send_sms: Callable[[str, str], str],
        send_line: Callable[[LineMessage], str] | None = None,
        notice_document: Callable[[str, str, str, Mapping[str, Any]], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        correspondence: Any | None = None,
    ) -> None:
        self._requests = repos.requests
        self._messages = repos.messages
        self._channels = repos.channels
        self._tenant = tenant
        self._base = public_base_url.rstrip("/")
        self._send_email = send_email  # (address, message, request id, document kinds) -> provider message id
        self._send_sms = send_sms  # (phone, text) -> provider message id
        self._send_line = send_line  # a LINE push -> provider message id
        # (request id, template, message key, extra) -> the kind of the kept notice document
        self._notice_document = notice_document
        self._sleep = sleep
        # the dispatch register (eservice.correspondence.Correspondence): one entry per official e-mail.
        self._correspondence = correspondence

    def send(
        self, request_id: str, template: str, *, extra: Mapping[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """Send what has not been sent yet, on every channel; then raise the first failure a retry may
        mend (the step is retried and sends only what is missing). Refusals for good are recorded only."""
        if template not in TEMPLATES:
            raise ValueError(f"unknown message template {template!r}")
        extra = dict(extra or {})
        record = self._requests.get(request_id)
        service = self._tenant.service(record["service_id"])
        tracking_url = f"{self._base}/#/requests/{request_id}"
        message = compose(
            template, tenant=self._tenant, service=service, request=record, tracking_url=tracking_url, extra=extra
        )
        message_key = f"{template}#{key or 'v' + str(record['version'])}"
        channels = applicant_channels(self._tenant, record, self._channels.get(record["applicant_id"]))
        data = {"template": template, "subject": message.subject, "at": clock_source.now().isoformat()}
        results: list[dict[str, Any]] = []
        retry: Exception | None = None
        for channel, to in channels:
            if not self._messages.claim(request_id, message_key, channel, data):
                results.append({"channel": channel, "state": "sent_before"})
                continue
            try:
                provider_id = self._deliver(channel, to, message, request_id, template, message_key, extra)
            except DeliveryRefused as refused:
                self._messages.failed(request_id, message_key, channel, error=refused.reason, retryable=False)
                results.append({"channel": channel, "state": "failed", "error": refused.reason})
                continue
            except Exception as exc:
                self._record_failure(request_id, message_key, channel, exc)
                results.append({"channel": channel, "state": "failed", "error": type(exc).__name__})
                retry = retry or exc
                continue
            self._mark_sent(request_id, message_key, channel, provider_id)
            results.append({"channel": channel, "state": "sent"})
        mailed = next((to for channel, to in channels if channel == "email"), None)
        if mailed and any(r["channel"] == "email" and r["state"] in ("sent", "sent_before") for r in results):
            self._register_dispatch(record, template, message_key, message, mailed)
        if not channels and self._messages.claim(request_id, message_key, "none", data):
            self._messages.failed(request_id, message_key, "none", error="no_channel", retryable=False)
        if retry is not None:
            raise retry
        sent = [r["channel"] for r in results if r["state"] in ("sent", "sent_before")]
        return {"template": template, "key": message_key, "channels": sent, "results": results}

    def licence_status(
        self,
        request_id: str,
        new_status: str,
        *,
        reason: str,
        effective_at: str,
        until: str | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """R-5.4: tell the licence holder that their licence was suspended, reinstated, revoked or expired,
        with the sealed notice of it. ``key`` names the occasion (defaults to the status and its time)."""
        template = next((t for t, status in LICENCE_NOTICES.items() if status == new_status), None)
        if template is None:
            raise ValueError(f"no notice for licence status {new_status!r}")
        extra = {"reason": reason, "effective_at": effective_at, "until": until, "new_status": new_status}
        return self.send(request_id, template, extra=extra, key=key or f"{new_status}-{effective_at}")

    # --- internals ----------------------------------------------------------------------------------
    def _register_dispatch(
        self, record: Mapping[str, Any], template: str, message_key: str, message: Message, to: str
    ) -> None:
        """R-4.9: the e-mail the provider took, and the documents it carries, in the dispatch register.
        Once per message: a retried step that finds the e-mail sent finds (or completes) its entry."""
        if self._correspondence is None:
            return
        kinds = list(ATTACHED_DOCUMENTS.get(template, []))
        if template in SEALED_NOTICES and self._notice_document is not None:
            kinds.append(notice_kind(template, message_key))
        latest = self._requests.get(record["id"])
        documents = latest.get("documents") or {}
        names = [str((documents.get(kind) or {}).get("file_name") or kind) for kind in kinds]
        self._correspondence.dispatched(
            latest, message_key=message_key, template=template, subject=message.subject, attachments=names, to=to
        )

    def _deliver(
        self,
        channel: str,
        to: str,
        message: Message,
        request_id: str,
        template: str,
        message_key: str,
        extra: Mapping[str, Any],
    ) -> str:
        if channel == "email":
            kinds = list(ATTACHED_DOCUMENTS.get(template, []))
            if template in SEALED_NOTICES and self._notice_document is not None:
                # Made (and kept, and registered for verification) before the e-mail that carries it.
                kinds.append(self._notice_document(request_id, template, message_key, extra))
            return self._send_email(to, message, request_id, kinds)
        if channel == "sms":
            return self._send_sms(to, message.sms)
        if channel == "line":
            return self._push_line(request_id, message_key, to, message.line)
        raise ValueError(f"unknown channel {channel!r}")

    def _push_line(self, request_id: str, message_key: str, to: str, text: str) -> str:
        """Push with LINE's retry key, a few times: LINE accepts the same key once, so a repeat after a
        lost answer is not a second message. Each failed try is recorded with its reason."""
        if self._send_line is None:
            raise DeliveryRefused("line_not_configured")
        push = LineMessage(
            to=to, text=text, retry_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{request_id}/{message_key}"))
        )
        attempt = 1
        while True:
            try:
                return self._send_line(push)
            except DeliveryRefused:
                raise
            except Exception as exc:
                if attempt == LINE_ATTEMPTS:
                    raise
                self._record_failure(request_id, message_key, "line", exc)
            self._sleep(0.5 * attempt)
            attempt += 1
            self._messages.claim(request_id, message_key, "line", {"at": clock_source.now().isoformat()})

    def _record_failure(self, request_id: str, message_key: str, channel: str, exc: Exception) -> None:
        # The reason without personal data: the exception's type and, for a provider, its status.
        reason = type(exc).__name__
        status = getattr(exc, "status", None)
        if status:
            reason = f"{reason} {status}"
        try:
            self._messages.failed(request_id, message_key, channel, error=reason, retryable=True)
        except Exception:
            logger.exception("could not record a failed message")

    def _mark_sent(self, request_id: str, message_key: str, channel: str, provider_id: str) -> None:
        """The provider took the message: record it, retrying here, because a retry of the whole step
        would send it again (the one window where a failure could duplicate a message)."""
        for attempt in range(_MARK_ATTEMPTS):
            try:
                self._messages.sent(request_id, message_key, channel, provider_id=provider_id)
                return
            except Exception:
                if attempt == _MARK_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
