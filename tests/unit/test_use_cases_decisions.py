"""Officers' decisions and deadlines on fakes (Q4.3, Q5.3, Q5.4, R-3.1, R-3.2, Q4.1 work lists).

A decision, its record, the status change and the saga's answer are kept together; an answer the
saga did not hear is delivered by the officer's retry of the same decision, exactly once; any other
second click is "already decided". A deadline fails its own waiting step once, and nothing else.
"""

from __future__ import annotations

import pytest

from eservice.errors import Conflict, Forbidden, InvalidInput

from .use_case_fixtures import APPROVER, CITIZEN, HEAD, REVIEWER, World


@pytest.fixture
def world() -> World:
    return World()


def _decisions(world: World, request_id: str) -> list[tuple[str, str, str]]:
    return [(d["step"], d["decision"], d["by"]) for d in world.db.requests.records(request_id, "DECISION")]


# --- one decision, kept whole ------------------------------------------------------------------------------
def test_given_a_first_approval_when_approved_then_decision_status_change_record_and_saga_answer_are_all_kept(world):
    request_id = world.in_review("food-shop")
    world.decide(REVIEWER, request_id, "review", "approve")
    token = world.park(request_id, "approval")

    detail = world.decide(APPROVER, request_id, "approval", "approve")

    request = world.request(request_id)
    assert request["decision"]["decision"] == "approve"
    assert request["decision"]["by"] == APPROVER.id
    assert request["approval_index"] == 1
    last = world.db.requests.events(request_id)[-1]
    assert (last["from_status"], last["to_status"]) == ("in_approval", "in_approval")
    assert "Mayor approves" in last["reason"]
    assert _decisions(world, request_id) == [("review", "approve", REVIEWER.id), ("approval", "approve", APPROVER.id)]
    assert [(d["step"], d["decision"]) for d in detail["decisions"]][-1] == ("approval", "approve")
    assert world.outbox(request_id)["state"] == "delivered"
    assert world.answers_to(token) == [("succeed", token, {"decision": "approve", "approval_complete": False})]


def test_given_the_applicant_withdrew_while_the_officer_was_deciding_then_nothing_of_the_decision_is_kept(
    world, monkeypatch
):
    request_id = world.in_review()
    answer = world.db.waiting.answer
    raced: list[bool] = []

    def withdrawal_lands_first(officers_answer):
        if not raced:
            raced.append(True)
            world.withdraw(request_id)
        return answer(officers_answer)

    monkeypatch.setattr(world.db.waiting, "answer", withdrawal_lands_first)

    with pytest.raises(Conflict) as refused:
        world.decide(REVIEWER, request_id, "review", "approve")

    assert refused.value.code == "decision.already_made"
    request = world.request(request_id)
    assert request["decision"]["decision"] == "withdraw"
    assert _decisions(world, request_id) == []
    assert [kind for kind, _, _ in world.executions.answers] == ["fail"]  # only the withdrawal reached the saga


# --- the saga did not hear the answer ------------------------------------------------------------------------
def test_given_the_saga_unreachable_when_the_reviewer_decides_then_the_decision_is_kept_and_its_answer_waits(world):
    request_id = world.in_review()
    token = world.waiting(request_id)["token"]
    world.executions.fail_next = {"succeed": 1}

    detail = world.decide(REVIEWER, request_id, "review", "approve")

    assert [(d["step"], d["decision"]) for d in detail["decisions"]] == [("review", "approve")]
    assert world.waiting(request_id)["state"] == "answered"
    assert world.outbox(request_id)["state"] == "pending"
    assert world.answers_to(token) == []


def test_given_an_undelivered_decision_when_the_officer_clicks_the_same_decision_again_then_the_saga_hears_it_once(
    world,
):
    request_id = world.in_review()
    token = world.waiting(request_id)["token"]
    world.executions.fail_next = {"succeed": 1}
    world.decide(REVIEWER, request_id, "review", "approve")

    detail = world.decide(REVIEWER, request_id, "review", "approve")

    assert world.answers_to(token) == [("succeed", token, {"decision": "approve"})]
    assert world.outbox(request_id)["state"] == "delivered"
    assert [(d["step"], d["decision"]) for d in detail["decisions"]] == [("review", "approve")]


