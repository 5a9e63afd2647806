"""Q2.1, Q2.2: the citizen pool federates with the agency's Digital ID providers, as deployed.

One synthesis of the demo tenant (ThaID as its one provider), layers not bundled; cdk-nag runs
during synthesis and raises on any unacknowledged finding.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
import pytest

from infra.app import build_app

Resources = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> Resources:
    with pytest.MonkeyPatch.context() as env:
        env.delenv("TENANTS_DIR", raising=False)
        app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk-identity")), context={"aws:cdk:bundling-stacks": []})
        build_app(app, tenant="klongnoy")
        assembly = app.synth()
    return dict(assembly.get_stack_by_name("eservice-klongnoy").template["Resources"])


def one(resources: Resources, type_: str) -> tuple[str, dict[str, Any]]:
    found = [(k, v) for k, v in resources.items() if v["Type"] == type_]
    assert len(found) == 1, found
    return found[0]


def citizen_client(resources: Resources) -> dict[str, Any]:
    return next(v for k, v in resources.items() if k.startswith("CitizenPoolCitizenWebClient"))


def test_given_the_tenant_then_the_citizen_pool_has_its_own_sign_in_domain(resources: Resources) -> None:
    _, domain = one(resources, "AWS::Cognito::UserPoolDomain")

    assert domain["Properties"]["Domain"] == "eservice-klongnoy"
    assert domain["Properties"]["UserPoolId"]["Ref"].startswith("CitizenPool")


def test_given_thaid_in_the_tenant_then_an_oidc_provider_whose_secret_stays_in_secrets_manager(
    resources: Resources,
) -> None:
    logical, provider = one(resources, "AWS::Cognito::UserPoolIdentityProvider")
    properties = provider["Properties"]

    assert properties["ProviderName"] == "thaid"
    assert properties["ProviderType"] == "OIDC"
    assert properties["UserPoolId"]["Ref"].startswith("CitizenPool")
    details = properties["ProviderDetails"]
    assert details["oidc_issuer"] == "https://imauth.bora.dopa.go.th"
    assert details["client_id"] == "klongnoy-eservice"
    assert details["authorize_scopes"] == "openid profile email"
    # A CloudFormation dynamic reference: resolved at deployment, never written in the template.
    assert details["client_secret"] == "{{resolve:secretsmanager:eservice/klongnoy/oidc/thaid:SecretString:::}}"
    assert properties["AttributeMapping"] == {"email": "email", "name": "name"}
    assert logical in citizen_client(resources).get("DependsOn", [])


def test_given_the_citizen_web_client_then_code_grant_back_to_the_site_with_cognito_and_thaid(
    resources: Resources,
) -> None:
    properties = citizen_client(resources)["Properties"]

    assert properties["AllowedOAuthFlows"] == ["code"]  # no implicit grant: tokens never in the URL
    assert properties["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(properties["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert properties["CallbackURLs"] == ["https://klongnoy.go.th/"]
    assert properties["SupportedIdentityProviders"] == ["COGNITO", "thaid"]
    assert "GenerateSecret" not in properties  # a public client (the site): PKCE instead of a secret


def pool(resources: Resources, prefix: str) -> dict[str, Any]:
    return next(
        v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::Cognito::UserPool" and k.startswith(prefix)
    )


def test_given_the_officer_pool_then_totp_is_required_at_every_sign_in_and_nothing_else(resources: Resources) -> None:
    officers = pool(resources, "OfficerPool")

    assert officers["MfaConfiguration"] == "ON"
    assert officers["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]  # no SMS, no e-mail as second factor
    assert officers["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


@pytest.mark.parametrize("prefix", ["CitizenPool", "OfficerPool"])
def test_given_a_new_email_address_then_the_verified_one_is_kept_until_the_new_one_is_confirmed(
    resources: Resources, prefix: str
) -> None:
    properties = pool(resources, prefix)

    assert properties["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert "email" in properties["AutoVerifiedAttributes"]  # Cognito sends the code to the new address


def test_given_a_silo_agency_then_its_officer_pool_has_no_token_trigger_and_its_client_no_agency_name(
    resources: Resources,
) -> None:
    """Issue 14: the pre token generation trigger guards a cell's shared officer pool. A silo agency's pool holds
    its own officers only and every client of it is its own: no trigger, no invocation per sign-in."""
    from eservice.officer_pool import client_tenant

    _, officers = next(
        (k, v) for k, v in resources.items() if k.startswith("OfficerPool") and v["Type"].endswith("Pool")
    )
    clients = [v["Properties"] for v in resources.values() if v["Type"] == "AWS::Cognito::UserPoolClient"]
    services = [
        v["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
        for v in resources.values()
        if v["Type"] == "AWS::Lambda::Function"
    ]

    assert "LambdaConfig" not in officers["Properties"]
    assert not any(client_tenant(c.get("ClientName")) for c in clients)
    assert "eservice-officer-tokens" not in services
