"""Issue 14, Lambda architecture: the layers install hash-locked packages for arm64 (Graviton).

Offline: the bundling's pip is replaced by a recorder, so the test reads the very command the synthesis
runs without reaching PyPI.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra import layers, stack
from infra.stack import PYTHON_RUNTIME, shared_layers

_PIN = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*)==(?P<version>\S+)(?P<hashes>( --hash=sha256:[0-9a-f]{64})+)$")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock_lines(layer: str) -> list[str]:
    text = layers.lock_path(layer).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _top_level(layer: str) -> dict[str, str]:
    """Each requirement of ``requirements.txt`` and its version specifier."""
    wanted: dict[str, str] = {}
    for line in layers.requirements_path(layer).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(.*)$", line)
            assert match, line
            wanted[_normalize(match.group(1))] = match.group(2).strip()
    return wanted


@pytest.mark.parametrize("layer", layers.LAYERS)
def test_given_a_layer_lock_then_every_line_pins_one_version_with_a_sha256(layer: str) -> None:
    lines = _lock_lines(layer)
    assert lines
    unpinned = [line for line in lines if not _PIN.match(line)]
    assert unpinned == []
    names = [_PIN.match(line).group("name") for line in lines]  # type: ignore[union-attr]
    assert len(names) == len(set(names)), "one pin per package"


@pytest.mark.parametrize("layer", layers.LAYERS)
def test_given_a_layer_lock_then_every_top_level_requirement_is_locked_at_its_pin(layer: str) -> None:
    locked = {m.group("name"): m.group("version") for m in map(_PIN.match, _lock_lines(layer)) if m}
    for name, specifier in _top_level(layer).items():
        assert name in locked, f"{name} of layers/{layer}/requirements.txt is not in its lock"
        if specifier.startswith("=="):
            assert locked[name] == specifier.removeprefix("=="), name


def test_given_the_runtime_then_the_lock_targets_its_python_and_aarch64() -> None:
    assert PYTHON_RUNTIME.name == f"python{layers.PYTHON_VERSION}"
    assert layers.PIP_PLATFORM.endswith("aarch64")
    assert stack.ARCHITECTURE.name == "arm64"


def _option(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_given_a_synthesis_with_bundling_then_each_layer_installs_its_lock_with_hashes_for_arm64(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[list[str]] = []
    real_run = subprocess.run

    def recorder(command: list[str], **kwargs: Any) -> Any:
        if "pip" not in command:
            return real_run(command, **kwargs)  # the copy of the layer's own code
        ran.append(command)
        target = Path(_option(command, "-t"))
        target.mkdir(parents=True, exist_ok=True)
        (target / "installed.txt").write_text("recorded\n")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(stack.subprocess, "run", recorder)
    app = cdk.App(outdir=str(tmp_path / "out"))  # bundling on for every stack (the default)
    scope = cdk.Stack(app, "Layers")
    shared_layers(scope)
    template = Template.from_stack(scope)

    assert len(ran) == 2  # one pip run per layer, core then pdf
    for layer, command in zip(layers.LAYERS, ran, strict=True):
        assert command[command.index("pip") + 1] == "install"
        assert {"--require-hashes", "--no-deps", "--only-binary=:all:"} <= set(command)
        assert _option(command, "-r") == str(layers.lock_path(layer))
        assert _option(command, "--platform") == "manylinux2014_aarch64"
        assert _option(command, "--python-version") == layers.PYTHON_VERSION
        assert _option(command, "--implementation") == "cp"
    for props in template.find_resources("AWS::Lambda::LayerVersion").values():
        assert props["Properties"]["CompatibleArchitectures"] == ["arm64"]
        assert props["Properties"]["CompatibleRuntimes"] == [PYTHON_RUNTIME.name]


def test_given_docker_bundling_then_the_image_installs_the_same_lock_for_arm64() -> None:
    options = stack._layer_bundling(layers.REPO / "layers" / "core")
    assert options.platform == "linux/arm64"
    script = (options.command or [])[-1]
    assert f"-r {layers.LOCK_FILE}" in script
    assert "--require-hashes" in script and "--platform manylinux2014_aarch64" in script
