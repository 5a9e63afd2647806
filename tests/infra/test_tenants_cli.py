"""Issue 14: onboarding an agency with ``python -m infra.tenants new <id>`` (registry row or questions)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from eservice.tenant import load_tenant
from infra.tenants import QUESTIONS, main

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "tenants" / "klongnoy.yaml"
ROW = {
    "id": "bangrak",
    "name_th": "เทศบาลตำบลบางรัก",
    "name_en": "Bang Rak Subdistrict Municipality",
    "domain": "bangrak.go.th",
    "address_th": "1 ถนนเจริญกรุง แขวงบางรัก",
    "address_en": "1 Charoen Krung Road, Bang Rak",
    "head_title_th": "นายกเทศมนตรีตำบลบางรัก",
    "head_title_en": "Mayor of Bang Rak Subdistrict Municipality",
    "records_office_phone": "02-234-5678",
}


def _registry(folder: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "registry.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROW))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_given_a_registry_row_then_the_command_writes_a_valid_tenant_file_of_that_agency(tmp_path: Path) -> None:
    registry = _registry(tmp_path, [{**ROW, "id": "other", "domain": "other.go.th"}, ROW])
    folder = tmp_path / "tenants"

    run = subprocess.run(
        [sys.executable, "-m", "infra.tenants", "new", "bangrak", "--csv", str(registry), "--dir", str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    tenant = load_tenant(folder / "bangrak.yaml")
    model = load_tenant(MODEL)
    assert (tenant.id, tenant.domain, tenant.name.th) == ("bangrak", "bangrak.go.th", "เทศบาลตำบลบางรัก")
    assert tenant.saraban_email == "saraban@bangrak.go.th"
    assert [s.id for s in tenant.services] == [s.id for s in model.services]
    assert "klongnoy" not in (folder / "bangrak.yaml").read_text(encoding="utf-8")
    assert [p.client_id for p in tenant.identity_providers] == ["bangrak-eservice"]


def test_given_no_registry_then_it_asks_each_question_and_refuses_to_overwrite(tmp_path: Path) -> None:
    asked: list[str] = []
    answers = iter(ROW[k] for k in QUESTIONS)

    def ask(question: str) -> str:
        asked.append(question)
        return next(answers)

    assert main(["new", "bangrak", "--dir", str(tmp_path), "--model", str(MODEL)], ask=ask) == 0
    assert len(asked) == len(QUESTIONS) and all(" / " in q for q in asked)  # Thai first, then English
    assert main(["new", "bangrak", "--dir", str(tmp_path), "--model", str(MODEL)], ask=ask) == 2


def test_given_an_invalid_answer_then_no_tenant_file_is_left_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = _registry(tmp_path, [{**ROW, "domain": "not a domain"}])

    code = main(["new", "bangrak", "--csv", str(registry), "--dir", str(tmp_path / "t"), "--model", str(MODEL)])

    assert code == 2
    assert "domain" in capsys.readouterr().err
    assert not (tmp_path / "t" / "bangrak.yaml").exists()


def test_given_an_agency_missing_from_the_registry_then_it_says_so_in_thai_and_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = _registry(tmp_path, [ROW])

    assert main(["new", "nowhere", "--csv", str(registry), "--dir", str(tmp_path), "--model", str(MODEL)]) == 2
    assert "ไม่พบหน่วยงาน nowhere" in capsys.readouterr().err
