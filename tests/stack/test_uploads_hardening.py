"""Uploads held at the edge as on AWS (issue 10): the slot's size limit is enforced by storage itself, and
a file is accepted only once the malware scan found no threats (Q3.4, Q9.2).

The upload offer is an S3 POST policy: S3 (here, the local stack's enforcement of the same policy in
front of moto) refuses a file over the slot's limit with 400 EntityTooLarge before keeping any of it.
GuardDuty Malware Protection for S3 (here, its stand-in) tags each upload; the EICAR test file is a threat.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import boto3
import pytest
import requests

from eservice.applications import MAX_UPLOADS
from local.malware_scan import EICAR
from local.stack import REGION, LocalStack

from .conftest import FIRE_ANSWERS, Client, after_scan, pdf_bytes, send_file

pytestmark = pytest.mark.stack

MB = 1024 * 1024


def _draft(citizen: Client) -> str:
    created = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _start(citizen: Client, draft_id: str, name: str = "id.pdf") -> dict:
    started = citizen.post(f"/drafts/{draft_id}/attachments", json={"document_id": "id_card", "file_name": name})
    assert started.status_code == 201, started.text
    return dict(started.json())


def _stored(stack: LocalStack, key: str) -> dict | None:
    s3 = boto3.client("s3", region_name=REGION)
    try:
        head = s3.head_object(Bucket=stack.resource("Uploads/Resource"), Key=key)
    except s3.exceptions.ClientError:
        return None
    tags = s3.get_object_tagging(Bucket=stack.resource("Uploads/Resource"), Key=key)["TagSet"]
    return {"size": head["ContentLength"], "tags": {t["Key"]: t["Value"] for t in tags}}


def test_given_a_5_mb_slot_when_a_50_mib_file_is_posted_then_storage_refuses_it_and_keeps_nothing(
    new_citizen: Callable[[], Client], stack: LocalStack
) -> None:
    citizen = new_citizen()
    draft_id = _draft(citizen)
    offer = _start(citizen, draft_id)
    assert offer["limits"]["max_size_bytes"] == 5 * MB

    refused = send_file(offer, pdf_bytes() + b"%" + b"0" * (50 * MB), "id.pdf")
    checked = citizen.post(f"/drafts/{draft_id}/attachments/{offer['attachment']['id']}/check")

    assert refused.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in refused.text
    assert f"<MaxSizeAllowed>{5 * MB}</MaxSizeAllowed>" in refused.text
    assert _stored(stack, offer["attachment"]["quarantine_key"]) is None
    assert checked.status_code == 409 and checked.json()["error"]["code"] == "attachment.not_uploaded"


def test_given_a_file_within_the_limit_when_posted_then_it_is_stored_scanned_and_attached(
    new_citizen: Callable[[], Client], stack: LocalStack
) -> None:
    citizen = new_citizen()
    draft_id = _draft(citizen)
    offer = _start(citizen, draft_id)
    exactly_at_limit = pdf_bytes() + b"%" + b"0" * (5 * MB - len(pdf_bytes()) - 1)

    stored = send_file(offer, pdf_bytes(), "id.pdf")
    checked = after_scan(lambda: citizen.post(f"/drafts/{draft_id}/attachments/{offer['attachment']['id']}/check"))
    at_limit = send_file(_start(citizen, draft_id), exactly_at_limit, "id.pdf")

    assert stored.status_code == 204, stored.text
    assert checked.status_code == 200, checked.text
    assert checked.json()["attachment"]["state"] == "accepted"
    quarantined = _stored(stack, offer["attachment"]["quarantine_key"])
    assert quarantined is not None
    assert quarantined["tags"] == {"GuardDutyMalwareScanStatus": "NO_THREATS_FOUND"}
    attachments = citizen.get(f"/drafts/{draft_id}").json()["attachments"]
    assert attachments[offer["attachment"]["id"]]["state"] == "accepted"
    assert at_limit.status_code == 204, at_limit.text


def test_given_an_upload_offer_then_it_is_a_signed_post_form_and_the_form_cannot_be_altered(
    new_citizen: Callable[[], Client], stack: LocalStack
) -> None:
    citizen = new_citizen()
    draft_id = _draft(citizen)
    offer = _start(citizen, draft_id)
    form = offer["upload"]
    other_key = {**form["fields"], "key": "quarantine/someone-else/F1"}
    html_type = {**form["fields"], "Content-Type": "text/html"}
    forged = {**form["fields"], "x-amz-signature": "0" * 64}

    answers = [
        requests.post(form["url"], data=fields, files={"file": ("id.pdf", pdf_bytes())}, timeout=30)
        for fields in (other_key, html_type, forged)
    ]

    # The only upload there is: a form whose policy S3 checks (no presigned PUT, whose size nothing limits).
    assert form["method"] == "POST" and "policy" in form["fields"]
    assert ["content-length-range", 0, 5 * MB] in _policy(offer)
    assert {"Content-Type": "application/octet-stream"} in _policy(offer)
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert "Policy Condition failed" in answers[0].text and "Policy Condition failed" in answers[1].text
    assert "<Code>SignatureDoesNotMatch</Code>" in answers[2].text
    assert _stored(stack, "quarantine/someone-else/F1") is None
    assert _stored(stack, offer["attachment"]["quarantine_key"]) is None


def test_given_the_eicar_test_file_when_checked_then_it_is_refused_as_malware_and_kept_in_quarantine(
    new_citizen: Callable[[], Client], stack: LocalStack
) -> None:
    citizen = new_citizen()
    draft_id = _draft(citizen)
    offer = _start(citizen, draft_id, "eicar.txt")

    stored = send_file(offer, EICAR, "eicar.txt")
    checked = after_scan(lambda: citizen.post(f"/drafts/{draft_id}/attachments/{offer['attachment']['id']}/check"))

    assert stored.status_code == 204, stored.text
    error = checked.json()["error"]
    assert checked.status_code == 400 and error["code"] == "file.malware", checked.text
    assert "มัลแวร์" in error["message"]["th"] and "Malware" in error["message"]["en"]
    assert error["details"][0]["field"] == "id_card"
    attachment = citizen.get(f"/drafts/{draft_id}").json()["attachments"][offer["attachment"]["id"]]
    assert attachment["state"] == "rejected" and attachment["rejection"]["code"] == "file.malware"
    assert "key" not in attachment  # never copied to clean/
    kept = _stored(stack, offer["attachment"]["quarantine_key"])
    assert kept == {"size": len(EICAR), "tags": {"GuardDutyMalwareScanStatus": "THREATS_FOUND"}}
    confirmation = citizen.get(f"/drafts/{draft_id}/confirmation").json()
    assert confirmation["error"]["code"] == "attachments.missing"


def _policy(offer: dict) -> list:
    return list(json.loads(base64.b64decode(offer["upload"]["fields"]["policy"]))["conditions"])


# --- taking a file out before submitting (issue 13, item 6) -----------------------------------------------------
def test_given_an_attached_file_when_taken_out_then_its_slot_is_empty_and_the_file_is_kept_as_detached(
    new_citizen: Callable[[], Client], stack: LocalStack
) -> None:
    from .conftest import prepared_draft

    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    draft = citizen.get(f"/drafts/{draft_id}").json()
    id_card = next(a for a in draft["attachments"].values() if a["document_id"] == "id_card")
    stranger = new_citizen()

    by_stranger = stranger.post(f"/drafts/{draft_id}/attachments/{id_card['id']}/detach")
    detached = citizen.post(f"/drafts/{draft_id}/attachments/{id_card['id']}/detach")
    again = citizen.post(f"/drafts/{draft_id}/attachments/{id_card['id']}/detach")
    unknown = citizen.post(f"/drafts/{draft_id}/attachments/F-none/detach")
    after = citizen.get(f"/drafts/{draft_id}").json()["attachments"][id_card["id"]]
    confirmation = citizen.get(f"/drafts/{draft_id}/confirmation")

    assert by_stranger.status_code == 404, by_stranger.text
    assert detached.status_code == 200, detached.text
    assert detached.json()["attachment"]["state"] == "detached"
    assert again.status_code == 200 and again.json()["attachment"]["state"] == "detached"  # asked twice: same
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "attachment.not_found"
    assert after["state"] == "detached" and after["sha256"] == id_card["sha256"]  # kept, not deleted
    assert confirmation.json()["error"]["code"] == "attachments.missing"
    stored = boto3.client("s3", region_name=REGION).list_objects_v2(
        Bucket=stack.resource("Uploads/Resource"), Prefix=f"clean/{draft_id}"
    )
    assert len(stored.get("Contents", [])) == 2  # both checked files are still in storage


def test_given_a_draft_that_started_50_uploads_then_the_51st_is_refused_and_the_draft_keeps_every_file(
    new_citizen: Callable[[], Client],
) -> None:
    """A draft keeps the record of every upload it started in its own item (DynamoDB: 400 KB at most, which the
    local stack now enforces). Past ``MAX_UPLOADS`` a new upload is refused with a reason; nothing kept is dropped,
    the draft still saves, and an upload started before the limit still completes."""
    citizen = new_citizen()
    draft_id = _draft(citizen)
    long_thai_name = "สำเนาบัตรประจำตัวประชาชนของผู้ยื่นคำขอ" * 6 + ".pdf"  # cut to 200 characters
    offers = [_start(citizen, draft_id, long_thai_name) for _ in range(MAX_UPLOADS)]

    refused = citizen.post(f"/drafts/{draft_id}/attachments", json={"document_id": "id_card", "file_name": "id.pdf"})

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "attachments.limit_reached"
    assert "50" in error["message"]["th"] and "50 uploads" in error["message"]["en"]
    saved = citizen.put(f"/drafts/{draft_id}", json={"answers": FIRE_ANSWERS})
    assert saved.status_code == 200, saved.text
    send_file(offers[-1], pdf_bytes(), "id.pdf")
    checked = after_scan(lambda: citizen.post(f"/drafts/{draft_id}/attachments/{offers[-1]['attachment']['id']}/check"))
    assert checked.status_code == 200, checked.text
    draft = citizen.get(f"/drafts/{draft_id}").json()
    assert sorted(draft["attachments"]) == sorted(o["attachment"]["id"] for o in offers)
    assert draft["attachments"][offers[-1]["attachment"]["id"]]["state"] == "accepted"
