"""Stamping a cell's tenant stacks (issue 14, synthesis per extra tenant).

Building a tenant stack through CDK costs about a second: some 640 constructs and 900 round trips to the
jsii kernel. The tenant stacks of a cell are built by the same code from validated tenant files, so two
tenants whose files agree on every input that decides *which* resources exist and how they are set up
(their ``shape``) differ only in a few values: the tenant id, its domain and its English name. Stamping
builds the first tenant of each shape through CDK (its *representative*) and writes every other tenant
of that shape into the cloud assembly from the representative's files:

1. the values: the representative's id, domain and English name, wherever they stand as a whole word
   (not inside another word or number), become the tenant's (``Substitution``);
2. what CDK derives from them by hashing, recomputed as CDK computes it, each formula first checked
   against the representative's own files (a formula that does not reproduce them stops the synthesis):
   logical ids and unique names made from construct paths (``unique_id``), the functions' version ids
   (``function_hash``), the API deployment's id, the tag each site deployment owns its bucket by
   (``node_addr``), the assets that hold the tenant (its compiled tenant file, the sites' ``config.json``,
   its example documents: ``fingerprint``), the asset manifest's destination ids and the template's own hash.

``tests/infra/test_stamp.py`` synthesizes a cell of the demo tenants and synthetic ones that differ from
them in every substituted value, once with every tenant built through CDK and once stamped, and asserts
that the two cloud assemblies are byte-identical. ``-c stamp=false`` builds every tenant through CDK
(``infra.app.build_app``).

A value of the representative that appears in the platform's or the edge's template as a whole word
(which would make the substitution touch text that is not the tenant's) stops the synthesis; so does a
derived value stamping does not know (any leftover of the representative's id in a derived name).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eservice.tenant import Tenant, compile_tenant, examples_dir, tenants_dir

__all__ = [
    "STAMP_CONTEXT",
    "StampError",
    "StampPlan",
    "fingerprint",
    "function_hash",
    "node_addr",
    "shape",
    "stamp_assembly",
    "unique_id",
]

#: ``-c stamp=false``: every tenant stack of a cell through CDK (the reference the stamped ones must equal).
STAMP_CONTEXT = "stamp"


class StampError(RuntimeError):
    """Stamping cannot reproduce what CDK would write: synthesize with ``-c stamp=false``."""


def shape(tenant: Tenant) -> str:
    """Every input of a cell tenant's stack other than the substituted values (id, domain, English name)
    and the assets recomputed from the tenant file: two tenants of one shape have the same resources,
    properties and construct paths. ``infra/stack.py`` reads nothing else of a tenant in a cell: code there
    that reads another field of the tenant file must add it here (or to the substituted values)."""
    key = {
        "units": [(unit_id, unit.name.en) for unit_id, unit in tenant.units.items()],
        "office_hours": tenant.office_hours.model_dump(mode="json"),
        "retention": tenant.retention.model_dump(mode="json"),
        "security": tenant.security.model_dump(mode="json"),
        "index_upgrade_step": tenant.index_upgrade_step,
        "ckan_url": tenant.open_data.ckan_url,
        "identity_providers": [p.id for p in tenant.identity_providers],
        "examples": any(d.example for s in tenant.services for d in s.documents),
    }
    return json.dumps(key, sort_keys=True, ensure_ascii=False)


@dataclass
class StampPlan:
    """What ``build_app`` built through CDK and what it left to stamping, in the cell's tenant order."""

    cell: str
    #: tenant id -> the tenant and the id of its representative (itself when built through CDK).
    tenants: dict[str, tuple[Tenant, str]] = field(default_factory=dict)
    stack_name: Callable[[str], str] = lambda tenant_id: f"eservice-{tenant_id}"
    #: The app's ``@aws-cdk/aws-lambda:recognizeLayerVersion`` flag (cdk.json sets it; a bare app has it off).
    layer_versions: bool = False

    def stamped(self) -> list[tuple[Tenant, Tenant]]:
        return [(t, self.tenants[r][0]) for t, r in self.tenants.values() if r != t.id]


