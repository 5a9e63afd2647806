"""The complete licence register over HTTP (R-5.1-R-5.5, Act §13), with a real public-register licence.

A food-shop licence is applied for, approved, paid and sealed; the public register then shows the
fields printed on it (the floor area too), its image (the sealed PDF), and finds it by number, name,
service, area and status. The head suspends, reinstates and revokes it: each change shows at once in
the public search and reaches the holder by e-mail with a sealed notice that verification recognises.
Paper licences are imported from CSV with a report per row, and one by one with their scans. The
daily sweep expires licences past their validity (moved to the end of the session: it runs the clock a
year ahead, and the clock never runs backwards).
"""

from __future__ import annotations

import base64
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from .conftest import (
    after_scan,
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

WAIT = 90
HEADER = "licence_number,service_id,holder,issued_on,valid_until,area,shop_name,shop_address,food_type,area_sqm"


def _issued_food_shop(new_citizen, officer, stack) -> tuple[Any, str, str]:
    """A food-shop licence (on the public register) issued through the whole e-Service."""
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
            timeout=WAIT,
        )
        answer = officer(group).post(f"{path}/decision", json={"step": step, "decision": "approve"})
        assert answer.status_code == 200, answer.text
    notice = wait_for(
        citizen, request_id, lambda n: "qr_payload" in n, path=f"/requests/{request_id}/payment", timeout=WAIT
    )
    paid = requests.post(
        f"{stack.url}/_local/pay/qr", json={"payload": notice["qr_payload"], "outcome": "paid"}, timeout=60
    )
    assert paid.status_code == 200, paid.text
    signer = officer("signer")
    number = wait_for(signer, request_id, waiting_at("signature"), path=path, timeout=WAIT)["licence_number"]
    signed = signer.post(f"{path}/decision", json={"step": "signature", "decision": "sign", "confirm": number})
    assert signed.status_code == 200, signed.text
    wait_for(citizen, request_id, status_is("delivered"), timeout=WAIT)
    return citizen, request_id, number


def _found(public, **params: str) -> list[dict[str, Any]]:
    response = public.get("/register", params={**params, "limit": 200})
    assert response.status_code == 200, response.text
    return list(response.json()["licences"])


def _sealed_notice_verifies(stack, public, email: str, subject_part: str) -> dict[str, Any]:
    """The holder's e-mail with the notice, and what verification says about the attached PDF."""
    mail = wait_for_mail(stack, email, lambda m: subject_part in m["subject"], timeout=WAIT)
    listed = requests.get(f"{stack.url}/_local/mailbox", params={"files": "1", "to": email}, timeout=60).json()[
        "messages"
    ]
    full = next(m for m in listed if m["subject"] == mail["subject"] and email in m["to"])
    (attachment,) = [f for f in full["files"] if f["name"].endswith(".pdf")]
    pdf = base64.b64decode(attachment["base64"])
    checked = public.post("/verify", data=pdf, headers={"Content-Type": "application/pdf"})
    assert checked.status_code == 200, checked.text
    return dict(checked.json())


def _paper_row(
    number: str, today: date, *, holder: str = "นางสาวสมใจ ดีงาม", until: str | None = None, sqm: str = "320"
) -> str:
    """A CSV row of a paper licence in force on ``today`` (the local stack's virtual date, which other tests move)."""
    issued = (today - timedelta(days=200)).isoformat()
    until = until or (today + timedelta(days=500)).isoformat()
    return f"{number},food-shop,{holder},{issued},{until},ตำบลคลองน้อย,ร้านสมใจ {number},9 ถนนท่าทอง,restaurant,{sqm}"


