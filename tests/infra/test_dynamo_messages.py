"""The message log's DynamoDB adapter (eservice.dynamo.DynamoMessages): each channel's message marked sent,
and only e-mail linked to the provider's id, the one SES reports back by (R-3.2; issue 14: no write for SMS
or LINE that nothing reads)."""

from __future__ import annotations

from typing import Any

import pytest

from eservice.dynamo import DynamoDatabase


@pytest.fixture
def messages(table: Any) -> Any:
    return DynamoDatabase(table).repositories.messages


def test_given_an_e_mail_and_an_sms_sent_then_both_are_sent_and_only_the_e_mail_is_found_by_its_id(messages) -> None:
    for channel in ("email", "sms"):
        assert messages.claim("R-1", "receipt#v3", channel, {"at": "2026-12-01T10:00:00+00:00"})
        messages.sent("R-1", "receipt#v3", channel, provider_id=f"{channel}-id")

    rows = {row["channel"]: row for row in messages.of_request("R-1")}

    assert {c: (r["state"], r["provider_id"]) for c, r in rows.items()} == {
        "email": ("sent", "email-id"),
        "sms": ("sent", "sms-id"),
    }
    assert messages.by_provider_id("email-id")["request_id"] == "R-1"  # a bounce finds its request
    assert messages.by_provider_id("sms-id") is None
    assert not messages.claim("R-1", "receipt#v3", "sms", {"at": "2026-12-01T10:01:00+00:00"})  # never twice
    messages.set_state("email-id", "bounce")
    assert {r["channel"]: r["state"] for r in messages.of_request("R-1")} == {"email": "failed", "sms": "sent"}
