"""Fault injection for the local stack (issue 9): which AWS calls fail, how often, only inside Lambda code."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto import mock_aws
from pydantic import ValidationError
from werkzeug.test import Client as HttpClient
from werkzeug.wrappers import Request

from local import faults

REGION = "ap-southeast-1"
INTAKE = "eservice-klongnoy-intakefunction9dc22725"
CLOCK = "eservice-klongnoy-clockfunctiona54d861d"
ORIGINAL_MAKE_API_CALL = BaseClient._make_api_call  # type: ignore[attr-defined]


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A DynamoDB client against moto with one table, and the fault check installed for one test."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName="requests",
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        faults.install()
        try:
            yield client
        finally:
            faults.uninstall()


def get_item(client: Any) -> str:
    """One GetItem: "ok" or the error code it raised."""
    try:
        client.get_item(TableName="requests", Key={"PK": {"S": "REQ#1"}})
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "ok"


def test_given_a_rule_when_a_handler_makes_that_call_then_it_fails_as_aws_would_then_succeeds(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="GetItem", error="InternalServerError", status=500)

    with faults.function_scope(INTAKE), pytest.raises(ClientError) as raised:
        dynamodb.get_item(TableName="requests", Key={"PK": {"S": "REQ#1"}})
    with faults.function_scope(INTAKE):
        after = get_item(dynamodb)

    assert raised.value.response["Error"] == {"Code": "InternalServerError", "Message": "injected by /_local/faults"}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert raised.value.operation_name == "GetItem"
    assert after == "ok"
    [rule] = faults.report()
    assert (rule["seen"], rule["failed"]) == (2, 1)


def test_given_nth_and_times_then_exactly_those_consecutive_matching_calls_fail(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="GetItem", error="ThrottlingException", status=400, nth=2, times=2)

    with faults.function_scope(INTAKE):
        outcomes = [get_item(dynamodb) for _ in range(5)]

    assert outcomes == ["ok", "ThrottlingException", "ThrottlingException", "ok", "ok"]
    assert faults.report()[0]["failed"] == 2


def test_given_other_operations_and_services_then_the_rule_does_not_count_them(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="PutItem")
    faults.add(service="kms", operation="GetItem")

    with faults.function_scope(INTAKE):
        outcome = get_item(dynamodb)
        dynamodb.list_tables()

    assert outcome == "ok"
    assert [(rule["seen"], rule["failed"]) for rule in faults.report()] == [(0, 0), (0, 0)]


def test_given_a_rule_for_one_function_then_only_that_functions_calls_fail(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="GetItem", function="clock", times=None)

    with faults.function_scope(INTAKE):
        intake = get_item(dynamodb)
    with faults.function_scope(CLOCK):
        clock = get_item(dynamodb)

    assert (intake, clock) == ("ok", "InternalServerError")


def test_given_a_rule_when_the_call_is_made_outside_any_handler_then_it_is_never_faulted(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="GetItem", times=None)

    outcomes = [get_item(dynamodb) for _ in range(3)]

    assert outcomes == ["ok", "ok", "ok"]
    assert faults.report()[0]["seen"] == 0


def test_given_a_probability_and_a_seed_then_the_random_faults_are_reproducible(dynamodb: Any) -> None:
    expected_draws = random.Random(7)
    expected = ["InternalServerError" if expected_draws.random() < 0.3 else "ok" for _ in range(30)]

    faults.add(service="dynamodb", operation="GetItem", probability=0.3, seed=7, times=None)
    with faults.function_scope(INTAKE):
        outcomes = [get_item(dynamodb) for _ in range(30)]

    assert outcomes == expected
    assert 0 < outcomes.count("InternalServerError") < 30


def test_given_a_probability_with_times_then_no_more_than_times_calls_fail(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="GetItem", probability=0.9, seed=1, times=2)

    with faults.function_scope(INTAKE):
        outcomes = [get_item(dynamodb) for _ in range(20)]

    assert outcomes.count("InternalServerError") == 2
    assert faults.report()[0]["failed"] == 2


def test_given_an_error_aws_models_then_the_caller_can_catch_the_modelled_exception(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="GetItem", error="ResourceNotFoundException", status=400)

    with faults.function_scope(INTAKE), pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.get_item(TableName="requests", Key={"PK": {"S": "REQ#1"}})


def test_given_a_crash_then_the_handlers_own_error_handling_cannot_catch_it(dynamodb: Any) -> None:
    faults.add(service="dynamodb", operation="GetItem", error="crash")

    def handler_with_a_catch_all() -> str:
        try:
            return get_item(dynamodb)
        except Exception:
            return "handled"

    with faults.function_scope(INTAKE), pytest.raises(faults.LambdaCrash, match="GetItem"):
        handler_with_a_catch_all()
    assert not issubclass(faults.LambdaCrash, Exception)


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ({"service": "dynamodb"}, "operation"),
        ({"service": "dynamodb", "operation": "GetItem", "nth": 0}, "nth"),
        ({"service": "dynamodb", "operation": "GetItem", "probability": 0}, "probability"),
        ({"service": "dynamodb", "operation": "GetItem", "status": 200}, "status"),
        ({"service": "dynamodb", "operation": "GetItem", "seed": 3}, "seed"),
        ({"service": "dynamodb", "operation": "GetItem", "funtion": "intake"}, "funtion"),
    ],
)
def test_given_a_wrong_rule_then_it_is_refused_with_the_field_named(rule: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        faults.add(**rule)


def test_given_the_check_installed_when_uninstalled_then_botocore_is_back_and_no_rule_is_left(dynamodb: Any) -> None:
    faults.install()  # idempotent
    faults.add(service="dynamodb", operation="GetItem")

    faults.uninstall()

    assert BaseClient._make_api_call is ORIGINAL_MAKE_API_CALL  # type: ignore[attr-defined]
    assert faults.report() == []


def test_given_the_http_endpoint_then_rules_are_added_listed_and_cleared() -> None:
    http = HttpClient(lambda environ, start_response: faults.endpoint(Request(environ))(environ, start_response))
    try:
        added = http.post("/_local/faults", json={"service": "sns", "operation": "Publish", "times": None})
        refused = http.post("/_local/faults", json={"service": "sns", "operation": "Publish", "nth": -1})
        listed = http.get("/_local/faults")
        cleared = http.delete("/_local/faults")
        after = http.get("/_local/faults")
    finally:
        faults.clear()

    assert added.status_code == 201
    assert refused.status_code == 400 and "nth" in refused.json["error"]
    [rule] = listed.json["rules"]
    assert rule["id"] == added.json["id"]
    assert (rule["service"], rule["operation"], rule["times"], rule["seen"], rule["failed"]) == (
        "sns",
        "Publish",
        None,
        0,
        0,
    )
    assert cleared.json == {"cleared": 1}
    assert after.json == {"rules": []}
