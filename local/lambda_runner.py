"""Run Lambda handlers in this process, in place of moto's Docker-based invocation.

moto calls ``LambdaFunction._invoke_lambda(event) -> (payload, errored, logs)`` for every invocation:
the Invoke API, Step Functions tasks, and service triggers. Without a Docker engine it cannot run
code, so this module replaces that one private method with an in-process call of the handler from
the function's synthesized asset folder. ``check_moto_compatibility`` fails loudly if moto changes.

Each handler runs inside ``faults.function_scope`` so that injected faults reach only Lambda code;
a ``faults.LambdaCrash`` is reported as Lambda reports a dead runtime, and its container is dropped.

A function registered with its own ``environment`` (the local cell, where several tenants' functions
run in this one process) sees that environment in ``os.environ`` for the length of each invocation,
on top of the process's (AWS endpoint, region): ``os.environ`` becomes an ``InvocationEnviron``, whose
overlay is a context variable, so concurrent invocations of different tenants each read their own.
"""

from __future__ import annotations

import contextvars
import importlib.util
import inspect
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from moto.awslambda.models import LambdaFunction

from . import faults

__all__ = [
    "FunctionSource",
    "InvocationEnviron",
    "check_moto_compatibility",
    "cold_starts",
    "drop_containers",
    "install",
    "register",
    "uninstall",
]


@dataclass(frozen=True, kw_only=True)
class FunctionSource:
    """Where a function's code is: its asset folder and ``module.function`` handler."""

    name: str
    asset_dir: Path
    handler: str
    memory_mb: int = 128
    timeout_s: int = 3
    #: Asynchronous invocations (``InvocationType=Event``): retries after an error, then the dead-letter queue.
    async_retries: int = 2
    dead_letter_url: str | None = None
    #: The Region of the function and its dead-letter queue.
    region: str = "ap-southeast-1"
    #: The function's own environment variables, seen only by its invocations (None: the process's).
    environment: Mapping[str, str] | None = None


@dataclass(frozen=True)
class _Container:
    """One copy of the handler module; ``generation`` tells containers from before a drop."""

    module: ModuleType
    generation: int


@dataclass
class _Registry:
    sources: dict[str, FunctionSource] = field(default_factory=dict)
    # Idle "containers" per function: each is its own copy of the handler module, as in Lambda,
    # where one container serves one invocation at a time and module state is per container.
    idle: dict[str, list[_Container]] = field(default_factory=dict)
    loaded: int = 0
    generation: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Cold starts load their module copies one at a time: every copy shares this process's ``logging``
    # loggers, and Powertools' Logger configures its service's logger in steps on the first import, so two
    # first imports at once left one copy with a handler without a formatter ('NoneType' object has no
    # attribute 'clear_state'). In Lambda each container initializes in its own process. Reentrant: a
    # module's init code may invoke another function.
    loading: threading.RLock = field(default_factory=threading.RLock)


_registry = _Registry()
# Powertools' resolvers keep the current event on a class attribute (BaseRouter.current_event), shared by
# every resolver in the process. Lambda never runs two events in one process; here API Gateway events are
# therefore resolved one at a time. No API handler invokes another API handler, so this cannot deadlock.
_api_events = threading.Lock()
_log = logging.getLogger("local.lambda")
_original = LambdaFunction._invoke_lambda
_original_invoke = LambdaFunction.invoke


class _Context:
    """The parts of the Lambda context object that handlers and Powertools read."""

    def __init__(self, source: FunctionSource, arn: str) -> None:
        self.function_name = source.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = source.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{source.name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + source.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def register(source: FunctionSource) -> None:
    """Make a function runnable in-process under its (physical) name."""
    if source.environment is not None:
        InvocationEnviron.install()
    with _registry.lock:
        _registry.sources[source.name] = source


# The environment of the invocation running in this context (thread), if its function has its own.
_invocation_environment: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "lambda_environment", default=None
)


