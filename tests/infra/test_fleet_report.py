"""Issue 14: the report of each tenant's deployed version, read from CloudFormation (moto)."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from infra.app import VERSION_OUTPUT
from infra.fleet_report import deployed_versions


def _template(version: str) -> str:
    return json.dumps(
        {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {VERSION_OUTPUT: {"Value": version}},
        }
    )


def test_given_tenant_stacks_of_two_versions_then_the_report_lists_each_tenant_with_its_version() -> None:
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="ap-southeast-1")
        cloudformation.create_stack(StackName="eservice-bangrak", TemplateBody=_template("v1.4.0"))
        cloudformation.create_stack(StackName="eservice-paktang", TemplateBody=_template("v1.3.2"))
        cloudformation.create_stack(
            StackName="eservice-cell-main", TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
        )

        rows = deployed_versions(cloudformation)

    assert [(r.tenant, r.version, r.status) for r in rows] == [
        ("paktang", "v1.3.2", "CREATE_COMPLETE"),
        ("bangrak", "v1.4.0", "CREATE_COMPLETE"),
    ]
