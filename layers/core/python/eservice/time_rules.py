"""Official time: deemed time of receipt and deadlines counted in working or calendar days.

The Digital Government Act §10 (R-2.4) says a submission is received when it enters the system, except
outside office hours, when it is registered as received at the start of the next working day. The
service-level clock (Q4.5) and the calendar-day holds (R-3.2) run from that deemed time.

An agency's working time is an :class:`OfficeCalendar`: office hours, working weekdays, its own closure
days, and by default the Thai public holidays of the ``holidays`` library (substitution days included).
Everything here is pure: no I/O, no clock reads; callers pass ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Literal, get_args
from zoneinfo import ZoneInfo

__all__ = [
    "BANGKOK",
    "CLOSURE_NAME",
    "Deadline",
    "DeadlineUnit",
    "OfficeCalendar",
    "SlaState",
    "add_calendar_days",
    "add_working_days",
    "buddhist_year",
    "deadline_from",
    "deemed_receipt_time",
    "sla_state",
    "working_days_between",
]

BANGKOK = ZoneInfo("Asia/Bangkok")

#: Name reported by :meth:`OfficeCalendar.holiday_name` for an agency's own closure day.
CLOSURE_NAME = "วันปิดทำการของหน่วยงาน"

# The library files National Labour Day under "public" but notes it is observed only by the financial and
# private sectors: government offices are open on 1 May (and on its substitution day).
_NOT_GOVERNMENT_HOLIDAY = "วันแรงงานแห่งชาติ"

DeadlineUnit = Literal["working_days", "calendar_days"]


@lru_cache(maxsize=32)
def _thai_government_holidays(year: int) -> Mapping[date, str]:
    """Thai names of the days Thai government offices are closed in ``year`` (substitution days included)."""
    import holidays  # here, not at the top: only when a year's holidays are first needed (issue 14, cold start)

    # Government offices observe the public holidays plus the government-only ones (Royal Ploughing Day).
    categories = (holidays.PUBLIC, holidays.GOVERNMENT)
    calendar = holidays.country_holidays("TH", years=year, categories=categories, language="th")
    if calendar.get_named(_NOT_GOVERNMENT_HOLIDAY):
        # pop_named also drops "ชดเชยวันแรงงานแห่งชาติ" and keeps other names sharing the date.
        calendar.pop_named(_NOT_GOVERNMENT_HOLIDAY)
    return MappingProxyType(dict(calendar.items()))


@dataclass(frozen=True, kw_only=True)
class OfficeCalendar:
    """An agency's working time (R-2.4).

    Office hours are ``[opens, closes)`` local time on working days. A working day is one of
    ``working_weekdays`` (Monday is 0) that is neither one of the agency's ``closures`` nor, when
    ``public_holidays`` is set, a Thai government holiday (public and government categories of the
    ``holidays`` library, substitution days included, National Labour Day excluded).
    """

    opens: time = time(8, 30)
    closes: time = time(16, 30)
    working_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    closures: frozenset[date] = frozenset()
    timezone: ZoneInfo = BANGKOK
    public_holidays: bool = True

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("office hours are local wall-clock times; give them without a timezone")
        if self.opens >= self.closes:
            raise ValueError("office hours must open before they close")
        # An empty week would make next_working_day search forever.
        if not self.working_weekdays or not self.working_weekdays <= frozenset(range(7)):
            raise ValueError("working_weekdays must be a non-empty set of weekday numbers 0 (Mon) to 6 (Sun)")

    def is_working_day(self, day: date) -> bool:
        """Whether the office is open on ``day`` (a local calendar date)."""
        return day.weekday() in self.working_weekdays and self.holiday_name(day) is None

    def holiday_name(self, day: date) -> str | None:
        """The Thai public holiday's name on ``day``, :data:`CLOSURE_NAME` for an agency closure, else None.

        Ordinary weekends are not holidays and give None.
        """
        if self.public_holidays and (name := _thai_government_holidays(day.year).get(day)) is not None:
            return name
        if day in self.closures:
            return CLOSURE_NAME
        return None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        candidate = day - timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate -= timedelta(days=1)
        return candidate


def _require_aware(moment: datetime, name: str) -> None:
    # A naive datetime has no defined instant; guessing its zone would shift official times by hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _at(day: date, moment: time, calendar: OfficeCalendar) -> datetime:
    return datetime.combine(day, moment, tzinfo=calendar.timezone)


def deemed_receipt_time(entered_at: datetime, calendar: OfficeCalendar) -> datetime:
    """R-2.4: when a submission that entered the system at ``entered_at`` counts as received.

    Inside office hours on a working day it is the time of entry; before opening on a working day it is
    that day's opening time; otherwise it is the opening time of the next working day (seed example:
    Sunday 22 January 21:33 -> Monday 23 January 08:30). Accepts any aware datetime (UTC too) and
    returns an aware datetime in ``calendar.timezone``; a naive datetime raises ValueError.
    """
    _require_aware(entered_at, "entered_at")
    local = entered_at.astimezone(calendar.timezone)
    day, clock = local.date(), local.time()
    if calendar.is_working_day(day):
        if clock < calendar.opens:
            return _at(day, calendar.opens, calendar)
        if clock < calendar.closes:
            return local
    return _at(calendar.next_working_day(day), calendar.opens, calendar)


def _receipt_day(start: datetime, calendar: OfficeCalendar) -> date:
    # Normalising through the deemed time makes a raw entry time and its deemed time count the same.
    return deemed_receipt_time(start, calendar).date()


def add_working_days(start: datetime, days: int, calendar: OfficeCalendar) -> datetime:
    """Q4.5: the due time of a deadline of ``days`` working days running from ``start``.

    ``start`` is a deemed receipt time (R-2.4); any other aware time is first turned into one, so a start
    after closing or on a holiday counts from the next working day. Day 0 is the start's day and the
    deadline falls at closing time of the ``days``-th following working day; ``days=0`` gives closing
    time of the start day. Raises ValueError for a negative ``days`` or a naive ``start``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = _receipt_day(start, calendar)
    for _ in range(days):
        day = calendar.next_working_day(day)
    return _at(day, calendar.closes, calendar)