def test_given_an_undelivered_decision_when_the_officer_tries_another_decision_then_it_is_already_made(world):
    request_id = world.in_review()
    world.executions.fail_next = {"succeed": 1}
    world.decide(REVIEWER, request_id, "review", "approve")

    with pytest.raises(Conflict) as refused:
        world.decide(REVIEWER, request_id, "review", "reject", reason="ไม่ครบถ้วน")

    assert refused.value.code == "decision.already_made"
    assert world.request(request_id)["decision"]["decision"] == "approve"
    assert world.outbox(request_id)["state"] == "pending"
    assert world.executions.answers == []


def test_given_a_delivered_decision_when_the_officer_clicks_again_then_it_is_already_made(world):
    request_id = world.in_review()
    token = world.waiting(request_id)["token"]
    world.decide(REVIEWER, request_id, "review", "approve")

    with pytest.raises(Conflict) as refused:
        world.decide(REVIEWER, request_id, "review", "approve")

    assert refused.value.code == "decision.already_made"
    assert len(world.answers_to(token)) == 1


# --- who may decide (Q9.1, Q5.4) ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("approvals_before", "officer", "step"),
    [
        (None, APPROVER, "review"),  # the reviewer's step
        (0, HEAD, "approval"),  # food-shop's first approval is the director's (approver)
        (1, APPROVER, "approval"),  # its second is the mayor's (head)
    ],
    ids=["approver-at-review", "head-at-first-approval", "approver-at-second-approval"],
)
def test_given_an_officer_without_the_steps_role_when_deciding_then_forbidden(world, approvals_before, officer, step):
    request_id = world.in_review("food-shop")
    if approvals_before is not None:
        world.decide(REVIEWER, request_id, "review", "approve")
        world.park(request_id, "approval")
        if approvals_before == 1:
            world.decide(APPROVER, request_id, "approval", "approve")
            world.park(request_id, "approval")

    with pytest.raises(Forbidden) as refused:
        world.decide(officer, request_id, step, "approve")

    assert refused.value.code == "decision.wrong_role"
    assert world.waiting(request_id)["state"] == "waiting"


def test_given_two_approval_steps_when_both_approve_then_the_request_moves_from_director_to_mayor_to_complete(world):
    request_id = world.in_review("food-shop")
    world.decide(REVIEWER, request_id, "review", "approve")
    first = world.park(request_id, "approval")
    assert world.waiting(request_id)["role"] == "approver"

    world.decide(APPROVER, request_id, "approval", "approve")
    second = world.park(request_id, "approval")

    assert world.request(request_id)["approval_index"] == 1
    assert world.waiting(request_id)["role"] == "head"
    assert world.officers.detail(HEAD, request_id)["request"]["waiting"]["role"] == "head"

    world.decide(HEAD, request_id, "approval", "approve")

    assert world.answers_to(first) == [("succeed", first, {"decision": "approve", "approval_complete": False})]
    assert world.answers_to(second) == [("succeed", second, {"decision": "approve", "approval_complete": True})]
    assert [d[1:] for d in _decisions(world, request_id)] == [
        ("approve", REVIEWER.id),
        ("approve", APPROVER.id),
        ("approve", HEAD.id),
    ]


# --- deadlines (R-3.1, R-3.2) -------------------------------------------------------------------------------
def _more_documents_asked(world: World, request_id: str) -> str:
    world.decide(REVIEWER, request_id, "review", "more_documents", reason="สำเนาไม่ชัด", what="สำเนาบัตรประชาชนที่อ่านออก")
    return world.park(request_id, "more_documents")


def test_given_more_documents_asked_when_the_deadline_fires_then_the_wait_fails_with_deadline_expired_once(world):
    request_id = world.in_review()
    token = _more_documents_asked(world, request_id)
    waiting = world.waiting(request_id)
    assert waiting["deadline_at"]

    world.steps.deadline_due(request_id, "more_documents", waiting["sequence"])

    assert world.answers_to(token) == [("fail", token, "Deadline.Expired")]
    assert world.waiting(request_id)["state"] == "expired"


def test_given_an_expired_wait_when_the_deadline_fires_again_then_nothing_more_reaches_the_saga(world):
    request_id = world.in_review()
    token = _more_documents_asked(world, request_id)
    sequence = world.waiting(request_id)["sequence"]
    world.steps.deadline_due(request_id, "more_documents", sequence)

    world.steps.deadline_due(request_id, "more_documents", sequence)

    assert world.answers_to(token) == [("fail", token, "Deadline.Expired")]