# --- CDK's derivations, in Python -------------------------------------------------------------------------------


def _js(value: Any) -> str:
    """``JSON.stringify(value)``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def unique_id(components: Sequence[str]) -> str:
    """CDK's ``makeUniqueId`` (logical ids, ``Names.uniqueId``): the path without non-alphanumerics, then a hash."""
    parts = [c for c in components if c != "Default"]
    if len(parts) == 1 and len(human := re.sub(r"[^A-Za-z0-9]", "", parts[0])) <= 255:
        return human
    digest = _md5("/".join(parts))[:8].upper()
    kept: list[str] = []
    for c in parts:
        if not kept or not kept[-1].endswith(c):
            kept.append(c)
    return "".join(re.sub(r"[^A-Za-z0-9]", "", c) for c in kept if c != "Resource")[:240] + digest


def node_addr(path: Sequence[str]) -> str:
    """The ``constructs`` library's ``node.addr`` of a construct at ``path`` (from the app's root)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for c in ["", *path]:
        if c != "Default":
            digest.update(c.encode("utf-8") + b"\n")
    return "c8" + digest.hexdigest()


def _field(digest: Any, header: str, value: str) -> None:
    digest.update(b"\x01" + header.encode("utf-8") + b"\x02" + value.encode("utf-8") + b"\x03")


def _content_fingerprint(path: Path) -> str:
    """CDK's ``contentFingerprint``: text read in 8 KiB pieces with CRLF made LF, binary as is."""
    digest, size, binary, pending = hashlib.sha256(), 0, False, ""
    with path.open("rb") as f:
        first = True
        while chunk := f.read(8192):
            if first:
                binary, first = b"\x00" in chunk, False
            if binary:
                size += len(chunk)
                digest.update(chunk)
                continue
            text = chunk.decode("utf-8", errors="replace")
            if text.endswith("\r"):
                pending += text
                continue
            data = (pending + text).replace("\r\n", "\n").encode("utf-8")
            pending = ""
            size += len(data)
            digest.update(data)
    if pending:
        digest.update(pending.encode("utf-8"))
    return f"{size}:{digest.hexdigest()}"


def fingerprint(directory: Path) -> str:
    """CDK's source hash of an asset directory without exclusions or bundling (``fingerprint``)."""
    root = directory.resolve()
    digest = hashlib.sha256()
    _field(digest, "options.extra", "")
    _field(digest, "options.follow", "external")
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink():
                raise StampError(f"{path}: a link inside an asset folder (stamping copies plain files only)")
            _field(digest, f"file:{path.relative_to(root).as_posix()}", _content_fingerprint(path))
    return digest.hexdigest()


#: The function properties CDK hashes first, in its order (``sortFunctionProperties``).
_VERSION_LOCKED = [
    *("Code", "Handler", "Role", "Runtime", "Architectures", "CodeSigningConfigArn", "DeadLetterConfig"),
    *("Description", "Environment", "EphemeralStorage", "FileSystemConfigs", "FunctionName", "ImageConfig"),
    *("KmsKeyArn", "Layers", "MemorySize", "PackageType", "ReservedConcurrentExecutions"),
    *("RuntimeManagementConfig", "SnapStart", "Tags", "Timeout", "TracingConfig", "VpcConfig"),
]
_NOT_VERSIONED = {"CodeSigningConfigArn", "ReservedConcurrentExecutions", "Tags", "TenancyConfig"}
_LAYER_ORDER = ["Content", "CompatibleArchitectures", "CompatibleRuntimes", "Description", "LayerName", "LicenseInfo"]


def _sorted(properties: dict[str, Any], known: list[str]) -> dict[str, Any]:
    out = {k: properties[k] for k in known if k in properties}
    out |= {k: properties[k] for k in sorted(properties) if k not in out}
    return out


