"""Recovery on fakes: where a resumed saga continues, and the sweeper that leaves no request stranded.

A failure between a business change and the saga hearing of it is repaired later: the sweeper
delivers answers left pending, resumes executions that ended badly (once), starts executions that
never started, resumes requests whose answer found a dead token, and says what it did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

import pytest

from eservice import clock_source
from eservice.errors import TransientError

from .use_case_fixtures import APPROVER, CITIZEN, HEAD, PROVIDER, REVIEWER, World


@pytest.fixture
def world() -> World:
    return World()


# --- resume points ------------------------------------------------------------------------------------------
def _submitted(world: World) -> str:
    return world.submitted()


def _waiting_for_review(world: World) -> str:
    return world.in_review()


def _waiting_for_payment(world: World) -> str:
    return world.awaiting_payment()


def _review_answered(world: World) -> str:
    request_id = world.in_review()
    world.executions.fail_next = {"succeed": 1}
    world.decide(REVIEWER, request_id, "review", "approve")
    return request_id


def _last_approval_answered(world: World) -> str:
    request_id = world.in_review("food-shop")
    world.decide(REVIEWER, request_id, "review", "approve")
    world.park(request_id, "approval")
    world.decide(APPROVER, request_id, "approval", "approve")
    world.park(request_id, "approval")
    world.decide(HEAD, request_id, "approval", "approve")
    return request_id


def _paid(world: World) -> str:
    request_id = world.awaiting_payment()
    world.desk.receive(world.payment_event(request_id), provider=PROVIDER)
    return request_id


def _more_documents_expired(world: World) -> str:
    request_id = world.in_review()
    world.decide(REVIEWER, request_id, "review", "more_documents", reason="ไม่ชัด", what="สำเนาบัตรที่อ่านออก")
    world.park(request_id, "more_documents")
    world.steps.deadline_due(request_id, "more_documents", world.waiting(request_id)["sequence"])
    return request_id


def _withdrawn(world: World) -> str:
    request_id = world.in_review()
    world.withdraw(request_id)
    return request_id


@pytest.mark.parametrize(
    ("situation", "goto", "decision"),
    [
        pytest.param(_submitted, "StampOfficialTime", None, id="submitted"),
        pytest.param(_waiting_for_review, "AwaitReview", None, id="waiting-for-review"),
        pytest.param(_waiting_for_payment, "AwaitPayment", None, id="waiting-for-payment"),
        pytest.param(_review_answered, "ReviewerDecides", {"decision": "approve"}, id="review-answered"),
        pytest.param(
            _last_approval_answered,
            "ApproverDecides",
            {"decision": "approve", "approval_complete": True},
            id="last-approval-answered",
        ),
        pytest.param(_paid, "Paid", {"decision": "paid"}, id="paid"),
        pytest.param(_more_documents_expired, "ProposeDismissal", None, id="more-documents-expired"),
        pytest.param(_withdrawn, "Withdrawn", None, id="withdrawn"),
    ],
)
def test_given_a_request_when_its_saga_is_resumed_then_it_continues_where_the_stored_state_says(
    world, situation: Callable[[World], str], goto, decision
):
    request_id = situation(world)

    point = world.steps.resume(request_id)

    assert point["goto"] == goto
    if decision is not None:
        assert point["decision"] == decision
    if goto == "ProposeDismissal":
        assert point["cause"]["Error"] == "Deadline.Expired"
    if goto != "StampOfficialTime":
        assert point["stamp"]["receipt_number"] == world.request(request_id)["receipt_number"]


# --- the sweeper: pending answers ------------------------------------------------------------------------------
def test_given_an_undelivered_answer_then_the_sweeper_delivers_it_once_after_its_grace(world):
    request_id = world.in_review()
    token = world.waiting(request_id)["token"]
    world.executions.fail_next = {"succeed": 1}
    world.decide(REVIEWER, request_id, "review", "approve")

    too_soon = world.sweeper.sweep(now=clock_source.now())
    assert too_soon["delivered"] == []
    assert world.answers_to(token) == []

    later = world.sweep_later()
    again = world.sweep_later(minutes=10)

    assert later["delivered"] == [request_id]
    assert again == {"delivered": [], "stale": [], "resumed": [], "started": []}
    assert world.answers_to(token) == [("succeed", token, {"decision": "approve"})]
    assert world.outbox(request_id)["state"] == "delivered"


def test_given_more_undelivered_answers_than_one_page_then_one_sweep_delivers_them_all(world):
    request_ids = [world.in_review() for _ in range(5)]
    world.executions.fail_next = {"succeed": 5}
    for request_id in request_ids:
        world.decide(REVIEWER, request_id, "review", "approve")

    report = world.sweeper.sweep(now=clock_source.now() + world.sweeper.grace * 2, limit=2)

    assert sorted(report["delivered"]) == sorted(request_ids)
    assert [world.outbox(r)["state"] for r in request_ids] == ["delivered"] * 5


# --- the sweeper: executions ------------------------------------------------------------------------------------
def test_given_an_execution_that_failed_then_the_sweeper_resumes_it_once(world):
    request_id = world.in_review()
    world.executions.statuses[request_id] = "FAILED"

    first = world.sweep_later()
    second = world.sweep_later(minutes=10)

    assert first["resumed"] == [request_id]
    assert world.executions.started[f"{request_id}-r1"] == {"request_id": request_id, "resume": True}
    assert second == {"delivered": [], "stale": [], "resumed": [], "started": []}
    assert sorted(world.executions.started) == [request_id, f"{request_id}-r1"]


def test_given_a_resumed_execution_that_fails_again_then_the_sweeper_resumes_it_again(world):
    request_id = world.in_review()
    world.executions.statuses[request_id] = "TIMED_OUT"
    world.sweep_later()
    world.executions.statuses[f"{request_id}-r1"] = "ABORTED"

    report = world.sweep_later(minutes=10)

    assert report["resumed"] == [request_id]
    assert world.executions.started[f"{request_id}-r2"] == {"request_id": request_id, "resume": True}
    assert world.request(request_id)["execution"] == f"{request_id}-r2"


def test_given_more_stopped_executions_than_one_sweep_resumes_then_the_next_sweeps_take_the_rest(world):
    """A restart or an outage stops many executions at once; each sweep resumes at most ``limit`` and the
    next ones go on with those not resumed yet, instead of looking at the same first ones again."""
    request_ids = [world.in_review() for _ in range(5)]
    for request_id in request_ids:
        world.executions.statuses[request_id] = "ABORTED"
    later = clock_source.now() + world.sweeper.grace * 2

    reports = [world.sweeper.sweep(now=later + timedelta(minutes=10 * n), limit=2)["resumed"] for n in range(4)]

    assert [len(r) for r in reports] == [2, 2, 1, 0]
    assert sorted(r for report in reports for r in report) == sorted(request_ids)
    assert all(world.request(r)["execution"] == f"{r}-r1" for r in request_ids)


def test_given_a_submitted_request_whose_execution_never_started_then_the_sweeper_starts_it(world):
    draft_id = world.draft()
    world.executions.fail_next = {"start": 1}
    with contextlib.suppress(TransientError):
        world.submit(draft_id)
    [request] = world.applications.my_requests(CITIZEN).items

    too_soon = world.sweeper.sweep(now=clock_source.now())
    later = world.sweep_later()
    again = world.sweep_later(minutes=10)

    assert too_soon["started"] == []  # its own submit may still be starting it
    assert later["started"] == [request["id"]]
    assert world.executions.started == {request["id"]: {"request_id": request["id"], "resume": False}}
    assert again["started"] == []


def test_given_several_things_to_repair_then_the_sweeper_reports_each_once(world):
    undelivered = world.in_review()
    world.executions.fail_next = {"succeed": 1}
    world.decide(REVIEWER, undelivered, "review", "approve")
    failed = world.in_review()
    world.executions.statuses[failed] = "FAILED"
    draft_id = world.draft()
    world.executions.fail_next = {"start": 1}
    with contextlib.suppress(TransientError):
        world.submit(draft_id)
    never_started = "R-" + draft_id.removeprefix("D-")

    report = world.sweep_later()

    assert report == {"delivered": [undelivered], "stale": [], "resumed": [failed], "started": [never_started]}


# --- dead tokens ---------------------------------------------------------------------------------------------
def test_given_the_execution_ended_before_the_officer_decided_then_the_answer_is_stale_and_the_request_resumes(
    world,
):
    request_id = world.in_review()
    world.executions.dead_tokens.add(world.waiting(request_id)["token"])
    world.executions.statuses[request_id] = "FAILED"

    detail = world.decide(REVIEWER, request_id, "review", "approve")

    assert [(d["step"], d["decision"]) for d in detail["decisions"]] == [("review", "approve")]
    assert world.outbox(request_id)["state"] == "stale"

    report = world.sweep_later()

    assert report["resumed"] == [request_id]
    assert world.executions.started[f"{request_id}-r1"]["resume"] is True
    assert world.steps.resume(request_id)["goto"] == "ReviewerDecides"


def test_given_the_sweeper_finds_a_dead_token_of_an_execution_no_longer_listed_then_it_resumes_the_request(world):
    request_id = world.in_review()
    token = world.waiting(request_id)["token"]
    world.executions.fail_next = {"succeed": 1}
    world.decide(REVIEWER, request_id, "review", "approve")
    world.executions.dead_tokens.add(token)
    del world.executions.statuses[request_id]  # ended long ago: Step Functions no longer lists it

    report = world.sweep_later()

    assert report["stale"] == [request_id]
    assert report["resumed"] == [request_id]
    # The dead answer is taken over by the resumed execution, which starts from the recorded decision.
    assert world.outbox(request_id)["state"] == "resumed"
    assert world.executions.started[f"{request_id}-r1"]["resume"] is True


def test_given_an_answer_found_stale_when_decided_and_its_execution_no_longer_listed_then_the_sweeper_resumes_it(
    world,
):
    request_id = world.in_review()
    world.executions.dead_tokens.add(world.waiting(request_id)["token"])
    del world.executions.statuses[request_id]  # ended long ago: Step Functions no longer lists it
    world.decide(REVIEWER, request_id, "review", "approve")
    assert world.outbox(request_id)["state"] == "stale"

    report = world.sweep_later()

    assert report["resumed"] == [request_id], "the decided request is stranded: no execution will read the decision"
    assert world.executions.started[f"{request_id}-r1"]["resume"] is True
