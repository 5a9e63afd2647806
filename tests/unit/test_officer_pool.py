"""Issue 14: a cell's agencies share one officer pool; each reads and changes only its own groups and officers.

A fake of Cognito's admin API (the calls ``OfficerDirectory`` makes) holds two agencies' officers in one pool,
their groups named ``<tenant id>:<group>``; silo mode (no prefix) keeps the plain names.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import bench_cold
from eservice.errors import Forbidden, NotFound
from eservice.officer_pool import OfficerDirectory, OfficerGroups, officer_group_prefix
from eservice.settings import settings
from eservice.tenant import Tenant, load_tenant
from eservice.units import UnitMembership

REPO = Path(__file__).resolve().parents[2]


class _UserNotFound(Exception):
    pass


class _Paginator:
    """One page with every answer (enough for a handful of users)."""

    def __init__(self, cognito: FakeCognito, name: str) -> None:
        self._cognito, self._name = cognito, name

    def paginate(self, **kw: Any) -> Iterator[dict[str, Any]]:
        yield self._cognito.page(self._name, **kw)


class FakeCognito:
    """One user pool: users (username -> sub, e-mail) and their groups; every call is recorded."""

    class exceptions:  # boto3's shape: client.exceptions.UserNotFoundException
        UserNotFoundException = _UserNotFound

    def __init__(self) -> None:
        self.users: dict[str, dict[str, str]] = {}
        self.groups: dict[str, set[str]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def add_user(self, username: str, sub: str, *groups: str) -> None:
        self.users[username] = {"sub": sub, "email": username}
        self.groups[username] = set(groups)

    def _user(self, username: str) -> dict[str, Any]:
        if username not in self.users:
            raise _UserNotFound(username)
        attributes = [{"Name": k, "Value": v} for k, v in self.users[username].items()]
        return {"Username": username, "Attributes": attributes}

    def get_paginator(self, name: str) -> _Paginator:
        return _Paginator(self, name)

    def page(self, name: str, **kw: Any) -> dict[str, Any]:
        self.calls.append((name, kw))
        if name == "admin_list_groups_for_user":
            self._user(kw["Username"])
            return {"Groups": [{"GroupName": g} for g in sorted(self.groups[kw["Username"]])]}
        if name == "list_users_in_group":
            return {"Users": [self._user(u) for u, gs in sorted(self.groups.items()) if kw["GroupName"] in gs]}
        raise AssertionError(name)

    def admin_add_user_to_group(self, **kw: Any) -> None:
        self.calls.append(("admin_add_user_to_group", kw))
        self.groups[kw["Username"]].add(kw["GroupName"])

    def admin_remove_user_from_group(self, **kw: Any) -> None:
        self.calls.append(("admin_remove_user_from_group", kw))
        self.groups[kw["Username"]].discard(kw["GroupName"])

    def list_users(self, **kw: Any) -> dict[str, Any]:
        self.calls.append(("list_users", kw))
        sub = kw["Filter"].split('"')[1]
        return {"Users": [self._user(u) for u, a in self.users.items() if a["sub"] == sub][: kw.get("Limit", 60)]}


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return load_tenant(REPO / "tenants" / "klongnoy.yaml", check_files=False)


@pytest.fixture
def pool() -> FakeCognito:
    """A cell's officer pool: an administrator and a reviewer of klongnoy, a reviewer of khunthale."""
    cognito = FakeCognito()
    cognito.add_user("admin@klongnoy.go.th", "sub-admin-a", "klongnoy:admin")
    cognito.add_user("reviewer@klongnoy.go.th", "sub-reviewer-a", "klongnoy:reviewer", "klongnoy:unit-disaster")
    cognito.add_user("reviewer@khunthale.go.th", "sub-reviewer-b", "khunthale:reviewer", "khunthale:unit-disaster")
    return cognito


def _directory(pool: FakeCognito, tenant_id: str = "klongnoy", *, shared: bool = True) -> OfficerDirectory:
    prefix = officer_group_prefix(tenant_id, shared_pool=shared)
    return OfficerDirectory(cognito=pool, pool_id="pool", groups=OfficerGroups(prefix=prefix))