def function_hash(properties: dict[str, Any], layers: dict[str, tuple[str, dict[str, Any]]] | None) -> str:
    """``calculateFunctionHash`` (aws-lambda): the version-locked properties, then the layers' hash when the
    ``@aws-cdk/aws-lambda:recognizeLayerVersion`` flag is on (``layers`` given: the function's layers by
    construct path, which CDK sorts them by -> their node id and properties)."""
    versioned = {k: v for k, v in properties.items() if v is not None and k not in _NOT_VERSIONED}
    config = _js(_sorted(versioned, _VERSION_LOCKED))
    if layers is None:
        return _md5(config)
    layer_config = {node_id: _sorted(props, _LAYER_ORDER) for _, (node_id, props) in sorted(layers.items())}
    return _md5(config + _md5(_js(layer_config)))


# --- substitution -------------------------------------------------------------------------------------------------


class Substitution:
    """The representative's values, as whole words in JSON text, replaced by the tenant's in one pass."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        escaped = {_js(old)[1:-1]: _js(new)[1:-1] for old, new in pairs if old != new}
        self.pairs = escaped
        alternatives = "|".join(re.escape(old) for old in sorted(escaped, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])") if escaped else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.pairs[m.group(0)], text)

    def occurs_in(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None


def _replace_all(text: str, mapping: dict[str, str]) -> str:
    mapping = {k: v for k, v in mapping.items() if k != v}
    if not mapping:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def _values(tenant: Tenant) -> list[str]:
    return [tenant.id, tenant.domain, tenant.name.en]


# --- one stamped tenant ---------------------------------------------------------------------------------------------


@dataclass
class _Representative:
    """A representative's files as CDK wrote them, and what stamping derives from them once."""

    tenant: Tenant
    stack: str
    template: str
    assets: str
    metadata: str
    artifacts: dict[str, Any]
    paths: dict[str, str]  # logical id -> construct path (without the leading /)
    roles: dict[str, str] = field(default_factory=dict)  # asset hash -> what of the tenant it holds
    path_names: list[tuple[str, ...]] = field(default_factory=list)  # see _path_names


def _load(outdir: Path, tenant: Tenant, stack: str, manifest: dict[str, Any]) -> _Representative:
    def read(kind: str) -> str:
        return (outdir / f"{stack}.{kind}.json").read_text(encoding="utf-8")

    metadata = read("metadata")
    paths = {
        entry["data"]: path.lstrip("/")
        for path, entries in json.loads(metadata).items()
        for entry in entries
        if entry.get("type") == "aws:cdk:logicalId"
    }
    artifacts = {k: v for k, v in manifest["artifacts"].items() if k in (stack, f"{stack}.assets")}
    return _Representative(tenant, stack, read("template"), read("assets"), metadata, artifacts, paths)


def _platform_layers(
    outdir: Path, manifest: dict[str, Any], tenant_stacks: set[str]
) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each export of a layer version of the cell's stacks: export name -> (construct path, node id, properties)."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact.get("type") != "aws:cloudformation:stack" or name in tenant_stacks:
            continue
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text(encoding="utf-8"))
        metadata_file = outdir / artifact.get("additionalMetadataFile", f"{name}.metadata.json")
        paths = {
            entry["data"]: path.lstrip("/")
            for path, entries in (json.loads(metadata_file.read_text(encoding="utf-8")).items())
            for entry in entries
            if entry.get("type") == "aws:cdk:logicalId"
        }
        for output in (template.get("Outputs") or {}).values():
            export = (output.get("Export") or {}).get("Name")
            ref = (output.get("Value") or {}).get("Ref") if isinstance(output.get("Value"), dict) else None
            resource = (template.get("Resources") or {}).get(ref or "")
            if export and resource and resource["Type"] == "AWS::Lambda::LayerVersion":
                path = paths[ref].removesuffix("/Resource")
                found[export] = (path, path.rsplit("/", 1)[-1], resource["Properties"])
    return found


