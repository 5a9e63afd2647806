"""Telling applicants: each message once per channel (R-2.3, R-3.1, Q4.4, R-4.6).

A message is identified by (request, template, key): the key defaults to the request's version,
which does not change while the saga runs the steps between a status change and the next wait, so
a retried notice step finds its own message. Each channel (e-mail, SMS) is its own record: a retry
after the SMS was throttled sends only the SMS, never the e-mail again.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from . import clock_source
from .messages import Message, compose
from .ports import Repositories
from .tenant import Tenant

__all__ = ["ATTACHED_DOCUMENTS", "Notifier"]

_MARK_ATTEMPTS = 6

#: The issued documents each message carries (sealed PDFs).
ATTACHED_DOCUMENTS: dict[str, list[str]] = {
    "acknowledgment": ["acknowledgment"],
    "delivered": ["licence"],
    "rejected": ["refusal"],
    "payment": ["invoice"],
    "receipt": ["receipt"],
    "dismissed": ["dismissal_order"],  # Q4.6: the head's sealed order
}


class Notifier:
    """Compose and send one message about a request to its applicant, on every channel it has."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        public_base_url: str,
        send_email: Callable[[str, Message, str, list[str]], str],
        send_sms: Callable[[str, str], str],
    ) -> None:
        self._requests = repos.requests
        self._messages = repos.messages
        self._tenant = tenant
        self._base = public_base_url.rstrip("/")
        self._send_email = send_email  # (address, message, request id, document kinds) -> provider message id
        self._send_sms = send_sms  # (phone, text) -> provider message id

    def send(
        self, request_id: str, template: str, *, extra: Mapping[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """Send what has not been sent yet; raise if a channel fails (the step is retried)."""
        record = self._requests.get(request_id)
        service = self._tenant.service(record["service_id"])
        tracking_url = f"{self._base}/#/requests/{request_id}"
        message = compose(
            template, tenant=self._tenant, service=service, request=record, tracking_url=tracking_url, extra=extra
        )
        message_key = f"{template}#{key or 'v' + str(record['version'])}"
        channels: list[tuple[str, str]] = []
        address = record.get("applicant_email") or record.get("answers", {}).get("email")
        if address:
            channels.append(("email", address))
        phone = record.get("answers", {}).get("phone")
        if phone:
            channels.append(("sms", phone))
        data = {"template": template, "subject": message.subject, "at": clock_source.now().isoformat()}
        results = []
        for channel, to in channels:
            if not self._messages.claim(request_id, message_key, channel, data):
                results.append({"channel": channel, "state": "sent_before"})
                continue
            try:
                if channel == "email":
                    provider_id = self._send_email(to, message, request_id, ATTACHED_DOCUMENTS.get(template, []))
                else:
                    provider_id = self._send_sms(to, message.sms)
            except Exception as exc:
                with contextlib.suppress(Exception):
                    self._messages.failed(request_id, message_key, channel, error=type(exc).__name__)
                raise
            self._mark_sent(request_id, message_key, channel, provider_id)
            results.append({"channel": channel, "state": "sent"})
        if not channels and self._messages.claim(request_id, message_key, "none", data):
            self._messages.failed(request_id, message_key, "none", error="no_channel")
        return {"template": template, "channels": [r["channel"] for r in results], "results": results}

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
