"""Messages to applicants on fakes (R-2.3, R-3.1, Q4.4): each message once per channel.

A retried notice step sends only what did not go out: an applicant never gets the same e-mail twice
because the SMS provider was throttled. A new occasion (a new request version, another key) is a new
message and goes out again.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from eservice import clock_source
from eservice.channels import UNKNOWN_CODE_TEXT, ContactChannels
from eservice.errors import InvalidInput
from eservice.line import LineApiError, WebhookEvent, parse_webhook, signature_of, verify_signature
from eservice.messages import TEMPLATES, compose
from eservice.notices import DeliveryRefused, LineMessage, Notifier, notice_kind
from eservice.saga_steps import SagaSteps

from .use_case_fixtures import CITIZEN, OTHER_CITIZEN, REVIEWER, TENANT, World


class Providers:
    """The e-mail and SMS providers: what they were asked to send; the SMS one can be throttled."""

    def __init__(self) -> None:
        self.emails: list[tuple[str, str, str]] = []
        self.sms: list[tuple[str, str]] = []
        self.sms_failures = 0
        self.kinds: list[list[str]] = []

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


# --- channels, delivery state, sealed notices, every status (Q4.4, Q5.5, R-4.3-R-4.6) -------------------------
LINE_USER = "U" + "a1" * 16


class Line:
    """The LINE Messaging API: what it accepted (by retry key, as LINE does); it can fail or refuse."""

    def __init__(self) -> None:
        self.accepted: dict[str, LineMessage] = {}
        self.pushes: list[LineMessage] = []
        self.failures = 0
        self.refuse = False

    def push(self, message: LineMessage) -> str:
        if self.refuse:
            raise DeliveryRefused("line_400")
        if self.failures:
            self.failures -= 1
            raise LineApiError(500, "Internal Server Error")
        if message.retry_key not in self.accepted:
            self.accepted[message.retry_key] = message
            self.pushes.append(message)
        return f"line-{len(self.pushes)}"


@pytest.fixture
def line() -> Line:
    return Line()


@pytest.fixture
def notices(world) -> list[tuple[str, str, str]]:
    return []


@pytest.fixture
def full_notifier(world, providers, line, notices) -> Notifier:
    def notice_document(request_id, template, message_key, extra) -> str:
        notices.append((request_id, template, message_key))
        return notice_kind(template, message_key)

    def send_email(address, message, request_id, kinds) -> str:
        providers.kinds.append(list(kinds))
        return providers.send_email(address, message, request_id, kinds)

    return Notifier(
        repos=world.repos,
        tenant=TENANT,
        public_base_url="https://eservice.klongnoy.go.th/",
        send_email=send_email,
        send_sms=providers.send_sms,
        send_line=line.push,
        notice_document=notice_document,
        sleep=lambda _: None,
    )


def _link_line(world: World) -> None:
    desk = ContactChannels(repos=world.repos, tenant=TENANT)
    code = desk.link_code(CITIZEN)["code"]
    replies: list[tuple[str, str]] = []
    linked = desk.on_line_events(
        [WebhookEvent(kind="message", user_id=LINE_USER, text=f"รหัส {code.lower()}")],
        lambda u, t: replies.append((u, t)),
    )
    assert linked == {"linked": 1, "unlinked": 0}
    assert replies and replies[0][0] == LINE_USER and "เชื่อมต่อบัญชี LINE" in replies[0][1]


def test_given_a_used_link_code_then_the_same_account_gets_the_same_answer_and_another_account_is_refused(
    world: World,
) -> None:
    _link_line(world)  # the code is used by LINE_USER
    code = next(iter(world.db.state.link_codes))
    desk = ContactChannels(repos=world.repos, tenant=TENANT)
    replies: list[tuple[str, str]] = []

    again = desk.on_line_events([WebhookEvent(kind="message", user_id=LINE_USER, text=code)], lambda *r: None)
    other = desk.on_line_events(
        [WebhookEvent(kind="message", user_id="U-other", text=code)], lambda u, t: replies.append((u, t))
    )

    assert again == {"linked": 1, "unlinked": 0}  # LINE redelivered the event: still the one link
    assert other == {"linked": 0, "unlinked": 0} and replies[0][0] == "U-other"
    assert world.repos.channels.applicant_of_line_user("U-other") is None
    assert world.repos.channels.get(CITIZEN.id)["line_user_id"] == LINE_USER


def test_given_a_linked_line_account_when_a_message_goes_out_then_it_goes_on_every_channel_once(
    world, providers, line, full_notifier
):
    _link_line(world)
    request_id = _registered(world)

    first = full_notifier.send(request_id, "acknowledgment")
    again = full_notifier.send(request_id, "acknowledgment")

    assert [(r["channel"], r["state"]) for r in first["results"]] == [
        ("email", "sent"),
        ("sms", "sent"),
        ("line", "sent"),
    ]
    assert {r["state"] for r in again["results"]} == {"sent_before"}
    [push] = line.pushes
    receipt = world.request(request_id)["receipt_number"]
    assert push.to == LINE_USER and receipt in push.text
    # Thai first, English below, and the tracking link.
    assert push.text.index("รับคำขอแล้ว") < push.text.index("request received") < push.text.index(request_id)


def test_given_line_failing_once_when_the_message_goes_out_then_it_is_pushed_once_and_the_failure_is_kept(
    world, line, full_notifier
):
    _link_line(world)
    request_id = _registered(world)
    line.failures = 1

    result = full_notifier.send(request_id, "acknowledgment")

    assert ("line", "sent") in [(r["channel"], r["state"]) for r in result["results"]]
    assert len(line.pushes) == 1
    [row] = [m for m in world.repos.messages.of_request(request_id) if m["channel"] == "line"]
    assert row["state"] == "sent"
    assert [f["error"] for f in row["failures"]] == ["LineApiError 500"]


def test_given_line_down_for_every_try_then_the_step_fails_and_its_retry_sends_only_line(
    world, providers, line, full_notifier
):
    _link_line(world)
    request_id = _registered(world)
    line.failures = 3

    with pytest.raises(LineApiError):
        full_notifier.send(request_id, "acknowledgment")
    states = {m["channel"]: m["state"] for m in world.repos.messages.of_request(request_id)}
    assert states == {"email": "sent", "sms": "sent", "line": "failed"}

    retried = full_notifier.send(request_id, "acknowledgment")

    assert [(r["channel"], r["state"]) for r in retried["results"]] == [
        ("email", "sent_before"),
        ("sms", "sent_before"),
        ("line", "sent"),
    ]
    assert (len(providers.emails), len(providers.sms), len(line.pushes)) == (1, 1, 1)


def test_given_line_refusing_the_account_then_the_refusal_is_recorded_and_never_retried(world, line, full_notifier):
    _link_line(world)
    request_id = _registered(world)
    line.refuse = True

    first = full_notifier.send(request_id, "acknowledgment")
    line.refuse = False
    second = full_notifier.send(request_id, "acknowledgment")

    assert ("line", "failed") in [(r["channel"], r["state"]) for r in first["results"]]
    assert ("line", "sent_before") in [(r["channel"], r["state"]) for r in second["results"]]
    assert line.pushes == []
    [row] = [m for m in world.repos.messages.of_request(request_id) if m["channel"] == "line"]
    assert (row["state"], row["error"], row["retryable"]) == ("failed", "line_400", False)


def test_given_the_applicant_turned_sms_off_then_only_email_and_line_go_out(world, providers, line, full_notifier):
    _link_line(world)
    ContactChannels(repos=world.repos, tenant=TENANT).choose(CITIZEN, sms=False, line=True)
    request_id = _registered(world)

    result = full_notifier.send(request_id, "acknowledgment")

    assert result["channels"] == ["email", "line"]
    assert providers.sms == []


def test_given_no_linked_account_when_line_is_chosen_then_it_is_refused_with_a_stable_code(world):
    with pytest.raises(InvalidInput) as refused:
        ContactChannels(repos=world.repos, tenant=TENANT).choose(CITIZEN, sms=True, line=True)
    assert refused.value.code == "channels.line_not_linked"


def test_given_a_link_code_used_once_or_expired_then_it_links_nothing(world):
    desk = ContactChannels(repos=world.repos, tenant=TENANT)
    code = desk.link_code(CITIZEN)["code"]
    replies: list[str] = []
    message = WebhookEvent(kind="message", user_id=LINE_USER, text=code)
    assert desk.on_line_events([message], lambda u, t: replies.append(t))["linked"] == 1
    other = WebhookEvent(kind="message", user_id="U" + "b2" * 16, text=code)

    assert desk.on_line_events([other], lambda u, t: replies.append(t))["linked"] == 0
    late = "KQ7MNP3R"
    world.repos.channels.add_link_code(
        late, OTHER_CITIZEN.id, expires_at=(clock_source.now() - timedelta(minutes=1)).isoformat()
    )
    expired = desk.on_line_events(
        [WebhookEvent(kind="message", user_id="U" + "c3" * 16, text=late)], lambda u, t: replies.append(t)
    )

    assert expired["linked"] == 0
    assert replies[1:] == [UNKNOWN_CODE_TEXT, UNKNOWN_CODE_TEXT]
    assert desk.of(CITIZEN)["line"]["linked"] is True
    assert desk.of(OTHER_CITIZEN)["line"]["linked"] is False


def test_given_the_applicant_unfollows_the_official_account_then_line_stops(world, line, full_notifier):
    _link_line(world)
    desk = ContactChannels(repos=world.repos, tenant=TENANT)
    desk.on_line_events([WebhookEvent(kind="unfollow", user_id=LINE_USER)], lambda u, t: None)
    request_id = _registered(world)

    result = full_notifier.send(request_id, "acknowledgment")

    assert "line" not in result["channels"]
    assert desk.of(CITIZEN)["line"]["unlinked"]["reason"] == "unfollowed"


def test_given_more_documents_then_the_email_carries_its_own_notice_and_the_acknowledgment_its_document(
    world, providers, notices, full_notifier
):
    request_id = _registered(world)
    full_notifier.send(request_id, "acknowledgment")
    full_notifier.send(request_id, "more_documents", key="w2", extra={"what": "ภาพถ่าย", "deadline_at": None})
    full_notifier.send(request_id, "more_documents", key="w2", extra={"what": "ภาพถ่าย", "deadline_at": None})

    assert notices == [(request_id, "more_documents", "more_documents#w2")]
    assert providers.kinds == [["acknowledgment"], ["notice_more_documents_w2"]]


@pytest.mark.parametrize(
    ("status", "template", "words"),
    [
        ("suspended", "licence_suspended", ("ถูกพักใช้", "suspended")),
        ("in_force", "licence_reinstated", ("กลับมามีผลใช้บังคับ", "in force again")),
        ("revoked", "licence_revoked", ("ถูกเพิกถอน", "revoked")),
        ("expired", "licence_expired", ("สิ้นอายุ", "expired")),
    ],
)
def test_given_a_licence_status_change_then_its_holder_is_told_with_a_sealed_notice(
    world, providers, line, notices, full_notifier, status, template, words
):
    _link_line(world)
    request_id = _registered(world)
    world.db.requests.set_fields(request_id, {"licence_number": "LIC-2569-00001"})

    result = full_notifier.licence_status(
        request_id, status, reason="ไม่ผ่านการตรวจสุขลักษณะ", effective_at="2026-12-01T09:00:00+07:00"
    )
    full_notifier.licence_status(
        request_id, status, reason="ไม่ผ่านการตรวจสุขลักษณะ", effective_at="2026-12-01T09:00:00+07:00"
    )

    assert result["channels"] == ["email", "sms", "line"]
    [(_, subject, _)] = providers.emails
    assert "LIC-2569-00001" in subject and words[0] in subject and words[1] in subject
    assert [n[1] for n in notices] == [template]
    assert words[0] in line.pushes[0].text


def test_given_every_template_then_each_message_is_thai_first_with_english_below(world):
    request_id = _registered(world)
    record = world.request(request_id)
    service = TENANT.service(record["service_id"])
    subjects = set()
    for template in TEMPLATES:
        message = compose(
            template, tenant=TENANT, service=service, request=record, tracking_url="https://x/#/r", extra={}
        )
        thai, english = message.body.split("\n-----\n")
        assert TENANT.name.th in thai and TENANT.name.en in english, template
        assert " / " in message.subject and " / " in message.sms, template
        assert message.line.index(TENANT.name.th) < len(message.line.split("\n")[0]) + 1, template
        subjects.add(message.subject)
    assert len(subjects) == len(TEMPLATES)


def test_given_a_bounce_report_then_the_email_is_failed_and_never_sent_again(world, providers, notifier):
    request_id = _registered(world)
    notifier.send(request_id, "acknowledgment")
    world.repos.messages.set_state("email-1", "bounce")

    again = notifier.send(request_id, "acknowledgment")

    assert ("email", "sent_before") in [(r["channel"], r["state"]) for r in again["results"]]
    [row] = [m for m in world.repos.messages.of_request(request_id) if m["channel"] == "email"]
    assert (row["state"], row["error"]) == ("failed", "bounce")


def test_given_the_saga_through_review_and_two_approval_steps_then_each_step_done_is_told(world):
    told: list[tuple[str, str, dict]] = []
    steps = SagaSteps(
        repos=world.repos,
        tenant=TENANT,
        deadlines=None,
        executions=world.executions,
        notify=lambda request_id, template, extra: told.append((request_id, template, extra)),
    )
    world.steps = steps
    world.approved("food-shop")

    approval = [(e["done_th"], e["next_th"], e["key"]) for _, t, e in told if t == "approval_step"]
    names = [s.name.th for s in TENANT.service("food-shop").approval_steps]
    assert [(done, then) for done, then, _ in approval] == [("การตรวจสอบคำขอ", names[0]), (names[0], names[1])]
    assert len({key for _, _, key in approval}) == 2  # one message per waiting step


def test_given_no_fee_when_the_signature_step_begins_then_approval_is_told_and_a_proposal_too(world):
    told: list[tuple[str, str, dict]] = []
    world.steps = SagaSteps(
        repos=world.repos,
        tenant=TENANT,
        deadlines=None,
        executions=world.executions,
        notify=lambda request_id, template, extra: told.append((request_id, template, extra)),
    )
    request_id = world.approved("fire-certificate")
    world.park(request_id, "signature")
    other = world.in_review("fire-certificate")
    world.decide(REVIEWER, other, "review", "more_documents", reason="ไม่ครบ", what="ภาพถ่าย")
    world.park(other, "more_documents")
    world.steps.propose_dismissal(other, "Deadline.Expired")
    world.steps.propose_dismissal(other, "Deadline.Expired")

    templates = [(r, t) for r, t, _ in told]
    assert (request_id, "approved") in templates
    proposals = [e for r, t, e in told if t == "dismissal_proposed"]
    assert len({e["key"] for e in proposals}) == 1 and "พ้นกำหนดเวลา" in proposals[0]["reason"]


def test_given_a_webhook_body_then_only_a_signature_made_with_the_channel_secret_passes():
    body = b'{"events": []}'
    signature = signature_of("channel-secret", body)

    assert verify_signature("channel-secret", body, signature)
    assert not verify_signature("another-secret", body, signature)
    assert not verify_signature("channel-secret", body + b" ", signature)
    assert not verify_signature("channel-secret", body, None)


def test_given_a_webhook_with_many_kinds_of_events_then_only_user_texts_and_unfollows_are_read():
    body = {
        "events": [
            {
                "type": "message",
                "source": {"type": "user", "userId": LINE_USER},
                "message": {"type": "text", "text": "A"},
            },
            {"type": "message", "source": {"type": "user", "userId": LINE_USER}, "message": {"type": "sticker"}},
            {"type": "message", "source": {"type": "group", "groupId": "C1"}, "message": {"type": "text", "text": "B"}},
            {"type": "unfollow", "source": {"type": "user", "userId": LINE_USER}},
            "not an event",
        ]
    }

    events = parse_webhook(json.dumps(body).encode())

    assert [(e.kind, e.text) for e in events] == [("message", "A"), ("unfollow", "")]
    with pytest.raises(InvalidInput) as refused:
        parse_webhook(b"not json")
    assert refused.value.code == "line.bad_webhook"
