"""The local stack never hangs (issue 15), and it can be made to fail on purpose (issue 9).

``python -m local`` stops within its grace period on SIGTERM or Ctrl-C, whatever is parked or still
running; a form upload lands whatever its Content-Type; ``/_local/faults`` fails chosen AWS
calls of the Lambda handlers; ``restart()`` keeps what AWS keeps.
"""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import requests

from local.stack import GRACE_SECONDS, REGION, LocalStack, Login

from .conftest import FIRE_ANSWERS, Client, after_scan, pdf_bytes, prepared_draft, status_is, submit, wait_for

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parents[2]
CITIZEN = Login(pool="citizen", email="somchai@example.com", password="Citizen#2569local")


# --- python -m local, as a person runs it ------------------------------------------------------------
class RunningLocal:
    """``python -m local`` in a subprocess, its output read as it comes (a full pipe would block it)."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        # The test session's own stack exported its moto endpoint: the child starts its own.
        env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "MOTO_PORT")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", str(port)],
            cwd=REPO,
            env={**env, "PORT": str(port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_until_ready(self, timeout: float = 300) -> None:
        """The first start synthesizes the CDK app (about a minute); later ones use the cache."""
        deadline = time.monotonic() + timeout
        while "Press Ctrl-C" not in self.output:
            assert self.process.poll() is None, f"python -m local ended:\n{self.output}"
            assert time.monotonic() < deadline, f"python -m local not ready:\n{self.output}"
            time.sleep(0.2)

    def sign_in(self, login: Login) -> str:
        """What the sites do: USER_PASSWORD_AUTH through the local Cognito endpoint."""
        client_id = requests.get(f"{self.url}/config.json", timeout=10).json()[login.pool]["clientId"]
        response = requests.post(
            f"{self.url}/_aws/cognito",
            json={
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": {"USERNAME": login.email, "PASSWORD": login.password},
            },
            headers={
                "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
                "Content-Type": "application/x-amz-json-1.1",
            },
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["AuthenticationResult"]["IdToken"])

    def stop_with(self, signum: int) -> tuple[int, float]:
        """Send the signal; the exit code and how long the process took to end."""
        sent = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=GRACE_SECONDS + 1)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {GRACE_SECONDS + 1} s after {signal.Signals(signum).name}:\n{self.output}")
        time.sleep(0.2)  # the reader thread takes the last lines
        return code, time.monotonic() - sent


@pytest.fixture
def local_process() -> Iterator[Callable[[], RunningLocal]]:
    started: list[RunningLocal] = []

    def start() -> RunningLocal:
        running = RunningLocal()
        started.append(running)
        running.wait_until_ready()
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def _park_a_saga(running: RunningLocal) -> str:
    """The citizen submits; the saga parks at review, waiting for an officer (a task token)."""
    citizen = Client(running, CITIZEN)  # type: ignore[arg-type]  # Client needs only url and sign_in
    request_id = str(submit(citizen, prepared_draft(citizen))["id"])
    wait_for(citizen, request_id, status_is("in_review"), timeout=60)
    return request_id


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_given_a_parked_saga_when_the_local_stack_gets_a_stop_signal_then_it_ends_at_once_with_code_0(
    local_process: Callable[[], RunningLocal], signum: int
) -> None:
    running = local_process()
    _park_a_saga(running)

    code, seconds = running.stop_with(signum)

    assert code == 0
    assert running.lines[-1].strip() == "stopped", running.output
    assert seconds < GRACE_SECONDS + 1
    # Said once at start: the local tools have no authentication.
    assert "WARNING: /_local/*" in running.output and "127.0.0.1 alone" in running.output
    assert "/_local/mailbox" in running.output and "/_local/clock" in running.output
    assert "X-Local-Admin-Token: " in running.output  # admin Cognito calls need the stack's token


def test_given_a_request_still_running_when_the_local_stack_is_stopped_then_it_is_abandoned_after_the_grace(
    local_process: Callable[[], RunningLocal],
) -> None:
    running = local_process()
    _park_a_saga(running)
    port = int(running.url.rsplit(":", 1)[1])
    # A client that announces a body and never finishes sending it: its request never ends by itself.
    held = socket.create_connection(("127.0.0.1", port))
    held.sendall(
        b"POST /_local/clock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    time.sleep(0.5)

    code, seconds = running.stop_with(signal.SIGTERM)

    assert code == 0
    assert running.lines[-1].strip() == "stopped (1 request still running was abandoned)", running.output
    assert GRACE_SECONDS - 0.5 < seconds < GRACE_SECONDS + 1
    held.settimeout(5)
    assert held.recv(100) == b""  # its connection was closed, not left open
    held.close()


# --- form uploads (S3 POST policy) ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "application/octet-stream", None, "application/pdf"],
    ids=["urlencoded", "octet-stream", "none", "pdf"],
)
def test_given_any_content_type_when_a_file_is_posted_with_its_upload_form_then_it_lands_and_the_check_decides(
    new_citizen: Callable[[], Client], content_type: str | None
) -> None:
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS}).json()["id"]
    outcomes = []
    for data in (pdf_bytes(), b"name=somchai&note=this is not a pdf"):
        slot = {"document_id": "id_card", "file_name": "id.pdf"}
        started = citizen.post(f"/drafts/{draft_id}/attachments", json=slot)
        assert started.status_code == 201, started.text
        form = started.json()["upload"]
        part = ("id.pdf", data, content_type) if content_type else ("id.pdf", data)

        stored = requests.post(form["url"], data=form["fields"], files={"file": part}, timeout=10)
        check_path = f"/drafts/{draft_id}/attachments/{started.json()['attachment']['id']}/check"
        checked = after_scan(functools.partial(citizen.post, check_path))

        assert stored.status_code == 204, stored.text
        assert stored.elapsed.total_seconds() < 5
        outcomes.append(checked.status_code)

    assert outcomes[0] == 200
    assert 400 <= outcomes[1] < 500


# --- fault injection ---------------------------------------------------------------------------------
@pytest.fixture
def faults_url(stack: LocalStack) -> Iterator[str]:
    url = f"{stack.url}/_local/faults"
    yield url
    requests.delete(url, timeout=10)


def _saved_draft(citizen: Client) -> str:
    created = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_given_a_fault_on_intakes_reads_then_the_api_answers_5xx_once_then_succeeds(
    faults_url: str, new_citizen: Callable[[], Client]
) -> None:
    citizen = new_citizen()
    draft_id = _saved_draft(citizen)
    rule = {"service": "dynamodb", "operation": "GetItem", "function": "intake", "error": "InternalServerError"}
    added = requests.post(faults_url, json=rule, timeout=10)
    assert added.status_code == 201, added.text

    failed = citizen.get(f"/drafts/{draft_id}")
    again = citizen.get(f"/drafts/{draft_id}")

    assert 500 <= failed.status_code < 600
    assert again.status_code == 200 and again.json()["id"] == draft_id
    [seen] = requests.get(faults_url, timeout=10).json()["rules"]
    assert (seen["id"], seen["failed"]) == (added.json()["id"], 1)
    assert seen["seen"] >= 2


def test_given_a_crash_rule_then_that_invocation_errors_and_the_next_call_works(
    faults_url: str, new_citizen: Callable[[], Client], stack: LocalStack
) -> None:
    citizen = new_citizen()
    draft_id = _saved_draft(citizen)
    stack.inject_fault(service="dynamodb", operation="GetItem", function="intake", error="crash")

    crashed = citizen.get(f"/drafts/{draft_id}")
    again = citizen.get(f"/drafts/{draft_id}")

    # An errored invocation: API Gateway answers 502 without the detail.
    # API Gateway's own answer to a crashed function, in the project's error shape (its DEFAULT_5XX response).
    assert crashed.status_code == 502 and crashed.json()["error"]["code"] == "internal.error"
    assert crashed.json()["error"]["message"]["th"] and crashed.json()["error"]["message"]["en"]
    assert again.status_code == 200
    assert [rule["failed"] for rule in stack.fault_report()] == [1]


def test_given_a_wrong_rule_then_the_faults_endpoint_says_what_is_wrong(faults_url: str) -> None:
    refused = requests.post(faults_url, json={"service": "dynamodb", "operation": "GetItem", "nth": 0}, timeout=10)

    assert refused.status_code == 400
    assert "nth" in refused.json()["error"]


# --- restart -------------------------------------------------------------------------------------------------
def test_given_a_saga_parked_at_review_when_the_stack_restarts_then_the_request_is_still_there(
    stack: LocalStack, new_citizen: Callable[[], Client], public: Client
) -> None:
    citizen = new_citizen()
    request_id = str(submit(citizen, prepared_draft(citizen))["id"])
    before = wait_for(citizen, request_id, status_is("in_review"))
    url = stack.url

    restarted = stack.restart()

    after = citizen.get(f"/requests/{request_id}")
    assert stack.url == url
    assert after.status_code == 200, after.text
    assert (after.json()["status"], after.json()["history"]) == (before["status"], before["history"])
    [execution] = [arn for arn in restarted.aborted_executions if arn.endswith(f":{request_id}")]
    status = boto3.client("stepfunctions", region_name=REGION).describe_execution(executionArn=execution)["status"]
    assert status == "ABORTED"
    assert public.get("/services").status_code == 200
