"""R-3.4: how strongly a signed-in citizen's identity was proven, read from the ID token's claims.

Cognito puts every user it creates for an external identity provider in a group named
``<user pool id>_<provider name>`` and lists it in the ID token's ``cognito:groups``; only an
administrator can change that membership. The provider's assurance level is the agency's setting
(``identity_providers[].ial`` in the tenant file). A citizen who signed up with an e-mail address
and signs in with a password or an e-mail OTP is at IAL1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from .tenant import OidcProvider, Tenant

__all__ = ["IdentityLevel", "identity_level", "identity_provider", "satisfies"]

IdentityLevel = Literal["IAL1", "IAL2", "IAL2.3"]
_RANK: dict[str, int] = {"IAL1": 1, "IAL2": 2, "IAL2.3": 3}


def _groups(claims: Mapping[str, Any]) -> list[str]:
    raw = claims.get("cognito:groups") or []
    if isinstance(raw, list | tuple):
        return [str(g) for g in raw]
    # API Gateway passes a list claim as "a,b" (or "[a b]" in some integrations).
    return [g for g in re.split(r"[\s,\[\]]+", str(raw)) if g]


def identity_provider(claims: Mapping[str, Any], tenant: Tenant) -> OidcProvider | None:
    """The agency's identity provider the citizen signed in with, or None (own e-Service account)."""
    pool_id = str(claims.get("iss") or "").rstrip("/").rsplit("/", 1)[-1]
    if not pool_id:
        return None
    groups = set(_groups(claims))
    return next((p for p in tenant.identity_providers if f"{pool_id}_{p.id}" in groups), None)


def identity_level(claims: Mapping[str, Any], tenant: Tenant) -> IdentityLevel:
    """The identity assurance level of this sign-in."""
    provider = identity_provider(claims, tenant)
    return provider.ial if provider is not None else "IAL1"


def satisfies(level: IdentityLevel, required: IdentityLevel) -> bool:
    """Whether a sign-in at ``level`` is strong enough for a service that requires ``required``."""
    return _RANK[level] >= _RANK[required]
