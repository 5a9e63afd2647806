"""The registers of correspondence over HTTP (R-2.1, R-2.5, R-4.9; seed 003 starter §§2.4-2.6, 4.1, 4.6).

One receiving register takes e-Service requests, e-mails to the saraban address and paper letters from one
number series; a correction is a new entry; nothing is deleted. Every official e-mail to an applicant has
an entry in the dispatch register. Both export as CSV in the Regulation's columns and as a sealed PDF that
verification recognises as the agency's.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from eservice.payments import SIGNATURE_HEADER, sign_webhook

from .conftest import Client, pdf_bytes, prepared_draft, send_file, status_is, submit, wait_for, waiting_at

pytestmark = pytest.mark.stack

RECEIVED_HEADER = [
    "ทะเบียนรับที่/register no.",
    "ที่/document no.",
    "ลงวันที่/dated",
    "จาก/from",
    "ถึง/to",
    "เรื่อง/subject",
    "การปฏิบัติ/action",
    "หมายเหตุ/remarks",
    "วันที่รับ/date received",
    "เวลารับ/time received",
    "ช่องทาง/channel",
    "แก้ไขรายการที่/corrects",
]
DISPATCHED_HEADER = [
    "ทะเบียนส่งที่/register no.",
    "ที่/document no.",
    "ลงวันที่/dated",
    "จาก/from",
    "ถึง/to",
    "เรื่อง/subject",
    "หมายเหตุ/remarks",
    "เวลาส่ง/time sent",
    "ช่องทาง/channel",
]


def _period(stack: Any) -> dict[str, str]:
    """From yesterday to ten days on (virtual clock): outside office hours, receipt counts from the next
    working day's opening (R-2.4), which may be days later."""
    now = datetime.fromisoformat(requests.get(f"{stack.url}/_local/clock", timeout=30).json()["now"])
    return {"from": (now - timedelta(days=1)).date().isoformat(), "to": (now + timedelta(days=10)).date().isoformat()}


