"""The synthesized CloudFormation of one agency: what an operator deploys, checked resource by resource.

The klongnoy stack is synthesized once for the module (about 6 s); the multi-tenant app once more,
only for the tests that need it. Layers are not bundled (no pip, no Docker).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Match, Template

from eservice.indexes import INDEX_ATTRIBUTES
from eservice.tenant import OFFICER_GROUPS, load_all_tenants, load_tenant, tenants_dir
from infra.app import build_app, edge_stack_name, stack_name
from infra.policy_size import (
    ENVIRONMENT_LIMIT,
    INLINE_LIMIT,
    MANAGED_LIMIT,
    environment_sizes,
    inline_sizes,
    managed_sizes,
)
from infra.routes import GATEWAY_REFUSALS, intake_routes

REPO = Path(__file__).resolve().parents[2]
NO_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}

Resources = dict[str, dict[str, Any]]
#: The demo tenant's units (R-2.1: one officer group each).
TENANT_UNITS = tuple(load_tenant(REPO / "tenants" / "klongnoy.yaml", check_files=False).units)


@dataclass(frozen=True)
class Synthesized:
    app: cdk.App
    outdir: Path
    assembly: cx_api.CloudAssembly

    def stack(self, name: str) -> cx_api.CloudFormationStackArtifact:
        return self.assembly.get_stack_by_name(name)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    outdir = tmp_path_factory.mktemp("cdk-klongnoy")
    with pytest.MonkeyPatch.context() as env:
        env.delenv("TENANTS_DIR", raising=False)
        app = cdk.App(outdir=str(outdir), context=NO_BUNDLING)
        build_app(app, tenant="klongnoy")
        assembly = app.synth()  # raises if cdk-nag finds anything unacknowledged
    yield Synthesized(app=app, outdir=outdir, assembly=assembly)


@pytest.fixture(scope="module")
def artifact(synthesized: Synthesized) -> cx_api.CloudFormationStackArtifact:
    return synthesized.stack("eservice-klongnoy")


@pytest.fixture(scope="module")
def template(artifact: cx_api.CloudFormationStackArtifact) -> Template:
    return Template.from_json(artifact.template)


@pytest.fixture(scope="module")
def resources(artifact: cx_api.CloudFormationStackArtifact) -> Resources:
    return dict(artifact.template["Resources"])


# --- helpers over the template ------------------------------------------------------------------
def of_type(resources: Resources, type_: str) -> Resources:
    return {logical_id: r for logical_id, r in resources.items() if r["Type"] == type_}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return dict(resource.get("Properties", {}))


def target(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` points to (None for anything else)."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def function_aliases(resources: Resources) -> dict[str, str | None]:
    """Each function alias (SnapStart's "live" alias, tests/infra/test_snapstart.py) to its function."""
    aliases = of_type(resources, "AWS::Lambda::Alias")
    return {logical: target(props(alias)["FunctionName"]) for logical, alias in aliases.items()}


def targets_in(value: Any) -> set[str]:
    """Every logical id referenced anywhere inside a value (through joins, subs, lists)."""
    found: set[str] = set()
    if isinstance(value, dict):
        direct = target(value)
        if direct is not None:
            found.add(direct)
        for inner in value.values():
            found |= targets_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= targets_in(inner)
    return found


def functions_by_service(resources: Resources) -> dict[str, str]:
    """``intake``/``clock``/``sign``/``notify`` -> logical id of the Lambda function.

    CDK's own site-publishing function (BucketDeployment) is not one of the service's functions.
    """
    out = {}
    for logical_id, fn in of_type(resources, "AWS::Lambda::Function").items():
        variables = props(fn).get("Environment", {}).get("Variables", {})
        if "POWERTOOLS_SERVICE_NAME" in variables:
            out[variables["POWERTOOLS_SERVICE_NAME"].removeprefix("eservice-")] = logical_id
    return out


def function_grants(resources: Resources) -> dict[str, list[dict[str, Any]]]:
    """Each function's statements (``intake``/``clock``/``sign``/``notify``): the four share one role (issue 14,
    infra/function_role.py), so a statement is a function's when its ``lambda:SourceFunctionArn`` condition
    names that function, or when it has no such condition (the role's default policy and its shared managed
    policy: every function's)."""
    fns = functions_by_service(resources)
    roles = {target(props(resources[logical])["Role"]) for logical in fns.values()}
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in fns}
    policies = [
        *of_type(resources, "AWS::IAM::Policy").values(),
        *of_type(resources, "AWS::IAM::ManagedPolicy").values(),
    ]
    for policy in policies:
        if not {target(r) for r in props(policy).get("Roles", [])} & roles:
            continue
        for statement in props(policy)["PolicyDocument"]["Statement"]:
            condition = statement.get("Condition", {})
            if "Null" in condition:  # what AWS services do with the role, never a function's code
                continue
            named = targets_in(condition.get("ArnLike", {}).get("lambda:SourceFunctionArn"))
            for name, logical in fns.items():
                if not named or logical in named:
                    found[name].append(statement)
    return found


def function_env(resources: Resources, name: str) -> dict[str, Any]:
    return dict(props(resources[functions_by_service(resources)[name]])["Environment"]["Variables"])


def officer_pool(resources: Resources) -> str:
    """The user pool the officer groups belong to."""
    pools = {target(props(g)["UserPoolId"]) for g in of_type(resources, "AWS::Cognito::UserPoolGroup").values()}
    assert len(pools) == 1, pools
    return str(pools.pop())


def citizen_pool(resources: Resources) -> str:
    others = set(of_type(resources, "AWS::Cognito::UserPool")) - {officer_pool(resources)}
    assert len(others) == 1, others
    return others.pop()


@dataclass(frozen=True)
class ApiMethod:
    http_method: str
    path: str
    authorization_type: str
    pool: str | None  # logical id of the user pool of the authorizer
    function: str | None  # logical id of the integrated Lambda function


def api_methods(resources: Resources) -> list[ApiMethod]:
    paths: dict[str, str] = {}
    api_resources = of_type(resources, "AWS::ApiGateway::Resource")

    def path_of(resource_id: Any) -> str:
        if isinstance(resource_id, dict) and "Fn::GetAtt" in resource_id:
            assert resource_id["Fn::GetAtt"][1] == "RootResourceId"
            return ""
        logical_id = str(target(resource_id))
        if logical_id not in paths:
            resource = props(api_resources[logical_id])
            paths[logical_id] = f"{path_of(resource['ParentId'])}/{resource['PathPart']}"
        return paths[logical_id]

    pools_of_authorizers = {
        logical_id: target(props(a)["ProviderARNs"][0])
        for logical_id, a in of_type(resources, "AWS::ApiGateway::Authorizer").items()
    }
    aliases = function_aliases(resources)
    methods = []
    for method in of_type(resources, "AWS::ApiGateway::Method").values():
        p = props(method)
        authorizer = target(p.get("AuthorizerId"))
        # A method invokes a function's "live" alias (SnapStart, tests/infra/test_snapstart.py): its function.
        targets = {aliases.get(t, t) for t in targets_in(p.get("Integration", {}).get("Uri"))}
        lambdas = targets & set(of_type(resources, "AWS::Lambda::Function"))
        methods.append(
            ApiMethod(
                http_method=p["HttpMethod"],
                path=path_of(p["ResourceId"]) or "/",
                authorization_type=p.get("AuthorizationType", "NONE"),
                pool=pools_of_authorizers[authorizer] if authorizer else None,
                function=lambdas.pop() if len(lambdas) == 1 else None,
            )
        )
    return methods