def _layers_of(
    properties: dict[str, Any],
    template: dict[str, Any],
    paths: dict[str, str],
    exported: dict[str, tuple[str, str, dict[str, Any]]],
) -> dict[str, tuple[str, dict[str, Any]]]:
    layers: dict[str, tuple[str, dict[str, Any]]] = {}
    for layer in properties.get("Layers") or []:
        if "Ref" in layer:
            path = paths[layer["Ref"]].removesuffix("/Resource")
            layers[path] = (path.rsplit("/", 1)[-1], template["Resources"][layer["Ref"]]["Properties"])
        elif "Fn::ImportValue" in layer and layer["Fn::ImportValue"] in exported:
            path, node_id, props = exported[layer["Fn::ImportValue"]]
            layers[path] = (node_id, props)
        else:
            raise StampError(f"a function layer stamping does not know: {layer}")
    return layers


def _path_names(rep: _Representative, text: str) -> list[tuple[str, ...]]:
    """The construct paths whose CDK names (logical ids, ``Names.uniqueId``) stand in the representative's files
    and hold one of its values (its stack's name, or another such name): found once per representative."""
    probe = Substitution((v, f"{v}x") for v in _values(rep.tenant))
    candidates: set[tuple[str, ...]] = set()
    for path in rep.paths.values():
        components = tuple(path.split("/"))
        for end in range(2, len(components) + 1):
            candidates.add(components[:end])  # Names.uniqueId: from the stack down
            candidates.add(components[1:end])  # a logical id: within the stack
    prefix = "eservice" + re.sub(r"[^A-Za-z0-9]", "", rep.tenant.id)
    tokens = set(re.findall(re.escape(prefix) + r"[A-Za-z0-9]*", text))
    found: dict[tuple[str, ...], str] = {}
    for parts in candidates:
        if parts:
            name = unique_id(parts)
            if any(t.startswith(name) for t in tokens) if name.startswith(prefix) else name in text:
                found[parts] = name
    relevant = {parts for parts in found if any(probe(c) != c for c in parts)}
    while True:  # and those whose path holds one of those names (an SNS permission's id holds its topic's)
        names = {found[parts] for parts in relevant if len(parts) > 1}
        more = {parts for parts in found if parts not in relevant and any(n in c for n in names for c in parts)}
        if not more:
            return sorted(relevant, key=len)
        relevant |= more


def _derived_ids(rep: _Representative, sub: Substitution) -> dict[str, str]:
    """The tenant's CDK names made from construct paths (``_path_names``): representative's name -> tenant's."""
    mapping: dict[str, str] = {}
    for _ in range(4):  # a name made from a path that holds another such name (SNS permissions)
        changed = False
        for parts in rep.path_names:
            new = unique_id([_replace_all(sub(c), mapping) for c in parts])
            old = unique_id(parts)
            if old != new and mapping.get(old) != new:
                mapping[old], changed = new, True
        if not changed:
            return mapping
    raise StampError("derived names did not settle")


def _cr_owned(rep: _Representative, text: str, stack: str) -> dict[str, str]:
    """The tag each site deployment owns the sites bucket by: ``aws-cdk:cr-owned[:prefix]:<node addr>``."""
    mapping: dict[str, str] = {}
    for path in set(rep.paths.values()):
        if path.endswith("/CustomResource/Default"):
            parts = path.removesuffix("/Default").split("/")
            old = node_addr(parts)[-8:]
            if re.search(rf"aws-cdk:cr-owned(:[^\"]*)?:{old}\"", text):
                mapping[old] = node_addr([stack, *parts[1:]])[-8:]
    found = set(re.findall(r"aws-cdk:cr-owned(?::[^\"]*)?:([0-9a-f]{8})\"", text))
    if found != set(mapping):
        raise StampError(f"site deployment tags stamping does not know: {sorted(found - set(mapping))}")
    return {
        m.group(0): m.group(0)[:-9] + mapping[m.group(1)] + '"'
        for m in re.finditer(r"aws-cdk:cr-owned(?::[^\"]*)?:([0-9a-f]{8})\"", text)
    }


