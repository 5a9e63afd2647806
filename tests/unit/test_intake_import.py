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

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pyhanko", "fpdf", "pythainlp", "segno")

#: Imports intake like the Lambda runtime, then prints one JSON line and nothing else.
PROBE = f"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("intake_app", {str(REPO / "functions" / "intake" / "app.py")!r})
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
openapi = json.loads(module.app.get_openapi_json_schema())
print(json.dumps({{"heavy_modules": loaded, "openapi": openapi}}))
"""

FUNCTION_ENV = {
    "TENANT_ID": "klongnoy",
    "TENANT_FILE": str(REPO / "tenants" / "klongnoy.yaml"),
    "POWERTOOLS_SERVICE_NAME": "eservice-intake",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "TABLE_NAME": "table",
    "UPLOADS_BUCKET": "uploads",
    "DOCUMENTS_BUCKET": "documents",
    "EXPORTS_BUCKET": "exports",
    "SEAL_KEY_ID": "seal-key",
    "TSA_KEY_ID": "tsa-key",
    "DATA_KEY_ID": "data-key",
    "CITIZEN_POOL_ID": "ap-southeast-1_citizen",
    "OFFICER_POOL_ID": "ap-southeast-1_officer",
    "SCHEDULE_GROUP": "deadlines",
    "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.ap-southeast-1.amazonaws.com/123456789012/dead-letters",
    "STATE_MACHINE_ARN": "arn:aws:states:ap-southeast-1:123456789012:stateMachine:saga",
    "SIGN_FUNCTION": "sign",
    "NOTIFY_FUNCTION": "notify",
    "CLOCK_FUNCTION": "clock",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_REGION": "ap-southeast-1",
}


@pytest.fixture(scope="module")
def cold_start() -> dict[str, Any]:
    env = {**os.environ, **FUNCTION_ENV}
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


def test_given_the_openapi_document_then_submitting_a_draft_needs_a_citizen_sign_in(
    cold_start: dict[str, Any],
) -> None:
    openapi = cold_start["openapi"]

    submit = openapi["paths"]["/drafts/{draft_id}/submit"]["post"]
    assert submit["security"] == [{"citizen": []}]
    assert "citizen" in openapi["components"]["securitySchemes"]