def test_given_an_expiry_the_saga_did_not_hear_when_the_deadline_fires_again_then_it_is_delivered_once(world):
    request_id = world.in_review()
    token = _more_documents_asked(world, request_id)
    sequence = world.waiting(request_id)["sequence"]
    world.executions.fail_next = {"fail": 1}
    world.steps.deadline_due(request_id, "more_documents", sequence)
    assert world.answers_to(token) == []

    world.steps.deadline_due(request_id, "more_documents", sequence)
    world.steps.deadline_due(request_id, "more_documents", sequence)

    assert world.answers_to(token) == [("fail", token, "Deadline.Expired")]


def test_given_a_deadline_of_an_earlier_wait_when_it_fires_then_the_current_wait_is_untouched(world):
    request_id = world.in_review()
    _more_documents_asked(world, request_id)
    earlier = world.waiting(request_id)["sequence"]
    world.applications.resubmit(CITIZEN, request_id, note="แนบสำเนาใหม่ตามที่ขอ")
    world.park(request_id, "review")
    token = _more_documents_asked(world, request_id)

    result = world.steps.deadline_due(request_id, "more_documents", earlier)

    assert result["expired"] is False
    assert world.answers_to(token) == []
    assert world.waiting(request_id)["state"] == "waiting"


def test_given_the_officer_answered_first_when_the_deadline_fires_then_it_does_nothing(world):
    request_id = world.in_review()
    world.decide(REVIEWER, request_id, "review", "unreachable", reason="อีเมลตีกลับ โทรไม่ติด")
    token = world.park(request_id, "unreachable")
    sequence = world.waiting(request_id)["sequence"]
    assert world.waiting(request_id)["deadline_at"]  # kept 30 days
    world.decide(REVIEWER, request_id, "unreachable", "contact_restored", reason="ผู้ยื่นโทรกลับมา")

    world.steps.deadline_due(request_id, "unreachable", sequence)

    assert world.answers_to(token) == [("succeed", token, {"decision": "contact_restored", "return_to": "review"})]
    assert world.waiting(request_id)["state"] == "answered"
    assert world.waiting(request_id)["outcome"] == "contact_restored"


# --- work lists (Q4.1) -------------------------------------------------------------------------------------
def test_given_more_requests_than_a_page_then_the_work_list_pages_through_all_without_repeats(world):
    in_review = {world.in_review() for _ in range(5)}
    world.submitted()  # not yet registered: not waiting for anyone

    for kwargs in ({"mine": True}, {"status": "in_review"}):
        seen: list[str] = []
        cursor = None
        while True:
            page = world.officers.work_list(REVIEWER, limit=2, cursor=cursor, **kwargs)
            assert len(page.items) <= 2
            seen += [r["id"] for r in page.items]
            cursor = page.cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)), kwargs
        assert set(seen) == in_review, kwargs


def test_given_a_made_up_cursor_when_listing_work_then_it_is_refused_as_invalid(world):
    world.in_review()

    with pytest.raises(InvalidInput) as refused:
        world.officers.work_list(REVIEWER, limit=1, cursor="!!not-a-cursor!!")

    assert refused.value.code == "cursor.invalid"


# --- issue 13: the history names who acted -----------------------------------------------------------------
def test_given_a_reviewer_approves_when_the_saga_moves_on_then_the_history_names_the_reviewer_not_the_system(world):
    request_id = world.in_review("food-shop")
    world.decide(REVIEWER, request_id, "review", "approve")

    world.park(request_id, "approval")

    moved = world.db.requests.events(request_id)[-1]
    assert moved["to_status"] == "in_approval"
    assert moved["actor"] == {"kind": "officer", "id": REVIEWER.id, "role": "reviewer"}


def test_given_the_step_is_still_waiting_then_a_change_is_the_systems(world):
    request_id = world.in_review("food-shop")
    world.decide(REVIEWER, request_id, "review", "approve")
    world.park(request_id, "approval")
    world.decide(APPROVER, request_id, "approval", "approve")
    world.park(request_id, "approval")

    world.steps.transition(request_id, "awaiting_signature")

    moved = world.db.requests.events(request_id)[-1]
    assert moved["to_status"] == "awaiting_signature"
    assert moved["actor"]["kind"] == "system"  # the head's step is waiting: nobody has answered it yet
