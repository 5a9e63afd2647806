"""The edge (issue 10): security headers, the CloudFront firewall in us-east-1, the API reachable only
through CloudFront, and the public TSA held to its own key and its own limits; caching (issue 13).

Synthesized once for the module, like tests/infra/test_stack.py (layers not bundled).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api

from infra import web_headers
from infra.app import build_app, edge_stack_name, stack_name
from infra.edge import web_acl_parameter

from .test_stack import (
    NO_BUNDLING,
    Resources,
    _cfn_lint,
    function_grants,
    functions_by_service,
    of_type,
    props,
    target,
    targets_in,
)

# The exact policy, written out: a change to web_headers must show up here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    # Issue 13: the officer SPA shows a fetched file (attachment, draft licence) as a blob: frame.
    "frame-src 'self' blob:; "
    "connect-src 'self' https://cognito-idp.<AWS::Region>.amazonaws.com "
    "https://<CitizenFederationDomain>.auth.<AWS::Region>.amazoncognito.com "
    "https://<Uploads.RegionalDomainName> https://<Uploads>.s3.amazonaws.com "
    "https://<Documents.RegionalDomainName> https://<Documents>.s3.amazonaws.com; "
    "frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self' https://<CitizenFederationDomain>.auth.<AWS::Region>.amazoncognito.com; "
    "object-src 'none'"
)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed: gzip and brotli on, honours Cache-Control


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[cx_api.CloudAssembly]:
    with pytest.MonkeyPatch.context() as env:
        env.delenv("TENANTS_DIR", raising=False)
        app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk-edge")), context=NO_BUNDLING)
        build_app(app, tenant="klongnoy")
        yield app.synth()  # raises if cdk-nag finds anything unacknowledged


@pytest.fixture(scope="module")
def tenant(assembly: cx_api.CloudAssembly) -> cx_api.CloudFormationStackArtifact:
    return assembly.get_stack_by_name(stack_name("klongnoy"))


@pytest.fixture(scope="module")
def edge(assembly: cx_api.CloudAssembly) -> cx_api.CloudFormationStackArtifact:
    return assembly.get_stack_by_name(edge_stack_name("klongnoy"))


@pytest.fixture(scope="module")
def resources(tenant: cx_api.CloudFormationStackArtifact) -> Resources:
    return dict(tenant.template["Resources"])


@pytest.fixture(scope="module")
def distribution(resources: Resources) -> dict[str, Any]:
    (found,) = of_type(resources, "AWS::CloudFront::Distribution").values()
    return dict(props(found)["DistributionConfig"])


def text_of(value: Any, resources: Resources) -> str:
    """A template string with its references as ``<LogicalIdPrefix>`` / ``<LogicalIdPrefix.Attribute>``."""

    def short(logical_id: str) -> str:
        # CDK appends an 8-character hash to construct ids; pseudo parameters are kept whole.
        return logical_id if logical_id.startswith("AWS::") else logical_id[:-8]

    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(text_of(p, resources) for p in parts)
    if "Ref" in value:
        return f"<{short(value['Ref'])}>"
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{short(logical_id)}.{attribute}>"
    raise AssertionError(f"unexpected intrinsic {value}")


def behaviours(distribution: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"default": distribution["DefaultCacheBehavior"]} | {
        b["PathPattern"]: b for b in distribution.get("CacheBehaviors", [])
    }


# --- security headers ------------------------------------------------------------------------------
def test_given_every_behaviour_then_it_sends_the_security_headers_with_a_csp_without_inline_code(
    resources: Resources, distribution: dict[str, Any]
) -> None:
    (policy_id,) = {target(b.get("ResponseHeadersPolicyId")) for b in behaviours(distribution).values()}
    assert set(behaviours(distribution)) == {"default", "/api/*", "/pki/*", "/open-data/*"}
    config = props(resources[str(policy_id)])["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]

    csp = text_of(security["ContentSecurityPolicy"]["ContentSecurityPolicy"], resources)
    assert csp == CSP
    assert "unsafe" not in csp
    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": 63_072_000,
        "IncludeSubdomains": True,
        "Override": True,
    }
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True}
    custom = {h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]}
    assert custom == {"Permissions-Policy": web_headers.PERMISSIONS_POLICY}
    assert "camera=()" in custom["Permissions-Policy"] and "geolocation=()" in custom["Permissions-Policy"]
    # The same values the local front sends (one source of truth).
    local = web_headers.security_headers(csp)
    assert local["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert (local["X-Frame-Options"], local["Referrer-Policy"]) == ("DENY", "strict-origin-when-cross-origin")


# --- the firewall at the edge ----------------------------------------------------------------------
def test_given_the_edge_stack_then_a_cloudfront_web_acl_in_us_east_1_with_rate_and_managed_rules(
    edge: cx_api.CloudFormationStackArtifact,
) -> None:
    edge_resources = edge.template["Resources"]
    (acl_id, acl) = next(iter(of_type(edge_resources, "AWS::WAFv2::WebACL").items()))
    rules = {r["Name"]: r for r in props(acl)["Rules"]}

    assert edge.environment.region == "us-east-1"
    assert len(of_type(edge_resources, "AWS::WAFv2::WebACL")) == 1
    assert props(acl)["Scope"] == "CLOUDFRONT"
    assert props(acl)["DefaultAction"] == {"Allow": {}}
    per_ip = rules["per-ip-rate"]["Statement"]["RateBasedStatement"]
    assert (per_ip["AggregateKeyType"], per_ip["Limit"]) == ("IP", 1000)
    assert "ScopeDownStatement" not in per_ip
    assert rules["per-ip-rate"]["Action"] == {"Block": {}}
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    (parameter,) = of_type(edge_resources, "AWS::SSM::Parameter").values()
    assert props(parameter)["Name"] == web_acl_parameter("klongnoy") == "/eservice/klongnoy/edge/web-acl-arn"
    assert props(parameter)["Value"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_given_the_edge_template_then_cfn_lint_finds_nothing(edge: cx_api.CloudFormationStackArtifact) -> None:
    run = subprocess.run(
        [*_cfn_lint(), "--format", "json", "--", edge.template_full_path],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert run.returncode & 1 == 0, run.stderr  # 1: cfn-lint itself failed
    assert [f for f in json.loads(run.stdout or "[]") if f["Level"] != "Informational"] == []


def test_given_the_distribution_then_it_is_guarded_by_the_edge_acl_read_from_us_east_1(
    tenant: cx_api.CloudFormationStackArtifact, resources: Resources, distribution: dict[str, Any]
) -> None:
    reader_id = target(distribution["WebACLId"])
    reader = props(resources[str(reader_id)])
    call = json.loads(reader["Create"])

    assert resources[str(reader_id)]["Type"] == "Custom::AWS"
    assert distribution["WebACLId"] == {"Fn::GetAtt": [reader_id, "Parameter.Value"]}
    assert (call["service"], call["action"], call["region"]) == ("SSM", "getParameter", "us-east-1")
    assert call["parameters"] == {"Name": "/eservice/klongnoy/edge/web-acl-arn"}
    assert json.loads(reader["Update"]) == call
    # The reader may read that one parameter, nothing else.
    policies = [props(p) for i, p in of_type(resources, "AWS::IAM::Policy").items() if i.startswith("EdgeFirewallArn")]
    (statement,) = policies[0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "ssm:GetParameter"
    assert text_of(statement["Resource"], resources) == (
        "arn:<AWS::Partition>:ssm:us-east-1:<AWS::AccountId>:parameter/eservice/klongnoy/edge/web-acl-arn"
    )
    # The edge stack is deployed first.
    # (The manifest's ids: `.dependencies` would hand out the edge stack as a plain CloudArtifact, and jsii
    # would then give that same proxy to the `edge` fixture of a later test in this worker.)
    assert edge_stack_name("klongnoy") in (tenant.manifest.dependencies or [])


def test_given_the_api_then_execute_api_is_disabled_and_cloudfront_reaches_it_at_its_origin_domain(
    resources: Resources, distribution: dict[str, Any]
) -> None:
    (api_id, api) = next(iter(of_type(resources, "AWS::ApiGateway::RestApi").items()))
    (domain_id, domain) = next(iter(of_type(resources, "AWS::ApiGateway::DomainName").items()))
    (mapping,) = of_type(resources, "AWS::ApiGateway::BasePathMapping").values()
    (stage_id,) = of_type(resources, "AWS::ApiGateway::Stage")
    origins = {o["Id"]: o for o in distribution["Origins"]}
    api_origin = origins[behaviours(distribution)["/api/*"]["TargetOriginId"]]

    assert props(api)["DisableExecuteApiEndpoint"] is True
    assert props(domain)["DomainName"] == "api-origin.klongnoy.go.th"
    assert props(domain)["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert props(domain)["SecurityPolicy"] == "TLS_1_2"
    certificate = props(resources[str(target(props(domain)["RegionalCertificateArn"]))])
    assert (certificate["DomainName"], certificate["ValidationMethod"]) == ("api-origin.klongnoy.go.th", "DNS")
    assert props(mapping) == {
        "BasePath": "api",
        "DomainName": {"Ref": domain_id},
        "RestApiId": {"Ref": api_id},
        "Stage": {"Ref": stage_id},
    }
    assert api_origin["DomainName"] == {"Ref": domain_id}
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api_origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]


def test_given_the_api_origin_domain_then_only_requests_with_cloudfronts_origin_header_pass(
    resources: Resources, distribution: dict[str, Any]
) -> None:
    origins = {o["Id"]: o for o in distribution["Origins"]}
    api_origin = origins[behaviours(distribution)["/api/*"]["TargetOriginId"]]
    (header,) = api_origin["OriginCustomHeaders"]
    (stage_id,) = of_type(resources, "AWS::ApiGateway::Stage")
    (acl_id, acl) = next(iter(of_type(resources, "AWS::WAFv2::WebACL").items()))
    (association,) = of_type(resources, "AWS::WAFv2::WebACLAssociation").values()
    (rule,) = props(acl)["Rules"]
    match = rule["Statement"]["ByteMatchStatement"]
    secret = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}

    assert header == {"HeaderName": "X-Origin-Verify", "HeaderValue": secret}
    assert props(acl)["Scope"] == "REGIONAL"
    assert props(acl)["DefaultAction"] == {"Block": {}}
    assert rule["Action"] == {"Allow": {}}
    assert match["FieldToMatch"] == {"SingleHeader": {"Name": "x-origin-verify"}}
    assert (match["PositionalConstraint"], match["SearchString"]) == ("EXACTLY", secret)
    assert stage_id in targets_in(props(association)["ResourceArn"])
    assert target(props(association)["WebACLArn"]) == acl_id


# --- the timestamp authority -----------------------------------------------------------------------
def test_given_the_public_tsa_then_it_is_throttled_at_the_api_and_per_client_at_the_edge(
    resources: Resources, edge: cx_api.CloudFormationStackArtifact
) -> None:
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage").values()
    settings = {(s["HttpMethod"], s["ResourcePath"]): s for s in props(stage)["MethodSettings"]}
    (acl,) = of_type(edge.template["Resources"], "AWS::WAFv2::WebACL").values()
    rules = {r["Name"]: r for r in props(acl)["Rules"]}
    tsa_path = {
        "ByteMatchStatement": {
            "FieldToMatch": {"UriPath": {}},
            "PositionalConstraint": "STARTS_WITH",
            "SearchString": "/api/tsa",
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }

    tsa = settings[("POST", "/~1tsa")]
    assert (tsa["ThrottlingRateLimit"], tsa["ThrottlingBurstLimit"]) == (5, 10)
    assert tsa["ThrottlingRateLimit"] < settings[("*", "/*")]["ThrottlingRateLimit"]
    per_ip = rules["tsa-per-ip-rate"]["Statement"]["RateBasedStatement"]
    assert (per_ip["AggregateKeyType"], per_ip["Limit"], per_ip["ScopeDownStatement"]) == ("IP", 60, tsa_path)
    assert rules["tsa-per-ip-rate"]["Action"] == {"Block": {}}
    size_rule = rules["tsa-query-size"]["Statement"]["AndStatement"]["Statements"]
    assert size_rule[0] == tsa_path
    assert size_rule[1]["SizeConstraintStatement"]["ComparisonOperator"] == "GT"
    assert size_rule[1]["SizeConstraintStatement"]["Size"] == 1024
    assert size_rule[1]["SizeConstraintStatement"]["FieldToMatch"] == {"Body": {"OversizeHandling": "MATCH"}}
    assert rules["tsa-query-size"]["Action"] == {"Block": {}}


def test_given_the_tsa_then_it_signs_with_its_own_key_and_cannot_use_the_agency_seal_key(
    resources: Resources,
) -> None:
    fns = functions_by_service(resources)
    env = props(resources[fns["clock"]])["Environment"]["Variables"]
    tsa_key, seal_key = target(env["TSA_KEY_ID"]), target(env["SEAL_KEY_ID"])
    grants = function_grants(resources)

    def signers_of(key: str | None) -> set[str]:
        found = set()
        for name, statements in grants.items():
            for statement in statements:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                if "kms:Sign" in actions and key in targets_in(statement["Resource"]):
                    found.add(name)
        return found

    assert tsa_key != seal_key
    assert props(resources[str(tsa_key)])["KeyUsage"] == "SIGN_VERIFY"
    # POST /tsa is served by the clock function: it may sign timestamps, never seal documents.
    assert signers_of(tsa_key) == {"clock", "sign"}
    assert signers_of(seal_key) == {"sign"}


# --- caching (issue 13) ----------------------------------------------------------------------------
def test_given_the_sites_then_fonts_are_immutable_the_rest_revalidated_and_compressed_at_the_edge(
    resources: Resources, distribution: dict[str, Any]
) -> None:
    deployments = [props(r) for r in resources.values() if r["Type"] == "Custom::CDKBucketDeployment"]
    by_prefix: dict[str, list[dict[str, Any]]] = {}
    for deployment in deployments:
        by_prefix.setdefault(deployment.get("DestinationBucketKeyPrefix", ""), []).append(deployment)

    assert sorted(by_prefix) == ["", "fonts/", "officer/"]
    for prefix, (deployment,) in by_prefix.items():
        expected = web_headers.CACHE_IMMUTABLE if prefix == "fonts/" else web_headers.CACHE_REVALIDATE
        assert deployment["SystemMetadata"] == {"cache-control": expected}, prefix
    assert web_headers.CACHE_IMMUTABLE == "public, max-age=31536000, immutable"
    assert web_headers.CACHE_REVALIDATE == "no-cache"
    site = behaviours(distribution)["default"]
    assert (site["CachePolicyId"], site["Compress"]) == (CACHING_OPTIMIZED, True)
