"""A cell: one platform stack per AWS account and Region, shared by many thin tenant stacks (issue 14).

Shared by every tenant of the cell (this stack): the CloudFront web firewall (its own us-east-1 edge
stack, ``EdgeFirewallStack(cell=...)``), one multi-tenant CloudFront distribution (SaaS Manager:
``connection_mode="tenant-only"``) whose origins are parameters each agency's
``AWS::CloudFront::DistributionTenant`` fills in, the regional firewall that lets only that
distribution call the agencies' APIs, the core and PDF layers (published once, referenced by ARN),
the data and RFC 3161 timestamp keys, the national citizen user pool (a citizen signs up or signs in
with ThaID once for every agency of the cell), the cell's one officer user pool with its pre token
generation trigger (no tokens through one agency's web client for another agency's officer), the
account's API Gateway logging role, the alarm topic, the cell's alarms and its dashboard.

Per tenant (``EServiceStack(platform=...)``): its table, buckets, the agency's own seal key (legally
the agency's), its web clients of the national pool and of the officer pool, its officer groups in
that pool (named ``<tenant id>:<group>``, the tenant claim: ``eservice.officer_pool``), functions,
saga, its stage of one of the cell's REST APIs (each shared by ten agencies: ``infra/api_group.py``) and
its distribution tenant. Every grant of a tenant's functions to data names that
tenant's own resources, never a wildcard across tenants (``tests/infra/test_cell.py`` asserts it;
``local`` tries it). The one exception is the officer pool: Cognito's admin actions cannot be scoped
to a group, so each agency's functions hold them on the cell's pool and their code keeps to the
agency's own groups and officers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import (
    Acknowledgment,
    CfnOutput,
    DefaultStackSynthesizer,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    Tags,
    Validations,
)
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from eservice.officer_pool import REFUSALS_METRIC, TOKENS_TRIGGER_SERVICE
from eservice.tenant import OidcProvider, Tenant

from . import web_headers
from .api_group import stage_name
from .edge import edge_firewall_arn
from .identity import CitizenFederation
from .routes import REPO
from .stack import (
    ARCHITECTURE,
    ORIGIN_VERIFY_HEADER,
    PYTHON_RUNTIME,
    TABLE_EXPORTS_PREFIX,
    abort_incomplete_uploads,
    citizen_user_pool,
    malware_protection,
    malware_scan_findings,
    officer_user_pool,
    origin_firewall,
    pki_cache_policy,
    quarantine_bucket_name,
    response_headers_policy,
    shared_layers,
)

if TYPE_CHECKING:
    from .stack import EServiceStack

__all__ = [
    "CELL_ALARMS",
    "CellPlatform",
    "CellPlatformStack",
    "cell_edge_stack_name",
    "cell_stack_name",
    "metrics_query",
    "national_providers",
]

#: The cell's alarms, each one Metrics Insights query over every tenant of the account (no per-tenant alarm):
#: name -> (statistic, namespace, metric, the dimension that names a tenant's resource, description, threshold).
CELL_ALARMS: dict[str, tuple[str, str, str, str, str, int]] = {
    "SagaFailures": (
        "SUM",
        "AWS/States",
        "ExecutionsFailed",
        "StateMachineArn",
        "A request saga execution failed",
        1,
    ),
    "DeadLetters": (
        "MAX",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        "A message could not be processed and waits in a dead-letter queue",
        1,
    ),
    "Api5xx": ("SUM", "AWS/ApiGateway", '"5XXError"', "ApiName", "An agency's API answered with server errors", 5),
}


def metrics_query(name: str, *, per_tenant: bool = False) -> str:
    """The Metrics Insights query of one cell alarm; ``per_tenant`` groups it by the resource (the dashboard)."""
    stat, namespace, metric, dimension, _, _ = CELL_ALARMS[name]
    query = f'SELECT {stat}({metric}) FROM SCHEMA("{namespace}", {dimension})'
    return f"{query} GROUP BY {dimension}" if per_tenant else query


def cell_stack_name(cell: str) -> str:
    """The platform stack of a cell."""
    return f"eservice-cell-{cell}"


def cell_edge_stack_name(cell: str) -> str:
    """The cell's CloudFront web firewall, in us-east-1."""
    return f"eservice-cell-{cell}-edge"


