"""Quotas as a number (issue 14): how many tenants one cell (one account and Region) holds.

Every resource type below has a default quota per account (and Region, unless noted) that the
templates can exhaust. ``count`` reads synthesized templates; ``tenants_that_fit`` says how many
tenants fit under each quota given the platform's share and one tenant's share. The defaults are
those of the AWS Service Quotas pages at the time of writing (2026), each named with its page.
``tests/infra/test_cell.py`` pins what 1,000 tenants would exceed and how many tenants a cell holds;
``bench/bench_fleet.py`` prints it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GROUP_SIZE", "QUOTAS", "Quota", "capacity", "count", "exceeded", "needed", "tenants_that_fit"]


@dataclass(frozen=True)
class Quota:
    """A default quota per account and Region (``global_``: per account, all Regions; ``adjustable``: AWS raises
    it on request, through Service Quotas or its support)."""

    name: str
    limit: int
    types: tuple[str, ...]
    source: str
    global_: bool = False
    adjustable: bool = True


#: Every CloudFormation type of these templates that counts against a default account quota.
QUOTAS: tuple[Quota, ...] = (
    Quota(
        "CloudFormation stacks",
        2000,
        ("stack",),
        "docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html",
    ),
    Quota(
        "IAM roles",
        1000,
        ("AWS::IAM::Role",),
        "docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        global_=True,
    ),
    Quota(
        "IAM customer managed policies",
        1500,
        ("AWS::IAM::ManagedPolicy",),
        "docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        global_=True,
    ),
    Quota(
        "WAF web ACLs (regional and CloudFront)",
        100,
        ("AWS::WAFv2::WebACL",),
        "docs.aws.amazon.com/waf/latest/developerguide/limits.html",
    ),
    Quota(
        "CloudFront distributions",
        500,
        ("AWS::CloudFront::Distribution",),
        "docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html",
        global_=True,
    ),
    Quota(
        "CloudFront distribution tenants",
        10000,
        ("AWS::CloudFront::DistributionTenant",),
        "docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html",
        global_=True,
    ),
    Quota(
        "CloudFront origin access controls",
        100,
        ("AWS::CloudFront::OriginAccessControl",),
        "docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html",
        global_=True,
    ),
    Quota(
        "CloudFront response headers policies",
        20,
        ("AWS::CloudFront::ResponseHeadersPolicy",),
        "docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html",
        global_=True,
    ),
    Quota(
        "CloudFront cache policies",
        20,
        ("AWS::CloudFront::CachePolicy",),
        "docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html",
        global_=True,
    ),
    Quota(
        "Cognito user pools",
        1000,
        ("AWS::Cognito::UserPool",),
        "docs.aws.amazon.com/cognito/latest/developerguide/quotas.html",
    ),
    Quota(
        "Cognito app clients per user pool (the national pool)",
        1000,
        ("AWS::Cognito::UserPoolClient@platform",),
        "docs.aws.amazon.com/cognito/latest/developerguide/quotas.html",
    ),
    Quota(
        "Cognito app clients per user pool (the cell's officer pool)",
        1000,
        ("AWS::Cognito::UserPoolClient@officers",),
        "docs.aws.amazon.com/cognito/latest/developerguide/quotas.html",
    ),
    Quota(
        "Cognito groups per user pool (the cell's officer pool)",
        10000,
        ("AWS::Cognito::UserPoolGroup@officers",),
        "docs.aws.amazon.com/cognito/latest/developerguide/quotas.html",
        adjustable=False,
    ),
    Quota(
        "API Gateway regional REST APIs",
        600,
        ("AWS::ApiGateway::RestApi",),
        # "Regional APIs per Region: 600; can be increased: No" (HTTP APIs have no such account quota).
        "docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html",
        adjustable=False,
    ),
    Quota(
        "API Gateway custom domain names",
        120,
        ("AWS::ApiGateway::DomainName",),
        "docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    ),
    Quota(
        "ACM certificates",
        2500,
        ("AWS::CertificateManager::Certificate",),
        "docs.aws.amazon.com/acm/latest/userguide/acm-limits.html",
    ),
    Quota(
        "EventBridge Scheduler schedule groups",
        500,
        ("AWS::Scheduler::ScheduleGroup",),
        "docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html",
    ),
    Quota(
        "EventBridge Scheduler schedules",
        10_000_000,
        ("AWS::Scheduler::Schedule",),
        "docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html",
    ),
    Quota(
        "Step Functions state machines",
        10000,
        ("AWS::StepFunctions::StateMachine",),
        "docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html",
    ),
    Quota(
        "DynamoDB tables",
        2500,
        ("AWS::DynamoDB::Table",),
        "docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
    ),
    Quota(
        "S3 buckets",
        10000,
        ("AWS::S3::Bucket",),
        "docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html",
        global_=True,
    ),
    Quota(
        "GuardDuty Malware Protection for S3 plans",
        25,
        ("AWS::GuardDuty::MalwareProtectionPlan",),
        "docs.aws.amazon.com/guardduty/latest/ug/guardduty_limits.html",
    ),
    Quota(
        "SES configuration sets",
        10000,
        ("AWS::SES::ConfigurationSet",),
        "docs.aws.amazon.com/ses/latest/dg/quotas.html",
    ),
    Quota("SES identities", 10000, ("AWS::SES::EmailIdentity",), "docs.aws.amazon.com/ses/latest/dg/quotas.html"),
    Quota("SNS topics", 100000, ("AWS::SNS::Topic",), "docs.aws.amazon.com/general/latest/gr/sns.html"),
    Quota(
        "KMS customer managed keys",
        100000,
        ("AWS::KMS::Key",),
        "docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
    ),
    Quota(
        "Secrets Manager secrets",
        500000,
        ("AWS::SecretsManager::Secret",),
        "docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html",
    ),
    Quota(
        "CloudWatch dashboards",
        5000,
        ("AWS::CloudWatch::Dashboard",),
        "docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html",
    ),
    Quota(
        "CloudWatch Logs log groups",
        1_000_000,
        ("AWS::Logs::LogGroup",),
        "docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html",
    ),
)


def count(template: Mapping[str, Any], *, platform: bool = False) -> Counter[str]:
    """Resources of each quota'd type in one template (``stack`` counts the template itself)."""
    types: Counter[str] = Counter(str(r["Type"]) for r in template.get("Resources", {}).values())
    types["stack"] = 1
    if not platform:
        # A tenant's web clients of the cell's pools count against those pools' app clients, and its officer
        # groups in the cell's officer pool against that pool's groups (a silo stack's pools are its own).
        for r in template.get("Resources", {}).values():
            if r["Type"] not in ("AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup"):
                continue
            pool = str(r["Properties"].get("UserPoolId"))
            if "Fn::ImportValue" not in pool:
                continue
            of = "officers" if "OfficerPool" in pool else "platform"  # else the national citizen pool
            types[f"{r['Type']}@{of}"] += 1
    return types


