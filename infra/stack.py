"""One agency's e-Service stack: every AWS resource the service needs, from its tenant file.

Read top to bottom: keys, storage, identity, functions, the saga, the API, the sites, monitoring.
Physical names are left to CloudFormation so that many tenants can live in one account.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import inspect
import json
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import (
    Acknowledgment,
    ArnFormat,
    BundlingOptions,
    CfnOutput,
    DockerImage,
    Duration,
    Fn,
    ILocalBundling,
    RemovalPolicy,
    Stack,
    Tags,
    Validations,
)
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_guardduty as guardduty
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from eservice.indexes import projection, table_indexes
from eservice.officer_pool import OfficerGroups, officer_client_name, officer_group_prefix
from eservice.saga_steps import schedule_name_prefix
from eservice.tenant import (
    COMPILED_SUFFIX,
    OFFICER_GROUPS,
    RecordRetention,
    Tenant,
    compile_tenant,
    examples_dir,
    tenants_dir,
)

from . import web_headers
from .api_group import API_FUNCTIONS, api_export_name, function_name, stage_name
from .edge import edge_firewall_arn
from .function_role import FunctionsRole, OneFunction
from .identity import (
    KEEP_VERIFIED_EMAIL,
    CitizenFederation,
    OfficerUnitGroups,
    citizen_identity_providers,
    citizen_oauth_settings,
)
from .layers import LOCK_FILE, pip_install_args
from .routes import GATEWAY_REFUSALS, REPO, ApiRoute, GatewayRefusal, intake_routes
from .saga import RequestSaga

if TYPE_CHECKING:
    from .cell import CellPlatform

__all__ = [
    "ARCHITECTURE",
    "ORIGIN_VERIFY_HEADER",
    "PYTHON_RUNTIME",
    "TSA_BURST_LIMIT",
    "TSA_RATE_LIMIT",
    "EServiceStack",
    "abort_incomplete_uploads",
    "api_fingerprint",
    "citizen_user_pool",
    "malware_protection",
    "malware_scan_findings",
    "officer_user_pool",
    "pki_cache_policy",
    "quarantine_bucket_name",
    "response_headers_policy",
    "shared_layers",
]

PYTHON_RUNTIME = lambda_.Runtime.PYTHON_3_13
#: Where uploads wait to be checked: the only prefix GuardDuty scans and the only one that expires.
MALWARE_SCANNED_PREFIX = "quarantine/"
#: The header CloudFront adds to every API request; the API's firewall lets nothing else in.
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
#: POST /tsa, all callers together (requests per second, burst): the edge also limits each address.
TSA_RATE_LIMIT = 5
TSA_BURST_LIMIT = 10
#: Every function runs on Graviton (arm64): 20% less per GB-second than x86 at the same memory (issue 14).
ARCHITECTURE = lambda_.Architecture.ARM_64


def snapstart_on(scope: Construct, *, silo: bool) -> bool:
    """Whether the functions run with Lambda SnapStart (issue 14): ``-c snapstart=true|false``, else on in silo
    mode and off in a cell.

    SnapStart for Python bills the snapshot's cache for every GB of memory of each published version for as
    long as it is active (about $11 a month for the four functions' 2.8 GB at list price), and AWS says it helps
    little for functions invoked rarely: most agencies of a cell receive a few requests a month, and their idle
    cost must stay within $2. A silo agency, large and busy, gets it by default.
    """
    chosen = scope.node.try_get_context("snapstart")
    if chosen is None:
        return silo
    if str(chosen).lower() not in ("true", "false"):
        raise ValueError(f"-c snapstart={chosen}: say true or false")
    return str(chosen).lower() == "true"


@jsii.implements(ILocalBundling)
class _PipLayerBundling:
    """Builds a layer without Docker: copy the layer's own code, pip-install its hash-locked packages for Lambda."""

    def __init__(self, source: Path) -> None:
        self._source = source

    def try_bundle(self, output_dir: str, *, image: Any = None, **_: Any) -> bool:  # jsii callback
        target = Path(output_dir) / "python"
        subprocess.run(["cp", "-r", str(self._source / "python"), str(Path(output_dir))], check=True)
        lock = str(self._source / LOCK_FILE)
        subprocess.run([sys.executable, "-m", "pip", *pip_install_args(lock, str(target))], check=True)
        return True


def _layer_bundling(source: Path) -> BundlingOptions:
    """pip installs the layer's lock file (hashes required) for arm64: locally, or in the SAM build image."""
    install = ["pip", *pip_install_args(LOCK_FILE, "/asset-output/python")]
    return BundlingOptions(
        image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.13"),
        platform="linux/arm64",
        local=_PipLayerBundling(source),
        command=["bash", "-c", f"cp -r python /asset-output/ && {shlex.join(install)}"],
    )


def _layer_code(name: str) -> lambda_.Code:
    source = REPO / "layers" / name
    return lambda_.Code.from_asset(str(source), exclude=["**/__pycache__", "*.pyc"], bundling=_layer_bundling(source))


#: Accepted attachments (the evidence) in the uploads bucket.
EVIDENCE_PREFIX = "clean/"
#: Where the table's exports go in the archive bucket (R-4.8).
TABLE_EXPORTS_PREFIX = "table-exports/"


def _archive_rules(name: str, prefix: str | None, retention: RecordRetention) -> list[s3.LifecycleRule]:
    """R-4.8: move a record type to cold storage after its live period (tenant file ``retention``), current
    and superseded versions alike. Transitions only: nothing here expires or deletes an object."""
    storage_class = s3.StorageClass(retention.storage_class)
    after = Duration.days(retention.archive_after_days)
    return [
        s3.LifecycleRule(
            id=f"{name}ToArchive",
            prefix=prefix,
            transitions=[s3.Transition(storage_class=storage_class, transition_after=after)],
            noncurrent_version_transitions=[
                s3.NoncurrentVersionTransition(storage_class=storage_class, transition_after=after)
            ],
        )
    ]


def abort_incomplete_uploads() -> s3.LifecycleRule:
    """An unfinished multipart upload is never an object of the record; its parts stop being billed after a day."""
    return s3.LifecycleRule(id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(1))


def citizen_user_pool(scope: Construct) -> cognito.UserPool:
    """Q2: the citizens' pool (a tenant's own in silo mode; in a cell the one national pool of ``infra/cell.py``)."""
    return cognito.UserPool(
        scope,
        "CitizenPool",
        self_sign_up_enabled=True,
        sign_in_aliases=cognito.SignInAliases(email=True),
        auto_verify=cognito.AutoVerifiedAttrs(email=True),
        standard_attributes=cognito.StandardAttributes(
            email=cognito.StandardAttribute(required=True, mutable=True),
        ),
        password_policy=cognito.PasswordPolicy(
            min_length=10,
            require_digits=True,
            require_lowercase=True,
            require_uppercase=True,
            require_symbols=True,
        ),
        mfa=cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True, email=False),
        sign_in_policy=cognito.SignInPolicy(
            allowed_first_auth_factors=cognito.AllowedFirstAuthFactors(password=True, email_otp=True)
        ),
        feature_plan=cognito.FeaturePlan.ESSENTIALS,
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        keep_original=KEEP_VERIFIED_EMAIL,
        removal_policy=RemovalPolicy.RETAIN,
    )


def officer_user_pool(scope: Construct) -> cognito.UserPool:
    """Q9.1: the officers' pool (a tenant's own in silo mode; in a cell the cell's one pool of
    ``infra/cell.py``, where each agency's groups carry its tenant id: ``eservice.officer_pool``)."""
    return cognito.UserPool(
        scope,
        "OfficerPool",
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(email=True),
        password_policy=cognito.PasswordPolicy(
            min_length=12,
            require_digits=True,
            require_lowercase=True,
            require_uppercase=True,
            require_symbols=True,
        ),
        mfa=cognito.Mfa.REQUIRED,
        mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
        feature_plan=cognito.FeaturePlan.PLUS,
        advanced_security_mode=None,
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        keep_original=KEEP_VERIFIED_EMAIL,
        removal_policy=RemovalPolicy.RETAIN,
    )


def response_headers_policy(scope: Construct, csp: str) -> cloudfront.ResponseHeadersPolicy:
    """Every security header of ``web_headers`` on every behaviour (a silo distribution or a cell's)."""
    referrer = cloudfront.HeadersReferrerPolicy[web_headers.REFERRER_POLICY.upper().replace("-", "_")]
    return cloudfront.ResponseHeadersPolicy(
        scope,
        "SecurityHeaders",
        comment="CSP without inline code, HSTS, no framing, nosniff, referrer and permissions policies",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=csp, override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.seconds(web_headers.HSTS_MAX_AGE_SECONDS),
                include_subdomains=True,
                override=True,
            ),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption[web_headers.FRAME_OPTIONS], override=True
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(referrer_policy=referrer, override=True),
        ),
        custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
            custom_headers=[
                cloudfront.ResponseCustomHeader(
                    header="Permissions-Policy", value=web_headers.PERMISSIONS_POLICY, override=True
                )
            ]
        ),
    )