class InvocationEnviron(MutableMapping[str, str]):
    """``os.environ`` with the running invocation's own variables on top (reads only; writes go to the process).

    Lambda gives each function a process with its environment; here functions of several tenants share
    one process, and a handler (or ``eservice.settings``) reading ``TABLE_NAME`` must get its own tenant's.
    """

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process

    @classmethod
    def install(cls) -> None:
        """Put it in place of ``os.environ`` (idempotent)."""
        if not isinstance(os.environ, cls):
            os.environ = cls(os.environ)  # type: ignore[assignment]  # noqa: B003 (an overlay, not a clear)

    @classmethod
    def uninstall(cls) -> None:
        """Give ``os.environ`` back."""
        if isinstance(os.environ, cls):
            os.environ = os.environ.process  # type: ignore[assignment]  # noqa: B003

    def __getitem__(self, key: str) -> str:
        overlay = _invocation_environment.get()
        if overlay is not None and key in overlay:
            return overlay[key]
        return self.process[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.process[key] = value

    def __delitem__(self, key: str) -> None:
        del self.process[key]

    def __iter__(self) -> Iterator[str]:
        overlay = _invocation_environment.get() or {}
        yield from overlay
        yield from (k for k in self.process if k not in overlay)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)


@contextmanager
def _environment_of(source: FunctionSource) -> Iterator[None]:
    if source.environment is None:
        yield
        return
    token = _invocation_environment.set(source.environment)
    try:
        yield
    finally:
        _invocation_environment.reset(token)


def _acquire(source: FunctionSource) -> _Container:
    """An idle container of the function, or a new one (a cold start) if all are busy."""
    with _registry.lock:
        idle = _registry.idle.setdefault(source.name, [])
        if idle:
            return idle.pop()
        _registry.loaded += 1
        number = _registry.loaded
        generation = _registry.generation
    module_name, _ = source.handler.rsplit(".", 1)
    unique = f"_lambda_{source.name.replace('-', '_')}_{module_name}_{number}"
    spec = importlib.util.spec_from_file_location(unique, source.asset_dir / f"{module_name}.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {source.asset_dir / module_name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    try:
        with _registry.loading:
            spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(unique, None)
        raise
    return _Container(module=module, generation=generation)


def _release(source: FunctionSource, container: _Container) -> None:
    with _registry.lock:
        if container.generation == _registry.generation:
            _registry.idle.setdefault(source.name, []).append(container)
            return
    _discard(container)


def _discard(container: _Container) -> None:
    sys.modules.pop(container.module.__name__, None)


def drop_containers() -> None:
    """Forget every container, idle or busy: each function's next invocation is a cold start."""
    with _registry.lock:
        _registry.generation += 1
        dropped = [container for idle in _registry.idle.values() for container in idle]
        _registry.idle.clear()
    for container in dropped:
        _discard(container)


def cold_starts() -> int:
    """How many containers were started (module copies loaded) in this process."""
    with _registry.lock:
        return _registry.loaded


def _invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    source = _registry.sources.get(self.function_name)
    if source is None:
        return _original(self, event)
    if isinstance(event, str | bytes):
        event = json.loads(event or "{}")
    context = _Context(source, self.function_arn)
    is_api_event = isinstance(event, dict) and "httpMethod" in event and "requestContext" in event
    container: _Container | None = None
    crashed = False
    # No lock is held while the handler runs: handlers invoke other functions (nested calls).
    try:
        with faults.function_scope(source.name), _environment_of(source):
            container = _acquire(source)  # a cold start's init code runs here, in the function's scope
            handler = getattr(container.module, source.handler.rsplit(".", 1)[1])
            if is_api_event:
                with _api_events:
                    result = handler(event, context)
            else:
                result = handler(event if event is not None else {}, context)
        return json.dumps(result, default=str), False, ""
    except faults.LambdaCrash as crash:
        # The runtime process is gone: Lambda answers Runtime.ExitError and the next call gets a new container.
        crashed = True
        _log.warning("%s crashed: %s", source.name, crash)
        message = f"RequestId: {context.aws_request_id} Error: Runtime exited with error: exit status 1"
        return json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}), True, str(crash)
    except Exception as exc:  # the Lambda runtime reports any exception the same way
        # What CloudWatch Logs would hold: the function's name and the traceback.
        _log.warning("%s raised %s: %s", source.name, type(exc).__name__, exc, exc_info=_log.isEnabledFor(10))
        payload = {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc)[-5:],
        }
        return json.dumps(payload), True, "".join(traceback.format_exception(exc))
    finally:
        if container is not None and crashed:
            _discard(container)
        elif container is not None:
            _release(source, container)


