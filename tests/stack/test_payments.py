"""Fees and payments over HTTP (R-3.5, Q6): Thai QR, signed webhooks, slips, e-receipts, reconciliation.

No payment is lost or counted twice: every message below is checked against what the applicant,
finance and the reconciliation report then show.
"""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
from datetime import datetime

import pytest
import requests

from eservice.payments import SIGNATURE_HEADER, sign_webhook
from eservice.thai_qr import parse_payload

from .conftest import (
    after_scan,
    pdf_bytes,
    prepared_draft,
    send_file,
    status_is,
    submit,
    wait_for,
    wait_for_mail,
    waiting_at,
)

pytestmark = pytest.mark.stack


def _awaiting_payment(new_citizen, officer):
    """A food-shop request approved by every step, now waiting for its fee."""
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen, "food-shop"))["id"]
    for group, step in (("reviewer", "review"), ("approver", "approval"), ("head", "approval")):
        path = f"/officer/requests/{request_id}"
        wait_for(
            officer(group),
            request_id,
            lambda d, g=group, s=step: (
                (d["request"]["waiting"] or {}).get("step") == s and d["request"]["waiting"]["role"] == g
            ),
            path=path,
        )
        answer = officer(group).post(f"{path}/decision", json={"step": step, "decision": "approve"})
        assert answer.status_code == 200, answer.text
    wait_for(citizen, request_id, status_is("awaiting_payment"))
    notice = wait_for(citizen, request_id, lambda n: "qr_payload" in n, path=f"/requests/{request_id}/payment")
    return citizen, request_id, notice


def _webhook(stack, event, *, timestamp=None, secret=None, signature=None):
    body = json.dumps(event).encode()
    header = signature or sign_webhook(secret or stack.payment_secret(), body, timestamp=timestamp)
    return requests.post(
        f"{stack.url}/api/payments/webhook/local-simulator",
        data=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: header},
        timeout=60,
    )


def _event(notice, *, amount=None, kind="payment.succeeded", txn=None, ref1=None):
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": kind,
        "data": {
            "transaction_id": txn or f"TXN{uuid.uuid4().hex[:10].upper()}",
            "ref1": ref1 or notice["ref1"],
            "ref2": notice["ref2"],
            "amount_satang": notice["amount_satang"] if amount is None else amount,
            "currency": "THB",
            "channel": "thai_qr",
            "paid_at": datetime.now().astimezone().isoformat(),
        },
    }


def _today(stack):
    return requests.get(f"{stack.url}/_local/clock", timeout=30).json()["now"]


def test_given_an_approved_request_then_the_fee_notice_has_a_thai_qr_that_decodes_to_the_bill(
    new_citizen, officer, stack
):
    import zxingcpp
    from PIL import Image

    citizen, request_id, notice = _awaiting_payment(new_citizen, officer)

    fields = parse_payload(notice["qr_payload"])
    assert fields["01"] == "12" and fields["53"] == "764" and fields["58"] == "TH"
    assert fields["30"] == {
        "00": "A000000677010112",
        "01": "099400016123401",
        "02": request_id.replace("-", ""),
        "03": notice["invoice_number"],
    }
    assert fields["54"] == "2500.00" and notice["amount_satang"] == 250000
    png = base64.b64decode(notice["qr_png"].split(",", 1)[1])
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [d.text for d in decoded] == [notice["qr_payload"]]
    detail = citizen.get(f"/requests/{request_id}").json()
    assert detail["documents"]["invoice"]["sealed"] is True
    mail = wait_for_mail(stack, citizen.login.email, lambda m: "แจ้งชำระค่าธรรมเนียม" in m["subject"])
    assert mail["attachments"] == [f"invoice-{notice['invoice_number']}.pdf"]