def pki_cache_policy(scope: Construct) -> cloudfront.CachePolicy:
    """Short caching: a re-issued CRL must reach relying parties well before the old one expires.

    The objects say how long themselves (Cache-Control: 5 minutes for the CRL, 1 hour for the root);
    without it CloudFront keeps an object 5 minutes, and never more than an hour.
    """
    return cloudfront.CachePolicy(
        scope,
        "PkiCachePolicy",
        comment="Trust material (/pki/*): root certificate and CRL, cached briefly",
        default_ttl=Duration.minutes(5),
        min_ttl=Duration.seconds(0),
        max_ttl=Duration.hours(1),
        enable_accept_encoding_gzip=False,
        enable_accept_encoding_brotli=False,
    )


def shared_layers(scope: Construct) -> tuple[lambda_.LayerVersion, lambda_.LayerVersion]:
    """The core and PDF layers: a silo stack's own, or published once by a cell's platform stack."""
    core = lambda_.LayerVersion(
        scope,
        "CoreLayer",
        code=_layer_code("core"),
        compatible_runtimes=[PYTHON_RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description="e-Service domain, tenant config, storage adapters and time rules",
    )
    pdf = lambda_.LayerVersion(
        scope,
        "PdfLayer",
        code=_layer_code("pdf"),
        compatible_runtimes=[PYTHON_RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description="pyHanko, fpdf2 + uharfbuzz, segno, Sarabun: Thai PDFs sealed with PAdES",
    )
    return core, pdf


def malware_protection(scope: Stack, bucket: s3.IBucket, data_key: kms.IKey, *, prefix: str = "") -> iam.Role:
    """Q9.2: GuardDuty Malware Protection for S3 scans each new upload under ``prefix`` of ``bucket`` (all of
    it when empty) and tags it with its verdict (``GuardDutyMalwareScanStatus``); the intake accepts a file
    only once it reads NO_THREATS_FOUND.

    The role is what GuardDuty's documentation asks for: its own EventBridge rule, the bucket's
    notifications, reading and tagging the protected objects, the validation object, and the data key.
    """
    service = "malware-protection-plan.guardduty.amazonaws.com"
    role = iam.Role(
        scope,
        "MalwareScanRole",
        assumed_by=iam.ServicePrincipal(service),
        description=f"GuardDuty Malware Protection for S3: scan and tag uploads in {prefix or 'the bucket'}",
    )
    rule = scope.format_arn(
        service="events", resource="rule", resource_name="DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*"
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets"],
            resources=[rule],
            conditions={"StringLike": {"events:ManagedBy": service}},
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(actions=["events:DescribeRule", "events:ListTargetsByRule"], resources=[rule])
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:PutBucketNotification", "s3:GetBucketNotification", "s3:ListBucket"],
            resources=[bucket.bucket_arn],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=[
                "s3:GetObject",
                "s3:GetObjectVersion",
                "s3:GetObjectTagging",
                "s3:GetObjectVersionTagging",
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
            ],
            resources=[bucket.arn_for_objects(f"{prefix}*")],
        )
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects("malware-protection-resource-validation-object")],
        )
    )
    data_key.grant(role, "kms:GenerateDataKey", "kms:Decrypt")
    plan = guardduty.CfnMalwareProtectionPlan(
        scope,
        "MalwareProtection",
        role=role.role_arn,
        protected_resource=guardduty.CfnMalwareProtectionPlan.CFNProtectedResourceProperty(
            s3_bucket=guardduty.CfnMalwareProtectionPlan.S3BucketProperty(
                bucket_name=bucket.bucket_name, object_prefixes=[prefix] if prefix else None
            )
        ),
        actions=guardduty.CfnMalwareProtectionPlan.CFNActionsProperty(
            tagging=guardduty.CfnMalwareProtectionPlan.CFNTaggingProperty(status="ENABLED")
        ),
    )
    # GuardDuty checks the role's permissions when the plan is created.
    plan.node.add_dependency(role)
    return role


