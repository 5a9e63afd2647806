"""Where the synthesis time of a cell goes (issue 14, synth per extra tenant).

``python bench/synth_profile.py time 1 10``: the cell synthesis of each size in a fresh process
(``bench_fleet.synth``, as ``make bench`` has it) and the seconds each tenant beyond the first adds, in
wall time and in CPU time (the Python process and its jsii kernel), which a busy machine disturbs less.

``python bench/synth_profile.py time --no-stamp 1 10``: the same with every tenant stack built through CDK
(``-c stamp=false``); ``python bench/synth_profile.py compare 1 10 100``: both, size by size, in turn.

``python bench/synth_profile.py profile 10 [out.prof]``: one synthesis of a cell of N tenants under cProfile,
in this process, and the functions that take the most time (cumulative and own time). The profile
sees the Python side only: the time spent in the jsii kernel (node) shows as the Python side waiting
on its pipe (``_io.BufferedReader.readline``), with the number of round trips as that call count.
"""

from __future__ import annotations

import cProfile
import dataclasses
import os
import pstats
import resource
import shutil
import sys
import tempfile
from pathlib import Path

import bench_fleet


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(n: int, tmp: Path, *, stamp: bool) -> tuple[bench_fleet.Synth, bench_fleet.Synth]:
    before = _children_cpu()
    run = bench_fleet.synth("cell", n, tmp, stamp=stamp)
    shutil.rmtree(run.outdir, ignore_errors=True)
    return run, dataclasses.replace(run, seconds=_children_cpu() - before)


def _report(label: str, runs: list[bench_fleet.Synth], cpu: list[bench_fleet.Synth]) -> None:
    for r, c in zip(runs, cpu, strict=True):
        print(f"{label}cell of {r.tenants:>3}: {r.seconds:6.1f} s wall, {c.seconds:6.1f} s CPU")
    wall, busy = bench_fleet.per_extra_tenant(runs), bench_fleet.per_extra_tenant(cpu)
    for n, seconds in wall.items():
        print(f"{label}per extra tenant ({n:>3}): {seconds:6.2f} s wall, {busy[n]:6.2f} s CPU")


def time_sizes(sizes: list[int], *, stamp: bool = True) -> None:
    """Wall time (as ``make bench``) and CPU time (Python and its jsii kernel: steadier on a busy machine)."""
    runs, cpu = [], []
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        for n in sorted({1, *sizes}):
            run, busy = _timed(n, Path(tmp), stamp=stamp)
            runs.append(run)
            cpu.append(busy)
    _report("", runs, cpu)


def compare(sizes: list[int]) -> None:
    """Each size synthesized with every tenant through CDK and then stamped (infra/stamp.py), in turn."""
    timed: dict[bool, tuple[list[bench_fleet.Synth], list[bench_fleet.Synth]]] = {False: ([], []), True: ([], [])}
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        for n in sorted({1, *sizes}):
            for stamp in (False, True):
                run, busy = _timed(n, Path(tmp), stamp=stamp)
                timed[stamp][0].append(run)
                timed[stamp][1].append(busy)
    for stamp, label in ((False, "CDK only: "), (True, "stamped:  ")):
        _report(label, *timed[stamp])


def profile(n: int, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        folder = Path(tmp) / "tenants"
        folder.mkdir()
        bench_fleet.tenants_folder(folder, n)
        os.environ["TENANTS_DIR"] = str(folder)
        from infra.app import build_app, new_app

        def once() -> None:
            app = new_app(outdir=str(Path(tmp) / "out"), context={"aws:cdk:bundling-stacks": []})
            build_app(app, tenant="all", mode="cell", cell="bench")
            app.synth()

        profiler = cProfile.Profile()
        profiler.runcall(once)
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


def main() -> None:
    command, *rest = sys.argv[1:]
    if command == "time":
        time_sizes([int(n) for n in rest if n != "--no-stamp"], stamp="--no-stamp" not in rest)
    elif command == "compare":
        compare([int(n) for n in rest])
    elif command == "profile":
        profile(int(rest[0]), Path(rest[1] if len(rest) > 1 else "synth.prof"))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
