"""Cold start of the Python functions beside ``import boto3`` alone (issue 14, "5. Speed", cold start).

Each figure is a fresh interpreter, as a Lambda cold start is, repeated and reported as the median:

- ``import boto3`` alone (the baseline of the ratio);
- intake: import ``functions/intake/app.py`` and serve its first request, ``GET /services`` (no AWS call)
  and ``GET /me/profile`` (a DynamoDB read, against a moto server on 127.0.0.1 started here);
- clock and notify: the import alone (their first event is a saga step that needs a request in the table);
- sign: the import alone, and the import plus its first real invocation, the saga's first step: the sealed
  acknowledgment of a submitted request (render, PAdES B-LTA seal with the KMS keys, check, S3, DynamoDB), against
  the moto server with the agency's PKI already kept in the table, as in a stack that has sealed before;
- SnapStart, a *local model* of a restore: the import and the ``@register_before_snapshot`` hooks run first
  (that is the snapshot), then the clock starts and only the ``@register_after_restore`` hooks plus the first
  request are timed. It is not an AWS measurement: a real restore also pays for loading the snapshot.

The children read and write bytecode under a private ``PYTHONPYCACHEPREFIX`` (warmed once, not timed), like a
deployment that ships ``.pyc`` files; ``--no-bytecode`` times them compiling every module from source instead.
The ratio uses CPU time (user + system) of the child, read from that child's own exit status (``os.wait4``), so
that no other process of the caller (``make bench`` runs this after the local stack) is ever counted: the machines
here are shared and noisy, wall time is printed beside it. The children's environment is built from scratch (the
function's variables, ``PATH``, ``HOME``, the locale): variables a caller left in its own (the local stack exports
its stack's) never reach them. ``--json`` prints the medians as JSON, for ``bench/run.py``, which runs this script
in a fresh process.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"
TABLE = "eservice-bench-cold"


@functools.cache
def _compiled_tenant(tenant_id: str) -> str:
    """The tenant file as the functions' tenant layer holds it (infra/stack.py): compiled to JSON."""
    from eservice.tenant import compile_tenant, load_tenant, tenants_dir

    source = tenants_dir()
    compiled = compile_tenant(
        load_tenant(source / f"{tenant_id}.yaml"), source, REPO / ".local" / "tenant-layers" / tenant_id
    )
    return str(compiled)


def function_env() -> dict[str, str]:
    """What CDK puts in every function's environment (infra/stack.py), with local values. The tenant file is
    compiled on first use, not when this module is imported."""
    return {**FUNCTION_ENV, "TENANT_FILE": _compiled_tenant(FUNCTION_ENV["TENANT_ID"])}


