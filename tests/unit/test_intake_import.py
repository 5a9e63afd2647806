"""The intake function stays light (cold start): importing it never loads the PDF stack.

The import runs in a fresh interpreter, as a Lambda cold start would, with the function's environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import bench_cold

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pyhanko", "fpdf", "pythainlp", "segno")
#: Modules intake needs for some requests only, or for its OpenAPI document only (issue 14, cold start).
DEFERRED = (
    "eservice.api_models",
    "eservice.report_models",
    "eservice.statistics",
    "urllib.request",
    # The use cases and the table adapter: the catalogue needs none of them.
    "eservice.applications",
    "eservice.dynamo",
    "eservice.officers",
    "eservice.payments",
)

#: Imports intake like the Lambda runtime, then prints one JSON line and nothing else.
PROBE = f"""
import gc, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("intake_app", {str(REPO / "functions" / "intake" / "app.py")!r})
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
deferred = sorted(set(sys.modules) & set({DEFERRED!r}))
collecting = gc.isenabled()
openapi = json.loads(module.app.get_openapi_json_schema())
from eservice import snapstart
snapstart.run_before_snapshot()
snapshot = sorted(set(module.USE_CASE_MODULES) - set(sys.modules))
print(json.dumps({{"heavy_modules": loaded, "deferred": deferred, "collecting": collecting, "openapi": openapi,
                  "missing_from_snapshot": snapshot}}))
"""


def function_env() -> dict[str, str]:
    """The function's environment, as the cold-start bench gives it (one source), logging at INFO so that any line
    the import logs shows up in the check below."""
    return {**bench_cold.function_env(), "POWERTOOLS_SERVICE_NAME": "eservice-intake", "POWERTOOLS_LOG_LEVEL": "INFO"}


@pytest.fixture(scope="module")
def cold_start() -> dict[str, Any]:
    env = {**os.environ, **function_env()}
    env.pop("PYTHONSTARTUP", None)
    run = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=REPO, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 1, f"importing intake printed more than the probe: {run.stdout!r}"
    return dict(json.loads(lines[0]))


def test_given_a_cold_start_when_intake_is_imported_then_no_pdf_library_is_loaded(cold_start: dict[str, Any]) -> None:
    assert cold_start["heavy_modules"] == []


def test_given_a_cold_start_when_intake_is_imported_then_what_few_requests_need_waits(
    cold_start: dict[str, Any],
) -> None:
    assert cold_start["deferred"] == []


def test_given_a_cold_start_when_intake_is_imported_then_the_garbage_collector_runs_again(
    cold_start: dict[str, Any],
) -> None:
    # The import pauses the collector (issue 14, cold start); a container left without it would leak cycles.
    assert cold_start["collecting"] is True


def test_given_the_openapi_document_then_submitting_a_draft_needs_a_citizen_sign_in(
    cold_start: dict[str, Any],
) -> None:
    openapi = cold_start["openapi"]

    submit = openapi["paths"]["/drafts/{draft_id}/submit"]["post"]
    assert submit["security"] == [{"citizen": []}]
    assert "citizen" in openapi["components"]["securitySchemes"]


def test_given_snapstart_when_the_snapshot_is_taken_then_the_deferred_use_cases_are_in_it(
    cold_start: dict[str, Any],
) -> None:
    # A restored environment must not pay for what a cold start defers (issue 14).
    assert cold_start["missing_from_snapshot"] == []
