"""One local cell (issue 14): two agencies of one cell side by side, on one moto, in this test process.

moto's backends are process-wide, so this directory runs in a pytest process of its own, never with
``tests/stack`` (whose session starts a silo stack): ``pytest tests/cell``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.stack import LocalStack

#: Two demo agencies of one cell: a subdistrict municipality and a subdistrict administrative organization.
TENANTS = ("klongnoy", "khunthale")


@pytest.fixture(scope="session")
def cell() -> Iterator[LocalStack]:
    """The cell's platform (national citizen pool) and one stack per tenant, each with its own front."""
    running = LocalStack(tenants=TENANTS, mode="cell").start()
    yield running
    running.stop()