def add_calendar_days(start: datetime, days: int, calendar: OfficeCalendar) -> datetime:
    """A deadline counted in calendar days, e.g. R-3.2's 30-day hold.

    Due at closing time on the local date ``start.date() + days``; when that date is not a working day,
    at closing time of the next working day. Raises ValueError for a negative ``days`` or a naive ``start``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    _require_aware(start, "start")
    day = start.astimezone(calendar.timezone).date() + timedelta(days=days)
    if not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    return _at(day, calendar.closes, calendar)


@dataclass(frozen=True)
class Deadline:
    """How a service configures a deadline (Q4.5, R-3.2, Q6.8): an amount of working or calendar days."""

    amount: int
    unit: DeadlineUnit

    def __post_init__(self) -> None:
        # Rules come from tenant files, so check at runtime what the type only promises.
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError("a deadline amount is a whole number of days, zero or more")
        if self.unit not in get_args(DeadlineUnit):
            raise ValueError(f"a deadline unit is one of {get_args(DeadlineUnit)}")


def deadline_from(start: datetime, rule: Deadline, calendar: OfficeCalendar) -> datetime:
    """The due time of ``rule`` counted from ``start`` (a deemed receipt time or another event)."""
    if rule.unit == "working_days":
        return add_working_days(start, rule.amount, calendar)
    return add_calendar_days(start, rule.amount, calendar)


class SlaState(StrEnum):
    """Where a request stands against its service-level deadline (Q4.5)."""

    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def sla_state(due_at: datetime, now: datetime, calendar: OfficeCalendar, *, warn_working_days: int = 1) -> SlaState:
    """Q4.5: OVERDUE once ``now >= due_at``; DUE_SOON within ``warn_working_days`` working days before it.

    The warning starts at closing time of the working day that lies ``warn_working_days`` working days
    before the due date, so with the default of 1 a deadline due Monday 16:30 is due soon from Friday
    16:30; ``warn_working_days=0`` turns the warning off. Otherwise ON_TRACK.
    """
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    if warn_working_days < 0:
        raise ValueError("warn_working_days must not be negative")
    if now >= due_at:
        return SlaState.OVERDUE
    warn_day = due_at.astimezone(calendar.timezone).date()
    for _ in range(warn_working_days):
        warn_day = calendar.previous_working_day(warn_day)
    if warn_working_days and now >= _at(warn_day, calendar.closes, calendar):
        return SlaState.DUE_SOON
    return SlaState.ON_TRACK


def working_days_between(start: datetime, end: datetime, calendar: OfficeCalendar) -> int:
    """Working days elapsed from ``start`` to ``end``, for statistics (Q4.5).

    Counts the working days after the start's deemed receipt day up to and including ``end``'s local
    date, so it is the inverse of :func:`add_working_days`: ``working_days_between(s,
    add_working_days(s, n, c), c) == n``. Zero when ``end`` falls on or before that day.
    """
    _require_aware(end, "end")
    day = _receipt_day(start, calendar)
    last = end.astimezone(calendar.timezone).date()
    count = 0
    while day < last:
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def buddhist_year(moment: datetime | date, calendar_tz: ZoneInfo = BANGKOK) -> int:
    """The Buddhist-era year (พ.ศ.) of ``moment``: its local year in ``calendar_tz`` plus 543.

    An aware datetime is converted to ``calendar_tz`` first; a date or a naive datetime is taken as local.
    """
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(calendar_tz)
    return moment.year + 543
