"""Lambda SnapStart runtime hooks (issue 14): what runs before the snapshot and after each restore.

With SnapStart, Lambda initializes a function once, when a version is published, snapshots the memory, and
resumes every new execution environment of that version from the same snapshot. So, after a restore:

- Python's ``random`` would replay the same sequence in every environment: it is re-seeded from
  ``os.urandom`` (``uuid.uuid4``, ``secrets`` and ``os.urandom`` itself read the kernel and need nothing);
- secrets, AWS clients (their credentials and connections) and everything built on them must not come from the
  snapshot: each function registers a hook that clears its caches, and ``eservice.aws.client`` is cleared here.
  They are built again, lazily, by the first request that needs them.

Before the snapshot only configuration is loaded: the function's settings and the tenant file (no secret, no
connection), so a restored environment does not parse the tenant YAML again.

The ``snapshot_restore_py`` module exists only in the Lambda Python runtime (3.12 and later). Elsewhere, in
local runs, tests and the bench, the hooks are only recorded here, and :func:`run_before_snapshot` and
:func:`run_after_restore` call them in the order Lambda would (before snapshot: reverse order of
registration; after restore: order of registration).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "after_restore",
    "before_snapshot",
    "clear_caches",
    "clear_module_caches",
    "run_after_restore",
    "run_before_snapshot",
]

Hook = Callable[[], Any]

try:  # only in the Lambda runtime: local runs and tests have no such module (and need none)
    from snapshot_restore_py import (  # type: ignore[import-not-found, unused-ignore]
        register_after_restore as _lambda_after_restore,
    )
    from snapshot_restore_py import (  # type: ignore[import-not-found, unused-ignore]
        register_before_snapshot as _lambda_before_snapshot,
    )
except ImportError:
    _lambda_after_restore = None
    _lambda_before_snapshot = None

_before: list[Hook] = []
_after: list[Hook] = []


def before_snapshot(hook: Hook) -> Hook:
    """Register ``hook`` to run once before Lambda takes the snapshot (decorator)."""
    _before.append(hook)
    if _lambda_before_snapshot is not None:
        _lambda_before_snapshot(hook)
    return hook


def after_restore(hook: Hook) -> Hook:
    """Register ``hook`` to run in every execution environment restored from the snapshot (decorator)."""
    _after.append(hook)
    if _lambda_after_restore is not None:
        _lambda_after_restore(hook)
    return hook


def run_before_snapshot() -> None:
    """What Lambda does before the snapshot, for local runs, tests and the bench (reverse order)."""
    for hook in reversed(_before):
        hook()


def run_after_restore() -> None:
    """What Lambda does after a restore, for local runs, tests and the bench (order of registration)."""
    for hook in _after:
        hook()


def clear_caches(*cached: Callable[..., Any]) -> None:
    """Forget what ``functools.cache``/``lru_cache`` functions hold (clients, secrets, what is built on them)."""
    for function in cached:
        function.cache_clear()  # type: ignore[attr-defined]


def clear_module_caches(namespace: Mapping[str, Any]) -> list[str]:
    """Clear every ``functools`` cache *defined* in the module whose ``globals()`` is ``namespace`` (not those it
    imports, such as ``settings`` and ``tenant``); the names of those cleared, sorted.

    A function's composition root caches its clients, the use cases built on them and the secrets it read; a
    cache added later is cleared too, with no list to keep up to date.
    """
    module = namespace.get("__name__")
    cached = {
        name: value
        for name, value in namespace.items()
        if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == module
    }
    clear_caches(*cached.values())
    return sorted(cached)


@before_snapshot
def load_configuration() -> None:
    """Settings and the tenant file: configuration only, the same in every environment of a version."""
    from .settings import settings, tenant

    settings()
    tenant()


@after_restore
def reseed_and_forget_clients() -> None:
    """A new seed for ``random`` in each restored environment, and no AWS client carried over the snapshot."""
    from .aws import client

    random.seed()
    client.cache_clear()
