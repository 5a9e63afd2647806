"""Idle monthly cost per tenant, read from synthesized templates (issue 14): what an agency pays before
its first request, in silo mode and in a cell.

    python bench/idle_cost.py <cdk.out of a silo app> [<cdk.out of a cell app>]

List prices in USD (AWS pricing pages, 2026, Asia Pacific (Singapore) and US East; the same for these
items), each with its page. Only resources billed while idle count: per-request, per-GB and
per-active-user charges (DynamoDB on demand, Lambda, API Gateway, CloudFront requests, Cognito MAU,
S3 requests, GuardDuty per GB scanned, SES, SNS) are zero at rest and belong to the variable cost of
``bench/request_cost.py``. Recurring schedules (the sweeper, the CRL refresh, the officers' digests)
run while idle and are priced here from their expressions.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.quotas import GROUP_SIZE

__all__ = ["PRICES", "IdleCost", "idle_costs", "main", "stack_cost"]

DAYS_PER_MONTH = 30.44
#: USD per month (or per unit named), with the page they come from.
PRICES: dict[str, tuple[float, str]] = {
    "kms_key": (1.00, "https://aws.amazon.com/kms/pricing/ (each customer managed key, symmetric or asymmetric)"),
    "waf_web_acl": (5.00, "https://aws.amazon.com/waf/pricing/ (web ACL per month)"),
    "waf_rule": (1.00, "https://aws.amazon.com/waf/pricing/ (rule or managed rule group per web ACL per month)"),
    "secret": (0.40, "https://aws.amazon.com/secrets-manager/pricing/ (secret per month)"),
    "alarm_metric": (
        0.10,
        "https://aws.amazon.com/cloudwatch/pricing/ (standard alarm; Metrics Insights: per metric analyzed)",
    ),
    "dashboard": (3.00, "https://aws.amazon.com/cloudwatch/pricing/ (dashboard per month)"),
    "scheduler_invocation": (1.00e-6, "https://aws.amazon.com/eventbridge/pricing/ (Scheduler, per invocation)"),
    "lambda_request": (0.20e-6, "https://aws.amazon.com/lambda/pricing/ (per request)"),
    "lambda_gb_second": (0.0000166667, "https://aws.amazon.com/lambda/pricing/ (x86, per GB-second)"),
    "lambda_gb_second_arm": (0.0000133334, "https://aws.amazon.com/lambda/pricing/ (arm64 (Graviton), per GB-second)"),
    "snapstart_cache_gb_second": (
        0.0000015046,
        "https://aws.amazon.com/lambda/pricing/ (SnapStart for Python and .NET: snapshot cache, per GB-second of"
        " the function's memory while its version is active, us-east-1)",
    ),
}
SECONDS_PER_MONTH = DAYS_PER_MONTH * 86_400
#: Assumed duration of a recurring call on an idle tenant (a query that finds nothing): stated, not measured.
IDLE_CALL_SECONDS = 0.25


def _price(item: str) -> float:
    return PRICES[item][0]


def _calls_per_month(expression: str) -> float:
    """Invocations a month of an EventBridge Scheduler expression (``rate(...)`` or a weekday ``cron``)."""
    rate = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if rate:
        n, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        per_day = {"minute": 1440 / n, "hour": 24 / n, "day": 1 / n}[unit]
        return per_day * DAYS_PER_MONTH
    cron = re.fullmatch(r"cron\((\S+) (\S+) \S+ \S+ (\S+) \S+\)", expression)
    if cron:
        days = cron.group(3)
        per_week = 7 if days in ("*", "?") else len(days.split(","))
        return per_week * DAYS_PER_MONTH / 7
    raise ValueError(f"unknown schedule expression {expression!r}")


@dataclass(frozen=True)
class IdleCost:
    """One template's idle cost, item by item (USD per month)."""

    stack: str
    items: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.items.values())


def _function_of(resources: Mapping[str, dict[str, Any]], target: Any) -> dict[str, Any] | None:
    """The function a schedule invokes: named directly, or through its alias (the SnapStart ``live`` alias)."""
    if not isinstance(target, dict):
        return None
    logical = target["Fn::GetAtt"][0] if "Fn::GetAtt" in target else target.get("Ref")
    found = resources.get(str(logical)) if logical else None
    if found is not None and found["Type"] == "AWS::Lambda::Alias":
        return _function_of(resources, found["Properties"]["FunctionName"])
    return found if found is not None and found["Type"] == "AWS::Lambda::Function" else None