def _invoke_api(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
    """The Invoke API. An asynchronous invocation (``Event``) behaves as on AWS: an invocation that errs or
    crashes is retried (twice by default), and the event that still fails goes to the function's
    dead-letter queue with the error, where the alarm sees it. moto would report it once and drop it.
    AWS waits about one and then two minutes between attempts; here the retries follow at once."""
    source = _registry.sources.get(self.function_name)
    if source is None or request_headers.get("x-amz-invocation-type") != "Event":
        return _original_invoke(self, body, request_headers, response_headers)  # type: ignore[no-any-return]
    event = json.loads(body) if body else {}
    attempts = 1 + source.async_retries
    for attempt in range(1, attempts + 1):
        payload, errored, _ = _invoke_in_process(self, event)
        if not errored:
            return payload
        _log.warning("%s: asynchronous attempt %d of %d failed", source.name, attempt, attempts)
    _dead_letter(source, body or "{}", payload)
    response_headers["x-amz-function-error"] = "Handled"
    return payload


def _dead_letter(source: FunctionSource, body: str, error_payload: str) -> None:
    """What Lambda sends to a function's dead-letter queue (SQS): the event, and the error as attributes."""
    if not source.dead_letter_url:
        _log.error("%s: an asynchronous event failed every attempt and has no dead-letter queue", source.name)
        return
    import boto3

    try:
        error = json.loads(error_payload)
    except ValueError:
        error = {}
    message = str(error.get("errorMessage") or error.get("errorType") or "error")[:256]
    with faults.service_scope():
        boto3.client("sqs", region_name=source.region).send_message(
            QueueUrl=source.dead_letter_url,
            MessageBody=body,
            MessageAttributes={
                "RequestID": {"DataType": "String", "StringValue": str(uuid.uuid4())},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {"DataType": "String", "StringValue": message},
            },
        )


def install() -> None:
    """Replace moto's invocation with the in-process one, and let faults reach handlers (idempotent)."""
    check_moto_compatibility()
    faults.install()
    LambdaFunction._invoke_lambda = _invoke_in_process  # type: ignore[method-assign]
    LambdaFunction.invoke = _invoke_api  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore moto's own invocation and botocore's call path; the stopped stack's containers end with it (a
    stack started next in this process, as the bench does, must not get them, with clients of another moto)."""
    drop_containers()
    LambdaFunction._invoke_lambda = _original  # type: ignore[method-assign]
    LambdaFunction.invoke = _original_invoke  # type: ignore[method-assign]
    faults.uninstall()
    InvocationEnviron.uninstall()


def check_moto_compatibility() -> None:
    """Fail loudly if moto no longer routes invocations through the method this module replaces."""
    method = getattr(LambdaFunction, "_invoke_lambda", None)
    if method is None:
        raise RuntimeError("moto.awslambda.models.LambdaFunction._invoke_lambda is gone: update local/lambda_runner.py")
    params = list(inspect.signature(_original).parameters)
    if params[:2] != ["self", "event"]:
        raise RuntimeError(f"moto changed _invoke_lambda's signature to {params}: update local/lambda_runner.py")
    invoke = LambdaFunction.invoke
    if invoke is _invoke_api:  # installed already: check moto's own
        invoke = _original_invoke
    caller = inspect.getsource(invoke)
    if list(inspect.signature(invoke).parameters) != ["self", "body", "request_headers", "response_headers"]:
        raise RuntimeError("moto changed LambdaFunction.invoke's signature: update local/lambda_runner.py")
    if "self._invoke_lambda(" not in caller:
        raise RuntimeError("moto's LambdaFunction.invoke no longer calls _invoke_lambda: update local/lambda_runner.py")
