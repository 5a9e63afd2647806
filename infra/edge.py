"""The web firewall at the edge: a CloudFront-scoped web ACL, which AWS keeps in us-east-1 only.

CloudFront is the only way in (the API's ``execute-api`` endpoint is disabled, its origin domain
answers CloudFront alone), so the firewall sees the citizen's own address: its per-IP rate rule
counts people, not CloudFront's few edge servers as the regional firewall on the API did.

One small stack per tenant in us-east-1 (``EdgeFirewallStack``) holds the web ACL and publishes
its ARN as an SSM parameter there. The tenant's stack, in its own region, reads that parameter
with one SDK call (``EdgeFirewallArn``, a custom resource scoped to that one parameter) and gives
it to its distribution. This works whatever region the tenant stack is synthesized for (CDK's own
cross-region references need both regions fixed at synthesis, which the region-agnostic template
of the tests and of the local stack is not). The app deploys the edge stack first. Rule changes
update the ACL in place, so its ARN, and what the tenant stack read, stays valid.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack, Tags
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk import custom_resources as cr
from constructs import Construct

from eservice.tenant import Tenant

__all__ = [
    "EDGE_REGION",
    "PER_IP_LIMIT",
    "TSA_BODY_LIMIT",
    "TSA_PER_IP_LIMIT",
    "EdgeFirewallStack",
    "edge_firewall_arn",
    "web_acl_parameter",
]

EDGE_REGION = "us-east-1"
#: Requests per client address in 5 minutes, whole site: a busy office behind one NAT stays well below.
PER_IP_LIMIT = 1000
#: Timestamps per client address in 5 minutes (Q3.8): the TSA is a public courtesy, not a bulk service.
TSA_PER_IP_LIMIT = 60
#: An RFC 3161 query is a digest, a nonce and a policy: about 80 bytes. Anything far larger is not one.
TSA_BODY_LIMIT = 1024


def web_acl_parameter(tenant_id: str) -> str:
    """The SSM parameter (in us-east-1) holding the tenant's edge web ACL ARN."""
    return f"/eservice/{tenant_id}/edge/web-acl-arn"


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _path_starts_with(prefix: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="STARTS_WITH",
            search_string=prefix,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )


class EdgeFirewallStack(Stack):
    """The CloudFront web ACL of one tenant (us-east-1), and the SSM parameter naming it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenant: Tenant | None = None,
        cell: str | None = None,
        **kwargs: Any,
    ) -> None:
        """One tenant's firewall (silo) or, with ``cell``, the one firewall of every tenant of a cell."""
        super().__init__(scope, construct_id, **kwargs)
        if tenant is not None:
            Tags.of(self).add("eservice:tenant", tenant.id)
            owner, owner_name = tenant.id, tenant.name.en
        else:
            if cell is None:
                raise ValueError("an edge firewall belongs to a tenant or to a cell")
            Tags.of(self).add("eservice:cell", cell)
            owner, owner_name = f"cell-{cell}", f"the {cell} cell"
        tsa = _path_starts_with("/api/tsa")
        self.web_acl = wafv2.CfnWebACL(
            self,
            "EdgeFirewall",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            scope="CLOUDFRONT",
            description=f"e-Service of {owner_name}: managed rules and per-client rate limits at CloudFront",
            visibility_config=_visibility("eservice-edge"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="per-ip-rate",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP", limit=PER_IP_LIMIT, evaluation_window_sec=300
                        )
                    ),
                    visibility_config=_visibility("per-ip-rate"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name="tsa-per-ip-rate",
                    priority=1,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP",
                            limit=TSA_PER_IP_LIMIT,
                            evaluation_window_sec=300,
                            scope_down_statement=tsa,
                        )
                    ),
                    visibility_config=_visibility("tsa-per-ip-rate"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name="tsa-query-size",
                    priority=2,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        and_statement=wafv2.CfnWebACL.AndStatementProperty(
                            statements=[
                                tsa,
                                wafv2.CfnWebACL.StatementProperty(
                                    size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
                                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(
                                            body=wafv2.CfnWebACL.BodyProperty(oversize_handling="MATCH")
                                        ),
                                        comparison_operator="GT",
                                        size=TSA_BODY_LIMIT,
                                        text_transformations=[
                                            wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                                        ],
                                    )
                                ),
                            ]
                        )
                    ),
                    visibility_config=_visibility("tsa-query-size"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name="aws-common",
                    priority=3,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS",
                            name="AWSManagedRulesCommonRuleSet",
                            # uploads go to S3 directly, but verification posts a PDF body
                            excluded_rules=[wafv2.CfnWebACL.ExcludedRuleProperty(name="SizeRestrictions_BODY")],
                        )
                    ),
                    visibility_config=_visibility("aws-common"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name="aws-known-bad-inputs",
                    priority=4,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name="AWSManagedRulesKnownBadInputsRuleSet"
                        )
                    ),
                    visibility_config=_visibility("aws-known-bad-inputs"),
                ),
            ],
        )
        ssm.StringParameter(
            self,
            "EdgeFirewallArnParameter",
            parameter_name=web_acl_parameter(owner),
            string_value=self.web_acl.attr_arn,
            description=f"ARN of the CloudFront web ACL of the {owner} e-Service (read by its stack)",
        )


def edge_firewall_arn(scope: Stack, *, tenant_id: str) -> str:
    """The tenant's edge web ACL ARN, read from us-east-1 when the tenant stack deploys."""
    name = web_acl_parameter(tenant_id)
    call = cr.AwsSdkCall(
        service="SSM",
        action="getParameter",
        parameters={"Name": name},
        region=EDGE_REGION,
        physical_resource_id=cr.PhysicalResourceId.of(name),
    )
    reader = cr.AwsCustomResource(
        scope,
        "EdgeFirewallArn",
        on_create=call,
        on_update=call,
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
            resources=[f"arn:{scope.partition}:ssm:{EDGE_REGION}:{scope.account}:parameter{name}"]
        ),
        install_latest_aws_sdk=False,
    )
    return reader.get_response_field("Parameter.Value")
