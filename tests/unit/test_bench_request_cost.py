"""The request-cost benchmark's counting (bench/request_cost.py): DynamoDB request units and the price table.

Issue 14: the variable cost per 1,000 completed requests is priced from measured counts; these check
the arithmetic that turns a counted call into billed units, never how fast anything is.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from bench import request_cost as bench


def test_given_items_typed_or_as_boto3_sends_them_then_their_sizes_agree() -> None:
    typed = {"pk": {"S": "REQ#1"}, "n": {"N": "250"}, "tags": {"L": [{"S": "a"}, {"BOOL": True}]}}
    plain = {"pk": "REQ#1", "n": Decimal(250), "tags": ["a", True]}

    assert bench.item_size(typed) == bench.item_size(plain)
    assert bench.item_size({"name": "ครัว"}) == len("name") + len("ครัว".encode())


def test_given_reads_then_units_follow_4_kb_and_consistency() -> None:
    small = {"Item": {"pk": "x"}}
    large = {"Items": [{"pk": "x", "body": "y" * 5000}]}

    assert bench.dynamodb_units("GetItem", {"ConsistentRead": True}, small) == (1.0, 0.0)
    assert bench.dynamodb_units("GetItem", {}, small) == (0.5, 0.0)
    assert bench.dynamodb_units("GetItem", {}, {}) == (0.5, 0.0)  # a miss is billed too
    assert bench.dynamodb_units("Query", {}, large) == (1.0, 0.0)  # 2 x 4 KB, eventually consistent


def test_given_writes_then_units_follow_1_kb_and_transactions_count_twice() -> None:
    item = {"pk": "x", "body": "y" * 1500}
    transaction = {
        "TransactItems": [
            {"Put": {"Item": item}},
            {"Update": {"Key": {"pk": "a"}, "ExpressionAttributeValues": {":s": "paid"}}},
            {"ConditionCheck": {"Key": {"pk": "b"}}},
            {"Delete": {"Key": {"pk": "c"}}},
        ]
    }

    assert bench.dynamodb_units("PutItem", {"Item": item}, {}) == (0.0, 2.0)
    assert bench.dynamodb_units("TransactWriteItems", transaction, {}) == (2.0, 4.0 + 2.0 + 2.0)


def test_given_counts_then_each_row_is_per_request_times_unit_price_and_sms_and_payments_stand_apart() -> None:
    counts = bench.Counts(
        calls=Counter({("kms", "Sign"): 30, ("ses", "SendRawEmail"): 9, ("sns", "Publish"): 9, ("s3", "GetObject"): 3}),
        invocations=Counter({"eservice-t-intakefunction12345678": 60}),
        gb_seconds={"eservice-t-intakefunction12345678": 15.0},
        sms=9,
    )
    measured = bench.Measured(
        requests=3,
        counts=counts,
        transitions=78,
        executions=3,
        arch={"eservice-t-intakefunction12345678": "x86_64"},
        seconds=1.0,
    )

    rows = {r.item: r for r in bench.price_rows(measured)}

    assert rows["Step Functions state transitions"].per_request == 26
    assert rows["Step Functions state transitions"].per_thousand == pytest.approx(26 * 0.025)
    assert rows["KMS requests"].per_thousand == pytest.approx(10 * 0.03 / 10)
    assert rows["Lambda GB-seconds (x86_64)"].per_request == 5.0
    assert rows["SES e-mails"].per_thousand == pytest.approx(3 * 0.10)
    assert "SNS topic publishes" not in rows  # every publish was an SMS
    assert rows["SMS messages (country rate)"].apart and rows["SMS messages (country rate)"].per_request == 3
    assert rows["payments (provider's fee)"].apart


def test_given_global_secondary_indexes_then_a_write_that_sets_their_key_pays_once_more_per_index() -> None:
    keys = ("GSI1PK", "GSI2PK")
    item = {"pk": "x", "GSI1PK": "STATUS#open"}
    update = {"Key": {"pk": "x"}, "UpdateExpression": "SET GSI2PK = :a, GSI1PK = :b", "ExpressionAttributeValues": {}}

    assert bench.dynamodb_units("PutItem", {"Item": item}, {}, keys) == (0.0, 2.0)
    assert bench.dynamodb_units("UpdateItem", update, {}, keys) == (0.0, 3.0)
    assert bench.dynamodb_units("TransactWriteItems", {"TransactItems": [{"Put": {"Item": item}}]}, {}, keys) == (
        0.0,
        3.0,
    )
