"""Submission, registration and attachments on fakes (Q3.4, Q3.5, Q3.9, R-2.1, R-2.3, Q9 paging).

A draft becomes exactly one request and one saga, however often (or however concurrently) it is
submitted; a saga that never started or failed is set going by the next submit; every request takes
the next receipt number with no gap; files put in different slots at once are all kept; lists page.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from eservice.errors import InvalidInput, TransientError

from .use_case_fixtures import CITIZEN, OTHER_CITIZEN, PDF, PNG, TENANT, World


@pytest.fixture
def world() -> World:
    return World()


# --- submit (Q3.9) -----------------------------------------------------------------------------------------
def test_given_a_complete_draft_when_submitted_then_it_becomes_one_request_and_its_saga_starts(world):
    draft_id = world.draft()

    request = world.submit(draft_id)

    assert request["status"] == "submitted"
    assert [r["id"] for r in world.applications.my_requests(CITIZEN).items] == [request["id"]]
    assert world.applications.draft(CITIZEN, draft_id)["state"] == "submitted"
    assert world.executions.started == {request["id"]: {"request_id": request["id"], "resume": False}}


def test_given_a_submitted_draft_when_submitted_again_then_the_same_request_comes_back_and_no_second_saga(world):
    draft_id = world.draft()
    shown = world.applications.confirmation(CITIZEN, draft_id, lang="th")
    first = world.submit(draft_id, confirmation=shown)

    second = world.submit(draft_id, confirmation=shown)

    assert second["id"] == first["id"]
    assert len(world.applications.my_requests(CITIZEN).items) == 1
    assert list(world.executions.started) == [first["id"]]


def test_given_two_submits_of_one_draft_at_the_same_moment_then_one_request_and_one_execution(world, monkeypatch):
    draft_id = world.draft()
    confirmation = world.applications.confirmation(CITIZEN, draft_id, lang="th")
    # Both clicks pass every check before either stores the request: the race a double click makes.
    both_checked = threading.Barrier(2, timeout=5)
    create = world.db.requests.create

    def create_after_both_checked(*args, **kwargs):
        both_checked.wait()
        return create(*args, **kwargs)

    monkeypatch.setattr(world.db.requests, "create", create_after_both_checked)

    def click() -> dict:
        return world.submit(draft_id, confirmation=confirmation)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [f.result(timeout=10) for f in [pool.submit(click), pool.submit(click)]]

    assert results[0]["id"] == results[1]["id"]
    assert len(world.applications.my_requests(CITIZEN).items) == 1
    assert list(world.executions.started) == [results[0]["id"]]
    assert len(world.db.requests.events(results[0]["id"])) == 1  # one "submitted" in the history


def test_given_a_second_click_that_read_the_draft_just_before_the_first_finished_then_both_get_the_request(
    world, monkeypatch
):
    draft_id = world.draft()
    shown = world.applications.confirmation(CITIZEN, draft_id, lang="th")
    read_draft = world.db.repositories.drafts.get
    first_click: dict = {}

    def read_then_let_the_first_click_finish(applicant_id, wanted):
        draft = read_draft(applicant_id, wanted)
        if not first_click:
            first_click["running"] = True  # its own reads pass straight through
            first_click["request"] = world.submit(draft_id, confirmation=shown)
        return draft

    monkeypatch.setattr(world.db.repositories.drafts, "get", read_then_let_the_first_click_finish)

    second = world.submit(draft_id, confirmation=shown)

    assert second["id"] == first_click["request"]["id"]
    assert len(world.applications.my_requests(CITIZEN).items) == 1
    assert list(world.executions.started) == [second["id"]]


def test_given_a_request_whose_execution_failed_when_the_draft_is_submitted_again_then_the_saga_resumes(world):
    draft_id = world.draft()
    shown = world.applications.confirmation(CITIZEN, draft_id, lang="th")
    request_id = world.submit(draft_id, confirmation=shown)["id"]
    world.executions.statuses[request_id] = "FAILED"

    world.submit(draft_id, confirmation=shown)

    assert world.executions.started[f"{request_id}-r1"] == {"request_id": request_id, "resume": True}
    assert world.request(request_id)["execution"] == f"{request_id}-r1"
    # A third click finds the resumed execution running: nothing more starts.
    world.submit(draft_id, confirmation=shown)
    assert sorted(world.executions.started) == [request_id, f"{request_id}-r1"]


def test_given_the_saga_did_not_start_on_submit_when_submitted_again_then_it_starts(world):
    draft_id = world.draft()
    shown = world.applications.confirmation(CITIZEN, draft_id, lang="th")
    world.executions.fail_next = {"start": 1}
    with contextlib.suppress(TransientError):
        world.submit(draft_id, confirmation=shown)
    [request] = world.applications.my_requests(CITIZEN).items
    assert world.executions.started == {}

    world.submit(draft_id, confirmation=shown)

    assert world.executions.started == {request["id"]: {"request_id": request["id"], "resume": False}}
    assert len(world.applications.my_requests(CITIZEN).items) == 1


# --- registration: receipt numbers (R-2.1, R-2.3) ---------------------------------------------------------
def test_given_several_requests_when_stamped_then_receipt_numbers_run_1_to_n_without_a_gap(world):
    request_ids = [world.submitted() for _ in range(5)]

    receipts = []
    for request_id in request_ids:
        receipts.append(world.steps.stamp(request_id)["receipt_number"])
        world.steps.stamp(request_ids[0])  # a retried registration in between takes no number

    numbers = [int(r.split("/")[0]) for r in receipts]
    years = {r.split("/")[1] for r in receipts}
    assert numbers == [1, 2, 3, 4, 5]
    assert len(years) == 1


def test_given_a_stamped_request_when_stamped_again_then_it_keeps_its_number_and_is_received(world):
    request_id = world.submitted()
    first = world.steps.stamp(request_id)

    again = world.steps.stamp(request_id)

    assert again == first
    detail = world.applications.request_detail(CITIZEN, request_id)
    assert detail["status"] == "received"
    assert detail["receipt_number"] == first["receipt_number"]
    assert [h["status"] for h in detail["history"]] == ["submitted", "received"]


def test_given_a_timestamp_authority_when_stamped_then_the_token_is_kept_in_its_own_row_not_on_the_request(world):
    from eservice.saga_steps import TIMESTAMP_RECORD, SagaSteps

    request_id = world.submitted()
    digests: list[bytes] = []

    def authority(digest: bytes) -> bytes:
        digests.append(digest)
        return b"\x30\x03token"

    steps = SagaSteps(
        repos=world.repos, tenant=TENANT, deadlines=None, executions=world.executions, timestamp=authority
    )

    steps.stamp(request_id)

    record = world.request(request_id)
    assert digests == [bytes.fromhex(record["intent"]["content_hash"])]
    assert world.repos.requests.get_record(request_id, *TIMESTAMP_RECORD) == {"token": "MAN0b2tlbg=="}
    assert "timestamp_token" not in record  # issue 14: every later write of the request item would carry it
    assert world.applications.request_detail(CITIZEN, request_id)["timestamp_token"] is True


# --- attachments (Q3.4) -------------------------------------------------------------------------------------
def test_given_files_for_two_slots_checked_at_the_same_moment_then_both_are_kept(world, monkeypatch):
    draft = world.applications.create_draft(CITIZEN, "fire-certificate", answers={})
    offers = {
        slot: world.applications.start_upload(CITIZEN, draft["id"], document_id=slot, file_name=name)
        for slot, name in (("id_card", "id.pdf"), ("damage_photos", "photo.png"))
    }
    world.uploads.put(offers["id_card"]["attachment"]["quarantine_key"], PDF)
    world.uploads.put(offers["damage_photos"]["attachment"]["quarantine_key"], PNG)
    # Both checks have read the draft before either writes its slot.
    both_read = threading.Barrier(2, timeout=5)
    read = world.uploads.read

    def read_when_both_have_read_the_draft(key, *, max_bytes):
        both_read.wait()
        return read(key, max_bytes=max_bytes)

    monkeypatch.setattr(world.uploads, "read", read_when_both_have_read_the_draft)

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(world.applications.check_upload, CITIZEN, draft["id"], o["attachment"]["id"])
            for o in offers.values()
        ]
        for f in futures:
            f.result(timeout=10)

    attachments = world.applications.draft(CITIZEN, draft["id"])["attachments"].values()
    assert sorted((a["document_id"], a["state"]) for a in attachments) == [
        ("damage_photos", "accepted"),
        ("id_card", "accepted"),
    ]


# --- paging (my requests) -----------------------------------------------------------------------------------
def test_given_more_requests_than_a_page_then_my_requests_pages_through_all_without_repeats(world):
    mine = {world.submitted() for _ in range(5)}
    world.submitted(applicant=OTHER_CITIZEN)

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = world.applications.my_requests(CITIZEN, limit=2, cursor=cursor)
        assert len(page.items) <= 2
        seen += [r["id"] for r in page.items]
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break

    assert pages == 3
    assert len(seen) == len(set(seen))
    assert set(seen) == mine


def test_given_a_new_request_submitted_while_paging_then_the_next_page_repeats_nothing(world):
    for _ in range(4):
        world.submitted()
    first = world.applications.my_requests(CITIZEN, limit=2)

    world.submitted()
    second = world.applications.my_requests(CITIZEN, limit=2, cursor=first.cursor)

    shown = [r["id"] for r in first.items + second.items]
    assert len(shown) == len(set(shown)), "a request was shown twice"


def test_given_a_made_up_cursor_when_listing_my_requests_then_it_is_refused_as_invalid(world):
    world.submitted()

    with pytest.raises(InvalidInput) as refused:
        world.applications.my_requests(CITIZEN, limit=1, cursor="not-a-cursor")

    assert refused.value.code == "cursor.invalid"
