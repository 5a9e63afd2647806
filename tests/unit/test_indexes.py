"""The table's indexes and the upgrade of a table deployed with whole-item indexes (eservice.indexes).

CloudFormation creates or deletes one global secondary index per stack update and cannot change an
index's projection: each step of the upgrade must change exactly one index, and the lean index of a
kind must exist before the whole-item one goes (the functions read whichever answers).
"""

from __future__ import annotations

from itertools import pairwise

from eservice.indexes import INDEX_ATTRIBUTES, projection, table_indexes
from eservice.tenant import Tenant


def test_given_a_new_table_then_it_has_the_four_lean_indexes_under_their_plain_names() -> None:
    assert table_indexes(None) == [(name, name, True) for name in ("GSI1", "GSI2", "GSI3", "GSI4")]


def test_given_the_upgrade_steps_then_each_deployment_adds_or_removes_exactly_one_index() -> None:
    steps = [set(table_indexes(step)) for step in range(9)]

    assert steps[0] == {(name, name, False) for name in INDEX_ATTRIBUTES}  # the table as deployed before
    assert steps[8] == {(f"{name}L", name, True) for name in INDEX_ATTRIBUTES}
    for before, after in pairwise(steps):
        assert len(before ^ after) == 1
    for indexes in steps:  # every kind of list always has an index to read
        assert {index for _, index, _ in indexes} == set(INDEX_ATTRIBUTES)


def test_given_a_tenant_file_then_the_upgrade_step_is_unset_unless_stated() -> None:
    assert Tenant.model_fields["index_upgrade_step"].default is None


def test_given_an_index_then_its_projection_is_keys_only_or_what_it_filters_on_and_all_only_before_upgrade() -> None:
    assert projection("GSI1") == {"ProjectionType": "KEYS_ONLY"}
    assert projection("GSI4") == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["due_at", "service_id", "waiting"]}
    assert projection("GSI2", lean=False) == {"ProjectionType": "ALL"}
