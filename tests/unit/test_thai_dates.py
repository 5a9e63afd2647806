"""Thai and English presentation of dates on notices, receipts and licences (R-2.4 times in Bangkok)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from eservice.thai_dates import (
    ENGLISH_MONTHS,
    THAI_MONTHS,
    THAI_MONTHS_ABBR,
    format_english_date,
    format_english_datetime,
    format_thai_date,
    format_thai_datetime,
    to_thai_digits,
)
from eservice.time_rules import BANGKOK

SEED_RECEIPT = datetime(2023, 1, 23, 8, 30, tzinfo=BANGKOK)


def test_given_month_tables_when_read_then_twelve_in_calendar_order() -> None:
    assert len(THAI_MONTHS) == len(THAI_MONTHS_ABBR) == len(ENGLISH_MONTHS) == 12
    assert (THAI_MONTHS[0], THAI_MONTHS[3], THAI_MONTHS[11]) == ("มกราคม", "เมษายน", "ธันวาคม")
    assert (THAI_MONTHS_ABBR[0], THAI_MONTHS_ABBR[2], THAI_MONTHS_ABBR[11]) == ("ม.ค.", "มี.ค.", "ธ.ค.")


def test_given_ascii_digits_when_converted_then_thai_digits_and_other_text_kept() -> None:
    assert to_thai_digits("2566") == "๒๕๖๖"
    assert to_thai_digits("0123456789") == "๐๑๒๓๔๕๖๗๘๙"
    assert to_thai_digits("เลขที่ 12/2566 น.") == "เลขที่ ๑๒/๒๕๖๖ น."


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        pytest.param(date(2023, 1, 23), {}, "23 มกราคม 2566", id="date"),
        pytest.param(date(2023, 1, 3), {}, "3 มกราคม 2566", id="no-leading-zero"),
        pytest.param(date(2023, 1, 23), {"thai_digits": True}, "๒๓ มกราคม ๒๕๖๖", id="thai-digits"),
        pytest.param(date(2024, 4, 13), {"abbreviated": True}, "13 เม.ย. 2567", id="abbreviated"),
        pytest.param(date(2024, 12, 31), {"abbreviated": True, "thai_digits": True}, "๓๑ ธ.ค. ๒๕๖๗", id="both-options"),
        pytest.param(SEED_RECEIPT, {}, "23 มกราคม 2566", id="aware-datetime"),
        # 17:30 UTC on 31 Dec 2022 is 00:30 on 1 Jan 2023 in Bangkok: day, month and era year all change.
        pytest.param(datetime(2022, 12, 31, 17, 30, tzinfo=UTC), {}, "1 มกราคม 2566", id="utc-converted"),
        pytest.param(datetime(2022, 12, 31, 17, 30), {}, "31 ธันวาคม 2565", id="naive-taken-as-local"),
    ],
)
def test_given_date_when_formatted_in_thai_then_buddhist_era(
    value: date, options: dict[str, bool], expected: str
) -> None:
    assert format_thai_date(value, **options) == expected


def test_given_receipt_time_when_formatted_in_thai_then_bangkok_time_with_na() -> None:
    assert format_thai_datetime(SEED_RECEIPT) == "23 มกราคม 2566 เวลา 08:30 น."
    assert format_thai_datetime(datetime(2023, 1, 22, 14, 33, tzinfo=UTC)) == "22 มกราคม 2566 เวลา 21:33 น."
    assert format_thai_datetime(SEED_RECEIPT, thai_digits=True) == "๒๓ มกราคม ๒๕๖๖ เวลา ๐๘:๓๐ น."


def test_given_other_zone_when_formatted_then_shown_in_bangkok_time() -> None:
    tokyo = timezone(timedelta(hours=9))

    assert format_thai_datetime(datetime(2023, 1, 23, 10, 30, tzinfo=tokyo)) == "23 มกราคม 2566 เวลา 08:30 น."
    assert format_english_datetime(datetime(2023, 1, 23, 10, 30, tzinfo=tokyo)) == "23 January 2023, 08:30 (UTC+7)"


def test_given_dates_when_formatted_in_english_then_gregorian_year() -> None:
    assert format_english_date(date(2023, 1, 23)) == "23 January 2023"
    assert format_english_date(datetime(2022, 12, 31, 17, 30, tzinfo=UTC)) == "1 January 2023"
    assert format_english_datetime(SEED_RECEIPT) == "23 January 2023, 08:30 (UTC+7)"


def test_given_naive_datetime_when_time_shown_then_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_thai_datetime(datetime(2023, 1, 23, 8, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        format_english_datetime(datetime(2023, 1, 23, 8, 30))
