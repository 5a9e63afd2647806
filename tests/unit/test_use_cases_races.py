"""Races and retries found in review of the failure model, proved on the fakes (issue 9).

Each test sets up the interleaving that used to strand a request or ask for money twice.
"""

from __future__ import annotations

from eservice.officers import Officer

from .use_case_fixtures import APPROVER, EVERY_UNIT, HEAD, PROVIDER, REVIEWER, TENANT, World

SIGNER = Officer(id="signer-1", email=None, groups=frozenset({"signer"}) | EVERY_UNIT)


def test_given_a_paid_request_sent_back_by_the_signer_when_it_waits_for_payment_again_then_it_moves_on_at_once():
    world = World()
    request_id = world.awaiting_payment()
    assert world.desk.receive(world.payment_event(request_id), provider=PROVIDER)["settled"] == request_id
    world.steps.transition(request_id, "paid")
    world.repos.requests.set_document(request_id, "licence_draft", {"key": "k", "file_name": "f", "sha256": "ab"})
    world.park(request_id, "signature")
    world.decide(SIGNER, request_id, "signature", "send_back", reason="แก้ชื่อร้าน")
    world.park(request_id, "review")
    world.decide(REVIEWER, request_id, "review", "approve")
    for approver in (APPROVER, HEAD)[: len(TENANT.service("food-shop").approval_steps)]:
        world.park(request_id, "approval")
        world.decide(approver, request_id, "approval", "approve")

    world.desk.open_payment(request_id)
    token = world.park(request_id, "payment")

    assert world.waiting(request_id)["state"] == "answered"
    assert ("succeed", token, {"decision": "paid"}) in world.executions.answers
    assert len(world.db.payments.of_request(request_id)) == 1  # nothing asked, nothing paid twice


def test_given_the_wait_begins_between_a_webhook_reading_the_request_and_recording_the_payment_then_it_is_applied():
    world = World()
    request_id = world.invoiced()
    event = world.payment_event(request_id)
    record = world.db.payments.record

    def recorded_after_the_saga_parked(payment, *, day):
        world.park(request_id, "payment")  # the wait begins (and finds nothing held) in between
        return record(payment, day=day)

    world.db.payments.record = recorded_after_the_saga_parked  # type: ignore[method-assign]

    result = world.desk.receive(event, provider=PROVIDER)

    assert result == {"recorded": True, "settled": request_id}
    assert world.request(request_id)["paid"]["transaction_id"] == event.transaction_id


def test_given_a_decision_while_a_failed_await_was_being_retried_then_the_retry_hands_the_decision_on():
    world = World()
    request_id = world.in_review()
    old_token = world.waiting(request_id)["token"]
    world.decide(REVIEWER, request_id, "review", "more_documents", reason="ขาดเอกสาร", what="แผนที่")
    world.executions.dead_tokens.add(old_token)  # that attempt of the task failed after parking

    world.steps.await_step(request_id, "review", "token-retry")

    waiting = world.waiting(request_id)
    assert waiting["state"] == "answered" and waiting["token"] == old_token
    assert world.executions.answers[-1][:2] == ("succeed", "token-retry")
    assert world.executions.answers[-1][2]["decision"] == "more_documents"


def test_given_an_answer_delivered_whose_mark_failed_when_delivered_again_then_it_is_not_called_stale():
    world = World()
    request_id = world.in_review()
    world.decide(REVIEWER, request_id, "review", "approve")
    sequence = int(world.waiting(request_id)["sequence"])
    world.db.waiting.mark_outbox(request_id, sequence, "delivered")

    world.db.waiting.mark_outbox(request_id, sequence, "stale")  # a late second delivery found the token used

    assert world.outbox(request_id)["state"] == "delivered"
    assert world.sweep_later()["resumed"] == []