def test_given_an_issued_food_shop_licence_then_the_public_register_shows_its_printed_fields_and_image(
    new_citizen, officer, stack, public
):
    _, _, number = _issued_food_shop(new_citizen, officer, stack)

    entry = public.get(f"/register/{number}").json()["licence"]

    # every field printed on the licence, the floor area included; no personal identifier.
    assert entry["fields"] == {
        "shop_name": "ครัวคุณหญิง",
        "shop_address": "45 ถนนตลาดใหม่ ตำบลคลองน้อย",
        "food_type": "restaurant",
        "area_sqm": 250,
    }
    assert entry["holder"] == "สมหญิง รักดี" and entry["status"] == "in_force" and entry["imported"] is False
    assert "request_id" not in entry and "1101700203450" not in str(entry) and "0812345678" not in str(entry)
    # Act §13(1): the image of the licence is the sealed licence itself, served inline.
    assert entry["image"]["kind"] == "sealed_pdf"
    image = requests.get(entry["image"]["url"], timeout=30)
    assert image.status_code == 200 and image.content.startswith(b"%PDF-")
    assert image.headers["Content-Disposition"] == "inline"
    # Public search, no sign-in: by number, business name, service, area and status.
    assert [e["licence_number"] for e in _found(public, q=number)] == [number]
    assert number in [e["licence_number"] for e in _found(public, q="ครัวคุณหญิง", service="food-shop")]
    assert number in [e["licence_number"] for e in _found(public, area="ตลาดใหม่", status="in_force")]
    assert number not in [e["licence_number"] for e in _found(public, status="revoked")]
    assert public.get("/register", params={"status": "deleted"}).status_code == 422


