"""The current time, from one place.

In AWS this is the system clock. The local stack moves a virtual clock forward (``/_local/clock``)
so that demos and tests can pass 30-day deadlines in seconds; it does so through ``set_offset``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["now", "offset", "set_offset"]

_offset = timedelta(0)


def now() -> datetime:
    """The current time (aware, UTC)."""
    return datetime.now(UTC) + _offset


def offset() -> timedelta:
    """How far the clock runs ahead of the system clock (zero in AWS)."""
    return _offset


def set_offset(delta: timedelta) -> None:
    """Move the clock (local stack only); it never runs backwards."""
    global _offset
    if delta < _offset:
        raise ValueError("the clock never runs backwards")
    _offset = delta
