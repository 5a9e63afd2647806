"""Which officers and groups of the officer pool belong to this agency (issue 14).

In silo mode an agency has an officer pool of its own and its groups have their plain names (``reviewer``,
``unit-health``...). In a cell the agencies share the cell's one officer pool (an account holds 1,000 user
pools; a pool per agency would stop a cell below 1,000 agencies), and each agency's groups, role and unit
alike, are named ``<tenant id>:<group>``. That prefix is the tenant claim: an officer is this agency's
officer only through a group of this agency (in silo mode, every user of the pool is), and their groups here
are those groups without the prefix. The rest of the code sees plain group names in both modes.

Cognito cannot scope an admin call (AdminListGroupsForUser, ListUsersInGroup, AdminAddUserToGroup...) to a
group: IAM grants them on the whole pool, so every agency's functions of a cell may call them on every user
of the cell's pool. ``OfficerDirectory`` is where that is narrowed: it lists, changes and names only users
in one of this agency's groups, and touches only this agency's groups.

Cognito also signs any user of a pool in through any web client of that pool. In a cell each agency's web client
of the officer pool is named ``officers@<tenant id>`` (``officer_client_name``), and the cell's pre token
generation trigger (``functions/officer_tokens``) asks ``admit_officer`` before Cognito issues tokens, at sign-in
and at every refresh: no tokens through an agency's client for a user in none of that agency's groups, nor
through a client whose name names no agency (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GROUP_SEPARATOR",
    "OFFICER_CLIENT_PREFIX",
    "REFUSALS_METRIC",
    "TOKENS_TRIGGER_SERVICE",
    "OfficerDirectory",
    "OfficerGroups",
    "TokensRefused",
    "admit_officer",
    "client_tenant",
    "email_attribute",
    "officer_client_name",
    "officer_group_prefix",
]

#: Between the tenant id and the group name in a cell's shared pool (never in a tenant id: a slug).
GROUP_SEPARATOR = ":"
#: Before the tenant id in the name of an agency's web client of a cell's officer pool. Cognito allows no ``:``
#: in a client name (``[\w\s+=,.@-]+``), so the client is ``officers@<tenant id>``, not named like a group.
OFFICER_CLIENT_PREFIX = "officers@"
#: The cell's token trigger (``functions/officer_tokens``) as Powertools names its service, and the metric it
#: counts its refusals in (namespace, name; embedded metric format, no API call). Cognito refuses tokens only
#: when its trigger fails, so each refusal is also an error of the function: the cell's ``FunctionErrors`` alarm,
#: a gate of the rollout waves, subtracts these (``infra.cell``), or any wrong-site sign-in would set it off.
TOKENS_TRIGGER_SERVICE = "eservice-officer-tokens"
REFUSALS_METRIC = ("eservice", "OfficerTokensRefused")
#: A tenant id (``eservice.tenant``'s slug; a unit test keeps the two the same). Not imported: the trigger that
#: reads it runs at every officer sign-in and must not load the tenant models.
_TENANT_ID = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")


def officer_group_prefix(tenant_id: str, *, shared_pool: bool) -> str:
    """The prefix of the agency's group names: none in a pool of its own, ``<tenant id>:`` in a cell's pool."""
    return f"{tenant_id}{GROUP_SEPARATOR}" if shared_pool else ""


@dataclass(frozen=True)
class OfficerGroups:
    """The agency's group names in the officer pool (``prefix`` from ``officer_group_prefix``)."""

    prefix: str = ""

    def pool_name(self, group: str) -> str:
        """The pool's name of one of the agency's groups."""
        return f"{self.prefix}{group}"

    def own(self, pool_groups: Iterable[str]) -> frozenset[str]:
        """The agency's groups among a user's groups in the pool, without the prefix; others are left out."""
        return frozenset(g[len(self.prefix) :] for g in pool_groups if g.startswith(self.prefix) and g != self.prefix)

    def is_member(self, pool_groups: Iterable[str]) -> bool:
        """Whether a user with these pool groups is an officer of this agency (always, in a pool of its own)."""
        return not self.prefix or bool(self.own(pool_groups))


