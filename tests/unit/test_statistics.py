"""Statistics and analytic reports (Q10.5) over memory fakes: a seeded set of requests with known answers."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from eservice.errors import InvalidInput
from eservice.memory import MemoryDatabase
from eservice.saga_steps import office_calendar
from eservice.statistics import StatisticsReport, percentile, request_facts
from eservice.time_rules import BANGKOK
from tests.statistics_seed import EXPECTED, seed
from tests.unit.use_case_fixtures import TENANT

CALENDAR = office_calendar(TENANT)


@pytest.fixture
def report() -> StatisticsReport:
    db = MemoryDatabase()
    seed(db.requests, db.payments)
    return StatisticsReport(
        tenant=TENANT, calendar=CALENDAR, received=db.requests, requests=db.requests, payments=db.payments
    )


def test_given_the_seeded_requests_then_each_service_month_matches_the_known_answer(report) -> None:
    rows = {(r["service_id"], r["month"]): r for r in report.report("2024-03", "2024-04")["rows"]}

    for key, expected in EXPECTED.items():
        assert {name: rows[key][name] for name in expected} == expected, key
    # Every service of the tenant has a row for every month, zeros included.
    assert len(rows) == 2 * len(TENANT.services)
    assert rows[("food-shop", "2024-03")]["received"] == 0


def test_given_one_service_then_only_its_rows_come_back(report) -> None:
    answer = report.report("2024-04", "2024-04", service_id="fire-certificate")

    assert [(r["service_id"], r["month"], r["received"]) for r in answer["rows"]] == [
        ("fire-certificate", "2024-04", 2)
    ]
    assert answer["services"][0]["sla_working_days"] == 5


def test_given_the_csv_then_it_has_a_bom_thai_headers_and_the_same_figures(report) -> None:
    data = report.csv("2024-03", "2024-04")

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "บริการ/service" and "ร้อยละทันกำหนด/SLA compliance %" in rows[0]
    fire_march = next(r for r in rows if r[0] == "fire-certificate" and r[2] == "2024-03")
    assert fire_march[3:] == ["7", "2", "1", "1", "1", "1", "1", "3", "6.2", "3", "2", "66.7", "500.00"]
    residence_april = next(r for r in rows if r[0] == "residence-certificate" and r[2] == "2024-04")
    assert residence_april[10:12] == ["", ""]


def test_given_a_service_name_starting_with_a_formula_sign_then_the_csv_neutralises_it() -> None:
    from eservice.statistics import MonthRow, statistics_csv

    data = statistics_csv([MonthRow(service_id="x", month="2024-03")], {"x": '=HYPERLINK("evil")'})

    assert "'=HYPERLINK" in data.decode("utf-8-sig")


def test_given_a_wait_on_the_applicant_then_the_clock_stops_and_resumes() -> None:
    def at(text: str) -> str:
        return datetime.fromisoformat(text).replace(tzinfo=BANGKOK).isoformat()

    record = {"service_id": "fire-certificate", "deemed_received_at": at("2024-03-04T10:00"), "submitted_at": ""}
    events = [
        {"seq": 2, "to_status": "received", "at": at("2024-03-04T10:00")},
        {"seq": 3, "to_status": "in_review", "at": at("2024-03-04T10:05")},
        {"seq": 4, "to_status": "more_documents_requested", "at": at("2024-03-05T10:00")},
        {"seq": 5, "to_status": "unreachable", "at": at("2024-03-06T10:00")},
        {"seq": 6, "to_status": "in_review", "at": at("2024-03-08T10:00")},
        {"seq": 7, "to_status": "rejected", "at": at("2024-03-11T10:00")},
    ]

    fact = request_facts(record, events, sla_working_days=2, calendar=CALENDAR)

    # 5 working days from Mon 4 to Mon 11 March; 3 of them (6, 7, 8) waiting on the applicant.
    assert (fact.outcome, fact.working_days, fact.within_sla, fact.month) == ("rejected", 2, True, "2024-03")


def test_given_percentiles_then_they_interpolate_between_ranks() -> None:
    assert percentile([], 0.9) is None
    assert percentile([4], 0.9) == 4.0
    assert percentile(list(range(1, 11)), 0.9) == 9.1


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [("2024-05", "2024-03", "statistics.bad_period"), ("2020-01", "2024-01", "statistics.bad_period")],
)
def test_given_a_bad_period_then_it_is_refused(report, first, last, code) -> None:
    with pytest.raises(InvalidInput) as refused:
        report.report(first, last)
    assert refused.value.code == code


def test_given_an_unknown_service_then_it_is_refused(report) -> None:
    with pytest.raises(InvalidInput) as refused:
        report.report("2024-03", "2024-03", service_id="no-such-service")
    assert refused.value.code == "statistics.unknown_service"
