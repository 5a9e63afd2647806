"""Lists read from the lean indexes (issue 14, cost): every row is the whole item, as before.

The indexes hold only keys and what their queries filter on (``eservice.indexes``); a page is completed
from the table by key. These tests run the use cases on a moto table built with those indexes and check
that each list the API shows carries every field of its API model, equal to the row built from the
stored request; and that a table half-way through its upgrade is read from whichever index answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from eservice import api_models
from eservice.domain import RequestStatus
from eservice.dynamo import DynamoDatabase, _unreadable_indexes
from eservice.indexes import INDEX_ATTRIBUTES, projection, table_indexes
from local import moto_dynamodb
from tests.unit.use_case_fixtures import APPROVER, CITIZEN, HEAD, REVIEWER, World

REGION = "ap-southeast-1"


def _index(name: str, index: str, lean: bool) -> dict[str, Any]:
    """An index as infra/stack.py declares it (tests/infra/test_stack.py pins the template to the same)."""
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": f"{index}PK", "KeyType": "HASH"},
            {"AttributeName": f"{index}SK", "KeyType": "RANGE"},
        ],
        "Projection": projection(index, lean=lean),
    }


def _table(step: int | None) -> Any:
    keys = ["PK", "SK", *(f"{i}{part}" for i in INDEX_ATTRIBUTES for part in ("PK", "SK"))]
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        GlobalSecondaryIndexes=[_index(*spec) for spec in table_indexes(step)],
        BillingMode="PAY_PER_REQUEST",
    )
    return boto3.resource("dynamodb", region_name=REGION).Table("t")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        moto_dynamodb.install()
        _unreadable_indexes.clear()
        try:
            yield
        finally:
            moto_dynamodb.uninstall()
            _unreadable_indexes.clear()


def test_given_lean_indexes_then_every_request_list_carries_its_api_models_fields_from_the_whole_item(
    aws: None,
) -> None:
    world = World(DynamoDatabase(_table(None)))
    reviewing = world.in_review("food-shop")
    approved = world.approved("food-shop")
    world.park(approved, "payment")
    requests = world.db.requests

    mine = world.applications.my_requests(CITIZEN)
    api_models.RequestList.model_validate({"requests": mine.items, "next_cursor": mine.cursor})
    assert [r["id"] for r in mine.items] == [approved, reviewing]
    for row in mine.items:  # the same row the whole stored request makes
        assert row == world.applications._request_summary(requests.get(row["id"]))
        assert row["contact"] and row["service"]["id"] == "food-shop"

    for officer in (REVIEWER, APPROVER, HEAD):
        for which in ({}, {"mine": True}, {"status": "in_review"}, {"status": "awaiting_payment"}):
            page = world.officers.work_list(officer, **which)  # type: ignore[arg-type]
            api_models.WorkList.model_validate({"requests": page.items, "next_cursor": page.cursor})
            for row in page.items:
                assert row == world.officers._summary(requests.get(row["id"]))
    waiting = world.officers.work_list(REVIEWER, mine=True).items  # filtered on the index's waiting.role
    assert [r["id"] for r in waiting] == [reviewing] and waiting[0]["waiting"]["role"] == "reviewer"
    assert [r["id"] for r in world.officers.work_list(HEAD, status="in_review").items] == [reviewing]

    digest = world.officers.digest(HEAD)
    api_models.Digest.model_validate(digest)
    assert {r["id"] for r in digest["new"] + digest["changed"]} == {reviewing, approved}

    # the saga's sweeper and the statistics read whole requests from GSI2 and GSI3 too
    record = requests.get(reviewing)
    assert record in requests.in_status(RequestStatus(record["status"]), limit=10, cursor=None).items
    submitted_at = datetime.fromisoformat(record["submitted_at"])
    minute = timedelta(minutes=1)
    statistics = requests.received_between(submitted_at - minute, submitted_at + minute, limit=10, cursor=None)
    assert record in statistics.items
    world.executions.fail_next["succeed"] = 10  # Step Functions down: the answer stays in the outbox
    world.decide(REVIEWER, reviewing, "review", "approve")
    pending = world.repos.waiting.pending_outbox(limit=50, cursor=None).items  # the saga answers, undelivered
    assert pending and all(row == world.repos.waiting.outbox(row["request_id"], row["sequence"]) for row in pending)
    assert all("output" in row and row["state"] == "pending" for row in pending)


@pytest.mark.parametrize("step", [1, 2, 8])
def test_given_a_table_half_way_through_its_upgrade_then_lists_read_whichever_index_answers(
    aws: None, step: int
) -> None:
    world = World(DynamoDatabase(_table(step)))
    request_id = world.in_review("food-shop")

    mine = world.applications.my_requests(CITIZEN).items  # GSI1: whole-item (step 1) or lean GSI1L (2, 8)
    open_rows = world.officers.work_list(REVIEWER, mine=True).items  # GSI4: whole items before step 8

    assert [r["id"] for r in mine] == [request_id] == [r["id"] for r in open_rows]
    assert mine[0] == world.applications._request_summary(world.db.requests.get(request_id))
    assert (("t", "GSI1") in _unreadable_indexes) is (step >= 2)  # read the lean one once the old one is gone


@pytest.mark.parametrize(
    ("code", "message", "unreadable"),
    [
        ("ValidationException", "The table does not have the specified index: GSI1", True),
        ("ValidationException", "Cannot read from backfilling global secondary index: GSI1", True),
        ("ResourceNotFoundException", "Invalid index: GSI1 for table: t. Available indexes are: GSI1L", False),
        ("ValidationException", "The table does not have the specified index: GSI1L", False),
        ("ValidationException", "Query condition missed key schema element: GSI1PK", False),
        ("ResourceNotFoundException", "Requested resource not found", False),
    ],
)
def test_given_a_failed_query_then_only_a_missing_or_unbuilt_index_sends_it_to_the_lean_one(
    code: str, message: str, unreadable: bool
) -> None:
    from botocore.exceptions import ClientError

    from eservice.dynamo import _index_unreadable

    error = ClientError({"Error": {"Code": code, "Message": message}}, "Query")
    assert _index_unreadable(error, "GSI1") is unreadable
