"""Open data (R-5.3): the public licence register as CSV and JSON, published read-only and on CKAN.

At each month-end when the register changed (and on an administrator's demand) the register is written
to the exports bucket, which CloudFront serves read-only, as ``open-data/licence-register.csv`` (UTF-8
with BOM, so spreadsheet programs read Thai) and ``.json``, plus a dated copy of each month. Then the
dataset is created or updated on the agency's CKAN portal (data.go.th) with the metadata the Thai
government data catalogue asks for, and the CSV and JSON are uploaded as its resources. When the
tenant file names a parent agency, it gets the files by e-mail.

"Changed" is decided by the SHA-256 of the rows: an export of the same rows is not published again
unless asked for.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from . import clock_source
from .licence_register import LicenceBook, register_form
from .ports import Repositories
from .tenant import OpenData, Tenant
from .time_rules import BANGKOK

__all__ = [
    "CSV_KEY",
    "JSON_KEY",
    "CkanPortal",
    "ExportFile",
    "OpenDataPublisher",
    "ckan_dataset",
    "register_rows",
]

logger = logging.getLogger(__name__)

CSV_KEY = "open-data/licence-register.csv"
JSON_KEY = "open-data/licence-register.json"
#: Outside open-data/ (not served): written last, so an export whose CKAN push or mail failed is done
#: again at the next run even though its files are already published.
STATE_KEY = "open-data-state/licence-register.sha256"
_BASE_COLUMNS = (
    "licence_number",
    "service_id",
    "licence_title_th",
    "licence_title_en",
    "holder",
    "business_name",
    "area",
    "status",
    "issued_on",
    "valid_until",
    "suspended_until",
    "imported",
)
_FREQUENCY = {
    "daily": ("วัน", 1),
    "weekly": ("สัปดาห์", 1),
    "monthly": ("เดือน", 1),
    "quarterly": ("ไตรมาส", 1),
    "yearly": ("ปี", 1),
}


@dataclass(frozen=True)
class ExportFile:
    name: str
    key: str
    data: bytes
    media_type: str


class CkanPortal(Protocol):
    """The part of ``ckanapi.RemoteCKAN`` used here (``portal.action.<name>(**data)``)."""

    action: Any


def register_rows(repos: Repositories, tenant: Tenant) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and rows of the public register, in force first, then newest issued."""
    book = LicenceBook(repos=repos, tenant=tenant)
    now = clock_source.now()
    field_columns: list[str] = []
    for service in tenant.services:
        if service.public_register:
            for field in register_form(service):
                if field.name not in field_columns:
                    field_columns.append(field.name)
    rows: list[dict[str, Any]] = []
    order = {"in_force": 0, "suspended": 1, "revoked": 2, "expired": 3}
    for record in repos.licences.every(public=True):
        view = book.public_view(record, now)
        row: dict[str, Any] = {
            "licence_number": view["licence_number"],
            "service_id": view["service_id"],
            "licence_title_th": (view.get("title") or {}).get("th"),
            "licence_title_en": (view.get("title") or {}).get("en"),
            "holder": view.get("holder"),
            "business_name": view.get("business_name"),
            "area": view.get("area"),
            "status": view["status"],
            "issued_on": str(view.get("issued_at") or "")[:10] or None,
            "valid_until": view.get("valid_until"),
            "suspended_until": view.get("suspended_until") if view["status"] == "suspended" else None,
            "imported": view["imported"],
        }
        fields = view.get("fields") or {}
        for name in field_columns:
            row[name] = fields.get(name)
        rows.append(row)
    rows.sort(key=lambda r: order.get(r["status"], 9))
    return [*_BASE_COLUMNS, *field_columns], rows


def _csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    # UTF-8 with BOM: spreadsheet programs then read the Thai text right.
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def ckan_dataset(tenant: Tenant, settings: OpenData, *, modified: datetime) -> dict[str, Any]:
    """The dataset's metadata as data.go.th (the DGA's CKAN) asks for it."""
    unit, interval = _FREQUENCY[settings.update_frequency]
    assert settings.title is not None and settings.description is not None
    return {
        "name": settings.dataset,
        "title": settings.title.th,
        "owner_org": settings.organization,
        "maintainer": settings.maintainer,
        "maintainer_email": settings.maintainer_email,
        "notes": f"{settings.description.th}\n\n{settings.description.en}",
        "tags": [{"name": tag} for tag in settings.tags],
        "objective": [settings.objective],
        "update_frequency_unit": unit,
        "update_frequency_interval": str(interval),
        "geo_coverage": settings.geographic_coverage,
        "data_source": settings.data_source,
        "data_format": ["CSV", "JSON"],
        "license_id": settings.license_id,
        "data_category": settings.category,
        "data_type": "ข้อมูลระเบียน",
        "data_language": ["ไทย"],
        "url": f"https://{tenant.domain}/#/register",
        "last_updated_date": modified.astimezone(BANGKOK).date().isoformat(),
    }


