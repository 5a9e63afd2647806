"""The workflow's rules over HTTP (issue 12): unreachable from a waiting step (R-3.2), deemed time of
every contact (R-2.4), delivery on the officer's command (Q8.1), paper copies (R-4.7), and the
messages between officer and applicant (reason, note, thread, requested slots).
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
import requests

from local.stack import REGION

from . import conftest
from .conftest import after_scan, pdf_bytes, png_bytes, prepared_draft, send_file, status_is, submit, upload, waiting_at

pytestmark = pytest.mark.stack

#: These journeys run many saga steps (seals, notices) on a machine shared with other stacks: poll patiently.
PATIENCE = 120


def wait_for(client, request_id, predicate, **kw):
    return conftest.wait_for(client, request_id, predicate, timeout=PATIENCE, **kw)


def wait_for_mail(stack, address, predicate):
    return conftest.wait_for_mail(stack, address, predicate, timeout=PATIENCE)


REASON = "ภาพถ่ายที่แนบมามืดเกินไป มองไม่เห็นความเสียหาย"
WHAT = "ภาพถ่ายความเสียหายที่ชัดเจน"


def _submitted(new_citizen, service_id="fire-certificate"):
    citizen = new_citizen()
    return citizen, submit(citizen, prepared_draft(citizen, service_id))["id"]


def _decide(officer_client, request_id, step, decision, **extra):
    detail = wait_for(officer_client, request_id, waiting_at(step), path=f"/officer/requests/{request_id}")
    assert decision in detail["request"]["waiting"]["decisions"]
    response = officer_client.post(
        f"/officer/requests/{request_id}/decision", json={"step": step, "decision": decision, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _advance(stack, period):
    moved = requests.post(f"{stack.url}/_local/clock", json={"advance": period}, timeout=60)
    assert moved.status_code == 200, moved.text


def _ask_for_photos(new_citizen, officer):
    citizen, request_id = _submitted(new_citizen)
    _decide(
        officer("reviewer"),
        request_id,
        "review",
        "more_documents",
        reason=REASON,
        what=WHAT,
        documents=["damage_photos"],
    )
    return citizen, request_id, wait_for(citizen, request_id, status_is("more_documents_requested"))


def _bounce(stack, request_id, template):
    """What SES → SNS → notify delivers when the applicant's mailbox does not exist."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(stack.resource("Table/Resource"))
    items, kwargs = [], {}
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    sent = [
        i
        for i in items
        if i["PK"].startswith("SESMSG#") and i.get("request_id") == request_id and i.get("template") == template
    ]
    assert sent, f"no {template} e-mail was sent for {request_id}"
    notification = {
        "eventType": "Bounce",
        "mail": {"messageId": sent[0]["PK"].removeprefix("SESMSG#")},
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "gone@example.com"}]},
    }
    stack.invoke(stack.function_name("notify"), {"Records": [{"Sns": {"Message": json.dumps(notification)}}]})


