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

from .errors import Forbidden
from .tenant import OidcProvider, Tenant

__all__ = ["IdentityLevel", "identity_level", "identity_provider", "require_level", "satisfies"]

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


def require_level(level: str, required: IdentityLevel, tenant: Tenant, *, act: str) -> None:
    """R-3.4: refuse ``act`` (403 ``auth.identity_level``) when the sign-in is weaker than ``required``.

    The message names the agency's providers strong enough (ThaID), so the citizen knows how to sign in.
    """
    if level in _RANK and satisfies(level, required):  # type: ignore[arg-type]
        return
    strong = [p for p in tenant.identity_providers if _RANK[p.ial] >= _RANK[required]]
    names_th = " หรือ ".join(p.name.th for p in strong) or "ผู้ให้บริการยืนยันตัวตนดิจิทัล"
    names_en = " or ".join(p.name.en for p in strong) or "a Digital ID provider"
    acts = _ACTS.get(act, _ACTS["submit"])
    raise Forbidden(
        code="auth.identity_level",
        th=(
            f"{acts[0]}ต้องยืนยันตัวตนระดับ {required} ขึ้นไป การเข้าสู่ระบบด้วยรหัสผ่านเป็นระดับ IAL1 "
            f"กรุณาเข้าสู่ระบบด้วย {names_th} แล้วลองอีกครั้ง"
        ),
        en=(
            f"{acts[1]} needs identity level {required} or higher; a password sign-in is IAL1. "
            f"Sign in with {names_en} and try again."
        ),
    )


_ACTS: dict[str, tuple[str, str]] = {
    "draft": ("การเริ่มกรอกคำขอบริการนี้", "Starting a request for this service"),
    "submit": ("การยื่นคำขอบริการนี้", "Submitting a request for this service"),
    "withdraw": ("การถอนคำขอบริการนี้", "Withdrawing a request for this service"),
    "resubmit": ("การส่งเอกสารเพิ่มเติมของบริการนี้", "Sending further documents for this service"),
}