def national_providers(tenants: Sequence[Tenant]) -> list[OidcProvider]:
    """The Digital ID providers of the national pool: each provider id once (the first tenant naming it)."""
    seen: dict[str, OidcProvider] = {}
    for tenant in tenants:
        for provider in tenant.identity_providers:
            seen.setdefault(provider.id, provider)
    return list(seen.values())


class CellPlatformStack(Stack):
    """Everything the tenants of one cell share (see the module docstring)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, cell: str, tenants: Sequence[Tenant], **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if not tenants:
            raise ValueError("a cell has at least one tenant")
        self.cell = cell
        Tags.of(self).add("eservice:cell", cell)
        self.data_key = kms.Key(self, "DataKey", enable_key_rotation=True, description=f"cell {cell} data")
        # SES publishes bounce and delivery events to each tenant's topic, encrypted with this key.
        self.data_key.grant(iam.ServicePrincipal("ses.amazonaws.com"), "kms:GenerateDataKey*", "kms:Decrypt")
        self.tsa_key = kms.Key(
            self,
            "TsaKey",
            key_spec=kms.KeySpec.RSA_2048,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            description=f"cell {cell} RFC 3161 timestamp authority key",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.layers = shared_layers(self)
        self.citizen_pool = citizen_user_pool(self)
        #: The officers of every agency of the cell, each agency with its own web client and its own groups,
        #: named ``<tenant id>:<group>`` (``eservice.officer_pool``): a pool per agency would stop a cell at the
        #: account's 1,000 pools. Each agency's functions are granted this pool's admin actions (Cognito cannot
        #: scope them to groups); their code reads and changes only their own agency's groups and officers.
        self.officer_pool = officer_user_pool(self)
        self.officer_tokens = self._officer_tokens_trigger()
        self.federation = CitizenFederation(
            self,
            "CitizenFederation",
            tenant=tenants[0],
            pool=self.citizen_pool,
            client=None,
            owner_id=f"cell-{cell}",
            providers=national_providers(tenants),
        )
        self._api_gateway_logging()
        self.api_acl = self._origin_firewall()
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.distribution = self._distribution()
        self.quarantine = self._quarantine(tenants)
        self._service_roles()
        self._acknowledge_service_roles()
        #: Every agency's deadline schedules and recurring jobs, each named after its agency (500 groups an account).
        self.schedule_group_name = f"eservice-{cell}-schedules"
        scheduler.CfnScheduleGroup(self, "Schedules", name=self.schedule_group_name)
        self.alarm_topic = sns.Topic(self, "Alarms", master_key=self.data_key, enforce_ssl=True)
        self._monitoring()
        CfnOutput(self, "CitizenPoolId", value=self.citizen_pool.user_pool_id)
        CfnOutput(self, "OfficerPoolId", value=self.officer_pool.user_pool_id)
        CfnOutput(self, "DistributionId", value=self.distribution.ref)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)
        self._acknowledge_nag_findings()

    def _officer_tokens_trigger(self) -> lambda_.Function:
        """Issue 14: Cognito signs any user of a pool in through any of its web clients, so without this an
        officer of one agency could sign in on another agency's site (whose API then refuses them). Before
        Cognito issues tokens (each sign-in, each refresh) the trigger names the agency from the client's name
        (``officers@<tenant id>``, each tenant stack's own client) and refuses the tokens to a user in none of
        its groups; an error of the function refuses them too (``functions/officer_tokens``).

        The platform holds no list of its tenants: the function reads the client's name from Cognito. Its role
        may describe this pool's clients and write its own logs, nothing else. The grant is a policy of its own
        (the function does not wait for it): the pool names the function, and a policy on the function's role
        naming the pool would make a dependency cycle. V1_0 events carry the groups and need no feature plan."""
        log_group = logs.LogGroup(
            self, "OfficerTokensLogs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=RemovalPolicy.RETAIN
        )
        role = iam.Role(
            self,
            "OfficerTokensRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="The officer pool's pre token generation trigger: read the pool's client names",
        )
        log_group.grant_write(role)
        fn = lambda_.Function(
            self,
            "OfficerTokensFunction",
            runtime=PYTHON_RUNTIME,
            architecture=ARCHITECTURE,
            handler="app.handler",
            code=lambda_.Code.from_asset(str(REPO / "functions" / "officer_tokens"), exclude=["**/__pycache__"]),
            layers=[self.layers[0]],
            role=role,
            memory_size=256,
            timeout=Duration.seconds(5),  # Cognito waits 5 seconds for a trigger
            log_group=log_group,
            description="Cognito pre token generation: no officer tokens through another agency's web client",
            environment={
                "POWERTOOLS_SERVICE_NAME": TOKENS_TRIGGER_SERVICE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
            },
        )
        iam.Policy(
            self,
            "OfficerTokensClients",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["cognito-idp:DescribeUserPoolClient"], resources=[self.officer_pool.user_pool_arn]
                )
            ],
        )
        self.officer_pool.add_trigger(
            cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, fn, lambda_version=cognito.LambdaVersion.V1_0
        )
        Validations.of(fn).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Python 3.13, the runtime of every function of the service (its PDF layer's wheels)",
            )
        )
        return fn

    def _quarantine(self, tenants: Sequence[Tenant]) -> s3.Bucket:
        """Q9.2 and issue 14: every agency's unchecked uploads, each under its tenant id, in one bucket that one
        GuardDuty Malware Protection plan scans (an account may protect 25 buckets: a plan per agency would
        cap a cell at 25). An agency's functions reach only its own prefix (``grant_quarantine``); what passes
        the scan is copied to the agency's own uploads bucket (clean/), the record. Unchecked uploads expire
        after the longest ``quarantine_days`` of the cell's agencies, so none is dropped sooner than its
        agency's file says."""
        bucket = s3.Bucket(
            self,
            "Quarantine",
            bucket_name=quarantine_bucket_name(self.cell, self.account, self.region),
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.data_key,
            bucket_key_enabled=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="Quarantine/",
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="QuarantineExpires",
                    expiration=Duration.days(max(t.security.quarantine_days for t in tenants)),
                ),
                abort_incomplete_uploads(),
            ],
        )
        # Browsers send files with the signed upload form of their agency (an S3 POST policy): each agency's
        # site may post; one wildcard per parent domain keeps the rule small for a thousand agencies.
        bucket.add_cors_rule(
            allowed_methods=[s3.HttpMethods.POST],
            allowed_origins=sorted({f"https://*.{'.'.join(t.domain.split('.')[-2:])}" for t in tenants}),
            allowed_headers=["*"],
            max_age=3000,
        )
        self.malware_scan_role = malware_protection(self, bucket, self.data_key)
        return bucket

    def _service_roles(self) -> None:
        """Issue 14: the roles that only AWS services assume, for what CloudFormation defines, once per cell
        (an account holds 1,000 roles: nine per agency capped a cell at 111). No function of any agency may pass
        them (none has iam:PassRole on them), so sharing them opens no path from one agency to another:

        - the saga role: Step Functions runs each agency's saga, which invokes that agency's functions;
        - the table archive role: EventBridge Scheduler exports each agency's table to its archive bucket (R-4.8);
        - the site publisher role: CDK's deployment function puts each agency's static sites in its bucket.

        Each reaches the ``eservice-*`` resources its service needs (the tenants' names are not known here:
        a platform never depends on its tenants). An agency's own functions keep roles of their own."""

        def arn(service: str, resource: str) -> str:
            return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

        def role(
            construct_id: str, principal: iam.IPrincipal, description: str, *statements: iam.PolicyStatement
        ) -> iam.Role:
            return iam.Role(
                self,
                construct_id,
                assumed_by=principal,
                description=description,
                inline_policies={"Grants": iam.PolicyDocument(statements=list(statements))},
            )

        sagas = arn("states", "stateMachine:eservice-*-saga")
        self.saga_role = role(
            "SagaRole",
            iam.ServicePrincipal("states.amazonaws.com", conditions={"ArnLike": {"aws:SourceArn": sagas}}),
            "Step Functions: the request sagas of the cell's agencies invoke their functions",
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[arn("lambda", "function:eservice-*:live")]
            ),
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.data_key.key_arn],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:states:stateMachineArn": sagas}},
            ),
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey"],
                resources=[self.data_key.key_arn],
                conditions={"ArnLike": {"kms:EncryptionContext:SourceArn": arn("logs", "*")}},
            ),
            # Log delivery and X-Ray take no resource-level permission (CDK grants the same to a saga of its own).
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                ],
                resources=["*"],
            ),
        )
        self.archive_role = role(
            "TableArchiveRole",
            iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": self.account}}
            ),
            "Export each agency's table to its archive bucket (R-4.8)",
            iam.PolicyStatement(
                actions=["dynamodb:ExportTableToPointInTime"], resources=[arn("dynamodb", "table/eservice-*")]
            ),
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl"],
                resources=[f"arn:{self.partition}:s3:::eservice-*/{TABLE_EXPORTS_PREFIX}*"],
            ),
        )
        self.data_key.grant_encrypt_decrypt(self.archive_role)
        qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER
        assets = f"arn:{self.partition}:s3:::cdk-{qualifier}-assets-{self.account}-{self.region}"
        sites = f"arn:{self.partition}:s3:::eservice-*-sites*"
        self.site_publisher_role = role(
            "SitePublisherRole",
            iam.ServicePrincipal("lambda.amazonaws.com"),
            "CDK's deployment function: publish each agency's static sites to its sites bucket",
            iam.PolicyStatement(
                actions=["s3:GetObject*", "s3:GetBucket*", "s3:List*"], resources=[assets, f"{assets}/*"]
            ),
            iam.PolicyStatement(
                actions=[
                    "s3:GetObject*",
                    "s3:GetBucket*",
                    "s3:List*",
                    "s3:DeleteObject*",
                    "s3:PutObject",
                    "s3:PutObjectTagging",
                    "s3:Abort*",
                ],
                resources=[sites, f"{sites}/*"],
            ),
        )
        self.site_publisher_role.add_managed_policy(
            iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaBasicExecutionRole")
        )

    def _acknowledge_service_roles(self) -> None:
        lambda_arn = "arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>"
        sites = "arn:<AWS::Partition>:s3:::eservice-*-sites*"
        publish = "CDK's deployment function puts the agencies' static site files (no request, document or evidence)"
        findings: dict[iam.Role, dict[str, str]] = {
            self.saga_role: {
                f"Resource::{lambda_arn}:function:eservice-*:live": "Each agency's saga invokes its own functions' "
                "live aliases; only Step Functions assumes this role, for the cell's state machines",
                "Resource::*": "Log delivery and X-Ray take no resource-level permission",
            },
            self.archive_role: {
                "Resource::arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/eservice-*": "The "
                "scheduler exports each agency's table (R-4.8); only EventBridge Scheduler of this account assumes it",
                f"Resource::arn:<AWS::Partition>:s3:::eservice-*/{TABLE_EXPORTS_PREFIX}*": "An export is many objects "
                "under one prefix of the agency's archive bucket",
                "Action::kms:GenerateDataKey*": "Envelope encryption of the exports with the cell's data key",
                "Action::kms:ReEncrypt*": "Envelope encryption of the exports with the cell's data key",
            },
            self.site_publisher_role: {
                f"Resource::{sites}": publish,
                f"Resource::{sites}/*": publish,
                "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*": "The "
                "deployment assets (site files) CDK uploaded",
                "Action::s3:GetObject*": publish,
                "Action::s3:GetBucket*": publish,
                "Action::s3:List*": publish,
                "Action::s3:DeleteObject*": "CDK's deployment function replaces site files; only it assumes this role",
                "Action::s3:Abort*": publish,
            },
        }
        for role, reasons in findings.items():
            for finding, reason in reasons.items():
                Validations.of(role).acknowledge(Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]", reason=reason))

    def service_roles(self, stack: Stack) -> tuple[iam.IRole, iam.IRole, iam.IRole]:
        """The saga, table archive and site publisher roles as a tenant stack uses them: imported and
        immutable, so CDK's grants in the tenant stack add nothing to them (the cell's policies above hold
        what every agency needs) and this stack never depends on a tenant."""
        return tuple(  # type: ignore[return-value]
            iam.Role.from_role_arn(stack, f"Cell{role.node.id}", role.role_arn, mutable=False)
            for role in (self.saga_role, self.archive_role, self.site_publisher_role)
        )

    # --- what a tenant stack calls ------------------------------------------------------------
    def grant_quarantine(self, stack: EServiceStack, *functions: iam.IPrincipal) -> str:
        """The tenant's functions (``stack.grants``) may put and read (never list or delete) their own prefix of
        the quarantine bucket; returns its name for their environment. Imported by name, so the grants go to the
        tenant's role and this stack never depends on a tenant."""
        name = quarantine_bucket_name(self.cell, stack.account, stack.region)
        own = f"arn:{stack.partition}:s3:::{name}/{stack.tenant.id}/*"
        for fn in functions:
            fn.add_to_principal_policy(
                iam.PolicyStatement(actions=["s3:GetObject", "s3:GetObjectTagging"], resources=[own])
            )
        functions[0].add_to_principal_policy(iam.PolicyStatement(actions=["s3:PutObject"], resources=[own]))
        return name

    def keys(self, stack: Stack) -> tuple[kms.IKey, kms.IKey]:
        """The data and TSA keys as the tenant stack sees them: imported by ARN, so that a tenant's grants go
        to its own roles' policies (the key policies trust the account's IAM) and never into this stack,
        which would then depend on every tenant."""
        return (
            kms.Key.from_key_arn(stack, "CellDataKey", self.data_key.key_arn),
            kms.Key.from_key_arn(stack, "CellTsaKey", self.tsa_key.key_arn),
        )

    def add_tenant(self, stack: EServiceStack) -> cloudfront.CfnDistributionTenant:
        """The agency's domain on the cell's distribution, with its own sites bucket and API as origins."""
        tenant = stack.tenant
        distribution_arn = f"arn:{stack.partition}:cloudfront::{stack.account}:distribution/{self.distribution.ref}"
        # Origin access control: only the cell's distribution may read the sites bucket (nothing else of it).
        stack.sites.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                actions=["s3:GetObject"],
                resources=[stack.sites.arn_for_objects("*")],
                conditions={"StringEquals": {"AWS:SourceArn": distribution_arn}},
            )
        )
        return cloudfront.CfnDistributionTenant(
            stack,
            "DistributionTenant",
            distribution_id=self.distribution.ref,
            name=f"eservice-{tenant.id}",
            domains=[tenant.domain],
            enabled=True,
            parameters=[
                cloudfront.CfnDistributionTenant.ParameterProperty(
                    name="sites_domain", value=stack.sites.bucket_regional_domain_name
                ),
                cloudfront.CfnDistributionTenant.ParameterProperty(
                    name="api_domain", value=f"{stack.api_id}.execute-api.{stack.region}.{stack.url_suffix}"
                ),
                # The agency's stage of the API it shares (infra/api_group.py): the origin path.
                cloudfront.CfnDistributionTenant.ParameterProperty(name="api_stage", value=stage_name(tenant.id)),
            ],
            # CloudFront issues and renews the agency's certificate once its DNS points at the distribution.
            managed_certificate_request=cloudfront.CfnDistributionTenant.ManagedCertificateRequestProperty(
                primary_domain_name=tenant.domain,
                validation_token_host="cloudfront",
                certificate_transparency_logging_preference="enabled",
            ),
        )

    # --- shared pieces ----------------------------------------------------------------------------
    @property
    def origin_secret(self) -> str:
        """The origin header's value: the UUID ending this stack's CloudFormation id (never in the repository)."""
        return Fn.select(2, Fn.split("/", self.stack_id))

    def _api_gateway_logging(self) -> None:
        """The account's API Gateway role for execution logs, set once for every tenant's stage."""
        role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonAPIGatewayPushToCloudWatchLogs")
            ],
        )
        apigw.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)

    def _origin_firewall(self) -> wafv2.CfnWebACL:
        """One regional web ACL for every tenant's API stage: only requests with the cell's origin header."""
        return origin_firewall(
            self,
            self.origin_secret,
            "Only the cell CloudFront distribution, which sends its origin header, may call the APIs",
        )

    def site_csp(self) -> str:
        """The sites' CSP in a cell: any agency's uploads bucket of this Region (each page posts to its own)."""
        cognito = f"https://cognito-idp.{self.region}.amazonaws.com"
        hosted = self.federation.sign_in_url
        uploads = [f"https://*.s3.{self.region}.amazonaws.com", "https://*.s3.amazonaws.com"]
        return web_headers.content_security_policy(connect=[cognito, hosted, *uploads], form_action=[hosted])

    def _distribution(self) -> cloudfront.CfnDistribution:
        """One multi-tenant distribution: sites from ``{{sites_domain}}``, ``/api/*`` from ``{{api_domain}}``."""
        headers = response_headers_policy(self, self.site_csp())
        oac = cloudfront.CfnOriginAccessControl(
            self,
            "SitesAccess",
            origin_access_control_config=cloudfront.CfnOriginAccessControl.OriginAccessControlConfigProperty(
                name=f"eservice-cell-{self.cell}-sites",
                origin_access_control_origin_type="s3",
                signing_behavior="always",
                signing_protocol="sigv4",
                description="Signed requests from the cell's distribution to each agency's sites bucket",
            ),
        )
        B = cloudfront.CfnDistribution  # the L1's nested property types, named once

        def behaviour(**options: Any) -> dict[str, Any]:
            return {"viewer_protocol_policy": "redirect-to-https", "compress": True, **options}

        config = B.DistributionConfigProperty(
            enabled=True,
            comment=f"e-Service cell {self.cell}: every agency of the cell, one distribution tenant each",
            connection_mode="tenant-only",
            http_version="http2and3",
            default_root_object="index.html",
            web_acl_id=edge_firewall_arn(self, tenant_id=f"cell-{self.cell}"),
            tenant_config=B.TenantConfigProperty(
                parameter_definitions=[
                    B.ParameterDefinitionProperty(
                        name=name,
                        definition=B.DefinitionProperty(string_schema=B.StringSchemaProperty(required=True, comment=c)),
                    )
                    for name, c in (
                        ("sites_domain", "The agency's sites bucket (regional domain name)"),
                        ("api_domain", "The agency's API (execute-api host, guarded by the cell's origin firewall)"),
                        ("api_stage", "The agency's stage of that API, shared by up to ten agencies"),
                    )
                ]
            ),
            origins=[
                B.OriginProperty(
                    id="sites",
                    domain_name="{{sites_domain}}",
                    origin_access_control_id=oac.attr_id,
                    s3_origin_config=B.S3OriginConfigProperty(origin_access_identity=""),
                ),
                B.OriginProperty(
                    id="api",
                    domain_name="{{api_domain}}",
                    # /api/... of the agency's domain reaches /<its stage>/api/... of its API.
                    origin_path="/{{api_stage}}",
                    custom_origin_config=B.CustomOriginConfigProperty(
                        origin_protocol_policy="https-only", origin_ssl_protocols=["TLSv1.2"]
                    ),
                    origin_custom_headers=[
                        B.OriginCustomHeaderProperty(header_name=ORIGIN_VERIFY_HEADER, header_value=self.origin_secret)
                    ],
                ),
            ],
            default_cache_behavior=B.DefaultCacheBehaviorProperty(
                **behaviour(
                    target_origin_id="sites",
                    cache_policy_id=cloudfront.CachePolicy.CACHING_OPTIMIZED.cache_policy_id,
                    response_headers_policy_id=headers.response_headers_policy_id,
                )
            ),
            cache_behaviors=[
                B.CacheBehaviorProperty(
                    **behaviour(
                        path_pattern="/api/*",
                        target_origin_id="api",
                        viewer_protocol_policy="https-only",
                        allowed_methods=["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                        cache_policy_id=cloudfront.CachePolicy.CACHING_DISABLED.cache_policy_id,
                        origin_request_policy_id=(
                            cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.origin_request_policy_id
                        ),
                        response_headers_policy_id=headers.response_headers_policy_id,
                    )
                ),
                B.CacheBehaviorProperty(
                    **behaviour(
                        path_pattern="/pki/*",
                        target_origin_id="sites",
                        cache_policy_id=pki_cache_policy(self).cache_policy_id,
                        response_headers_policy_id=headers.response_headers_policy_id,
                    )
                ),
            ],
            logging=B.LoggingProperty(bucket=self.access_logs.bucket_regional_domain_name, prefix="cloudfront/"),
            viewer_certificate=B.ViewerCertificateProperty(
                cloud_front_default_certificate=True, minimum_protocol_version="TLSv1.2_2021"
            ),
        )
        return cloudfront.CfnDistribution(self, "Distribution", distribution_config=config)

    def _monitoring(self) -> None:
        """The cell's alarms (one per kind, over every tenant) and one dashboard, instead of 7 alarms a tenant."""
        # Lambda publishes an account-wide Errors metric: one standard alarm covers every tenant's functions.
        every_error = cloudwatch.Metric(
            namespace="AWS/Lambda", metric_name="Errors", statistic="Sum", period=Duration.minutes(5)
        )
        # The officer pool's token trigger refuses a wrong-site sign-in by failing (Cognito's only way): those
        # refusals, which it counts apart, are not errors to wake anyone or stop a rollout wave for.
        refusals = cloudwatch.Metric(
            namespace=REFUSALS_METRIC[0],
            metric_name=REFUSALS_METRIC[1],
            dimensions_map={"service": TOKENS_TRIGGER_SERVICE},
            statistic="Sum",
            period=Duration.minutes(5),
        )
        errors = cloudwatch.MathExpression(
            expression="errors - FILL(refusals, 0)",
            using_metrics={"errors": every_error, "refusals": refusals},
            period=Duration.minutes(5),
            label="FunctionErrors (token refusals left out)",
        )
        cloudwatch.Alarm(
            self,
            "FunctionErrorsAlarm",
            alarm_name=f"eservice-cell-{self.cell}-FunctionErrors",
            metric=errors,
            threshold=1,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"A function raised errors (cell {self.cell}; the dashboard names the function)",
        ).add_alarm_action(cw_actions.SnsAction(self.alarm_topic))
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="FunctionErrors: a function raised errors",
                left=[
                    cloudwatch.MathExpression(
                        expression='SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName',
                        period=Duration.minutes(5),
                        label="FunctionErrors",
                    )
                ],
                width=12,
            )
        ]
        for name, (*_, description, threshold) in CELL_ALARMS.items():
            cloudwatch.CfnAlarm(
                self,
                f"{name}Alarm",
                alarm_name=f"eservice-cell-{self.cell}-{name}",  # the rollout's gate reads them by prefix
                alarm_description=f"{description} (cell {self.cell}; the dashboard names the tenant)",
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=threshold,
                evaluation_periods=1,
                treat_missing_data="notBreaching",
                metrics=[
                    cloudwatch.CfnAlarm.MetricDataQueryProperty(
                        id="q", expression=metrics_query(name), period=300, return_data=True, label=name
                    )
                ],
                alarm_actions=[self.alarm_topic.topic_arn],
            )
            widgets.append(
                cloudwatch.GraphWidget(
                    title=f"{name}: {description}",
                    left=[
                        cloudwatch.MathExpression(
                            expression=metrics_query(name, per_tenant=True), period=Duration.minutes(5), label=name
                        )
                    ],
                    width=12,
                )
            )
        cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"eservice-cell-{self.cell}", widgets=[widgets[:2], widgets[2:]]
        )

    def _acknowledge_nag_findings(self) -> None:
        reasons = {
            "AwsSolutions-COG8": "The national citizen pool uses the Essentials plan (billed per monthly active user)",
            "AwsSolutions-COG3": "The national citizen pool uses the Essentials plan; the officer pool is on Plus",
            "AwsSolutions-COG2": "MFA is optional for citizens by law: IAL1 services accept password or e-mail OTP",
            "AwsSolutions-CFR1": "Thai citizens abroad must reach the e-Service, so no geo restriction",
            "AwsSolutions-CFR4": "Each agency's distribution tenant gets its own managed certificate (TLSv1.2_2021)",
            "AwsSolutions-S1": "The access-log bucket cannot log to itself",
            "AwsSolutions-L1": "CDK's custom-resource function that reads the edge firewall ARN uses CDK's runtime",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]": "AWS-maintained minimal policy for API Gateway's logs",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]": "AWS-maintained minimal policy for the custom-resource function's logs",
        }
        for rule, reason in reasons.items():
            Validations.of(self).acknowledge(Acknowledgment(id=rule, reason=reason))
        quarantine = f"<{self.get_logical_id(self.quarantine.node.default_child)}.Arn>/*"  # type: ignore[arg-type]
        for rule, reason in malware_scan_findings(quarantine).items():
            Validations.of(self.malware_scan_role).acknowledge(Acknowledgment(id=rule, reason=reason))


#: What a tenant stack needs of its cell.
CellPlatform = CellPlatformStack
