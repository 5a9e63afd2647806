"""The Lambda layers' third-party packages: hash-locked, for arm64 (Graviton) and the functions' Python.

Each layer has ``requirements.txt`` (what the layer's own code needs, loosely pinned) and
``requirements.lock`` (every package of the resolved set, ``name==version`` with the sha256 of the very
file pip installs). The layer bundling installs from the lock only, with ``--require-hashes --no-deps``:
a changed or substituted file on the package index fails the build instead of shipping.

Regenerate the locks after editing a ``requirements.txt`` (network; pip only, no other tool)::

    python -m infra.layers

The locks are resolved for the Lambda runtime (``manylinux2014_aarch64``, CPython 3.13), so they hold the
aarch64 wheels. A package with no wheel on PyPI at all (``SOURCE_ONLY``) is locked by its source archive's
hash and built from it: it must be pure Python.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "LAYERS",
    "LOCK_FILE",
    "PIP_PLATFORM",
    "PYTHON_VERSION",
    "SOURCE_ONLY",
    "lock_path",
    "pip_install_args",
    "requirements_path",
]

REPO = Path(__file__).resolve().parents[1]
#: The layers with third-party packages (``layers/<name>``).
LAYERS = ("core", "pdf")
LOCK_FILE = "requirements.lock"
#: The Lambda runtime's Python (``infra.stack.PYTHON_RUNTIME``): wheels are chosen for this version.
PYTHON_VERSION = "3.13"
#: Lambda on Graviton: Amazon Linux 2023 on aarch64 takes manylinux2014 (glibc 2.17) wheels and newer.
PIP_PLATFORM = "manylinux2014_aarch64"
#: Pure-Python packages that PyPI has as a source archive only (``docopt``, required by ``ckanapi``).
SOURCE_ONLY = ("docopt",)


def requirements_path(layer: str) -> Path:
    return REPO / "layers" / layer / "requirements.txt"


def lock_path(layer: str) -> Path:
    return REPO / "layers" / layer / LOCK_FILE


def _target_args() -> list[str]:
    return ["--platform", PIP_PLATFORM, "--python-version", PYTHON_VERSION, "--implementation", "cp"]


def pip_install_args(lock: str, target: str) -> list[str]:
    """``pip install`` arguments that put exactly the locked files for Lambda arm64 into ``target``.

    ``--no-deps``: the lock is the whole resolved set, so pip resolves nothing more (and pip accepts a
    source archive for another platform only then, which ``SOURCE_ONLY`` needs).
    """
    return [
        "install",
        "--quiet",
        "--no-compile",
        "--disable-pip-version-check",
        "--require-hashes",
        "--no-deps",
        "-r",
        lock,
        "-t",
        target,
        *_target_args(),
        "--only-binary=:all:",
        *(f"--no-binary={name}" for name in SOURCE_ONLY),
    ]


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def _name_version(filename: str) -> tuple[str, str]:
    """Project name and version from a wheel (``name-version-tags.whl``) or sdist (``name-version.tar.gz``)."""
    if filename.endswith(".whl"):
        name, version = filename.split("-")[:2]
    else:
        stem = filename.removesuffix(".tar.gz").removesuffix(".zip")
        name, version = stem.rsplit("-", 1)
    return name.replace("_", "-").replace(".", "-").lower(), version


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock(layer: str) -> str:
    """The lock file's text for one layer, resolved against PyPI for Lambda arm64 and Python 3.13."""
    with tempfile.TemporaryDirectory(prefix=f"lock-{layer}-") as tmp:
        work = Path(tmp)
        sources, built, wheels = work / "sources", work / "built", work / "wheels"
        # Source-only packages: their archive is what the bundling installs (and hashes); a wheel built here
        # lets the resolver below, which takes wheels only for another platform, see them.
        for name in SOURCE_ONLY:
            _pip("download", "--quiet", "--no-deps", "--no-binary=:all:", "-d", str(sources), name)
        for archive in sorted(sources.glob("*")) if sources.exists() else []:
            _pip("wheel", "--quiet", "--no-deps", "-w", str(built), str(archive))
        _pip(
            "download",
            "--quiet",
            "-r",
            str(requirements_path(layer)),
            "-d",
            str(wheels),
            *(["--find-links", str(built)] if built.exists() else []),
            *_target_args(),
            "--only-binary=:all:",
        )
        pinned: dict[str, tuple[str, str]] = {}
        for path in sorted(wheels.iterdir()):
            name, version = _name_version(path.name)
            pinned[name] = (version, _sha256(path))
        for path in sorted(sources.glob("*")) if sources.exists() else []:
            name, version = _name_version(path.name)
            if name in pinned:  # the resolver wanted it: lock the archive, not the wheel built from it
                pinned[name] = (version, _sha256(path))
    header = [
        f"# layers/{layer}: every package of requirements.txt's resolved set, for Lambda arm64, CPython "
        f"{PYTHON_VERSION} ({PIP_PLATFORM}).",
        "# Generated by `python -m infra.layers`; the layer bundling installs with --require-hashes --no-deps.",
    ]
    lines = [f"{name}=={version} --hash=sha256:{digest}" for name, (version, digest) in sorted(pinned.items())]
    return "\n".join([*header, *lines]) + "\n"


def main() -> None:
    for layer in sys.argv[1:] or LAYERS:
        lock_path(layer).write_text(lock(layer), encoding="utf-8")
        print(f"wrote {lock_path(layer).relative_to(REPO)}")


if __name__ == "__main__":
    main()
