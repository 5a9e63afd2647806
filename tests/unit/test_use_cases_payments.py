"""Fees on fakes (R-3.5, Q6.1-Q6.8): provider webhooks, held payments, mismatches, slips, reconciliation.

No payment is lost or counted twice: a repeated message changes nothing, a failed settlement is
applied by the provider's retry exactly once, money that comes early waits for the payment step,
money that does not fit is kept for finance, and a slip's verification is all-or-nothing.
"""

from __future__ import annotations

from datetime import date

import pytest

from eservice import clock_source
from eservice.errors import Conflict
from eservice.time_rules import BANGKOK

from .use_case_fixtures import CITIZEN, FINANCE, FOOD_SHOP_FEE_SATANG, OTHER_CITIZEN, PROVIDER, World


@pytest.fixture
def world() -> World:
    return World()


def _day() -> date:
    return clock_source.now().astimezone(BANGKOK).date()


def _paid_answers(world: World) -> list[tuple[str, str, object]]:
    """Every "paid" the saga heard (task tokens are unique, so this counts for the whole world)."""
    return [a for a in world.executions.answers if a[0] == "succeed" and a[2] == {"decision": "paid"}]


# --- provider webhooks (Q6.3) ------------------------------------------------------------------------------
def test_given_a_webhook_delivered_twice_then_the_second_is_a_duplicate_and_the_money_counts_once(world):
    request_id = world.awaiting_payment()
    event = world.payment_event(request_id)

    first = world.desk.receive(event, provider=PROVIDER)
    second = world.desk.receive(event, provider=PROVIDER)

    assert first == {"recorded": True, "settled": request_id}
    assert second["duplicate"] is True
    assert len(_paid_answers(world)) == 1
    assert world.desk.reconciliation(_day())["totals_satang"] == {"thai_qr": FOOD_SHOP_FEE_SATANG}


def test_given_the_settlement_fails_when_the_provider_retries_then_the_payment_is_applied_exactly_once(
    world, monkeypatch
):
    request_id = world.awaiting_payment()
    event = world.payment_event(request_id)
    settle = world.db.payments.settle
    failures = [RuntimeError("the database is busy")]

    def settle_failing_once(*args, **kwargs):
        if failures:
            raise failures.pop()
        return settle(*args, **kwargs)

    monkeypatch.setattr(world.db.payments, "settle", settle_failing_once)
    with pytest.raises(RuntimeError):
        world.desk.receive(event, provider=PROVIDER)
    assert not world.request(request_id).get("paid")

    retried = world.desk.receive(event, provider=PROVIDER)
    again = world.desk.receive(event, provider=PROVIDER)

    assert retried == {"recorded": True, "settled": request_id}
    assert again["duplicate"] is True
    assert world.request(request_id)["paid"]["transaction_id"] == event.transaction_id
    assert len(_paid_answers(world)) == 1
    assert world.desk.reconciliation(_day())["totals_satang"] == {"thai_qr": FOOD_SHOP_FEE_SATANG}


def test_given_a_pending_payment_when_it_succeeds_then_the_request_and_the_days_totals_show_it(world):
    request_id = world.awaiting_payment()
    pending = world.payment_event(request_id, type="payment.pending", transaction_id="TXN-QR-1")
    world.desk.receive(pending, provider=PROVIDER)
    assert [p["status"] for p in world.desk.payments_of(request_id)] == ["pending"]
    assert world.desk.reconciliation(_day())["total_satang"] == 0
    assert not world.request(request_id).get("paid")

    succeeded = world.payment_event(request_id, type="payment.succeeded", transaction_id="TXN-QR-1")
    world.desk.receive(succeeded, provider=PROVIDER)

    assert [p["status"] for p in world.desk.payments_of(request_id)] == ["succeeded"]
    report = world.desk.reconciliation(_day())
    assert [(p["transaction_id"], p["status"]) for p in report["payments"]] == [("TXN-QR-1", "succeeded")]
    assert report["totals_satang"] == {"thai_qr": FOOD_SHOP_FEE_SATANG}
    assert world.request(request_id)["paid"]["amount_satang"] == FOOD_SHOP_FEE_SATANG
    assert len(_paid_answers(world)) == 1

    late_pending = world.payment_event(request_id, type="payment.pending", transaction_id="TXN-QR-1")
    world.desk.receive(late_pending, provider=PROVIDER)
    assert [p["status"] for p in world.desk.payments_of(request_id)] == ["succeeded"]  # never backwards


def test_given_a_payment_before_the_payment_wait_then_it_is_held_and_applied_once_when_the_wait_starts(world):
    request_id = world.invoiced()  # approved, QR shown; the saga has not reached the payment step
    event = world.payment_event(request_id)

    early = world.desk.receive(event, provider=PROVIDER)

    assert early == {"recorded": True, "held": True}
    assert not world.request(request_id).get("paid")
    assert _paid_answers(world) == []

    token = world.park(request_id, "payment")
    world.steps.await_step(request_id, "payment", token)  # the saga retries its task: nothing twice

    assert world.request(request_id)["paid"]["transaction_id"] == event.transaction_id
    assert world.answers_to(token) == [("succeed", token, {"decision": "paid"})]
    assert world.waiting(request_id)["state"] == "answered"


