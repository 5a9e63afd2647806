"""Issue 14: rollouts in waves, canary cell first, each wave gated on its cells' alarms."""

from __future__ import annotations

import aws_cdk as cdk
import boto3
from aws_cdk import pipelines
from aws_cdk.assertions import Template
from moto import mock_aws

from infra.waves import FleetPipelineStack, Wave, alarms_firing, main, plan


def test_given_cells_then_the_canary_goes_alone_first_and_the_waves_double() -> None:
    cells = ["c01", "canary", *(f"c{i:02d}" for i in range(2, 9))]

    waves = plan(cells, canary="canary")

    assert waves == [
        Wave("canary", ("canary",)),
        Wave("wave-1", ("c01",)),
        Wave("wave-2", ("c02", "c03")),
        Wave("wave-3", ("c04", "c05", "c06", "c07")),
        Wave("wave-4", ("c08",)),
    ]
    assert sorted(c for w in waves for c in w.cells) == sorted(cells)  # every cell once


def test_given_an_alarm_in_alarm_then_the_gate_of_that_cell_fails_and_another_cells_passes() -> None:
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        for cell in ("canary", "c01"):
            cloudwatch.put_metric_alarm(
                AlarmName=f"eservice-cell-{cell}-FunctionErrors",
                Namespace="AWS/Lambda",
                MetricName="Errors",
                Statistic="Sum",
                Period=300,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            )
        cloudwatch.set_alarm_state(
            AlarmName="eservice-cell-canary-FunctionErrors", StateValue="ALARM", StateReason="errors"
        )

        assert alarms_firing(cloudwatch, ["canary"]) == ["eservice-cell-canary-FunctionErrors"]
        assert alarms_firing(cloudwatch, ["c01"]) == []
        import os

        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        assert main(["gate", "canary"]) == 1
        assert main(["gate", "c01"]) == 0


def test_given_the_plan_then_the_pipeline_deploys_each_wave_after_the_previous_ones_gate() -> None:
    app = cdk.App()

    def cell_stage(scope: cdk.Stack, cell: str) -> cdk.Stage:
        stage = cdk.Stage(scope, f"Cell-{cell}")
        stack = cdk.Stack(stage, "Platform")
        cdk.CfnResource(stack, "Marker", type="AWS::SNS::Topic")
        return stage

    stack = FleetPipelineStack(
        app,
        "Fleet",
        waves=plan(["canary", "c01", "c02", "c03"], canary="canary"),
        cell_stage=cell_stage,
        source=pipelines.CodePipelineSource.connection(
            "example/eservice", "main", connection_arn="arn:aws:codeconnections:us-east-1:111111111111:connection/x"
        ),
        bake_minutes=30,
        env=cdk.Environment(account="111111111111", region="ap-southeast-1"),
    )
    (pipeline,) = Template.from_stack(stack).find_resources("AWS::CodePipeline::Pipeline").values()
    names = [s["Name"] for s in pipeline["Properties"]["Stages"]]

    assert names[:2] == ["Source", "Build"]
    # A wave of one cell is that cell's stage; a larger wave is one stage deploying its cells side by side.
    assert names[names.index("Cell-canary") :] == ["Cell-canary", "Cell-c01", "wave-2"]
    for stage in pipeline["Properties"]["Stages"][names.index("Cell-canary") :]:
        actions = sorted(stage["Actions"], key=lambda a: a["RunOrder"])
        assert actions[-1]["Name"] == "AlarmGate"  # after the wave's deployments, before the next wave
        assert all(a["RunOrder"] < actions[-1]["RunOrder"] for a in actions[:-1])
    wave_2 = pipeline["Properties"]["Stages"][names.index("wave-2")]
    assert {a["Name"].split(".")[0] for a in wave_2["Actions"]} >= {"Cell-c02", "Cell-c03"}