def test_given_a_valid_webhook_then_the_saga_continues_by_itself_and_an_e_receipt_is_sent(new_citizen, officer, stack):
    citizen, request_id, notice = _awaiting_payment(new_citizen, officer)

    paid = requests.post(
        f"{stack.url}/_local/pay/qr", json={"payload": notice["qr_payload"], "outcome": "paid"}, timeout=60
    ).json()

    assert paid["answer"] == {"recorded": True, "settled": request_id}
    ready = wait_for(officer("signer"), request_id, waiting_at("signature"), path=f"/officer/requests/{request_id}")
    assert [h["status"] for h in ready["history"]][-3:] == ["awaiting_payment", "paid", "awaiting_signature"]
    mail = wait_for_mail(stack, citizen.login.email, lambda m: "ใบเสร็จรับเงิน" in m["subject"])
    assert mail["attachments"][0].startswith("receipt-RC")
    again = requests.post(
        f"{stack.url}/api/payments/webhook/local-simulator",
        data=json.dumps(paid["event"]).encode(),
        headers={SIGNATURE_HEADER: sign_webhook(stack.payment_secret(), json.dumps(paid["event"]).encode())},
        timeout=60,
    )
    assert again.json() == {"duplicate": True, "event": paid["event"]["id"]}


def test_given_forged_stale_or_malformed_webhooks_then_they_are_refused_and_nothing_is_paid(
    new_citizen, officer, stack
):
    citizen, request_id, notice = _awaiting_payment(new_citizen, officer)

    forged = _webhook(stack, _event(notice), secret="not-the-secret")
    tampered = _webhook(stack, _event(notice), signature="t=1,v1=" + "0" * 64)
    stale = _webhook(stack, _event(notice), timestamp=int(time.time()) - 3600)
    malformed = _webhook(stack, {"id": "evt_x", "type": "payment.succeeded", "data": {"ref1": notice["ref1"]}})

    assert forged.status_code == 401 and forged.json()["error"]["code"] == "webhook.bad_signature"
    assert tampered.status_code == 401
    assert stale.status_code == 400 and stale.json()["error"]["code"] == "webhook.stale"
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "webhook.malformed"
    assert citizen.get(f"/requests/{request_id}").json()["status"] == "awaiting_payment"


def test_given_wrong_amount_unknown_reference_and_out_of_order_messages_then_each_is_kept_for_finance(
    new_citizen, officer, stack
):
    citizen, request_id, notice = _awaiting_payment(new_citizen, officer)

    partial = _webhook(stack, _event(notice, amount=100000)).json()
    unknown = _webhook(stack, _event(notice, ref1="RZZZZZZZZZZ")).json()
    txn = f"TXN{uuid.uuid4().hex[:10].upper()}"
    settled = _webhook(stack, _event(notice, txn=txn)).json()
    late_pending = _webhook(stack, _event(notice, txn=txn, kind="payment.pending")).json()
    second_payment = _webhook(stack, _event(notice)).json()

    assert partial["mismatch"] == "wrong_amount"
    assert unknown["mismatch"] == "unknown_reference"
    assert settled == {"recorded": True, "settled": request_id}
    assert late_pending["recorded"] is False and late_pending["reason"] == "older_state"
    assert second_payment["mismatch"] in ("duplicate", "not_awaited")
    wait_for(citizen, request_id, lambda r: r["status"] in ("paid", "awaiting_signature"))
    report = officer("finance").get("/officer/payments/reconciliation", params={"day": _today(stack)[:10]}).json()
    mine = [p for p in report["payments"] if p["ref1"] in (notice["ref1"], "RZZZZZZZZZZ")]
    assert {p["mismatch"] for p in mine} >= {"wrong_amount", "unknown_reference", None}
    assert sum(1 for p in mine if p["transaction_id"] == txn) == 1


