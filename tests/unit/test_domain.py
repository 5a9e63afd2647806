"""The life of a request: which status changes are allowed, the events they leave, and where it ends."""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from datetime import UTC, datetime

import pytest

from eservice.domain import (
    ALLOWED_TRANSITIONS,
    FINAL_STATUSES,
    Actor,
    Request,
    RequestStatus,
)
from eservice.errors import Conflict

S = RequestStatus
AT = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
REVIEWER = Actor(kind="officer", id="officer-7", role="reviewer")
THAI = re.compile(r"[\u0E00-\u0E7F]")


def request_in(status: RequestStatus, *, version: int = 3) -> Request:
    return Request(
        id="REQ-2569-000042",
        tenant_id="klongnoy",
        service_id="food-shop",
        applicant_id="citizen-1",
        status=status,
        version=version,
        submitted_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
    )


ALLOWED = [
    pytest.param(source, target, id=f"{source}->{target}")
    for source, targets in ALLOWED_TRANSITIONS.items()
    for target in sorted(targets)
]


def test_given_the_transition_table_then_it_covers_every_status() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(RequestStatus)
    assert len(ALLOWED) > len(RequestStatus)  # the parametrisation below is not empty


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_given_an_allowed_transition_when_changed_then_new_status_and_an_event_recording_it(
    source: RequestStatus, target: RequestStatus
) -> None:
    request = request_in(source, version=3)

    changed, event = request.change_status(target, at=AT, actor=REVIEWER, reason="checked", data={"step": 1})

    assert changed.status == target
    assert changed.version == 4
    assert event.seq == request.version + 1 == 4
    assert event.request_id == request.id
    assert (event.from_status, event.to_status) == (source, target)
    assert event.actor == REVIEWER
    assert event.at == AT
    assert event.reason == "checked"
    assert event.data == {"step": 1}


FORBIDDEN = [
    (S.SUBMITTED, S.ISSUED),
    (S.SUBMITTED, S.IN_APPROVAL),
    (S.RECEIVED, S.DELIVERED),
    (S.IN_REVIEW, S.ISSUED),
    (S.AWAITING_PAYMENT, S.AWAITING_SIGNATURE),
    (S.DISMISSED, S.IN_REVIEW),
    (S.REJECTED, S.WITHDRAWN),
    (S.REFERRED, S.IN_REVIEW),
    (S.WITHDRAWN, S.RECEIVED),
    (S.ISSUED, S.WITHDRAWN),
    (S.AWAITING_SIGNATURE, S.WITHDRAWN),
    (S.PAID, S.WITHDRAWN),
    (S.DISMISSAL_PROPOSED, S.WITHDRAWN),
] + [(S.DELIVERED, target) for target in RequestStatus]


@pytest.mark.parametrize(("source", "target"), [pytest.param(s, t, id=f"{s}->{t}") for s, t in FORBIDDEN])
def test_given_a_forbidden_transition_when_changed_then_conflict_in_thai_and_english(
    source: RequestStatus, target: RequestStatus
) -> None:
    request = request_in(source)

    with pytest.raises(Conflict) as raised:
        request.change_status(target, at=AT, actor=REVIEWER)

    error = raised.value
    assert error.code == "request.invalid_transition"
    assert error.status == 409
    assert THAI.search(error.th), error.th
    assert "cannot" in error.en
    body = error.as_dict()["error"]
    assert body["message"] == {"th": error.th, "en": error.en}
    assert request.status == source  # nothing changed


def test_given_the_table_then_final_statuses_are_exactly_the_ends_of_a_request() -> None:
    assert frozenset({S.DELIVERED, S.REJECTED, S.REFERRED, S.WITHDRAWN, S.DISMISSED}) == FINAL_STATUSES
    for status in FINAL_STATUSES:
        assert ALLOWED_TRANSITIONS[status] == frozenset(), f"{status} must be final"


def _reachable_from(start: RequestStatus) -> set[RequestStatus]:
    seen: set[RequestStatus] = set()
    queue = deque([start])
    while queue:
        for target in ALLOWED_TRANSITIONS[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


@pytest.mark.parametrize("status", sorted(set(RequestStatus) - FINAL_STATUSES))
def test_given_an_open_request_then_some_final_status_can_be_reached(status: RequestStatus) -> None:
    assert _reachable_from(status) & FINAL_STATUSES, f"a request in {status} can never end"


def test_given_a_new_submission_then_every_status_is_reachable() -> None:
    assert _reachable_from(S.SUBMITTED) == set(RequestStatus) - {S.SUBMITTED}


def test_given_each_status_then_withdrawal_is_allowed_only_before_signature() -> None:
    withdrawable = {status for status, targets in ALLOWED_TRANSITIONS.items() if S.WITHDRAWN in targets}

    assert withdrawable == {
        S.SUBMITTED,
        S.RECEIVED,
        S.IN_REVIEW,
        S.MORE_DOCUMENTS_REQUESTED,
        S.IN_APPROVAL,
        S.AWAITING_PAYMENT,
        S.UNREACHABLE,
    }


def test_given_a_request_when_its_status_changes_then_the_original_record_is_untouched() -> None:
    request = request_in(S.IN_REVIEW, version=5)

    changed, _ = request.change_status(S.IN_APPROVAL, at=AT, actor=REVIEWER)

    assert changed is not request
    assert (request.status, request.version) == (S.IN_REVIEW, 5)
    assert dataclasses.replace(changed, status=S.IN_REVIEW, version=5) == request  # only status and version moved
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.status = S.ISSUED  # type: ignore[misc]


def test_given_successive_changes_then_events_are_numbered_without_gaps() -> None:
    request = request_in(S.SUBMITTED, version=1)
    path = [S.RECEIVED, S.IN_REVIEW, S.IN_APPROVAL, S.IN_APPROVAL, S.AWAITING_PAYMENT, S.PAID]
    seqs = []
    for target in path:
        request, event = request.change_status(target, at=AT, actor=REVIEWER)
        seqs.append(event.seq)

    assert seqs == [2, 3, 4, 5, 6, 7]
    assert request.version == 7