class EServiceStack(Stack):
    """The whole e-Service of one agency (tenant)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenant: Tenant,
        platform: CellPlatform | None = None,
        **kwargs: Any,
    ) -> None:
        """``platform`` None: silo mode, the stack has everything. Given: a thin tenant stack of a cell, which
        uses the cell's firewall, distribution, layers, citizen pool, data and TSA keys and monitoring."""
        super().__init__(scope, construct_id, **kwargs)
        self.tenant = tenant
        self.platform = platform
        self.snapstart = snapstart_on(self, silo=platform is None)
        self._environment: dict[str, str] | None = None
        Tags.of(self).add("eservice:tenant", tenant.id)
        if platform is not None:
            self.add_stack_dependency(platform, "the cell's keys, layers, citizen pool and distribution")
        #: A cell's roles that only AWS services assume (saga, table archive, site publisher; issue 14).
        self.service_roles = platform.service_roles(self) if platform else None

        # --- keys (R-4.3: the agency seal; Q3.8: timestamps; data at rest) -----------------
        # The seal key is the agency's own in both modes; a cell shares its data and TSA keys (idle cost).
        cell_keys = platform.keys(self) if platform else None
        self.data_key: kms.IKey = (
            cell_keys[0]
            if cell_keys
            else kms.Key(self, "DataKey", enable_key_rotation=True, description=f"{tenant.id} data")
        )
        self.seal_key = kms.Key(
            self,
            "SealKey",
            key_spec=kms.KeySpec.RSA_2048,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            description=f"{tenant.id} agency seal (PAdES) key",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.tsa_key: kms.IKey = (
            cell_keys[1]
            if cell_keys
            else kms.Key(
                self,
                "TsaKey",
                key_spec=kms.KeySpec.RSA_2048,
                key_usage=kms.KeyUsage.SIGN_VERIFY,
                description=f"{tenant.id} RFC 3161 timestamp authority key",
                removal_policy=RemovalPolicy.RETAIN,
            )
        )

        # --- storage ------------------------------------------------------------------------
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="PK", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="SK", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.data_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            # Only idempotency records expire; business records are never deleted (Q4.6).
            time_to_live_attribute="expiration",
        )
        # GSI1 my requests, GSI2 work lists by status (and pending slips, undelivered saga answers),
        # GSI3 the licence register, GSI4 every open request (sparse: a closed request leaves it).
        # Each holds the keys and what its queries filter on (INDEX_ATTRIBUTES; issue 14, cost); a table
        # deployed with whole-item indexes keeps them until its upgrade steps replace them one by one.
        for name, index, lean in table_indexes(tenant.index_upgrade_step):
            projected = projection(index, lean=lean)
            self.table.add_global_secondary_index(
                index_name=name,
                partition_key=dynamodb.Attribute(name=f"{index}PK", type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=f"{index}SK", type=dynamodb.AttributeType.STRING),
                projection_type=dynamodb.ProjectionType[str(projected["ProjectionType"])],
                non_key_attributes=projected.get("NonKeyAttributes"),  # type: ignore[arg-type]
            )

        self.access_logs = self._bucket("AccessLogs", logs_bucket=None, kms_encrypted=False)
        # Lifecycle (issue 10): only unchecked uploads in quarantine/ expire; accepted attachments (clean/),
        # issued documents and exports are the record and never expire (R-4.8, Q4.6).
        # R-4.8 (issue 11): the evidence is versioned and lockable like issued documents. The lock is set on
        # each accepted file as it is copied to clean/ (retention of the tenant file); unchecked uploads in
        # quarantine/ carry none, so their old versions can go (a browser's form upload to a bucket with a
        # default retention would also need a Content-MD5 that browsers do not send).
        # A cell keeps every agency's unchecked uploads in its shared quarantine bucket (one GuardDuty plan,
        # issue 14): this bucket then holds only what passed (clean/), the record.
        quarantine_rules = (
            [
                s3.LifecycleRule(
                    id="QuarantineExpires",
                    prefix=MALWARE_SCANNED_PREFIX,
                    expiration=Duration.days(tenant.security.quarantine_days),
                    noncurrent_version_expiration=Duration.days(1),
                )
            ]
            if platform is None
            else []
        )
        self.uploads = self._bucket(
            "Uploads",
            versioned=True,
            object_lock_enabled=True,
            lifecycle_rules=[
                *quarantine_rules,
                abort_incomplete_uploads(),
                *_archive_rules("Evidence", EVIDENCE_PREFIX, tenant.retention.evidence),
            ],
        )
        if platform is None:
            # Browsers send files with the signed upload form (an S3 POST policy that limits size and type).
            self.uploads.add_cors_rule(
                allowed_methods=[s3.HttpMethods.POST],
                allowed_origins=[f"https://{tenant.domain}", f"https://eservice.{tenant.domain}"],
                allowed_headers=["*"],
                max_age=3000,
            )
        self.documents = self._bucket(
            "Documents",
            versioned=True,
            # Issued documents and evidence are kept; object lock stops deletion (R-4.8, Q4.6).
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.governance(
                Duration.days(tenant.retention.issued_documents.lock_days)
            ),
            lifecycle_rules=[
                abort_incomplete_uploads(),
                *_archive_rules("IssuedDocuments", None, tenant.retention.issued_documents),
            ],
        )
        # Issue 13: the officer SPA shows files in the page (an attachment, the draft licence before signing):
        # it reads the short-lived presigned link with fetch, so the two buckets answer the site's GET.
        for bucket in (self.uploads, self.documents):
            bucket.add_cors_rule(
                allowed_methods=[s3.HttpMethods.GET],
                allowed_origins=[f"https://{tenant.domain}", f"https://eservice.{tenant.domain}"],
                allowed_headers=["*"],
                max_age=3000,
            )
        # Published exports are read-only files: a replaced version is kept, in cheaper storage.
        self.exports = self._bucket(
            "Exports",
            versioned=True,
            lifecycle_rules=[
                abort_incomplete_uploads(),
                s3.LifecycleRule(
                    id="SupersededExportsToArchive",
                    noncurrent_version_transitions=[
                        s3.NoncurrentVersionTransition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=Duration.days(30),
                        )
                    ],
                ),
            ],
        )
        self.sites = self._bucket("Sites", kms_encrypted=False, lifecycle_rules=[abort_incomplete_uploads()])
        if tenant.security.malware_scanning and platform is None:
            self._malware_protection()

        # --- identity (Q2, Q9.1) ------------------------------------------------------------
        self.citizen_pool: cognito.IUserPool = platform.citizen_pool if platform else citizen_user_pool(self)
        client_options: dict[str, Any] = {
            "auth_flows": cognito.AuthFlow(user_password=True, user_srp=True, user=True),
            "prevent_user_existence_errors": True,
            "o_auth": citizen_oauth_settings(tenant),
            "supported_identity_providers": citizen_identity_providers(tenant),
        }
        # A cell: this agency's own web client of the national pool (its callback is the agency's site).
        self.citizen_client = (
            cognito.UserPoolClient(self, "CitizenWebClient", user_pool=self.citizen_pool, **client_options)
            if platform
            else self.citizen_pool.add_client("CitizenWebClient", **client_options)
        )
        self.federation = (
            platform.federation
            if platform
            else CitizenFederation(
                self,
                "CitizenFederation",
                tenant=tenant,
                pool=self.citizen_pool,  # type: ignore[arg-type]
                client=self.citizen_client,
            )
        )
        # A cell: the cell's one officer pool (an account holds 1,000 pools), this agency's own web client of
        # it, named for the agency (the cell's token trigger reads whose officers may sign in through it), and
        # the agency's groups named after it (eservice.officer_pool: the tenant claim).
        self.officer_pool: cognito.IUserPool = platform.officer_pool if platform else officer_user_pool(self)
        self.officer_groups = OfficerGroups(prefix=officer_group_prefix(tenant.id, shared_pool=platform is not None))
        officer_client_options: dict[str, Any] = {
            "auth_flows": cognito.AuthFlow(user_password=True, user_srp=True),
            "prevent_user_existence_errors": True,
        }
        if platform:
            officer_client_options["user_pool_client_name"] = officer_client_name(tenant.id)
        self.officer_client = (
            cognito.UserPoolClient(self, "OfficerWebClient", user_pool=self.officer_pool, **officer_client_options)
            if platform
            else self.officer_pool.add_client("OfficerWebClient", **officer_client_options)
        )
        for group in OFFICER_GROUPS:
            cognito.CfnUserPoolGroup(
                self,
                f"OfficerGroup{group.title()}",
                user_pool_id=self.officer_pool.user_pool_id,
                group_name=self.officer_groups.pool_name(group),
                description=f"e-Service officers: {group}",
            )
        # a group per unit; officers see the requests of their units (eservice.units).
        OfficerUnitGroups(self, "OfficerUnits", tenant=tenant, pool=self.officer_pool, groups=self.officer_groups)

        # --- functions ----------------------------------------------------------------------
        self.core_layer, self.pdf_layer = platform.layers if platform else shared_layers(self)
        self.tenant_layer = lambda_.LayerVersion(
            self,
            "TenantLayer",
            # The tenant file compiled to JSON with its trust list (eservice.tenant.compile_tenant: cold start).
            code=lambda_.Code.from_asset(
                str(compile_tenant(tenant, tenants_dir(), REPO / ".local" / "tenant-layers" / tenant.id).parent)
            ),
            compatible_runtimes=[PYTHON_RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=f"tenant configuration of {tenant.id}",
        )
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.data_key,
            enforce_ssl=True,
        )
        # A cell's agencies share its one schedule group (an account holds 500 groups; issue 14), each agency's
        # schedules named after it; a silo stack has its own group.
        self.schedule_group = (
            platform.schedule_group_name if platform else scheduler.CfnScheduleGroup(self, "DeadlineSchedules").ref
        )
        # Issue 14: one role for the four functions and the schedules (a role each needed 5,007 roles for
        # 1,000 agencies in a cell, and an account holds 1,000); each function is held to its own grants.
        self.functions_role = FunctionsRole(self, "FunctionsRole")
        #: EventBridge Scheduler fires due deadlines at the clock function with this role.
        self.scheduler_role = self.functions_role.role
        # Q6.3, Q4.4, R-5.3: the agency's keys for outside services in one secret (issue 14: $0.40 a month
        # each): the HMAC key the payment provider signs its webhooks with (generated here); the LINE channel's
        # secret and access token and the CKAN portal's API key, put there by the agency's admin (empty: not
        # set up). See eservice/channel_keys.py.
        self.channel_keys = secretsmanager.Secret(
            self,
            "ChannelKeys",
            description=f"{tenant.id}: payment webhook HMAC key, LINE channel secret and token, CKAN API key (JSON)",
            encryption_key=self.data_key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"channel_secret": "", "channel_access_token": "", "ckan_api_key": ""}',
                generate_string_key="payment_webhook_key",
                exclude_punctuation=True,
                password_length=48,
            ),
        )
        # bounces and complaints come back to notify, which flags the applicant as hard to reach.
        self.mail_events = sns.Topic(self, "MailEvents", master_key=self.data_key, enforce_ssl=True)
        if platform is None:  # a cell grants SES its shared data key once (infra/cell.py)
            self.data_key.grant(iam.ServicePrincipal("ses.amazonaws.com"), "kms:GenerateDataKey*", "kms:Decrypt")
        self.mail_configuration = ses.ConfigurationSet(self, "MailConfiguration")
        self.mail_configuration.add_event_destination(
            "ToNotify",
            destination=ses.EventDestination.sns_topic(self.mail_events),
            events=[ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.DELIVERY],
        )
        self.email_identity = ses.EmailIdentity(
            self,
            "EmailIdentity",
            identity=ses.Identity.domain(tenant.domain),
            configuration_set=self.mail_configuration,
        )

        #: SnapStart (issue 14): each function's "live" alias, on the version CDK publishes when its code or
        #: configuration changes; every caller (API Gateway, the saga, schedules, SNS, the other functions) uses it.
        self.live: dict[str, lambda_.Alias] = {}
        #: What each function's code may do (issue 14: grant to these, never to the functions or their role).
        self.grants: dict[lambda_.Function, OneFunction] = {}
        self.intake = self._function("intake", memory=512, timeout=29)
        self.clock = self._function("clock", memory=512, timeout=60, pdf=True)
        self.sign = self._function("sign", memory=1536, timeout=120, pdf=True)
        self.notify = self._function("notify", memory=256, timeout=60)
        self.notify.add_environment("MAIL_CONFIGURATION_SET", self.mail_configuration.configuration_set_name)
        for fn in (self.intake, self.notify):
            # Payment webhooks (intake), pushes to LINE and the webhook that links accounts (the local stack points
            # LINE_API_BASE at its fake).
            fn.add_environment("CHANNEL_KEYS_SECRET_ARN", self.channel_keys.secret_arn)
            fn.add_environment("LINE_API_BASE", "https://api.line.me")
            self.channel_keys.grant_read(self.grants[fn])
        self.mail_events.add_subscription(subscriptions.LambdaSubscription(self.live["notify"]))
        # Lambda writes an asynchronous event that failed to the dead-letter queue with the role, outside the
        # function's code (no source function in that request): the queue's data key, for that alone.
        self.data_key.grant(self.functions_role.services, "kms:GenerateDataKey", "kms:Decrypt")
        self._grant_function_access()
        if platform is not None:
            # The intake presigns uploads to, and reads, its prefix of the cell's quarantine; sign checks
            # a signed PDF there before it is accepted.
            quarantine = platform.grant_quarantine(self, self.grants[self.intake], self.grants[self.sign])
            for fn in (self.intake, self.sign):
                fn.add_environment("QUARANTINE_BUCKET", quarantine)
        self._open_data_access()

        # --- the request saga (Step Functions Standard) -------------------------------------
        saga_name = f"{self.stack_name}-saga"  # unique per stack, like every other name CDK derives
        self.saga = RequestSaga(
            self,
            "Saga",
            clock=self.live["clock"],
            sign=self.live["sign"],
            notify=self.live["notify"],
            data_key=self.data_key,
            state_machine_name=saga_name,
            role=self.service_roles[0] if self.service_roles else None,
        )
        self.saga.state_machine.grant_start_execution(self.grants[self.intake])
        # What eservice.aws reads of the saga: its executions (the sweeper's list, one execution's status).
        self.saga.state_machine.grant(self.grants[self.intake], "states:ListExecutions")
        self.saga.state_machine.grant_execution(self.grants[self.intake], "states:DescribeExecution")
        self.intake.add_environment("STATE_MACHINE_ARN", self.saga.state_machine.state_machine_arn)
        # The clock's sweeper resumes failed executions. The clock is a task of the saga, so it gets
        # the saga's ARN from its known name (a Ref would be a dependency cycle).
        saga_arn = f"arn:{self.partition}:states:{self.region}:{self.account}:stateMachine:{saga_name}"
        execution_arns = f"arn:{self.partition}:states:{self.region}:{self.account}:execution:{saga_name}:*"
        self.clock.add_environment("STATE_MACHINE_ARN", saga_arn)
        self.grants[self.clock].add_to_policy(
            iam.PolicyStatement(actions=["states:StartExecution", "states:ListExecutions"], resources=[saga_arn])
        )
        self.grants[self.clock].add_to_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:RedriveExecution"], resources=[execution_arns]
            )
        )
        # Recovery: the sweeper delivers pending saga answers and resumes stranded requests.
        self._recurring(
            "Sweeper",
            "rate(10 minutes)",
            self.live["clock"],
            "sweep",
            retries=2,
            description="Resume requests whose saga failed or stalled, deliver pending answers",
        )
        # The aliases' ARNs (boto3 invokes by ARN as by name): a call lands on the published version. Written
        # from the functions' ARNs: a function naming an alias would come after it, and the aliases come after
        # the grants, which name the functions (a cycle).
        live = {name: f"{fn.function_arn}:live" for name, fn in (("sign", self.sign), ("notify", self.notify))}
        live["clock"] = f"{self.clock.function_arn}:live"
        self.intake.add_environment("SIGN_FUNCTION", live["sign"])
        self.intake.add_environment("NOTIFY_FUNCTION", live["notify"])
        self.intake.add_environment("CLOCK_FUNCTION", live["clock"])
        self.clock.add_environment("NOTIFY_FUNCTION", live["notify"])
        self.notify.add_environment("SIGN_FUNCTION", live["sign"])
        self.functions_role.may_invoke(self.functions_role.services, self.live["clock"])
        # officers check new and changed requests at least twice per working day (08:30, 16:30).
        self.functions_role.may_invoke(self.functions_role.services, self.live["notify"])
        # Cognito's admin actions cannot be scoped to groups: in a cell these grants name the cell's whole
        # officer pool, so every agency's functions could reach every agency's officers through IAM. The code
        # narrows them (eservice.officer_pool.OfficerDirectory: only this agency's groups and their users).
        self.officer_pool.grant(self.grants[self.notify], "cognito-idp:ListUsersInGroup")
        # an administrator sets an officer's units (their unit-* groups) through the API.
        self.officer_pool.grant(
            self.grants[self.intake],
            "cognito-idp:AdminListGroupsForUser",
            "cognito-idp:AdminAddUserToGroup",
            "cognito-idp:AdminRemoveUserFromGroup",
            # Issue 13: a request's history names the officers who acted (their pool e-mail, found by id).
            "cognito-idp:ListUsers",
        )
        weekdays = ",".join(d.upper() for d in self.tenant.office_hours.weekdays)
        for name, at in (("Morning", self.tenant.office_hours.opens), ("Afternoon", self.tenant.office_hours.closes)):
            self._recurring(
                f"OfficerDigest{name}",
                f"cron({at.minute} {at.hour} ? * {weekdays} *)",
                self.live["notify"],
                "digest",
                timezone=self.tenant.office_hours.timezone,
                description="Digest of new and changed requests and SLA warnings for officers (R-1.7)",
            )

        # --- archiving (R-4.8, issue 11): the table's exports go cold; its items are never deleted -------
        self._table_archive()
        # the daily sweep expires licences past their validity (their holders get sealed notices).
        self._recurring(
            "LicenceExpiry",
            "cron(5 0 * * ? *)",
            self.live["clock"],
            "expire_licences",
            timezone=self.tenant.office_hours.timezone,
            description="Expire licences past their validity and tell their holders (R-5.4)",
        )
        # at each month-end, the public register as open data when it changed (CSV, JSON, CKAN).
        self._recurring(
            "OpenDataMonthEnd",
            "cron(0 22 L * ? *)",
            self.live["clock"],
            "open_data",
            timezone=self.tenant.office_hours.timezone,
            description="Publish the public licence register as open data at month-end when it changed (R-5.3)",
        )

        # --- the REST API: the stack's own (silo), or its stage of one the cell shares (infra/api_group.py) ---
        self.api: apigw.RestApi | None = None
        if platform is None:
            self.api = self._rest_api()
        else:
            self.api_id = Fn.import_value(api_export_name(tenant.id))
            self._shared_api_permissions(self.api_id)

        # --- the two static sites (citizen, officer) and the API behind one CloudFront ---------------
        # Silo: the stack's own distribution. Cell: one distribution tenant of the cell's distribution.
        self.distribution: cloudfront.IDistribution | None = None
        if platform is None:
            self.distribution = self._distribution()
        else:
            self.distribution_tenant = platform.add_tenant(self)

        self._publish_sites()
        self._publish_trust_material()
        if platform is None:
            self._monitoring()
        self.functions_role.finish()
        self._acknowledge_nag_findings()
        if platform is None:
            CfnOutput(
                self,
                "ApiOriginDnsTarget",
                value=self.api_origin.domain_name_alias_domain_name,
                description=f"CNAME api-origin.{tenant.domain} to this: CloudFront reaches the API there",
            )
            CfnOutput(self, "SitesUrl", value=f"https://{self.distribution.distribution_domain_name}")  # type: ignore[union-attr]
        if platform is None:  # a cell's two pools are outputs of its platform stack
            CfnOutput(self, "CitizenPoolId", value=self.citizen_pool.user_pool_id)
            CfnOutput(self, "OfficerPoolId", value=self.officer_pool.user_pool_id)

    # ------------------------------------------------------------------------------------------
    def _bucket(
        self,
        name: str,
        *,
        logs_bucket: s3.IBucket | bool | None = True,
        kms_encrypted: bool = True,
        **kwargs: Any,
    ) -> s3.Bucket:
        server_logs: dict[str, Any] = {}
        if logs_bucket is True:
            server_logs = {"server_access_logs_bucket": self.access_logs, "server_access_logs_prefix": f"{name}/"}
        encryption: dict[str, Any] = (
            {"encryption": s3.BucketEncryption.KMS, "encryption_key": self.data_key, "bucket_key_enabled": True}
            if kms_encrypted
            else {"encryption": s3.BucketEncryption.S3_MANAGED}
        )
        if name == "AccessLogs":
            kwargs["object_ownership"] = s3.ObjectOwnership.BUCKET_OWNER_PREFERRED
        return s3.Bucket(
            self,
            name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
            **encryption,
            **server_logs,
            **kwargs,
        )

    def _table_archive(self) -> None:
        """R-4.8: every ``table_export_every_days`` the table is exported (from its point-in-time backup) to
        the archive bucket, whose exports move to cold storage after ``retention.table_exports``. Nothing is
        deleted from the table (TTL stays on idempotency records only): the registers keep every entry.
        EventBridge Scheduler calls DynamoDB's ExportTableToPointInTime itself (a universal target)."""
        retention = self.tenant.retention
        self.archive = self._bucket(
            "Archive",
            versioned=True,
            lifecycle_rules=[
                abort_incomplete_uploads(),
                *_archive_rules("TableExports", TABLE_EXPORTS_PREFIX, retention.table_exports),
            ],
        )
        role: iam.IRole
        if self.service_roles:  # the cell's one archive role (infra/cell.py)
            role = self.service_roles[1]
        else:
            role = iam.Role(
                self,
                "TableArchiveRole",
                assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
                description="Export the table to the archive bucket (R-4.8)",
            )
            role.add_to_policy(
                iam.PolicyStatement(actions=["dynamodb:ExportTableToPointInTime"], resources=[self.table.table_arn])
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"],
                    resources=[self.archive.arn_for_objects(f"{TABLE_EXPORTS_PREFIX}*")],
                )
            )
            self.data_key.grant_encrypt_decrypt(role)
        scheduler.CfnSchedule(
            self,
            "TableArchive",
            group_name=self.schedule_group,
            schedule_expression=f"rate({retention.table_export_every_days} days)",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn="arn:aws:scheduler:::aws-sdk:dynamodb:exportTableToPointInTime",
                role_arn=role.role_arn,
                input=self.to_json_string(
                    {
                        "TableArn": self.table.table_arn,
                        "S3Bucket": self.archive.bucket_name,
                        "S3Prefix": TABLE_EXPORTS_PREFIX.rstrip("/"),
                        "ExportFormat": "DYNAMODB_JSON",
                        "S3SseAlgorithm": "KMS",
                        "S3SseKmsKeyId": self.data_key.key_arn,
                    }
                ),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=3),
            ),
            description="Export the table to the archive bucket; exports go cold by the tenant's retention (R-4.8)",
        )
        Validations.of(self).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(self.archive.node.default_child)}.Arn>/"  # type: ignore[arg-type]
                f"{TABLE_EXPORTS_PREFIX}*]",
                reason="DynamoDB writes an export as many objects under one prefix of the archive bucket",
            )
        )

    def _malware_protection(self) -> None:
        """Q9.2: GuardDuty scans this stack's own uploads under quarantine/ (silo mode; a cell scans its
        shared quarantine bucket once, ``infra/cell.py``)."""
        self.malware_scan_role = malware_protection(self, self.uploads, self.data_key, prefix=MALWARE_SCANNED_PREFIX)

    def _function(self, name: str, *, memory: int, timeout: int, pdf: bool = False) -> lambda_.Function:
        log_group = logs.LogGroup(
            self, f"{name.title()}Logs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.RETAIN
        )
        layers = [self.core_layer, self.tenant_layer] + ([self.pdf_layer] if pdf else [])
        fn = lambda_.Function(
            self,
            f"{name.title()}Function",
            runtime=PYTHON_RUNTIME,
            architecture=ARCHITECTURE,
            # Issue 14: restored from a snapshot, not initialized, where it pays (see `snapstart_on`).
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if self.snapstart else None,
            handler="app.handler",
            code=lambda_.Code.from_asset(str(REPO / "functions" / name), exclude=["**/__pycache__"]),
            layers=layers,
            memory_size=memory,
            timeout=Duration.seconds(timeout),
            log_group=log_group,
            role=self.functions_role.role,
            # A cell's shared API names its agency's functions by name (infra/api_group.py): fixed there.
            function_name=function_name(self.tenant.id, name) if self.platform is not None else None,
            tracing=lambda_.Tracing.ACTIVE,
            dead_letter_queue=self.dead_letters,
            environment={
                "TENANT_ID": self.tenant.id,
                "TENANT_FILE": f"/opt/{self.tenant.id}{COMPILED_SUFFIX}",
                # Pydantic would look for plugins in every installed package's metadata on its first model.
                "PYDANTIC_DISABLE_PLUGINS": "__all__",
                "POWERTOOLS_SERVICE_NAME": f"eservice-{name}",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **self._function_environment(),
            },
        )
        # SnapStart applies to published versions only: callers use this alias, never $LATEST.
        self.live[name] = lambda_.Alias(self, f"{name.title()}Live", alias_name="live", version=fn.current_version)
        self.grants[fn] = self.functions_role.function(fn)
        # Every caller (API, saga, schedules, SNS, the other functions) names the alias: nothing runs the function
        # before its grants exist, on a first deployment too.
        self.live[name].node.add_dependency(self.grants[fn].policy, self.functions_role.shared)
        return fn

    def _function_environment(self) -> dict[str, str]:
        """The resources every function reads from its environment: the same for all four, so each
        reference is read from the jsii kernel once (one round trip each, synth time, issue 14)."""
        if self._environment is None:
            self._environment = {
                "TABLE_NAME": self.table.table_name,
                "UPLOADS_BUCKET": self.uploads.bucket_name,
                "DOCUMENTS_BUCKET": self.documents.bucket_name,
                "EXPORTS_BUCKET": self.exports.bucket_name,
                "SEAL_KEY_ID": self.seal_key.key_id,
                "TSA_KEY_ID": self.tsa_key.key_id,
                "DATA_KEY_ID": self.data_key.key_id,
                "CITIZEN_POOL_ID": self.citizen_pool.user_pool_id,
                "OFFICER_POOL_ID": self.officer_pool.user_pool_id,
                "SCHEDULE_GROUP": self.schedule_group,
                "SCHEDULER_ROLE_ARN": self.scheduler_role.role_arn,
                "DEAD_LETTER_QUEUE_URL": self.dead_letters.queue_url,
            }
            if self.officer_groups.prefix:  # a cell's shared officer pool (silo: the plain names, no variable)
                self._environment["OFFICER_GROUP_PREFIX"] = self.officer_groups.prefix
        return self._environment

    def _recurring(
        self,
        construct_id: str,
        expression: str,
        function: lambda_.IFunction,
        action: str,
        *,
        description: str,
        retries: int = 3,
        timezone: str | None = None,
    ) -> scheduler.CfnSchedule:
        """A recurring EventBridge Scheduler schedule that calls a function of the stack with an action."""
        schedule = scheduler.CfnSchedule(
            self,
            construct_id,
            group_name=self.schedule_group,
            schedule_expression=expression,
            schedule_expression_timezone=timezone,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=function.function_arn,
                role_arn=self.scheduler_role.role_arn,
                input=f'{{"action": "{action}"}}',
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=retries),
            ),
            description=description,
        )
        # The role may invoke the function only once its services' grants exist (a first deployment too).
        schedule.node.add_dependency(self.functions_role.shared)
        return schedule

    def _grant_function_access(self) -> None:
        g = self.grants
        # The agency's data is every function's (infra/function_role.py: one condition a grant would not fit IAM's
        # 10,240 characters a role); only its own agency's, by resource.
        every_function = self.functions_role.every_function
        self.table.grant_read_write_data(every_function)
        self.data_key.grant_encrypt_decrypt(every_function)
        # Put and read only: no function may delete a file (Q4.6, R-4.8).
        for bucket in (self.uploads, self.documents, self.exports):
            bucket.grant_put(every_function)
            bucket.grant_read(every_function)
        self.seal_key.grant(g[self.sign], "kms:Sign", "kms:GetPublicKey", "kms:DescribeKey")
        self.tsa_key.grant(g[self.clock], "kms:Sign", "kms:GetPublicKey", "kms:DescribeKey")
        self.tsa_key.grant(g[self.sign], "kms:Sign", "kms:GetPublicKey", "kms:DescribeKey")
        may_invoke = self.functions_role.may_invoke
        # intake verifies PDFs and renders documents through the sign function; it never imports pyHanko.
        may_invoke(g[self.intake], self.live["sign"])
        may_invoke(g[self.intake], self.live["notify"])
        may_invoke(g[self.clock], self.live["notify"])
        # notify has the sign function make the sealed notice an e-mail carries (R-4.3-R-4.5).
        may_invoke(g[self.notify], self.live["sign"])
        may_invoke(g[self.intake], self.live["clock"])
        self.dead_letters.grant_send_messages(g[self.clock])
        self.email_identity.grant_send_email(g[self.notify])
        # SMS to phone numbers has no topic ARN to scope to.
        g[self.notify].add_to_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))
        # Task-token APIs take no resource-level permission; the token itself is the capability. intake, clock
        # and notify answer them (notify: a bounced notice to an applicant who must act starts the hold, R-3.2).
        every_function.add_to_policy(
            iam.PolicyStatement(
                actions=["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
                resources=["*"],
            )
        )
        for fn in (self.intake, self.clock):
            g[fn].add_to_policy(
                iam.PolicyStatement(
                    actions=["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"],
                    resources=[
                        f"arn:{self.partition}:scheduler:{self.region}:{self.account}:schedule/"
                        f"{self.schedule_group}/{schedule_name_prefix(self.tenant.id)}*"
                    ],
                )
            )
            # The schedules they make call the clock with the functions' own role (its services' grants), which
            # they may pass to EventBridge Scheduler and to no other service.
            g[fn].add_to_policy(
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[self.scheduler_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
                )
            )
        for fn, pool in ((self.intake, self.citizen_pool), (self.intake, self.officer_pool)):
            pool.grant(g[fn], "cognito-idp:AdminGetUser")

    def _open_data_access(self) -> None:
        """R-5.3: the clock publishes the register (exports bucket), pushes it to CKAN with the API key kept
        in the agency's keys secret (put there by the agency's admin), and mails it to the parent agency from
        the saraban address."""
        clock = self.grants[self.clock]
        self.channel_keys.grant_read(clock)
        self.clock.add_environment("CHANNEL_KEYS_SECRET_ARN", self.channel_keys.secret_arn)
        self.clock.add_environment("CKAN_URL", self.tenant.open_data.ckan_url)
        self.email_identity.grant_send_email(clock)  # the exports bucket is every function's (_grant_function_access)

    def _rest_api(self) -> apigw.RestApi:
        access_logs = logs.LogGroup(self, "ApiAccessLogs", retention=logs.RetentionDays.ONE_YEAR)
        description = f"e-Service API of {self.tenant.name.en}"
        api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"eservice-{self.tenant.id}",
            description=description,
            # The deployment and its stage are made below, as RestApi makes them (same ids), with a
            # fingerprint of the API's definition instead of the one CDK derives (see `api_fingerprint`).
            deploy=False,
            cloud_watch_role=True,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=["application/pdf", "application/timestamp-query", "multipart/form-data"],
            # Every call passes CloudFront and its firewall (api-origin.<domain>, see _api_origin).
            disable_execute_api_endpoint=True,
        )
        deployment = apigw.Deployment(api, "Deployment", api=api, description=description)
        api.deployment_stage = apigw.Stage(
            api,
            "DeploymentStage.api",
            deployment=deployment,
            stage_name="api",
            throttling_rate_limit=50,
            throttling_burst_limit=100,
            # The public TSA signs with KMS on every call: its own, much lower ceiling (all callers).
            method_options={
                "/tsa/POST": apigw.MethodDeploymentOptions(
                    throttling_rate_limit=TSA_RATE_LIMIT, throttling_burst_limit=TSA_BURST_LIMIT
                )
            },
            logging_level=apigw.MethodLoggingLevel.ERROR,
            tracing_enabled=True,
            access_log_destination=apigw.LogGroupLogDestination(access_logs),
            access_log_format=api_access_log_format(),
        )
        CfnOutput(api, "Endpoint", value=api.url_for_path())
        # Intake serves its routes; an operation may name another function (POST /tsa: the clock's RFC 3161
        # timestamp authority, Q3.8) and goes there instead.
        integrations = {name: self._lambda_proxy(api, name) for name in ("intake", "clock")}
        pools: dict[str, cognito.IUserPool] = {"citizen": self.citizen_pool, "officer": self.officer_pool}
        deployed = add_api_routes(self, api, integrations, pools)
        routes = intake_routes()
        deployment.node.add_dependency(*deployed)
        deployment.add_to_logical_id(api_fingerprint(routes, GATEWAY_REFUSALS))

        self.api_origin = self._api_origin(api)
        return api

    def _shared_api_permissions(self, api_id: str) -> None:
        """API Gateway may call the ``live`` aliases the agency's stage of the cell's shared API names: that API,
        that stage, any of its methods (the only routes that reach them), nothing else."""
        stage = stage_name(self.tenant.id)
        source = f"arn:{self.partition}:execute-api:{self.region}:{self.account}:{api_id}/{stage}/*/*"
        for name in API_FUNCTIONS:
            self.live[name].add_permission(
                "ApiInvoke", principal=iam.ServicePrincipal("apigateway.amazonaws.com"), source_arn=source
            )

    def _lambda_proxy(self, api: apigw.RestApi, name: str) -> apigw.Integration:
        """A Lambda proxy integration on the function's ``live`` alias (SnapStart, issue 14), with one
        permission for the whole API stage.

        ``LambdaIntegration`` adds two permissions per method (the stage's and the console's test-invoke):
        some 150 statements in the intake alias's resource policy, past Lambda's 20 KB limit on a
        function policy (aws/aws-cdk#5774), and 150 resources a tenant to synthesize. One permission
        scoped to this API's stage lets API Gateway call the alias from any of the API's methods (the
        only routes that reach it) and nothing else: no other API, no other stage, no console test.
        """
        alias = self.live[name]
        alias.add_permission(
            "ApiInvoke",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=api.arn_for_execute_api(method="*", path="/*", stage=api.deployment_stage.stage_name),
        )
        return apigw.Integration(
            type=apigw.IntegrationType.AWS_PROXY,
            integration_http_method="POST",
            # The URI LambdaIntegration writes: the alias's invocations path.
            uri=self.format_arn(
                service="apigateway",
                account="lambda",
                resource="path/2015-03-31/functions",
                resource_name=f"{alias.function_arn}/invocations",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            ),
        )

    def _api_origin(self, api: apigw.RestApi) -> apigw.DomainName:
        """The API's only way in: ``api-origin.<domain>``, reached by CloudFront and refused to anyone else.

        The ``execute-api`` endpoint is disabled, so CloudFront needs a host of its own for the API: a
        regional custom domain (ACM certificate, DNS-validated by the agency) mapped at ``/api`` to the
        stage. A direct call to that host would still pass by the edge firewall, so a regional web ACL
        on the stage lets through only requests carrying CloudFront's origin header: a value unique to
        this stack (its CloudFormation id), never written in the repository, sent by CloudFront only.
        """
        name = f"api-origin.{self.tenant.domain}"
        domain = apigw.DomainName(
            self,
            "ApiOriginDomain",
            domain_name=name,
            certificate=acm.Certificate(
                self, "ApiOriginCertificate", domain_name=name, validation=acm.CertificateValidation.from_dns()
            ),
            endpoint_type=apigw.EndpointType.REGIONAL,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        domain.add_base_path_mapping(api, base_path="api", stage=api.deployment_stage)
        acl = origin_firewall(
            self,
            self.origin_secret,
            "Only CloudFront, which sends the origin header of this stack, may call the API origin domain",
        )
        wafv2.CfnWebACLAssociation(
            self, "ApiFirewallAssociation", resource_arn=api.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
        )
        return domain

    @property
    def origin_secret(self) -> str:
        """The origin header's value: the UUID ending this stack's CloudFormation id (unguessable, stable)."""
        return Fn.select(2, Fn.split("/", self.stack_id))

    def _distribution(self) -> cloudfront.Distribution:
        """CloudFront in front of everything: the sites from S3, ``/api/*`` from the API's origin domain.

        Every behaviour sends the same security headers (``web_headers``), and the edge firewall
        (us-east-1, ``infra/edge.py``) guards them all.
        """
        sites_origin = origins.S3BucketOrigin.with_origin_access_control(self.sites)
        headers = self._response_headers_policy()
        api_origin = origins.HttpOrigin(
            self.api_origin.domain_name,
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            custom_headers={ORIGIN_VERIFY_HEADER: self.origin_secret},
        )
        return cloudfront.Distribution(
            self,
            "SitesDistribution",
            default_behavior=cloudfront.BehaviorOptions(
                origin=sites_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=headers,
            ),
            # The API under the same origin as the sites (/api/* -> the "api" stage): no CORS needed.
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    response_headers_policy=headers,
                ),
                # the open-data files, read-only, from open-data/ in the exports bucket (nothing else
                # of that bucket is reachable: the path is the key prefix).
                "/open-data/*": cloudfront.BehaviorOptions(
                    origin=origins.S3BucketOrigin.with_origin_access_control(self.exports),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    response_headers_policy=headers,
                ),
                # Trust material at the URLs the certificates name (CRL distribution point, caIssuers):
                # pki/ in the sites bucket, written by the sign function (see _publish_trust_material).
                "/pki/*": cloudfront.BehaviorOptions(
                    origin=sites_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    cache_policy=self._pki_cache_policy(),
                    response_headers_policy=headers,
                ),
            },
            default_root_object="index.html",
            enable_logging=True,
            log_bucket=self.access_logs,
            log_file_prefix="cloudfront/",
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            web_acl_id=edge_firewall_arn(self, tenant_id=self.tenant.id),
        )

    def site_csp(self) -> str:
        """The sites' CSP with the origins they call on AWS (see ``web_headers``)."""
        cognito = f"https://cognito-idp.{self.region}.amazonaws.com"
        hosted = self.federation.sign_in_url
        uploads = [
            f"https://{self.uploads.bucket_regional_domain_name}",
            f"https://{self.uploads.bucket_name}.s3.amazonaws.com",
        ]
        # The officer SPA reads the draft licence from its presigned link to show it before signing (issue 13).
        documents = [
            f"https://{self.documents.bucket_regional_domain_name}",
            f"https://{self.documents.bucket_name}.s3.amazonaws.com",
        ]
        return web_headers.content_security_policy(
            connect=[cognito, hosted, *uploads, *documents], form_action=[hosted]
        )

    def _response_headers_policy(self) -> cloudfront.ResponseHeadersPolicy:
        return response_headers_policy(self, self.site_csp())

    def _publish_sites(self) -> None:
        """The citizen site at / and the officer SPA at /officer/, with the config.json they start from."""
        config = {
            "tenant": self.tenant.id,
            "apiBase": "/api",
            "cognitoEndpoint": f"https://cognito-idp.{self.region}.amazonaws.com/",
            "region": self.region,
            "citizen": {
                "userPoolId": self.citizen_pool.user_pool_id,
                "clientId": self.citizen_client.user_pool_client_id,
                "oauthDomain": self.federation.sign_in_url,
            },
            "officer": {
                "userPoolId": self.officer_pool.user_pool_id,
                "clientId": self.officer_client.user_pool_client_id,
            },
            "local": False,
        }
        # Cache-Control as web_headers says (the local front sends the same): fonts immutable, the rest
        # revalidated on every use (ETag), so a deploy is seen at once without waiting for any cache.
        revalidated = [s3deploy.CacheControl.from_string(web_headers.CACHE_REVALIDATE)]
        # Q3.4: the tenant's example documents, linked from each upload slot, at /examples/<file>.
        examples = examples_dir(tenants_dir() / f"{self.tenant.id}.yaml", self.tenant.id)
        has_examples = any(d.example for s in self.tenant.services for d in s.documents)
        # A cell's one publisher role (infra/cell.py); None: CDK's publishing function gets a role of its own.
        publisher_role = self.service_roles[2] if self.service_roles else None
        citizen = s3deploy.BucketDeployment(
            self,
            "CitizenSite",
            sources=[
                s3deploy.Source.asset(str(REPO / "web" / "citizen"), exclude=["fonts/*"]),
                s3deploy.Source.json_data("config.json", config),
                # tenants/<id>/ holds only examples/, so its keys are examples/<file>.
                *([s3deploy.Source.asset(str(examples.parent))] if has_examples else []),
            ],
            destination_bucket=self.sites,
            distribution=self.distribution,
            distribution_paths=["/index.html", "/config.json"] if self.distribution else None,
            prune=False,
            cache_control=revalidated,
            role=publisher_role,
        )
        fonts = s3deploy.BucketDeployment(
            self,
            "SiteFonts",
            sources=[s3deploy.Source.asset(str(REPO / "web" / "citizen" / "fonts"))],
            destination_bucket=self.sites,
            destination_key_prefix="fonts/",
            prune=False,
            cache_control=[s3deploy.CacheControl.from_string(web_headers.CACHE_IMMUTABLE)],
            role=publisher_role,
        )
        officer = s3deploy.BucketDeployment(
            self,
            "OfficerSite",
            sources=[s3deploy.Source.asset(str(REPO / "web" / "officer"))],
            destination_bucket=self.sites,
            destination_key_prefix="officer/",
            distribution=self.distribution,
            distribution_paths=["/officer/*"] if self.distribution else None,
            prune=False,
            cache_control=revalidated,
            role=publisher_role,
        )
        fonts.node.add_dependency(citizen)
        officer.node.add_dependency(fonts)
        if publisher_role is not None:
            return
        # CDK's one publishing function: acknowledged on it alone, so no other role may ever delete objects.
        # (Only the functions' ids are read: each read is a round trip to the jsii kernel, issue 14.)
        publisher = next(
            c
            for c in self.node.children
            if isinstance(c, lambda_.Function) and c.node.id.startswith("Custom::CDKBucketDeployment")
        )
        reason = (
            "CDK's site-publishing function replaces the static site files of the sites bucket on each deploy; "
            "no request, document or evidence is stored there"
        )
        sites_arn = f"<{self.get_logical_id(self.sites.node.default_child)}.Arn>"  # type: ignore[arg-type]
        Validations.of(publisher).acknowledge(
            *(
                Acknowledgment(id=finding, reason=reason)
                for finding in (
                    "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
                    f"AwsSolutions-IAM5[Resource::{sites_arn}/*]",
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
                    "<AWS::Region>/*]",
                )
            )
        )

    def _pki_cache_policy(self) -> cloudfront.CachePolicy:
        return pki_cache_policy(self)

    def _publish_trust_material(self) -> None:
        """The sign function writes the root certificate and the CRL under pki/ in the sites bucket.

        Three exact keys, put only (eservice_pdf.pki.trust_material names them): it can neither touch
        the sites' files nor delete anything. The sites' deployments do not prune, so they keep pki/.
        """
        self.sign.add_environment("PKI_BUCKET", self.sites.bucket_name)
        # The CRL is otherwise re-issued only when a seal is made; a daily call keeps the published one
        # current even when nothing is sealed for a week (it is re-issued a day before nextUpdate).
        self.functions_role.may_invoke(self.functions_role.services, self.live["sign"])
        self._recurring(
            "PkiCrlRefresh",
            "rate(1 day)",
            self.live["sign"],
            "refresh_pki",
            description="Re-issue the agency CRL before it expires and publish it at /pki/root.crl",
        )
        self.grants[self.sign].add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[self.sites.arn_for_objects(f"pki/{name}") for name in ("root.crt", "root.pem", "root.crl")],
            )
        )

    def _monitoring(self) -> None:
        topic = sns.Topic(self, "Alarms", master_key=self.data_key, enforce_ssl=True)
        action = cw_actions.SnsAction(topic)
        alarms = [
            cloudwatch.Alarm(
                self,
                "DeadLettersAlarm",
                metric=self.dead_letters.metric_approximate_number_of_messages_visible(),
                threshold=1,
                evaluation_periods=1,
                alarm_description="A message could not be processed and waits in the dead-letter queue",
            ),
            cloudwatch.Alarm(
                self,
                "SagaFailedAlarm",
                metric=self.saga.state_machine.metric_failed(),
                threshold=1,
                evaluation_periods=1,
                alarm_description="A request saga execution failed",
            ),
            cloudwatch.Alarm(
                self,
                "Api5xxAlarm",
                metric=self.api.metric_server_error(period=Duration.minutes(5)),  # type: ignore[union-attr]
                threshold=5,
                evaluation_periods=1,
                alarm_description="The API answered with server errors",
            ),
        ]
        for fn in (self.intake, self.clock, self.sign, self.notify):
            alarms.append(
                cloudwatch.Alarm(
                    self,
                    f"{fn.node.id}Errors",
                    metric=fn.metric_errors(period=Duration.minutes(5)),
                    threshold=1,
                    evaluation_periods=1,
                    alarm_description=f"{fn.node.id} raised errors",
                )
            )
        for alarm in alarms:
            alarm.add_alarm_action(action)
        CfnOutput(self, "AlarmTopicArn", value=topic.topic_arn)

    def _acknowledge_nag_findings(self) -> None:
        reasons = {
            "AwsSolutions-COG8": "The citizen pool uses the Essentials plan to stay within a small agency's "
            "budget; officers, who hold the power to decide, are on the Plus plan",
            "AwsSolutions-APIG4": "Public routes (service catalogue, licence register, document verification, "
            "payment webhook with its own HMAC check, the TSA) must be reachable without sign-in (Q1, R-5, Act §13)",
            "AwsSolutions-COG4": "Same public routes as APIG4; every applicant and officer route uses a Cognito "
            "authorizer",
            "AwsSolutions-CFR1": "Thai citizens abroad must reach the e-Service, so no geo restriction",
            "AwsSolutions-CFR4": "The default CloudFront certificate allows TLSv1; the agency's own domain "
            "certificate (TLSv1.2_2021) replaces it at go-live",
            "AwsSolutions-COG2": "MFA is required for officers; for citizens it is optional by law: IAL1 services "
            "accept password or e-mail OTP (Q2.2)",
            "AwsSolutions-COG3": "Threat protection is on for officers (Plus plan); the citizen pool uses the "
            "Essentials plan to stay within a small agency's budget",
            "AwsSolutions-SQS3": "This queue is itself the dead-letter queue",
            "AwsSolutions-SMG4": "The webhook secrets are shared with the payment provider and with LINE and "
            "rotated by agreement with them (a new secret on both sides at once); automatic rotation would break "
            "payment confirmation and LINE messages",
            "AwsSolutions-L1": "Python 3.13 is the newest runtime with manylinux wheels for every PDF-layer "
            "dependency (uharfbuzz, cryptography)",
            "AwsSolutions-S1": "The access-log bucket cannot log to itself",
        }
        # One call for all of them: each call is a round trip to the jsii kernel (synth time, issue 14).
        Validations.of(self).acknowledge(
            *(
                Acknowledgment(id=rule, reason=reason)
                for rule, reason in {**reasons, **self._granular_iam_findings()}.items()
            )
        )

    def _granular_iam_findings(self) -> dict[str, str]:
        """Each wildcard IAM finding, named, with why it is the narrowest grant available."""

        def arn(construct: Construct) -> str:
            default = construct.node.default_child
            if default is None:
                raise RuntimeError(f"{construct.node.path} has no CloudFormation resource")
            return f"<{self.get_logical_id(default)}.Arn>"  # type: ignore[arg-type]

        managed = "AWS-maintained minimal policy for writing the function's or the API's logs"
        objects = "Objects of this one bucket, from CDK's grant helper (put/read only, never delete)"
        found: dict[str, str] = {
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]": managed,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]": managed,
            "AwsSolutions-IAM5[Resource::*]": "X-Ray tracing, task-token answers and SMS publishing have no "
            "resource-level permissions",
            f"AwsSolutions-IAM5[Resource::{arn(self.table)}/index/*]": "Queries on this table's own indexes",
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]": "Envelope encryption with the stack's own data key",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": "Envelope encryption with the stack's own data key",
            "AwsSolutions-IAM5[Action::s3:GetObject*]": objects,
            "AwsSolutions-IAM5[Action::s3:GetBucket*]": objects,
            "AwsSolutions-IAM5[Action::s3:List*]": objects,
            "AwsSolutions-IAM5[Action::s3:Abort*]": "Abort an unfinished multipart upload of a document",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:"
            f"schedule/{self.platform.schedule_group_name if self.platform else '<DeadlineSchedules>'}/"
            f"{schedule_name_prefix(self.tenant.id)}*]": "This agency's own deadline schedules (named after it)",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
            'execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"'
            f"{self.get_logical_id(self.saga.state_machine.node.default_child)}"  # type: ignore[arg-type]
            '"}]}]}:*]': "Reading the executions of this stack's own saga (status for officers)",
        }
        found[
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
            f"execution:{self.stack_name}-saga:*]"
        ] = "The sweeper reads and resumes the executions of this stack's own saga"
        for bucket in (self.uploads, self.documents, self.exports):
            found[f"AwsSolutions-IAM5[Resource::{arn(bucket)}/*]"] = objects
        for fn in (self.intake, self.clock, self.sign, self.notify):
            found[f"AwsSolutions-IAM5[Resource::{arn(fn)}:*]"] = "Invoking any version of this stack's function"
        if self.tenant.security.malware_scanning and self.platform is None:
            found.update(malware_scan_findings(f"{arn(self.uploads)}/{MALWARE_SCANNED_PREFIX}*"))
        if self.platform is not None:
            found[
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::"
                f"{quarantine_bucket_name(self.platform.cell, '<AWS::AccountId>', '<AWS::Region>')}/{self.tenant.id}/*]"
            ] = "This agency's own prefix of the cell's quarantine bucket (its unchecked uploads), nothing else"
        return found


