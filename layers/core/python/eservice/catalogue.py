"""The service catalogue and the agency's contact details (Q1.1-Q1.3)."""

from __future__ import annotations

import unicodedata
from typing import Any

from .domain import STATUS_LABELS
from .fees import format_baht
from .tenant import Service, Tenant

__all__ = ["agency_info", "search_services", "service_detail", "service_summary"]


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().strip()


def agency_info(tenant: Tenant) -> dict[str, Any]:
    """Names, address, phones, office hours and closures (Q1.3, R-2.3, R-2.4)."""
    return {
        "id": tenant.id,
        "name": tenant.name.model_dump(),
        "domain": tenant.domain,
        "saraban_email": tenant.saraban_email,
        "address": tenant.address.model_dump(),
        "records_office_phone": tenant.phones.records_office,
        "units": {
            key: {"name": unit.name.model_dump(), "phone": unit.phone, "email": unit.email}
            for key, unit in tenant.units.items()
        },
        "office_hours": {
            "opens": tenant.office_hours.opens.strftime("%H:%M"),
            "closes": tenant.office_hours.closes.strftime("%H:%M"),
            "weekdays": list(tenant.office_hours.weekdays),
            "timezone": tenant.office_hours.timezone,
        },
        "closures": [d.isoformat() for d in tenant.closures],
        "identity_providers": [
            {"id": p.id, "name": p.name.model_dump(), "ial": p.ial} for p in tenant.identity_providers
        ],
        "statuses": {s.value: {"th": th, "en": en} for s, (th, en) in STATUS_LABELS.items()},
    }


def service_summary(service: Service) -> dict[str, Any]:
    """What a catalogue card shows."""
    return {
        "id": service.id,
        "name": service.name.model_dump(),
        "description": service.description.model_dump(),
        "sla_working_days": service.sla_working_days,
        "has_fee": service.has_fee,
        "public_register": service.public_register,
    }


def search_services(tenant: Tenant, query: str | None) -> list[dict[str, Any]]:
    """Services whose Thai or English name, description or keywords contain every word of the query.

    Thai is written without spaces, so each whitespace-separated part is matched as a substring:
    "อาหาร" finds "ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร", "food shop" finds "Food shop ... licence".
    """
    parts = [_normalise(p) for p in (query or "").split() if p.strip()]
    results = []
    for service in tenant.services:
        haystack = _normalise(
            " ".join(
                [service.name.th, service.name.en, service.description.th, service.description.en, *service.keywords]
            )
        )
        if all(part in haystack for part in parts):
            results.append(service_summary(service))
    return results


def service_detail(tenant: Tenant, service: Service) -> dict[str, Any]:
    """Everything the form page needs: the e-Form schema, documents, fee, SLA, contacts (Q3.1, Q3.4)."""
    unit = tenant.units[service.responsible_unit]
    fee = None
    if service.fee is not None:
        fee = {
            **service.fee.model_dump(mode="json"),
            "amount_baht": format_baht(service.fee.amount_satang),
            "rate_baht": format_baht(service.fee.rate_satang),
        }
    return {
        **service_summary(service),
        "form": [f.model_dump(mode="json") for f in service.form],
        "documents": [d.model_dump(mode="json") for d in service.documents],
        "fee": fee,
        "approval_steps": [s.model_dump(mode="json") for s in service.approval_steps],
        "more_documents_deadline": service.more_documents_deadline.model_dump(),
        "payment_deadline": service.payment_deadline.model_dump(),
        "estamp_required": service.estamp_required,
        "identity_level": service.identity_level,
        "declaration": service.declaration.model_dump(),
        "licence": {
            "title": service.licence.title.model_dump(),
            "validity_days": service.licence.validity_days,
        },
        "contact": {
            "unit": unit.name.model_dump(),
            "phone": unit.phone,
            "email": unit.email,
            "records_office_phone": tenant.phones.records_office,
        },
    }