def stack_cost(name: str, template: Mapping[str, Any]) -> IdleCost:
    """What one template costs per month while nobody uses it."""
    resources: dict[str, dict[str, Any]] = dict(template.get("Resources", {}))
    items: dict[str, float] = {}

    def add(item: str, amount: float) -> None:
        if amount:
            items[item] = items.get(item, 0.0) + amount

    def of(type_: str) -> list[dict[str, Any]]:
        return [r for r in resources.values() if r["Type"] == type_]

    add("KMS keys", len(of("AWS::KMS::Key")) * _price("kms_key"))
    for acl in of("AWS::WAFv2::WebACL"):
        add(
            "WAF web ACLs and rules",
            _price("waf_web_acl") + len(acl["Properties"].get("Rules", [])) * _price("waf_rule"),
        )
    add("Secrets Manager secrets", len(of("AWS::SecretsManager::Secret")) * _price("secret"))
    add("CloudWatch dashboards", len(of("AWS::CloudWatch::Dashboard")) * _price("dashboard"))
    for alarm in of("AWS::CloudWatch::Alarm"):
        queries = alarm["Properties"].get("Metrics", [])
        # A Metrics Insights alarm (SELECT ...) is priced per metric it analyzes: counted where the metrics are,
        # per tenant. A metric math alarm is priced per metric it reads; a plain alarm is one metric.
        if any(str(q.get("Expression", "")).lstrip().upper().startswith("SELECT") for q in queries):
            continue
        add("CloudWatch alarms", max(1, sum("MetricStat" in q for q in queries)) * _price("alarm_metric"))
    # Series that the cell's Metrics Insights alarms analyze for this tenant: its saga, queue and API (its
    # functions are under the account-wide Lambda Errors metric, one standard alarm of the platform).
    if not of("AWS::CloudWatch::Alarm") and of("AWS::CloudFront::DistributionTenant"):
        series = sum(
            len(of(t))
            for t in (
                "AWS::StepFunctions::StateMachine",
                "AWS::SQS::Queue",
                "AWS::ApiGateway::RestApi",
            )
        )
        add("CloudWatch alarms (cell queries, this tenant's series)", series * _price("alarm_metric"))
    for fn in of("AWS::Lambda::Function"):
        # SnapStart keeps the snapshot of the active published version cached all month, used or not.
        if (fn["Properties"].get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions":
            memory_gb = fn["Properties"].get("MemorySize", 128) / 1024
            add("Lambda SnapStart snapshot cache", memory_gb * SECONDS_PER_MONTH * _price("snapstart_cache_gb_second"))
    for schedule in of("AWS::Scheduler::Schedule"):
        calls = _calls_per_month(schedule["Properties"]["ScheduleExpression"])
        fn = _function_of(resources, schedule["Properties"]["Target"]["Arn"])
        memory_gb = (fn["Properties"].get("MemorySize", 128) if fn else 128) / 1024
        arm = fn is not None and (fn["Properties"].get("Architectures") or ["x86_64"])[0] == "arm64"
        add(
            "recurring schedules (Scheduler + Lambda)",
            calls
            * (
                _price("scheduler_invocation")
                + _price("lambda_request")
                + IDLE_CALL_SECONDS * memory_gb * _price("lambda_gb_second_arm" if arm else "lambda_gb_second")
            ),
        )
    return IdleCost(stack=name, items=items)


def _templates(outdir: Path) -> dict[str, dict[str, Any]]:
    return {p.name.removesuffix(".template.json"): json.loads(p.read_text()) for p in outdir.glob("*.template.json")}


def idle_costs(outdir: Path) -> dict[str, IdleCost]:
    """Every stack of a cloud assembly directory, priced."""
    return {name: stack_cost(name, t) for name, t in sorted(_templates(outdir).items())}


def per_tenant(costs: Mapping[str, IdleCost], *, tenants_in_cell: int | None = None) -> float:
    """Idle cost per tenant: a silo app's stacks per tenant, or a cell's shared stacks spread over its tenants."""
    tenant_stacks = [c for n, c in costs.items() if not n.startswith("eservice-cell-") and not n.endswith("-edge")]
    # A cell's shared REST APIs (infra/api_group.py): one stack for every ten agencies, whatever the cell's size.
    grouped = {n for n in costs if n.startswith("eservice-cell-") and "-api-" in n}
    groups = [costs[n] for n in grouped]
    shared = [c for n, c in costs.items() if n.startswith("eservice-cell-") and n not in grouped]
    edges = [c for n, c in costs.items() if n.endswith("-edge") and not n.startswith("eservice-cell-")]
    each = sum(c.total for c in tenant_stacks) / len(tenant_stacks)
    if not shared:
        return each + sum(c.total for c in edges) / len(tenant_stacks)
    each += sum(c.total for c in groups) / len(groups) / GROUP_SIZE if groups else 0.0
    return each + sum(c.total for c in shared) / (tenants_in_cell or len(tenant_stacks))


def _print(title: str, costs: Mapping[str, IdleCost]) -> None:
    print(title)
    for cost in costs.values():
        detail = ", ".join(f"{k} {v:.2f}" for k, v in cost.items.items())
        print(f"  {cost.stack:<32} {cost.total:8.2f}  ({detail})")


def main(argv: Iterable[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        raise SystemExit(__doc__)
    silo = idle_costs(Path(args[0]))
    _print("silo (USD per month per stack):", silo)
    print(f"  idle per tenant, silo: {per_tenant(silo):.2f} USD/month")
    if len(args) > 1:
        cell = idle_costs(Path(args[1]))
        _print("cell (USD per month per stack):", cell)
        for n in (10, 100, 1000):
            print(f"  idle per tenant, cell of {n:>4} tenants: {per_tenant(cell, tenants_in_cell=n):.2f} USD/month")
    print("prices:")
    for item, (price, source) in PRICES.items():
        print(f"  {item:<22} {price:<12g} {source}")
    print(f"  (recurring calls on an idle tenant assumed to last {IDLE_CALL_SECONDS} s)")


if __name__ == "__main__":
    main()