def api_access_log_format() -> apigw.AccessLogFormat:
    """An API stage's access log line: no caller or user (personal data), the rest of the standard fields."""
    return apigw.AccessLogFormat.json_with_standard_fields(
        caller=False,
        http_method=True,
        ip=True,
        protocol=True,
        request_time=True,
        resource_path=True,
        response_length=True,
        status=True,
        user=False,
    )


def add_api_routes(
    scope: Construct,
    api: apigw.RestApi,
    integrations: Mapping[str, apigw.Integration],
    pools: Mapping[str, cognito.IUserPool],
    *,
    base: str = "",
) -> list[Construct]:
    """The API's definition (one source: ``infra/routes.py``): its request validator, gateway refusals, Cognito
    authorizers and every route's resource and method, under ``base`` (``api``: a cell's shared API, which
    CloudFront reaches at ``/<stage>/api/...``). Returns what a deployment of it must come after."""
    #: What the deployment deploys: CloudFormation creates it after all of them.
    deployed: list[Construct] = [
        api.add_request_validator("Validator", validate_request_body=True, validate_request_parameters=True)
    ]
    authorizers: dict[str, apigw.CognitoUserPoolsAuthorizer] = {}

    def authorizer(name: str) -> apigw.CognitoUserPoolsAuthorizer:
        # Created on first use: CDK refuses an authorizer that no method uses.
        if name not in authorizers:
            authorizers[name] = apigw.CognitoUserPoolsAuthorizer(
                scope, f"{name.title()}Authorizer", cognito_user_pools=[pools[name]]
            )
        return authorizers[name]

    for refusal in GATEWAY_REFUSALS:
        # DEFAULT_4XX/5XX keep the status API Gateway chose; the others have one fixed status.
        keeps_status = refusal.response_type.startswith("DEFAULT_")
        response = api.add_gateway_response(
            f"Gateway{refusal.response_type.title().replace('_', '')}",
            type=apigw.ResponseType.of(refusal.response_type),
            status_code=None if keeps_status else str(refusal.status),
            templates={"application/json": refusal.body()},
        )
        deployed.append(response)
    # Each resource made once, by its path (one round trip to the jsii kernel each, issue 14).
    resources: dict[str, apigw.IResource] = {"/": api.root}
    if base:
        resources["/"] = api.root.add_resource(base)
        deployed.append(resources["/"])  # type: ignore[arg-type]
    for route in intake_routes():
        path = "/"
        for part in filter(None, route.path.split("/")):
            parent, path = resources[path], f"{path.rstrip('/')}/{part}"
            if path not in resources:
                resources[path] = parent.add_resource(part)
                deployed.append(resources[path])  # type: ignore[arg-type]
        options: dict[str, Any] = {"operation_name": route.operation_id, "request_validator": deployed[0]}
        if route.auth is not None:
            options["authorizer"] = authorizer(route.auth)
            options["authorization_type"] = apigw.AuthorizationType.COGNITO
        deployed.append(resources[path].add_method(route.method, integrations[route.function], **options))
    return deployed


