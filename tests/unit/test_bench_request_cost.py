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


def test_given_an_e_mail_then_its_size_is_the_raw_message_or_its_subject_and_body() -> None:
    raw = "Subject: x\r\n\r\n" + "A" * 1000

    assert bench.email_size({"RawMessage": {"Data": raw}}) == len(raw)
    assert bench.email_size({"RawMessage": {"Data": raw.encode()}}) == len(raw)
    assert bench.email_size({"Message": {"Subject": {"Data": "ใบ"}, "Body": {"Text": {"Data": "ab"}}}}) == 6 + 2


def _priced(*, email_bytes: int = 0) -> list[bench.PriceRow]:
    counts = bench.Counts(
        calls=Counter({("kms", "Sign"): 20, ("ses", "SendRawEmail"): 12, ("sns", "Publish"): 12}),
        sms=12,
        email_bytes=email_bytes,
    )
    measured = bench.Measured(requests=2, counts=counts, transitions=40, executions=2, arch={}, seconds=1.0)
    return bench.price_rows(measured)


def test_given_e_mails_then_their_attachment_data_is_priced_per_gb_as_a_message_fee() -> None:
    rows = {r.item: r for r in _priced(email_bytes=2 * 2**20)}

    data = rows["SES attachment data (MB, raw message)"]
    assert data.per_request == pytest.approx(1.0)
    assert data.per_thousand == pytest.approx(1000 / 1024 * 0.12)  # 1,000 MB at 0.12 USD per GB
    assert data.message and rows["SES e-mails"].message and not rows["KMS requests"].message


def test_given_the_rows_then_three_totals_with_and_without_message_and_payment_fees() -> None:
    rows = _priced(email_bytes=2 * 2**20)
    platform = 20 * 0.025 + 10 * 0.003  # transitions, KMS
    email = 6 * 0.10 + 1000 / 1024 * 0.12

    total = bench.totals(rows)

    assert total.goal == pytest.approx(platform + email)  # issue 14's goal: SMS and payment fees apart
    assert total.email == pytest.approx(email)
    assert total.without_messages == pytest.approx(platform)
    assert total.with_fees is None  # no rate given: not priced, never guessed
    priced = bench.totals(rows, sms_usd=0.02, payment_fee_usd=0.10)
    assert priced.sms == pytest.approx(6 * 0.02 * 1000)
    assert priced.payments == pytest.approx(0.10 * 1000)
    assert priced.with_fees == pytest.approx(platform + email + 120 + 100)


def test_given_the_stored_item_then_an_update_pays_for_the_whole_item_and_its_index_entry() -> None:
    update = {
        "TableName": "t",
        "Key": {"PK": "REQ#R-1", "SK": "META"},
        "UpdateExpression": "SET #s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": "paid"},
    }
    seen: list[tuple[str, dict[str, str]]] = []

    def stored(table: str, key: dict[str, str]) -> tuple[int, frozenset[str]]:
        seen.append((table, key))
        return 5000, frozenset({"PK", "SK", "GSI1PK", "status"})  # 5 KB, in the index of GSI1PK

    assert bench.dynamodb_units("UpdateItem", update, {}, ("GSI1PK",)) == (0.0, 1.0)  # what was sent: < 1 KB
    assert bench.dynamodb_units("UpdateItem", update, {}, ("GSI1PK",), stored) == (0.0, 5.0 * 2)
    transaction = {"TransactItems": [{"Update": update}]}
    assert bench.dynamodb_units("TransactWriteItems", transaction, {}, ("GSI1PK",), stored) == (0.0, 5.0 * (2 + 1))
    assert seen[0] == ("t", {"PK": "REQ#R-1", "SK": "META"})


def test_given_an_index_projection_then_a_write_pays_for_the_index_copies_it_changes_by_their_size() -> None:
    request = {"PK": "REQ#1", "SK": "META", "GSI4PK": "OPEN", "GSI4SK": "t1#1", "status": "received"}
    request |= {"due_at": "2026-12-09", "attachments": "x" * 4200}  # 4 KB the index need not hold
    whole = bench.Index("GSI4", ("GSI4PK", "GSI4SK"))
    lean = bench.Index("GSI4", ("GSI4PK", "GSI4SK"), "INCLUDE", frozenset({"due_at"}))
    keys_only = bench.Index("GSI4", ("GSI4PK", "GSI4SK"), "KEYS_ONLY")
    documents = request | {"documents": "receipt"}  # an attribute no lean index holds
    moved = request | {"status": "in_review", "GSI4SK": "t2#1"}  # the index's sort key changes
    closed = {k: v for k, v in moved.items() if not k.startswith("GSI4")}  # a closed request leaves the index

    assert bench.item_write_units(request, documents) == 5.0  # the whole item, larger of before and after
    assert bench.item_write_units(request, documents, (whole,)) == 5.0 + 5.0  # ALL: the entry is the item
    assert bench.item_write_units(request, documents, (lean, keys_only)) == 5.0  # their copies did not change
    assert bench.item_write_units(request, moved, (lean,)) == 5.0 + 2 * 1.0  # delete and put, < 1 KB each
    assert bench.item_write_units(request, moved, (whole,), transaction=True) == 2 * 5.0 + 2 * 5.0
    assert bench.item_write_units(moved, closed, (lean,)) == 5.0 + 1.0  # the entry removed
    assert bench.item_write_units(None, request, (lean,)) == 5.0 + 1.0  # put: item and entry
    assert bench.item_write_units(request, request, (whole,)) == 5.0  # refused by its condition: no index write
    assert lean.entry(request) == {k: request[k] for k in ("PK", "SK", "GSI4PK", "GSI4SK", "due_at")}
    assert lean.entry({"PK": "LIC#1", "SK": "META"}) is None


def test_given_write_calls_then_every_item_they_write_is_named_with_its_table() -> None:
    transaction = {
        "TransactItems": [
            {"Put": {"TableName": "t", "Item": {"PK": "a", "SK": "b"}}},
            {"ConditionCheck": {"TableName": "t", "Key": {"PK": "c", "SK": "d"}}},
            {"Update": {"TableName": "t", "Key": {"PK": "e", "SK": "f"}}},
        ]
    }
    batch = {"RequestItems": {"t": [{"PutRequest": {"Item": {"PK": "g"}}}, {"DeleteRequest": {"Key": {"PK": "h"}}}]}}

    assert bench._written("TransactWriteItems", transaction) == [
        ("t", {"PK": "a", "SK": "b"}, True),
        ("t", {"PK": "e", "SK": "f"}, True),
    ]
    assert bench._written("BatchWriteItem", batch) == [("t", {"PK": "g"}, False), ("t", {"PK": "h"}, False)]
    assert bench._written("UpdateItem", {"TableName": "t", "Key": {"PK": "x"}}) == [("t", {"PK": "x"}, False)]
    assert bench._written("Query", {"TableName": "t"}) == []
