"""The applicant's data export (PDPA right of access) over memory fakes: complete, theirs only, no saga tokens."""

from __future__ import annotations

from eservice.memory import MemoryDatabase
from eservice.privacy import PersonalDataExport
from tests.statistics_seed import seed


def _export(db: MemoryDatabase) -> PersonalDataExport:
    return PersonalDataExport(
        repos=db.repositories,
        holdings=db.requests,
        upload_link=lambda key, name, seconds: f"https://uploads.example/{key}?for={seconds}",
        document_link=lambda key, name, seconds: f"https://documents.example/{key}?for={seconds}",
    )


def test_given_an_applicant_then_everything_under_their_requests_is_exported_but_saga_tokens() -> None:
    db = MemoryDatabase()
    ids = seed(db.requests, db.payments)  # every seeded request belongs to "applicant-stats"
    request_id = ids["F1"]
    db.repositories.profiles.put("applicant-stats", {"full_name": "สมหญิง"})
    db.requests.put_record(request_id, "THREAD", "m1", {"text": "กรุณาส่งแผนผัง", "at": "2024-03-05T03:00:00+00:00"})
    db.requests.set_fields(
        request_id,
        {
            "attachments": [
                {
                    "id": "a1",
                    "state": "accepted",
                    "key": f"clean/{request_id}/a1",
                    "file_name": "plan.pdf",
                    "sha256": "ab",
                },
                {"id": "a2", "state": "rejected", "file_name": "virus.exe"},
            ],
            "documents": {
                "licence": {"key": "licences/x.pdf", "file_name": "licence.pdf", "sha256": "cd"},
                "licence_draft": {"key": "drafts/x.pdf", "file_name": "draft.pdf"},
            },
            "waiting": {"state": "waiting", "step": "review", "token": "secret-task-token", "sequence": 1},
        },
    )
    db.state.outbox[(request_id, 1)] = {"token": "secret-task-token", "kind": "succeed"}
    db.repositories.access_log.record(
        {"request_id": request_id, "id": "r1", "at": "2024-03-05T03:00:00+00:00", "by": {"id": "o"}, "action": "read"}
    )

    export = _export(db).export("applicant-stats")

    assert export["profile"] == {"full_name": "สมหญิง"}
    assert len(export["requests"]) == len(ids)
    f1 = next(r for r in export["requests"] if r["request"]["id"] == request_id)
    assert len(f1["events"]) == 7  # submitted + six changes
    assert [m["text"] for m in f1["thread"]] == ["กรุณาส่งแผนผัง"]
    assert len(f1["payments"]) == 2 and len(f1["access_log"]) == 1
    assert "secret-task-token" not in str(export)
    assert [(f["source"], f.get("id") or f.get("kind")) for f in export["files"]] == [
        ("upload", "a1"),
        ("issued_document", "licence"),
    ]
    assert export["files"][0]["url"].endswith("?for=900")


def test_given_another_applicant_then_nothing_of_theirs_is_exported() -> None:
    db = MemoryDatabase()
    seed(db.requests, db.payments)

    export = _export(db).export("someone-else")

    assert (export["requests"], export["drafts"], export["files"], export["profile"]) == ([], [], [], None)
