"""Statistics over HTTP (Q10.5): the seeded requests, stored in the stack's table, give the known answers
through the officer API, as JSON and as CSV; only the head, admin and finance may read them."""

from __future__ import annotations

import csv
import io

import pytest

from eservice.dynamo import DynamoDatabase
from tests.statistics_seed import EXPECTED, seed_once

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def seeded(stack) -> None:
    db = DynamoDatabase.from_env()
    seed_once(db.requests, db.repositories.payments)


def test_given_the_seeded_requests_then_the_head_reads_the_known_figures(seeded, officer) -> None:
    answer = officer("head").get("/officer/statistics", params={"from": "2024-03", "to": "2024-04"})

    assert answer.status_code == 200, answer.text
    rows = {(r["service_id"], r["month"]): r for r in answer.json()["rows"]}
    for key, expected in EXPECTED.items():
        assert {name: rows[key][name] for name in expected} == expected, key


def test_given_csv_then_finance_downloads_the_same_figures_with_a_bom(seeded, officer) -> None:
    answer = officer("finance").get(
        "/officer/statistics",
        params={"from": "2024-03", "to": "2024-03", "service": "fire-certificate", "format": "csv"},
    )

    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[1][0] == "fire-certificate" and rows[1][2] == "2024-03"
    assert rows[1][3:] == ["7", "2", "1", "1", "1", "1", "1", "3", "6.2", "3", "2", "66.7", "500.00"]


def test_given_a_reviewer_or_a_bad_month_then_it_is_refused(seeded, officer) -> None:
    refused = officer("reviewer").get("/officer/statistics", params={"from": "2024-03", "to": "2024-04"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "statistics.not_allowed"

    bad = officer("admin").get("/officer/statistics", params={"from": "2024-13", "to": "2024-04"})
    assert bad.status_code == 422

    reversed_ = officer("admin").get("/officer/statistics", params={"from": "2024-05", "to": "2024-04"})
    assert reversed_.status_code == 400
    assert reversed_.json()["error"]["code"] == "statistics.bad_period"