def _sort_layers(
    template_text: str, paths: dict[str, str], exported: dict[str, tuple[str, str, dict[str, Any]]]
) -> str:
    """With ``@aws-cdk/aws-lambda:recognizeLayerVersion``, a function lists its layers sorted by construct path
    (``Function.renderLayers``): a tenant's own layer comes before or after the cell's by the tenant's id."""
    template = json.loads(template_text)
    changed = False
    for resource in template["Resources"].values():
        layers = resource["Properties"].get("Layers") if resource["Type"] == "AWS::Lambda::Function" else None
        if layers:
            ordered = sorted(
                layers, key=lambda layer: next(iter(_layers_of({"Layers": [layer]}, template, paths, exported)))
            )
            changed |= ordered != layers
            resource["Properties"]["Layers"] = ordered
    return json.dumps(template, indent=1, ensure_ascii=False) if changed else template_text


def _versions_and_deployments(
    template_text: str,
    rep_template: dict[str, Any],
    rep_paths: dict[str, str],
    paths: dict[str, str],
    exported: dict[str, tuple[str, str, dict[str, Any]]],
    api_fingerprint: str,
    layer_versions: bool,
) -> dict[str, str]:
    """The functions' version ids and the API deployment's id, recomputed (each checked on the representative)."""
    template = json.loads(template_text)

    def version(t: dict[str, Any], function: str) -> str:
        props = t["Resources"][function]["Properties"]
        own = rep_paths if t is rep_template else paths
        return function_hash(props, _layers_of(props, t, own, exported) if layer_versions else None)

    def deployment(t: dict[str, Any], api: str) -> str:
        # aws-apigateway Deployment.calculateLogicalId: its hash components, then the rendered RestApi.
        return _md5(_js(api_fingerprint) + _js({"Resources": {api: t["Resources"][api]}}))

    mapping: dict[str, str] = {}
    for lid, resource in rep_template["Resources"].items():
        if not re.fullmatch(r".+[0-9a-f]{32}", lid):
            continue
        digest: Callable[[dict[str, Any], str], str]
        if resource["Type"] == "AWS::Lambda::Version":
            digest, ref = version, resource["Properties"]["FunctionName"]["Ref"]
        elif resource["Type"] == "AWS::ApiGateway::Deployment":
            digest, ref = deployment, resource["Properties"]["RestApiId"]["Ref"]
        else:
            continue
        if digest(rep_template, ref) != lid[-32:]:
            raise StampError(f"{lid}: its hash is not what stamping computes for it")
        mapping[lid] = lid[:-32] + digest(template, ref)
    return mapping


def _layer_dir(tenant: Tenant) -> Path:
    """Where ``EServiceStack`` compiles the tenant layer (``compile_tenant``)."""
    from .routes import REPO

    return compile_tenant(tenant, tenants_dir(), REPO / ".local" / "tenant-layers" / tenant.id).parent


def _examples(tenant: Tenant) -> Path:
    return examples_dir(tenants_dir() / f"{tenant.id}.yaml", tenant.id).parent


def _asset_roles(outdir: Path, rep: _Representative) -> dict[str, str]:
    """The representative's assets that hold the tenant (by hash), each checked to hash as stamping computes."""
    roles: dict[str, str] = {}
    for old, entry in json.loads(rep.assets)["files"].items():
        name, source = entry.get("displayName", ""), outdir / entry["source"]["path"]
        if name == "TenantLayer/Code":
            role, computed = "layer", fingerprint(_layer_dir(rep.tenant))
        elif (
            name.startswith("CitizenSite/")
            and source.is_dir()
            and [p.name for p in source.iterdir()] == ["config.json"]
        ):
            role, computed = "config", fingerprint(source)
        elif (
            name.startswith("CitizenSite/")
            and _examples(rep.tenant).is_dir()
            and old == fingerprint(_examples(rep.tenant))
        ):
            role, computed = "examples", old
        else:
            continue
        if computed != old:
            raise StampError(f"{rep.stack} {name}: its hash is not what stamping computes for it")
        roles[old] = role
    if sorted(roles.values()) not in (["config", "layer"], ["config", "examples", "layer"]):
        raise StampError(f"{rep.stack}: the assets that hold the tenant are not the ones stamping knows")
    return roles


