"""The tenant file the functions read: the agency's YAML compiled to JSON with its trust list (issue 14, cold start).

``eservice.tenant.compile_tenant`` writes what the functions' tenant layer holds (infra/stack.py) and the local
stack reads; ``load_tenant`` reads it back, validating it again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from eservice.tenant import TenantConfigError, compile_tenant, load_tenant

REPO = Path(__file__).resolve().parents[2]
TENANTS = REPO / "tenants"


@pytest.mark.parametrize("tenant_id", ["klongnoy", "khunthale"])
def test_given_an_agency_file_when_compiled_then_reading_the_json_gives_the_same_tenant(
    tenant_id: str, tmp_path: Path
) -> None:
    tenant = load_tenant(TENANTS / f"{tenant_id}.yaml")

    compiled = compile_tenant(tenant, TENANTS, tmp_path / tenant_id)

    assert compiled == tmp_path / tenant_id / f"{tenant_id}.json"
    assert sorted(p.name for p in compiled.parent.iterdir()) == [f"{tenant_id}.json"]
    assert load_tenant(compiled, check_files=False) == tenant


def _agency_with_trust_list(folder: Path, certificates: list[str]) -> Path:
    raw = yaml.safe_load((TENANTS / "klongnoy.yaml").read_text(encoding="utf-8"))
    raw["trust_list"] = certificates
    (folder / "klongnoy.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    shutil.copytree(TENANTS / "klongnoy", folder / "klongnoy")
    return folder / "klongnoy.yaml"


def test_given_a_trust_list_when_compiled_then_its_certificates_ship_beside_the_json(tmp_path: Path) -> None:
    """R-3.3.6: the sign function reads the trusted roots beside the tenant file (before, the layer held the
    YAML alone, so an agency with a trust list could not check an incoming signed PDF in AWS)."""
    source = tmp_path / "tenants"
    source.mkdir()
    (source / "ca").mkdir()
    (source / "ca" / "root.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n")
    (source / "dga.pem").write_bytes(b"dga")
    tenant = load_tenant(_agency_with_trust_list(source, ["ca/root.pem", "dga.pem"]))
    layer = tmp_path / "layer"
    (layer / "ca").mkdir(parents=True)
    (layer / "ca" / "old.pem").write_bytes(b"taken off the list")

    compiled = compile_tenant(tenant, source, layer)

    shipped = sorted(p.relative_to(layer).as_posix() for p in layer.rglob("*") if p.is_file())
    assert shipped == ["ca/root.pem", "dga.pem", "klongnoy.json"]
    assert (layer / "ca" / "root.pem").read_bytes() == (source / "ca" / "root.pem").read_bytes()
    assert load_tenant(compiled, check_files=False).trust_list == ("ca/root.pem", "dga.pem")


def test_given_a_trust_list_naming_a_missing_file_then_compiling_refuses_it(tmp_path: Path) -> None:
    source = tmp_path / "tenants"
    source.mkdir()
    tenant = load_tenant(_agency_with_trust_list(source, ["missing.pem"]))

    with pytest.raises(TenantConfigError) as raised:
        compile_tenant(tenant, source, tmp_path / "layer")

    assert raised.value.problems == [("trust_list.0", f"no file {source / 'missing.pem'}")]
    assert not (tmp_path / "layer" / "klongnoy.json").exists()


def test_given_a_compiled_file_altered_by_hand_then_reading_it_names_the_field(tmp_path: Path) -> None:
    compiled = compile_tenant(load_tenant(TENANTS / "klongnoy.yaml"), TENANTS, tmp_path)
    raw = json.loads(compiled.read_text(encoding="utf-8"))
    raw["services"][0]["fees"] = "free"
    compiled.write_text(json.dumps(raw), encoding="utf-8")

    with pytest.raises(TenantConfigError) as raised:
        load_tenant(compiled, check_files=False)

    assert raised.value.problems and raised.value.problems[0][0].startswith("services.0.")


def test_given_a_compiled_file_under_another_name_then_it_is_refused(tmp_path: Path) -> None:
    compiled = compile_tenant(load_tenant(TENANTS / "klongnoy.yaml"), TENANTS, tmp_path)
    renamed = compiled.rename(tmp_path / "khunthale.json")

    with pytest.raises(TenantConfigError) as raised:
        load_tenant(renamed, check_files=False)

    assert raised.value.problems == [("id", "'klongnoy' must equal the file name 'khunthale'")]