#: The environment but for its tenant file (see ``function_env``).
FUNCTION_ENV = {
    "TENANT_ID": "klongnoy",
    "PYDANTIC_DISABLE_PLUGINS": "__all__",
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
    status = answer.get("statusCode", "sealed" if answer.get("sealed") else None)
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
    #: A new event for each run (the sign function's first step is idempotent: a request is acknowledged once).
    fresh_event: Callable[[World], dict[str, Any]] | None = None


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


def acknowledgment_event(world: World) -> dict[str, Any]:
    """The saga's first sign step for a newly submitted request."""
    return {"action": "acknowledgment", "request_id": world.submitted_request()}


#: The label of the sign function's cold start with its first seal (a figure of ``bench/run.py``).
SIGN_FIRST_SEAL = "sign: import + first sealed acknowledgment"
BASELINE = Case("import boto3 alone", None)
CASES = (
    BASELINE,
    Case("intake: import + GET /services", "intake", api_event("/services")),
    Case("intake: import + GET /me/profile (DynamoDB)", "intake", api_event("/me/profile", sub="bench-citizen")),
    Case("clock: import", "clock"),
    Case("notify: import", "notify"),
    Case("sign: import (PDF layer)", "sign"),
    Case(SIGN_FIRST_SEAL, "sign", fresh_event=acknowledgment_event),
    Case("intake, SnapStart model: hooks + GET /services", "intake", api_event("/services"), snapstart=True),
    Case(
        "intake, SnapStart model: hooks + GET /me/profile",
        "intake",
        api_event("/me/profile", sub="bench-citizen"),
        snapstart=True,
    ),
)


@dataclass(frozen=True)
class World:
    """The moto server the children call, with what the functions find in a deployed stack."""

    endpoint: str
    #: Function environment values that only exist once the world does (the KMS keys' ids).
    environment: dict[str, str]
    database: Any  # eservice.dynamo.DynamoDatabase over the bench table

    def submitted_request(self) -> str:
        """A request as the clock's first step leaves it (submitted, official time stamped); its id."""
        from eservice.domain import Actor, RequestStatus, StatusChange

        request_id = f"bench-{uuid.uuid4().hex[:12]}"
        now = datetime.now(UTC).replace(microsecond=0)
        at = now.isoformat()
        record = {
            "id": request_id,
            "tenant_id": FUNCTION_ENV["TENANT_ID"],
            "service_id": "food-shop",
            "applicant_id": "bench-citizen",
            "applicant_email": "bench@example.org",
            "status": RequestStatus.SUBMITTED.value,
            "version": 1,
            "submitted_at": at,
            "updated_at": at,
            "answers": {"applicant_name": "นางสาวสมใจ ทดสอบ", "shop_name": "ร้านข้าวแกงสมใจ"},
            "attachments": [{"document_id": "id-card", "file_name": "id-card.pdf", "format": "pdf", "size": 1024}],
            "documents": {},
            "execution": request_id,
            "intent": {"method": "type1-explicit-confirmation", "content_hash": "ab" * 32, "signed_at": at},
            "receipt_number": f"2569/{uuid.uuid4().int % 1_000_000:06d}",
            "deemed_received_at": at,
            "due_at": (now + timedelta(days=30)).isoformat(),
        }
        first = StatusChange(
            request_id=request_id,
            seq=1,
            from_status=None,
            to_status=RequestStatus.SUBMITTED,
            at=now,
            actor=Actor(kind="applicant", id="bench-citizen"),
        )
        if not self.database.requests.create(record, first):
            raise RuntimeError(f"request {request_id} exists")
        return request_id


@contextmanager
def moto_server() -> Iterator[World]:
    """A moto server on 127.0.0.1 with the tenant table (PK/SK, like infra/stack.py) for the DynamoDB read, and
    for the sign function the seal and TSA keys (KMS), the documents bucket and the agency's PKI bundle."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"region_name": REGION, "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    try:
        boto3.client("dynamodb", endpoint_url=endpoint, **credentials).create_table(
            TableName=TABLE,
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield _sign_world(endpoint, credentials)
    finally:
        server.stop()


def _sign_world(endpoint: str, credentials: dict[str, str]) -> World:
    """The seal and TSA keys, the documents bucket and the PKI bundle a stack keeps after its first seal."""
    import boto3

    from eservice.dynamo import DynamoDatabase
    from eservice.tenant import load_tenant
    from eservice_pdf.pki import create_local_pki

    kms = boto3.client("kms", endpoint_url=endpoint, **credentials)
    keys = {
        name: kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY", Description=name)["KeyMetadata"]["KeyId"]
        for name in ("SEAL_KEY_ID", "TSA_KEY_ID")
    }
    boto3.client("s3", endpoint_url=endpoint, **credentials).create_bucket(
        Bucket=FUNCTION_ENV["DOCUMENTS_BUCKET"], CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    agency = load_tenant(function_env()["TENANT_FILE"], check_files=False)
    pki = create_local_pki(
        kms_client=kms,
        seal_key_id=keys["SEAL_KEY_ID"],
        tsa_key_id=keys["TSA_KEY_ID"],
        agency_name_th=agency.name.th,
        agency_name_en=agency.name.en,
        domain=agency.domain,
        now=datetime.now(UTC),
    )
    database = DynamoDatabase(boto3.resource("dynamodb", endpoint_url=endpoint, **credentials).Table(TABLE))
    database.pki.save(pki.to_bundle().decode(), only_new=True)
    return World(endpoint=endpoint, environment=keys, database=database)


#: What a child inherits from the caller's environment; everything else comes from ``function_env``.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")


def _child_env(world: World, pycache: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in INHERITED}
    env.update(function_env())
    env.update(world.environment)
    env["AWS_ENDPOINT_URL"] = world.endpoint
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "layers" / "core" / "python"), str(REPO / "layers" / "pdf" / "python"), str(REPO)]
    )
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _run_once(case: Case, env: dict[str, str], world: World) -> Timing:
    if case.function is None:
        argv = [sys.executable, "-c", "import boto3"]
    else:
        service = {"POWERTOOLS_SERVICE_NAME": f"eservice-{case.function}"}
        env = {**env, **service}
        event = case.fresh_event(world) if case.fresh_event else case.event
        snapstart = "1" if case.snapstart else "0"
        argv = [sys.executable, "-c", PROBE, str(REPO), case.function, json.dumps(event), snapstart]
    returncode, stdout, stderr, cpu, wall = _child(argv, env)
    if returncode != 0:
        raise RuntimeError(f"{case.label}: the child failed:\n{stderr[-3000:]}")
    if case.function is None:
        return Timing(case.label, cpu, wall, 0.0, 0.0, None)
    probe = json.loads(stdout.strip().splitlines()[-1])
    return Timing(case.label, cpu, wall, probe["first"], probe["hooks"], probe["status"], probe["cpu_restored"])


def _child(argv: list[str], env: dict[str, str]) -> tuple[int, str, str, float, float]:
    """Run one child; its exit code, output, CPU time (its own, from ``wait4``) and wall time."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=REPO)
        assert child.stdout is not None
        with child.stdout:
            stdout = child.stdout.read().decode()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    return child.returncode, stdout, stderr, usage.ru_utime + usage.ru_stime, wall


def summarize(case: Case, timings: list[Timing]) -> Timing:
    """The median of fresh interpreters (CPU, wall and first-request time each its own median)."""
    statuses = {t.status for t in timings}
    if case.function == "intake" and statuses != {200}:
        raise RuntimeError(f"{case.label}: the first request answered {statuses}, not 200")
    if case.fresh_event is acknowledgment_event and statuses != {"sealed"}:
        raise RuntimeError(f"{case.label}: the first invocation left {statuses}, not a sealed acknowledgment")
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
    with moto_server() as world, tempfile.TemporaryDirectory(prefix="bench-cold-pyc-") as pycache:
        env = _child_env(world, pycache if bytecode else None)
        if bytecode:
            for case in CASES:  # compile everything once: the timed runs read .pyc like site-packages does
                _run_once(case, env, world)
        # Round-robin: each run of every case, the baseline included, shares the same moments of a noisy machine.
        samples: list[list[Timing]] = [[] for _ in CASES]
        for _ in range(runs):
            for i, case in enumerate(CASES):
                samples[i].append(_run_once(case, env, world))
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


def run_in_fresh_process(runs: int) -> list[Timing]:
    """:func:`run` in a new interpreter (``--json``): nothing a caller did before (the local stack, moto mocks,
    its threads and children) shares its process."""
    command = [sys.executable, str(Path(__file__).resolve()), "--runs", str(runs), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench_cold.py failed:\n{done.stderr[-3000:]}")
    return [Timing(**row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true", help="children compile every module from source")
    parser.add_argument("--json", action="store_true", help="print the medians as one JSON line (bench/run.py)")
    args = parser.parse_args()
    timings = run(args.runs, bytecode=not args.no_bytecode)
    if args.json:
        print(json.dumps([dataclasses.asdict(t) for t in timings]))
    else:
        print_table(timings, args.runs, bytecode=not args.no_bytecode)


if __name__ == "__main__":
    main()
