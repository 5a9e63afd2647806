"""LINE Messaging API: push messages to linked applicants, and the webhook that links them (Q4.4).

The applicant asks for a one-time link code on their profile page and sends it, as a chat message,
to the agency's LINE Official Account. LINE then calls our webhook with the text and the sender's
LINE ``userId``, signed with the channel secret (``X-Line-Signature``: base64 HMAC-SHA256 of the
body); a valid code links that ``userId`` to the applicant. Pushes go to
``POST {base}/v2/bot/message/push`` with the channel access token and an ``X-Line-Retry-Key``: LINE
accepts a key once (a repeat answers 409), so a push retried after a lost answer is not a second
message. The base URL is a setting: the local stack points it at its fake LINE server.

The standard library only (urllib): the Lambda runtime has no ``requests``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidInput
from .notices import DeliveryRefused, LineMessage

__all__ = [
    "LINK_CODE_PATTERN",
    "LineApi",
    "LineApiError",
    "LineCredentials",
    "LineMessage",
    "WebhookEvent",
    "new_link_code",
    "parse_webhook",
    "signature_of",
    "verify_signature",
]

#: A link code as the applicant types it: 8 letters and digits without look-alikes (0/O, 1/I/L).
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_CODE_PATTERN = re.compile(rf"\b([{_ALPHABET}]{{8}})\b")


@dataclass(frozen=True, kw_only=True)
class LineCredentials:
    """The tenant's LINE channel: its secret (webhook signatures) and its access token (pushes)."""

    channel_secret: str
    channel_access_token: str

    @classmethod
    def from_secret_string(cls, text: str) -> LineCredentials:
        """From the tenant's secret: ``{"channel_secret": ..., "channel_access_token": ...}``."""
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data.get("channel_secret") or not data.get("channel_access_token"):
            raise RuntimeError("the LINE secret must hold channel_secret and channel_access_token (JSON)")
        return cls(channel_secret=str(data["channel_secret"]), channel_access_token=str(data["channel_access_token"]))


class LineApiError(Exception):
    """LINE did not take the push this time (a 5xx, 429 or no answer): a retry may."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(f"LINE {status or 'unreachable'}: {reason}")
        self.status = status


def new_link_code() -> str:
    """A one-time link code (8 characters, about 39 bits: it lives minutes and is used once)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def signature_of(channel_secret: str, body: bytes) -> str:
    """``X-Line-Signature`` of a webhook body."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """True if LINE signed this body with our channel secret."""
    return bool(signature) and hmac.compare_digest(signature_of(channel_secret, body), str(signature))


@dataclass(frozen=True, kw_only=True)
class WebhookEvent:
    """One webhook event we act on: a text message (perhaps a link code), or an unfollow."""

    kind: str  # "message" | "unfollow" | "follow"
    user_id: str
    text: str = ""
    webhook_event_id: str = ""


def parse_webhook(body: bytes) -> list[WebhookEvent]:
    """The events of a (verified) webhook body; others (stickers, group chats) are ignored."""
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidInput(
            code="line.bad_webhook", th="ข้อมูลจาก LINE ไม่ถูกต้อง", en="The LINE webhook body is not JSON."
        ) from None
    events: list[WebhookEvent] = []
    raw_events = (data.get("events") or []) if isinstance(data, dict) else []
    for raw in raw_events:
        if not isinstance(raw, dict):
            continue
        source = raw.get("source") or {}
        user_id = source.get("userId")
        kind = raw.get("type")
        if not user_id or source.get("type") != "user" or kind not in ("message", "follow", "unfollow"):
            continue
        message = raw.get("message") or {}
        if kind == "message" and message.get("type") != "text":
            continue
        events.append(
            WebhookEvent(
                kind=kind,
                user_id=str(user_id),
                text=str(message.get("text") or ""),
                webhook_event_id=str(raw.get("webhookEventId") or ""),
            )
        )
    return events


class LineApi:
    """The Messaging API calls we make."""

    def __init__(self, *, base_url: str, credentials: LineCredentials, timeout: float = 10) -> None:
        self._base = base_url.rstrip("/")
        self._credentials = credentials
        self._timeout = timeout

    @property
    def channel_secret(self) -> str:
        """The secret LINE signs its webhooks with."""
        return self._credentials.channel_secret

    def push(self, message: LineMessage) -> str:
        """Push one text message; the id LINE gave it. Raises ``DeliveryRefused`` for good (a 4xx)
        and ``LineApiError`` when a retry may work."""
        body = {"to": message.to, "messages": [{"type": "text", "text": message.text[:5000]}]}
        status, headers, answer = self._post(
            "/v2/bot/message/push", body, extra_headers={"X-Line-Retry-Key": message.retry_key}
        )
        if status == 200:
            sent = answer.get("sentMessages") or [{}]
            return str(sent[0].get("id") or headers.get("x-line-request-id") or message.retry_key)
        if status == 409 and headers.get("x-line-accepted-request-id"):
            # The same retry key was accepted before: this push went out already.
            return str(headers["x-line-accepted-request-id"])
        if status == 429 or status >= 500:
            raise LineApiError(status, str(answer.get("message") or "try again later"))
        # 400 (no such user, blocked), 401/403 (token): sending again would not help.
        raise DeliveryRefused(f"line_{status}")

    def _post(
        self, path: str, body: Mapping[str, Any], *, extra_headers: Mapping[str, str]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        # Imported here: intake imports this module, and only a push needs urllib's HTTP client (issue 14).
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            self._base + path,
            data=json.dumps(body, ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self._credentials.channel_access_token}",
                "Content-Type": "application/json",
                **extra_headers,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return response.status, _lower(response.headers.items()), _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _lower(exc.headers.items()), _json(exc.read())
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LineApiError(None, type(exc).__name__) from exc


def _lower(items: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in items}


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
