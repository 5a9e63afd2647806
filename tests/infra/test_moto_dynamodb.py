"""The local stack's DynamoDB transactions behave as DynamoDB's do (local/moto_dynamodb.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _put(pk: str, *, new: bool = True) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": "t", "Item": {"PK": pk, "SK": "x", "n": 1}}
    if new:
        op["ConditionExpression"] = "attribute_not_exists(PK)"
    return {"Put": op}


def test_given_a_failed_condition_then_nothing_is_written_and_each_item_has_its_reason(table: Any) -> None:
    client = table.meta.client
    client.put_item(TableName="t", Item={"PK": "taken", "SK": "x"})

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(TransactItems=[_put("a"), _put("taken")])

    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert "Item" not in table.get_item(Key={"PK": "a", "SK": "x"})


def test_given_a_write_refused_half_way_then_what_was_written_is_put_back(table: Any) -> None:
    client = table.meta.client
    client.put_item(TableName="t", Item={"PK": "b", "SK": "x", "n": 1})
    bad_update = {
        "Update": {
            "TableName": "t",
            "Key": {"PK": "c", "SK": "x"},
            "UpdateExpression": "SET #m.#k = :v",  # the map does not exist: refused while writing
            "ExpressionAttributeNames": {"#m": "missing", "#k": "k"},
            "ExpressionAttributeValues": {":v": 1},
        }
    }
    changed_b = {
        "Update": {
            "TableName": "t",
            "Key": {"PK": "b", "SK": "x"},
            "UpdateExpression": "SET n = :two",
            "ExpressionAttributeValues": {":two": 2},
        }
    }

    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[_put("a"), changed_b, bad_update])

    assert "Item" not in table.get_item(Key={"PK": "a", "SK": "x"})
    assert table.get_item(Key={"PK": "b", "SK": "x"})["Item"]["n"] == 1


def test_given_concurrent_transactions_then_none_fails_for_want_of_isolation_and_none_is_lost(table: Any) -> None:
    client = table.meta.client

    def write(i: int) -> None:
        client.transact_write_items(TransactItems=[_put(f"p{i}"), _put(f"q{i}")])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(200)))

    assert table.scan(Select="COUNT")["Count"] == 400


def test_given_a_query_of_a_missing_index_then_the_answer_is_dynamodbs_own(table: Any) -> None:
    """A lean index not built yet (issue 14 upgrade) is refused as DynamoDB refuses it, which is the one answer
    eservice.dynamo takes as "read the other index"."""
    with pytest.raises(ClientError) as refused:
        table.query(IndexName="GSI9L", KeyConditionExpression="GSI9PK = :p", ExpressionAttributeValues={":p": "x"})

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == "The table does not have the specified index: GSI9L"


def test_given_an_update_that_grows_an_item_past_400_kb_then_it_is_refused_and_changes_nothing(table: Any) -> None:
    """DynamoDB refuses an item over 400 KB; moto checked only top-level attributes, so a map that grew entry by
    entry (a draft's attachments) never hit the limit locally. Now it does, and the refused update writes nothing."""
    table.put_item(Item={"PK": "draft", "SK": "x", "files": {}})
    entry = "ก" * 3000  # 9,000 bytes of UTF-8
    for n in range(44):  # about 396,000 bytes: under the 400 KB
        table.update_item(
            Key={"PK": "draft", "SK": "x"},
            UpdateExpression="SET files.#f = :v",
            ExpressionAttributeNames={"#f": f"F{n:03d}"},
            ExpressionAttributeValues={":v": entry},
        )

    with pytest.raises(ClientError) as refused:  # a 45th: about 405,100 bytes
        table.update_item(
            Key={"PK": "draft", "SK": "x"},
            UpdateExpression="SET files.#f = :v",
            ExpressionAttributeNames={"#f": "F999"},
            ExpressionAttributeValues={":v": entry},
        )

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "maximum allowed size" in refused.value.response["Error"]["Message"]
    assert sorted(table.get_item(Key={"PK": "draft", "SK": "x"})["Item"]["files"]) == [f"F{n:03d}" for n in range(44)]