def _entries(client: Client, register: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a register (every list is paginated)."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(f"/officer/correspondence/{register}", params={**params, "cursor": cursor})
        assert page.status_code == 200, page.text
        rows += page.json()["entries"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return rows


def _enter_letter(records: Client, channel: str, subject: str) -> tuple[str, dict[str, Any]]:
    started = records.post("/officer/correspondence/scans", json={"file_name": f"{channel}.pdf"})
    assert started.status_code == 201, started.text
    stored = send_file(started.json(), pdf_bytes(f"{channel} letter"), f"{channel}.pdf")
    assert stored.status_code == 204, stored.text
    scan_id = started.json()["scan"]["id"]
    body = {
        "scan_id": scan_id,
        "channel": channel,
        "document_number": "-",
        "document_date": "2026-11-30",
        "sender": '=HYPERLINK("http://x")' if channel == "paper" else "นางสาวมาลี ศรีสุข",
        "subject": subject,
        "action": "ส่งกองช่าง",
    }
    entered = records.post("/officer/correspondence/entries", json=body)
    assert entered.status_code == 201, entered.text
    return scan_id, entered.json()


def test_given_a_request_an_email_and_a_paper_letter_then_they_share_one_receiving_series_and_export_as_csv(
    new_citizen, officer, stack
):
    records = officer("records")
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    stamped = wait_for(citizen, request_id, lambda r: bool(r.get("receipt_number")), timeout=120)
    email_scan, by_email = _enter_letter(records, "email", "ขอข้อมูลข่าวสารทางอีเมล")
    _, on_paper = _enter_letter(records, "paper", "ร้องเรียนเรื่องเสียงดัง")
    again = records.post(
        "/officer/correspondence/entries",
        json={"scan_id": email_scan, "channel": "email", "sender": "นางสาวมาลี ศรีสุข", "subject": "ขอข้อมูลข่าวสารทางอีเมล"},
    )

    receipt = stamped["receipt_number"]
    year = receipt.split("/")[1]
    assert by_email["label"].endswith(f"/{year}") and on_paper["label"].endswith(f"/{year}")
    numbers = [int(receipt.split("/")[0]), by_email["number"], on_paper["number"]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3  # one series, each its own number
    assert again.status_code == 201 and again.json()["label"] == by_email["label"]  # one scan, one entry
    assert by_email["file"]["file_name"] == "email.pdf" and by_email["file"]["url"].startswith("http")

    period = _period(stack)
    listed = {e["label"]: e for e in _entries(records, "received", **period)}
    mine = listed[receipt]
    assert mine["channel"] == "eservice" and mine["request_id"] == request_id and mine["document_number"] == request_id
    assert mine["received_at"] == stamped["deemed_received_at"]
    assert mine["action"].startswith("ส่งงานป้องกันและบรรเทาสาธารณภัย")  # routed to the responsible unit
    assert {by_email["label"], on_paper["label"]} <= set(listed)
    labels = [e["label"] for e in _entries(records, "received")]
    assert len(labels) == len(set(labels))
    assert _entries(records, "received", **{"from": "2099-01-01", "to": "2099-01-31"}) == []  # the period holds
    searched = _entries(records, "received", q="เสียงดัง")
    assert [e["label"] for e in searched] == [on_paper["label"]]

    exported = records.get("/officer/correspondence/received", params={"format": "csv", **period})
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == RECEIVED_HEADER
    by_label = {r[0]: r for r in rows[1:]}
    assert by_label[receipt][1] == request_id and by_label[receipt][10] == "eservice"
    assert by_label[on_paper["label"]][3].startswith("'=")  # a formula is neutralised
    assert by_label[by_email["label"]][10] == "email" and by_label[on_paper["label"]][10] == "paper"


def test_given_an_entry_when_corrected_then_a_new_entry_names_it_and_nothing_is_deleted(officer):
    records = officer("records")
    _, original = _enter_letter(records, "paper", "ขออนุญาตใช้สถานที่")
    path = f"/officer/correspondence/received/{original['year']}/{original['number']}"

    corrected = records.post(f"{path}/corrections", json={"subject": "ขออนุญาตใช้ศาลาประชาคม", "reason": "พิมพ์ชื่อเรื่องผิด"})
    no_reason = records.post(f"{path}/corrections", json={"subject": "x", "reason": ""})
    by_reviewer = officer("reviewer").post(f"{path}/corrections", json={"subject": "x", "reason": "y"})
    deleted = records.delete(path)

    assert corrected.status_code == 201, corrected.text
    fix = corrected.json()
    assert fix["corrects"] == original["label"] and fix["number"] > original["number"]
    assert fix["subject"] == "ขออนุญาตใช้ศาลาประชาคม" and fix["received_at"] == original["received_at"]
    assert fix["sender"] == original["sender"]
    assert no_reason.status_code == 422
    assert by_reviewer.status_code == 403 and by_reviewer.json()["error"]["code"] == "correspondence.records_only"
    assert deleted.status_code in (403, 404, 405)
    kept = records.get(path)
    assert kept.status_code == 200 and kept.json()["subject"] == "ขออนุญาตใช้สถานที่"


def test_given_officers_outside_the_records_office_then_they_cannot_enter_and_only_head_and_admin_read(officer):
    reviewer = officer("reviewer").get("/officer/correspondence/received")
    scan = officer("reviewer").post("/officer/correspondence/scans", json={"file_name": "x.pdf"})
    head = officer("head").get("/officer/correspondence/dispatched")
    admin = officer("admin").get("/officer/correspondence/received")
    unknown = officer("records").get("/officer/correspondence/lost-and-found")

    assert reviewer.status_code == 403 and reviewer.json()["error"]["code"] == "correspondence.forbidden"
    assert reviewer.json()["error"]["message"]["th"] and reviewer.json()["error"]["message"]["en"]
    assert scan.status_code == 403
    assert head.status_code == 200 and admin.status_code == 200
    assert unknown.status_code in (404, 422)


def _pay(stack: Any, notice: dict[str, Any]) -> None:
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "payment.succeeded",
        "data": {
            "transaction_id": f"TXN{uuid.uuid4().hex[:10].upper()}",
            "ref1": notice["ref1"],
            "ref2": notice["ref2"],
            "amount_satang": notice["amount_satang"],
            "currency": "THB",
            "channel": "thai_qr",
            "paid_at": datetime.now().astimezone().isoformat(),
        },
    }
    body = json.dumps(event).encode()
    paid = requests.post(
        f"{stack.url}/api/payments/webhook/local-simulator",
        data=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign_webhook(stack.payment_secret(), body)},
        timeout=60,
    )
    assert paid.status_code == 200, paid.text


def _official_mails(stack: Any, address: str) -> list[dict[str, Any]]:
    messages = requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"]
    return [m for m in messages if address in m["to"] and "saraban@" in (m.get("from") or "")]


def test_given_a_licence_saga_then_every_official_mail_has_one_dispatch_entry_and_the_sealed_pdf_verifies(
    new_citizen, officer, stack, public
):
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen, "food-shop"))["id"]
    path = f"/officer/requests/{request_id}"
    for group, step in (("reviewer", "review"), ("approver", "approval"), ("head", "approval")):
        wait_for(
            officer(group),
            request_id,
            lambda d, g=group, s=step: (
                (d["request"]["waiting"] or {}).get("step") == s and d["request"]["waiting"]["role"] == g
            ),
            path=path,
            timeout=120,  # the first seal of a cold stack takes a while on a busy machine
        )
        assert officer(group).post(f"{path}/decision", json={"step": step, "decision": "approve"}).status_code == 200
    notice = wait_for(
        citizen, request_id, lambda n: "qr_payload" in n, path=f"/requests/{request_id}/payment", timeout=120
    )
    _pay(stack, notice)
    signer_view = wait_for(officer("signer"), request_id, waiting_at("signature"), path=path, timeout=120)
    signed = officer("signer").post(
        f"{path}/decision", json={"step": "signature", "decision": "sign", "confirm": signer_view["licence_number"]}
    )
    assert signed.status_code == 200, signed.text
    wait_for(citizen, request_id, status_is("delivered"), timeout=120)

    records = officer("records")
    deadline = time.monotonic() + 60
    while True:
        mails = _official_mails(stack, citizen.login.email)
        entries = _entries(records, "dispatched", q=request_id.casefold())
        delivered = any(m["attachments"] == [f"{signer_view['licence_number']}.pdf"] for m in mails)
        if (delivered and len(entries) == len(mails)) or time.monotonic() > deadline:
            break
        time.sleep(0.5)

    assert delivered
    assert len(mails) >= 5  # acknowledgment, approved, fee notice, e-receipt, licence at least
    assert len(entries) == len(mails)
    assert len({e["label"] for e in entries}) == len(entries)
    assert sorted(e["subject"] for e in entries) == sorted(m["subject"].split(" / ", 1)[0] for m in mails)
    assert all(e["request_id"] == request_id and e["channel"] == "email" for e in entries)
    licence_entry = next(e for e in entries if e["template"] == "delivered")
    assert licence_entry["document_number"] == signer_view["licence_number"]
    assert f"{signer_view['licence_number']}.pdf" in licence_entry["remarks"]

    period = _period(stack)
    exported = records.get("/officer/correspondence/dispatched", params={"format": "csv", **period})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert exported.content.startswith("\ufeff".encode()) and rows[0] == DISPATCHED_HEADER
    assert {e["label"] for e in entries} <= {r[0] for r in rows[1:]}

    pdf = records.get("/officer/correspondence/dispatched/pdf", params=period)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["Content-Type"] == "application/pdf"
    verified = public.session.post(
        public.url("/verify"), data=pdf.content, headers={"Content-Type": "application/pdf"}, timeout=120
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["issued_by_us"] is True
    assert verified.json()["report"]["summary"] == "valid"
    assert officer("reviewer").get("/officer/correspondence/dispatched/pdf").status_code == 403
