"""DynamoDB in moto, made safe under concurrency as DynamoDB is.

moto 5.2.5 runs a ``TransactWriteItems`` by deep-copying the whole table as a backup, applying the
items one by one, and on a failed condition putting the backup back. With the server's threads
writing at the same time this goes wrong two ways, both seen under 60 concurrent submissions:
the deep copy raises ``dictionary changed size during iteration`` (a 500 that AWS never sends), and
a rollback restores the backup over writes other threads made meanwhile (lost writes). DynamoDB
itself isolates transactions, so the local stack does too: one lock around moto's item operations.
It serialises DynamoDB calls of this process only; nothing else waits on it.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

__all__ = ["install", "uninstall"]

_OPERATIONS = ("put_item", "get_item", "query", "scan", "update_item", "delete_item", "transact_write_items")
_lock = threading.RLock()
_originals: dict[str, Any] = {}


def install() -> None:
    """Wrap moto's item operations in one lock (idempotent)."""
    for name in _OPERATIONS:
        if name in _originals:
            continue
        original = getattr(DynamoDBBackend, name)
        _originals[name] = original

        @functools.wraps(original)
        def serialised(self: DynamoDBBackend, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, serialised)


def uninstall() -> None:
    """Restore moto's own operations."""
    for name, original in _originals.items():
        setattr(DynamoDBBackend, name, original)
    _originals.clear()
