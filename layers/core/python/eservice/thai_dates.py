"""Dates and times as Thai and English readers expect them on notices, receipts and licences.

Thai text uses the Buddhist era (พ.ศ., Gregorian year + 543) and may use Thai digits, as official
documents often do; English text keeps the Gregorian year. Times are shown in Bangkok time, the official
time of every agency (R-2.4).
"""

from __future__ import annotations

from datetime import date, datetime

from eservice.time_rules import BANGKOK, buddhist_year

__all__ = [
    "ENGLISH_MONTHS",
    "THAI_MONTHS",
    "THAI_MONTHS_ABBR",
    "format_english_date",
    "format_english_datetime",
    "format_thai_date",
    "format_thai_datetime",
    "to_thai_digits",
]

THAI_MONTHS: tuple[str, ...] = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_ABBR: tuple[str, ...] = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
ENGLISH_MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def to_thai_digits(text: str) -> str:
    """Replace the ASCII digits of ``text`` with Thai digits ("2566" -> "๒๕๖๖"); other characters stay."""
    return text.translate(_THAI_DIGITS)


def _local_date(d: date | datetime) -> date:
    # A naive datetime is taken as already in Bangkok time: only its calendar date is shown.
    if isinstance(d, datetime):
        return (d.astimezone(BANGKOK) if d.tzinfo is not None else d).date()
    return d


def _bangkok(dt: datetime) -> datetime:
    # A time of day without a zone could be UTC or local; printing it would risk a seven-hour error.
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("a datetime to display must be timezone-aware")
    return dt.astimezone(BANGKOK)


def format_thai_date(d: date | datetime, *, thai_digits: bool = False, abbreviated: bool = False) -> str:
    """A date in Thai with the Buddhist-era year: "23 มกราคม 2566" (abbreviated: "23 ม.ค. 2566").

    An aware datetime is first converted to Asia/Bangkok; a naive one is taken as Bangkok time.
    """
    day = _local_date(d)
    months = THAI_MONTHS_ABBR if abbreviated else THAI_MONTHS
    text = f"{day.day} {months[day.month - 1]} {buddhist_year(day)}"
    return to_thai_digits(text) if thai_digits else text


def format_thai_datetime(dt: datetime, *, thai_digits: bool = False) -> str:
    """An instant in Thai, in Bangkok time: "23 มกราคม 2566 เวลา 08:30 น.". Naive raises ValueError."""
    local = _bangkok(dt)
    text = f"{format_thai_date(local)} เวลา {local:%H:%M} น."
    return to_thai_digits(text) if thai_digits else text


def format_english_date(d: date | datetime) -> str:
    """A date in English with the Gregorian year: "23 January 2023" (an aware datetime in Bangkok time)."""
    day = _local_date(d)
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


def format_english_datetime(dt: datetime) -> str:
    """An instant in English, in Bangkok time: "23 January 2023, 08:30 (UTC+7)". Naive raises ValueError."""
    local = _bangkok(dt)
    return f"{format_english_date(local)}, {local:%H:%M} (UTC+7)"
