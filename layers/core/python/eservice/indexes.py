"""The table's global secondary indexes: what each holds, and how a table deployed before moves to them.

One source: ``infra/stack.py`` builds the indexes from this, ``eservice.dynamo`` reads them (and
completes their rows from the table), the tests and ``bench/request_cost.py`` read the template.
"""

from __future__ import annotations

__all__ = ["INDEX_ATTRIBUTES", "LEAN_SUFFIX", "projection", "table_indexes"]

#: What each global secondary index holds besides the keys: only the attributes its queries filter on
#: (issue 14, cost). The request item is rewritten about 20 times a request and DynamoDB bills every index
#: copy a write changes by the size of that copy: an index of whole items (projection ALL) made each write
#: cost five times the item. A page read from an index is completed from the table by its keys
#: (``BatchGetItem``), so every list still shows whole rows.
#: - GSI1 my requests;
#: - GSI2 work lists by status (filtered by the officer's services), undelivered saga answers, pending
#:   slips, published announcements;
#: - GSI3 the licence register, every announcement, requests by submission (statistics), the registers of
#:   correspondence (searched);
#: - GSI4 every open request (filtered by due date, the step's role and state, the officer's services).
INDEX_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "GSI1": (),
    "GSI2": ("service_id",),
    "GSI3": ("search",),
    "GSI4": ("due_at", "service_id", "waiting"),
}

#: The name an index gets in a table deployed before the indexes were lean (its whole-item index keeps the
#: plain name until it is removed; see ``table_indexes``).
LEAN_SUFFIX = "L"


def table_indexes(upgrade_step: int | None) -> list[tuple[str, str, bool]]:
    """The global secondary indexes of the table, as ``(name, logical index, lean)``.

    ``None``: a new table, the lean indexes under their plain names (GSI1..GSI4). A table deployed with the
    four whole-item indexes moves to lean ones in eight deployments, because CloudFormation creates or
    deletes one index per update (and cannot change an index's projection): step ``2k - 1`` adds the lean
    ``GSI<k>L`` beside the old ``GSI<k>``, step ``2k`` removes the old one once the new one is ACTIVE.
    Step 0 is the table as deployed before. The functions read the plain name and fall back to the lean
    name when the plain one is gone (``_Table``)."""
    if upgrade_step is None:
        return [(index, index, True) for index in INDEX_ATTRIBUTES]
    indexes: list[tuple[str, str, bool]] = []
    for k, index in enumerate(INDEX_ATTRIBUTES, start=1):
        if upgrade_step < 2 * k:
            indexes.append((index, index, False))
        if upgrade_step >= 2 * k - 1:
            indexes.append((f"{index}{LEAN_SUFFIX}", index, True))
    return indexes


def projection(index: str, *, lean: bool = True) -> dict[str, object]:
    """An index's projection as DynamoDB and CloudFormation spell it: KEYS_ONLY, INCLUDE with its attributes,
    or ALL for the whole-item index of a table not yet upgraded."""
    attributes = list(INDEX_ATTRIBUTES[index])
    if not lean:
        return {"ProjectionType": "ALL"}
    if not attributes:
        return {"ProjectionType": "KEYS_ONLY"}
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": attributes}
