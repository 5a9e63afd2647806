"""Where the synthesis time of a cell goes (issue 14, synth per extra tenant).

``python bench/synth_profile.py time 1 10``: the cell synthesis of each size in a fresh process
(``bench_fleet.synth``, as ``make bench`` has it) and the seconds each tenant beyond the first adds.

``python bench/synth_profile.py profile 10 [out.prof]``: one synthesis of a cell of N tenants under cProfile,
in this process, and the functions that take the most time (cumulative and own time). The profile
sees the Python side only: the time spent in the jsii kernel (node) shows as the Python side waiting
on its pipe (``_io.BufferedReader.readline``), with the number of round trips as that call count.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
from pathlib import Path

import bench_fleet


def time_sizes(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        runs = [bench_fleet.synth("cell", n, Path(tmp)) for n in sorted({1, *sizes})]
    for r in runs:
        print(f"cell of {r.tenants:>3}: {r.seconds:6.1f} s")
    for n, seconds in bench_fleet.per_extra_tenant(runs).items():
        print(f"per extra tenant ({n:>3}): {seconds:6.2f} s")


def profile(n: int, out: Path) -> None:
    import aws_cdk as cdk

    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        folder = Path(tmp) / "tenants"
        folder.mkdir()
        bench_fleet.tenants_folder(folder, n)
        os.environ["TENANTS_DIR"] = str(folder)
        from infra.app import build_app

        def once() -> None:
            app = cdk.App(outdir=str(Path(tmp) / "out"), context={"aws:cdk:bundling-stacks": []})
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
        time_sizes([int(n) for n in rest])
    elif command == "profile":
        profile(int(rest[0]), Path(rest[1] if len(rest) > 1 else "synth.prof"))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
