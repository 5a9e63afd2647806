"""Fixtures of the infra tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import moto_dynamodb


@pytest.fixture
def table() -> Iterator[Any]:
    """A table in moto with the local stack's DynamoDB transactions (local/moto_dynamodb.py)."""
    with mock_aws():
        moto_dynamodb.install()
        try:
            client = boto3.client("dynamodb", region_name="ap-southeast-1")
            client.create_table(
                TableName="t",
                KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                AttributeDefinitions=[
                    {"AttributeName": "PK", "AttributeType": "S"},
                    {"AttributeName": "SK", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
            yield boto3.resource("dynamodb", region_name="ap-southeast-1").Table("t")
        finally:
            moto_dynamodb.uninstall()
