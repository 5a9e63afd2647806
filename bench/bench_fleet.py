"""The fleet figures of issue 14: synthesis time per extra tenant, idle cost per tenant, cell capacity.

Each synthesis runs in a fresh process (its own jsii runtime, as ``cdk synth`` does), layers not bundled,
with N copies of the demo tenant in a temporary tenants folder. One synthesis at a time: 100 tenants
take a lot of memory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import idle_cost

REPO = Path(__file__).resolve().parents[1]

_SYNTH = """
import sys
from infra.app import build_app, new_app
app = new_app(outdir=sys.argv[1], context={"aws:cdk:bundling-stacks": [], "stamp": sys.argv[3]})
build_app(app, tenant="all", mode=sys.argv[2], cell="bench")
app.synth()
"""


@dataclass(frozen=True)
class Synth:
    mode: str
    tenants: int
    seconds: float
    outdir: Path


def tenants_folder(folder: Path, n: int) -> None:
    """N copies of the demo tenant (ids t0000...), each with the demo's example documents."""
    text = (REPO / "tenants" / "klongnoy.yaml").read_text(encoding="utf-8")
    for i in range(n):
        tenant_id = f"t{i:04d}"
        (folder / f"{tenant_id}.yaml").write_text(text.replace("klongnoy", tenant_id), encoding="utf-8")
        (folder / tenant_id).symlink_to(REPO / "tenants" / "klongnoy", target_is_directory=True)


def synth(mode: str, n: int, workdir: Path, *, stamp: bool = True) -> Synth:
    """Synthesize N tenants in one process; the time includes the process start (as ``cdk synth`` has it).
    ``stamp=False``: every tenant stack of a cell through CDK (``-c stamp=false``, infra/stamp.py)."""
    folder = workdir / f"{mode}-{n}-{stamp}-tenants"
    outdir = workdir / f"{mode}-{n}-{stamp}-out"
    folder.mkdir()
    tenants_folder(folder, n)
    env = {**os.environ, "TENANTS_DIR": str(folder)}
    started = time.perf_counter()
    command = [sys.executable, "-c", _SYNTH, str(outdir), mode, str(stamp).lower()]
    subprocess.run(command, env=env, check=True, capture_output=True)
    return Synth(mode=mode, tenants=n, seconds=time.perf_counter() - started, outdir=outdir)


def per_extra_tenant(runs: list[Synth]) -> dict[int, float]:
    """Seconds each tenant beyond the first adds, for each size (against the 1-tenant synthesis)."""
    base = next(r for r in runs if r.tenants == 1)
    return {r.tenants: (r.seconds - base.seconds) / (r.tenants - 1) for r in runs if r.tenants > 1}


def quota_capacity(outdir: Path) -> tuple[float, list[str], list[str]]:
    """How many tenants one cell holds under the default quotas, with the quotas that bind (``infra/quotas``) and,
    after them, each quota 1,000 tenants would exceed: what it would need, and whether AWS raises it on request."""
    import json

    from infra import quotas

    shared: Counter[str] = Counter()
    per_tenant: Counter[str] | None = None
    per_group: Counter[str] | None = None
    for path in sorted(outdir.glob("*.template.json")):
        template = json.loads(path.read_text())
        if "-api-" in path.name and path.name.startswith("eservice-cell-"):  # a shared REST API (infra/api_group.py)
            per_group = per_group or quotas.count(template, platform=True)
        elif path.name.startswith("eservice-cell-"):
            shared.update(quotas.count(template, platform=True))
        elif per_tenant is None:
            per_tenant = quotas.count(template)
    assert per_tenant is not None
    most, binding = quotas.capacity(shared, per_tenant, per_group)
    over = [
        f"{q.name} at 1,000 tenants: {needed:,} of {q.limit:,} ({'adjustable' if q.adjustable else 'not adjustable'})"
        for q, needed in quotas.exceeded(shared, per_tenant, 1000, per_group)
    ]
    return most, [q.name for q in binding], over


def run(sizes: tuple[int, ...]) -> tuple[list[Synth], dict[str, float], tuple[float, list[str], list[str]]]:
    """Cell synthesis at each size, one silo tenant, and the idle cost per tenant of both."""
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        work = Path(tmp)
        runs = [synth("cell", n, work) for n in sorted({1, *sizes})]
        silo = synth("silo", 1, work)
        biggest = runs[-1]
        cell_costs = idle_cost.idle_costs(biggest.outdir)
        costs = {
            "silo": idle_cost.per_tenant(idle_cost.idle_costs(silo.outdir)),
            **{
                f"cell of {n}": idle_cost.per_tenant(cell_costs, tenants_in_cell=n)
                for n in (biggest.tenants, 100, 1000)
            },
        }
        capacity = quota_capacity(biggest.outdir)
        for r in (*runs, silo):
            shutil.rmtree(r.outdir, ignore_errors=True)
    return [*runs, silo], costs, capacity