def test_given_a_transfer_slip_when_finance_rejects_then_verifies_then_the_request_is_paid(new_citizen, officer, stack):
    citizen, request_id, notice = _awaiting_payment(new_citizen, officer)
    finance = officer("finance")

    def report(reference):
        upload = citizen.post(f"/requests/{request_id}/payment-slips/uploads", json={"file_name": "slip.pdf"})
        assert upload.status_code == 201, upload.text
        assert send_file(upload.json(), pdf_bytes("slip"), "slip.pdf").status_code == 204
        slip = after_scan(
            lambda: citizen.post(
                f"/requests/{request_id}/payment-slips",
                json={
                    "attachment_id": upload.json()["attachment"]["id"],
                    "transaction_reference": reference,
                    "paid_on": _today(stack)[:10],
                    "amount_satang": notice["amount_satang"],
                },
            )
        )
        assert slip.status_code == 201, slip.text
        return slip.json()

    first = report("KTB-001")
    pending = finance.get("/officer/payments/slips").json()["slips"]
    listed = next(s for s in pending if s["id"] == first["id"])
    assert requests.get(listed["url"], timeout=30).content.startswith(b"%PDF")
    refused = finance.post(
        f"/officer/payments/slips/{request_id}/{first['id']}",
        json={"decision": "reject", "reason": "ยอดเงินไม่ปรากฏในบัญชี"},
    )
    assert refused.status_code == 200
    wait_for_mail(stack, citizen.login.email, lambda m: "หลักฐานการชำระเงินไม่ผ่าน" in m["subject"])
    assert citizen.get(f"/requests/{request_id}").json()["status"] == "awaiting_payment"

    second = report("KTB-002")
    not_finance = officer("reviewer").post(
        f"/officer/payments/slips/{request_id}/{second['id']}", json={"decision": "verify"}
    )
    verified = finance.post(f"/officer/payments/slips/{request_id}/{second['id']}", json={"decision": "verify"})
    twice = finance.post(f"/officer/payments/slips/{request_id}/{second['id']}", json={"decision": "verify"})

    assert not_finance.status_code == 403
    assert verified.json() == {"recorded": True, "settled": request_id}
    assert twice.status_code == 409
    wait_for(citizen, request_id, lambda r: r["status"] in ("paid", "awaiting_signature"))


def test_given_a_card_payment_on_the_hosted_page_then_the_applicant_returns_and_the_request_is_paid(
    new_citizen, officer, stack
):
    citizen, request_id, _notice = _awaiting_payment(new_citizen, officer)

    checkout = citizen.post(f"/requests/{request_id}/payments/card").json()
    page = requests.get(checkout["redirect_url"], timeout=30)
    query = dict(pair.split("=", 1) for pair in checkout["redirect_url"].split("?", 1)[1].split("&"))
    back = requests.post(
        checkout["redirect_url"].split("?")[0],
        data={**{k: requests.utils.unquote(v) for k, v in query.items()}, "outcome": "paid"},
        allow_redirects=False,
        timeout=60,
    )

    assert page.status_code == 200 and "2,500.00" in page.text
    assert back.status_code == 303 and back.headers["Location"].endswith(f"#/requests/{request_id}")
    paid = wait_for(citizen, request_id, lambda r: r["status"] in ("paid", "awaiting_signature"))
    assert paid["fee_satang"] == 250000


def test_given_a_day_of_payments_then_reconciliation_totals_them_per_channel_as_json_and_csv(
    new_citizen, officer, stack
):
    _, _request_id, notice = _awaiting_payment(new_citizen, officer)
    # A reference that a spreadsheet would run as a formula (CSV injection).
    formula = f'=HYPERLINK("http://x";"{uuid.uuid4().hex[:6]}")'
    _webhook(stack, _event(notice, txn=formula))
    day = _today(stack)[:10]

    report = officer("finance").get("/officer/payments/reconciliation", params={"day": day}).json()
    csv = officer("finance").get("/officer/payments/reconciliation", params={"day": day, "format": "csv"})
    refused = officer("reviewer").get("/officer/payments/reconciliation", params={"day": day})

    settled = [p for p in report["payments"] if p["status"] == "succeeded" and not p["mismatch"]]
    assert report["total_satang"] == sum(p["amount_satang"] for p in settled)
    assert report["totals_satang"]["thai_qr"] >= 250000
    assert csv.content.startswith("\ufeff".encode())
    assert "ช่องทาง/channel" in csv.content.decode("utf-8-sig")
    assert notice["ref1"] in csv.text
    assert refused.status_code == 403
    cells = [cell for line in csv.content.decode("utf-8-sig").splitlines() for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "+", "@")) for cell in cells), "a cell would run as a formula"
    assert any("'=HYPERLINK" in cell for cell in cells)
    epoch = officer("finance").get("/officer/payments/reconciliation", params={"day": 0})
    assert epoch.status_code == 400 and epoch.json()["error"]["code"] == "reconciliation.day"