class OfficerDirectory:
    """The agency's officers in the officer pool, read and changed through Cognito's admin API, limited to
    users in one of the agency's groups and to the agency's groups (see the module docstring)."""

    def __init__(self, *, cognito: Any, pool_id: str, groups: OfficerGroups) -> None:
        self._cognito = cognito
        self._pool = pool_id
        self._groups = groups

    def groups_of(self, username: str) -> frozenset[str] | None:
        """The agency's groups of a user (plain names); None when there is no such user or the user is not
        this agency's officer (the two are answered alike: another agency's officers are not disclosed)."""
        try:
            pages = self._cognito.get_paginator("admin_list_groups_for_user").paginate(
                UserPoolId=self._pool, Username=username
            )
            pool_groups = [g["GroupName"] for page in pages for g in page["Groups"]]
        except self._cognito.exceptions.UserNotFoundException:
            return None
        return self._groups.own(pool_groups) if self._groups.is_member(pool_groups) else None

    def add(self, username: str, group: str) -> None:
        """Put one of the agency's officers in one of the agency's groups."""
        self._cognito.admin_add_user_to_group(
            UserPoolId=self._pool, Username=username, GroupName=self._groups.pool_name(group)
        )

    def remove(self, username: str, group: str) -> None:
        """Take one of the agency's officers out of one of the agency's groups."""
        self._cognito.admin_remove_user_from_group(
            UserPoolId=self._pool, Username=username, GroupName=self._groups.pool_name(group)
        )

    def members(self, group: str) -> Iterator[dict[str, Any]]:
        """The users of one of the agency's groups (Cognito's user records)."""
        pages = self._cognito.get_paginator("list_users_in_group").paginate(
            UserPoolId=self._pool, GroupName=self._groups.pool_name(group)
        )
        for page in pages:
            yield from page["Users"]

    def email_of(self, subject: str) -> str | None:
        """The e-mail of the agency's officer with this ``sub``; None if there is none (or not this agency's)."""
        if not re.fullmatch(r"[0-9A-Za-z-]{1,64}", subject):
            return None  # never put anything else into a filter expression
        users = self._cognito.list_users(UserPoolId=self._pool, Filter=f'sub = "{subject}"', Limit=1)["Users"]
        for user in users:
            if self.groups_of(str(user["Username"])) is None:
                return None
            return email_attribute(user)
        return None


def officer_client_name(tenant_id: str) -> str:
    """The name of an agency's web client of a cell's officer pool: the trigger reads the agency from it."""
    if not _TENANT_ID.fullmatch(tenant_id):
        raise ValueError(f"not a tenant id: {tenant_id!r}")
    return f"{OFFICER_CLIENT_PREFIX}{tenant_id}"


def client_tenant(client_name: str | None) -> str | None:
    """The agency whose officer web client has this name; None for any other name (or none)."""
    if not client_name or not client_name.startswith(OFFICER_CLIENT_PREFIX):
        return None
    tenant_id = client_name[len(OFFICER_CLIENT_PREFIX) :]
    return tenant_id if _TENANT_ID.fullmatch(tenant_id) else None


class TokensRefused(Exception):
    """Cognito must issue no tokens for this sign-in or refresh.

    ``code`` is stable (the officer SPA shows a Thai and English message for it); the exception's text, which
    Cognito hands to the caller as ``UserLambdaValidationException: PreTokenGeneration failed with error
    <text>.``, is the code and an English reason, and names no person.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def admit_officer(*, client_name: str | None, pool_groups: Iterable[str]) -> str:
    """The agency whose web client this is, if the user (with these groups of the pool) is its officer.

    Raises ``TokensRefused``: ``auth.unknown_client`` when the client's name names no agency (fail closed: a
    client added to the pool by hand lets nobody in), ``auth.other_agency`` when the user is in none of the
    agency's groups (another agency's officer, or an account in no group yet).
    """
    tenant_id = client_tenant(client_name)
    if tenant_id is None:
        raise TokensRefused("auth.unknown_client", "this sign-in page is no agency's officer sign-in")
    groups = OfficerGroups(prefix=officer_group_prefix(tenant_id, shared_pool=True))
    if not groups.is_member(pool_groups):
        raise TokensRefused("auth.other_agency", "this account is not an officer of the agency of this sign-in page")
    return tenant_id


def email_attribute(user: dict[str, Any]) -> str | None:
    """The ``email`` attribute of a Cognito user record (ListUsers, ListUsersInGroup)."""
    return next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "email"), None)
