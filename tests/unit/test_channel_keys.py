"""The agency's keys in one secret: payment webhooks, LINE, the CKAN portal (Q6.3, Q4.4, R-5.3; issue 14)."""

from __future__ import annotations

import json

import pytest

from eservice.channel_keys import ChannelKeys
from local.provision import _generated_secret


def test_given_the_secret_as_deployed_then_the_payment_key_is_there_and_line_is_not_set_up() -> None:
    generated = _generated_secret(
        {
            "SecretStringTemplate": '{"channel_secret": "", "channel_access_token": "", "ckan_api_key": ""}',
            "GenerateStringKey": "payment_webhook_key",
            "ExcludePunctuation": True,
            "PasswordLength": 48,
        }
    )
    keys = ChannelKeys.from_secret_string(generated)
    assert len(keys.payment_webhook_key) == 48 and keys.payment_webhook_key.isalnum()  # ExcludePunctuation
    assert keys.line is None and keys.ckan_api_key == ""
    assert set(json.loads(generated)) == {
        "payment_webhook_key",
        "channel_secret",
        "channel_access_token",
        "ckan_api_key",
    }


def test_given_the_admin_put_the_line_channel_and_the_ckan_key_then_they_are_read() -> None:
    text = json.dumps(
        {"payment_webhook_key": "k" * 48, "channel_secret": "s1", "channel_access_token": "t1", "ckan_api_key": " c1\n"}
    )
    keys = ChannelKeys.from_secret_string(text)
    assert keys.ckan_api_key == "c1"  # as pasted from the portal, without the line end
    assert keys.payment_webhook_key == "k" * 48
    assert keys.line is not None and (keys.line.channel_secret, keys.line.channel_access_token) == ("s1", "t1")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps(["payment_webhook_key"]),
        json.dumps({"channel_secret": "s", "channel_access_token": "t"}),  # no payment key
        json.dumps({"payment_webhook_key": "k", "channel_secret": "s", "channel_access_token": ""}),  # half LINE
    ],
)
def test_given_a_broken_secret_then_the_function_says_what_is_missing(text: str) -> None:
    with pytest.raises(RuntimeError, match=r"payment_webhook_key|channel_secret and channel_access_token"):
        ChannelKeys.from_secret_string(text)


def test_given_no_template_then_a_plain_password_is_generated() -> None:
    assert len(_generated_secret({"PasswordLength": 40})) == 40
