"""Payment providers: where a card payment is made (the provider's hosted page) and how it calls back.

Every provider here confirms payments with the same signed webhook (see ``payments.verify_webhook``);
they differ in where the applicant is sent to pay by card (Q6.2, Q6.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from .tenant import Tenant

__all__ = ["SIGNATURE_HEADER", "HostedCheckout", "PaymentProvider", "provider_for"]

#: Header of every provider's webhook, carrying ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``
#: (``payments.verify_webhook`` checks it; defined here, where intake can read it without loading the payments).
SIGNATURE_HEADER = "X-Eservice-Signature"


class PaymentProvider(Protocol):
    """What the e-Service needs from a payment provider."""

    @property
    def name(self) -> str:
        """The provider's id, as in the webhook route."""
        ...

    def card_checkout_url(self, *, ref1: str, ref2: str, amount_satang: int, return_url: str) -> str:
        """The provider's hosted card page for this bill; it redirects back to ``return_url``."""
        ...


@dataclass(frozen=True, kw_only=True)
class HostedCheckout:
    """A provider whose hosted page takes the bill in its query string and calls our webhook when paid."""

    name: str
    checkout_url: str

    def card_checkout_url(self, *, ref1: str, ref2: str, amount_satang: int, return_url: str) -> str:
        query = urlencode({"ref1": ref1, "ref2": ref2, "amount_satang": amount_satang, "return_url": return_url})
        return f"{self.checkout_url}?{query}"


def provider_for(tenant: Tenant, *, public_base_url: str) -> PaymentProvider:
    """The tenant's provider; the local simulator's page lives on the local stack itself."""
    if tenant.payment.provider == "local-simulator":
        return HostedCheckout(name="local-simulator", checkout_url=f"{public_base_url}/_local/pay/card")
    if not tenant.payment.checkout_url:
        raise ValueError("payment provider generic-hmac needs payment.checkout_url in the tenant file")
    return HostedCheckout(name=tenant.payment.provider, checkout_url=tenant.payment.checkout_url)