def _stamp_assets(
    outdir: Path, rep: _Representative, roles: dict[str, str], tenant: Tenant, sub: Substitution
) -> dict[str, str]:
    """The assets that hold the tenant, made for it and staged as CDK stages them: old hash -> new hash."""
    mapping: dict[str, str] = {}
    files = json.loads(rep.assets)["files"]
    for old, role in roles.items():
        if role == "layer":
            staged = _layer_dir(tenant)
        elif role == "examples":
            staged = _examples(tenant)
        else:
            staged = outdir / f".stamp-{tenant.id}-config"
            staged.mkdir(exist_ok=True)
            config = (outdir / files[old]["source"]["path"] / "config.json").read_text(encoding="utf-8")
            (staged / "config.json").write_text(sub(config), encoding="utf-8")
        new = fingerprint(staged)
        target = outdir / f"asset.{new}"
        if not target.exists():
            shutil.copytree(staged.resolve(), target)
        if role == "config":
            shutil.rmtree(staged)
        mapping[old] = new
    return mapping


def _destinations(assets_text: str) -> str:
    """The asset manifest's destination ids: ``<env>-<first 8 of sha256(JSON.stringify(destination))>``."""
    manifest = json.loads(assets_text)
    for entry in manifest["files"].values():
        entry["destinations"] = {
            f"{key.rsplit('-', 1)[0]}-{hashlib.sha256(_js(dest).encode('utf-8')).hexdigest()[:8]}": dest
            for key, dest in entry["destinations"].items()
        }
    return json.dumps(manifest, indent=2, ensure_ascii=False)


#: Warnings CDK gives once in an app, on the first stack concerned: a stamped stack is never the cell's first.
ONCE_PER_APP_WARNINGS = ("[ack: @aws-cdk/core:crossStackReferencesDefaultStrong]",)


def _without_once_per_app_warnings(metadata_text: str) -> str:
    if not any(w in metadata_text for w in ONCE_PER_APP_WARNINGS):
        return metadata_text
    metadata = {
        path: [
            e
            for e in entries
            if not (e.get("type") == "aws:cdk:warning" and any(w in str(e.get("data")) for w in ONCE_PER_APP_WARNINGS))
        ]
        for path, entries in json.loads(metadata_text).items()
    }
    return json.dumps({path: entries for path, entries in metadata.items() if entries}, indent=2, ensure_ascii=False)


def _stamp_one(
    outdir: Path,
    rep: _Representative,
    tenant: Tenant,
    stack: str,
    exported: dict[str, tuple[str, str, dict[str, Any]]],
    api_fingerprint: str,
    rep_template: dict[str, Any],
    layer_versions: bool,
) -> dict[str, Any]:
    """Write one stamped tenant's template, asset manifest and metadata; return its manifest artifacts."""
    sub = Substitution(zip(_values(rep.tenant), _values(tenant), strict=True))
    texts = {"template": rep.template, "assets": rep.assets, "metadata": rep.metadata}
    derived = _derived_ids(rep, sub)
    derived |= _cr_owned(rep, rep.template, stack)
    derived |= _stamp_assets(outdir, rep, rep.roles, tenant, sub)
    texts = {k: sub(_replace_all(v, derived)) for k, v in texts.items()}
    paths = {lid: sub(path) for lid, path in rep.paths.items()}
    if layer_versions:
        texts["template"] = _sort_layers(texts["template"], paths, exported)
    derived = _versions_and_deployments(
        texts["template"], rep_template, rep.paths, paths, exported, api_fingerprint, layer_versions
    )
    texts = {k: _replace_all(v, derived) for k, v in texts.items()}
    leftover = "eservice" + re.sub(r"[^A-Za-z0-9]", "", rep.tenant.id)
    if rep.tenant.id != tenant.id and any(leftover in v for v in texts.values()):
        raise StampError(f"a name derived from {rep.stack} that stamping does not know")
    rep_hash = hashlib.sha256(rep.template.encode("utf-8")).hexdigest()
    new_hash = hashlib.sha256(texts["template"].encode("utf-8")).hexdigest()
    texts["assets"] = _destinations(_replace_all(texts["assets"], {rep_hash: new_hash}))
    texts["metadata"] = _without_once_per_app_warnings(texts["metadata"])
    for kind, text in texts.items():
        (outdir / f"{stack}.{kind}.json").write_text(text, encoding="utf-8")
    artifacts = json.loads(sub(_replace_all(_js(rep.artifacts), {rep_hash: new_hash})))
    return artifacts  # type: ignore[no-any-return]


