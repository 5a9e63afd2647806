"""Many people at once, with AWS failing at random: every request is registered and acknowledged once.

50 drafts are submitted at the same moment, and 10 more are each submitted twice at once (a double
click), while 10% of DynamoDB writes made by the functions fail with a 5xx. Afterwards each request
has one receipt number (1..N with no gap across the series), one acknowledgment e-mail and one SMS.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from .conftest import Client, prepared_draft, status_is, wait_for
from .test_faults import _numbers_without_gap

pytestmark = [pytest.mark.stack, pytest.mark.slow]

SINGLE = 50
TWICE = 10


def _submit_until_accepted(client: Client, draft_id: str, body: dict[str, Any]) -> str:
    """What a person does when the page says "try again": click again, until it is accepted."""
    for _ in range(20):
        # Generous: locally one process seals 60 acknowledgments meanwhile on two cores.
        response = client.session.post(client.url(f"/drafts/{draft_id}/submit"), json=body, timeout=300)
        if response.status_code == 201:
            return str(response.json()["id"])
        assert response.status_code >= 500 or response.status_code == 409, response.text
        time.sleep(0.2)
    raise AssertionError(f"draft {draft_id} was never accepted")


def test_given_many_submissions_and_random_dynamodb_faults_then_each_request_is_registered_and_acknowledged_once(
    new_citizen, stack
):
    citizens = [new_citizen() for _ in range(6)]
    drafts: list[tuple[Client, str, dict[str, Any]]] = []
    with ThreadPoolExecutor(4) as pool:
        prepared = list(pool.map(lambda i: (citizens[i % 6], prepared_draft(citizens[i % 6])), range(SINGLE + TWICE)))
    for client, draft_id in prepared:
        confirmation = client.get(f"/drafts/{draft_id}/confirmation").json()
        body = {
            "declaration": confirmation["declaration"],
            "content_hash": confirmation["content_hash"],
            "accept": True,
        }
        drafts.append((client, draft_id, body))
    jobs = [*drafts, *drafts[SINGLE:]]  # the last ten are submitted twice, at the same moment as the rest
    rules = [
        stack.inject_fault(
            service="dynamodb", operation=operation, error="InternalServerError", status=500, probability=0.1, seed=seed
        )
        for seed, operation in enumerate(("PutItem", "UpdateItem", "TransactWriteItems"))
    ]

    with ThreadPoolExecutor(16) as pool:
        submitted = list(pool.map(lambda job: _submit_until_accepted(*job), jobs))

    ids = set(submitted)
    assert len(ids) == SINGLE + TWICE
    registered = {}
    for request_id in ids:
        owner = next(c for c, d, _ in drafts if "R-" + d.removeprefix("D-") == request_id)
        registered[request_id] = owner
    deadline = time.monotonic() + 300
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        requests.post(f"{stack.url}/_local/sweep", json={"grace_seconds": 0}, timeout=120)
        for request_id in list(pending):
            if registered[request_id].get(f"/requests/{request_id}").json()["status"] == "in_review":
                pending.discard(request_id)
        time.sleep(2)
    report = stack.fault_report()
    stack.clear_faults()
    assert not pending, f"never registered: {sorted(pending)}"
    assert sum(int(r["failed"]) for r in report if r["id"] in rules) > 0, report

    for request_id, owner in registered.items():
        request = wait_for(owner, request_id, status_is("in_review"))
        assert [h["status"] for h in request["history"]] == ["submitted", "received", "in_review"]
    _numbers_without_gap(stack, "receipt")
    receipts = Counter(owner.get(f"/requests/{r}").json()["receipt_number"] for r, owner in registered.items())
    assert all(count == 1 for count in receipts.values())
    messages = requests.get(f"{stack.url}/_local/mailbox", timeout=30).json()["messages"]
    for request_id in ids:
        emails = [
            m for m in messages if m["channel"] == "email" and f"acknowledgment-{request_id}.pdf" in m["attachments"]
        ]
        texts = [m for m in messages if m["channel"] == "sms" and request_id in m["body"]]
        assert len(emails) == 1, (request_id, len(emails))
        assert len(texts) == 1, (request_id, len(texts))
