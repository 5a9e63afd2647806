"""Retention per record type in the tenant file (R-4.8): the loader refuses what a register could not keep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from eservice.tenant import TenantConfigError, load_tenant, tenants_dir

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, retention: dict[str, Any]) -> Path:
    raw: dict[str, Any] = yaml.safe_load((tenants_dir() / "klongnoy.yaml").read_text(encoding="utf-8"))
    raw["retention"] = retention
    path = tmp_path / "klongnoy.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_given_the_shipped_tenant_then_its_retention_is_read_from_the_file() -> None:
    retention = load_tenant(tenants_dir() / "klongnoy.yaml").retention

    assert (retention.evidence.archive_after_days, retention.evidence.storage_class) == (730, "GLACIER")
    assert (retention.issued_documents.archive_after_days, retention.issued_documents.storage_class) == (
        1825,
        "GLACIER_IR",
    )
    assert retention.table_exports.storage_class == "DEEP_ARCHIVE"
    assert retention.table_export_every_days == 7


@pytest.mark.parametrize(
    ("retention", "field", "words"),
    [
        ({"evidence": {"archive_after_days": 90}}, "retention.evidence.archive_after_days", ["365"]),
        (
            {"evidence": {"archive_after_days": 730, "lock_days": 365}},
            "retention.evidence.lock_days",
            ["3650"],
        ),
        (
            {"issued_documents": {"archive_after_days": 1825, "storage_class": "DEEP_ARCHIVE"}},
            "retention",
            ["glacier_ir", "licence register"],
        ),
        ({"table_exports": {"archive_after_days": 400, "storage_class": "TAPE"}}, "retention.table_exports", []),
        ({"keep_forever": True}, "retention.keep_forever", ["not permitted"]),
    ],
    ids=["live-too-short", "lock-too-short", "documents-not-instant", "unknown-class", "unknown-key"],
)
def test_given_a_retention_shorter_than_a_register_keeps_then_the_loader_refuses_it(
    tmp_path: Path, retention: dict[str, Any], field: str, words: list[str]
) -> None:
    path = _write(tmp_path, retention)

    with pytest.raises(TenantConfigError) as raised:
        load_tenant(path, check_files=False)

    matching = [(f, reason) for f, reason in raised.value.problems if f == field or f.startswith(field + ".")]
    assert matching, raised.value.problems
    for word in words:
        assert word in matching[0][1].lower(), matching
