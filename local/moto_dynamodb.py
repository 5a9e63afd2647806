"""DynamoDB in moto, made safe under concurrency as DynamoDB is.

moto 5.2.5 runs a ``TransactWriteItems`` by deep-copying the whole table as a backup, applying the
items one by one, and on a failed condition putting the backup back. With the server's threads
writing at the same time this goes wrong three ways, all seen under 60 concurrent submissions: the
deep copy raises ``dictionary changed size during iteration`` (a 500 that AWS never sends); a rollback
restores the backup over writes other threads made meanwhile (lost writes); and the copy grows with
the table, so every transaction gets slower as a session goes on.

DynamoDB isolates transactions, so the local stack does too: one lock around moto's item operations,
and a transaction that evaluates every condition first, then writes, and on a failure while writing
puts back only the items it touched (no copy of the table).

An update that would grow an item past DynamoDB's 400 KB is refused and changes nothing, as DynamoDB refuses
it (moto checks the size only when a top-level attribute is set, not a nested ``SET a.b``).

A query of an index the table does not have is answered as DynamoDB answers it: ValidationException "The
table does not have the specified index: <name>" (moto says ResourceNotFoundException "Invalid index"). The
functions switch to an agency's lean index on DynamoDB's answer only (eservice.dynamo, issue 14).
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

from moto.dynamodb import models as dynamo_models
from moto.dynamodb.exceptions import (
    ItemSizeToUpdateTooLarge,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend

__all__ = ["install", "uninstall"]

_OPERATIONS = ("put_item", "get_item", "query", "scan", "update_item", "delete_item")
_lock = threading.RLock()
#: DynamoDB's maximum item size, attribute names and values together: 400 KB. moto refuses a put over 405,000
#: bytes, so updates take the same figure (a put of what an update made must succeed).
ITEM_LIMIT_BYTES = 405_000
_originals: dict[str, Any] = {}


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """DynamoDB's all-or-nothing transaction: check every condition, then write every item."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with _lock:
        plan: list[tuple[str, dict[str, Any], str, dict[str, Any], Any]] = []
        seen: set[tuple[str, str]] = set()
        errors: list[tuple[Any, Any, Any]] = []
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException()
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            table = self.get_table(table_name)
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            unique = (str(table_name), str(dict(sorted(key.items()))))
            if unique in seen:
                raise MultipleTransactionsException()
            seen.add(unique)
            current = self.get_item(table_name, key)
            condition = op.get("ConditionExpression")
            failed = False
            if condition is not None:
                check = dynamo_models.get_filter_expression(
                    condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                )
                failed = not check.expr(current)
            if failed:
                old = (
                    current.to_json()["Attributes"]
                    if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    else None
                )
                errors.append(("ConditionalCheckFailed", "The conditional request failed", old))
            else:
                errors.append((None, None, None))
            plan.append((op_type, op, table_name, key, copy.deepcopy(current)))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
        written: list[tuple[str, dict[str, Any], Any]] = []
        try:
            for op_type, op, table_name, key, before in plan:
                if op_type == "ConditionCheck":
                    continue
                written.append((table_name, key, before))
                if op_type == "Put":
                    self.put_item(table_name, op["Item"])
                elif op_type == "Delete":
                    self.delete_item(table_name, key)
                else:
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=op.get("ExpressionAttributeNames") or {},
                        expression_attribute_values=op.get("ExpressionAttributeValues") or {},
                    )
        except Exception:
            # A write refused half-way (a malformed update): put back exactly what was touched.
            for table_name, key, before in reversed(written):
                if before is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before.to_json()["Attributes"])
            raise


def _update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """moto's update, refused whole when the item it leaves is over DynamoDB's item size."""
    with _lock:
        before = self.get_item(table_name, key)
        kept = copy.deepcopy(before.to_json()["Attributes"]) if before is not None else None
        item = _originals["update_item"](self, table_name, key, *args, **kwargs)
        if item.size() > ITEM_LIMIT_BYTES:
            if kept is None:
                _originals["delete_item"](self, table_name, key)
            else:
                self.put_item(table_name, kept)
            raise ItemSizeToUpdateTooLarge()
        return item


def _get_schema(self: DynamoDBBackend, table_name: str, index_name: str | None) -> list[dict[str, Any]]:
    """The key schema a query reads, refusing a missing index with DynamoDB's own error."""
    if index_name:
        table = self.get_table(table_name)
        if index_name not in {i.name for i in (table.global_indexes or []) + (table.indexes or [])}:
            raise MockValidationException(f"The table does not have the specified index: {index_name}")
    return _originals["get_schema"](self, table_name, index_name)  # type: ignore[no-any-return]


def install() -> None:
    """Serialise moto's item operations, replace its transaction and its missing-index answer (idempotent)."""
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
    if "transact_write_items" not in _originals:
        _originals["transact_write_items"] = DynamoDBBackend.transact_write_items
        DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    # Replaces the serialised update (it takes the lock itself); uninstall puts moto's own back.
    DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
    if "get_schema" not in _originals:
        _originals["get_schema"] = DynamoDBBackend.get_schema
        DynamoDBBackend.get_schema = _get_schema  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore moto's own operations."""
    for name, original in _originals.items():
        setattr(DynamoDBBackend, name, original)
    _originals.clear()
