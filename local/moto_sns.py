"""SMS in moto, with what AWS would show of each text: its sender id.

moto keeps every SMS it was asked to publish (``sns_backends[account][region].sms_messages``: the
number and the text) but drops the message attributes, among them ``AWS.SNS.SMS.SenderID``, the name
the phone shows as the sender. The local stack keeps them beside moto's record (``attributes_of``),
so the mailbox and the tests can check that a text went out under the tenant's sender id.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.sns.models import SNSBackend

__all__ = ["attributes_of", "install", "uninstall"]

_lock = threading.Lock()
_attributes: dict[str, dict[str, str]] = {}
_original: Any = None


def attributes_of(message_id: str) -> dict[str, str]:
    """The string attributes an SMS was published with (``{"AWS.SNS.SMS.SenderID": "KLONGNOY"}``)."""
    with _lock:
        return dict(_attributes.get(message_id, {}))


def install() -> None:
    """Keep each SMS's message attributes (idempotent)."""
    global _original
    if _original is not None:
        return
    original = SNSBackend.publish
    _original = original

    @functools.wraps(original)
    def publish(self: SNSBackend, message: str, arn: str | None, phone_number: str | None = None, **kwargs: Any) -> str:
        message_id: str = original(self, message, arn, phone_number, **kwargs)
        if phone_number:
            attributes = kwargs.get("message_attributes") or {}
            values = {name: str(a.get("Value", a.get("StringValue", ""))) for name, a in attributes.items()}
            with _lock:
                _attributes[message_id] = values
        return message_id

    SNSBackend.publish = publish  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    """Put moto's own method back."""
    global _original
    if _original is not None:
        SNSBackend.publish = _original  # type: ignore[method-assign]
        _original = None
