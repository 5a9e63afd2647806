"""The service catalogue and the agency's contact details (Q1.1-Q1.3)."""

from __future__ import annotations

import unicodedata
from typing import Any

from .domain import STATUS_LABELS
from .fees import format_baht
from .tenant import Service, Tenant
from .thai_words import STOP_WORDS, segmenter_for

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
    """The services a query asks for, best first (issue 13, item 10: natural phrases in Thai or English).

    Thai is written without spaces: the query is cut into words by maximal matching over the catalogue's
    own vocabulary (``thai_words``), and the words that only say what the person wants to do ("ขออนุญาต",
    "เปิด", "apply") are dropped. A service is found when at least half of the remaining words appear in its
    Thai or English name, description or keywords (each as a substring: "อาหาร" is inside
    "ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร"); those matching more words come first. "ขออนุญาตเปิดร้านอาหาร"
    finds the food-shop licence, "food shop" and "อาหาร" too. A query of request words only (or none)
    lists the services whose texts contain it whole, as before.
    """
    texts = {service.id: _normalise(" ".join(_texts(service))) for service in tenant.services}
    words = [w for w in segmenter_for(_vocabulary(tenant)).cut(query or "") if w not in STOP_WORDS]
    if not words:
        whole = _normalise(query or "")
        return [service_summary(s) for s in tenant.services if whole in texts[s.id]]
    scored = []
    for order, service in enumerate(tenant.services):
        found = sum(1 for word in words if word in texts[service.id])
        if found and found * 2 >= len(words):
            scored.append((-found, order, service))
    return [service_summary(service) for _, _, service in sorted(scored, key=lambda x: x[:2])]


def _texts(service: Service) -> list[str]:
    return [service.name.th, service.name.en, service.description.th, service.description.en, *service.keywords]


def _vocabulary(tenant: Tenant) -> tuple[str, ...]:
    return tuple(text for service in tenant.services for text in _texts(service))


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
