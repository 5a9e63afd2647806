"""Session-wide fixtures shared by the local-stack and browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def local_stack() -> Iterator[object]:
    """One local stack per test process: moto's backends are process-wide, so two would collide."""
    from local.stack import LocalStack

    running = LocalStack().start()
    yield running
    running.stop()
