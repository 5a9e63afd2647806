"""R-3.4: withdrawing a submitted request is high-risk and needs a sign-in of the last ten minutes."""

from __future__ import annotations

import time

import pytest

from eservice.applications import Applicant, Applications
from eservice.errors import Forbidden
from eservice.memory import MemoryDatabase, MemoryExecutions
from eservice.tenant import load_tenant, tenants_dir


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
