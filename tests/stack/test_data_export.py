"""PDPA right of access over HTTP: an applicant downloads everything the stack holds about them, and the
export is checked against the stack's own table and buckets (nothing left out, nothing of anyone else)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from boto3.dynamodb.conditions import Key

from eservice.dynamo import DynamoDatabase
from eservice.settings import settings
from tests.stack.conftest import prepared_draft, submit, wait_for, waiting_at

pytestmark = pytest.mark.stack

SECTIONS = {
    "EVT": "events",
    "MESSAGE": "messages",
    "PAYMENT": "payments",
    "AUDIT": "access_log",
    "THREAD": "thread",
    "DECISION": "decisions",
    "NOTE": "notes",
    "SUPPLEMENT": "supplements",
    "SLIP": "slips",
    "SLIPFILE": "slip_files",
    "PAPERCOPY": "paper_copies",
    "FAILURE": "failures",
}


def _items(pk: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(DynamoDatabase.from_env().table_name)
    return list(table.query(KeyConditionExpression=Key("PK").eq(pk), ConsistentRead=True)["Items"])


def _snapshot(request_id: str) -> Counter[str]:
    """How many rows of each kind the table keeps under the request (saga tokens excepted)."""
    kinds = Counter(str(i["SK"]).partition("#")[0] for i in _items(f"REQ#{request_id}") if i["SK"] != "META")
    kinds.pop("OUTBOX", None)
    return kinds


def test_given_an_applicant_with_a_request_then_the_export_holds_everything_the_stack_keeps(
    new_citizen, officer
) -> None:
    citizen = new_citizen()
    other = new_citizen()
    profile = {"full_name": "สมชาย ใจดี", "phone": "0812345678", "address": "1 หมู่ 2 ตำบลคลองน้อย"}
    assert citizen.put("/me/profile", json=profile).status_code == 200
    assert citizen.put("/me/channels", json={"sms": True, "line": False}).status_code == 200
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    open_draft = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": {}})
    assert open_draft.status_code == 201, open_draft.text
    other_request = submit(other, prepared_draft(other))["id"]
    # The saga has registered the request and waits for the reviewer: nothing more is written meanwhile.
    path = f"/officer/requests/{request_id}"
    wait_for(officer("reviewer"), request_id, waiting_at("review"), path=path, timeout=300)
    # An officer reads the request: the read is logged, and the log entry is about this applicant.
    assert officer("reviewer").get(path).status_code == 200

    # Messages may still be on their way: take the export when the table did not change around it.
    for _ in range(5):
        before = _snapshot(request_id)
        answer = citizen.get("/me/data-export")
        stored = _snapshot(request_id)
        if stored == before:
            break

    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    export = answer.json()
    applicant_id = export["applicant_id"]
    assert {k: export["profile"][k] for k in profile} == profile
    assert export["channels"]["sms"] is True
    # Every draft the table keeps for the applicant (the submitted one and the open one).
    stored_drafts = [i for i in _items(f"APPLICANT#{applicant_id}") if str(i["SK"]).startswith("DRAFT#")]
    assert sorted(d["id"] for d in export["drafts"]) == sorted(
        str(i["SK"]).removeprefix("DRAFT#") for i in stored_drafts
    )
    assert open_draft.json()["id"] in {d["id"] for d in export["drafts"]}
    # And nothing else under the applicant is left out.
    kinds = {str(i["SK"]).partition("#")[0] for i in _items(f"APPLICANT#{applicant_id}")}
    assert kinds - {"DRAFT", "PROFILE", "CHANNELS"} == {k.upper() for k in export["other"]}
    # Every request, and under it every row of every kind the table keeps (saga tokens excepted).
    assert [r["request"]["id"] for r in export["requests"]] == [request_id]
    exported = export["requests"][0]
    assert "token" not in (exported["request"].get("waiting") or {})
    assert {"EVT", "AUDIT"} <= set(stored)
    assert {SECTIONS.get(kind, kind.lower()): n for kind, n in stored.items()} == {
        section: len(rows) for section, rows in exported.items() if section != "request"
    }
    # Nothing of the other applicant.
    assert other_request not in answer.text
    # Every accepted upload is listed with a link that gives back exactly the stored bytes.
    accepted = [a for a in exported["request"]["attachments"] if a.get("state") == "accepted"]
    uploads = [f for f in export["files"] if f["source"] == "upload" and f["request_id"] == request_id]
    assert sorted(a["id"] for a in accepted) == sorted(f["id"] for f in uploads)
    for listed in uploads:
        body = requests.get(listed["url"], timeout=30)
        assert body.status_code == 200
        assert hashlib.sha256(body.content).hexdigest() == listed["sha256"]
    # The evidence is versioned and locked like issued documents: no version of it can be deleted.
    s3 = boto3.client("s3")
    for attachment in accepted:
        head = s3.head_object(Bucket=settings().uploads_bucket, Key=attachment["key"])
        assert head["ObjectLockMode"] == "GOVERNANCE"
        assert head["ObjectLockRetainUntilDate"].year - datetime.now(UTC).year >= 9
        assert head.get("VersionId") not in (None, "null")


def test_given_no_sign_in_then_the_export_is_refused(public) -> None:
    assert public.get("/me/data-export").status_code == 401
