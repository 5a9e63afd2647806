"""All benchmarks in one run, printed side by side as ratios (``make bench``; not part of the tests).

Rows: rendering a Thai licence; render + PAdES B-LTA seal with the KMS key; our B-B seal against
endesive on the same PDF; KMS calls per sealed licence; verification; the official-time arithmetic
(deemed time of receipt and an SLA due date) per call; the officers' work list (pages 1 and 2) and a
full read of the open requests with 1,000 and 10,000 open requests (bench_worklist.py); then the sites'
pages in headless Chromium (bench_web.py: JS+CSS gzipped, fonts, requests, time to the first heading on a
throttled phone profile) beside issue 13's "before" figures (``--web`` runs that part alone); the variable
cost per 1,000 completed requests and the state transitions per request, measured on the local stack with
``--requests N`` complete requests (default 2; request_cost.py); the functions' cold start beside ``import
boto3`` alone and what a SnapStart restore leaves of it (bench_cold.py, in a fresh process: the local stack
started before leaves its environment, threads and children in this one; ``--no-cold`` skips it); last, issue
14's figures of this run in one table, each beside its goal. Machines here are noisy: read the ratios, not
the milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cold
import bench_fleet
import bench_seal
import bench_web
import bench_worklist
import request_cost

from eservice.time_rules import OfficeCalendar, add_working_days, deemed_receipt_time

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    import logging

    # pyHanko warns on every offline seal that it will not fetch revocation data: that is the design here.
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--fleet",
        default="1,10,100",
        help="tenants per cell to synthesize for the fleet rows (issue 14), comma-separated; 0 to skip",
    )
    parser.add_argument("--web", action="store_true", help="only the pages of the two sites (bench_web.py)")
    parser.add_argument("--no-web", action="store_true", help="everything but the pages of the two sites")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold start rows (bench_cold.py)")
    parser.add_argument(
        "--requests",
        type=int,
        default=2,
        help="complete food-shop requests to drive on the local stack for the cost per 1,000 requests and the "
        "state transitions per request (issue 14; about 1 min to start plus 30 s a request); 0 to skip",
    )
    args = parser.parse_args()
    if args.web:
        bench_web.print_table(bench_web.run(runs=max(3, args.runs // 5)))
        return
    fleet_sizes = tuple(int(n) for n in args.fleet.split(",") if int(n) > 0)
    render_licence = bench_seal.licence_renderer()  # the food-shop licence the sign function renders
    calendar = OfficeCalendar()
    entered = dt.datetime(2023, 1, 22, 21, 33, tzinfo=ZoneInfo("Asia/Bangkok"))

    with bench_seal.world() as w:
        render_and_seal = bench_seal.licence_sealer(w, render_licence)

        def official_time() -> object:
            deemed = deemed_receipt_time(entered, calendar)
            return add_working_days(deemed, 30, calendar)

        seal_rows = dict(bench_seal.cases(w))
        rows = [
            bench_seal.measure("render licence (Thai, fpdf2 + HarfBuzz)", render_licence, args.runs, w.kms_calls),
            bench_seal.measure("render + B-LTA seal + check (KMS, TSA)", render_and_seal, args.runs, w.kms_calls),
            *(
                bench_seal.measure(name, seal_rows[name], args.runs, w.kms_calls)
                for name in (
                    "endesive B-B, local key (baseline)",
                    "ours seal_pdf_basic B-B, KMS",
                    "ours verify_pdf on a B-LTA seal",
                )
            ),
            bench_seal.measure("deemed receipt time + 30 working days", official_time, args.runs * 20, w.kms_calls),
        ]
        # Issue 14's seal figure: the two measured in turn, run by run (as bench_seal.py reports it), so that a
        # change of the machine's load between the two blocks above does not move the ratio.
        render_row, sealed_row, seal_cpu_ratio = bench_seal.seal_ratio(w, args.runs)
    # Fewer runs: a page costs about a second in moto at 10,000 requests, a full read several.
    worklist = bench_worklist.run((1_000, 10_000), page=50, runs=max(3, args.runs // 3), full_runs=3)
    rows += [
        bench_seal.Row(bench_worklist.row_name(f.case, f.size), f.median_ms, f.min_ms, 0.0, None)
        for f in worklist.in_order()
    ]
    bench_seal.print_table(rows, args.runs)
    render_ms, sealed_ms = rows[0].median_ms, rows[1].median_ms
    ours, endesive = rows[3].median_ms, rows[2].median_ms
    print()
    print(f"render + seal / render alone:          {sealed_ms / render_ms:5.2f}x (the two blocks above)")
    seal_ratio = sealed_row.median_ms / render_row.median_ms
    print(
        f"render + seal / render alone, in turn:  {seal_ratio:5.2f}x (medians of {args.runs} runs each, interleaved;"
        f" minimum over minimum {sealed_row.min_ms / render_row.min_ms:4.2f}x; CPU time {seal_cpu_ratio:4.2f}x)"
    )
    print(f"our B-B seal / endesive B-B (same PDF): {ours / endesive:5.2f}x")
    print(f"KMS calls per sealed licence:           {rows[1].kms_calls:5.1f}")
    bench_worklist.print_ratios(worklist)
    figures = [Figure("seal: render + B-LTA seal + check / render alone (interleaved)", seal_ratio, "x", 1.30)]
    if fleet_sizes:
        fleet = bench_fleet.run(fleet_sizes)
        print_fleet(*fleet)
        figures += fleet_figures(*fleet)
    if not args.no_web:
        bench_web.print_table(bench_web.run(runs=max(3, args.runs // 5)))
    if args.requests > 0:
        print()
        measured = request_cost.run(args.requests)
        per_thousand = request_cost.print_report(measured)
        figures += [
            Figure("AWS cost per 1,000 completed requests (SMS, fees apart)", per_thousand, "USD", 0.50),
            Figure("Step Functions state transitions per request", measured.transitions / measured.requests, ""),
        ]
    if not args.no_cold:
        cold_runs = max(3, args.runs // 3)
        timings = bench_cold.run_in_fresh_process(cold_runs)
        bench_cold.print_table(timings, cold_runs)
        figures += cold_figures(timings)
    print_figures(figures)


@dataclass(frozen=True)
class Figure:
    """One of issue 14's figures, with its goal (None: reported, no goal)."""

    name: str
    value: float
    unit: str
    goal: float | None = None

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        return "met" if self.value <= self.goal else "not met"


