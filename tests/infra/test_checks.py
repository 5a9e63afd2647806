"""Issue 14, synthesis speed: cdk-nag and CloudFormation Validate run on one stack of each shape.

Three small stacks: two alike (a queue with neither TLS enforcement nor a dead-letter queue, cdk-nag's
AwsSolutions-SQS3 and SQS4) and one of another shape (a topic besides the queue). The synthesis must
still fail on the findings, naming one stack of each shape and not the other copy.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from infra.checks import add_checks, shape


def _template(*resources: tuple[str, str, dict[str, object]]) -> dict[str, object]:
    return {"Resources": {lid: {"Type": t, "Properties": p} for lid, t, p in resources}}


def test_given_two_templates_that_differ_in_ids_and_values_only_then_they_have_one_shape() -> None:
    first = _template(("QueueA1", "AWS::SQS::Queue", {"VisibilityTimeout": 30}))
    renamed = _template(("QueueB2", "AWS::SQS::Queue", {"VisibilityTimeout": 60}))
    more_properties = _template(("QueueA1", "AWS::SQS::Queue", {"VisibilityTimeout": 30, "DelaySeconds": 5}))
    two_queues = _template(("QueueA1", "AWS::SQS::Queue", {}), ("QueueA2", "AWS::SQS::Queue", {}))

    assert shape(first) == shape(renamed)
    assert shape(first) != shape(more_properties)
    assert shape(two_queues) != shape(_template(("QueueA1", "AWS::SQS::Queue", {})))


def test_given_stacks_of_one_shape_then_the_checks_report_the_first_and_still_fail_the_synthesis(
    tmp_path: Path,
) -> None:
    app = cdk.App(outdir=str(tmp_path / "out"))
    for name in ("First", "Copy"):
        sqs.Queue(cdk.Stack(app, name), "Queue")
    other = cdk.Stack(app, "Other")
    sqs.Queue(other, "Queue")
    sns.Topic(other, "Topic")
    add_checks(app)

    with pytest.raises(Exception) as failed:  # jsii raises RuntimeError carrying CDK's ValidationFailed
        app.synth()

    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    (nag,) = [plugin for plugin in report["pluginReports"] if plugin["pluginName"] == "AwsSolutions"]
    stacks = {c["constructPath"].split("/")[0] for v in nag["violations"] for c in v["violatingConstructs"]}
    rules = {v["ruleName"] for v in nag["violations"]}
    assert "AwsSolutions-SQS3" in str(failed.value)
    assert rules == {"AwsSolutions-SQS3", "AwsSolutions-SQS4", "AwsSolutions-SNS3"}
    assert len(stacks) == 2 and "Other" in stacks and len(stacks & {"First", "Copy"}) == 1