# --- money that does not fit (kept for finance, never applied) ----------------------------------------------
def _withdrawn_while_awaiting_payment(world: World) -> str:
    request_id = world.awaiting_payment()
    world.withdraw(request_id)
    world.steps.transition(request_id, "withdrawn")
    return request_id


@pytest.mark.parametrize(
    ("situation", "expected"),
    [("wrong_amount", "wrong_amount"), ("unknown_reference", "unknown_reference"), ("after_close", "not_awaited")],
)
def test_given_money_that_does_not_fit_then_it_is_kept_as_a_mismatch_and_the_saga_hears_nothing(
    world, situation, expected
):
    if situation == "after_close":
        request_id = _withdrawn_while_awaiting_payment(world)
        event = world.payment_event(request_id)
    else:
        request_id = world.awaiting_payment()
        event = (
            world.payment_event(request_id, amount_satang=FOOD_SHOP_FEE_SATANG - 100)
            if situation == "wrong_amount"
            else world.payment_event(request_id, ref1="R0000000000")
        )
    answers_before = list(world.executions.answers)

    result = world.desk.receive(event, provider=PROVIDER)

    assert result == {"recorded": True, "mismatch": expected}
    assert not world.request(request_id).get("paid")
    assert world.executions.answers == answers_before
    report = world.desk.reconciliation(_day())
    assert [(m["transaction_id"], m["mismatch"]) for m in report["mismatches"]] == [(event.transaction_id, expected)]


# --- slips (Q6.4, Q6.6) ------------------------------------------------------------------------------------
def _slip(world: World, request_id: str, reference: str, applicant=CITIZEN) -> dict:
    return world.desk.submit_slip(
        request_id,
        applicant_id=applicant.id,
        attachment={"id": "F-SLIP", "key": f"clean/{request_id}/slips/F-SLIP"},
        transaction_reference=reference,
        paid_on=_day(),
        amount_satang=FOOD_SHOP_FEE_SATANG,
    )


def _decide_slip(world: World, request_id: str, slip_id: str, decision: str, reason: str | None = None) -> dict:
    return world.desk.decide_slip(
        request_id, slip_id, decision=decision, reason=reason, by=FINANCE.id, groups=FINANCE.groups
    )


def test_given_a_slip_when_finance_verifies_it_then_slip_payment_and_saga_answer_happen_together(world):
    request_id = world.awaiting_payment()
    token = world.waiting(request_id)["token"]
    slip = _slip(world, request_id, "KTB-0001")

    result = _decide_slip(world, request_id, slip["id"], "verify")

    assert result == {"recorded": True, "settled": request_id}
    assert world.db.payments.get_slip(request_id, slip["id"])["state"] == "verified"
    assert [(p["transaction_id"], p["channel"], p["status"]) for p in world.desk.payments_of(request_id)] == [
        ("KTB-0001", "slip_upload", "succeeded")
    ]
    assert world.request(request_id)["paid"]["transaction_id"] == "KTB-0001"
    assert world.answers_to(token) == [("succeed", token, {"decision": "paid"})]
    assert world.desk.pending_slips().items == []


def test_given_the_payment_wait_ended_while_finance_verified_then_nothing_of_the_verification_is_kept(
    world, monkeypatch
):
    request_id = world.awaiting_payment()
    sequence = world.waiting(request_id)["sequence"]
    slip = _slip(world, request_id, "KTB-0002")
    verify = world.db.payments.verify_slip

    def deadline_lands_first(*args, **kwargs):
        world.steps.deadline_due(request_id, "payment", sequence)
        return verify(*args, **kwargs)

    monkeypatch.setattr(world.db.payments, "verify_slip", deadline_lands_first)

    with pytest.raises(Conflict):
        _decide_slip(world, request_id, slip["id"], "verify")

    assert world.db.payments.get_slip(request_id, slip["id"])["state"] == "pending"
    assert world.desk.payments_of(request_id) == []
    assert not world.request(request_id).get("paid")
    assert _paid_answers(world) == []


def test_given_a_slip_whose_reference_paid_another_request_then_it_is_refused_stays_pending_and_can_be_rejected(
    world,
):
    paid_request = world.awaiting_payment()
    _decide_slip(world, paid_request, _slip(world, paid_request, "KTB-7777")["id"], "verify")
    request_id = world.awaiting_payment(applicant=OTHER_CITIZEN)
    slip = _slip(world, request_id, "KTB-7777", applicant=OTHER_CITIZEN)

    with pytest.raises(Conflict) as refused:
        _decide_slip(world, request_id, slip["id"], "verify")

    assert refused.value.code == "slip.duplicate_reference"
    assert [s["id"] for s in world.desk.pending_slips().items] == [slip["id"]]
    assert world.desk.payments_of(request_id) == []

    rejected = _decide_slip(world, request_id, slip["id"], "reject", reason="เลขที่รายการซ้ำกับการชำระของคำขออื่น")

    assert rejected == {"slip": slip["id"], "state": "rejected"}
    assert world.desk.pending_slips().items == []
    assert world.request(request_id)["status"] == "awaiting_payment"
    assert world.waiting(request_id)["step"] == "payment"
    assert world.waiting(request_id)["state"] == "waiting"
    assert not world.request(request_id).get("paid")
