"""Officers' reads are recorded (issue 10, R-1.10): who read which request's personal data or downloaded
which file, and when. The head of the agency reads that trail; other officers get 403 in the error shape.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from .conftest import Client, prepared_draft, submit, wait_for

pytestmark = pytest.mark.stack


def test_given_a_reviewer_reads_a_request_and_downloads_a_file_then_the_head_sees_both_with_who_and_when(
    new_citizen: Callable[[], Client], officer: Callable[[str], Client]
) -> None:
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    reviewer, head = officer("reviewer"), officer("head")
    path = f"/officer/requests/{request_id}"
    detail = wait_for(reviewer, request_id, lambda d: bool(d.get("attachments")), path=path)
    before = head.get(f"{path}/audit").json()["entries"]

    read = reviewer.get(path)
    attachment = read.json()["attachments"][0]
    link = reviewer.get(f"{path}/attachments/{attachment['id']}")
    downloaded = requests.get(link.json()["url"], timeout=30)
    trail = head.get(f"{path}/audit")

    assert "url" not in detail["attachments"][0]
    assert link.status_code == 200, link.text
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"%PDF")
    assert trail.status_code == 200, trail.text
    entries = trail.json()["entries"][len(before) :]
    reviewer_id = reviewer.get("/officer/me").json()["id"]
    assert [(e["by"]["id"], e["by"]["role"], e["action"]) for e in entries] == [
        (reviewer_id, "reviewer", "request.read"),
        (reviewer_id, "reviewer", "file.download"),
    ]
    assert entries[1]["target"] == {"attachment_id": attachment["id"], "document_id": attachment["document_id"]}
    assert entries[0]["at"] <= entries[1]["at"]
    # Ids only: none of the applicant's answers appear in the trail.
    assert "สมชาย" not in trail.text and "1101700203450" not in trail.text


@pytest.mark.parametrize("group", ["reviewer", "approver", "finance"])
def test_given_an_officer_other_than_head_or_admin_when_reading_the_audit_then_403_with_the_error_shape(
    new_citizen: Callable[[], Client], officer: Callable[[str], Client], group: str
) -> None:
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]

    refused = officer(group).get(f"/officer/requests/{request_id}/audit")
    allowed = officer("admin").get(f"/officer/requests/{request_id}/audit")

    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "audit.forbidden"
    assert error["message"]["th"] and error["message"]["en"]
    assert allowed.status_code == 200 and "entries" in allowed.json()


def test_given_a_citizen_or_no_token_then_the_audit_and_the_download_links_are_refused(
    new_citizen: Callable[[], Client], public: Client
) -> None:
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]

    answers = [
        who.get(f"/officer/requests/{request_id}/{what}")
        for who in (citizen, public)
        for what in ("audit", "attachments/F-any")
    ]

    assert [a.status_code for a in answers] == [401, 401, 401, 401]