def fleet_figures(
    runs: list[bench_fleet.Synth], costs: dict[str, float], capacity: tuple[float, list[str], list[str]]
) -> list[Figure]:
    figures = [
        Figure(f"synth per extra tenant, {n} tenants in a cell", seconds, "s", 0.15)
        for n, seconds in bench_fleet.per_extra_tenant([r for r in runs if r.mode == "cell"]).items()
    ]
    figures += [Figure("synth, cell of 1 tenant", r.seconds, "s") for r in runs if r.mode == "cell" and r.tenants == 1]
    figures += [
        Figure(f"idle cost per tenant, {name}", usd, "USD/month", None if name == "silo" else 2.00)
        for name, usd in costs.items()
    ]
    figures.append(Figure("tenants one cell holds (default quotas)", capacity[0], "tenants"))
    return figures


def cold_figures(timings: list[bench_cold.Timing]) -> list[Figure]:
    base = timings[0]
    by_label = {t.label: t for t in timings}
    intake = by_label["intake: import + GET /services"]
    restored = by_label["intake, SnapStart model: hooks + GET /services"]
    figures = [
        Figure("cold start: intake import + first request / import boto3", intake.cpu_s / base.cpu_s, "x", 1.50),
        Figure("cold start, SnapStart (local model) / import boto3", restored.restored_cpu_s / base.cpu_s, "x", 1.50),
    ]
    sign = by_label.get(bench_cold.SIGN_FIRST_SEAL)
    if sign is not None:  # no goal of its own: issue 14 sets one for intake
        figures.append(Figure("cold start: sign import + first seal / import boto3", sign.cpu_s / base.cpu_s, "x"))
    return figures


def print_figures(figures: list[Figure]) -> None:
    """Issue 14's figures of this run, in one table."""
    print()
    print("Issue 14 figures, this run")
    print(f"{'figure':<60} {'value':>10} {'unit':<10} {'goal':>6}  verdict")
    for f in figures:
        goal = "" if f.goal is None else f"{f.goal:g}"
        print(f"{f.name:<60} {f.value:>10.2f} {f.unit:<10} {goal:>6}  {f.verdict}")


def print_fleet(
    runs: list[bench_fleet.Synth], costs: dict[str, float], capacity: tuple[float, list[str], list[str]]
) -> None:
    """Issue 14: synthesis per extra tenant (cell), idle cost per tenant (silo, cell), cell capacity."""
    print()
    for r in runs:
        print(f"synth, {r.mode} of {r.tenants:>3} tenant(s):        {r.seconds:7.1f} s")
    for n, seconds in bench_fleet.per_extra_tenant([r for r in runs if r.mode == "cell"]).items():
        print(f"synth per extra tenant ({n:>3} in a cell):  {seconds:7.2f} s   (goal 0.15 s)")
    for name, usd in costs.items():
        print(f"idle cost per tenant, {name:<12}:     {usd:7.2f} USD/month   (goal 2.00 in a cell)")
    most, binding, over = capacity
    print(f"tenants one cell holds (default quotas): {most:7.0f}   (bound by: {', '.join(binding)})")
    for line in over:
        print(f"  exceeded: {line}")


if __name__ == "__main__":
    main()
