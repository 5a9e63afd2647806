"""Bad input over HTTP gets a clear 4xx in the error shape, never a 5xx (issue 10).

Each case is a request a broken client or an attacker sends; each answer is
``{"error": {"code", "message": {"th", "en"}, "details"?, "details_omitted"?}}`` with a stable code, and the
draft it aimed at is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from asn1crypto import core, tsp

from local.stack import LocalStack

from .conftest import FIRE_ANSWERS, Client

pytestmark = pytest.mark.stack

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def citizen(new_citizen: Callable[[], Client]) -> Client:
    return new_citizen()


@pytest.fixture
def draft_id(citizen: Client) -> str:
    created = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture
def no_faults_left(stack: LocalStack) -> Iterator[None]:
    stack.clear_faults()
    yield
    stack.clear_faults()


def refusal(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The error body, after checking the status, the stable code and both messages."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]["th"].strip() and error["message"]["en"].strip(), error
    assert error["message"]["th"] != error["message"]["en"]
    return dict(error)


def answers_kept(citizen: Client, draft_id: str) -> None:
    draft = citizen.get(f"/drafts/{draft_id}")
    assert draft.status_code == 200, draft.text
    assert draft.json()["answers"]["applicant_name"] == FIRE_ANSWERS["applicant_name"]


# --- 1. multipart/form-data without a boundary -------------------------------------------------------------
def test_given_multipart_without_a_boundary_when_saving_a_draft_then_415_and_the_draft_is_kept(
    citizen: Client, draft_id: str
) -> None:
    response = citizen.put(
        f"/drafts/{draft_id}", data=b'{"answers": {}}', headers={"Content-Type": "multipart/form-data"}
    )

    refusal(response, 415, "request.unsupported_media_type")
    answers_kept(citizen, draft_id)


def test_given_multipart_without_a_boundary_when_starting_a_draft_then_415(citizen: Client) -> None:
    response = citizen.post("/drafts", data=b"", headers={"Content-Type": "multipart/form-data"})

    refusal(response, 415, "request.unsupported_media_type")


def test_given_plain_text_on_a_json_operation_then_415(citizen: Client, draft_id: str) -> None:
    response = citizen.put(
        f"/drafts/{draft_id}", data="สวัสดี".encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    )

    refusal(response, 415, "request.unsupported_media_type")


# --- 2. Thai text instead of a PDF, no sign-in --------------------------------------------------------------
def test_given_thai_text_instead_of_a_pdf_when_verifying_then_415_not_a_pdf(public: Client) -> None:
    response = public.post(
        "/verify", data="เอกสารนี้ไม่ใช่ไฟล์ PDF".encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    )

    refusal(response, 415, "verify.not_pdf")


# --- 3. a lone surrogate --------------------------------------------------------------------------------------
def test_given_a_lone_surrogate_in_an_answer_when_saving_then_400_naming_the_field(
    citizen: Client, draft_id: str
) -> None:
    body = b'{"answers": {"applicant_name": "\\ud800"}}'
    response = citizen.put(f"/drafts/{draft_id}", data=body, headers=JSON)

    error = refusal(response, 400, "request.invalid_text")
    [detail] = error["details"]
    assert (detail["field"], detail["code"]) == ("answers.applicant_name", "field.invalid_text")
    assert detail["message"]["th"] and detail["message"]["en"]
    answers_kept(citizen, draft_id)


# --- 4. JSON nested 100,000 levels deep -----------------------------------------------------------------------
def test_given_json_nested_100000_levels_when_saving_then_400_too_deep(citizen: Client, draft_id: str) -> None:
    depth = 100_000
    body = '{"answers": {"applicant_name": ' + "[" * depth + "]" * depth + "}}"
    response = citizen.put(f"/drafts/{draft_id}", data=body.encode(), headers=JSON)

    refusal(response, 400, "request.too_deep")
    answers_kept(citizen, draft_id)


def test_given_broken_json_when_saving_then_400_malformed(citizen: Client, draft_id: str) -> None:
    response = citizen.put(f"/drafts/{draft_id}", data=b'{"answers": {"applicant_name": ', headers=JSON)

    refusal(response, 400, "request.malformed_json")


# --- 5. thousands of unknown answer keys ---------------------------------------------------------------------
def test_given_20000_unknown_answer_keys_when_saving_then_a_small_400_says_how_many_were_left_out(
    citizen: Client, draft_id: str
) -> None:
    answers = {f"unknown_{i:05d}": "x" for i in range(20_000)}
    response = citizen.put(f"/drafts/{draft_id}", json={"answers": answers})

    assert len(response.content) < 64 * 1024
    error = refusal(response, 400, "form.too_many_fields")
    assert len(error["details"]) == 50
    assert {d["code"] for d in error["details"]} == {"field.unknown"}
    assert error["details_omitted"] == 20_000 - 50
    answers_kept(citizen, draft_id)


# --- 6. Powertools' request validation, in the project's shape ------------------------------------------------
def test_given_answers_of_the_wrong_type_when_saving_then_422_with_one_detail_per_field(
    citizen: Client, draft_id: str
) -> None:
    body = {"answers": 5, "estamp_code": "x" * 41, "on_behalf_of": {"kind": "cat", "name": "", "identifier": "1"}}
    response = citizen.put(f"/drafts/{draft_id}", json=body)

    error = refusal(response, 422, "request.invalid")
    codes = {d["field"]: d["code"] for d in error["details"]}
    assert codes == {
        "answers": "field.type",
        "estamp_code": "field.too_long",
        "on_behalf_of.kind": "field.choice",
        "on_behalf_of.name": "field.too_short",
    }
    assert all(d["message"]["th"] and d["message"]["en"] for d in error["details"])
    # Powertools' own 422 body ({"statusCode", "detail"}) is gone.
    assert list(response.json()) == ["error"]


def test_given_a_bad_query_parameter_then_422_names_it(citizen: Client) -> None:
    response = citizen.get("/drafts", params={"limit": "0"})

    error = refusal(response, 422, "request.invalid")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("query.limit", "field.too_small")]


# --- an unexpected failure inside a route -------------------------------------------------------------------
@pytest.mark.usefixtures("no_faults_left")
def test_given_an_unexpected_failure_in_a_route_then_500_internal_error_without_a_stack_trace(
    stack: LocalStack, citizen: Client, draft_id: str
) -> None:
    stack.inject_fault(service="dynamodb", operation="GetItem", function="intake", error="InternalServerError")

    response = citizen.get(f"/drafts/{draft_id}")

    error = refusal(response, 500, "internal.error")
    assert set(error) == {"code", "message"}
    assert "Traceback" not in response.text and "injected" not in response.text


# --- the timestamp authority (served by the clock function) ---------------------------------------------------
def test_given_thai_text_sent_to_the_tsa_then_it_answers_an_rfc3161_rejection_not_a_502(stack: LocalStack) -> None:
    response = requests.post(
        f"{stack.url}/api/tsa",
        data="ขอประทับเวลา".encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
        timeout=30,
    )

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/timestamp-reply"
    # A rejection carries only its status (asn1crypto's TimeStampResp insists on a token, so read the status).
    status = tsp.PKIStatusInfo.load(core.load(response.content)[0].dump())
    assert status["status"].native == "rejection"
    assert "bad_data_format" in status["fail_info"].native


def test_given_an_unknown_path_or_no_sign_in_then_the_gateway_answers_in_the_error_shape(public: Client) -> None:
    refusal(public.get("/no-such-operation"), 404, "request.not_found")
    refusal(public.get("/drafts"), 401, "auth.required")