def test_given_a_cells_pool_then_an_agency_reads_its_own_groups_without_their_prefix() -> None:
    groups = OfficerGroups(prefix=officer_group_prefix("klongnoy", shared_pool=True))

    assert groups.pool_name("reviewer") == "klongnoy:reviewer"
    assert groups.own(["klongnoy:reviewer", "khunthale:admin", "klongnoy:unit-health"]) == {"reviewer", "unit-health"}
    assert groups.is_member(["klongnoy:reviewer"]) and not groups.is_member(["khunthale:admin", "reviewer"])
    assert not groups.is_member([]) and not groups.is_member(["klongnoy:"])


def test_given_a_silo_pool_then_the_group_names_are_plain_and_every_user_is_the_agencys() -> None:
    groups = OfficerGroups(prefix=officer_group_prefix("klongnoy", shared_pool=False))

    assert groups.pool_name("reviewer") == "reviewer"
    assert groups.own(["reviewer", "unit-health"]) == {"reviewer", "unit-health"}
    assert groups.is_member([])  # a new officer with no group yet is still the agency's (its own pool)


def test_given_another_agencys_officer_then_the_directory_neither_lists_nor_names_nor_reads_them(
    pool: FakeCognito,
) -> None:
    directory = _directory(pool)

    assert directory.groups_of("reviewer@klongnoy.go.th") == {"reviewer", "unit-disaster"}
    assert directory.groups_of("reviewer@khunthale.go.th") is None  # answered as if there were no such user
    assert directory.groups_of("nobody@klongnoy.go.th") is None
    assert [u["Username"] for u in directory.members("reviewer")] == ["reviewer@klongnoy.go.th"]
    assert [c[1]["GroupName"] for c in pool.calls if c[0] == "list_users_in_group"] == ["klongnoy:reviewer"]
    assert directory.email_of("sub-reviewer-a") == "reviewer@klongnoy.go.th"
    assert directory.email_of("sub-reviewer-b") is None
    assert directory.email_of('x" or sub = "y') is None  # never put anything else into a filter


def test_given_an_administrator_when_setting_units_then_only_the_agencys_groups_of_its_own_officers_change(
    pool: FakeCognito, tenant: Tenant
) -> None:
    units = UnitMembership(tenant=tenant, officers=_directory(pool))

    assert units.set_units({"admin"}, "reviewer@klongnoy.go.th", ["registration"])["units"] == ["registration"]
    assert pool.groups["reviewer@klongnoy.go.th"] == {"klongnoy:reviewer", "klongnoy:unit-registration"}
    assert units.units({"admin"}, "reviewer@klongnoy.go.th")["units"] == ["registration"]
    for attempt in (
        lambda: units.units({"admin"}, "reviewer@khunthale.go.th"),
        lambda: units.set_units({"admin"}, "reviewer@khunthale.go.th", ["registration"]),
    ):
        with pytest.raises(NotFound) as refused:
            attempt()
        assert refused.value.code == "officer.not_found"
    assert pool.groups["reviewer@khunthale.go.th"] == {"khunthale:reviewer", "khunthale:unit-disaster"}
    with pytest.raises(Forbidden):
        units.set_units({"reviewer"}, "reviewer@klongnoy.go.th", [])


def test_given_a_silo_pool_when_setting_units_then_the_plain_group_names_change(
    tenant: Tenant,
) -> None:
    pool = FakeCognito()
    pool.add_user("new@klongnoy.go.th", "sub-new")  # no group yet: the administrator gives the first
    units = UnitMembership(tenant=tenant, officers=_directory(pool, shared=False))

    units.set_units({"admin"}, "new@klongnoy.go.th", ["disaster"])

    assert pool.groups["new@klongnoy.go.th"] == {"unit-disaster"}


@pytest.mark.parametrize("prefix", ["", "klongnoy:"])
def test_given_the_agencys_own_prefix_or_none_then_the_settings_load(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    for name, value in {**bench_cold.function_env(), "TENANT_ID": "klongnoy", "OFFICER_GROUP_PREFIX": prefix}.items():
        monkeypatch.setenv(name, value)

    assert settings().officer_group_prefix == prefix


@pytest.mark.parametrize("prefix", ["khunthale:", "klongnoy", ":"])
def test_given_any_other_group_prefix_then_the_function_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    """Another agency's prefix would make that agency's officers this one's: fail fast, not at a request."""
    for name, value in {**bench_cold.function_env(), "TENANT_ID": "klongnoy", "OFFICER_GROUP_PREFIX": prefix}.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(RuntimeError, match="officer_group_prefix"):
        settings()
