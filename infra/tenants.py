"""Onboarding an agency (issue 14): ``python -m infra.tenants new <id>`` writes and validates its tenant file.

The new file starts from a model tenant (``--model``, the demo by default): the same services, fees,
forms and office hours, which the agency then reviews. What identifies the agency comes from a row of
the agency registry (``--csv registry.csv``: columns ``id, name_th, name_en, domain, address_th,
address_en, head_title_th, head_title_en, records_office_phone`` and optionally ``saraban_email``) or,
without ``--csv``, from a few questions. The file is validated as every stack reads it
(``eservice.tenant.load_tenant``); an invalid one is not left behind. The model's example documents
are copied beside it.

    python -m infra.tenants new bangrak --csv registry.csv
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from eservice.tenant import Tenant, TenantConfigError, load_tenant, tenants_dir

__all__ = ["QUESTIONS", "OnboardingError", "main", "new_tenant", "registry_row"]

#: The registry's columns, each with the question asked when there is no registry (Thai first).
QUESTIONS: dict[str, str] = {
    "name_th": "ชื่อหน่วยงาน (ภาษาไทย) / Agency name (Thai)",
    "name_en": "ชื่อหน่วยงาน (ภาษาอังกฤษ) / Agency name (English)",
    "domain": "โดเมนของหน่วยงาน / Agency domain (e.g. bangrak.go.th)",
    "address_th": "ที่อยู่ (ภาษาไทย) / Address (Thai)",
    "address_en": "ที่อยู่ (ภาษาอังกฤษ) / Address (English)",
    "head_title_th": "ตำแหน่งหัวหน้าหน่วยงาน (ภาษาไทย) / Title of the head (Thai)",
    "head_title_en": "ตำแหน่งหัวหน้าหน่วยงาน (ภาษาอังกฤษ) / Title of the head (English)",
    "records_office_phone": "โทรศัพท์งานสารบรรณ / Records office phone",
}


class OnboardingError(Exception):
    """Why a tenant file was not written, in Thai and English."""

    def __init__(self, th: str, en: str) -> None:
        super().__init__(f"{th} / {en}")
        self.th, self.en = th, en


def registry_row(path: Path, tenant_id: str) -> dict[str, str]:
    """The agency's row of the registry CSV (UTF-8, header row), by its ``id``."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row.get("id") or "").strip() == tenant_id:
                return {k.strip(): (v or "").strip() for k, v in row.items() if k}
    raise OnboardingError(
        th=f"ไม่พบหน่วยงาน {tenant_id} ในทะเบียน {path.name}", en=f"No agency {tenant_id} in the registry {path.name}"
    )


def _replace_strings(value: Any, old: str, new: str) -> Any:
    """``old`` replaced by ``new`` in every string of the model's data."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_strings(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, old, new) for k, v in value.items()}
    return value


def new_tenant(tenant_id: str, answers: Mapping[str, str], *, folder: Path, model: Path) -> Tenant:
    """Write ``<folder>/<id>.yaml`` from the model and the answers; validate it; return the tenant.

    Refuses to overwrite an existing tenant; removes what it wrote if the result is not valid.
    """
    target = folder / f"{tenant_id}.yaml"
    if target.exists():
        raise OnboardingError(th=f"มีแฟ้มของ {tenant_id} อยู่แล้ว", en=f"A tenant file for {tenant_id} already exists")
    missing = [k for k in QUESTIONS if not answers.get(k)]
    if missing:
        raise OnboardingError(th=f"ข้อมูลไม่ครบ: {', '.join(missing)}", en=f"Missing: {', '.join(missing)}")
    base = load_tenant(model)
    data: dict[str, Any] = yaml.safe_load(model.read_text(encoding="utf-8"))
    # The model's own names (domain, unit e-mails, SMS sender, LINE account, open-data names) become the agency's.
    for old, new in ((base.domain, answers["domain"]), (base.id, tenant_id), (base.id.upper(), tenant_id.upper())):
        data = _replace_strings(data, old, new)
    data.update(
        id=tenant_id,
        name={"th": answers["name_th"], "en": answers["name_en"]},
        domain=answers["domain"],
        saraban_email=answers.get("saraban_email") or f"saraban@{answers['domain']}",
        address={"th": answers["address_th"], "en": answers["address_en"]},
        head_title={"th": answers["head_title_th"], "en": answers["head_title_en"]},
    )
    data.setdefault("phones", {})["records_office"] = answers["records_office_phone"]
    for provider in data.get("identity_providers", []):
        provider["client_id"] = f"{tenant_id}-eservice"
        provider.pop("client_secret_name", None)
    header = f"# {answers['name_th']} ({answers['name_en']}): written by `python -m infra.tenants new {tenant_id}`\n"
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    examples = model.parent / base.id
    copied = folder / tenant_id
    if examples.is_dir() and not copied.exists():
        shutil.copytree(examples, copied)
    try:
        return load_tenant(target)
    except TenantConfigError:
        target.unlink()
        if examples.is_dir():
            shutil.rmtree(copied, ignore_errors=True)
        raise


def _ask(ask: Callable[[str], str]) -> dict[str, str]:
    return {key: ask(f"{question}: ").strip() for key, question in QUESTIONS.items()}


def main(argv: list[str] | None = None, *, ask: Callable[[str], str] = input) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.tenants", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="write and validate a new agency's tenant file")
    new.add_argument("id", help="the tenant id (lower-case letters, digits and dashes)")
    new.add_argument("--csv", type=Path, help="the agency registry (a CSV file with an id column)")
    new.add_argument("--model", type=Path, default=None, help="the tenant file to start from (the demo's)")
    new.add_argument("--dir", type=Path, default=None, help="where tenant files are (TENANTS_DIR or tenants/)")
    args = parser.parse_args(argv)
    folder = args.dir or tenants_dir()
    model = args.model or tenants_dir() / "klongnoy.yaml"
    try:
        if (folder / f"{args.id}.yaml").exists():  # before asking anything
            raise OnboardingError(th=f"มีแฟ้มของ {args.id} อยู่แล้ว", en=f"A tenant file for {args.id} already exists")
        answers = registry_row(args.csv, args.id) if args.csv else _ask(ask)
        tenant = new_tenant(args.id, answers, folder=folder, model=model)
    except (OnboardingError, TenantConfigError) as error:
        print(str(error), file=sys.stderr)
        return 2
    print(f"{folder / (tenant.id + '.yaml')}: valid ({len(tenant.services)} services, domain {tenant.domain})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
