"""The in-process Lambda runner: moto invokes our handlers without Docker, and says so loudly if it cannot."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import types
import uuid
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from local import faults, lambda_runner
from local.lambda_runner import FunctionSource, check_moto_compatibility, install, register, uninstall

REGION = "ap-southeast-1"
MOTO_INVOKE = LambdaFunction._invoke_lambda

HANDLERS = '''
import sys
import time

import boto3
from botocore.exceptions import ClientError

INVOCATIONS = 0

# A slow cold start that counts how many copies of this module load at once, when a test puts the probe there.
PROBE = sys.modules.get("tests_lambda_runner_probe")
if PROBE is not None:
    with PROBE.lock:
        PROBE.loading += 1
        PROBE.most = max(PROBE.most, PROBE.loading)
    time.sleep(0.3)
    with PROBE.lock:
        PROBE.loading -= 1


def handler(event, context):
    return {"echo": event, "function": context.function_name, "ms_left": context.get_remaining_time_in_millis()}


def failing(event, context):
    raise ValueError("boom")


def counting(event, context):
    """Counts its invocations in module state (per container) and makes one AWS call, catching what it can."""
    global INVOCATIONS
    INVOCATIONS += 1
    try:
        boto3.client("sqs").list_queues()
    except Exception as exc:
        code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
        return {"invocations": INVOCATIONS, "error": code}
    return {"invocations": INVOCATIONS, "error": None}
'''


def test_given_the_installed_moto_then_the_runner_is_compatible() -> None:
    check_moto_compatibility()


def test_given_moto_without_the_invoke_method_then_the_check_says_what_to_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class LambdaFunctionWithoutInvoke:
        def invoke(self, body: str, request_headers: Any, response_headers: Any) -> str:
            return body

    monkeypatch.setattr(lambda_runner, "LambdaFunction", LambdaFunctionWithoutInvoke)

    with pytest.raises(RuntimeError, match=r"_invoke_lambda.*update local/lambda_runner\.py"):
        check_moto_compatibility()
    with pytest.raises(RuntimeError, match=r"update local/lambda_runner\.py"):
        install()


def test_given_moto_whose_invoke_no_longer_calls_the_method_then_the_check_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class LambdaFunctionWithOtherPath:
        def _invoke_lambda(self, event: str | None = None) -> tuple[str, bool, str]:
            return "{}", False, ""

        def invoke(self, body: str, request_headers: Any, response_headers: Any) -> str:
            return self._run_somewhere_else(body)  # type: ignore[attr-defined]

    monkeypatch.setattr(lambda_runner, "LambdaFunction", LambdaFunctionWithOtherPath)

    with pytest.raises(RuntimeError, match=r"no longer calls _invoke_lambda.*update local/lambda_runner\.py"):
        check_moto_compatibility()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def in_process(aws: None) -> Iterator[None]:
    """The runner installed for one test, and moto's own invocation back afterwards, pass or fail."""
    install()
    try:
        yield
    finally:
        uninstall()


@pytest.fixture
def deployed(in_process: None, tmp_path: Path) -> Callable[[str], str]:
    """Create a moto Lambda function whose handler is ``app.<handler>`` in tmp_path; return its name."""
    (tmp_path / "app.py").write_text(HANDLERS, encoding="utf-8")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(tmp_path / "app.py", "app.py")
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(
        RoleName="lambda-runner-test",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]

    def deploy(handler: str) -> str:
        # Unique names: the runner caches each function's module by name for the whole process.
        name = f"runner-{handler}-{uuid.uuid4().hex[:8]}"
        boto3.client("lambda", region_name=REGION).create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=f"app.{handler}",
            Code={"ZipFile": archive.getvalue()},
            Timeout=30,
        )
        register(FunctionSource(name=name, asset_dir=tmp_path, handler=f"app.{handler}", timeout_s=30))
        return name

    return deploy


