"""Deadline schedule names: an agency's own prefix in a cell's shared schedule group (issue 14, R-3.2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eservice.saga_steps import DeadlineScheduler, schedule_name, schedule_name_prefix


def test_given_two_agencies_then_neither_prefix_starts_the_others_names() -> None:
    klong, klong_noy = schedule_name_prefix("klong"), schedule_name_prefix("klong-noy")

    assert not schedule_name("klong-noy", "R1-1-payment").startswith(klong)
    assert not schedule_name("klong", "R1-1-payment").startswith(klong_noy)
    assert schedule_name("klong", "R1-1-payment") == "klong.R1-1-payment"


def test_given_a_long_name_then_it_is_shortened_to_a_digest_never_cut_so_two_deadlines_keep_two_names() -> None:
    tenant = "a-very-long-agency-identifier-of-32"
    first = schedule_name(tenant, "01J9ZZZZZZZZZZZZZZZZZZZZZZ-10-more_documents")
    second = schedule_name(tenant, "01J9ZZZZZZZZZZZZZZZZZZZZZZ-11-more_documents")

    assert len(first) == len(second) == 64
    assert first != second
    assert first.startswith(schedule_name_prefix(tenant)) and second.startswith(schedule_name_prefix(tenant))


class _Scheduler:
    class exceptions:
        class ConflictException(Exception):
            pass

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []

    def create_schedule(self, **params: Any) -> None:
        self.created.append(params)


def test_given_a_deadline_then_its_schedule_is_named_after_the_agency_in_the_shared_group() -> None:
    scheduler = _Scheduler()
    deadlines = DeadlineScheduler(
        scheduler=scheduler, group="eservice-main-schedules", role_arn="role", target_arn="clock", tenant_id="klongnoy"
    )

    deadlines.schedule(name="R1-2-payment", due_at=datetime(2027, 1, 5, 1, 30, tzinfo=UTC), payload={"a": 1})

    (created,) = scheduler.created
    assert created["Name"] == "klongnoy.R1-2-payment"
    assert created["GroupName"] == "eservice-main-schedules"
    assert created["ScheduleExpression"] == "at(2027-01-05T01:30:00)"
