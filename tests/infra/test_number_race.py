"""A numbered register entry that loses the race for its number takes the next one (dynamo._with_number).

Two notices dispatched at once read the same counter: the loser's transaction fails on the counter and,
since the winner already entered that number, on the entry too. DynamoDB names every failed condition
of a cancelled transaction, so a failure of the business part beside one of the number's is the race,
not a changed request: found by tests/stack/test_unit_routing.py, whose two requests' acknowledgments
failed the saga with ``request.changed``.
"""

from __future__ import annotations

from typing import Any

import pytest

from eservice import dynamo


def _entry(register: str, year: int, owner: str) -> Any:
    def build(number: int) -> dict[str, Any]:
        return {"book": register, "year": year, "number": number, "owner": owner, "sort": f"t#{year}#{number:07d}"}

    return build


def test_given_a_stale_counter_then_the_entry_takes_the_next_number_instead_of_failing(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = dynamo.DynamoDatabase(table).correspondence
    first = store.add_numbered("dispatched", "DISPATCH", 2569, "REQ-1", _entry("dispatched", 2569, "REQ-1"))
    get = dynamo._Table.get
    stale = iter([None])  # the second notice read the counter before the first one's transaction

    def racing_get(self: dynamo._Table, pk: str, sk: str) -> dict[str, Any] | None:
        if pk.startswith("COUNTER#"):
            return next(stale, get(self, pk, sk))
        return get(self, pk, sk)

    monkeypatch.setattr(dynamo._Table, "get", racing_get)
    second = store.add_numbered("dispatched", "DISPATCH", 2569, "REQ-2", _entry("dispatched", 2569, "REQ-2"))

    assert (first["number"], second["number"]) == (1, 2)
    assert second["owner"] == "REQ-2"