class OpenDataPublisher:
    """Export, publish, push to CKAN, send to the parent agency."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        s3: Any,
        bucket: str,
        public_url: str,
        ckan: Callable[[], CkanPortal | None] | None = None,
        send_parent: Callable[[str, str, list[ExportFile]], str] | None = None,
    ) -> None:
        self._repos = repos
        self._tenant = tenant
        self._s3 = s3
        self._bucket = bucket
        self._public_url = public_url.rstrip("/")
        self._ckan = ckan
        self._send_parent = send_parent

    def files(self) -> tuple[str, list[ExportFile]]:
        """The CSV and JSON of the register as of now, and the SHA-256 of their rows."""
        columns, rows = register_rows(self._repos, self._tenant)
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        now = clock_source.now()
        document = {
            "title": (self._tenant.open_data.title or self._tenant.name).model_dump(),
            "publisher": self._tenant.name.model_dump(),
            "generated_at": now.isoformat(),
            "licence": self._tenant.open_data.license_id,
            "columns": columns,
            "count": len(rows),
            "sha256": digest,
            "licences": rows,
        }
        month = now.astimezone(BANGKOK).strftime("%Y-%m")
        csv_bytes = _csv(columns, rows)
        json_bytes = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
        return digest, [
            ExportFile("licence-register.csv", CSV_KEY, csv_bytes, "text/csv; charset=utf-8"),
            ExportFile("licence-register.json", JSON_KEY, json_bytes, "application/json"),
            ExportFile(
                f"licence-register-{month}.csv",
                f"open-data/{month}/licence-register.csv",
                csv_bytes,
                "text/csv; charset=utf-8",
            ),
            ExportFile(
                f"licence-register-{month}.json",
                f"open-data/{month}/licence-register.json",
                json_bytes,
                "application/json",
            ),
        ]

    def last_digest(self) -> str | None:
        """The rows' SHA-256 of the last export that reached every destination (None: never)."""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=STATE_KEY)
        except Exception as exc:
            if "404" in str(exc) or "Not Found" in str(exc) or "NoSuchKey" in str(exc):
                return None
            raise
        return head.get("Metadata", {}).get("rows-sha256")

    def publish(self, *, force: bool = False) -> dict[str, Any]:
        """Publish when the register changed since the last export (or ``force``); report what was done."""
        digest, files = self.files()
        if not force and digest == self.last_digest():
            return {"published": False, "reason": "unchanged", "sha256": digest}
        for file in files:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=file.key,
                Body=file.data,
                ContentType=file.media_type,
                CacheControl="public, max-age=300",
                Metadata={"rows-sha256": digest},
                ChecksumAlgorithm="SHA256",
            )
        report: dict[str, Any] = {
            "published": True,
            "sha256": digest,
            "files": {f.name: f"{self._public_url}/{f.key}" for f in files},
            "ckan": None,
            "parent_agency": None,
        }
        settings = self._tenant.open_data
        if settings.enabled and self._ckan is not None:
            portal = self._ckan()
            if portal is not None:
                report["ckan"] = self._push(portal, files[:2])
        if settings.parent_agency_email and self._send_parent is not None:
            report["parent_agency"] = {
                "to": settings.parent_agency_email,
                "message_id": self._send_parent(settings.parent_agency_email, digest, files[:2]),
            }
        self._s3.put_object(
            Bucket=self._bucket,
            Key=STATE_KEY,
            Body=digest.encode(),
            ContentType="text/plain",
            Metadata={"rows-sha256": digest},
            ChecksumAlgorithm="SHA256",
        )
        logger.info("open data published", extra={"sha256": digest, "ckan": bool(report["ckan"])})
        return report

    def _push(self, portal: CkanPortal, files: Sequence[ExportFile]) -> dict[str, Any]:
        """Create or update the dataset, then create or update one resource per file (by name)."""
        from ckanapi import NotFound  # type: ignore[import-untyped]

        settings = self._tenant.open_data
        metadata = ckan_dataset(self._tenant, settings, modified=clock_source.now())
        try:
            existing = portal.action.package_show(id=settings.dataset)
        except NotFound:
            existing = None
        if existing is None:
            dataset = portal.action.package_create(**metadata)
            created = True
        else:
            kept = {k: v for k, v in existing.items() if k in ("id", "resources", "extras", "groups")}
            dataset = portal.action.package_update(**{**kept, **metadata, "id": existing["id"]})
            created = False
        resources = {r.get("name"): r for r in dataset.get("resources") or []}
        uploaded = []
        for file in files:
            fmt = "CSV" if file.key.endswith(".csv") else "JSON"
            description = f"ทะเบียนใบอนุญาต ({fmt}) / Licence register ({fmt})"
            upload = (file.name, io.BytesIO(file.data), file.media_type)
            if file.name in resources:
                resource = portal.action.resource_update(
                    id=resources[file.name]["id"],
                    package_id=dataset["id"],
                    name=file.name,
                    format=fmt,
                    description=description,
                    upload=upload,
                )
            else:
                resource = portal.action.resource_create(
                    package_id=dataset["id"], name=file.name, format=fmt, description=description, upload=upload
                )
            uploaded.append({"name": file.name, "id": resource.get("id"), "url": resource.get("url")})
        return {"dataset": dataset.get("name"), "created": created, "resources": uploaded}
