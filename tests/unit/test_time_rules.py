"""Official time (Act §10): deemed receipt (R-2.4), SLA clock (Q4.5) and calendar-day holds (R-3.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from eservice.time_rules import (
    BANGKOK,
    CLOSURE_NAME,
    Deadline,
    OfficeCalendar,
    SlaState,
    add_calendar_days,
    add_working_days,
    buddhist_year,
    deadline_from,
    deemed_receipt_time,
    sla_state,
    working_days_between,
)

GOVERNMENT = OfficeCalendar()
# A one-stop service centre: 09:00-17:00, Monday to Saturday.
SIX_DAY_OFFICE = OfficeCalendar(opens=time(9, 0), closes=time(17, 0), working_weekdays=frozenset({0, 1, 2, 3, 4, 5}))
CLOSED_23_JAN_2023 = OfficeCalendar(closures=frozenset({date(2023, 1, 23)}))
NO_PUBLIC_HOLIDAYS = OfficeCalendar(public_holidays=False)


def bkk(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BANGKOK)


DEEMED_RECEIPT_CASES = [
    # (given entry time, calendar, expected deemed receipt time)
    pytest.param(bkk(2023, 1, 22, 21, 33), GOVERNMENT, bkk(2023, 1, 23, 8, 30), id="seed-sunday-night"),
    pytest.param(
        datetime(2023, 1, 22, 14, 33, tzinfo=UTC), GOVERNMENT, bkk(2023, 1, 23, 8, 30), id="seed-given-in-utc"
    ),
    pytest.param(bkk(2023, 1, 24, 10, 0), GOVERNMENT, bkk(2023, 1, 24, 10, 0), id="weekday-office-hours"),
    pytest.param(bkk(2023, 1, 24, 8, 29), GOVERNMENT, bkk(2023, 1, 24, 8, 30), id="weekday-before-opening"),
    pytest.param(bkk(2023, 1, 24, 8, 30), GOVERNMENT, bkk(2023, 1, 24, 8, 30), id="weekday-at-opening"),
    pytest.param(bkk(2023, 1, 24, 16, 30), GOVERNMENT, bkk(2023, 1, 25, 8, 30), id="weekday-at-closing"),
    pytest.param(bkk(2023, 1, 24, 16, 29, 59), GOVERNMENT, bkk(2023, 1, 24, 16, 29, 59), id="weekday-last-second"),
    pytest.param(datetime(2023, 1, 23, 23, 0, tzinfo=UTC), GOVERNMENT, bkk(2023, 1, 24, 8, 30), id="utc-previous-date"),
    pytest.param(
        datetime(2023, 1, 24, 3, 0, tzinfo=UTC), GOVERNMENT, bkk(2023, 1, 24, 10, 0), id="utc-in-office-hours"
    ),
    pytest.param(bkk(2023, 1, 27, 18, 0), GOVERNMENT, bkk(2023, 1, 30, 8, 30), id="friday-evening"),
    # Songkran 2024: bridge holiday Fri 12, Sat 13 - Mon 15, substitution Tue 16.
    pytest.param(bkk(2024, 4, 11, 17, 0), GOVERNMENT, bkk(2024, 4, 17, 8, 30), id="songkran-2024"),
    # Songkran 2025: Sun 13 - Tue 15, substitution Wed 16.
    pytest.param(bkk(2025, 4, 14, 10, 0), GOVERNMENT, bkk(2025, 4, 17, 8, 30), id="songkran-2025"),
    # Coronation Day Sun 4 May 2025 is substituted on Mon 5 May.
    pytest.param(bkk(2025, 5, 3, 12, 0), GOVERNMENT, bkk(2025, 5, 6, 8, 30), id="in-lieu-monday-2025"),
    # Constitution Day Sun 10 Dec 2023 is substituted on Mon 11 Dec.
    pytest.param(bkk(2023, 12, 10, 9, 0), GOVERNMENT, bkk(2023, 12, 12, 8, 30), id="in-lieu-monday-2023"),
    pytest.param(bkk(2023, 1, 22, 21, 33), CLOSED_23_JAN_2023, bkk(2023, 1, 24, 8, 30), id="tenant-closure"),
    # Bridge Fri 30 Dec 2022, New Year's Eve Sat, New Year's Day Sun, substitutions Mon 2 and Tue 3 Jan.
    pytest.param(bkk(2022, 12, 30, 10, 0), GOVERNMENT, bkk(2023, 1, 4, 8, 30), id="new-year-2023"),
    # Weekend, bridge Mon 30 Dec 2024, New Year's Eve Tue, New Year's Day Wed.
    pytest.param(bkk(2024, 12, 27, 16, 30), GOVERNMENT, bkk(2025, 1, 2, 8, 30), id="new-year-2025"),
    # New Year's Eve Wed 31 Dec 2025, New Year's Day Thu, bridge Fri 2 Jan 2026, weekend.
    pytest.param(bkk(2025, 12, 30, 17, 0), GOVERNMENT, bkk(2026, 1, 5, 8, 30), id="new-year-2026"),
    # Royal Ploughing Day is a government-only holiday.
    pytest.param(bkk(2023, 5, 17, 10, 0), GOVERNMENT, bkk(2023, 5, 18, 8, 30), id="royal-ploughing-day"),
    # National Labour Day (and its substitution day) is not a holiday for government offices.
    pytest.param(bkk(2023, 5, 1, 10, 0), GOVERNMENT, bkk(2023, 5, 1, 10, 0), id="labour-day-open"),
    pytest.param(bkk(2022, 5, 2, 10, 0), GOVERNMENT, bkk(2022, 5, 2, 10, 0), id="labour-day-substitute-open"),
    pytest.param(bkk(2025, 4, 14, 10, 0), NO_PUBLIC_HOLIDAYS, bkk(2025, 4, 14, 10, 0), id="holidays-off"),
    pytest.param(bkk(2023, 1, 20, 17, 30), SIX_DAY_OFFICE, bkk(2023, 1, 21, 9, 0), id="custom-friday-to-sat"),
    pytest.param(bkk(2023, 1, 21, 16, 45), SIX_DAY_OFFICE, bkk(2023, 1, 21, 16, 45), id="custom-saturday-open"),
    pytest.param(bkk(2023, 1, 21, 17, 0), SIX_DAY_OFFICE, bkk(2023, 1, 23, 9, 0), id="custom-saturday-closed"),
    pytest.param(bkk(2023, 1, 23, 8, 45), SIX_DAY_OFFICE, bkk(2023, 1, 23, 9, 0), id="custom-before-opening"),
    pytest.param(bkk(2023, 1, 23, 16, 45), SIX_DAY_OFFICE, bkk(2023, 1, 23, 16, 45), id="custom-after-1630"),
]


@pytest.mark.parametrize(("entered_at", "calendar", "expected"), DEEMED_RECEIPT_CASES)
def test_given_entry_time_when_deemed_receipt_then_registered_per_r_2_4(
    entered_at: datetime, calendar: OfficeCalendar, expected: datetime
) -> None:
    received = deemed_receipt_time(entered_at, calendar)

    assert received == expected
    assert received.tzinfo is BANGKOK


def test_given_naive_entry_time_when_deemed_receipt_then_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deemed_receipt_time(datetime(2023, 1, 22, 21, 33), GOVERNMENT)


def test_given_deemed_time_when_deemed_again_then_unchanged() -> None:
    once = deemed_receipt_time(bkk(2024, 4, 11, 17, 0), GOVERNMENT)

    assert deemed_receipt_time(once, GOVERNMENT) == once


def test_given_songkran_substitution_day_when_named_then_thai_name_from_library() -> None:
    assert GOVERNMENT.holiday_name(date(2024, 4, 16)) == "ชดเชยวันสงกรานต์"
    assert GOVERNMENT.holiday_name(date(2025, 4, 13)) == "วันสงกรานต์"


def test_given_ordinary_days_when_named_then_none() -> None:
    assert GOVERNMENT.holiday_name(date(2023, 1, 21)) is None  # a Saturday is a weekend, not a holiday
    assert GOVERNMENT.holiday_name(date(2023, 5, 1)) is None  # Labour Day: offices open
    assert NO_PUBLIC_HOLIDAYS.holiday_name(date(2025, 4, 14)) is None


def test_given_tenant_closure_when_named_then_closure_and_not_working() -> None:
    assert CLOSED_23_JAN_2023.holiday_name(date(2023, 1, 23)) == CLOSURE_NAME
    assert not CLOSED_23_JAN_2023.is_working_day(date(2023, 1, 23))
    assert GOVERNMENT.is_working_day(date(2023, 1, 23))


def test_given_working_day_when_next_working_day_then_strictly_after() -> None:
    assert GOVERNMENT.next_working_day(date(2023, 1, 23)) == date(2023, 1, 24)
    assert GOVERNMENT.next_working_day(date(2023, 1, 27)) == date(2023, 1, 30)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"opens": time(17, 0), "closes": time(9, 0)}, id="closes-before-opening"),
        pytest.param({"opens": time(9, 0), "closes": time(9, 0)}, id="empty-day"),
        pytest.param({"working_weekdays": frozenset()}, id="no-working-days"),
        pytest.param({"working_weekdays": frozenset({7})}, id="bad-weekday"),
        pytest.param({"opens": time(8, 30, tzinfo=UTC)}, id="zoned-opening"),
    ],
)
def test_given_impossible_office_hours_when_calendar_built_then_rejected(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        OfficeCalendar(**settings)  # type: ignore[arg-type]


# --- Q4.5: service-level clock in working days -------------------------------------------------------


def test_given_receipt_on_thursday_when_15_working_days_then_due_thursday_three_weeks_later() -> None:
    # Thu 26 Jan 2023: no public holiday until Makha Bucha on 6 March.
    assert add_working_days(bkk(2023, 1, 26, 10, 0), 15, GOVERNMENT) == bkk(2023, 2, 16, 16, 30)


def test_given_receipt_before_long_weekend_when_working_days_then_holidays_skipped() -> None:
    # Thu 27 Jul 2023; Fri 28 King's Birthday, weekend, Mon 31 bridge, Tue 1 and Wed 2 Aug Buddhist
    # holidays; Mon 14 Aug Mother's Day substitution.
    receipt = bkk(2023, 7, 27, 14, 0)

    assert add_working_days(receipt, 1, GOVERNMENT) == bkk(2023, 8, 3, 16, 30)
    assert add_working_days(receipt, 15, GOVERNMENT) == bkk(2023, 8, 24, 16, 30)


def test_given_zero_working_days_when_added_then_closing_of_receipt_day() -> None:
    assert add_working_days(bkk(2023, 1, 24, 10, 0), 0, GOVERNMENT) == bkk(2023, 1, 24, 16, 30)
    assert add_working_days(bkk(2023, 1, 22, 10, 0), 0, GOVERNMENT) == bkk(2023, 1, 23, 16, 30)


def test_given_raw_entry_time_when_working_days_then_counted_from_deemed_receipt() -> None:
    entered = bkk(2023, 1, 22, 21, 33)

    due = add_working_days(entered, 1, GOVERNMENT)

    assert due == add_working_days(deemed_receipt_time(entered, GOVERNMENT), 1, GOVERNMENT)
    assert due == bkk(2023, 1, 24, 16, 30)


def test_given_negative_days_when_added_then_rejected() -> None:
    with pytest.raises(ValueError):
        add_working_days(bkk(2023, 1, 24, 10, 0), -1, GOVERNMENT)
    with pytest.raises(ValueError):
        add_calendar_days(bkk(2023, 1, 24, 10, 0), -1, GOVERNMENT)


# --- calendar-day holds -----------------------------------------------------------------------


def test_given_unreachable_applicant_when_30_day_hold_then_due_at_closing_on_day_30() -> None:
    assert add_calendar_days(bkk(2023, 1, 23, 8, 30), 30, GOVERNMENT) == bkk(2023, 2, 22, 16, 30)


def test_given_hold_ending_on_holiday_weekend_when_counted_then_next_working_day() -> None:
    # Fri 10 Nov 2023 + 30 days = Sun 10 Dec (Constitution Day), substituted on Mon 11 Dec.
    assert add_calendar_days(bkk(2023, 11, 10, 9, 0), 30, GOVERNMENT) == bkk(2023, 12, 12, 16, 30)


def test_given_start_in_utc_when_calendar_days_then_counted_from_bangkok_date() -> None:
    # 18:00 UTC on 22 Jan is already 23 Jan in Bangkok.
    start = datetime(2023, 1, 22, 18, 0, tzinfo=UTC)

    assert add_calendar_days(start, 30, GOVERNMENT) == bkk(2023, 2, 22, 16, 30)


def test_given_service_rules_when_deadline_from_then_unit_respected() -> None:
    receipt = bkk(2023, 1, 26, 10, 0)

    assert deadline_from(receipt, Deadline(15, "working_days"), GOVERNMENT) == bkk(2023, 2, 16, 16, 30)
    assert deadline_from(receipt, Deadline(15, "calendar_days"), GOVERNMENT) == bkk(2023, 2, 10, 16, 30)


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(-1, "working_days"), (True, "working_days"), (1.5, "calendar_days"), (3, "hours")],
)
def test_given_bad_deadline_rule_when_built_then_rejected(amount: object, unit: str) -> None:
    with pytest.raises(ValueError):
        Deadline(amount, unit)  # type: ignore[arg-type]


# --- Q4.5: SLA state ---------------------------------------------------------------------------------

DUE = bkk(2023, 2, 16, 16, 30)  # Thursday


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(bkk(2023, 2, 14, 10, 0), SlaState.ON_TRACK, id="two-days-before"),
        pytest.param(bkk(2023, 2, 15, 16, 29), SlaState.ON_TRACK, id="before-last-working-day"),
        pytest.param(bkk(2023, 2, 15, 16, 30), SlaState.DUE_SOON, id="last-working-day-begins"),
        pytest.param(bkk(2023, 2, 16, 9, 0), SlaState.DUE_SOON, id="due-day-morning"),
        pytest.param(datetime(2023, 2, 16, 9, 30, tzinfo=UTC), SlaState.OVERDUE, id="due-instant-in-utc"),
        pytest.param(bkk(2023, 2, 17, 9, 0), SlaState.OVERDUE, id="day-after"),
    ],
)
def test_given_due_time_when_sla_state_then_three_states(now: datetime, expected: SlaState) -> None:
    assert sla_state(DUE, now, GOVERNMENT) == expected


def test_given_due_monday_when_friday_evening_then_due_soon_across_weekend() -> None:
    due_monday = bkk(2023, 1, 30, 16, 30)

    assert sla_state(due_monday, bkk(2023, 1, 27, 16, 0), GOVERNMENT) == SlaState.ON_TRACK
    assert sla_state(due_monday, bkk(2023, 1, 28, 11, 0), GOVERNMENT) == SlaState.DUE_SOON


def test_given_warning_window_when_configured_then_respected() -> None:
    assert sla_state(DUE, bkk(2023, 2, 16, 16, 0), GOVERNMENT, warn_working_days=0) == SlaState.ON_TRACK
    assert sla_state(DUE, bkk(2023, 2, 13, 16, 29), GOVERNMENT, warn_working_days=3) == SlaState.ON_TRACK
    assert sla_state(DUE, bkk(2023, 2, 13, 16, 30), GOVERNMENT, warn_working_days=3) == SlaState.DUE_SOON
    with pytest.raises(ValueError):
        sla_state(DUE, bkk(2023, 2, 13, 16, 30), GOVERNMENT, warn_working_days=-1)


# --- statistics and Buddhist era -------------------------------------------------------------------


def test_given_request_closed_when_counting_working_days_then_holidays_excluded() -> None:
    assert working_days_between(bkk(2023, 7, 27, 14, 0), bkk(2023, 8, 24, 11, 0), GOVERNMENT) == 15
    assert working_days_between(bkk(2023, 7, 27, 14, 0), bkk(2023, 7, 27, 15, 0), GOVERNMENT) == 0
    assert working_days_between(bkk(2023, 7, 27, 14, 0), bkk(2023, 7, 20, 15, 0), GOVERNMENT) == 0


@pytest.mark.parametrize("start", [bkk(2022, 12, 28, 17, 0), bkk(2024, 4, 6, 9, 0), bkk(2025, 4, 10, 10, 0)])
def test_given_any_start_when_counting_back_a_working_day_deadline_then_inverse(start: datetime) -> None:
    for days in range(25):
        due = add_working_days(start, days, GOVERNMENT)
        assert working_days_between(start, due, GOVERNMENT) == days


def test_given_moments_when_buddhist_year_then_bangkok_year_plus_543() -> None:
    assert buddhist_year(date(2023, 1, 23)) == 2566
    assert buddhist_year(datetime(2022, 12, 31, 17, 0, tzinfo=UTC)) == 2566  # already 1 Jan in Bangkok
    assert buddhist_year(datetime(2022, 12, 31, 16, 59, tzinfo=UTC)) == 2565
    assert buddhist_year(datetime(2023, 1, 1, 0, 30) - timedelta(hours=1)) == 2565  # naive: taken as local