def api_fingerprint(routes: Sequence[ApiRoute], refusals: Sequence[GatewayRefusal]) -> str:
    """What the API deployment's logical id is made from: a new deployment whenever the API changes.

    CDK's ``RestApi`` derives it from the resolved properties of every resource, method, validator and
    refusal, which costs a fifth of a tenant's synthesis (issue 14). Those are made, the same for every
    tenant, from the route table, the gateway refusals and the code of ``EServiceStack._rest_api`` and
    ``_lambda_proxy`` with the CDK release that renders them: their fingerprint changes with any of them. A
    change to the API made anywhere else would not be seen: keep the API's definition in those two methods.
    """
    definition = {
        "routes": [dataclasses.astuple(r) for r in routes],
        "refusals": [dataclasses.astuple(r) for r in refusals],
        "code": _api_code_digest(),
        # A CDK release may render the same methods differently: a new deployment then, as CDK's own id would.
        "cdk": importlib.metadata.version("aws-cdk-lib"),
    }
    return hashlib.sha256(json.dumps(definition, ensure_ascii=False).encode("utf-8")).hexdigest()


@functools.cache
def _api_code_digest() -> str:
    code = "".join(inspect.getsource(f) for f in (EServiceStack._rest_api, EServiceStack._lambda_proxy, add_api_routes))
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def quarantine_bucket_name(cell: str, account: str, region: str) -> str:
    """The cell's shared quarantine bucket (``infra/cell.py``): named, so a tenant stack grants its own prefix
    of it without importing anything from the platform stack."""
    return f"eservice-{cell}-quarantine-{account}-{region}"