# --- a bounce where the applicant must act -----------------------------------------------------------
def test_given_the_more_documents_notice_bounces_then_hold_officer_proposal_and_the_heads_sealed_order(
    new_citizen, officer, stack, public
):
    citizen, request_id, asked = _ask_for_photos(new_citizen, officer)
    deadline = asked["deadline"]
    wait_for_mail(stack, citizen.login.email, lambda m: "ขอเอกสารเพิ่มเติม" in m["subject"] and REASON in m["body"])

    _bounce(stack, request_id, "more_documents")

    held = wait_for(citizen, request_id, status_is("unreachable"))
    assert held["deadline"] > deadline  # the 30-day hold replaced the step's deadline
    reviewer_view = officer("reviewer").get(f"/officer/requests/{request_id}").json()
    assert reviewer_view["unreachable"]["from_step"] == "more_documents"
    assert reviewer_view["request"]["waiting"]["decisions"] == ["contact_restored", "propose_dismissal"]
    early = officer("reviewer").post(
        f"/officer/requests/{request_id}/decision",
        json={"step": "unreachable", "decision": "propose_dismissal", "reason": "ติดต่อไม่ได้"},
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "dismissal.hold_not_over"

    _advance(stack, "P37D")  # 30 calendar days, ending on a working day (holidays included)
    assert wait_for(citizen, request_id, status_is("unreachable"))["status"] == "unreachable"  # nothing automatic
    _decide(officer("reviewer"), request_id, "unreachable", "propose_dismissal", reason="ไม่มีผู้ติดต่อกลับภายใน 30 วัน")
    proposed = wait_for(citizen, request_id, status_is("dismissal_proposed"))
    assert proposed["history"][-1]["by"] == "officer"
    _decide(officer("head"), request_id, "dismissal", "dismiss", reason="อนุมัติให้จำหน่ายเรื่องตามที่เสนอ")

    final = wait_for(citizen, request_id, lambda r: r["status"] == "dismissed" and "dismissal_order" in r["documents"])
    assert [h["status"] for h in final["history"]][-4:] == [
        "more_documents_requested",
        "unreachable",
        "dismissal_proposed",
        "dismissed",
    ]
    # The true reason, what happens next and how to appeal (not "the deadline passed").
    assert final["dismissal"]["cause"] == "unreachable"
    assert "ติดต่อท่านไม่ได้" in final["dismissal"]["explanation"]["th"]
    assert final["dismissal"]["next"]["th"] and "15 วัน" in final["dismissal"]["appeal"]["th"]
    assert "appeal" in final["dismissal"]["appeal"]["en"]
    link = citizen.get(f"/requests/{request_id}/documents/dismissal_order").json()
    order = requests.get(link["url"], timeout=30).content
    verified = public.session.post(
        public.url("/verify"), data=order, headers={"Content-Type": "application/pdf"}, timeout=120
    ).json()
    assert verified["report"]["summary"] == "valid" and verified["issued_by_us"] is True
    # The proposal's mail (its own sealed notice) also speaks of จำหน่ายเรื่อง: wait for the order's.
    order_name = f"dismissal-order-{request_id}.pdf"
    mail = wait_for_mail(stack, citizen.login.email, lambda m: order_name in m["attachments"])
    assert "จำหน่ายเรื่อง" in mail["subject"] and mail["attachments"] == [order_name]


def _waiting_for_the_heads_approval(new_citizen, officer):
    """A food-shop request approved by the reviewer and the approver: the head's approval sends the fee notice."""
    citizen, request_id = _submitted(new_citizen, "food-shop")
    path = f"/officer/requests/{request_id}"
    _decide(officer("reviewer"), request_id, "review", "approve")
    _decide(officer("approver"), request_id, "approval", "approve")
    wait_for(officer("head"), request_id, lambda d: (d["request"]["waiting"] or {}).get("role") == "head", path=path)
    return citizen, request_id, path


def _notify_fault(stack, **rule):
    created = requests.post(f"{stack.url}/_local/faults", json={"function": "notify", **rule}, timeout=30)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _every_channel_refuses(stack):
    """From now on every e-mail and SMS of the notify function is refused for good: the mailbox refuses
    mail (SES ``MessageRejected``), the phone has opted out (SNS ``OptedOut``)."""
    return [
        _notify_fault(stack, service="ses", operation="SendRawEmail", error="MessageRejected", status=400, times=None),
        _notify_fault(stack, service="sns", operation="Publish", error="OptedOut", status=400, times=None),
    ]


def _heads_approval_held(officer, stack, citizen, request_id):
    """The head approves while the faults are in place; the request is held; the faults are cleared."""
    try:
        _decide(officer("head"), request_id, "approval", "approve")
        held = wait_for(citizen, request_id, status_is("unreachable"))
        rules = {r["id"]: r for r in requests.get(f"{stack.url}/_local/faults", timeout=30).json()["rules"]}
    finally:
        requests.delete(f"{stack.url}/_local/faults", timeout=30)
    return held, rules


def test_given_the_fee_notice_is_refused_for_good_then_the_hold_starts_in_place_of_the_payment_deadline(
    new_citizen, officer, stack
):
    """R-3.2 "at any step": SES and SNS refuse the fee notice outright (no later bounce); no channel reached
    the applicant, who must pay now, so the 30-day hold starts and the officers see why. (One channel that
    delivers is enough to reach the applicant: then nothing is held.)"""
    citizen, request_id, path = _waiting_for_the_heads_approval(new_citizen, officer)
    faults = _every_channel_refuses(stack)  # the head's approval message and the fee notice

    held, rules = _heads_approval_held(officer, stack, citizen, request_id)

    assert all(rules[f]["failed"] >= 1 for f in faults)
    view = officer("reviewer").get(path).json()
    assert view["unreachable"]["from_step"] == "payment"
    assert "email+sms: refused" in view["unreachable"]["reason"]
    assert view["request"]["waiting"]["decisions"] == ["contact_restored", "propose_dismissal"]
    assert held["history"][-1]["status"] == "unreachable"


def test_given_notify_dies_after_every_channel_refused_the_fee_notice_then_its_retry_still_starts_the_hold(
    new_citizen, officer, stack
):
    """The notify function dies after SES and SNS refused the fee notice for good but before the hold is
    written. The saga retries the step; those channels are already claimed, so the retry sends nothing
    again, and it must still read from the message log that no channel reached the applicant (R-3.2)."""
    citizen, request_id, path = _waiting_for_the_heads_approval(new_citizen, officer)
    refusals = _every_channel_refuses(stack)
    # The hold is written in one transaction (the answer and its outbox row); notify writes no other
    # transaction while every channel refuses, so the first one it attempts is the hold's.
    crash = _notify_fault(stack, service="dynamodb", operation="TransactWriteItems", error="crash")

    held, rules = _heads_approval_held(officer, stack, citizen, request_id)

    assert rules[crash]["failed"] == 1  # it died once, at the hold
    assert all(rules[f]["failed"] >= 1 for f in refusals)
    view = officer("reviewer").get(path).json()
    assert view["unreachable"]["from_step"] == "payment"
    assert "email+sms: refused" in view["unreachable"]["reason"]
    assert [h["status"] for h in held["history"]].count("unreachable") == 1


def test_given_a_bounce_during_review_then_the_request_is_only_flagged(new_citizen, officer, stack):
    _, request_id = _submitted(new_citizen)
    wait_for(officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")

    _bounce(stack, request_id, "acknowledgment")

    detail = officer("reviewer").get(f"/officer/requests/{request_id}").json()
    assert [p["kind"] for p in detail["contact_problems"]] == ["bounce"]
    assert detail["request"]["status"] == "in_review" and detail["request"]["waiting"]["step"] == "review"


# --- messages between officer and applicant ------------------------------------------------------------------
def test_given_more_documents_then_reason_slots_note_and_thread_make_the_round_trip_in_order(new_citizen, officer):
    citizen, request_id, asked = _ask_for_photos(new_citizen, officer)
    assert asked["more_documents"]["reason"] == REASON and asked["more_documents"]["what"] == WHAT
    assert asked["more_documents"]["documents"] == ["damage_photos"]

    wrong = citizen.post(f"/requests/{request_id}/attachments", json={"document_id": "id_card", "file_name": "id.pdf"})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "attachment.slot_not_requested"
    start = citizen.post(
        f"/requests/{request_id}/attachments", json={"document_id": "damage_photos", "file_name": "clear.png"}
    )
    assert start.status_code == 201, start.text
    assert send_file(start.json(), png_bytes(), "clear.png").status_code == 204
    checked = after_scan(
        lambda: citizen.post(f"/requests/{request_id}/attachments/{start.json()['attachment']['id']}/check")
    )
    assert checked.status_code == 200, checked.text
    sent = citizen.post(f"/requests/{request_id}/resubmit", json={"note": "ถ่ายภาพใหม่ในที่สว่างแล้วค่ะ"})
    assert sent.status_code == 200, sent.text

    back = wait_for(officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")
    assert back["resubmission_note"] == "ถ่ายภาพใหม่ในที่สว่างแล้วค่ะ"
    thanks = "ได้รับภาพแล้ว ขอบคุณครับ"
    answered = officer("reviewer").post(f"/officer/requests/{request_id}/messages", json={"text": thanks})
    assert answered.status_code == 200, answered.text
    thread = citizen.get(f"/requests/{request_id}").json()["thread"]
    assert [(m["kind"], m["by"]["kind"], m["text"]) for m in thread] == [
        ("more_documents", "officer", REASON),
        ("supplement", "applicant", "ถ่ายภาพใหม่ในที่สว่างแล้วค่ะ"),
        ("message", "officer", thanks),
    ]
    assert [m["at"] for m in thread] == sorted(m["at"] for m in thread)
    assert thread[0]["what"] == WHAT and thread[0]["documents"] == ["damage_photos"]
    assert thread[1]["files"] == ["clear.png"] and thread[1]["deemed_received_at"]
    assert "id" not in thread[0]["by"]  # officers are shown by role, not by account


# --- the deemed time of every contact -------------------------------------------------------------------
def test_given_supplement_message_and_withdrawal_then_each_shows_its_deemed_time_of_receipt(new_citizen, officer):
    citizen, request_id, _ = _ask_for_photos(new_citizen, officer)
    sent = citizen.post(f"/requests/{request_id}/resubmit", json={"note": "ไม่มีภาพอื่น ขอชี้แจงเป็นข้อความ"})
    assert sent.status_code == 200, sent.text
    back = wait_for(citizen, request_id, status_is("in_review"))
    assert back["history"][-1]["by"] == "applicant" and back["history"][-1]["deemed_received_at"]

    message = citizen.post(f"/requests/{request_id}/messages", json={"text": "สอบถามความคืบหน้าค่ะ"})
    assert message.status_code == 201 and message.json()["thread"][-1]["deemed_received_at"]
    wait_for(officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")
    citizen.reauthenticate()
    withdrawn = citizen.post(f"/requests/{request_id}/withdraw", json={"reason": "ไม่ต้องการแล้ว"})
    assert withdrawn.status_code == 200, withdrawn.text

    final = wait_for(citizen, request_id, status_is("withdrawn"))
    assert final["history"][-1]["by"] == "applicant" and final["history"][-1]["deemed_received_at"]


def test_given_a_payment_slip_then_it_carries_a_deemed_time_of_receipt(new_citizen, officer):
    citizen, request_id = _submitted(new_citizen, "food-shop")
    _decide(officer("reviewer"), request_id, "review", "approve")
    _decide(officer("approver"), request_id, "approval", "approve")
    _decide(officer("head"), request_id, "approval", "approve")
    wait_for(citizen, request_id, status_is("awaiting_payment"))
    notice = citizen.get(f"/requests/{request_id}/payment").json()
    start = citizen.post(f"/requests/{request_id}/payment-slips/uploads", json={"file_name": "slip.pdf"})
    assert start.status_code == 201, start.text
    assert send_file(start.json(), pdf_bytes("slip"), "slip.pdf").status_code == 204
    paid_on = citizen.get(f"/requests/{request_id}").json()["submitted_at"][:10]

    slip = after_scan(
        lambda: citizen.post(
            f"/requests/{request_id}/payment-slips",
            json={
                "attachment_id": start.json()["attachment"]["id"],
                "transaction_reference": f"TR{uuid.uuid4().hex[:8]}",
                "paid_on": paid_on,
                "amount_satang": notice["amount_satang"],
            },
        )
    )

    assert slip.status_code == 201, slip.text
    assert slip.json()["deemed_received_at"] >= slip.json()["submitted_at"][:10]


# --- Q8.1: delivery on the officer's command ---------------------------------------------------------------------
RESIDENCE = {
    "applicant_name": "สมศรี มีสุข",
    "national_id": "1101700203450",
    "phone": "0812345678",
    "home_address": "7 หมู่ 2 ตำบลคลองน้อย อำเภอเมืองสุราษฎร์ธานี",
}


def test_given_a_service_delivered_on_command_then_the_certificate_waits_for_the_officer(new_citizen, officer, stack):
    citizen = new_citizen()
    draft = citizen.post("/drafts", json={"service_id": "residence-certificate", "answers": RESIDENCE}).json()["id"]
    for slot in ("id_card", "house_registration"):
        assert upload(citizen, draft, slot, f"{slot}.pdf", pdf_bytes(slot)).status_code == 200
    request_id = submit(citizen, draft)["id"]
    _decide(officer("reviewer"), request_id, "review", "approve")
    _decide(officer("approver"), request_id, "approval", "approve")
    signer_view = wait_for(
        officer("signer"), request_id, waiting_at("signature"), path=f"/officer/requests/{request_id}"
    )
    _decide(officer("signer"), request_id, "signature", "sign", confirm=signer_view["licence_number"])

    issued = wait_for(officer("reviewer"), request_id, waiting_at("deliver"), path=f"/officer/requests/{request_id}")
    assert issued["request"]["status"] == "issued" and issued["request"]["waiting"]["decisions"] == ["deliver"]
    mailbox = requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"]
    assert not [m for m in mailbox if citizen.login.email in m["to"] and "ออก" in m["subject"]]
    assert citizen.get(f"/requests/{request_id}").json()["status"] == "issued"

    _decide(officer("reviewer"), request_id, "deliver", "deliver")

    wait_for(citizen, request_id, status_is("delivered"))
    mail = wait_for_mail(stack, citizen.login.email, lambda m: "ออกหนังสือรับรองการมีถิ่นที่อยู่แล้ว" in m["subject"])
    assert mail["attachments"]


# --- a paper copy ----------------------------------------------------------------------------------------
def test_given_a_paper_copy_request_then_officers_see_it_and_close_it(new_citizen, officer):
    citizen, request_id = _submitted(new_citizen)

    asked = citizen.post(f"/requests/{request_id}/paper-copies", json={"method": "pickup", "note": "รับที่สำนักงาน"})

    assert asked.status_code == 201, asked.text
    copy = asked.json()["paper_copies"][0]
    assert copy["state"] == "open" and copy["deemed_received_at"]
    detail = wait_for(
        officer("reviewer"),
        request_id,
        lambda d: any(c["state"] == "open" for c in d["paper_copies"]),
        path=f"/officer/requests/{request_id}",
    )
    assert detail["request"]["paper_copy_open"] is True and detail["paper_copies"][0]["note"] == "รับที่สำนักงาน"
    closed = officer("reviewer").post(
        f"/officer/requests/{request_id}/paper-copies/{copy['id']}", json={"outcome": "handed_over"}
    )
    assert closed.status_code == 200, closed.text
    again = officer("reviewer").post(
        f"/officer/requests/{request_id}/paper-copies/{copy['id']}", json={"outcome": "posted"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "paper_copy.closed"
    seen = citizen.get(f"/requests/{request_id}").json()["paper_copies"]
    assert [(c["state"], [h["state"] for h in c["history"]]) for c in seen] == [
        ("handed_over", ["open", "handed_over"])
    ]
    assert closed.json()["request"]["paper_copy_open"] is False


def test_given_the_close_dies_after_it_was_kept_then_the_same_close_again_mends_the_flag_once(
    new_citizen, officer, stack
):
    """Loses nothing, applies nothing twice: the close is kept, then the request's flag write fails; the
    officer's retry is answered as done, the flag follows, and the copy's history has the one close."""
    citizen, request_id = _submitted(new_citizen)
    copy = citizen.post(f"/requests/{request_id}/paper-copies", json={"method": "post"}).json()["paper_copies"][0]
    path = f"/officer/requests/{request_id}/paper-copies/{copy['id']}"
    fault = requests.post(
        f"{stack.url}/_local/faults",
        json={"service": "dynamodb", "operation": "UpdateItem", "function": "intake"},
        timeout=30,
    ).json()["id"]
    try:
        failed = officer("reviewer").post(path, json={"outcome": "posted", "note": "ลงทะเบียน EV123"})
        rules = {r["id"]: r for r in requests.get(f"{stack.url}/_local/faults", timeout=30).json()["rules"]}
    finally:
        requests.delete(f"{stack.url}/_local/faults", timeout=30)
    assert rules[fault]["failed"] == 1
    assert failed.status_code >= 500 and failed.json()["error"]["code"]

    retried = officer("reviewer").post(path, json={"outcome": "posted", "note": "ลงทะเบียน EV123"})
    other = officer("reviewer").post(path, json={"outcome": "declined", "note": "ไม่มีที่อยู่"})

    assert retried.status_code == 200, retried.text
    assert retried.json()["request"]["paper_copy_open"] is False
    assert other.status_code == 409 and other.json()["error"]["code"] == "paper_copy.closed"
    [seen] = retried.json()["paper_copies"]
    assert [h["state"] for h in seen["history"]] == ["open", "posted"]


# --- issue 13: the history names who acted ---------------------------------------------------------------------
def test_given_the_reviewer_approved_then_the_history_the_head_reads_names_the_reviewer(new_citizen, officer):
    _, request_id = _submitted(new_citizen, "food-shop")
    reviewer = officer("reviewer")
    _decide(reviewer, request_id, "review", "approve")
    path = f"/officer/requests/{request_id}"

    detail = wait_for(officer("head"), request_id, waiting_at("approval"), path=path)

    moved = next(e for e in detail["history"] if e["status"] == "in_approval")
    reviewer_id = reviewer.get("/officer/me").json()["id"]
    assert moved["by"] == {"kind": "officer", "id": reviewer_id, "role": "reviewer"}
    assert detail["officer_names"][reviewer_id] == reviewer.login.email