def stamp_assembly(outdir: Path, plan: StampPlan) -> None:
    """Write the stamped tenants of ``plan`` into the cloud assembly CDK wrote to ``outdir``."""
    stamped = plan.stamped()
    if not stamped:
        return
    from .routes import GATEWAY_REFUSALS, intake_routes
    from .stack import api_fingerprint

    manifest_path = outdir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    neutral = "".join(
        (outdir / a["properties"]["templateFile"]).read_text(encoding="utf-8")
        for name, a in manifest["artifacts"].items()
        if a.get("type") == "aws:cloudformation:stack"
        and name.startswith(f"eservice-cell-{plan.cell}")
        # The cell's shared APIs name their agencies (stages, function names, exports), each built through CDK:
        # a tenant's stack names its own stage and export, which the substitution makes the stamped tenant's.
        and not name.startswith(f"eservice-cell-{plan.cell}-api-")
    )
    # The platform's Digital ID providers are those of the cell's tenant files: their client ids are the tenants'.
    for tenant, _ in plan.tenants.values():
        for provider in tenant.identity_providers:
            neutral = neutral.replace(_js(provider.client_id), '""')
    exported = _platform_layers(outdir, manifest, {plan.stack_name(t) for t in plan.tenants})
    fingerprint_of_api = api_fingerprint(intake_routes(), GATEWAY_REFUSALS)
    reps: dict[str, _Representative] = {}
    rep_templates: dict[str, dict[str, Any]] = {}
    made: dict[str, dict[str, Any]] = {}
    for tenant, rep_tenant in stamped:
        if rep_tenant.id not in reps:
            if Substitution((v, "") for v in _values(rep_tenant)).occurs_in(neutral):
                raise StampError(f"{rep_tenant.id}: its id, domain or name is a word of the platform's templates")
            reps[rep_tenant.id] = _load(outdir, rep_tenant, plan.stack_name(rep_tenant.id), manifest)
            rep_templates[rep_tenant.id] = json.loads(reps[rep_tenant.id].template)
            reps[rep_tenant.id].roles = _asset_roles(outdir, reps[rep_tenant.id])
            loaded = reps[rep_tenant.id]
            loaded.path_names = _path_names(loaded, loaded.template + loaded.assets + loaded.metadata)
        rep = reps[rep_tenant.id]
        made[tenant.id] = _stamp_one(
            outdir,
            rep,
            tenant,
            plan.stack_name(tenant.id),
            exported,
            fingerprint_of_api,
            rep_templates[rep_tenant.id],
            plan.layer_versions,
        )
    # The artifacts in the order CDK writes them: each tenant's (asset manifest, stack) in the cell's tenant order.
    names = {name: t for t in plan.tenants for name in (plan.stack_name(t), f"{plan.stack_name(t)}.assets")}
    artifacts: dict[str, Any] = {}
    for name, artifact in manifest["artifacts"].items():
        if name not in names:
            artifacts[name] = artifact
        elif not any(n in artifacts for n in names):
            for t in plan.tenants:
                built = {k: v for k, v in manifest["artifacts"].items() if names.get(k) == t}
                artifacts.update(made.get(t) or built)
    manifest["artifacts"] = artifacts
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
