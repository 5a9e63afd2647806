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