def malware_scan_findings(protected: str) -> dict[str, str]:
    """cdk-nag's wildcard findings on GuardDuty's role, with the reasons (the scanned objects: ``protected``)."""
    return {
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:"
        "rule/DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*]": "GuardDuty names its own EventBridge rule with "
        "this prefix; it may manage only rules it created",
        f"AwsSolutions-IAM5[Resource::{protected}]": "GuardDuty reads and tags each new unchecked upload (the "
        "protected objects), nothing else",
    }


def origin_firewall(scope: Construct, origin_secret: str, description: str) -> wafv2.CfnWebACL:
    """The regional web ACL in front of the API origin: only requests carrying CloudFront's origin header
    (silo: one stack's API; cell: every tenant's API of the cell)."""
    return wafv2.CfnWebACL(
        scope,
        "ApiFirewall",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(block={}),
        scope="REGIONAL",
        description=description,
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="eservice-api-origin", sampled_requests_enabled=True
        ),
        rules=[
            wafv2.CfnWebACL.RuleProperty(
                name="from-cloudfront",
                priority=0,
                action=wafv2.CfnWebACL.RuleActionProperty(allow={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                            single_header={"Name": ORIGIN_VERIFY_HEADER.lower()}
                        ),
                        positional_constraint="EXACTLY",
                        search_string=origin_secret,
                        text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
                    )
                ),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True, metric_name="from-cloudfront", sampled_requests_enabled=True
                ),
            ),
        ],
    )
