"""R-3.4: the identity level of a sign-in, read from the claims API Gateway passes to the functions."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from eservice.identity import identity_level, identity_provider, satisfies
from eservice.tenant import OidcProvider, Tenant, load_tenant, tenants_dir

POOL = "ap-southeast-1_Citizens1"
ISSUER = f"https://cognito-idp.ap-southeast-1.amazonaws.com/{POOL}"


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch) -> Tenant:
    monkeypatch.delenv("TENANTS_DIR", raising=False)
    return load_tenant(tenants_dir() / "klongnoy.yaml")


@pytest.mark.parametrize(
    "groups",
    [[f"{POOL}_thaid"], f"{POOL}_thaid", f"other,{POOL}_thaid", f"[other {POOL}_thaid]"],
    ids=["token list", "one", "api gateway comma list", "api gateway bracket list"],
)
def test_given_cognitos_provider_group_when_read_then_the_providers_level(tenant: Tenant, groups: Any) -> None:
    claims = {"iss": ISSUER, "sub": "s", "cognito:groups": groups}

    assert identity_provider(claims, tenant) == tenant.identity_providers[0]
    assert identity_level(claims, tenant) == "IAL2.3"


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": ISSUER, "sub": "s"},
        {"iss": ISSUER, "sub": "s", "cognito:groups": "thaid"},
        # The group of the same provider in another pool says nothing about this one.
        {"iss": ISSUER, "sub": "s", "cognito:groups": "ap-southeast-1_Other_thaid"},
    ],
    ids=["own account", "a group merely named thaid", "another pool's group"],
)
def test_given_no_provider_group_of_this_pool_then_ial1(tenant: Tenant, claims: dict[str, Any]) -> None:
    assert identity_provider(claims, tenant) is None
    assert identity_level(claims, tenant) == "IAL1"


def test_levels_are_ordered() -> None:
    assert satisfies("IAL2.3", "IAL2")
    assert satisfies("IAL2", "IAL2")
    assert not satisfies("IAL1", "IAL2")


def test_given_the_demo_provider_then_defaults_fit_cognito(tenant: Tenant) -> None:
    provider = tenant.identity_providers[0]

    assert provider.scopes == ("openid", "profile", "email")
    assert provider.secret_name(tenant.id) == "eservice/klongnoy/oidc/thaid"
    assert provider.attribute_mapping == {"email": "email", "name": "name"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scopes": ["profile"]}, "scopes"),
        ({"attribute_mapping": {"national_id": "pid"}}, "attribute_mapping"),
        ({"issuer": "imauth.bora.dopa.go.th"}, "issuer"),
    ],
)
def test_given_a_provider_cognito_would_refuse_then_invalid(change: dict[str, Any], field: str) -> None:
    base = {"id": "thaid", "name": {"th": "ไทยดี", "en": "ThaID"}, "issuer": "https://idp.example", "client_id": "c"}

    with pytest.raises(ValidationError) as raised:
        OidcProvider.model_validate({**base, **change})

    assert raised.value.errors()[0]["loc"][0] == field


def test_given_a_custom_attribute_mapping_then_accepted() -> None:
    provider = OidcProvider.model_validate(
        {
            "id": "thaid",
            "name": {"th": "ไทยดี", "en": "ThaID"},
            "issuer": "https://idp.example",
            "client_id": "c",
            "attribute_mapping": {"email": "email", "custom:pid": "pid"},
            "client_secret_name": "agency/thaid",
        }
    )

    assert provider.secret_name("klongnoy") == "agency/thaid"


# --- enforcement (R-3.4, issue 10: high-risk acts follow the service's identity level) --------------------
def _applications(tenant: Tenant) -> Any:
    from eservice.applications import Applications
    from eservice.memory import MemoryDatabase, MemoryExecutions

    return Applications(repos=MemoryDatabase().repositories, tenant=tenant, uploads=None, executions=MemoryExecutions())


def test_given_a_password_sign_in_when_starting_an_ial2_draft_then_refused_telling_to_use_thaid(tenant: Tenant) -> None:
    from eservice.applications import Applicant
    from eservice.errors import Forbidden

    with pytest.raises(Forbidden) as refused:
        _applications(tenant).create_draft(Applicant(id="u1", identity_level="IAL1"), "street-vending")

    assert refused.value.status == 403
    assert refused.value.code == "auth.identity_level"
    assert "ThaID" in refused.value.th and "ThaID" in refused.value.en
    assert "IAL2" in refused.value.en


@pytest.mark.parametrize("level", ["IAL2", "IAL2.3"])
def test_given_a_sign_in_at_the_level_when_starting_an_ial2_draft_then_started(tenant: Tenant, level: str) -> None:
    from eservice.applications import Applicant

    draft = _applications(tenant).create_draft(Applicant(id="u1", identity_level=level), "street-vending")

    assert draft["service_id"] == "street-vending"


def test_given_an_ial1_service_then_a_password_sign_in_is_enough(tenant: Tenant) -> None:
    from eservice.applications import Applicant

    draft = _applications(tenant).create_draft(Applicant(id="u1"), "fire-certificate")

    assert draft["service_id"] == "fire-certificate"


def test_given_an_unknown_level_string_then_treated_as_too_weak(tenant: Tenant) -> None:
    from eservice.errors import Forbidden
    from eservice.identity import require_level

    with pytest.raises(Forbidden):
        require_level("IAL9", "IAL2", tenant, act="withdraw")
    require_level("IAL2.3", "IAL2", tenant, act="withdraw")