def _uses(quota: Quota, counts: Counter[str] | None) -> int:
    return sum(counts[t] for t in quota.types) if counts else 0


#: Tenants to one REST API of the cell (``infra.api_group.AGENCIES_PER_API``): a group's stack counts once a group.
GROUP_SIZE = 10


def needed(
    quota: Quota,
    shared: Counter[str],
    per_tenant: Counter[str],
    tenants: int,
    per_group: Counter[str] | None = None,
    group_size: int = GROUP_SIZE,
) -> int:
    """What ``tenants`` tenants in one cell use of a quota: the platform's share, each tenant's, and each of their
    groups' (one of the cell's shared REST APIs for every ``group_size`` tenants)."""
    groups = math.ceil(tenants / group_size) if per_group else 0
    return _uses(quota, shared) + tenants * _uses(quota, per_tenant) + groups * _uses(quota, per_group)


def tenants_that_fit(
    quota: Quota,
    shared: Counter[str],
    per_tenant: Counter[str],
    per_group: Counter[str] | None = None,
    group_size: int = GROUP_SIZE,
) -> float:
    """How many tenants fit under one quota (infinite if tenants use none of it)."""
    if _uses(quota, per_tenant) == 0 and _uses(quota, per_group) == 0:
        return math.inf
    if needed(quota, shared, per_tenant, 0, per_group, group_size) > quota.limit:
        return 0
    low, high = 0, quota.limit * group_size + 1  # needed(high) > limit: each tenant or group uses one or more
    while high - low > 1:
        middle = (low + high) // 2
        fits = needed(quota, shared, per_tenant, middle, per_group, group_size) <= quota.limit
        low, high = (middle, high) if fits else (low, middle)
    return low


def capacity(
    shared: Counter[str], per_tenant: Counter[str], per_group: Counter[str] | None = None
) -> tuple[float, list[Quota]]:
    """The tenants one cell holds, and the quotas that bind at that number."""
    fits = {q: tenants_that_fit(q, shared, per_tenant, per_group) for q in QUOTAS}
    most = min(fits.values())
    return most, [q for q, n in fits.items() if n == most]


def exceeded(
    shared: Counter[str], per_tenant: Counter[str], tenants: int, per_group: Counter[str] | None = None
) -> list[tuple[Quota, int]]:
    """Each quota that ``tenants`` tenants in one cell would exceed, with the count they would need."""
    counts = [(q, needed(q, shared, per_tenant, tenants, per_group)) for q in QUOTAS]
    return [(q, n) for q, n in counts if n > q.limit]


def total(counts: Iterable[Counter[str]]) -> Counter[str]:
    """The sum of several templates' counts."""
    out: Counter[str] = Counter()
    for c in counts:
        out.update(c)
    return out