def test_given_a_registered_function_when_invoked_then_the_handler_answers_in_process(
    deployed: Callable[[str], str],
) -> None:
    name = deployed("handler")

    response = boto3.client("lambda", region_name=REGION).invoke(
        FunctionName=name, Payload=json.dumps({"request_id": "REQ-1", "step": "review"}).encode()
    )

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    payload = json.loads(response["Payload"].read())
    assert payload["echo"] == {"request_id": "REQ-1", "step": "review"}
    assert payload["function"] == name
    assert 0 < payload["ms_left"] <= 30_000


def test_given_a_handler_that_raises_when_invoked_then_the_caller_gets_lambdas_error_shape(
    deployed: Callable[[str], str],
) -> None:
    name = deployed("failing")

    response = boto3.client("lambda", region_name=REGION).invoke(FunctionName=name, Payload=b"{}")

    assert "FunctionError" in response
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "boom"


def test_given_the_runner_installed_when_uninstalled_then_motos_own_method_is_back(aws: None) -> None:
    install()
    try:
        assert LambdaFunction._invoke_lambda is not MOTO_INVOKE
        install()  # idempotent: a second install does not lose moto's method
    finally:
        uninstall()

    assert LambdaFunction._invoke_lambda is MOTO_INVOKE


def _invoke(name: str) -> tuple[dict[str, Any], bool]:
    response = boto3.client("lambda", region_name=REGION).invoke(FunctionName=name, Payload=b"{}")
    return json.loads(response["Payload"].read()), "FunctionError" in response


def test_given_a_fault_rule_then_the_handlers_call_fails_and_the_tests_own_call_does_not(
    deployed: Callable[[str], str],
) -> None:
    name = deployed("counting")
    faults.add(service="sqs", operation="ListQueues", error="AccessDeniedException", status=400, times=None)

    payload, errored = _invoke(name)
    boto3.client("sqs", region_name=REGION).list_queues()  # would raise if faulted: no handler runs it

    assert (payload["error"], errored) == ("AccessDeniedException", False)
    assert faults.report()[0]["seen"] == 1


def test_given_a_crash_rule_then_the_invocation_errors_as_a_dead_runtime_and_the_next_one_is_a_cold_start(
    deployed: Callable[[str], str],
) -> None:
    name = deployed("counting")
    assert [_invoke(name)[0]["invocations"] for _ in range(2)] == [1, 2]  # one warm container
    cold_starts = lambda_runner.cold_starts()
    faults.add(service="sqs", operation="ListQueues", error="crash")

    crashed, errored = _invoke(name)
    after, errored_after = _invoke(name)

    assert errored and crashed["errorType"] == "Runtime.ExitError"
    assert crashed["errorMessage"].endswith("Error: Runtime exited with error: exit status 1")
    assert (after, errored_after) == ({"invocations": 1, "error": None}, False)  # a new module copy
    assert lambda_runner.cold_starts() == cold_starts + 1


def test_given_warm_containers_when_they_are_dropped_then_every_next_invocation_is_a_cold_start(
    deployed: Callable[[str], str],
) -> None:
    name = deployed("counting")
    assert [_invoke(name)[0]["invocations"] for _ in range(2)] == [1, 2]

    lambda_runner.drop_containers()

    assert _invoke(name)[0]["invocations"] == 1


def test_given_two_cold_starts_at_once_then_the_containers_load_the_module_one_at_a_time(
    deployed: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Containers share this process. Powertools' Logger configures the one ``logging`` logger of its service
    on the first import of a handler module, in steps: two first imports at once gave the second a handler
    without a formatter (``'NoneType' object has no attribute 'clear_state'`` in tests/cell). A cold start
    now loads its module copy alone, as each Lambda container initializes in a process of its own."""
    name = deployed("handler")
    probe = types.ModuleType("tests_lambda_runner_probe")
    probe.lock, probe.loading, probe.most = threading.Lock(), 0, 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, probe.__name__, probe)
    cold_starts = lambda_runner.cold_starts()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: _invoke(name), range(2)))

    assert [errored for _, errored in answers] == [False, False], answers
    assert lambda_runner.cold_starts() == cold_starts + 2  # both were cold starts, neither waited for the other's
    assert probe.most == 1  # type: ignore[attr-defined]