def test_given_the_head_suspends_reinstates_and_revokes_then_each_shows_at_once_and_the_holder_gets_sealed_notices(
    new_citizen, officer, stack, public
):
    citizen, _, number = _issued_food_shop(new_citizen, officer, stack)
    path = f"/officer/register/{number}/status"

    refused = officer("reviewer").post(path, json={"status": "suspended", "reason": "ตรวจพบปัญหา"})
    no_reason = officer("head").post(path, json={"status": "suspended", "reason": ""})
    until = (virtual_now(stack).date() + timedelta(days=200)).isoformat()  # the clock other tests move on
    suspended = officer("head").post(
        path, json={"status": "suspended", "reason": "ไม่ผ่านการตรวจสุขลักษณะ", "until": until}
    )

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "licence.forbidden"
    assert no_reason.status_code == 422
    assert suspended.status_code == 200, suspended.text
    assert [e["status"] for e in _found(public, q=number)] == ["suspended"]  # at once
    report = _sealed_notice_verifies(stack, public, citizen.login.email, f"{number} ถูกพักใช้")
    assert report["issued_by_us"] is True
    assert report["report"]["summary"] == "valid", report["report"]

    reinstated = officer("admin").post(path, json={"status": "in_force", "reason": "ปรับปรุงสถานที่แล้ว"})
    assert reinstated.status_code == 200, reinstated.text
    assert [e["status"] for e in _found(public, q=number)] == ["in_force"]
    assert _sealed_notice_verifies(stack, public, citizen.login.email, f"{number} กลับมามีผลใช้บังคับ")["issued_by_us"]

    revoked = officer("head").post(path, json={"status": "revoked", "reason": "ฝ่าฝืนเงื่อนไขใบอนุญาตซ้ำ"})
    assert revoked.status_code == 200, revoked.text
    assert [e["status"] for e in _found(public, q=number, status="revoked")] == ["revoked"]
    assert _sealed_notice_verifies(stack, public, citizen.login.email, f"{number} ถูกเพิกถอน")["issued_by_us"]
    again = officer("head").post(path, json={"status": "in_force", "reason": "ขอคืน"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "licence.revoked"
    history = public.get(f"/register/{number}").json()["licence"]["history"]
    assert [h["status"] for h in history] == ["in_force", "suspended", "in_force", "revoked"]
    assert all("by" not in h for h in history)  # officers' ids are not public


def test_given_a_csv_of_paper_licences_then_good_rows_are_imported_bad_rows_reported_and_a_reimport_changes_nothing(
    officer, public, stack
):
    tag = uuid.uuid4().hex[:6].upper()
    today = virtual_now(stack).date()
    good, other = f"FS-P{tag}-1", f"FS-P{tag}-2"
    text = "\ufeff" + "\n".join(
        [
            HEADER,
            _paper_row(good, today),
            _paper_row(f"FS-P{tag}-3", today, holder=""),
            _paper_row(f"FS-P{tag}-4", today, until="2020-01-01"),
            _paper_row(f"FS-P{tag}-5", today, sqm="มาก"),
            _paper_row(other, today),
        ]
    )

    refused = officer("reviewer").post("/officer/register/import", json={"csv": text})
    report = officer("admin").post("/officer/register/import", json={"csv": text})
    again = officer("head").post("/officer/register/import", json={"csv": text})

    assert refused.status_code == 403
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["rows"] == 5 and body["imported"] == [good, other]
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (3, "import.holder_required"),
        (4, "import.not_in_force"),
        (5, "import.field_invalid"),
    ]
    assert all(e["message"]["th"] and e["message"]["en"] for e in body["errors"])
    assert again.json()["imported"] == [] and again.json()["unchanged"] == [good, other]
    found = _found(public, q=good)
    assert len(found) == 1 and found[0]["imported"] is True and found[0]["fields"]["area_sqm"] == 320
    assert found[0]["business_name"] == f"ร้านสมใจ {good}" and found[0]["area"] == "ตำบลคลองน้อย"
    bad = officer("admin").post("/officer/register/import", json={"csv": "licence_number,holder\nX,Y\n"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "import.columns_missing"


def test_given_one_paper_licence_with_its_scan_then_it_is_registered_and_its_public_page_shows_the_scan(
    officer, public, stack
):
    admin = officer("admin")
    today = virtual_now(stack).date()
    number = f"FS-S{uuid.uuid4().hex[:6].upper()}"
    offer = admin.post("/officer/register/scans", json={"file_name": "licence.png"})
    assert offer.status_code == 201, offer.text
    assert send_file(offer.json(), png_bytes(), "licence.png").status_code == 204
    row = {
        "licence_number": number,
        "service_id": "food-shop",
        "holder": "นายสมศักดิ์ ทองดี",
        "issued_on": (today - timedelta(days=100)).isoformat(),
        "valid_until": (today + timedelta(days=265)).isoformat(),
        "scan_id": offer.json()["scan_id"],
        "fields": {
            "shop_name": "ข้าวแกงทองดี",
            "shop_address": "3 ถนนริมคลอง",
            "food_type": "restaurant",
            "area_sqm": 240,
        },
    }

    imported = after_scan(lambda: admin.post("/officer/register/licences", json=row))
    missing_scan = admin.post(
        "/officer/register/licences", json={**row, "licence_number": number + "X", "scan_id": "0" * 32}
    )

    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == [number], imported.json()
    assert [e["code"] for e in missing_scan.json()["errors"]] == ["import.scan_missing"]
    entry = public.get(f"/register/{number}").json()["licence"]
    assert entry["imported"] is True and entry["fields"]["area_sqm"] == 240
    assert entry["image"]["kind"] == "scan" and entry["image"]["media_type"] == "image/png"
    image = requests.get(entry["image"]["url"], timeout=30)
    assert image.status_code == 200 and image.content == png_bytes()


@pytest.mark.clock_far_ahead
def test_given_a_licence_past_its_validity_when_the_daily_sweep_runs_then_it_expires_and_the_holder_is_told(
    new_citizen, officer, stack, public
):
    citizen, _, number = _issued_food_shop(new_citizen, officer, stack)
    valid_until = public.get(f"/register/{number}").json()["licence"]["valid_until"]
    moved = requests.post(f"{stack.url}/_local/clock", json={"set": f"{valid_until}T12:00:00+07:00"}, timeout=120)
    assert moved.status_code == 200, moved.text
    moved = requests.post(f"{stack.url}/_local/clock", json={"advance": "P1D"}, timeout=120)
    assert moved.status_code == 200, moved.text

    # What the daily LicenceExpiry schedule does (infra/stack.py), fired here as EventBridge Scheduler would.
    swept = requests.post(f"{stack.url}/_local/schedules/LicenceExpiry", timeout=120)
    again = requests.post(f"{stack.url}/_local/schedules/LicenceExpiry", timeout=120)

    assert swept.status_code == 200, swept.text
    assert swept.json()["expired"] >= 1 and again.json()["expired"] == 0
    assert [e["status"] for e in _found(public, q=number)] == ["expired"]
    report = _sealed_notice_verifies(stack, public, citizen.login.email, f"{number} สิ้นอายุ")
    assert report["issued_by_us"] is True
    assert public.get(f"/register/{number}").json()["licence"]["history"][-1]["status"] == "expired"