def under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


# --- storage ------------------------------------------------------------------------------------
def test_given_the_stack_then_the_table_keeps_its_history_and_is_encrypted_with_the_data_key(
    template: Template, resources: Resources
) -> None:
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "DeletionProtectionEnabled": True,
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
        },
    )
    table_id, table = next(iter(of_type(resources, "AWS::DynamoDB::Table").items()))
    key = target(props(table)["SSESpecification"]["KMSMasterKeyId"])
    assert props(resources[str(key)]).get("EnableKeyRotation") is True
    indexes = ["GSI1", "GSI2", "GSI3", "GSI4"]
    assert sorted(index["IndexName"] for index in props(table)["GlobalSecondaryIndexes"]) == indexes
    assert table.get("DeletionPolicy") == "Retain"
    for name in functions_by_service(resources):
        assert target(function_env(resources, name)["TABLE_NAME"]) == table_id


def test_given_the_table_then_each_index_holds_only_keys_and_what_its_queries_filter_on(resources: Resources) -> None:
    # Issue 14: every write of the request item pays for each index copy it changes; whole-item copies
    # (projection ALL) made it five times the item. Lists complete their rows from the table by key.
    table = next(iter(of_type(resources, "AWS::DynamoDB::Table").values()))
    projections = {i["IndexName"]: i["Projection"] for i in props(table)["GlobalSecondaryIndexes"]}

    assert projections == {
        "GSI1": {"ProjectionType": "KEYS_ONLY"},
        "GSI2": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["service_id"]},
        "GSI3": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["search"]},
        "GSI4": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["due_at", "service_id", "waiting"]},
    }
    assert {name: list(INDEX_ATTRIBUTES[name]) for name in projections} == {
        name: p.get("NonKeyAttributes", []) for name, p in projections.items()
    }


