"""The agency's keys for the outside services it deals with, kept in one secret (issue 14).

One Secrets Manager secret per agency holds, as JSON:
- ``payment_webhook_key``: the HMAC key the payment provider signs its webhooks with (Q6.3), generated
  at deployment and given to the provider;
- ``channel_secret`` and ``channel_access_token``: the LINE Messaging API channel's (Q4.4), put there by the
  agency's administrator from the LINE Developers console; empty until then, which means LINE is not set up;
- ``ckan_api_key``: the agency's account on the open data portal (R-5.3, data.go.th), put there by the
  administrator; empty: the register is published to the exports bucket and mailed, not pushed to CKAN.

One secret instead of one per service: each costs $0.40 a month, and most agencies of a cell are idle (the
idle goal is $2 per agency). The price: the functions that read it (intake, notify, clock) each see keys
they do not use, all of them the same agency's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .line import LineCredentials

__all__ = ["ChannelKeys"]


@dataclass(frozen=True, kw_only=True)
class ChannelKeys:
    payment_webhook_key: str
    #: None: the administrator has not put the LINE channel's secret and access token yet.
    line: LineCredentials | None
    #: Empty: no CKAN account yet.
    ckan_api_key: str = ""

    @classmethod
    def from_secret_string(cls, text: str) -> ChannelKeys:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data.get("payment_webhook_key"):
            raise RuntimeError("the channel keys secret must be JSON with a payment_webhook_key")
        line = None
        if data.get("channel_secret") or data.get("channel_access_token"):
            line = LineCredentials.from_secret_string(text)  # both or neither: half a LINE channel is an error
        return cls(
            payment_webhook_key=str(data["payment_webhook_key"]),
            line=line,
            ckan_api_key=str(data.get("ckan_api_key") or "").strip(),
        )
