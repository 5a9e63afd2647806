"""Upload hardening and the officers' access log, on the in-memory fakes (issue 10).

Given/When/Then over the use cases: a file is accepted only once the malware scan found no threats
(Q9.2); every officer read of a request's details and every file download is recorded with who and
when, never with the applicant's data, and only the head and administrators read that record (R-1.10).
"""

from __future__ import annotations

import json

import pytest

from eservice.errors import Conflict, Forbidden, InvalidInput, NotFound
from eservice.files import SCAN_NO_THREATS_FOUND, SCAN_THREATS_FOUND, check_scan_result
from eservice.officers import Officer

from .use_case_fixtures import CITIZEN, EVERY_UNIT, HEAD, PDF, REVIEWER, TENANT, World, answers_for

ADMIN = Officer(id="officer-admin", email=None, groups=frozenset({"admin"}))
ID_CARD = TENANT.service("fire-certificate").documents[0]


# --- the malware scan gate -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (None, Conflict, "file.scan_pending"),
        (SCAN_THREATS_FOUND, InvalidInput, "file.malware"),
        ("UNSUPPORTED", InvalidInput, "file.scan_failed"),
        ("FAILED", InvalidInput, "file.scan_failed"),
        ("ACCESS_DENIED", InvalidInput, "file.scan_failed"),
    ],
)
def test_given_a_scan_status_other_than_clean_then_the_file_is_not_accepted(
    status: str | None, error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as raised:
        check_scan_result(status, ID_CARD)

    refusal = raised.value.as_dict()["error"]  # type: ignore[attr-defined]
    assert refusal["code"] == code
    assert refusal["message"]["th"] and refusal["message"]["en"]


def test_given_no_threats_found_then_the_scan_lets_the_file_through() -> None:
    check_scan_result(SCAN_NO_THREATS_FOUND, ID_CARD)


def test_given_an_upload_whose_scan_has_not_finished_when_checked_then_pending_and_nothing_changes() -> None:
    world = World()
    draft = world.applications.create_draft(CITIZEN, "fire-certificate", answers=answers_for("fire-certificate"))
    offer = world.applications.start_upload(CITIZEN, draft["id"], document_id="id_card", file_name="id.pdf")
    key = offer["attachment"]["quarantine_key"]
    world.uploads.put(key, PDF, scan=None)

    with pytest.raises(Conflict) as pending:
        world.applications.check_upload(CITIZEN, draft["id"], offer["attachment"]["id"])
    world.uploads.put(key, PDF)  # GuardDuty's tag arrives
    accepted = world.applications.check_upload(CITIZEN, draft["id"], offer["attachment"]["id"])

    assert pending.value.code == "file.scan_pending"
    assert accepted["attachment"]["state"] == "accepted"


def test_given_a_threat_when_checked_then_rejected_as_malware_kept_in_quarantine_and_never_copied() -> None:
    world = World()
    draft = world.applications.create_draft(CITIZEN, "fire-certificate", answers=answers_for("fire-certificate"))
    offer = world.applications.start_upload(CITIZEN, draft["id"], document_id="id_card", file_name="id.pdf")
    key = offer["attachment"]["quarantine_key"]
    world.uploads.put(key, PDF, scan=SCAN_THREATS_FOUND)

    with pytest.raises(InvalidInput) as refused:
        world.applications.check_upload(CITIZEN, draft["id"], offer["attachment"]["id"])

    assert refused.value.code == "file.malware"
    attachment = world.applications.draft(CITIZEN, draft["id"])["attachments"][offer["attachment"]["id"]]
    assert attachment["state"] == "rejected" and attachment["rejection"]["code"] == "file.malware"
    assert list(world.uploads.objects) == [key]


def test_given_an_upload_offer_then_it_is_a_post_form_limited_to_the_slot() -> None:
    world = World()
    draft = world.applications.create_draft(CITIZEN, "fire-certificate", answers=answers_for("fire-certificate"))

    offer = world.applications.start_upload(CITIZEN, draft["id"], document_id="id_card", file_name="id.pdf")

    assert offer["upload"]["method"] == "POST"
    limit = int(ID_CARD.max_size_mb * 1024 * 1024)
    assert offer["limits"]["max_size_bytes"] == limit
    assert offer["upload"]["fields"]["policy"] == f"content-length-range 0 {limit}"


# --- the access log ----------------------------------------------------------------------------------
def test_given_a_reviewer_reads_and_downloads_then_the_head_sees_both_with_who_what_and_when() -> None:
    world = World()
    request_id = world.submitted()
    detail = world.officers.detail(REVIEWER, request_id)
    attachment = detail["attachments"][0]

    link = world.officers.attachment_download(REVIEWER, request_id, attachment["id"])
    trail = world.officers.access_log(HEAD, request_id).items

    assert "url" not in attachment  # every download goes through the recorded link
    assert link["url"].startswith("https://files.invalid/uploads/") and link["expires_in"] == 300
    reviewer = {"kind": "officer", "id": REVIEWER.id, "role": "reviewer"}
    assert [(e["by"], e["action"]) for e in trail] == [(reviewer, "request.read"), (reviewer, "file.download")]
    assert trail[1]["target"] == {"attachment_id": attachment["id"], "document_id": attachment["document_id"]}
    assert all(e["at"] for e in trail)


def test_given_the_access_log_then_it_holds_no_personal_data_of_the_applicant() -> None:
    world = World()
    request_id = world.submitted()
    detail = world.officers.detail(REVIEWER, request_id)
    world.officers.attachment_download(REVIEWER, request_id, detail["attachments"][0]["id"])

    stored = json.dumps(world.db.state.access_log, ensure_ascii=False)

    answers = answers_for("fire-certificate")
    for value in (answers["applicant_name"], answers["national_id"], answers["phone"], CITIZEN.id, "id.pdf"):
        assert value not in stored


@pytest.mark.parametrize(
    "reader", [REVIEWER, Officer(id="o-f", email=None, groups=frozenset({"finance"}) | EVERY_UNIT)]
)
def test_given_an_officer_who_is_not_head_or_admin_then_the_access_log_is_forbidden(reader: Officer) -> None:
    world = World()
    request_id = world.submitted()

    with pytest.raises(Forbidden) as refused:
        world.officers.access_log(reader, request_id)

    assert refused.value.code == "audit.forbidden"


def test_given_an_admin_then_the_access_log_reads_in_pages_oldest_first() -> None:
    world = World()
    request_id = world.submitted()
    for _ in range(3):
        world.officers.detail(REVIEWER, request_id)

    first = world.officers.access_log(ADMIN, request_id, limit=2)
    rest = world.officers.access_log(ADMIN, request_id, limit=2, cursor=first.cursor)

    assert len(first.items) == 2 and first.cursor is not None
    assert len(rest.items) == 1 and rest.cursor is None
    times = [e["at"] for e in first.items + rest.items]
    assert times == sorted(times)


def test_given_an_unknown_attachment_then_no_link_and_nothing_recorded() -> None:
    world = World()
    request_id = world.submitted()

    with pytest.raises(NotFound):
        world.officers.attachment_download(REVIEWER, request_id, "F-nope")

    assert world.officers.access_log(HEAD, request_id).items == []
