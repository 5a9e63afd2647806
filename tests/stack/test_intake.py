"""Intake and official time over HTTP against the local stack (Q1, Q2, Q3, R-2.1, R-2.3, R-2.4, R-3.3, Q4.5).

Tests here move the virtual clock forward only, in date order, so they run top to bottom.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta

import boto3
import pytest
import requests

from eservice.thai_dates import format_thai_datetime
from local.stack import REGION

from .conftest import (
    FIRE_ANSWERS,
    FOOD_ANSWERS,
    agency_calendar,
    pdf_bytes,
    png_bytes,
    prepared_draft,
    submit,
    upload,
    virtual_now,
    wait_for,
    wait_for_mail,
)

pytestmark = pytest.mark.stack


def _stamped(client, request_id):
    return wait_for(client, request_id, lambda r: bool(r.get("receipt_number")))


# --- catalogue (Q1) ---------------------------------------------------------------------------------------
def test_given_the_catalogue_when_searching_thai_or_english_partial_words_then_matching_services_come_back(public):
    thai = public.get("/services", params={"q": "อาหาร"}).json()["services"]
    english = public.get("/services", params={"q": "fire"}).json()["services"]
    nothing = public.get("/services", params={"q": "ไม่มีบริการนี้"}).json()["services"]

    assert [s["id"] for s in thai] == ["food-shop"]
    assert [s["id"] for s in english] == ["fire-certificate"]
    assert nothing == []


def test_given_a_service_when_opening_it_then_documents_fee_sla_and_contacts_are_shown(public):
    detail = public.get("/services/food-shop").json()

    assert detail["sla_working_days"] == 30
    assert detail["fee"]["kind"] == "per_unit"
    assert {d["id"] for d in detail["documents"]} >= {"id_card", "shop_map"}
    assert detail["contact"]["phone"] == "077-355-105"
    assert public.get("/services/no-such-service").json()["error"]["code"] == "service.not_found"


def test_given_no_sign_in_when_calling_a_citizen_route_then_the_gateway_refuses(public):
    assert public.get("/drafts").status_code == 401


# --- drafts, prefill, validation (Q3.2, Q3.5, Q3.6) --------------------------------------------------------
def test_given_a_saved_draft_when_resuming_it_then_the_answers_are_kept_and_it_is_not_a_request(new_citizen):
    citizen = new_citizen()
    draft = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": {"applicant_name": "สมศรี"}})
    draft_id = draft.json()["id"]

    saved = citizen.put(f"/drafts/{draft_id}", json={"answers": {"applicant_name": "สมศรี มีสุข", "purpose": "relief"}})
    resumed = citizen.get(f"/drafts/{draft_id}").json()

    assert saved.status_code == 200
    assert resumed["answers"]["applicant_name"] == "สมศรี มีสุข"
    assert resumed["answers"]["purpose"] == "relief"
    assert citizen.get("/requests").json()["requests"] == []
    assert [d["id"] for d in citizen.get("/drafts").json()["drafts"]] == [draft_id]


def test_given_a_discarded_draft_then_it_is_kept_but_no_longer_listed_or_editable(new_citizen):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate"}).json()["id"]

    discarded = citizen.delete(f"/drafts/{draft_id}").json()

    assert discarded["state"] == "discarded"
    assert citizen.get("/drafts").json()["drafts"] == []
    edit = citizen.put(f"/drafts/{draft_id}", json={"answers": {}})
    assert edit.status_code == 409 and edit.json()["error"]["code"] == "draft.closed"


def test_given_a_profile_when_starting_a_draft_then_the_form_is_prefilled_and_can_be_changed(new_citizen):
    citizen = new_citizen()
    citizen.put("/me/profile", json={"full_name": "วิชัย ขยันดี", "national_id": "1101700203450", "phone": "0899999999"})

    draft = citizen.post("/drafts", json={"service_id": "food-shop", "answers": {"phone": "0811111111"}}).json()

    assert draft["answers"]["applicant_name"] == "วิชัย ขยันดี"
    assert draft["answers"]["national_id"] == "1101700203450"
    assert draft["answers"]["phone"] == "0811111111"
    assert draft["answers"]["email"] == citizen.login.email


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("national_id", "1101700203451", "field.national_id"),
        ("phone", "12345", "field.phone"),
        ("email", "not-an-email", "field.email"),
        ("area_sqm", 150, "field.too_small"),
        ("area_sqm", "lots", "field.type"),
        ("seats", 10.5, "field.not_integer"),
        ("food_type", "casino", "field.choice"),
        ("opening_date", "15/01/2027", "field.date_format"),
        ("opening_date", "2020-01-01", "field.date_in_past"),
        ("hygiene_training", "yes", "field.type"),
        ("favourite_colour", "blue", "field.unknown"),
    ],
)
def test_given_a_wrong_answer_when_saving_then_that_field_gets_a_stable_code_in_thai_and_english(
    new_citizen, field, value, code
):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "food-shop"}).json()["id"]

    response = citizen.put(f"/drafts/{draft_id}", json={"answers": {**FOOD_ANSWERS, field: value}})

    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "form.invalid"
    problem = next(d for d in error["details"] if d["field"] == field)
    assert problem["code"] == code
    assert problem["message"]["th"] and problem["message"]["en"]


def test_given_missing_required_answers_when_confirming_then_every_missing_field_is_listed(new_citizen):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate"}).json()["id"]

    error = citizen.get(f"/drafts/{draft_id}/confirmation").json()["error"]

    required = {d["field"] for d in error["details"] if d["code"] == "field.required"}
    assert {"applicant_name", "national_id", "incident_date", "purpose"} <= required


# --- attachments (Q3.4, R-3.3) ---------------------------------------------------------------------------
def test_given_an_executable_renamed_to_pdf_when_checked_then_it_is_rejected_and_not_accepted(new_citizen):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS}).json()["id"]

    checked = upload(citizen, draft_id, "id_card", "id.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    png_as_pdf = upload(citizen, draft_id, "id_card", "scan.pdf", png_bytes())

    assert checked.status_code == 400 and checked.json()["error"]["code"] == "file.type_not_allowed"
    assert png_as_pdf.status_code == 400 and png_as_pdf.json()["error"]["code"] == "file.type_mismatch"
    states = {a["state"] for a in citizen.get(f"/drafts/{draft_id}").json()["attachments"].values()}
    assert states == {"rejected"}
    missing = citizen.get(f"/drafts/{draft_id}/confirmation").json()["error"]
    assert missing["code"] == "attachments.missing"


def test_given_an_empty_or_hostile_file_when_checked_then_each_gets_its_own_clear_4xx(new_citizen):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate"}).json()["id"]
    html = b"<!doctype html><html><body>%PDF-1.7 looks like a PDF</body></html>"

    empty = upload(citizen, draft_id, "id_card", "id.pdf", b"")
    page = upload(citizen, draft_id, "id_card", "id.pdf", html)
    cut = upload(citizen, draft_id, "id_card", "id.pdf", pdf_bytes()[:400])

    # The page is text, which a slot accepts (R-3.3), but not a PDF as its name says: the applicant is told so.
    for response, code in ((empty, "file.empty"), (page, "file.type_mismatch"), (cut, "file.broken_pdf")):
        error = response.json()["error"]
        assert response.status_code == 400 and error["code"] == code, response.text
        assert error["message"]["th"] and error["message"]["en"]


def test_given_a_check_before_upload_then_the_applicant_is_told_to_upload_first(new_citizen):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate"}).json()["id"]
    start = citizen.post(f"/drafts/{draft_id}/attachments", json={"document_id": "id_card", "file_name": "a.pdf"})

    checked = citizen.post(f"/drafts/{draft_id}/attachments/{start.json()['attachment']['id']}/check")

    assert checked.status_code == 409 and checked.json()["error"]["code"] == "attachment.not_uploaded"


# --- confirmation, signature of intent, submission (Q3.7-Q3.10, R-2.3) -------------------------------------
def test_given_a_complete_request_when_submitted_then_it_is_registered_acknowledged_and_timestamped(new_citizen, stack):
    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    confirmation = citizen.get(f"/drafts/{draft_id}/confirmation").json()
    assert next(r["label"] for r in confirmation["rows"]) == "ชื่อ-นามสกุลผู้ยื่นคำขอ"
    assert len(confirmation["attachments"]) == 2

    request = submit(citizen, draft_id)
    stamped = _stamped(citizen, request["id"])

    assert re.fullmatch(r"\d+/2569", stamped["receipt_number"])
    assert stamped["contact"]["records_office_phone"] == "077-355-101"
    assert stamped["intent"]["content_hash"] == confirmation["content_hash"]
    assert stamped["timestamp_token"] is True
    mail = wait_for(citizen, request["id"], lambda r: "acknowledgment" in r["documents"])
    assert mail["documents"]["acknowledgment"]["sealed"] is True
    message = wait_for_mail(stack, citizen.login.email, lambda m: stamped["receipt_number"] in m["subject"])
    assert message["attachments"] == [f"acknowledgment-{request['id']}.pdf"]
    deemed_th = format_thai_datetime(datetime.fromisoformat(stamped["deemed_received_at"]))
    assert f"วันและเวลาที่ถือว่าได้รับคำขอ {deemed_th}" in message["body"]
    table = boto3.resource("dynamodb", region_name=REGION).Table(stack.resource("Table/Resource"))
    stored = table.get_item(Key={"PK": f"REQ#{request['id']}", "SK": "META"})["Item"]
    assert stored["answers"]["applicant_name"] == FIRE_ANSWERS["applicant_name"]


def test_given_a_changed_draft_after_confirmation_when_submitting_then_the_old_confirmation_is_refused(new_citizen):
    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    confirmation = citizen.get(f"/drafts/{draft_id}/confirmation").json()
    answers = citizen.get(f"/drafts/{draft_id}").json()["answers"]
    citizen.put(f"/drafts/{draft_id}", json={"answers": {**answers, "purpose": "relief"}})

    response = citizen.post(
        f"/drafts/{draft_id}/submit",
        json={"declaration": confirmation["declaration"], "content_hash": confirmation["content_hash"], "accept": True},
    )

    assert response.status_code == 409 and response.json()["error"]["code"] == "confirmation.outdated"


def test_given_the_declaration_not_accepted_when_submitting_then_nothing_is_submitted(new_citizen):
    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    confirmation = citizen.get(f"/drafts/{draft_id}/confirmation").json()

    declined = citizen.post(
        f"/drafts/{draft_id}/submit",
        json={
            "declaration": confirmation["declaration"],
            "content_hash": confirmation["content_hash"],
            "accept": False,
        },
    )
    altered = citizen.post(
        f"/drafts/{draft_id}/submit",
        json={"declaration": "ข้อความอื่น", "content_hash": confirmation["content_hash"], "accept": True},
    )

    assert declined.json()["error"]["code"] == "declaration.not_accepted"
    assert altered.json()["error"]["code"] == "declaration.mismatch"
    assert citizen.get("/requests").json()["requests"] == []


def test_given_a_double_click_when_submitting_twice_at_once_then_there_is_one_request(new_citizen):
    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    confirmation = citizen.get(f"/drafts/{draft_id}/confirmation").json()
    body = {"declaration": confirmation["declaration"], "content_hash": confirmation["content_hash"], "accept": True}

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: citizen.post(f"/drafts/{draft_id}/submit", json=body), range(2)))
    again = citizen.post(f"/drafts/{draft_id}/submit", json=body)

    ids = {a.json()["id"] for a in [*answers, again] if a.status_code == 201}
    assert len(ids) == 1
    assert [r["id"] for r in citizen.get("/requests").json()["requests"]] == list(ids)
    stamped = _stamped(citizen, ids.pop())
    assert [h["status"] for h in stamped["history"]].count("received") == 1


def test_given_another_citizen_when_reading_my_request_then_it_does_not_exist_for_them(new_citizen):
    owner, stranger = new_citizen(), new_citizen()
    request = submit(owner, prepared_draft(owner))

    response = stranger.get(f"/requests/{request['id']}")

    assert response.status_code == 404


def test_given_acting_for_a_company_without_a_power_of_attorney_then_submission_is_refused(new_citizen):
    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    saved = citizen.put(
        f"/drafts/{draft_id}",
        json={
            "answers": citizen.get(f"/drafts/{draft_id}").json()["answers"],
            "on_behalf_of": {"kind": "juristic_person", "name": "บริษัท คลองน้อยค้าไม้ จำกัด", "identifier": "0845561000123"},
        },
    )
    assert saved.status_code == 200, saved.text

    error = citizen.get(f"/drafts/{draft_id}/confirmation").json()["error"]

    assert error["code"] == "attachments.missing"
    assert [d["field"] for d in error["details"]] == ["documents.power_of_attorney"]


def test_given_parallel_submissions_then_receipt_numbers_are_unique_and_gap_free(new_citizen, stack):
    citizens = [new_citizen() for _ in range(8)]
    drafts = [(c, prepared_draft(c)) for c in citizens]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        requests_ = list(pool.map(lambda pair: submit(*pair), drafts))
    numbers = [_stamped(c, r["id"])["receipt_number"] for c, r in zip(citizens, requests_, strict=True)]

    assert len(set(numbers)) == 8
    table = boto3.resource("dynamodb", region_name=REGION).Table(stack.resource("Table/Resource"))
    claimed = [int(i["number"]) for i in table.scan()["Items"] if str(i["PK"]).startswith("NUMBER#receipt#2569#")]
    assert sorted(claimed) == list(range(1, max(claimed) + 1))


def test_given_the_timestamp_token_then_openssl_verifies_it_against_the_agency_tsa(new_citizen, stack, tmp_path):
    if shutil.which("openssl") is None:
        pytest.fail("openssl is part of the test toolchain (make test installs it)")
    citizen = new_citizen()
    request = submit(citizen, prepared_draft(citizen))
    _stamped(citizen, request["id"])
    table = boto3.resource("dynamodb", region_name=REGION).Table(stack.resource("Table/Resource"))
    record = table.get_item(Key={"PK": f"REQ#{request['id']}", "SK": "META"})["Item"]
    # Issue 14: the token is kept in its own row under the request, not on the request item.
    stamp = table.get_item(Key={"PK": f"REQ#{request['id']}", "SK": "TIMESTAMP#receipt"})["Item"]
    assert "timestamp_token" not in record
    bundle = json.loads(table.get_item(Key={"PK": "PKI#agency", "SK": "BUNDLE"})["Item"]["bundle"])
    (tmp_path / "token.der").write_bytes(base64.b64decode(stamp["token"]))
    (tmp_path / "root.pem").write_text(bundle["root_cert"])
    (tmp_path / "tsa.pem").write_text(bundle["tsa_cert"])

    result = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-digest",
            record["intent"]["content_hash"],
            "-in",
            str(tmp_path / "token.der"),
            "-token_in",
            "-CAfile",
            str(tmp_path / "root.pem"),
            "-untrusted",
            str(tmp_path / "tsa.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert "Verification: OK" in result.stdout, result.stdout + result.stderr


def test_given_the_tsa_endpoint_when_openssl_sends_a_query_then_it_answers_rfc3161(stack, tmp_path):
    data = tmp_path / "data.txt"
    data.write_bytes("คำขอ".encode())
    query = subprocess.run(
        ["openssl", "ts", "-query", "-data", str(data), "-sha256", "-cert"], capture_output=True, check=True
    ).stdout

    reply = requests.post(
        f"{stack.url}/api/tsa", data=query, headers={"Content-Type": "application/timestamp-query"}, timeout=30
    )
    (tmp_path / "reply.tsr").write_bytes(reply.content)
    text = subprocess.run(
        ["openssl", "ts", "-reply", "-in", str(tmp_path / "reply.tsr"), "-text"], capture_output=True, text=True
    ).stdout

    assert reply.status_code == 200
    assert "Status: Granted." in text


# --- official time of receipt (R-2.4) and SLA (Q4.5), on the virtual clock ---------------------------------
def _moment(day, hour, minute, calendar):
    return datetime.combine(day, time(hour, minute), tzinfo=calendar.timezone)


def _case(kind, today, calendar):
    """(time of entry, deemed time of receipt) for one kind of case, after ``today`` on the virtual clock: the
    clock only runs forward, so fixed dates would lapse (the fixed legal table is in tests/unit)."""
    day = calendar.next_working_day(today)
    if kind == "in_office_hours":
        entered = _moment(day, 10, 15, calendar)
        return entered, entered
    if kind == "after_closing_before_days_off":
        # A working day followed by a day off (a Friday, or the eve of a holiday or closure): the next working
        # day's opening, days later.
        while calendar.is_working_day(day + timedelta(days=1)):
            day = calendar.next_working_day(day)
        return _moment(day, 17, 5, calendar), _moment(calendar.next_working_day(day), 8, 30, calendar)
    # "sunday_night_in_utc", the seed's own kind of case: Sunday 14:33 UTC is 21:33 in Bangkok.
    sunday = today + timedelta(days=(6 - today.weekday()) or 7)
    entered = datetime.combine(sunday, time(14, 33), tzinfo=UTC)
    return entered, _moment(calendar.next_working_day(sunday), 8, 30, calendar)


@pytest.mark.parametrize("kind", ["in_office_hours", "after_closing_before_days_off", "sunday_night_in_utc"])
def test_given_the_time_of_entry_when_submitting_then_the_deemed_time_of_receipt_follows_the_act(
    new_citizen, stack, kind
):
    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    calendar = agency_calendar(stack)
    entered, deemed = _case(kind, virtual_now(stack).astimezone(calendar.timezone).date(), calendar)
    moved = requests.post(f"{stack.url}/_local/clock", json={"set": entered.isoformat()}, timeout=30)
    assert moved.status_code == 200, moved.text

    request = submit(citizen, draft_id)
    stamped = _stamped(citizen, request["id"])

    received = datetime.fromisoformat(stamped["deemed_received_at"])
    if entered == deemed:
        # Inside office hours the deemed time is the time of entry itself (seconds after the clock was set).
        assert received == datetime.fromisoformat(stamped["submitted_at"])
        assert 0 <= (received - entered).total_seconds() < 60
    else:
        assert received == deemed
        assert received.astimezone(calendar.timezone).time() == time(8, 30)
        assert received.date() > entered.astimezone(calendar.timezone).date()
    assert datetime.fromisoformat(stamped["due_at"]) > received


# --- signed PDFs attached by applicants (R-3.3.6) and e-stamp codes (R-3.3.8) ------------------------------
def test_given_an_attached_pdf_sealed_by_a_trusted_agency_then_its_signature_check_is_kept_for_the_officer(
    new_citizen, officer, stack
):
    issuer = new_citizen()
    issued = submit(issuer, prepared_draft(issuer))
    sealed = wait_for(issuer, issued["id"], lambda r: "acknowledgment" in r["documents"])
    link = issuer.get(f"/requests/{issued['id']}/documents/acknowledgment").json()
    sealed_pdf = requests.get(link["url"], timeout=30).content
    assert sealed["documents"]["acknowledgment"]["sealed"]

    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS}).json()["id"]
    signed = upload(citizen, draft_id, "police_report", "sealed.pdf", sealed_pdf).json()["attachment"]
    plain = upload(citizen, draft_id, "id_card", "id.pdf", pdf_bytes()).json()["attachment"]

    assert signed["signature_check"]["summary"] == "valid"
    assert signed["signature_check"]["signatures"][0]["signer_organization"] == "เทศบาลตำบลคลองน้อย"
    assert "signature_check" not in plain


def test_given_an_estamp_code_when_saving_then_its_format_is_checked(new_citizen):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate"}).json()["id"]

    bad = citizen.put(f"/drafts/{draft_id}", json={"answers": {}, "estamp_code": "12345"})
    good = citizen.put(f"/drafts/{draft_id}", json={"answers": {}, "estamp_code": "ab12-cd34-ef56-gh78"})

    assert bad.status_code == 400 and bad.json()["error"]["code"] == "estamp.format"
    assert good.json()["estamp_code"] == "AB12-CD34-EF56-GH78"
