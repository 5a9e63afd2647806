"""Typed answers of the statistics (Q10.5) and personal-data (PDPA) operations, for the OpenAPI document.

Like ``api_models``, they document what the use cases return as plain dicts; extra fields are allowed.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .api_models import ApiModel, Bilingual

__all__ = ["MonthStatistics", "MyDataExport", "ServiceStatistics", "StatisticsAnswer"]


class ServiceStatistics(ApiModel):
    id: str
    name: Bilingual
    sla_working_days: int


class MonthStatistics(ApiModel):
    service_id: str
    month: str
    received: int
    completed: int
    rejected: int
    referred: int
    withdrawn: int
    dismissed: int
    open: int
    median_working_days: float | None
    p90_working_days: float | None
    sla_decided: int
    sla_met: int
    sla_compliance_percent: float | None
    fees_satang: int


class StatisticsAnswer(ApiModel):
    """Per service and month of receipt (Q10.5)."""

    from_: str = Field(alias="from")
    to: str
    services: list[ServiceStatistics]
    rows: list[MonthStatistics]


class MyDataExport(ApiModel):
    """Everything the e-Service holds about the signed-in applicant (PDPA right of access)."""

    exported_at: str
    applicant_id: str
    profile: dict[str, Any] | None
    channels: dict[str, Any]
    drafts: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    files: list[dict[str, Any]]
