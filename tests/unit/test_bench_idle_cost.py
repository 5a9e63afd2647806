"""Issue 14, cost as a number: the idle cost read from a template counts what an idle tenant pays for."""

from __future__ import annotations

from typing import Any

import pytest

from bench import idle_cost


def _function(memory: int, *, snapstart: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"MemorySize": memory, "Architectures": ["arm64"]}
    if snapstart:
        props["SnapStart"] = {"ApplyOn": "PublishedVersions"}
    return {"Type": "AWS::Lambda::Function", "Properties": props}


def _template(*, snapstart: bool) -> dict[str, Any]:
    return {
        "Resources": {
            "Clock": _function(512, snapstart=snapstart),
            "Sign": _function(1536, snapstart=snapstart),
            "ClockLive": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Clock"}}},
            "Sweep": {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {"ScheduleExpression": "rate(1 day)", "Target": {"Arn": {"Ref": "ClockLive"}}},
            },
        }
    }


def test_given_snapstart_functions_then_their_snapshot_cache_is_paid_for_all_month() -> None:
    with_snapshots = idle_cost.stack_cost("t", _template(snapstart=True))
    without = idle_cost.stack_cost("t", _template(snapstart=False))
    # 2 GB cached for a month at the stated price per GB-second: about $7.9.
    expected = 2 * idle_cost.SECONDS_PER_MONTH * idle_cost.PRICES["snapstart_cache_gb_second"][0]
    assert with_snapshots.items["Lambda SnapStart snapshot cache"] == pytest.approx(expected)
    assert 7.5 < expected < 8.5
    assert "Lambda SnapStart snapshot cache" not in without.items
    assert with_snapshots.total - without.total == pytest.approx(expected)


def test_given_a_schedule_that_invokes_an_alias_then_it_is_priced_at_the_function_memory() -> None:
    items = idle_cost.stack_cost("t", _template(snapstart=False)).items
    calls = idle_cost.DAYS_PER_MONTH
    per_call = (
        idle_cost.PRICES["scheduler_invocation"][0]
        + idle_cost.PRICES["lambda_request"][0]
        + idle_cost.IDLE_CALL_SECONDS * 0.5 * idle_cost.PRICES["lambda_gb_second_arm"][0]
    )
    assert items["recurring schedules (Scheduler + Lambda)"] == pytest.approx(calls * per_call)


def test_given_alarms_then_each_is_priced_per_metric_it_reads_and_insights_alarms_where_their_series_are() -> None:
    def alarm(*queries: dict[str, Any]) -> dict[str, Any]:
        return {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": list(queries)} if queries else {}}

    stat = {"MetricStat": {"Metric": {"MetricName": "Errors", "Namespace": "AWS/Lambda"}, "Stat": "Sum"}}
    template = {
        "Resources": {
            "Plain": alarm(),  # MetricName on the alarm itself: one metric
            "MetricMath": alarm({"Id": "errors", **stat}, {"Id": "refusals", **stat}, {"Id": "e", "Expression": "a-b"}),
            "Insights": alarm({"Id": "q", "Expression": 'SELECT SUM(Errors) FROM SCHEMA("AWS/States")'}),
        }
    }

    items = idle_cost.stack_cost("t", template).items

    assert items["CloudWatch alarms"] == pytest.approx(3 * idle_cost.PRICES["alarm_metric"][0])
