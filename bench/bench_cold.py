"""Cold start of the Python functions beside ``import boto3`` alone (issue 14, "5. Speed", cold start).

Each figure is a fresh interpreter, as a Lambda cold start is, repeated and reported as the median:

- ``import boto3`` alone (the baseline of the ratio);
- intake: import ``functions/intake/app.py`` and serve its first request, ``GET /services`` (no AWS call)
  and ``GET /me/profile`` (a DynamoDB read, against a moto server on 127.0.0.1 started here);
- clock, notify and sign: the import alone (their first event is a saga step that needs a request in the table);
- SnapStart, a *local model* of a restore: the import and the ``@register_before_snapshot`` hooks run first
  (that is the snapshot), then the clock starts and only the ``@register_after_restore`` hooks plus the first
  request are timed. It is not an AWS measurement: a real restore also pays for loading the snapshot.

The children read and write bytecode under a private ``PYTHONPYCACHEPREFIX`` (warmed once, not timed), like a
deployment that ships ``.pyc`` files; ``--no-bytecode`` times them compiling every module from source instead.
The ratio uses CPU time (user + system) of the child: the machines here are shared and noisy, wall time is
printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"
TABLE = "eservice-bench-cold"

#: What CDK puts in every function's environment (infra/stack.py), with local values.
FUNCTION_ENV = {
    "TENANT_ID": "klongnoy",
    "TENANT_FILE": str(REPO / "tenants" / "klongnoy.yaml"),
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "TABLE_NAME": TABLE,
    "UPLOADS_BUCKET": "uploads",
    "DOCUMENTS_BUCKET": "documents",
    "EXPORTS_BUCKET": "exports",
    "SEAL_KEY_ID": "seal-key",
    "TSA_KEY_ID": "tsa-key",
    "DATA_KEY_ID": "data-key",
    "CITIZEN_POOL_ID": f"{REGION}_citizen",
    "OFFICER_POOL_ID": f"{REGION}_officer",
    "SCHEDULE_GROUP": "deadlines",
    "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.ap-southeast-1.amazonaws.com/123456789012/dead-letters",
    "STATE_MACHINE_ARN": "arn:aws:states:ap-southeast-1:123456789012:stateMachine:saga",
    "SIGN_FUNCTION": "sign",
    "NOTIFY_FUNCTION": "notify",
    "CLOCK_FUNCTION": "clock",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

#: Runs in the child: import the handler as the Lambda runtime does (module ``app``), optionally snapshot,
#: serve one event, print one JSON line of timings.
PROBE = """
import importlib.util, json, sys, time
started, cpu_started = time.perf_counter(), time.process_time()
repo, name, event, snapstart = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "1"
spec = importlib.util.spec_from_file_location("app", f"{repo}/functions/{name}/app.py")
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
imported, cpu_imported = time.perf_counter(), time.process_time()
hooks = 0.0
if snapstart:
    from eservice import snapstart as hooks_module
    hooks_module.run_before_snapshot()
    imported, cpu_imported = time.perf_counter(), time.process_time()  # the snapshot: restored from here
    hooks_module.run_after_restore()
    hooks = time.perf_counter() - imported
class Context:
    function_name = name
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:" + name
    aws_request_id = "bench-cold"
status = None
if event is not None:
    answer = module.handler(event, Context())
    status = answer.get("statusCode")
done, cpu_done = time.perf_counter(), time.process_time()
print(json.dumps({"import": imported - started, "hooks": hooks, "first": done - imported, "status": status,
                  "cpu_import": cpu_imported - cpu_started, "cpu_restored": cpu_done - cpu_imported}))
"""


def api_event(path: str, *, sub: str | None = None) -> dict[str, Any]:
    """A minimal API Gateway REST proxy event for ``GET path`` (with a citizen's claims if ``sub``)."""
    context: dict[str, Any] = {
        "resourcePath": path,
        "httpMethod": "GET",
        "path": f"/api{path}",
        "stage": "api",
        "requestId": "bench-cold",
        "identity": {"sourceIp": "127.0.0.1"},
    }
    if sub:
        context["authorizer"] = {"claims": {"sub": sub, "email": "bench@example.org", "email_verified": "true"}}
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": context,
        "body": None,
        "isBase64Encoded": False,
    }


@dataclass(frozen=True)
class Case:
    label: str
    function: str | None  # None: ``import boto3`` alone
    event: dict[str, Any] | None = None
    snapstart: bool = False


@dataclass(frozen=True)
class Timing:
    label: str
    cpu_s: float
    wall_s: float
    first_s: float  # the first request (after restore hooks, for the SnapStart model)
    hooks_s: float
    status: int | None
    #: SnapStart model: CPU of the after-restore hooks + the first request only (what a restore still runs).
    restored_cpu_s: float = 0.0


