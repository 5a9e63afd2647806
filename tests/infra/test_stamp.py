"""Issue 14: stamped tenant stacks (``infra/stamp.py``) are exactly what CDK builds.

A cell of the repository's demo tenants and synthetic tenants of the same shapes, each differing from the
demo tenant it copies in every value stamping substitutes (id, domain, English name) and in what the shape
leaves out (Thai name, e-mails, the Digital ID client, the example documents' bytes), is synthesized
twice: every tenant through CDK (``-c stamp=false``) and stamped. Every file of the two cloud assemblies
(templates, asset manifests, metadata, ``manifest.json``, the staged asset folders, the validation report)
must be byte-identical. The synthetic tenants sort first, so both demo tenants are stamped, not built.
Both with cdk.json's feature flags (``cdk synth``) and without them (the benchmarks, ``python -m local``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from eservice.tenant import Tenant, load_all_tenants, load_tenant
from infra.app import StampingApp, build_app, new_app, stack_name
from infra.stamp import STAMP_CONTEXT, Substitution, fingerprint, node_addr, shape, unique_id
from tests.infra.test_stack import NO_BUNDLING, REPO

#: synthetic tenant -> (the demo tenant it copies, its domain, English name, Thai name)
SYNTHETIC = {
    "ban-krut": ("klongnoy", "bankrut.go.th", "Ban Krut Subdistrict Municipality", "เทศบาลตำบลบ้านกรูด"),
    "bang-pho": (
        "khunthale",
        "bangpho-sao.go.th",
        "Bang Pho Subdistrict Administrative Organization",
        "องค์การบริหารส่วนตำบลบางโพธิ์",
    ),
    "tha-chang2": ("klongnoy", "thachang.or.th", "Tha Chang Town Municipality", "เทศบาลเมืองท่าช้าง"),
}


def _synthetic(folder: Path, tenant_id: str) -> None:
    demo, domain, name_en, name_th = SYNTHETIC[tenant_id]
    data: dict[str, Any] = yaml.safe_load((REPO / "tenants" / f"{demo}.yaml").read_text(encoding="utf-8"))
    data |= {"id": tenant_id, "domain": domain, "name": {"th": name_th, "en": name_en}}
    # What the shape leaves out differs too: only the tenant layer holds it.
    data["saraban_email"] = f"saraban@{domain}"
    data["notifications"]["email_from"] = f"no-reply@{domain}"
    data["address"] = {"th": f"1 หมู่ 1 {name_th}", "en": f"1 Moo 1, {name_en}"}
    data["head_title"] = {"th": f"หัวหน้า{name_th}", "en": f"Head of {name_en}"}
    data["phones"] = {"records_office": "077-100-200"}
    data["closures"] = ["2027-01-02"]
    data["payment"]["biller_id"] = "099400016999901"
    data["services"][0]["name"] = {"th": "บริการทดสอบการประทับ", "en": "A service of the stamping test"}
    for unit in data["units"].values():
        unit["phone"], unit["email"] = "077-100-201", f"unit@{domain}"
    for provider in data.get("identity_providers", []):
        provider["client_id"] = f"{tenant_id}-eservice"
    (folder / f"{tenant_id}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    if (REPO / "tenants" / demo).is_dir():
        shutil.copytree(REPO / "tenants" / demo, folder / tenant_id)
        for pdf in (folder / tenant_id).rglob("*.pdf"):  # the same documents, other bytes: another asset hash
            pdf.write_bytes(pdf.read_bytes() + f"% {tenant_id}\n".encode())


def _cdk_json_context() -> dict[str, Any]:
    context = dict(json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))["context"])
    context.pop("tenant")
    return context


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stamp-tenants")
    for demo in ("klongnoy", "khunthale"):
        shutil.copy(REPO / "tenants" / f"{demo}.yaml", folder)
        if (REPO / "tenants" / demo).is_dir():
            shutil.copytree(REPO / "tenants" / demo, folder / demo)
    for tenant_id in SYNTHETIC:
        _synthetic(folder, tenant_id)
    return folder


@pytest.fixture(scope="module", params=["cdk.json flags", "no flags"])
def assemblies(
    request: pytest.FixtureRequest, folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path, StampingApp]]:
    context = {**NO_BUNDLING, "version": "test", **(_cdk_json_context() if request.param == "cdk.json flags" else {})}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TENANTS_DIR", str(folder))
        out: dict[str, Path] = {}
        apps: dict[str, StampingApp] = {}
        for stamp in ("false", "true"):
            out[stamp] = tmp_path_factory.mktemp(f"cell-stamp-{stamp}")
            app = new_app(outdir=str(out[stamp]), context={**context, STAMP_CONTEXT: stamp})
            assert isinstance(app, StampingApp)
            build_app(app, tenant="all", mode="cell", cell="stamp")
            app.synth()  # raises if cdk-nag finds anything unacknowledged
            apps[stamp] = app
        yield out["false"], out["true"], apps["true"]


def test_given_demo_and_synthetic_tenants_when_stamped_then_the_cloud_assembly_is_byte_identical_to_cdks(
    assemblies: tuple[Path, Path, StampingApp],
) -> None:
    plain, stamped, _ = assemblies
    plain_files, stamped_files = _files(plain), _files(stamped)

    assert sorted(stamped_files) == sorted(plain_files)
    assert [name for name in plain_files if stamped_files[name] != plain_files[name]] == []


def test_given_the_cell_when_stamped_then_both_demo_tenants_and_one_synthetic_are_stamped_not_built(
    assemblies: tuple[Path, Path, StampingApp], folder: Path
) -> None:
    _, stamped, app = assemblies
    plan = app.stamp_plan
    assert plan is not None
    copied = {t.id: r.id for t, r in plan.stamped()}

    assert copied == {"khunthale": "bang-pho", "klongnoy": "ban-krut", "tha-chang2": "ban-krut"}
    assert [c.node.id for c in app.node.children if c.node.id in map(stack_name, copied)] == []
    manifest = json.loads((stamped / "manifest.json").read_text(encoding="utf-8"))
    assert {stack_name(t) for t in copied} <= set(manifest["artifacts"])
    assert {t.id for t in load_all_tenants(folder)} == set(plan.tenants)


def test_given_stamp_false_then_every_tenant_is_built_through_cdk(assemblies: tuple[Path, Path, StampingApp]) -> None:
    plain, _, _ = assemblies
    manifest = json.loads((plain / "manifest.json").read_text(encoding="utf-8"))

    assert {stack_name(t) for t in ("ban-krut", "bang-pho", "khunthale", "klongnoy", "tha-chang2")} <= set(
        manifest["artifacts"]
    )


def test_given_tenants_that_differ_only_in_substituted_values_then_they_share_a_shape(folder: Path) -> None:
    klongnoy, copy = load_tenant(folder / "klongnoy.yaml"), load_tenant(folder / "ban-krut.yaml")
    data = copy.model_dump(mode="json")
    later = Tenant.model_validate(data | {"office_hours": data["office_hours"] | {"opens": "09:00"}})
    registration = {k: v for k, v in data["units"].items() if k != "public_health"}
    services = [s | {"responsible_unit": "registration"} for s in data["services"]]
    fewer = Tenant.model_validate(data | {"units": registration, "services": services})

    assert shape(copy) == shape(klongnoy)
    assert shape(later) != shape(klongnoy)
    assert shape(fewer) != shape(klongnoy)


def test_given_cdk_names_then_stamping_computes_them_as_cdk_does() -> None:
    # Values CDK wrote for the tenant "t0001" of a cell (infra/stack.py), recomputed from their construct paths.
    assert unique_id(["eservice-t0001", "CitizenAuthorizer"]) == "eservicet0001CitizenAuthorizerA02E7584"
    assert unique_id(["eservice-t0001", "MailEvents"]) == "eservicet0001MailEventsFD2314AB"
    assert (
        unique_id(["NotifyLive", "AllowInvoke:eservicet0001MailEventsFD2314AB"])
        == "NotifyLiveAllowInvokeeservicet0001MailEventsFD2314ABDCCA1BFF"
    )
    assert node_addr(["eservice-t0001", "CitizenSite", "CustomResource"])[-8:] == "79c5c4fc"
    assert node_addr(["eservice-t0001", "SiteFonts", "CustomResource"])[-8:] == "ac5e414e"


def test_given_a_value_inside_a_word_then_it_is_not_substituted() -> None:
    sub = Substitution([("klongnoy", "ban-krut"), ("klongnoy.go.th", "bankrut.go.th")])

    assert sub('"eservice-klongnoy" "https://eservice.klongnoy.go.th" "klongnoyx" "eserviceklongnoy"') == (
        '"eservice-ban-krut" "https://eservice.bankrut.go.th" "klongnoyx" "eserviceklongnoy"'
    )


def test_given_an_asset_folder_then_its_fingerprint_is_cdks(tmp_path: Path) -> None:
    # The sites' config.json of tenant t0001 as CDK staged it, and CDK's hash of its folder.
    (tmp_path / "config.json").write_text(
        '{"tenant":"t0001","apiBase":"/api","cognitoEndpoint":<<marker:0xbaba:0>>,"region":<<marker:0xbaba:1>>,'
        '"citizen":{"userPoolId":<<marker:0xbaba:2>>,"clientId":<<marker:0xbaba:3>>,"oauthDomain":'
        '<<marker:0xbaba:4>>},"officer":{"userPoolId":<<marker:0xbaba:5>>,"clientId":<<marker:0xbaba:6>>},'
        '"local":false}',
        encoding="utf-8",
    )

    assert fingerprint(tmp_path) == "b2311b2a552c197a12fcbf934beba459d8eb7d631313ddfa0ef44e07da61ec1a"


#: What the infra code may read of a tenant, each accounted for by stamping: substituted (id, domain, name: its
#: English name; the Thai one reaches only assets), recomputed with the assets (services: the example documents),
#: or part of ``shape``. A field read anywhere else in ``infra/`` must be added to ``shape`` or substituted.
ACCOUNTED_FOR = {
    "id",
    "domain",
    "name",
    "services",
    "units",
    "office_hours",
    "retention",
    "security",
    "index_upgrade_step",
    "open_data",
    "identity_providers",
}


def test_given_the_infra_code_then_every_tenant_field_it_reads_is_accounted_for_by_stamping() -> None:
    """A guard for ``shape``: infra code that starts reading another field of the tenant file (say its fees) would
    build tenants of one shape differently, and stamping would copy the representative's value. The demo and
    synthetic tenants of the byte-identity test may not differ in that field, so this test names it instead.
    It finds ``tenant.<field>`` in the source: a tenant under another variable name escapes it."""
    read = {
        field
        for path in (REPO / "infra").glob("*.py")
        for field in re.findall(r"\btenant\.([a-z_]+)\b(?!\()", path.read_text(encoding="utf-8"))
    }
    read -= {"load_tenant", "compile_tenant", "tenant_file"}  # the module eservice.tenant, not a tenant's field

    assert read <= ACCOUNTED_FOR, f"infra reads {sorted(read - ACCOUNTED_FOR)} of a tenant: add it to stamp.shape"
    assert {"units", "office_hours", "retention", "security", "identity_providers"} <= read  # the guard sees reads
