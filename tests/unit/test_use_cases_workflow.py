"""Workflow rules on fakes: unreachable from a waiting step (R-3.2), deemed time of every contact
(R-2.4), delivery on command (Q8.1), paper copies (R-4.7) and the officer-applicant thread.

Given/When/Then, each test one rule, looked at as the people involved would see it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eservice import clock_source
from eservice.applications import MAX_UPLOADS, dismissal_grounds
from eservice.errors import Conflict, InvalidInput
from eservice.saga_steps import UNREACHABLE_ERROR

from .use_case_fixtures import CITIZEN, HEAD, PNG, REVIEWER, TENANT, World


@pytest.fixture
def world() -> World:
    return World()


def _asked_for_documents(world: World, **kw) -> tuple[str, str]:
    request_id = world.in_review()
    world.decide(
        REVIEWER,
        request_id,
        "review",
        "more_documents",
        reason=kw.pop("reason", "ภาพถ่ายไม่ชัด มองไม่เห็นความเสียหาย"),
        what=kw.pop("what", "ภาพถ่ายความเสียหายที่ชัดเจน"),
        **kw,
    )
    return request_id, world.park(request_id, "more_documents")


def _later(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(clock_source, "now", lambda: moment)


# --- unreachable from a waiting step ----------------------------------------------------------------
def test_given_more_documents_asked_when_the_notice_bounces_then_the_hold_replaces_the_deadline(world):
    request_id, token = _asked_for_documents(world)

    held = world.steps.contact_failed(request_id, channel="email", kind="bounce", template="more_documents")

    assert held == {"held": True, "from_step": "more_documents"}
    assert world.answers_to(token) == [("fail", token, UNREACHABLE_ERROR)]
    world.park(request_id, "unreachable")
    request = world.request(request_id)
    assert request["status"] == "unreachable"
    hold_ends = datetime.fromisoformat(request["waiting"]["deadline_at"])
    assert hold_ends - clock_source.now() >= timedelta(days=30)
    assert "30" in world.db.requests.events(request_id)[-1]["reason"]


def test_given_a_request_in_review_when_a_notice_bounces_then_it_is_not_held(world):
    request_id = world.in_review()

    held = world.steps.contact_failed(request_id, channel="email", kind="bounce", template="acknowledgment")

    assert held["held"] is False
    assert world.request(request_id)["waiting"]["state"] == "waiting"


def test_given_the_hold_when_the_officer_proposes_dismissal_early_then_it_is_refused(world):
    request_id, _ = _asked_for_documents(world)
    world.steps.contact_failed(request_id, channel="email", kind="bounce", template="more_documents")
    world.park(request_id, "unreachable")

    with pytest.raises(Conflict) as refused:
        world.decide(REVIEWER, request_id, "unreachable", "propose_dismissal", reason="ติดต่อไม่ได้")

    assert refused.value.code == "dismissal.hold_not_over"
    assert world.request(request_id)["status"] == "unreachable"


def test_given_the_hold_over_when_the_officer_proposes_then_the_proposal_is_the_officers(world, monkeypatch):
    request_id, _ = _asked_for_documents(world)
    world.steps.contact_failed(request_id, channel="email", kind="bounce", template="more_documents")
    token = world.park(request_id, "unreachable")
    hold_ends = datetime.fromisoformat(world.waiting(request_id)["deadline_at"])
    _later(monkeypatch, hold_ends + timedelta(minutes=1))

    world.decide(REVIEWER, request_id, "unreachable", "propose_dismissal", reason="ไม่มีผู้ติดต่อกลับภายใน 30 วัน")

    last = world.db.requests.events(request_id)[-1]
    assert (last["from_status"], last["to_status"]) == ("unreachable", "dismissal_proposed")
    assert last["actor"]["kind"] == "officer" and last["reason"] == "ไม่มีผู้ติดต่อกลับภายใน 30 วัน"
    assert world.answers_to(token)[0][2] == {"decision": "propose_dismissal"}


def test_given_contact_restored_during_a_hold_then_the_applicant_goes_back_to_the_step_with_a_new_period(world):
    request_id, _ = _asked_for_documents(world)
    world.steps.contact_failed(request_id, channel="email", kind="bounce", template="more_documents")
    token = world.park(request_id, "unreachable")

    world.decide(REVIEWER, request_id, "unreachable", "contact_restored", reason="ผู้ยื่นโทรมาแจ้งอีเมลใหม่")

    assert world.answers_to(token)[0][2] == {"decision": "contact_restored", "return_to": "more_documents"}
    world.park(request_id, "more_documents")
    assert world.request(request_id)["status"] == "more_documents_requested"
    assert datetime.fromisoformat(world.waiting(request_id)["deadline_at"]) > clock_source.now()


def test_given_a_dismissal_after_a_hold_then_the_grounds_say_unreachable_not_a_deadline(world, monkeypatch):
    request_id, _ = _asked_for_documents(world)
    world.steps.contact_failed(request_id, channel="email", kind="bounce", template="more_documents")
    world.park(request_id, "unreachable")
    _later(monkeypatch, datetime.fromisoformat(world.waiting(request_id)["deadline_at"]) + timedelta(minutes=1))
    world.decide(REVIEWER, request_id, "unreachable", "propose_dismissal", reason="ติดต่อไม่ได้ 30 วัน")
    world.park(request_id, "dismissal")
    world.decide(HEAD, request_id, "dismissal", "dismiss", reason="อนุมัติให้จำหน่ายเรื่อง")
    world.steps.transition(request_id, "dismissed")

    detail = world.applications.request_detail(CITIZEN, request_id)

    assert detail["dismissal"]["cause"] == "unreachable"
    assert "ติดต่อท่านไม่ได้" in detail["dismissal"]["explanation"]["th"]
    assert "15 วัน" in detail["dismissal"]["appeal"]["th"] and "appeal" in detail["dismissal"]["appeal"]["en"]
    assert detail["dismissal"]["order_reason"] == "อนุมัติให้จำหน่ายเรื่อง"


def test_given_a_documents_deadline_dismissal_then_the_grounds_name_the_deadline():
    events = [
        {"to_status": "more_documents_requested", "from_status": "in_review"},
        {"to_status": "dismissal_proposed", "from_status": "more_documents_requested", "reason": "พ้นกำหนด"},
        {"to_status": "dismissed", "from_status": "dismissal_proposed", "reason": "จำหน่าย", "at": "x"},
    ]

    grounds = dismissal_grounds(events, TENANT)

    assert grounds["cause"] == "documents_deadline"


# --- the thread, the reason, the note and the slots ----------------------------------------------------------
def test_given_more_documents_then_the_reason_the_slots_and_the_note_make_the_round_trip_in_order(world):
    request_id, _ = _asked_for_documents(world, documents=["damage_photos"])
    asked = world.applications.request_detail(CITIZEN, request_id)
    assert asked["more_documents"]["reason"] == "ภาพถ่ายไม่ชัด มองไม่เห็นความเสียหาย"
    assert asked["more_documents"]["documents"] == ["damage_photos"]
    with pytest.raises(InvalidInput) as refused:
        world.applications.start_supplement_upload(CITIZEN, request_id, document_id="id_card", file_name="id.pdf")
    assert refused.value.code == "attachment.slot_not_requested"
    offer = world.applications.start_supplement_upload(
        CITIZEN, request_id, document_id="damage_photos", file_name="clear.png"
    )
    world.uploads.put(offer["attachment"]["quarantine_key"], PNG)
    world.applications.check_supplement(CITIZEN, request_id, offer["attachment"]["id"])

    world.applications.resubmit(CITIZEN, request_id, note="แนบภาพที่ถ่ายใหม่แล้วค่ะ")

    officer_view = world.officers.detail(REVIEWER, request_id)
    assert officer_view["resubmission_note"] == "แนบภาพที่ถ่ายใหม่แล้วค่ะ"
    thread = officer_view["thread"]
    kinds = [(m["kind"], m["by"]["kind"]) for m in thread]
    assert kinds == [("more_documents", "officer"), ("supplement", "applicant")]
    assert thread[1]["text"] == "แนบภาพที่ถ่ายใหม่แล้วค่ะ" and thread[1]["deemed_received_at"]
    applicant_view = world.applications.request_detail(CITIZEN, request_id)["thread"]
    assert [m["text"] for m in applicant_view] == ["ภาพถ่ายไม่ชัด มองไม่เห็นความเสียหาย", "แนบภาพที่ถ่ายใหม่แล้วค่ะ"]
    assert "id" not in applicant_view[0]["by"]  # officers appear by role, not by account


def test_given_an_unknown_slot_when_asking_for_documents_then_it_is_refused(world):
    request_id = world.in_review()

    with pytest.raises(InvalidInput) as refused:
        world.decide(REVIEWER, request_id, "review", "more_documents", reason="r", what="w", documents=["passport"])

    assert refused.value.code == "decision.unknown_slot"


# --- deemed time of every contact -----------------------------------------------------------------------
def test_given_a_supplement_sent_on_a_sunday_night_then_it_is_deemed_received_next_working_morning(world, monkeypatch):
    request_id, _ = _asked_for_documents(world)
    sunday_night = datetime(2027, 1, 24, 14, 33, tzinfo=UTC)  # 21:33 in Bangkok, a Sunday
    _later(monkeypatch, sunday_night)

    world.applications.resubmit(CITIZEN, request_id, note="ส่งคำชี้แจงแทนเอกสาร")
    world.park(request_id, "review")

    back = world.db.requests.events(request_id)[-1]
    assert back["to_status"] == "in_review" and back["actor"]["kind"] == "applicant"
    assert back["data"]["deemed_received_at"].startswith("2027-01-25T08:30")
    history = world.applications.request_detail(CITIZEN, request_id)["history"]
    assert history[-1]["deemed_received_at"].startswith("2027-01-25T08:30")


def test_given_a_message_and_a_withdrawal_then_each_has_a_deemed_time(world):
    request_id = world.in_review()

    detail = world.applications.send_message(CITIZEN, request_id, "ขอสอบถามความคืบหน้า")
    world.withdraw(request_id)
    world.steps.transition(request_id, "withdrawn")

    assert detail["thread"][-1]["deemed_received_at"]
    assert world.db.requests.events(request_id)[-1]["data"]["deemed_received_at"]


# --- Q8.1: delivery on the officer's command -------------------------------------------------------------------
RESIDENCE_ANSWERS = {
    "applicant_name": "สมศรี มีสุข",
    "national_id": "1101700203450",
    "phone": "0812345678",
    "home_address": "7 หมู่ 2 ตำบลคลองน้อย",
}


def test_given_a_service_delivered_on_command_then_the_saga_waits_and_the_reviewer_sends_it(world):
    draft = world.applications.create_draft(CITIZEN, "residence-certificate", answers=RESIDENCE_ANSWERS)
    for slot in ("id_card", "house_registration"):
        world.upload(CITIZEN, draft["id"], slot, f"{slot}.png", PNG)
    on_command = world.submit(draft["id"])["id"]
    automatic = world.submitted("fire-certificate")

    assert world.steps.stamp(on_command)["deliver_on_command"] is True
    assert world.steps.stamp(automatic)["deliver_on_command"] is False
    world.db.requests.set_fields(on_command, {"status": "issued"})
    token = world.park(on_command, "deliver")
    waiting = world.officers.detail(REVIEWER, on_command)["request"]["waiting"]
    assert (waiting["role"], waiting["decisions"]) == ("reviewer", ["deliver"])

    world.decide(REVIEWER, on_command, "deliver", "deliver")

    assert world.answers_to(token) == [("succeed", token, {"decision": "deliver"})]


# --- paper copies --------------------------------------------------------------------------------------
def test_given_a_paper_copy_request_then_officers_see_it_and_close_it_and_it_is_kept(world):
    request_id = world.in_review()

    asked = world.applications.request_paper_copy(CITIZEN, request_id, method="pickup", note="รับเองที่สำนักงาน")
    with pytest.raises(Conflict):
        world.applications.request_paper_copy(CITIZEN, request_id, method="post", note=None)
    copy_id = asked["paper_copies"][0]["id"]
    assert asked["paper_copies"][0]["deemed_received_at"]
    assert world.officers.work_list(REVIEWER).items[0]["paper_copy_open"] is True

    closed = world.officers.close_paper_copy(REVIEWER, request_id, copy_id, outcome="handed_over", note=None)

    assert [c["state"] for c in closed["paper_copies"]] == ["handed_over"]
    assert [h["state"] for h in closed["paper_copies"][0]["history"]] == ["open", "handed_over"]
    assert world.officers.work_list(REVIEWER).items[0]["paper_copy_open"] is False
    with pytest.raises(Conflict):
        world.officers.close_paper_copy(REVIEWER, request_id, copy_id, outcome="posted", note=None)
    again = world.applications.request_paper_copy(CITIZEN, request_id, method="post", note=None)
    assert [c["state"] for c in again["paper_copies"]] == ["handed_over", "open"]


# --- issue 13: the SLA badge while the applicant has the request (Q4.5) -----------------------------------
def test_given_more_documents_asked_when_the_due_date_passes_then_the_list_says_waiting_for_the_applicant(
    world, monkeypatch
):
    request_id, _ = _asked_for_documents(world)
    record = world.repos.requests.get(request_id)
    # Long after the service-level due date: the clock is stopped, so the badge is not "overdue".
    _later(monkeypatch, datetime.fromisoformat(record["due_at"]).astimezone(UTC) + timedelta(days=30))

    row = next(r for r in world.officers.work_list(REVIEWER).items if r["id"] == request_id)

    assert row["waiting"]["step"] == "more_documents"
    assert row["sla_state"] == "waiting_for_applicant"


def test_given_a_request_that_started_50_supplement_uploads_then_the_51st_is_refused_and_resubmission_still_works(
    world,
):
    """The request item takes the accepted supplements at resubmission: a bounded number keeps it under DynamoDB's
    400 KB item size, so a client that starts upload after upload can never make the request unsendable."""

    request_id, _ = _asked_for_documents(world, documents=["damage_photos"])
    offers = [
        world.applications.start_supplement_upload(CITIZEN, request_id, document_id="damage_photos", file_name="p.png")
        for _ in range(MAX_UPLOADS)
    ]

    with pytest.raises(Conflict) as refused:
        world.applications.start_supplement_upload(CITIZEN, request_id, document_id="damage_photos", file_name="p.png")

    assert refused.value.code == "attachments.limit_reached"
    assert refused.value.th.startswith("คำขอนี้อัปโหลดไฟล์ครบ 50 ครั้งแล้ว") and "50 uploads" in refused.value.en
    world.uploads.put(offers[-1]["attachment"]["quarantine_key"], PNG)  # one started before the limit still counts
    world.applications.check_supplement(CITIZEN, request_id, offers[-1]["attachment"]["id"])
    world.applications.resubmit(CITIZEN, request_id, note=None)
    assert world.officers.detail(REVIEWER, request_id)["resubmission"]["files"] == 1
