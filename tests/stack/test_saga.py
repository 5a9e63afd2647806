"""The request saga driven over HTTP: officers decide, applicants answer, deadlines pass (issue: saga).

Covers R-1.7, R-2.2, R-3.1, R-3.2, R-3.4, Q4, Q5, Q6.8, Q7.3-7.5 and Q4.6 (nothing is deleted).
"""

from __future__ import annotations

import concurrent.futures
from datetime import datetime, time, timedelta

import boto3
import pytest
import requests

from local.stack import REGION

from .conftest import (
    after_scan,
    agency_calendar,
    png_bytes,
    prepared_draft,
    send_file,
    status_is,
    submit,
    virtual_now,
    wait_for,
    wait_for_mail,
    waiting_at,
)

pytestmark = pytest.mark.stack


def _submitted(new_citizen, service_id="fire-certificate"):
    citizen = new_citizen()
    request = submit(citizen, prepared_draft(citizen, service_id))
    return citizen, request["id"]


def _row(officer_client, request_id, **params):
    """The request's row in a work list, following the pages (every list is paginated)."""
    cursor = None
    while True:
        page = officer_client.get("/officer/requests", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        row = next((r for r in body["requests"] if r["id"] == request_id), None)
        if row is not None or body["next_cursor"] is None:
            return row
        cursor = body["next_cursor"]


def _decide(officer_client, request_id, step, decision, **extra):
    detail = wait_for(officer_client, request_id, waiting_at(step), path=f"/officer/requests/{request_id}")
    assert decision in detail["request"]["waiting"]["decisions"]
    response = officer_client.post(
        f"/officer/requests/{request_id}/decision", json={"step": step, "decision": decision, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_given_a_certificate_request_when_every_officer_approves_then_the_sealed_certificate_is_delivered(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen)

    _decide(officer("reviewer"), request_id, "review", "approve")
    _decide(officer("approver"), request_id, "approval", "approve")
    signer_view = wait_for(
        officer("signer"), request_id, waiting_at("signature"), path=f"/officer/requests/{request_id}"
    )
    assert "licence_draft" in signer_view["documents"]
    _decide(officer("signer"), request_id, "signature", "sign", confirm=signer_view["licence_number"])

    final = wait_for(citizen, request_id, status_is("delivered"), timeout=60)
    statuses = [h["status"] for h in final["history"]]
    assert statuses == [
        "submitted",
        "received",
        "in_review",
        "in_approval",
        "awaiting_signature",
        "issued",
        "delivered",
    ]
    assert "licence" in final["documents"]
    link = citizen.get(f"/requests/{request_id}/documents/licence")
    assert link.status_code == 200
    delivered = wait_for_mail(stack, citizen.login.email, lambda m: "ออกหนังสือรับรองการเกิดอัคคีภัยแล้ว" in m["subject"])
    assert delivered["attachments"] == [f"{final['licence_number']}.pdf"]


def _advance(stack, period):
    moved = requests.post(f"{stack.url}/_local/clock", json={"advance": period}, timeout=60)
    assert moved.status_code == 200, moved.text
    return moved.json()


def test_given_a_request_outside_the_agencys_powers_when_referred_then_the_applicant_is_told_which_agency(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen)

    _decide(
        officer("reviewer"),
        request_id,
        "review",
        "refer",
        reason="เป็นอำนาจของอำเภอ",
        correct_agency="ที่ว่าการอำเภอเมืองสุราษฎร์ธานี",
    )

    final = wait_for(citizen, request_id, status_is("referred"))
    assert final["history"][-1]["reason"] == "เป็นอำนาจของอำเภอ"
    mail = wait_for_mail(stack, citizen.login.email, lambda m: "ส่งต่อหน่วยงาน" in m["subject"])
    assert "ที่ว่าการอำเภอเมืองสุราษฎร์ธานี" in mail["body"]


def test_given_a_rejection_then_a_sealed_refusal_letter_with_the_reasons_is_delivered(new_citizen, officer, stack):
    citizen, request_id = _submitted(new_citizen)

    _decide(
        officer("reviewer"),
        request_id,
        "review",
        "reject",
        reason="ไม่พบหลักฐานการเกิดเหตุในพื้นที่",
        legal_basis="ระเบียบเทศบาลตำบลคลองน้อยว่าด้วยการออกหนังสือรับรอง ข้อ 5",
    )

    final = wait_for(citizen, request_id, status_is("rejected"), timeout=60)
    assert final["history"][-1]["reason"] == "ไม่พบหลักฐานการเกิดเหตุในพื้นที่"
    assert final["documents"]["refusal"]["sealed"] is True
    mail = wait_for_mail(stack, citizen.login.email, lambda m: "ไม่อนุญาต" in m["subject"])
    assert mail["attachments"] == [f"refusal-{request_id}.pdf"]


def test_given_missing_documents_when_the_applicant_sends_them_then_the_request_returns_to_review(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen)
    _decide(
        officer("reviewer"), request_id, "review", "more_documents", reason="ภาพถ่ายไม่ชัด", what="ภาพถ่ายความเสียหายที่ชัดเจน"
    )
    asked = wait_for(citizen, request_id, status_is("more_documents_requested"))
    assert asked["deadline"] and asked["next_step"]["th"]
    assert asked["more_documents"] == {
        "what": "ภาพถ่ายความเสียหายที่ชัดเจน",
        "deadline": asked["deadline"],
        "reason": "ภาพถ่ายไม่ชัด",  # the officer's reason reaches the applicant as written
        "documents": [],  # no slot named: every slot is offered
    }
    assert asked["history"][-1]["reason"] == "ภาพถ่ายความเสียหายที่ชัดเจน"
    wait_for_mail(
        stack, citizen.login.email, lambda m: "ขอเอกสารเพิ่มเติม" in m["subject"] and "ภาพถ่ายความเสียหายที่ชัดเจน" in m["body"]
    )

    start = citizen.post(
        f"/requests/{request_id}/attachments", json={"document_id": "damage_photos", "file_name": "clear.png"}
    )
    assert start.status_code == 201, start.text
    assert send_file(start.json(), png_bytes(), "clear.png").status_code == 204
    checked = after_scan(
        lambda: citizen.post(f"/requests/{request_id}/attachments/{start.json()['attachment']['id']}/check")
    )
    assert checked.status_code == 200, checked.text
    resent = citizen.post(f"/requests/{request_id}/resubmit", json={"note": "แนบภาพใหม่แล้ว"})
    assert resent.status_code == 200, resent.text

    back = wait_for(officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")
    assert [a["file_name"] for a in back["attachments"]][-1] == "clear.png"
    _decide(officer("reviewer"), request_id, "review", "approve")
    wait_for(citizen, request_id, status_is("in_approval"))


def test_given_two_approval_steps_when_the_second_sends_back_then_review_starts_again(new_citizen, officer):
    citizen, request_id = _submitted(new_citizen, "food-shop")

    _decide(officer("reviewer"), request_id, "review", "approve")
    first = _decide(officer("approver"), request_id, "approval", "approve")
    assert first["request"]["status"] == "in_approval"
    head_view = wait_for(
        officer("head"),
        request_id,
        lambda d: (d["request"]["waiting"] or {}).get("role") == "head",
        path=f"/officer/requests/{request_id}",
    )
    assert head_view["request"]["waiting"]["step"] == "approval"
    wrong = officer("approver").post(
        f"/officer/requests/{request_id}/decision", json={"step": "approval", "decision": "approve"}
    )
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "decision.wrong_role"
    _decide(officer("head"), request_id, "approval", "send_back", reason="ขอให้ตรวจแผนผังอีกครั้ง")

    again = wait_for(citizen, request_id, status_is("in_review"))
    statuses = [h["status"] for h in again["history"]]
    assert statuses.count("in_approval") == 2 and statuses[-1] == "in_review"


def test_given_an_approved_fee_request_when_the_payment_deadline_passes_then_dismissal_is_proposed(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen, "food-shop")
    _decide(officer("reviewer"), request_id, "review", "approve")
    _decide(officer("approver"), request_id, "approval", "approve")
    _decide(officer("head"), request_id, "approval", "approve")
    waiting = wait_for(citizen, request_id, status_is("awaiting_payment"))
    assert waiting["fee_satang"] == 250000
    wait_for_mail(stack, citizen.login.email, lambda m: "แจ้งชำระค่าธรรมเนียม 2,500.00 บาท" in m["subject"])

    fired = _advance(stack, "P20D")["fired"]

    assert any(request_id in name for name in fired)
    proposed = wait_for(citizen, request_id, status_is("dismissal_proposed"))
    assert "พ้นกำหนด" in proposed["history"][-1]["reason"]


def test_given_more_documents_never_sent_when_the_deadline_passes_then_the_head_dismisses(new_citizen, officer, stack):
    citizen, request_id = _submitted(new_citizen)
    _decide(officer("reviewer"), request_id, "review", "more_documents", reason="ขาดเอกสาร", what="บันทึกประจำวัน")
    asked = wait_for(citizen, request_id, lambda r: r["status"] == "more_documents_requested" and bool(r["deadline"]))

    # Past the deadline the request shows (15 days, ending on a working day: around the New Year holidays
    # that is more than 15 calendar days, so a fixed period would depend on the date the run reaches).
    past = datetime.fromisoformat(asked["deadline"]) + timedelta(minutes=1)
    moved = requests.post(f"{stack.url}/_local/clock", json={"set": past.isoformat()}, timeout=60)
    assert moved.status_code == 200, moved.text
    wait_for(citizen, request_id, status_is("dismissal_proposed"))
    _decide(officer("head"), request_id, "dismissal", "dismiss", reason="ผู้ยื่นไม่ส่งเอกสารภายในกำหนด")

    final = wait_for(citizen, request_id, status_is("dismissed"))
    assert [h["status"] for h in final["history"]][-3:] == [
        "more_documents_requested",
        "dismissal_proposed",
        "dismissed",
    ]
    assert final["history"][-1]["by"] == "officer"


def test_given_an_unreachable_applicant_after_30_days_when_the_head_reopens_then_review_resumes(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen)
    _decide(officer("reviewer"), request_id, "review", "unreachable", reason="อีเมลตีกลับ โทรไม่ติด")
    held = wait_for(citizen, request_id, status_is("unreachable"))
    assert held["deadline"]

    _advance(stack, "P29D")
    early = officer("reviewer").post(
        f"/officer/requests/{request_id}/decision",
        json={"step": "unreachable", "decision": "propose_dismissal", "reason": "ยังติดต่อไม่ได้"},
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "dismissal.hold_not_over"
    assert wait_for(citizen, request_id, status_is("unreachable"))["status"] == "unreachable"
    # 30 calendar days end at closing time of a working day: past a weekend and the New Year holidays.
    _advance(stack, "P8D")
    # the hold's end moves nothing by itself; the officer proposes dismissal.
    assert wait_for(citizen, request_id, status_is("unreachable"))["status"] == "unreachable"
    _decide(officer("reviewer"), request_id, "unreachable", "propose_dismissal", reason="ไม่มีผู้ติดต่อกลับ 30 วัน")
    wait_for(citizen, request_id, status_is("dismissal_proposed"))
    _decide(officer("head"), request_id, "dismissal", "reopen", reason="ผู้ยื่นติดต่อกลับมาแล้ว")

    back = wait_for(citizen, request_id, status_is("in_review"))
    assert [h["status"] for h in back["history"]][-3:] == ["unreachable", "dismissal_proposed", "in_review"]


def test_given_an_unreachable_applicant_after_30_days_when_the_head_approves_then_the_request_is_dismissed(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen)
    _decide(officer("reviewer"), request_id, "review", "unreachable", reason="อีเมลตีกลับ ไม่มีช่องทางอื่น")
    wait_for(citizen, request_id, status_is("unreachable"))

    _advance(stack, "P37D")  # 30 calendar days, ending on a working day (holidays included)
    _decide(officer("reviewer"), request_id, "unreachable", "propose_dismissal", reason="ติดต่อไม่ได้เกิน 30 วัน")
    wait_for(citizen, request_id, status_is("dismissal_proposed"))
    # The head's step opens once the proposal's sealed notice is out: wait for it as the officers' page does.
    wait_for(officer("head"), request_id, waiting_at("dismissal"), path=f"/officer/requests/{request_id}")
    refused = officer("reviewer").post(
        f"/officer/requests/{request_id}/decision", json={"step": "dismissal", "decision": "dismiss", "reason": "x"}
    )
    _decide(officer("head"), request_id, "dismissal", "dismiss", reason="ติดต่อผู้ยื่นไม่ได้เกิน 30 วัน")

    final = wait_for(citizen, request_id, status_is("dismissed"))
    assert refused.status_code == 403
    assert [h["status"] for h in final["history"]][-3:] == ["unreachable", "dismissal_proposed", "dismissed"]
    assert final["history"][-1]["reason"] == "ติดต่อผู้ยื่นไม่ได้เกิน 30 วัน"


def test_given_a_request_in_review_when_the_applicant_withdraws_then_it_ends_withdrawn_and_is_kept(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen)
    wait_for(officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")
    citizen.reauthenticate()

    response = citizen.post(f"/requests/{request_id}/withdraw", json={"reason": "ยื่นผิดบริการ"})

    assert response.status_code == 200, response.text
    final = wait_for(citizen, request_id, status_is("withdrawn"))
    assert final["history"][-1] == {**final["history"][-1], "by": "applicant", "reason": "ยื่นผิดบริการ"}
    late = officer("reviewer").post(
        f"/officer/requests/{request_id}/decision", json={"step": "review", "decision": "approve"}
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "decision.not_waiting"
    assert officer("reviewer").get(f"/officer/requests/{request_id}").json()["request"]["status"] == "withdrawn"


def test_given_two_officers_clicking_at_once_then_the_request_advances_once(new_citizen, officer):
    _citizen, request_id = _submitted(new_citizen)
    reviewer = officer("reviewer")
    wait_for(reviewer, request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")
    body = {"step": "review", "decision": "approve"}

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(lambda _: reviewer.post(f"/officer/requests/{request_id}/decision", json=body), range(2))
        )

    assert sorted(a.status_code for a in answers) == [200, 409]
    detail = wait_for(reviewer, request_id, waiting_at("approval"), path=f"/officer/requests/{request_id}")
    assert [h["status"] for h in detail["history"]].count("in_approval") == 1


def test_given_a_decision_that_does_not_fit_then_it_is_refused_with_a_reason(new_citizen, officer):
    _citizen, request_id = _submitted(new_citizen)
    reviewer = officer("reviewer")
    wait_for(reviewer, request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")

    no_reason = reviewer.post(f"/officer/requests/{request_id}/decision", json={"step": "review", "decision": "reject"})
    wrong = reviewer.post(f"/officer/requests/{request_id}/decision", json={"step": "review", "decision": "sign"})
    signer = officer("signer").post(
        f"/officer/requests/{request_id}/decision", json={"step": "review", "decision": "approve"}
    )

    assert no_reason.json()["error"]["code"] == "decision.reason_required"
    assert wrong.json()["error"]["code"] == "decision.invalid"
    assert signer.status_code == 403


def test_given_a_token_of_another_user_pool_when_calling_officer_routes_then_the_gateway_refuses(new_citizen, stack):
    citizen = new_citizen()
    cognito = boto3.client("cognito-idp", region_name=REGION)
    other_pool = cognito.create_user_pool(PoolName="paktang-officers", UsernameAttributes=["email"])["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=other_pool, ClientName="x", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=other_pool, Username="reviewer@paktang.go.th", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=other_pool, Username="reviewer@paktang.go.th", Password="Officer#2569local", Permanent=True
    )
    foreign = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "reviewer@paktang.go.th", "PASSWORD": "Officer#2569local"},
    )["AuthenticationResult"]["IdToken"]

    as_foreign_officer = requests.get(
        f"{stack.url}/api/officer/requests", headers={"Authorization": f"Bearer {foreign}"}, timeout=30
    )
    as_citizen = citizen.get("/officer/requests")

    assert as_foreign_officer.status_code == 401
    assert as_citizen.status_code == 401


def test_given_the_work_list_then_open_requests_show_their_sla_state_and_waiting_role(new_citizen, officer):
    _citizen, request_id = _submitted(new_citizen)
    reviewer = officer("reviewer")
    wait_for(reviewer, request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")

    row = _row(reviewer, request_id, mine="true")
    digest = reviewer.get("/officer/digest").json()
    first_page = reviewer.get("/officer/requests", params={"mine": "true"}).json()["requests"]

    assert row is not None
    assert row["sla_state"] in ("on_track", "due_soon", "overdue")
    assert row["waiting"]["role"] == "reviewer"
    bogus = reviewer.get("/officer/requests", params={"status": "bogus"})
    assert bogus.status_code == 400 and bogus.json()["error"]["code"] == "status.unknown"
    assert bogus.json()["error"]["message"]["th"]
    listed = [r["id"] for r in digest["new"] + digest["changed"]]
    assert listed.count(request_id) == 1  # once: new requests are not also listed as changed
    assert all(r["waiting"]["role"] == "reviewer" for r in first_page)


def test_given_the_acknowledgment_bounces_then_the_reviewer_sees_a_contact_problem(new_citizen, officer, stack):
    import json

    _, request_id = _submitted(new_citizen)
    table = boto3.resource("dynamodb", region_name=REGION).Table(stack.resource("Table/Resource"))
    detail = wait_for(officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")
    assert any(m["template"] == "acknowledgment" for m in detail["messages"])
    items, kwargs = [], {}
    while True:  # every page of the scan: the table is large by now
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    sent = [
        i
        for i in items
        if i["PK"].startswith("SESMSG#") and i.get("request_id") == request_id and i.get("channel") == "email"
    ]
    bounce = {
        "eventType": "Bounce",
        "mail": {"messageId": sent[0]["PK"].removeprefix("SESMSG#")},
        "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "gone@example.com"}]},
    }

    # What SES → SNS → notify delivers when the mailbox does not exist.
    stack.invoke(stack.function_name("notify"), {"Records": [{"Sns": {"Message": json.dumps(bounce)}}]})

    flagged = officer("reviewer").get(f"/officer/requests/{request_id}").json()
    assert [p["kind"] for p in flagged["contact_problems"]] == ["bounce"]
    row = _row(officer("reviewer"), request_id)
    assert row is not None and row["contact_problem"] is True


def test_given_the_morning_digest_then_each_officer_is_mailed_new_changed_and_overdue_requests(
    new_citizen, officer, stack
):
    _, request_id = _submitted(new_citizen)
    wait_for(officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}")
    # A working day a year on, at 08:30: the request is overdue by then.
    calendar = agency_calendar(stack)
    day = calendar.next_working_day((virtual_now(stack) + timedelta(days=365)).astimezone(calendar.timezone).date())
    morning = datetime.combine(day, time(8, 30), tzinfo=calendar.timezone)
    moved = requests.post(f"{stack.url}/_local/clock", json={"set": morning.isoformat()}, timeout=60)
    assert moved.status_code == 200, moved.text

    # What the 08:30 / 16:30 working-day schedule does.
    result = stack.invoke(stack.function_name("notify"), {"action": "digest"})

    assert result["sent"] >= 6
    digest = wait_for_mail(stack, "reviewer@klongnoy.go.th", lambda m: "Officer digest" in m["subject"])
    assert request_id in digest["body"] and "overdue" in digest["body"]