def test_given_every_bucket_then_public_access_is_blocked_and_objects_are_encrypted(resources: Resources) -> None:
    buckets = of_type(resources, "AWS::S3::Bucket")
    assert len(buckets) >= 4
    for logical_id, bucket in buckets.items():
        p = props(bucket)
        assert p["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, logical_id
        rules = p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules and rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("aws:kms", "AES256"), logical_id


def test_given_the_documents_bucket_then_it_is_versioned_and_locked_against_deletion(resources: Resources) -> None:
    documents = props(resources[str(target(function_env(resources, "sign")["DOCUMENTS_BUCKET"]))])

    assert documents["VersioningConfiguration"] == {"Status": "Enabled"}
    assert documents["ObjectLockEnabled"] is True
    retention = documents["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] in ("GOVERNANCE", "COMPLIANCE")
    assert retention.get("Days", 0) > 0 or retention.get("Years", 0) > 0


def test_given_the_uploads_bucket_then_browsers_of_the_agency_site_may_post_upload_forms(resources: Resources) -> None:
    uploads = props(resources[str(target(function_env(resources, "intake")["UPLOADS_BUCKET"]))])

    rules = uploads["CorsConfiguration"]["CorsRules"]
    # Only the signed form upload (S3 POST policy with its size range): no PUT whose size nothing limits;
    # GET for the officer's in-page preview of a file through its presigned link (issue 13).
    assert {method for rule in rules for method in rule["AllowedMethods"]} == {"POST", "GET"}
    origins = {origin for rule in rules for origin in rule["AllowedOrigins"]}
    assert "*" not in origins
    assert all(origin.startswith("https://") and origin.endswith("klongnoy.go.th") for origin in origins), origins


# --- lifecycle and malware scanning of uploads (issue 10) -------------------------------------------------
def _bucket_of(resources: Resources, env_name: str) -> dict[str, Any]:
    return props(resources[str(target(function_env(resources, "intake")[env_name]))])


def _rules(bucket: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Id"]: rule for rule in bucket.get("LifecycleConfiguration", {}).get("Rules", [])}


def test_given_the_uploads_bucket_then_only_quarantine_expires_and_unfinished_uploads_are_aborted(
    resources: Resources,
) -> None:
    rules = _rules(_bucket_of(resources, "UPLOADS_BUCKET"))

    quarantine = rules["QuarantineExpires"]
    assert quarantine["Status"] == "Enabled"
    assert quarantine["Prefix"] == "quarantine/"
    assert quarantine["ExpirationInDays"] == 30  # tenants/klongnoy.yaml security.quarantine_days
    assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    # Nothing else of the bucket (clean/: accepted attachments, the record's evidence) ever expires.
    expiring = [r for r in rules.values() if "ExpirationInDays" in r or "ExpirationDate" in r]
    assert [r.get("Prefix") for r in expiring] == ["quarantine/"]


def test_given_the_documents_and_exports_then_no_lifecycle_rule_deletes_a_record(resources: Resources) -> None:
    documents = _rules(_bucket_of(resources, "DOCUMENTS_BUCKET"))
    exports = _rules(next(props(b) for b in of_type(resources, "AWS::S3::Bucket").values() if _is_exports(b)))

    for rules in (documents, exports):
        assert rules["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
        for rule in rules.values():
            assert not {"ExpirationInDays", "ExpirationDate", "NoncurrentVersionExpiration"} & set(rule), rule
            assert not rule.get("ExpiredObjectDeleteMarker"), rule
    superseded = exports["SupersededExportsToArchive"]["NoncurrentVersionTransitions"]
    assert superseded == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 30}]


def _is_exports(bucket: dict[str, Any]) -> bool:
    rules = props(bucket).get("LifecycleConfiguration", {}).get("Rules", [])
    return any(rule["Id"] == "SupersededExportsToArchive" for rule in rules)


def test_given_the_stack_then_each_role_fits_iams_size_limits(resources: Resources) -> None:
    """IAM refuses a role whose inline policies resolve to over 10,240 characters, and a managed policy over
    6,144 (infra/policy_size.py bounds each reference by the longest value it can take). One condition on
    every grant once made the functions' role 44,000 characters, which no deployment would have accepted."""
    template = {"Resources": resources}
    inline, managed = inline_sizes(template), managed_sizes(template)
    role = target(props(resources[functions_by_service(resources)["intake"]])["Role"])

    assert inline and all(size <= INLINE_LIMIT for size in inline.values()), inline
    assert all(size <= MANAGED_LIMIT for size in managed.values()), managed
    assert inline[str(role)] > 0.5 * INLINE_LIMIT  # the role that holds the functions' grants is the one measured
    assert len(managed) == 1  # one customer managed policy an agency (1,500 an account: infra/quotas.py)


def test_given_the_stack_then_it_fits_cloudformations_and_lambdas_limits(
    artifact: cx_api.CloudFormationStackArtifact,
) -> None:
    """CloudFormation refuses a template of over 500 resources, 200 outputs or 1 MB (uploaded through S3), and
    Lambda an environment of over 4 KB (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
    cloudformation-limits.html): checked here, not first met by an agency's deployment."""
    template = dict(artifact.template)
    environments = environment_sizes(template)

    assert len(template["Resources"]) <= 500, len(template["Resources"])
    assert len(template.get("Outputs", {})) <= 200
    assert len(json.dumps(template, separators=(",", ":"))) <= 1_000_000
    assert environments and all(size <= ENVIRONMENT_LIMIT for size in environments.values()), environments


def test_given_the_four_functions_then_they_share_one_role_and_each_statement_holds_for_one_function_only(
    resources: Resources,
) -> None:
    """Issue 14: one role per agency (its functions and its schedules), least privilege kept per function by
    ``lambda:SourceFunctionArn`` (infra/function_role.py)."""
    fns = functions_by_service(resources)
    (role,) = {target(props(resources[logical])["Role"]) for logical in fns.values()}
    trusted = props(resources[str(role)])["AssumeRolePolicyDocument"]["Statement"]
    assert sorted(s["Principal"]["Service"] for s in trusted) == ["lambda.amazonaws.com", "scheduler.amazonaws.com"]
    aliases = function_aliases(resources)
    calling = [
        s
        for s in of_type(resources, "AWS::Scheduler::Schedule").values()
        if aliases.get(str(target(props(s)["Target"]["Arn"]))) in fns.values()
    ]  # the schedules that call a function (the table's export has its own service role)
    assert len(calling) >= 4 and {target(props(s)["Target"]["RoleArn"]) for s in calling} == {role}
    by_function = {logical: name for name, logical in fns.items()}
    seen: set[str] = set()
    (shared,) = [
        logical
        for logical, policy in of_type(resources, "AWS::IAM::ManagedPolicy").items()
        if [target(r) for r in props(policy)["Roles"]] == [role]
    ]
    every, services = [], []
    for s in props(resources[shared])["PolicyDocument"]["Statement"]:
        (every if "Condition" not in s else services).append(s)
    # The agency's data and task tokens: every function's, no condition; nothing else is.
    for s in every:
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        assert all(a.split(":")[0] in ("dynamodb", "s3", "kms") or a.startswith("states:SendTask") for a in actions), s
        assert "kms:Sign" not in actions and "s3:DeleteObject" not in actions, s
    # The scheduler and Lambda, never a function's code.
    assert [s["Condition"] for s in services] == [{"Null": {"lambda:SourceFunctionArn": "true"}}] * len(services)
    invoked = {
        target(r["Fn::Join"][1][0])
        for s in services
        if "lambda:InvokeFunction" in s["Action"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        if "Fn::Join" in r and r["Fn::Join"][1][1:] == [":live"]
    }
    assert {fns["clock"], fns["notify"], fns["sign"]} <= invoked, invoked
    assert {a for s in services for a in s["Action"]} == {"kms:GenerateDataKey", "kms:Decrypt", "lambda:InvokeFunction"}
    for logical, policy in of_type(resources, "AWS::IAM::Policy").items():
        if [target(r) for r in props(policy)["Roles"]] != [role]:
            continue
        statements = props(policy)["PolicyDocument"]["Statement"]
        conditions = [s.get("Condition") for s in statements]
        if logical.startswith("FunctionsRoleDefaultPolicy"):  # CDK's own grants: dead letters, X-Ray traces
            assert conditions == [None, None]
            assert [s["Action"] for s in statements] == [
                "sqs:SendMessage",
                ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            ]
        else:  # one function's grants: every statement on the condition that the request comes from it
            (name,) = {by_function[target(c["ArnLike"]["lambda:SourceFunctionArn"][0]) or ""] for c in conditions}
            arn = {"Fn::GetAtt": [fns[name], "Arn"]}
            for condition in conditions:
                held = condition["ArnLike"]
                assert held == {"lambda:SourceFunctionArn": [arn, {"Fn::Join": ["", [arn, ":*"]]}]}, (logical, held)
                assert set(condition) <= {"ArnLike", "StringEquals"}, (logical, condition)  # iam:PassRole's: below
            seen.add(name)
            for s in statements:
                if s["Action"] == "iam:PassRole":  # its own role, to EventBridge Scheduler only
                    assert target(s["Resource"]) == role, s
                    assert s["Condition"]["StringEquals"] == {"iam:PassedToService": "scheduler.amazonaws.com"}, s
    assert seen == set(fns)
    # Nothing calls a function before its grants exist: every caller names its alias, or is a schedule.
    policies = {
        name: logical
        for logical in of_type(resources, "AWS::IAM::Policy")
        for name in fns
        if logical.startswith(f"{name.title()}Grants")
    }
    for alias, function in aliases.items():
        (name,) = [n for n, logical in fns.items() if logical == function]
        assert sorted(resources[alias]["DependsOn"]) == sorted([policies[name], shared]), alias
    assert all(shared in s["DependsOn"] for s in calling)
    grants = function_grants(resources)
    # What only one function may do stays that function's alone.
    only = {
        "kms:Sign": {"clock", "sign"},  # the TSA key (clock, sign) and the seal key (sign), test_edge.py
        "ses:SendEmail": {"clock", "notify"},
        "sns:Publish": {"notify"},
        "states:StartExecution": {"intake", "clock"},
        "cognito-idp:AdminAddUserToGroup": {"intake"},
        "iam:PassRole": {"intake", "clock"},
    }
    for action, holders in only.items():
        found = {
            name
            for name, statements in grants.items()
            for s in statements
            if action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        }
        assert found == holders, action


def test_given_malware_scanning_then_guardduty_protects_quarantine_and_tags_each_scanned_upload(
    resources: Resources,
) -> None:
    (plan,) = [props(p) for p in of_type(resources, "AWS::GuardDuty::MalwareProtectionPlan").values()]
    uploads = target(function_env(resources, "intake")["UPLOADS_BUCKET"])

    bucket = plan["ProtectedResource"]["S3Bucket"]
    assert target(bucket["BucketName"]) == uploads
    assert bucket["ObjectPrefixes"] == ["quarantine/"]
    assert plan["Actions"] == {"Tagging": {"Status": "ENABLED"}}
    role = resources[str(target(plan["Role"]))]
    trusted = props(role)["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
    assert trusted == "malware-protection-plan.guardduty.amazonaws.com"
    actions: set[str] = set()
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        if {target(r) for r in props(policy)["Roles"]} == {target(plan["Role"])}:
            for statement in props(policy)["PolicyDocument"]["Statement"]:
                found = statement["Action"]
                actions |= {found} if isinstance(found, str) else set(found)
    assert {"s3:GetObject", "s3:PutObjectTagging", "s3:PutBucketNotification", "events:PutRule"} <= actions
    assert {"kms:Decrypt", "kms:GenerateDataKey"} <= actions
    assert not {a for a in actions if a.startswith("s3:Delete")}


def test_given_every_bucket_then_its_policy_refuses_requests_without_tls(resources: Resources) -> None:
    denies_plain_http: set[str] = set()
    for policy in of_type(resources, "AWS::S3::BucketPolicy").values():
        p = props(policy)
        for statement in p["PolicyDocument"]["Statement"]:
            if (
                statement["Effect"] == "Deny"
                and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            ):
                denies_plain_http.add(str(target(p["Bucket"])))

    assert denies_plain_http == set(of_type(resources, "AWS::S3::Bucket"))


# --- keys and identity --------------------------------------------------------------------------
def test_given_the_keys_then_two_signing_keys_and_one_rotating_data_key(resources: Resources) -> None:
    keys = [props(k) for k in of_type(resources, "AWS::KMS::Key").values()]

    signing = [k for k in keys if k.get("KeyUsage") == "SIGN_VERIFY"]
    symmetric = [k for k in keys if k.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"]
    assert len(keys) == 3
    assert [k["KeySpec"] for k in signing] == ["RSA_2048", "RSA_2048"]
    assert len(symmetric) == 1
    assert symmetric[0]["EnableKeyRotation"] is True


def test_given_the_user_pools_then_officers_need_mfa_and_have_their_groups(resources: Resources) -> None:
    pools = of_type(resources, "AWS::Cognito::UserPool")
    officers = officer_pool(resources)

    assert len(pools) == 2
    assert props(pools[officers])["MfaConfiguration"] == "ON"
    assert props(pools[officers])["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    groups = {props(g)["GroupName"] for g in of_type(resources, "AWS::Cognito::UserPoolGroup").values()}
    units = {f"unit-{unit}" for unit in TENANT_UNITS}
    assert groups - units == {"reviewer", "approver", "signer", "finance", "head", "admin", "records"}
    assert groups - units == set(OFFICER_GROUPS)
    # R-2.1: one group per unit of the tenant; officers see their units' requests.
    assert units <= groups
    assert props(pools[citizen_pool(resources)])["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    # Silo mode: the agency's own officer pool keeps the plain group names (a cell prefixes them: test_cell.py).
    for name in ("intake", "notify"):
        assert "OFFICER_GROUP_PREFIX" not in function_env(resources, name)


# --- the API ------------------------------------------------------------------------------------
def test_given_the_api_then_one_throttled_stage_named_api_and_cognito_authorizers(
    template: Template, resources: Resources
) -> None:
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    stages = of_type(resources, "AWS::ApiGateway::Stage")
    assert [props(s)["StageName"] for s in stages.values()] == ["api"]
    settings = props(next(iter(stages.values())))["MethodSettings"]
    assert any(s.get("ThrottlingRateLimit", 0) > 0 and s.get("ThrottlingBurstLimit", 0) > 0 for s in settings)
    authorizers = of_type(resources, "AWS::ApiGateway::Authorizer")
    assert {props(a)["Type"] for a in authorizers.values()} == {"COGNITO_USER_POOLS"}
    pools = {target(props(a)["ProviderARNs"][0]) for a in authorizers.values()}
    assert pools == {officer_pool(resources), citizen_pool(resources)}


CITIZEN_PREFIXES = ("/drafts", "/requests", "/me")
PUBLIC_PREFIXES = (
    "/services",
    "/agency",
    "/register",
    "/verify",
    "/openapi.json",
    "/tsa",
    "/announcements",
    "/payments/webhook",
    "/line/webhook",  # signed by LINE with the channel secret (X-Line-Signature), not by a user pool
)


def test_given_each_api_method_then_its_path_decides_who_must_be_signed_in(resources: Resources) -> None:
    officers, citizens = officer_pool(resources), citizen_pool(resources)
    methods = api_methods(resources)
    assert methods

    for m in methods:
        where = f"{m.http_method} {m.path}"
        if under(m.path, "/officer"):
            assert (m.authorization_type, m.pool) == ("COGNITO_USER_POOLS", officers), where
        elif any(under(m.path, prefix) for prefix in CITIZEN_PREFIXES):
            assert (m.authorization_type, m.pool) == ("COGNITO_USER_POOLS", citizens), where
        elif any(under(m.path, prefix) for prefix in PUBLIC_PREFIXES):
            assert (m.authorization_type, m.pool) == ("NONE", None), where
        else:
            pytest.fail(f"{where}: a route outside the known citizen, officer and public areas")


def test_given_the_api_then_its_methods_are_exactly_the_documented_routes(resources: Resources) -> None:
    intake, clock = functions_by_service(resources)["intake"], functions_by_service(resources)["clock"]
    pools = {"officer": officer_pool(resources), "citizen": citizen_pool(resources), None: None}
    methods = api_methods(resources)
    routes = intake_routes()

    served_by_intake = {(m.http_method, m.path, m.pool) for m in methods if m.function == intake}
    declared = {(r.method, r.path, pools[r.auth]) for r in routes if r.function == "intake"}
    assert served_by_intake == declared
    # The TSA is documented in intake's OpenAPI document, but the clock function (with the TSA key) serves it.
    assert {(r.method, r.path, r.function) for r in routes if r.function != "intake"} == {("POST", "/tsa", "clock")}
    assert {(m.http_method, m.path) for m in methods if m.function != intake} == {("POST", "/tsa")}
    assert next(m for m in methods if m.path == "/tsa").function == clock
    assert len(methods) == len(routes)  # no method twice, none undocumented


def test_given_the_api_stage_then_the_web_firewall_guards_it(resources: Resources) -> None:
    stage = next(iter(of_type(resources, "AWS::ApiGateway::Stage")))
    acls = of_type(resources, "AWS::WAFv2::WebACL")
    associations = [props(a) for a in of_type(resources, "AWS::WAFv2::WebACLAssociation").values()]

    assert [props(acl)["Scope"] for acl in acls.values()] == ["REGIONAL"]
    assert any(stage in targets_in(a["ResourceArn"]) and target(a["WebACLArn"]) in acls for a in associations)


# --- functions and the saga ---------------------------------------------------------------------
def test_given_the_functions_then_four_on_python_3_13_with_layers_and_a_dead_letter_queue(
    resources: Resources,
) -> None:
    functions = functions_by_service(resources)
    layers = of_type(resources, "AWS::Lambda::LayerVersion")
    layer = {name: next(i for i in layers if i.startswith(name)) for name in ("CoreLayer", "TenantLayer", "PdfLayer")}
    queues = of_type(resources, "AWS::SQS::Queue")

    assert sorted(functions) == ["clock", "intake", "notify", "sign"]
    for name, logical_id in functions.items():
        p = props(resources[logical_id])
        assert p["Runtime"] == "python3.13", name
        used = {target(ref) for ref in p["Layers"]}
        pdf = {layer["PdfLayer"]} if name in ("sign", "clock") else set()
        expected = {layer["CoreLayer"], layer["TenantLayer"], *pdf}
        assert used == expected, name
        assert target(p["DeadLetterConfig"]["TargetArn"]) in queues, name


@pytest.fixture(scope="module")
def saga_definition(template: Template) -> dict[str, Any]:
    machines = [r for r in template.to_json()["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert len(machines) == 1
    parts = machines[0]["Properties"]["DefinitionString"]["Fn::Join"][1]
    # References (function ARNs, the partition) become placeholders; the rest is the JSON definition.
    text = "".join(part if isinstance(part, str) else "<ref>" for part in parts)
    return {"type": machines[0]["Properties"]["StateMachineType"], "definition": json.loads(text)}


SAGA_STATES = [
    "StampOfficialTime",
    "AwaitReview",
    "AwaitMoreDocuments",
    "AwaitApproval",
    "AwaitPayment",
    "AwaitSignature",
    "SealLicence",
    "Deliver",
    "ProposeDismissal",
    "AwaitHeadDecision",
]


def test_given_the_saga_then_a_standard_machine_with_every_step_of_a_request(saga_definition: dict[str, Any]) -> None:
    states = saga_definition["definition"]["States"]

    assert saga_definition["type"] == "STANDARD"
    start = states[saga_definition["definition"]["StartAt"]]
    # A new request starts at the official time stamp; a resumed one (the sweeper) at ``Resume``.
    assert start["Type"] == "Choice" and start["Default"] == "StampOfficialTime"
    assert [c["Next"] for c in start["Choices"]] == ["Resume"]
    assert set(SAGA_STATES) <= set(states), set(SAGA_STATES) - set(states)
    for name in SAGA_STATES:
        if name.startswith("Await"):
            assert states[name]["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken"), name
            assert "TimeoutSeconds" in states[name], f"{name} could wait for ever"


def test_given_a_resumed_execution_then_it_can_enter_at_every_point_the_recovery_names(
    saga_definition: dict[str, Any],
) -> None:
    from eservice.recovery import RESUME_STATES

    states = saga_definition["definition"]["States"]
    router = states["ResumeAt"]
    targets = {c["StringEquals"]: c["Next"] for c in router["Choices"]}
    assert set(targets) == RESUME_STATES
    assert all(name == target and target in states for name, target in targets.items())
    assert states["Resume"]["Next"] == "ResumeAt"


def test_given_a_bounce_at_an_applicant_step_then_the_hold_replaces_the_deadline_and_the_head_seals_the_order(
    saga_definition: dict[str, Any],
) -> None:
    states = saga_definition["definition"]["States"]
    for name in ("AwaitMoreDocuments", "AwaitPayment"):
        caught = {e: c["Next"] for c in states[name]["Catch"] for e in c["ErrorEquals"]}
        assert caught["Applicant.Unreachable"] == "AwaitApplicantContact", name
        assert caught["Deadline.Expired"] == "ProposeDismissal", name
    hold = {e for c in states["AwaitApplicantContact"].get("Catch", []) for e in c["ErrorEquals"]}
    assert "Deadline.Expired" not in hold  # the officer, not the system, proposes dismissal
    outcome = states[states["AwaitApplicantContact"]["Next"]]
    assert {c["Next"] for c in outcome["Choices"]} == {"AwaitHeadDecision", "AwaitMoreDocuments", "AwaitPayment"}
    dismiss = next(c["Next"] for c in states["HeadDecides"]["Choices"])
    assert dismiss == "RenderDismissalOrder" and states[dismiss]["Next"] == "Dismissed"


def test_given_delivery_on_command_then_the_issued_document_waits_for_the_officer(
    saga_definition: dict[str, Any],
) -> None:
    states = saga_definition["definition"]["States"]
    rule = states[states["Issued"]["Next"]]
    assert rule["Type"] == "Choice" and rule["Default"] == "Deliver"  # Q8.2: automatic unless configured
    assert [c["Next"] for c in rule["Choices"]] == ["AwaitDelivery"]  # Q8.1
    assert states["AwaitDelivery"]["Next"] == "Deliver"
    assert states["AwaitDelivery"]["Resource"].endswith(".waitForTaskToken")


def test_given_transient_failures_then_every_task_retries_5xx_and_crashed_runtimes(
    saga_definition: dict[str, Any],
) -> None:
    states = saga_definition["definition"]["States"]
    for name, state in states.items():
        if state["Type"] != "Task" or state["Resource"].endswith(".waitForTaskToken"):
            continue
        retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
        assert {"TransientError", "Runtime.ExitError", "Lambda.Unknown"} <= retried, name


def test_given_recovery_then_a_sweeper_schedule_calls_the_clock_which_may_resume_the_saga(
    resources: Resources,
) -> None:
    schedules = [props(s) for s in of_type(resources, "AWS::Scheduler::Schedule").values()]
    sweeper = [s for s in schedules if '"sweep"' in s["Target"]["Input"]]
    assert len(sweeper) == 1 and sweeper[0]["ScheduleExpression"].startswith("rate(")
    env = function_env(resources, "clock")
    assert "eservice-klongnoy-saga" in json.dumps(env["STATE_MACHINE_ARN"])
    policies = json.dumps(of_type(resources, "AWS::IAM::Policy"))
    assert "states:StartExecution" in policies and "states:DescribeExecution" in policies


def test_given_the_saga_then_every_task_has_a_failure_path(saga_definition: dict[str, Any]) -> None:
    states = saga_definition["definition"]["States"]
    tasks = {name: state for name, state in states.items() if state["Type"] == "Task"}
    recorder = "RecordFailure"

    assert tasks
    for name, state in tasks.items():
        if name == recorder:
            # The failure recorder itself ends in a Fail state: a failure there fails the execution.
            assert states[state["Next"]]["Type"] == "Fail"
            continue
        catches = state.get("Catch", [])
        assert catches, f"{name} has no Catch"
        assert any("States.ALL" in c["ErrorEquals"] for c in catches), name
        assert all(c["Next"] in states for c in catches), name


# --- scheduling, e-mail, monitoring -------------------------------------------------------------
def test_given_deadlines_and_email_then_a_schedule_group_and_the_agency_domain_identity(
    template: Template, resources: Resources
) -> None:
    groups = of_type(resources, "AWS::Scheduler::ScheduleGroup")
    assert len(groups) == 1
    assert target(function_env(resources, "clock")["SCHEDULE_GROUP"]) in groups
    template.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": "klongnoy.go.th"})


def test_given_the_alarms_then_each_notifies_the_operators_topic(resources: Resources) -> None:
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    topics = set(of_type(resources, "AWS::SNS::Topic"))

    assert len(alarms) >= 4
    for logical_id, alarm in alarms.items():
        actions = {target(a) for a in props(alarm).get("AlarmActions", [])}
        assert actions and actions <= topics, logical_id
    metrics = {props(a).get("MetricName") for a in alarms.values()}
    assert {"Errors", "ExecutionsFailed", "ApproximateNumberOfMessagesVisible", "5XXError"} <= metrics


# --- names ---------------------------------------------------------------------------------------
#: Properties that fix a resource's name in the account; CloudFormation must choose them.
HARD_CODED_NAMES = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Cognito::UserPool": "UserPoolName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Scheduler::ScheduleGroup": "Name",
    "AWS::WAFv2::WebACL": "Name",
}


def test_given_the_stack_then_no_resource_has_a_hard_coded_physical_name(resources: Resources) -> None:
    named = [
        f"{logical_id} ({r['Type']}): {HARD_CODED_NAMES[r['Type']]}"
        for logical_id, r in resources.items()
        if HARD_CODED_NAMES.get(r["Type"]) in props(r)
        # The saga's name is derived from the stack's own name: the clock function (one of its tasks)
        # knows its ARN from it, which a Ref could not give without a dependency cycle.
        and props(r)[HARD_CODED_NAMES[r["Type"]]] != "eservice-klongnoy-saga"
    ]
    assert named == []


def physical_names(resources: Resources) -> set[str]:
    """Names that must be unique in an account and region, wherever the template sets them."""
    names: set[str] = set()
    for r in resources.values():
        p = props(r)
        if HARD_CODED_NAMES.get(r["Type"]) in p:
            names.add(json.dumps(p[HARD_CODED_NAMES[r["Type"]]], sort_keys=True))
        if r["Type"] == "AWS::SES::EmailIdentity":
            names.add(p["EmailIdentity"])
        if r["Type"] == "AWS::CloudFront::OriginAccessControl":
            names.add(p["OriginAccessControlConfig"]["Name"])
        if r["Type"] == "AWS::ApiGateway::Authorizer":
            names.add(p["Name"])
    return names


# --- cdk-nag and cfn-lint -----------------------------------------------------------------------
def test_given_the_app_then_aws_solutions_checks_guard_its_synthesis(synthesized: Synthesized) -> None:
    # The fixture's synth already succeeded: with the plugin on, any unacknowledged finding raises.
    plugins = [plugin.name for plugin in synthesized.app.policy_validation_beta1]

    assert "AwsSolutions" in plugins


def test_given_the_acknowledged_findings_then_each_one_gives_a_reason(
    synthesized: Synthesized, artifact: cx_api.CloudFormationStackArtifact
) -> None:
    # The stack's metadata file in the cloud assembly records every acknowledgment with its reason.
    metadata_file = artifact.manifest.additional_metadata_file
    assert metadata_file is not None
    metadata = json.loads((synthesized.outdir / metadata_file).read_text(encoding="utf-8"))
    acknowledged = {
        f"{construct_path} {rule}": reason
        for construct_path, entries in metadata.items()
        for entry in entries
        if entry["type"] == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry["data"].items()
    }

    assert any("AwsSolutions-" in rule for rule in acknowledged), acknowledged
    for rule, reason in acknowledged.items():
        assert isinstance(reason, str) and len(reason.split()) >= 3, f"{rule}: {reason!r}"


def _cfn_lint() -> list[str]:
    beside = Path(sys.executable).parent / "cfn-lint"
    return [str(beside)] if beside.exists() else [shutil.which("cfn-lint") or "cfn-lint"]


def test_given_the_template_then_cfn_lint_finds_no_error_and_no_unexplained_warning(
    artifact: cx_api.CloudFormationStackArtifact, resources: Resources
) -> None:
    run = subprocess.run(
        [*_cfn_lint(), "--format", "json", "--", artifact.template_full_path],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode & 1 == 0, run.stderr  # 1: cfn-lint itself failed
    findings = json.loads(run.stdout or "[]")
    roles = set(of_type(resources, "AWS::IAM::Role"))
    distribution = props(next(iter(of_type(resources, "AWS::CloudFront::Distribution").values())))
    cloudfront_log_bucket = target(distribution["DistributionConfig"]["Logging"]["Bucket"])

    def explained(finding: dict[str, Any]) -> bool:
        rule, path = finding["Rule"]["Id"], finding["Location"]["Path"]
        if rule == "W3005":  # CDK's own DependsOn on a function's or the state machine's role
            return path[2] == "DependsOn" and any(f"'{role}' dependency" in finding["Message"] for role in roles)
        if rule == "W3045":  # CloudFront standard logs are delivered with the log-delivery ACL
            return path[1] == cloudfront_log_bucket and path[-1] == "AccessControl"
        return False

    unexplained = [
        f"{f['Rule']['Id']} {'/'.join(map(str, f['Location']['Path']))}: {f['Message']}"
        for f in findings
        if f["Level"] != "Informational" and not explained(f)
    ]
    assert unexplained == []


# --- every tenant -------------------------------------------------------------------------------
def _second_tenant(folder: Path) -> None:
    text = (REPO / "tenants" / "klongnoy.yaml").read_text(encoding="utf-8")
    renames = {"klongnoy": "paktang", "KLONGNOY": "PAKTANG", "คลองน้อย": "ปากตาง", "Khlong Noi": "Pak Tang"}
    for old, new in renames.items():
        text = text.replace(old, new)
    (folder / "paktang.yaml").write_text(text, encoding="utf-8")
    # The example documents the file names (Q3.4) live beside it, in the tenant's own folder.
    shutil.copytree(REPO / "tenants" / "klongnoy", folder / "paktang")


@pytest.fixture(scope="module")
def every_tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Synthesized, list[str]]]:
    """The app of ``-c tenant=all``, with at least two tenants (a copy of the demo if it is alone)."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("TENANTS_DIR", raising=False)
        if len(load_all_tenants()) < 2:
            folder = tmp_path_factory.mktemp("tenants")
            shutil.copy(REPO / "tenants" / "klongnoy.yaml", folder / "klongnoy.yaml")
            shutil.copytree(REPO / "tenants" / "klongnoy", folder / "klongnoy")
            _second_tenant(folder)
            env.setenv("TENANTS_DIR", str(folder))
        tenant_ids = [t.id for t in load_all_tenants()]
        outdir = tmp_path_factory.mktemp("cdk-all")
        app = cdk.App(outdir=str(outdir), context=NO_BUNDLING)
        build_app(app, tenant="all")
        assembly = app.synth()
    yield Synthesized(app=app, outdir=outdir, assembly=assembly), tenant_ids


def test_given_tenant_all_then_one_stack_per_tenant_file_sharing_no_physical_name(
    every_tenant: tuple[Synthesized, list[str]],
) -> None:
    synthesized, tenant_ids = every_tenant

    assert len(tenant_ids) >= 2
    # Each tenant: its stack, and its CloudFront web firewall in us-east-1 (tests/infra/test_edge.py).
    expected = [stack_name(t) for t in tenant_ids] + [edge_stack_name(t) for t in tenant_ids]
    assert sorted(s.stack_name for s in synthesized.assembly.stacks) == sorted(expected)
    seen: dict[str, str] = {}
    for tenant_id in tenant_ids:
        names = physical_names(synthesized.stack(stack_name(tenant_id)).template["Resources"])
        assert names, "no physical names found: the check below would prove nothing"
        shared = {name: seen[name] for name in names if name in seen}
        assert shared == {}, f"{tenant_id} shares names with other tenants: {shared}"
        seen.update(dict.fromkeys(names, tenant_id))


def test_given_tenant_all_then_each_stack_ships_its_own_tenant_file_to_the_functions(
    every_tenant: tuple[Synthesized, list[str]],
) -> None:
    synthesized, tenant_ids = every_tenant

    for tenant_id in tenant_ids:
        stack = synthesized.stack(stack_name(tenant_id))
        layer = next(r for i, r in stack.template["Resources"].items() if i.startswith("TenantLayer"))
        asset = synthesized.outdir / f"asset.{props(layer)['Content']['S3Key'].removesuffix('.zip')}"
        shipped = sorted(p.name for p in asset.iterdir()) if asset.is_dir() else []
        assert shipped == [f"{tenant_id}.json"], f"{tenant_id}: the tenant layer holds {shipped}"
        shipped_file = asset / f"{tenant_id}.json"
        # As the functions read it (eservice.settings): the tenant file compiled, the same tenant as its YAML
        # (the example documents are served by the site).
        assert load_tenant(shipped_file, check_files=False) == load_tenant(tenants_dir() / f"{tenant_id}.yaml")
        env_file = {
            props(r)["Environment"]["Variables"]["TENANT_FILE"]
            for r in stack.template["Resources"].values()
            if r["Type"] == "AWS::Lambda::Function"
            and "TENANT_FILE" in props(r).get("Environment", {}).get("Variables", {})
        }
        assert env_file == {f"/opt/{tenant_id}.json"}


def test_given_a_deploy_then_both_sites_and_their_config_are_published_to_the_sites_bucket(
    resources: Resources,
) -> None:
    deployments = [r for r in resources.values() if r["Type"] == "Custom::CDKBucketDeployment"]
    prefixes = sorted(props(d).get("DestinationBucketKeyPrefix", "") for d in deployments)

    assert prefixes == ["", "fonts/", "officer/"]
    citizen = next(d for d in deployments if not props(d).get("DestinationBucketKeyPrefix"))
    markers = json.dumps(props(citizen).get("SourceMarkers", []))
    # config.json is written at deploy time from the stack's own pools, clients and sign-in domain.
    assert "cognito-idp" in markers and "CitizenPool" in markers and "OfficerPool" in markers
    assert "CitizenFederation" in markers


def test_given_the_distribution_then_pki_is_served_from_the_sites_bucket_briefly_cached_and_only_sign_writes_it(
    resources: Resources,
) -> None:
    distribution = props(next(iter(of_type(resources, "AWS::CloudFront::Distribution").values())))["DistributionConfig"]
    behaviours = {b["PathPattern"]: b for b in distribution.get("CacheBehaviors", [])}
    sites = next(i for i in of_type(resources, "AWS::S3::Bucket") if i.startswith("Sites"))
    origins = {o["Id"]: o for o in distribution["Origins"]}

    assert "/pki/*" in behaviours, sorted(behaviours)
    pki = behaviours["/pki/*"]
    assert sites in targets_in(origins[pki["TargetOriginId"]]["DomainName"])
    assert pki["TargetOriginId"] == distribution["DefaultCacheBehavior"]["TargetOriginId"]
    assert pki.get("AllowedMethods", ["GET", "HEAD"]) == ["GET", "HEAD"]
    policy = props(resources[target(pki["CachePolicyId"]) or ""])["CachePolicyConfig"]
    assert policy["DefaultTTL"] <= 300 and policy["MaxTTL"] <= 3600
    # The sign function alone writes the three published files, and may not write anything else there.
    fns = functions_by_service(resources)
    assert of_type(resources, "AWS::Lambda::Function")[fns["sign"]]["Properties"]["Environment"]["Variables"][
        "PKI_BUCKET"
    ] == {"Ref": sites}
    writers: dict[str, list[Any]] = {}
    for name, statements in function_grants(resources).items():
        for statement in statements:
            resources_of = statement.get("Resource", [])
            resources_of = resources_of if isinstance(resources_of, list) else [resources_of]
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(a.startswith("s3:Put") for a in actions) and any(sites in targets_in(r) for r in resources_of):
                writers.setdefault(name, []).extend(json.dumps(r) for r in resources_of if sites in targets_in(r))
    assert set(writers) == {"sign"}, writers
    sign_writes = writers["sign"]
    assert sorted(w.split("/pki/")[1].split('"')[0] for w in sign_writes) == ["root.crl", "root.crt", "root.pem"]


def test_given_the_stack_then_a_daily_schedule_keeps_the_published_crl_current(resources: Resources) -> None:
    fns = functions_by_service(resources)
    refresh = [
        props(s)
        for s in of_type(resources, "AWS::Scheduler::Schedule").values()
        # A schedule with a token in its input (the table export) is an Fn::Join, not a function's action.
        if isinstance(props(s)["Target"].get("Input", "{}"), str)
        and json.loads(props(s)["Target"].get("Input", "{}")).get("action") == "refresh_pki"
    ]

    assert len(refresh) == 1
    assert refresh[0]["ScheduleExpression"] == "rate(1 day)"
    assert function_aliases(resources)[str(target(refresh[0]["Target"]["Arn"]))] == fns["sign"]  # its live alias


def test_given_api_gateways_own_refusals_then_they_have_the_error_shape_the_document_declares(
    resources: Resources,
) -> None:
    answers = {
        props(r)["ResponseType"]: props(r) for r in of_type(resources, "AWS::ApiGateway::GatewayResponse").values()
    }

    assert set(answers) == {r.response_type for r in GATEWAY_REFUSALS}
    for refusal in GATEWAY_REFUSALS:
        answer = answers[refusal.response_type]
        error = json.loads(answer["ResponseTemplates"]["application/json"])["error"]
        assert error["code"] == refusal.code and error["message"]["th"] and error["message"]["en"]
        assert answer.get("StatusCode") == (
            None if refusal.response_type.startswith("DEFAULT_") else str(refusal.status)
        )
    assert answers["UNAUTHORIZED"]["StatusCode"] == "401" and answers["THROTTLED"]["StatusCode"] == "429"


# --- retention and archiving (R-4.8, issue 11) ------------------------------------------------------------
def test_given_the_uploads_bucket_then_the_evidence_is_versioned_and_lockable_like_issued_documents(
    resources: Resources,
) -> None:
    uploads = _bucket_of(resources, "UPLOADS_BUCKET")

    assert uploads["VersioningConfiguration"] == {"Status": "Enabled"}
    assert uploads["ObjectLockEnabled"] is True
    # No default retention: each accepted file gets its own lock as it is copied to clean/ (browsers' form
    # uploads to quarantine/ could not carry the Content-MD5 a default retention requires).
    assert "ObjectLockConfiguration" not in uploads
    # The intake copies accepted files with the tenant's lock period.
    assert TENANT.retention.evidence.lock_days >= 3650


def test_given_the_tenant_retention_then_each_record_type_moves_to_its_cold_class_and_nothing_expires(
    resources: Resources,
) -> None:
    retention = TENANT.retention
    uploads = _rules(_bucket_of(resources, "UPLOADS_BUCKET"))
    documents = _rules(_bucket_of(resources, "DOCUMENTS_BUCKET"))
    archive = _rules(next(props(b) for b in of_type(resources, "AWS::S3::Bucket").values() if _is_archive(b)))

    for rules, rule_id, prefix, setting in (
        (uploads, "EvidenceToArchive", "clean/", retention.evidence),
        (documents, "IssuedDocumentsToArchive", None, retention.issued_documents),
        (archive, "TableExportsToArchive", "table-exports/", retention.table_exports),
    ):
        rule = rules[rule_id]
        assert rule["Status"] == "Enabled"
        assert rule.get("Prefix") == prefix
        expected = {"StorageClass": setting.storage_class, "TransitionInDays": setting.archive_after_days}
        assert rule["Transitions"] == [expected]
        assert rule["NoncurrentVersionTransitions"] == [expected]
        assert not {"ExpirationInDays", "ExpirationDate", "NoncurrentVersionExpiration"} & set(rule)
    # The values come from tenants/klongnoy.yaml.
    assert uploads["EvidenceToArchive"]["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 730}]
    assert documents["IssuedDocumentsToArchive"]["Transitions"] == [
        {"StorageClass": "GLACIER_IR", "TransitionInDays": 1825}
    ]
    documents_lock = _bucket_of(resources, "DOCUMENTS_BUCKET")["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert documents_lock == {"Mode": "GOVERNANCE", "Days": retention.issued_documents.lock_days}


def test_given_the_table_then_it_is_exported_to_the_archive_on_a_schedule_and_never_expires_entries(
    resources: Resources,
) -> None:
    schedules = [props(r) for r in of_type(resources, "AWS::Scheduler::Schedule").values()]
    export = next(s for s in schedules if "exportTableToPointInTime" in s["Target"]["Arn"])

    assert export["ScheduleExpression"] == f"rate({TENANT.retention.table_export_every_days} days)"
    table = next(props(r) for r in of_type(resources, "AWS::DynamoDB::Table").values())
    # Only idempotency records carry the TTL attribute; register entries never expire (Q4.6, R-4.8).
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


TENANT = load_tenant(tenants_dir() / "klongnoy.yaml")


def _is_archive(bucket: dict[str, Any]) -> bool:
    rules = props(bucket).get("LifecycleConfiguration", {}).get("Rules", [])
    return any(rule["Id"] == "TableExportsToArchive" for rule in rules)


# --- the licence register and open data (R-5.3, R-5.4) --------------------------------------------------
def test_given_the_register_then_daily_expiry_and_month_end_open_data_schedules_call_the_clock(
    resources: Resources,
) -> None:
    fns = functions_by_service(resources)
    by_action = {
        json.loads(props(s)["Target"]["Input"]).get("action"): props(s)
        for s in of_type(resources, "AWS::Scheduler::Schedule").values()
        if isinstance(props(s)["Target"].get("Input"), str)  # the table export's input is built by CloudFormation
    }

    expiry, month_end = by_action["expire_licences"], by_action["open_data"]
    assert expiry["ScheduleExpression"] == "cron(5 0 * * ? *)"
    assert month_end["ScheduleExpression"] == "cron(0 22 L * ? *)"
    assert expiry["ScheduleExpressionTimezone"] == month_end["ScheduleExpressionTimezone"] == "Asia/Bangkok"
    aliases = function_aliases(resources)  # schedules call the clock's live alias (SnapStart)
    assert aliases[str(target(expiry["Target"]["Arn"]))] == aliases[str(target(month_end["Target"]["Arn"]))]
    assert aliases[str(target(expiry["Target"]["Arn"]))] == fns["clock"]
    env = function_env(resources, "clock")
    assert env["CKAN_URL"] == "https://data.go.th"
    assert "ChannelKeys" in json.dumps(env["CHANNEL_KEYS_SECRET_ARN"])  # the CKAN key is there (issue 14)


# --- Lambda architecture (issue 14) -------------------------------------------------------------
def test_given_the_functions_then_each_runs_on_arm64_with_layers_built_for_arm64(resources: Resources) -> None:
    functions = functions_by_service(resources)
    ours = ("CoreLayer", "TenantLayer", "PdfLayer")  # not CDK's own (the AWS CLI layer of the site deployments)
    layers = {i: r for i, r in of_type(resources, "AWS::Lambda::LayerVersion").items() if i.startswith(ours)}

    assert {name: props(resources[i]).get("Architectures") for name, i in functions.items()} == {
        name: ["arm64"] for name in functions
    }
    assert len(layers) == 3 and all(props(layer)["CompatibleArchitectures"] == ["arm64"] for layer in layers.values())
