"""The holders of paper licences over HTTP (R-5.2, R-5.4, R-4.9, PDPA).

A paper licence of the back catalogue has no request and so no applicant to tell. Its holder's contact is
imported with it (checked per row, like every other column), kept as personal data off the public
register and open data, and added or corrected later by the records officer with its history. When the
licence is suspended or revoked, the holder gets the same sealed notice a request-born licence's holder
gets (verification recognises it), with an outgoing number in the dispatch register. A holder with no
contact is not forgotten: the status changes at once and the records officer sees "holder not reached";
once the contact is added, the notice goes.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from eservice.licence_register import HOLDER_SUBJECT_PREFIX

from .conftest import wait_for_mail
from .test_licence_register import _found, _sealed_notice_verifies
from .test_workflow_rules import _bounce

pytestmark = pytest.mark.stack

WAIT = 90
HEADER = (
    "licence_number,service_id,holder,issued_on,valid_until,area,shop_name,shop_address,food_type,area_sqm,"
    "holder_email,holder_phone,holder_address"
)
#: Far after the virtual clock, which other tests move forward (as the food-shop fixture's opening date).
VALID_UNTIL = "2035-12-31"


def _row(number: str, *, email: str = "", phone: str = "", address: str = "") -> str:
    issued = (date.today() - timedelta(days=200)).isoformat()
    return (
        f"{number},food-shop,นางสาวสมใจ ดีงาม,{issued},{VALID_UNTIL},ตำบลคลองน้อย,ร้านสมใจ {number},9 ถนนท่าทอง,"
        f"restaurant,320,{email},{phone},{address}"
    )


def _not_reached(records) -> list[dict[str, Any]]:
    listed = records.get("/officer/register/holders-not-reached")
    assert listed.status_code == 200, listed.text
    return list(listed.json()["licences"])


def _eventually(check, *, timeout: float = WAIT) -> Any:
    """Poll an asynchronous outcome (the notify function runs after the answer) until it holds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the outcome never came")
        time.sleep(0.5)


def test_given_paper_licences_with_a_holder_email_when_suspended_and_revoked_then_the_holders_get_sealed_notices(
    stack, officer, public
):
    tag = uuid.uuid4().hex[:6].upper()
    suspended_no, revoked_no, bad_no = f"FS-H{tag}-1", f"FS-H{tag}-2", f"FS-H{tag}-3"
    first, second = f"holder1-{tag.lower()}@example.com", f"holder2-{tag.lower()}@example.com"
    text = "\n".join(
        [
            HEADER,
            _row(suspended_no, email=first, phone="0812345678", address="9 ถนนท่าทอง"),
            _row(revoked_no, email=second),
            _row(bad_no, email=f"holder3-{tag.lower()}@example.com", phone="02-123-4567"),
        ]
    )

    report = officer("admin").post("/officer/register/import", json={"csv": text})

    assert report.status_code == 200, report.text
    assert report.json()["imported"] == [suspended_no, revoked_no]
    (error,) = report.json()["errors"]
    assert (error["row"], error["code"], error["field"]) == (4, "import.holder_phone_invalid", "holder_phone")
    assert error["message"]["th"] and error["message"]["en"]

    head = officer("head")
    suspended = head.post(
        f"/officer/register/{suspended_no}/status", json={"status": "suspended", "reason": "ไม่ผ่านการตรวจสุขลักษณะ"}
    )
    revoked = head.post(
        f"/officer/register/{revoked_no}/status", json={"status": "revoked", "reason": "ฝ่าฝืนเงื่อนไขใบอนุญาตซ้ำ"}
    )

    assert suspended.status_code == 200 and revoked.status_code == 200, (suspended.text, revoked.text)
    assert [e["status"] for e in _found(public, q=suspended_no)] == ["suspended"]  # at once
    for email, number, what in ((first, suspended_no, "ถูกพักใช้"), (second, revoked_no, "ถูกเพิกถอน")):
        checked = _sealed_notice_verifies(stack, public, email, f"{number} {what}")
        assert checked["issued_by_us"] is True
        assert checked["report"]["summary"] == "valid", checked["report"]
        assert checked["licence"]["licence_number"] == number
    mail = wait_for_mail(stack, first, lambda m: suspended_no in m["subject"], timeout=WAIT)
    assert f"เลขที่ใบอนุญาต {suspended_no}" in mail["body"] and "/#/register/" in mail["body"]

    # The holder's notice was sent once, on e-mail and SMS, and the e-mail has an outgoing number.
    records = officer("records")
    view = _eventually(
        lambda: (
            (v := records.get(f"/officer/register/licences/{suspended_no}").json())["holder_notices"][-1]["state"]
            == "sent"
            and v
        )
    )
    assert view["holder_notices"][-1]["channels"] == ["email", "sms"] and view["holder_not_reached"] is False
    assert view["holder_contact"] == {"email": first, "phone": "0812345678", "address": "9 ถนนท่าทอง"}
    sent = records.get("/officer/correspondence/dispatched", params={"q": suspended_no.casefold()})
    assert sent.status_code == 200, sent.text
    (entry,) = [e for e in sent.json()["entries"] if e.get("document_number") == suspended_no]
    assert entry["addressee"] == "นางสาวสมใจ ดีงาม" and entry["label"].count("/") == 1
    mailbox = requests.get(f"{stack.url}/_local/mailbox", timeout=60).json()["messages"]
    assert len([m for m in mailbox if m["channel"] == "email" and suspended_no in m["subject"]]) == 1
    assert len([m for m in mailbox if m["channel"] == "sms" and suspended_no in m["body"]]) == 1

    # PDPA: the contact is personal data; neither the public register nor open data shows it.
    public_page = public.get(f"/register/{suspended_no}")
    searched = public.get("/register", params={"q": suspended_no})
    published = officer("admin").post("/officer/open-data/publish")
    assert published.status_code == 200, published.text
    served = requests.get(f"{stack.url}/open-data/licence-register.csv", timeout=30).content.decode("utf-8-sig")
    served_json = requests.get(f"{stack.url}/open-data/licence-register.json", timeout=30).text
    assert suspended_no in served and suspended_no in public_page.text
    for shown in (public_page.text, searched.text, served, served_json):
        assert first not in shown and "0812345678" not in shown and "holder_contact" not in shown


