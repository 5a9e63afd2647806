"""Rollouts in waves (issue 14): a CDK Pipelines definition that deploys a canary cell first, then the
other cells in waves that double in size, each wave gated on the alarms of the cells before it.

    plan(["canary", "c01", "c02", ...], canary="canary")
    -> canary | c01 | c02 c03 | c04 ... c07 | ...

After each wave, ``AlarmGate`` waits ``bake_minutes`` and then fails the pipeline (stopping every later
wave) if any alarm of that wave's cells is in ALARM: the cells' alarms (``infra/cell.py``) are named
``eservice-cell-<cell>-...``. The gate runs ``python -m infra.waves gate <cell>...`` with the
pipeline's credentials for the cells' account (the CDK bootstrap's lookup role reads alarms). Silo
agencies are cells of one tenant in their own accounts (see the AWS Organizations layout in README).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from aws_cdk import Stack, Stage, pipelines
from constructs import Construct

__all__ = ["ALARM_PREFIX", "FleetPipelineStack", "Wave", "alarms_firing", "main", "plan"]

#: Every alarm of a cell starts with this and the cell's name.
ALARM_PREFIX = "eservice-cell-"


@dataclass(frozen=True)
class Wave:
    name: str
    cells: tuple[str, ...]


def plan(cells: Sequence[str], *, canary: str, first_wave: int = 1) -> list[Wave]:
    """The canary alone, then the other cells in waves of ``first_wave``, twice that, and so on."""
    if canary not in cells:
        raise ValueError(f"the canary cell {canary!r} is not one of the cells")
    if len(set(cells)) != len(cells):
        raise ValueError("a cell is named twice")
    rest = [c for c in cells if c != canary]
    waves = [Wave("canary", (canary,))]
    size, i = first_wave, 0
    while i < len(rest):
        waves.append(Wave(f"wave-{len(waves)}", tuple(rest[i : i + size])))
        i += size
        size *= 2
    return waves


def alarms_firing(cloudwatch: Any, cells: Sequence[str]) -> list[str]:
    """The names of the cells' alarms now in ALARM."""
    firing: list[str] = []
    for cell in cells:
        pages = cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=f"{ALARM_PREFIX}{cell}-", StateValue="ALARM", AlarmTypes=["MetricAlarm"]
        )
        firing += [a["AlarmName"] for page in pages for a in page["MetricAlarms"] if a["StateValue"] == "ALARM"]
    return sorted(firing)


class FleetPipelineStack(Stack):
    """The pipeline: synthesize once, then the waves of ``plan``, each followed by its alarm gate."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        waves: Sequence[Wave],
        cell_stage: Callable[[Construct, str], Stage],
        source: pipelines.IFileSetProducer,
        bake_minutes: int = 30,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            cross_account_keys=True,
            synth=pipelines.ShellStep(
                "Synth",
                input=source,
                commands=["python -m pip install -e '.[infra]'", "npx --yes aws-cdk@2 synth -c mode=cell"],
            ),
        )
        for wave in waves:
            stage_wave = self.pipeline.add_wave(wave.name)
            for cell in wave.cells:
                stage_wave.add_stage(cell_stage(self, cell))
            stage_wave.add_post(
                pipelines.ShellStep(
                    "AlarmGate",
                    input=source,
                    commands=[
                        "python -m pip install boto3",
                        f"sleep {bake_minutes * 60}",
                        f"python -m infra.waves gate {' '.join(wave.cells)}",
                    ],
                )
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.waves")
    sub = parser.add_subparsers(dest="command", required=True)
    gate = sub.add_parser("gate", help="fail if an alarm of these cells is in ALARM")
    gate.add_argument("cells", nargs="+")
    args = parser.parse_args(argv)
    firing = alarms_firing(boto3.client("cloudwatch"), args.cells)
    if firing:
        print("หยุดการปรับรุ่น: สัญญาณเตือนทำงาน / Rollout stopped, alarms firing: " + ", ".join(firing), file=sys.stderr)
        return 1
    print(f"ไม่มีสัญญาณเตือน / No alarm in {', '.join(args.cells)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
