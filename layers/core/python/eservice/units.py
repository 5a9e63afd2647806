"""Routing to the responsible unit (R-2.1, R-3.6): officers see the requests of their own units.

A request goes to its service's ``responsible_unit`` (tenant file). An officer belongs to units through
Cognito groups ``unit-<unit id>`` of the officer pool (one group per unit of the tenant, created by CDK, named
``<tenant id>:unit-<unit id>`` in a cell's shared pool: ``eservice.officer_pool``;
an administrator sets an officer's units through ``PUT /api/officer/officers/{username}/units``). Work
lists, the digest, a request's details, files, access log and every action on it are limited to the
officer's units; the head of the agency and administrators see every unit. A request of another unit is
answered like one that does not exist (404 ``request.not_found``): its existence is not disclosed
either (R-1.10, needless access to personal data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import Forbidden, InvalidInput, NotFound
from .officer_pool import OfficerDirectory
from .tenant import Tenant

__all__ = [
    "AGENCY_WIDE",
    "UNIT_GROUP_PREFIX",
    "UnitMembership",
    "require_visible",
    "sees_all",
    "unit_group",
    "units_of",
    "visible_services",
]

UNIT_GROUP_PREFIX = "unit-"
#: Groups that see the requests of every unit.
AGENCY_WIDE = frozenset({"head", "admin"})


def unit_group(unit_id: str) -> str:
    """The officer pool group of a unit."""
    return f"{UNIT_GROUP_PREFIX}{unit_id}"


def units_of(groups: Iterable[str]) -> frozenset[str]:
    """The units an officer belongs to, from their groups."""
    return frozenset(g[len(UNIT_GROUP_PREFIX) :] for g in groups if g.startswith(UNIT_GROUP_PREFIX))


def sees_all(groups: Iterable[str]) -> bool:
    """The head and administrators see every unit's requests."""
    return bool(AGENCY_WIDE & frozenset(groups))


def visible_services(tenant: Tenant, groups: Iterable[str]) -> frozenset[str] | None:
    """The services whose requests the officer sees; None: every service (head, admin)."""
    groups = frozenset(groups)
    if sees_all(groups):
        return None
    units = units_of(groups)
    return frozenset(s.id for s in tenant.services if s.responsible_unit in units)


def require_visible(tenant: Tenant, groups: Iterable[str], record: Mapping[str, Any]) -> None:
    """NotFound (as for a request that does not exist) unless the request is of one of the officer's units."""
    visible = visible_services(tenant, groups)
    if visible is not None and record.get("service_id") not in visible:
        raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")


class UnitMembership:
    """An administrator sets which units an officer belongs to (their ``unit-*`` groups in the officer pool),
    among the agency's own officers only (``eservice.officer_pool``)."""

    def __init__(self, *, tenant: Tenant, officers: OfficerDirectory) -> None:
        self._tenant = tenant
        self._officers = officers

    def units(self, groups: Iterable[str], username: str) -> dict[str, Any]:
        """The officer's units (administrators only)."""
        self._admin_only(groups)
        return {"username": username, "units": sorted(units_of(self._groups(username)))}

    def set_units(self, groups: Iterable[str], username: str, units: Iterable[str]) -> dict[str, Any]:
        """Make the officer a member of exactly ``units`` (administrators only). The officer's next sign-in
        carries the new groups (Cognito puts them in the ID token when it is issued)."""
        self._admin_only(groups)
        wanted = frozenset(units)
        unknown = sorted(wanted - set(self._tenant.units))
        if unknown:
            raise InvalidInput(
                code="units.unknown",
                th="ไม่มีส่วนงานนี้ในหน่วยงาน: " + ", ".join(unknown),
                en=f"No such unit: {', '.join(unknown)}; use: {', '.join(sorted(self._tenant.units))}.",
            )
        current = units_of(self._groups(username))
        for unit in sorted(wanted - current):
            self._officers.add(username, unit_group(unit))
        for unit in sorted(current - wanted):
            self._officers.remove(username, unit_group(unit))
        return {"username": username, "units": sorted(wanted)}

    def _groups(self, username: str) -> frozenset[str]:
        groups = self._officers.groups_of(username)
        if groups is None:  # no such user, or another agency's officer of the cell's pool: not disclosed
            raise NotFound(code="officer.not_found", th="ไม่พบเจ้าหน้าที่นี้", en="No such officer.")
        return groups

    @staticmethod
    def _admin_only(groups: Iterable[str]) -> None:
        if "admin" not in frozenset(groups):
            raise Forbidden(
                code="units.admin_only",
                th="เฉพาะผู้ดูแลระบบที่กำหนดส่วนงานของเจ้าหน้าที่ได้",
                en="Only administrators may set an officer's units.",
            )
