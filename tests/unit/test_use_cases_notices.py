"""Messages to applicants on fakes (R-2.3, R-3.1, Q4.4): each message once per channel.

A retried notice step sends only what did not go out: an applicant never gets the same e-mail twice
because the SMS provider was throttled. A new occasion (a new request version, another key) is a new
message and goes out again.
"""

from __future__ import annotations

import pytest

from eservice.notices import Notifier

from .use_case_fixtures import CITIZEN, REVIEWER, TENANT, World


class Providers:
    """The e-mail and SMS providers: what they were asked to send; the SMS one can be throttled."""

    def __init__(self) -> None:
        self.emails: list[tuple[str, str, str]] = []
        self.sms: list[tuple[str, str]] = []
        self.sms_failures = 0

    def send_email(self, address, message, request_id, documents) -> str:
        self.emails.append((address, message.subject, request_id))
        return f"email-{len(self.emails)}"

    def send_sms(self, phone, text) -> str:
        if self.sms_failures:
            self.sms_failures -= 1
            raise RuntimeError("Throttling: rate exceeded")
        self.sms.append((phone, text))
        return f"sms-{len(self.sms)}"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def providers() -> Providers:
    return Providers()


@pytest.fixture
def notifier(world, providers) -> Notifier:
    return Notifier(
        repos=world.repos,
        tenant=TENANT,
        public_base_url="https://eservice.klongnoy.go.th/",
        send_email=providers.send_email,
        send_sms=providers.send_sms,
    )


def _registered(world: World) -> str:
    request_id = world.submitted()
    world.steps.stamp(request_id)
    return request_id


def test_given_a_registered_request_when_the_acknowledgment_is_sent_twice_then_one_email_and_one_sms(
    world, providers, notifier
):
    request_id = _registered(world)

    first = notifier.send(request_id, "acknowledgment")
    second = notifier.send(request_id, "acknowledgment")

    assert [(r["channel"], r["state"]) for r in first["results"]] == [("email", "sent"), ("sms", "sent")]
    assert [(r["channel"], r["state"]) for r in second["results"]] == [("email", "sent_before"), ("sms", "sent_before")]
    receipt = world.request(request_id)["receipt_number"]
    [(address, subject, about)] = providers.emails
    assert (address, about) == (CITIZEN.email, request_id)
    assert receipt in subject
    [(_, text)] = providers.sms
    assert receipt in text


def test_given_the_sms_throttled_when_the_notice_step_is_retried_then_only_the_sms_goes_out(world, providers, notifier):
    request_id = _registered(world)
    providers.sms_failures = 1
    with pytest.raises(RuntimeError):
        notifier.send(request_id, "acknowledgment")
    assert len(providers.emails) == 1
    assert providers.sms == []

    retried = notifier.send(request_id, "acknowledgment")

    assert [(r["channel"], r["state"]) for r in retried["results"]] == [("email", "sent_before"), ("sms", "sent")]
    assert len(providers.emails) == 1
    assert len(providers.sms) == 1
    states = {m["channel"]: m["state"] for m in world.repos.messages.of_request(request_id)}
    assert states == {"email": "sent", "sms": "sent"}


def test_given_more_documents_asked_a_second_time_then_the_applicant_is_told_again(world, providers, notifier):
    request_id = world.in_review()
    for what in ("สำเนาบัตรประชาชนที่อ่านออก", "ภาพถ่ายความเสียหายด้านหลังบ้าน"):
        world.decide(REVIEWER, request_id, "review", "more_documents", reason="ไม่ครบ", what=what)
        world.park(request_id, "more_documents")
        notifier.send(request_id, "more_documents", extra={"what": what})
        notifier.send(request_id, "more_documents", extra={"what": what})  # the step retried
        world.applications.resubmit(CITIZEN, request_id, note="ส่งเพิ่มแล้ว")
        world.park(request_id, "review")

    assert len(providers.emails) == 2
    assert len(providers.sms) == 2


def test_given_a_message_key_when_sent_with_another_key_then_it_goes_out_again(world, providers, notifier):
    request_id = _registered(world)

    notifier.send(request_id, "slip_rejected", key="S-1", extra={"reason": "ยอดเงินไม่ตรง"})
    notifier.send(request_id, "slip_rejected", key="S-1", extra={"reason": "ยอดเงินไม่ตรง"})
    notifier.send(request_id, "slip_rejected", key="S-2", extra={"reason": "ภาพไม่ชัด"})

    assert len(providers.emails) == 2
    assert len(providers.sms) == 2
