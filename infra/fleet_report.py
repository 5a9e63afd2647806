"""Which version each tenant runs (issue 14): ``python -m infra.fleet_report [--region ...]``.

Reads every CloudFormation stack of the account and Region with a ``ServiceVersion`` output (each
tenant stack has one, see ``infra/app.py``) and prints one line per tenant: its id, version, stack
status and last update, oldest version first, so a stalled wave shows at the top. Run it once per
account of the fleet (each cell, each silo agency) with that account's credentials.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import boto3

from .app import VERSION_OUTPUT

__all__ = ["Deployed", "deployed_versions", "main"]


@dataclass(frozen=True)
class Deployed:
    tenant: str
    version: str
    status: str
    updated: str


def deployed_versions(cloudformation: Any) -> list[Deployed]:
    """One row per tenant stack (a stack with the version output), sorted by version then tenant."""
    rows = []
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stack.get("Outputs", [])}
            if VERSION_OUTPUT not in outputs:
                continue
            updated = stack.get("LastUpdatedTime") or stack["CreationTime"]
            rows.append(
                Deployed(
                    tenant=stack["StackName"].removeprefix("eservice-"),
                    version=outputs[VERSION_OUTPUT],
                    status=stack["StackStatus"],
                    updated=updated.isoformat(timespec="seconds"),
                )
            )
    return sorted(rows, key=lambda r: (r.version, r.tenant))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.fleet_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    rows = deployed_versions(boto3.client("cloudformation", region_name=args.region))
    print(f"{'tenant':<24} {'version':<24} {'status':<24} updated")
    for row in rows:
        print(f"{row.tenant:<24} {row.version:<24} {row.status:<24} {row.updated}")
    versions = {r.version for r in rows}
    print(f"{len(rows)} tenants, {len(versions)} version(s)")


if __name__ == "__main__":
    main()
