"""R-3.4: withdrawing a submitted request is high-risk and needs a sign-in of the last ten minutes."""

from __future__ import annotations

import time

import pytest

from eservice.applications import Applicant, Applications
from eservice.errors import Forbidden
from eservice.memory import MemoryDatabase, MemoryExecutions
from eservice.tenant import load_tenant, tenants_dir
from tests.unit.use_case_fixtures import World


def _applications() -> Applications:
    # Nothing is stored or started: a stale sign-in is refused before the request is even read.
    return Applications(
        repos=MemoryDatabase().repositories,
        tenant=load_tenant(tenants_dir() / "klongnoy.yaml"),
        uploads=None,
        executions=MemoryExecutions(),
    )


@pytest.mark.parametrize("minutes_ago", [None, 11, 60])
def test_given_an_old_or_unknown_sign_in_when_withdrawing_then_a_fresh_sign_in_is_required(minutes_ago):
    authenticated_at = None if minutes_ago is None else time.time() - minutes_ago * 60
    with pytest.raises(Forbidden) as refused:
        _applications().withdraw(Applicant(id="u1"), "R-X", reason=None, authenticated_at=authenticated_at)

    assert refused.value.code == "auth.fresh_required"
    assert refused.value.th and refused.value.en


# --- R-3.4 / issue 10: the service's identity level, not only a recent sign-in -----------------------------
THAID = Applicant(id="citizen-thaid", identity_level="IAL2.3")
PASSWORD = Applicant(id="citizen-thaid", identity_level="IAL1")  # the same person, signed in with a password


def test_given_a_fresh_password_sign_in_when_withdrawing_an_ial2_request_then_refused_and_nothing_changes():
    world = World()
    request_id = world.in_review("street-vending", THAID)

    with pytest.raises(Forbidden) as refused:
        world.withdraw(request_id, PASSWORD)

    assert refused.value.code == "auth.identity_level"
    assert "ThaID" in refused.value.th and "ThaID" in refused.value.en
    assert world.request(request_id)["status"] == "in_review"
    assert world.executions.answers == []  # the saga heard nothing
    world.withdraw(request_id, THAID)
    assert world.request(request_id)["decision"]["decision"] == "withdraw"
    assert [kind for kind, _, _ in world.executions.answers] == ["fail"]


def test_given_a_thaid_draft_when_submitted_after_a_password_sign_in_then_refused():
    world = World()
    draft_id = world.draft("street-vending", THAID)

    with pytest.raises(Forbidden) as refused:
        world.submit(draft_id, PASSWORD)

    assert refused.value.code == "auth.identity_level"
    assert world.applications.draft(THAID, draft_id)["state"] == "open"
    assert world.submit(draft_id, THAID)["status"] == "submitted"


def test_given_an_ial1_service_when_withdrawing_with_a_fresh_password_sign_in_then_withdrawn():
    world = World()
    request_id = world.in_review("fire-certificate", PASSWORD)

    world.withdraw(request_id, PASSWORD)

    assert world.request(request_id)["decision"]["decision"] == "withdraw"