def test_given_a_paper_licence_without_contact_when_revoked_then_the_officer_sees_holder_not_reached_until_a_contact(
    stack, officer, public
):
    tag = uuid.uuid4().hex[:6].upper()
    number = f"FS-N{tag}"
    email = f"late-{tag.lower()}@example.com"
    imported = officer("admin").post("/officer/register/import", json={"csv": HEADER + "\n" + _row(number)})
    assert imported.status_code == 200 and imported.json()["imported"] == [number], imported.text

    revoked = officer("head").post(
        f"/officer/register/{number}/status", json={"status": "revoked", "reason": "เลิกกิจการโดยไม่แจ้ง"}
    )

    assert revoked.status_code == 200, revoked.text
    assert [e["status"] for e in _found(public, q=number, status="revoked")] == ["revoked"]
    records = officer("records")
    (listed,) = [v for v in _not_reached(records) if v["licence_number"] == number]
    (notice,) = listed["holder_notices"]
    assert notice["state"] == "not_reached" and notice["why"] == "no_contact" and notice["status"] == "revoked"
    assert officer("reviewer").get("/officer/register/holders-not-reached").status_code == 403

    # The records officer adds the contact: checked first, then kept with its history, and the notice goes.
    bad = records.post(
        f"/officer/register/licences/{number}/holder-contact", json={"phone": "12345", "reason": "ผู้รับอนุญาตแจ้ง"}
    )
    added = records.post(
        f"/officer/register/licences/{number}/holder-contact",
        json={"email": email, "reason": "ผู้รับอนุญาตมาแจ้งอีเมลที่สำนักงาน"},
    )

    assert bad.status_code == 400 and bad.json()["error"]["code"] == "licence.holder_contact_invalid"
    assert [d["code"] for d in bad.json()["error"]["details"]] == ["holder_contact.phone_invalid"]
    assert added.status_code == 200, added.text
    (change,) = added.json()["holder_contact_history"]
    assert change["previous"] is None and change["contact"] == {"email": email} and change["by"]
    checked = _sealed_notice_verifies(stack, public, email, f"{number} ถูกเพิกถอน")
    assert checked["issued_by_us"] is True and checked["report"]["summary"] == "valid", checked["report"]
    _eventually(lambda: all(v["licence_number"] != number for v in _not_reached(records)))

    corrected = records.post(
        f"/officer/register/licences/{number}/holder-contact",
        json={"email": f"new-{email}", "reason": "แก้ไขอีเมลที่พิมพ์ผิด"},
    )
    assert corrected.status_code == 200, corrected.text
    assert [h["previous"] for h in corrected.json()["holder_contact_history"]] == [None, {"email": email}]
    assert email not in public.get(f"/register/{number}").text


def test_given_a_holders_notice_bounces_then_the_records_officer_sees_the_holder_not_reached(stack, officer):
    """SES reports a permanent bounce of the holder's e-mail (R-5.4): the notice is failed, the licence is
    listed as holder not reached with the reason, and the status change stands."""
    tag = uuid.uuid4().hex[:6].upper()
    number = f"FS-B{tag}"
    imported = officer("admin").post(
        "/officer/register/import", json={"csv": HEADER + "\n" + _row(number, email=f"gone-{tag.lower()}@example.com")}
    )
    assert imported.status_code == 200 and imported.json()["imported"] == [number], imported.text
    suspended = officer("head").post(
        f"/officer/register/{number}/status", json={"status": "suspended", "reason": "ค้างชำระค่าธรรมเนียมรายปี"}
    )
    assert suspended.status_code == 200, suspended.text
    records = officer("records")
    _eventually(
        lambda: records.get(f"/officer/register/licences/{number}").json()["holder_notices"][-1]["state"] == "sent"
    )
    assert all(v["licence_number"] != number for v in _not_reached(records))

    _bounce(stack, f"{HOLDER_SUBJECT_PREFIX}{number}", "licence_suspended")

    (listed,) = _eventually(lambda: [v for v in _not_reached(records) if v["licence_number"] == number])
    notice = listed["holder_notices"][-1]
    assert (notice["state"], notice["why"], notice["status"]) == ("not_reached", "email_bounce", "suspended")
    view = records.get(f"/officer/register/licences/{number}").json()
    assert view["holder_not_reached"] is True and view["status"] == "suspended"
