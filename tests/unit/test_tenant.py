"""Tenant files: the demo agency loads, and every broken file is refused naming file, field and reason.

The broken files live in ``tests/data/tenants/``, one fault each, named by the id they would have.
"""

from __future__ import annotations

import shutil
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from eservice.tenant import TenantConfigError, load_all_tenants, load_tenant, tenants_dir

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "tenants"


@pytest.fixture(autouse=True)
def _repo_tenants(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the repository's tenants folder, whatever the developer's shell says."""
    monkeypatch.delenv("TENANTS_DIR", raising=False)


def test_given_the_demo_tenant_when_loaded_then_its_services_and_fees_are_as_published() -> None:
    tenant = load_tenant(tenants_dir() / "klongnoy.yaml")

    assert tenant.id == "klongnoy"
    assert tenant.domain == "klongnoy.go.th"
    assert [s.id for s in tenant.services] == [
        "food-shop",
        "fire-certificate",
        "residence-certificate",
        "street-vending",
    ]
    # Q8.1 / Q8.2: one service is sent on the officer's command, the others automatically.
    assert [s.delivery for s in tenant.services] == ["automatic", "automatic", "on_command", "automatic"]
    # the street stall is the demo's IAL2 service (ThaID only).
    assert tenant.service("street-vending").identity_level == "IAL2"
    food_shop, fire = tenant.service("food-shop"), tenant.service("fire-certificate")
    assert food_shop.fee is not None and food_shop.fee.kind == "per_unit"
    assert food_shop.has_fee
    assert food_shop.public_register is True
    assert food_shop.licence.law is not None and food_shop.licence.law.th == "การสาธารณสุข"
    assert fire.fee is None
    assert not fire.has_fee
    assert fire.public_register is False
    assert (tenant.office_hours.opens, tenant.office_hours.closes) == (time(8, 30), time(16, 30))


def test_given_the_tenants_folder_when_all_loaded_then_every_file_is_a_tenant_sorted_by_id() -> None:
    files = sorted(p.stem for p in (REPO / "tenants").glob("*.yaml"))

    tenants = load_all_tenants()

    assert [t.id for t in tenants] == files
    assert "klongnoy" in files


def _klongnoy_as(tenant_id: str) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((REPO / "tenants" / "klongnoy.yaml").read_text(encoding="utf-8"))
    raw["id"] = tenant_id
    return raw


def test_given_a_valid_tenant_with_a_second_service_when_loaded_then_both_services_are_offered(
    tmp_path: Path,
) -> None:
    raw = _klongnoy_as("khlong-luang")
    renewal = {**raw["services"][0], "id": "food-shop-renewal"}
    raw["services"].append(renewal)
    path = tmp_path / "khlong-luang.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copytree(REPO / "tenants" / "klongnoy" / "examples", tmp_path / "khlong-luang" / "examples")

    tenant = load_tenant(path)

    assert tenant.id == "khlong-luang"
    assert [s.id for s in tenant.services] == [
        "food-shop",
        "fire-certificate",
        "residence-certificate",
        "street-vending",
        "food-shop-renewal",
    ]
    assert tenant.service("food-shop-renewal").name == tenant.service("food-shop").name


def test_given_a_missing_file_when_loaded_then_the_error_names_it() -> None:
    path = BAD / "no-such-agency.yaml"

    with pytest.raises(TenantConfigError) as raised:
        load_tenant(path)

    assert raised.value.problems == [("", "file not found")]
    assert f"{path}: <file>: file not found" in str(raised.value)


def test_given_a_folder_with_one_broken_file_when_all_loaded_then_the_error_names_that_file(tmp_path: Path) -> None:
    good = tmp_path / "klongnoy.yaml"
    good.write_text((REPO / "tenants" / "klongnoy.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(REPO / "tenants" / "klongnoy", tmp_path / "klongnoy")
    broken = tmp_path / "unknown-approval-role.yaml"
    broken.write_text((BAD / "unknown-approval-role.yaml").read_text(encoding="utf-8"), encoding="utf-8")

    with pytest.raises(TenantConfigError) as raised:
        load_all_tenants(tmp_path)

    assert raised.value.path == broken


# (file id, field path the operator must be pointed to, words the reason must contain)
BROKEN_FILES = [
    ("yaml-syntax-error", "", ["not valid yaml", "line 3"]),
    ("not-a-mapping", "", ["mapping"]),
    ("id-mismatch", "id", ["thot-sop", "id-mismatch"]),
    ("unknown-top-level-key", "colour", ["not permitted"]),
    ("missing-required-field", "saraban_email", ["required"]),
    ("unknown-approval-role", "services.0.approval_steps.0.role", ["mayor", "approver"]),
    ("fee-unit-not-numeric", "services.0", ["unit_field", "applicant_name", "numeric"]),
    ("licence-field-not-in-form", "services.0", ["licence", "stall_number"]),
    ("duplicate-service-ids", "services", ["duplicate", "market-stall"]),
    ("unknown-responsible-unit", "services", ["market-stall", "finance_division"]),
    ("office-hours-reversed", "office_hours", ["open", "close"]),
    ("office-hours-unquoted", "office_hours", []),
    ("office-hours-half-quoted", "office_hours", []),
    ("biller-id-not-15-digits", "payment.biller_id", ["15"]),
    ("choice-without-options", "services.0.form.2", ["goods", "options"]),
    ("public-licence-without-law", "services.0", ["public register", "licence.law", "13(1)"]),
    # a tenant may add formats to a slot, never leave out PDF, DOC, DOCX, TXT or JPEG.
    ("formats-below-minimum", "services.0.documents.0.formats", ["r-3.3", "doc, docx, txt", "never remove"]),
    # Q3.4: the example a slot names must be among the tenant's files.
    ("example-file-missing", "services.0.documents.0.example", ["stall-photo.jpg"]),
]


def test_given_the_broken_files_then_each_one_is_tested_here() -> None:
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(case[0] for case in BROKEN_FILES)


def _points_to(found: str, expected: str) -> bool:
    """The problem is at ``expected`` or inside it (``services.0`` covers ``services.0.fee.unit_field``)."""
    return found == expected or (expected != "" and found.startswith(expected + "."))


@pytest.mark.parametrize(("file_id", "field", "reason_words"), BROKEN_FILES, ids=[c[0] for c in BROKEN_FILES])
def test_given_a_broken_tenant_file_when_loaded_then_the_error_names_file_field_and_reason(
    file_id: str, field: str, reason_words: list[str]
) -> None:
    path = BAD / f"{file_id}.yaml"

    with pytest.raises(TenantConfigError) as raised:
        load_tenant(path)

    error = raised.value
    assert error.path == path
    matching = [(f, reason) for f, reason in error.problems if _points_to(f, field)]
    assert matching, f"no problem reported at {field!r}: {error.problems}"
    found_field, reason = matching[0]
    assert reason.strip()
    for word in reason_words:
        assert word in reason.lower(), f"{word!r} missing from the reason {reason!r}"
    assert f"{path}: {found_field or '<file>'}: {reason}" in str(error)


@pytest.mark.parametrize("file_id", ["fee-unit-not-numeric", "licence-field-not-in-form", "unknown-approval-role"])
def test_given_one_faulty_service_when_loaded_then_the_report_does_not_claim_the_list_is_empty(file_id: str) -> None:
    with pytest.raises(TenantConfigError) as raised:
        load_tenant(BAD / f"{file_id}.yaml")

    # The file has one service with one fault: one problem, not a second, false, "at least 1 item" one.
    assert len(raised.value.problems) == 1, raised.value.problems


@pytest.mark.parametrize("formats", [["pdf"], ["pdf", "doc", "docx", "jpeg", "png"], ["png", "tiff"]])
def test_given_a_slot_that_drops_a_minimum_format_when_loaded_then_refused_naming_what_is_missing(
    tmp_path: Path, formats: list[str]
) -> None:
    raw = _klongnoy_as("khlong-luang")
    raw["services"][1]["documents"][0]["formats"] = formats
    path = tmp_path / "khlong-luang.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copytree(REPO / "tenants" / "klongnoy" / "examples", tmp_path / "khlong-luang" / "examples")

    with pytest.raises(TenantConfigError) as raised:
        load_tenant(path)

    ((field, reason),) = raised.value.problems
    assert field == "services.1.documents.0.formats"
    missing = [f for f in ("pdf", "doc", "docx", "txt", "jpeg") if f not in formats]
    assert f"leaves out {', '.join(missing)}" in reason


def test_given_a_slot_without_formats_when_loaded_then_it_accepts_the_minimum_and_tenant_additions_stay() -> None:
    tenant = load_tenant(tenants_dir() / "klongnoy.yaml")

    every_slot = [d for s in tenant.services for d in s.documents]
    assert all({"pdf", "doc", "docx", "txt", "jpeg"} <= {f.value for f in d.formats} for d in every_slot)
    id_card = tenant.service("street-vending").documents[0]  # no formats in the file: the minimum
    assert [f.value for f in id_card.formats] == ["pdf", "doc", "docx", "txt", "jpeg"]
    shop_map = tenant.service("food-shop").documents[2]
    assert {"tiff", "bmp"} <= {f.value for f in shop_map.formats}


@pytest.mark.parametrize(
    ("notifications", "words"),
    [
        ({"line_enabled": True, "line_official_account": None}, ["line_official_account"]),
        ({"sms_sender": "KLONG NOY"}, ["sms_sender"]),
        ({"sms_sender": "123456"}, ["sms_sender"]),
        ({"sms_sender": "KLONGNOYMUNI"}, ["sms_sender"]),
    ],
    ids=["line-without-official-account", "sms-sender-with-space", "sms-sender-digits-only", "sms-sender-too-long"],
)
def test_given_channel_settings_sms_and_line_cannot_use_then_the_tenant_file_is_refused(
    tmp_path: Path, notifications: dict[str, Any], words: list[str]
) -> None:
    """Q4.4: an SMS sender id is 1-11 letters and digits with a letter; LINE needs the Official Account's id."""
    raw = _klongnoy_as("khlong-luang")
    raw["notifications"] = {**raw["notifications"], **notifications}
    path = tmp_path / "khlong-luang.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")

    with pytest.raises(TenantConfigError) as raised:
        load_tenant(path)

    assert all(word in str(raised.value) for word in words), str(raised.value)
