"""Issue 14: ``make bench`` ends with one table of the fleet's figures, each beside its goal."""

from __future__ import annotations

import pytest

from bench import run


def test_given_figures_then_one_table_says_which_goals_are_met(capsys: pytest.CaptureFixture[str]) -> None:
    figures = [
        run.Figure("seal: render + B-LTA seal + check / render alone", 1.42, "x", 1.30),
        run.Figure("idle cost per tenant, cell of 1000", 1.95, "USD/month", 2.00),
        run.Figure("Step Functions state transitions per request", 26.0, ""),
    ]
    run.print_figures(figures)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "Issue 14 figures, this run"
    rows = {line.split("  ")[0]: line for line in lines[3:]}
    assert rows["seal: render + B-LTA seal + check / render alone"].rstrip().endswith("1.3  not met")
    assert rows["idle cost per tenant, cell of 1000"].rstrip().endswith("2  met")
    assert "26.00" in rows["Step Functions state transitions per request"]
    assert not rows["Step Functions state transitions per request"].rstrip().endswith("met")


def test_given_cold_start_timings_then_the_ratios_are_against_import_boto3_alone() -> None:
    def timing(label: str, cpu: float, restored: float = 0.0) -> run.bench_cold.Timing:
        return run.bench_cold.Timing(label, cpu, cpu, 0.0, 0.0, 200, restored)

    figures = run.cold_figures(
        [
            timing("import boto3 alone", 0.2),
            timing("intake: import + GET /services", 0.44),
            timing("intake, SnapStart model: hooks + GET /services", 0.5, restored=0.03),
        ]
    )
    assert [round(f.value, 2) for f in figures] == [2.2, 0.15]
    assert [f.verdict for f in figures] == ["not met", "met"]


def test_given_the_sign_functions_first_seal_then_its_cold_start_is_a_figure_without_a_goal() -> None:
    def timing(label: str, cpu: float) -> run.bench_cold.Timing:
        return run.bench_cold.Timing(label, cpu, cpu, 0.0, 0.0, 200, 0.0)

    figures = run.cold_figures(
        [
            timing("import boto3 alone", 0.4),
            timing("intake: import + GET /services", 0.5),
            timing("intake, SnapStart model: hooks + GET /services", 0.01),
            timing(run.bench_cold.SIGN_FIRST_SEAL, 1.8),
        ]
    )
    sign = figures[-1]
    assert sign.name == "cold start: sign import + first seal / import boto3"
    assert round(sign.value, 2) == 4.5
    assert sign.verdict == ""