BASELINE = Case("import boto3 alone", None)
CASES = (
    BASELINE,
    Case("intake: import + GET /services", "intake", api_event("/services")),
    Case("intake: import + GET /me/profile (DynamoDB)", "intake", api_event("/me/profile", sub="bench-citizen")),
    Case("clock: import", "clock"),
    Case("notify: import", "notify"),
    Case("sign: import (PDF layer)", "sign"),
    Case("intake, SnapStart model: hooks + GET /services", "intake", api_event("/services"), snapstart=True),
    Case(
        "intake, SnapStart model: hooks + GET /me/profile",
        "intake",
        api_event("/me/profile", sub="bench-citizen"),
        snapstart=True,
    ),
)


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 with the tenant table (PK/SK, like infra/stack.py), for the DynamoDB read."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_table(
            TableName=TABLE,
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield endpoint
    finally:
        server.stop()


def _child_env(endpoint: str, pycache: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHONSTARTUP"))}
    env.update(FUNCTION_ENV)
    env["AWS_ENDPOINT_URL"] = endpoint
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "layers" / "core" / "python"), str(REPO / "layers" / "pdf" / "python"), str(REPO)]
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _run_once(case: Case, env: dict[str, str]) -> Timing:
    if case.function is None:
        argv = [sys.executable, "-c", "import boto3"]
    else:
        service = {"POWERTOOLS_SERVICE_NAME": f"eservice-{case.function}"}
        env = {**env, **service}
        argv = [
            sys.executable,
            "-c",
            PROBE,
            str(REPO),
            case.function,
            json.dumps(case.event),
            "1" if case.snapstart else "0",
        ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise RuntimeError(f"{case.label}: the child failed:\n{run.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if case.function is None:
        return Timing(case.label, cpu, wall, 0.0, 0.0, None)
    probe = json.loads(run.stdout.strip().splitlines()[-1])
    return Timing(case.label, cpu, wall, probe["first"], probe["hooks"], probe["status"], probe["cpu_restored"])


def summarize(case: Case, timings: list[Timing]) -> Timing:
    """The median of fresh interpreters (CPU, wall and first-request time each its own median)."""
    statuses = {t.status for t in timings}
    if case.function == "intake" and statuses != {200}:
        raise RuntimeError(f"{case.label}: the first request answered {statuses}, not 200")
    return Timing(
        case.label,
        statistics.median(t.cpu_s for t in timings),
        statistics.median(t.wall_s for t in timings),
        statistics.median(t.first_s for t in timings),
        statistics.median(t.hooks_s for t in timings),
        timings[0].status,
        statistics.median(t.restored_cpu_s for t in timings),
    )


def run(runs: int = 7, *, bytecode: bool = True) -> list[Timing]:
    """Every case, baseline first; children with bytecode (warmed once, untimed) unless ``bytecode`` is false."""
    with moto_server() as endpoint, tempfile.TemporaryDirectory(prefix="bench-cold-pyc-") as pycache:
        env = _child_env(endpoint, pycache if bytecode else None)
        if bytecode:
            for case in CASES:  # compile everything once: the timed runs read .pyc like site-packages does
                _run_once(case, env)
        # Round-robin: each run of every case, the baseline included, shares the same moments of a noisy machine.
        samples: list[list[Timing]] = [[] for _ in CASES]
        for _ in range(runs):
            for i, case in enumerate(CASES):
                samples[i].append(_run_once(case, env))
        return [summarize(case, timings) for case, timings in zip(CASES, samples, strict=True)]


def print_table(timings: list[Timing], runs: int, *, bytecode: bool = True) -> None:
    base = timings[0]
    print()
    print(
        f"Cold start (fresh interpreter, median of {runs}; {'with .pyc' if bytecode else 'no .pyc: compiled'}); "
        "ratio = CPU time / CPU time of `import boto3` alone   (goal: intake <= 1.50x)"
    )
    print(f"{'case':<52} {'CPU ms':>8} {'wall ms':>8} {'ratio':>6}  {'1st request, wall':>17}")
    for t in timings:
        cpu = t.restored_cpu_s if "SnapStart" in t.label else t.cpu_s
        first = f"{t.first_s * 1000:8.0f} ms" if t.label != base.label else ""
        if "SnapStart" in t.label:
            first += f" (hooks {t.hooks_s * 1000:.1f} ms)"
        wall = "" if "SnapStart" in t.label else f"{t.wall_s * 1000:8.0f}"
        print(f"{t.label:<52} {cpu * 1000:8.0f} {wall:>8} {cpu / base.cpu_s:5.2f}x  {first}")
    if any("SnapStart" in t.label for t in timings):
        print("SnapStart rows: a LOCAL MODEL of a restore, not an AWS measurement. The import and the before-snapshot")
        print("hooks ran first and are not counted; only the after-restore hooks and the first request are (CPU of")
        print("that part alone). A real restore also loads the snapshot, which this machine cannot model.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true", help="children compile every module from source")
    args = parser.parse_args()
    print_table(run(args.runs, bytecode=not args.no_bytecode), args.runs, bytecode=not args.no_bytecode)


if __name__ == "__main__":
    main()
