"""Every channel over HTTP (Q4.4, Q5.5, R-4.3-R-4.6): LINE through its webhook and a fake Messaging API,
SMS through moto SNS under the tenant's sender id, e-mail from the saraban address with sealed notices.

A citizen links LINE by sending a one-time code to the agency's Official Account (the fake LINE
platform signs the webhook as LINE does), chooses SMS and LINE, and applies. Each message arrives on
each channel once and in order, also when LINE fails once; the more-documents e-mail carries a
sealed notice that the public verification recognises as the agency's.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from eservice.line import signature_of
from local.fake_line import webhook_body
from local.stack import LocalStack

from .conftest import Client, prepared_draft, status_is, submit, wait_for, wait_for_mail, waiting_at

#: How long to poll for what the saga does next (sealing takes a while on a busy machine); not an assertion.
_PATIENCE = 240


def _line_user() -> str:
    return "U" + uuid.uuid4().hex


def _pushes_to(stack: LocalStack, user_id: str) -> list[str]:
    pushes = requests.get(f"{stack.url}/_local/line", timeout=30).json()["pushes"]
    return [m["text"] for p in pushes if p["to"] == user_id for m in p["messages"]]


def _wait_for_pushes(stack: LocalStack, user_id: str, predicate: Callable[[list[str]], bool]) -> list[str]:
    deadline = time.monotonic() + _PATIENCE
    texts: list[str] = []
    while time.monotonic() < deadline:
        texts = _pushes_to(stack, user_id)
        if predicate(texts):
            return texts
        time.sleep(0.3)
    raise AssertionError(f"LINE never received the expected messages; it has: {texts}")


def _texts_about(stack: LocalStack, request_id: str) -> list[dict[str, Any]]:
    messages = requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"]
    return [m for m in messages if m["channel"] == "sms" and request_id in m["body"]]


def _link(stack: LocalStack, citizen: Client, user_id: str) -> None:
    code = citizen.post("/me/channels/line-code")
    assert code.status_code == 200, code.text
    assert code.json()["official_account"] == "@klongnoy"
    chat = requests.post(
        f"{stack.url}/_local/line", json={"user_id": user_id, "text": f"รหัส {code.json()['code']}"}, timeout=60
    )
    assert chat.status_code == 200, chat.text
    assert chat.json() == {"webhook_status": 200, "webhook_answer": {"linked": 1, "unlinked": 0}}


def test_given_a_webhook_not_signed_with_the_channel_secret_then_it_is_refused_and_links_nothing(
    new_citizen, stack, public
):
    citizen = new_citizen()
    code = citizen.post("/me/channels/line-code").json()["code"]
    user_id = _line_user()
    body = json.dumps(webhook_body(user_id, code)).encode()
    forged = signature_of("not-the-channel-secret", body)

    for signature in (forged, None):
        headers = {"Content-Type": "application/json", **({"X-Line-Signature": signature} if signature else {})}
        response = requests.post(public.url("/line/webhook"), data=body, headers=headers, timeout=30)
        assert response.status_code == 401, response.text
        error = response.json()["error"]
        assert error["code"] == "line.bad_signature" and error["message"]["th"] and error["message"]["en"]

    assert citizen.get("/me/channels").json()["line"]["linked"] is False
    # The code was not used up by the forged webhooks: the real one still links.
    signed = requests.post(
        public.url("/line/webhook"),
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Line-Signature": signature_of(stack.line_credentials().channel_secret, body),
        },
        timeout=30,
    )
    assert signed.status_code == 200 and signed.json()["linked"] == 1
    assert citizen.get("/me/channels").json()["line"]["linked"] is True


def test_given_the_webhook_dies_while_linking_then_the_code_still_links_once_when_line_redelivers(new_citizen, stack):
    """The code is used and the account linked in one write: a webhook that fails halfway uses nothing, so
    the redelivered event links; another account cannot use the code afterwards."""
    citizen = new_citizen()
    user_id, intruder = _line_user(), _line_user()
    code = citizen.post("/me/channels/line-code").json()["code"]
    fault = requests.post(
        f"{stack.url}/_local/faults",
        json={"service": "dynamodb", "operation": "TransactWriteItems", "function": "intake"},
        timeout=30,
    ).json()["id"]
    try:
        first = requests.post(f"{stack.url}/_local/line", json={"user_id": user_id, "text": code}, timeout=60).json()
        rules = {r["id"]: r for r in requests.get(f"{stack.url}/_local/faults", timeout=30).json()["rules"]}
    finally:
        requests.delete(f"{stack.url}/_local/faults", timeout=30)
    assert rules[fault]["failed"] == 1
    assert first["webhook_status"] >= 500 and first["webhook_answer"]["error"]["code"]
    assert citizen.get("/me/channels").json()["line"]["linked"] is False

    again = requests.post(f"{stack.url}/_local/line", json={"user_id": user_id, "text": code}, timeout=60).json()
    taken = requests.post(f"{stack.url}/_local/line", json={"user_id": intruder, "text": code}, timeout=60).json()

    assert again == {"webhook_status": 200, "webhook_answer": {"linked": 1, "unlinked": 0}}
    assert taken == {"webhook_status": 200, "webhook_answer": {"linked": 0, "unlinked": 0}}
    assert citizen.get("/me/channels").json()["line"]["linked"] is True


def test_given_line_not_linked_when_the_citizen_chooses_it_then_the_choice_is_refused(new_citizen):
    citizen = new_citizen()

    refused = citizen.put("/me/channels", json={"sms": True, "line": True})

    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "channels.line_not_linked"
    channels = citizen.get("/me/channels").json()
    assert channels["email"]["on"] is True and channels["line"]["on"] is False


def test_given_sms_and_line_chosen_when_the_citizen_applies_then_every_channel_carries_each_message_once_in_order(
    new_citizen, officer, stack, public
):
    citizen = new_citizen()
    user_id = _line_user()
    _link(stack, citizen, user_id)
    chosen = citizen.put("/me/channels", json={"sms": True, "line": True})
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["sms"]["on"], chosen.json()["line"]["on"]) == (True, True)
    # LINE answers 500 to the next push (the acknowledgment): it is pushed again, once.
    fault = requests.post(
        f"{stack.url}/_local/faults",
        json={"service": "line", "operation": "PushMessage", "error": "InternalServerError", "status": 500},
        timeout=30,
    ).json()["id"]

    request_id = submit(citizen, prepared_draft(citizen))["id"]
    acknowledged = wait_for(citizen, request_id, lambda r: bool(r.get("receipt_number")), timeout=_PATIENCE)
    receipt = acknowledged["receipt_number"]
    _wait_for_pushes(stack, user_id, lambda texts: any(receipt in t for t in texts))
    reviewer = officer("reviewer")
    wait_for(reviewer, request_id, waiting_at("review"), path=f"/officer/requests/{request_id}", timeout=_PATIENCE)
    asked = reviewer.post(
        f"/officer/requests/{request_id}/decision",
        json={"step": "review", "decision": "more_documents", "reason": "ภาพไม่ชัด", "what": "ภาพถ่ายความเสียหายที่ชัดเจน"},
    )
    assert asked.status_code == 200, asked.text
    wait_for(citizen, request_id, status_is("more_documents_requested"), timeout=_PATIENCE)

    texts = _wait_for_pushes(stack, user_id, lambda texts: any("ขอเอกสารเพิ่มเติม" in t for t in texts))
    # In order, each once: the link confirmation, the acknowledgment, the request for more documents.
    assert len(texts) == 3, texts
    assert "เชื่อมต่อบัญชี LINE" in texts[0]
    assert receipt in texts[1] and request_id in texts[1]
    assert "ขอเอกสารเพิ่มเติม" in texts[2] and "more documents needed" in texts[2]
    rules = {r["id"]: r for r in requests.get(f"{stack.url}/_local/faults", timeout=30).json()["rules"]}
    assert rules[fault]["failed"] == 1
    requests.delete(f"{stack.url}/_local/faults", timeout=30)

    sms = _texts_about(stack, request_id)
    deadline = time.monotonic() + _PATIENCE
    while len(sms) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
        sms = _texts_about(stack, request_id)
    assert [("รับคำขอแล้ว" in m["body"], "ขอเอกสารเพิ่มเติม" in m["body"]) for m in sms] == [(True, False), (False, True)]
    assert {m["sender"] for m in sms} == {"KLONGNOY"}
    assert all(m["to"][0].startswith("+66") for m in sms)

    detail = reviewer.get(f"/officer/requests/{request_id}").json()
    states = sorted((m["template"], m["channel"], m["state"]) for m in detail["messages"])
    assert states == sorted(
        (template, channel, "sent")
        for template in ("acknowledgment", "more_documents")
        for channel in ("email", "sms", "line")
    )

    mail = wait_for_mail(stack, citizen.login.email, lambda m: "ขอเอกสารเพิ่มเติม" in m["subject"], timeout=_PATIENCE)
    assert "saraban@klongnoy.go.th" in mail["from"]
    assert "ภาพถ่ายความเสียหายที่ชัดเจน" in mail["body"]
    with_files = requests.get(
        f"{stack.url}/_local/mailbox", params={"files": "1", "to": citizen.login.email}, timeout=60
    ).json()["messages"]
    [sent] = [m for m in with_files if m.get("subject") == mail["subject"] and citizen.login.email in m["to"]]
    [notice] = sent["files"]
    assert notice["name"].startswith("notice-more-documents-") and notice["name"].endswith(".pdf")
    pdf = base64.b64decode(notice["base64"])
    verified = requests.post(
        public.url("/verify"), data=pdf, headers={"Content-Type": "application/pdf"}, timeout=120
    ).json()
    assert verified["issued_by_us"] is True
    assert verified["report"]["summary"] == "valid" and verified["report"]["modified_after_signing"] is False
    assert verified["report"]["signatures"][0]["signer_organization"] == "เทศบาลตำบลคลองน้อย"


def _decide(officer_client: Client, request_id: str, step: str, decision: str, **extra: Any) -> None:
    wait_for(officer_client, request_id, waiting_at(step), path=f"/officer/requests/{request_id}", timeout=_PATIENCE)
    response = officer_client.post(
        f"/officer/requests/{request_id}/decision", json={"step": step, "decision": decision, **extra}
    )
    assert response.status_code == 200, response.text


def test_given_line_linked_when_the_request_is_approved_and_issued_then_each_step_is_told_on_line(
    new_citizen, officer, stack
):
    citizen = new_citizen()
    user_id = _line_user()
    _link(stack, citizen, user_id)
    request_id = submit(citizen, prepared_draft(citizen))["id"]

    _decide(officer("reviewer"), request_id, "review", "approve")
    _decide(officer("approver"), request_id, "approval", "approve")
    signer_view = wait_for(
        officer("signer"),
        request_id,
        waiting_at("signature"),
        path=f"/officer/requests/{request_id}",
        timeout=_PATIENCE,
    )
    _decide(officer("signer"), request_id, "signature", "sign", confirm=signer_view["licence_number"])
    wait_for(citizen, request_id, status_is("delivered"), timeout=_PATIENCE)

    texts = _wait_for_pushes(stack, user_id, lambda texts: any("is issued" in t for t in texts))
    # Q5.5: the review done, approval without a fee, then the certificate issued; each once, in order.
    assert "รับคำขอแล้ว" in texts[1]
    assert [t.split("\n")[1] for t in texts[2:]] == [
        f"คำขอ {request_id} ผ่านการตรวจสอบคำขอแล้ว",
        f"คำขอ {request_id} ได้รับอนุมัติ ไม่มีค่าธรรมเนียม",
        f"ออกหนังสือรับรองการเกิดอัคคีภัยแล้ว คำขอ {request_id}",
    ]
    approved = wait_for_mail(stack, citizen.login.email, lambda m: "ได้รับอนุมัติ" in m["subject"], timeout=_PATIENCE)
    assert "Request approved" in approved["subject"] and "no fee" in approved["body"]


def test_given_a_withdrawal_then_the_email_carries_a_sealed_notice_of_it(new_citizen, officer, stack, public):
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    wait_for(
        officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}", timeout=_PATIENCE
    )
    citizen.reauthenticate()

    response = citizen.post(f"/requests/{request_id}/withdraw", json={"reason": "ยื่นผิดบริการ"})

    assert response.status_code == 200, response.text
    wait_for(citizen, request_id, status_is("withdrawn"), timeout=_PATIENCE)
    mail = wait_for_mail(stack, citizen.login.email, lambda m: "ถอนคำขอแล้ว" in m["subject"], timeout=_PATIENCE)
    assert [name.split("-")[:2] for name in mail["attachments"]] == [["notice", "withdrawn"]]
    with_files = requests.get(
        f"{stack.url}/_local/mailbox", params={"files": "1", "to": citizen.login.email}, timeout=60
    ).json()["messages"]
    [sent] = [m for m in with_files if m.get("subject") == mail["subject"] and citizen.login.email in m["to"]]
    verified = requests.post(
        public.url("/verify"),
        data=base64.b64decode(sent["files"][0]["base64"]),
        headers={"Content-Type": "application/pdf"},
        timeout=120,
    ).json()
    assert verified["issued_by_us"] is True and verified["report"]["summary"] == "valid"
