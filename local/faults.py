"""Fault injection for the local stack: make a chosen AWS call fail, or make the Lambda die at it.

The failure model says nothing may be stranded, applied twice or lost; these faults prove it. A rule
names a botocore service and operation (``dynamodb`` / ``TransactWriteItems``) and which matching
call fails (the ``nth``, for ``times`` calls, or at random with a seed). The failed call raises the
``ClientError`` AWS would send; ``error: "crash"`` raises ``LambdaCrash`` instead, which the runner
reports the way Lambda reports a dead runtime.

Only calls made by a handler that ``lambda_runner`` is running are faulted (it sets the running
function with ``function_scope``): the local stack's own calls, the tests' calls and moto's are
never touched. Threads that a handler starts do not inherit the scope. The patch sits on
``BaseClient._make_api_call``, above botocore's retries: a fault is what the caller sees after them.
"""

from __future__ import annotations

import contextvars
import inspect
import json
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from werkzeug.wrappers import Request, Response

__all__ = [
    "CRASH",
    "FaultSpec",
    "LambdaCrash",
    "add",
    "check_botocore_compatibility",
    "clear",
    "endpoint",
    "fault_for_call",
    "function_scope",
    "install",
    "report",
    "running",
    "service_scope",
    "uninstall",
]

CRASH = "crash"
MESSAGE = "injected by /_local/faults"

_original_make_api_call: Callable[..., Any] = BaseClient._make_api_call  # type: ignore[attr-defined]
_running: contextvars.ContextVar[str | None] = contextvars.ContextVar("local_lambda_function", default=None)


class LambdaCrash(BaseException):
    """The Lambda runtime died at this call (out of memory, a segfault, the host gone).

    A BaseException, so the handler's own ``except Exception`` cannot catch it: a dying process
    does not run its error handling either.
    """


class FaultSpec(BaseModel):
    """A rule as ``POST /_local/faults`` takes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(min_length=1, description="botocore service name: dynamodb, kms, ses, sns, s3, ...")
    operation: str = Field(min_length=1, description="API name: PutItem, Sign, SendRawEmail, SendTaskSuccess, ...")
    error: str = Field(default="InternalServerError", min_length=1, description='error code, or "crash"')
    status: int = Field(default=500, ge=400, le=599)
    nth: int = Field(default=1, ge=1, description="the first matching call that fails, counted from now")
    times: int | None = Field(default=1, ge=1, description="how many matching calls fail; null: no limit")
    function: str | None = Field(default=None, description="only calls of this function: intake, clock, sign, notify")
    probability: float | None = Field(default=None, gt=0, le=1, description="each matching call fails with this")
    seed: int | None = None

    @model_validator(mode="after")
    def _seed_needs_probability(self) -> FaultSpec:
        if self.seed is not None and self.probability is None:
            raise ValueError("seed only applies with probability")
        return self


@dataclass
class _Rule:
    spec: FaultSpec
    id: str = field(default_factory=lambda: f"fault-{uuid.uuid4().hex[:8]}")
    seen: int = 0
    failed: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def matches(self, service: str, operation: str, function: str) -> bool:
        spec = self.spec
        if spec.service != service or spec.operation != operation:
            return False
        # Physical names embed the construct id: eservice-klongnoy-clockfunctiona54d861d.
        return spec.function is None or spec.function.lower() in function.lower()

    def fires(self) -> bool:
        """Count one matching call; whether this rule fails it."""
        self.seen += 1
        spec = self.spec
        if self.seen < spec.nth or (spec.times is not None and self.failed >= spec.times):
            return False
        if spec.probability is not None and self.rng.random() >= spec.probability:
            return False
        self.failed += 1
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.spec.model_dump(), "seen": self.seen, "failed": self.failed}


_rules: list[_Rule] = []
_lock = threading.Lock()


def add(**rule: Any) -> str:
    """Add a rule (``FaultSpec``'s fields); returns its id. Raises ``pydantic.ValidationError``."""
    spec = FaultSpec(**rule)
    added = _Rule(spec=spec, rng=random.Random(spec.seed))
    with _lock:
        _rules.append(added)
    return added.id


def clear() -> int:
    """Remove every rule; returns how many there were."""
    with _lock:
        count = len(_rules)
        _rules.clear()
    return count


def report() -> list[dict[str, Any]]:
    """Every rule with how many matching calls it saw and how many it failed."""
    with _lock:
        return [rule.as_dict() for rule in _rules]


@contextmanager
def function_scope(function_name: str) -> Iterator[None]:
    """Mark the calls made in this context as made by that Lambda function (``lambda_runner`` uses it)."""
    token = _running.set(function_name)
    try:
        yield
    finally:
        _running.reset(token)


@contextmanager
def service_scope() -> Iterator[None]:
    """Calls that AWS itself makes (Lambda sending a failed event to its dead-letter queue) are not a
    function's calls, even when made while a function's call is on the stack: faults never reach them."""
    token = _running.set(None)
    try:
        yield
    finally:
        _running.reset(token)


def running() -> str | None:
    """The function whose handler makes the current calls (None: not a handler's call)."""
    return _running.get()


def _fault_for(service: str, operation: str, function: str) -> FaultSpec | None:
    fired: FaultSpec | None = None
    with _lock:
        for rule in _rules:
            # Every matching rule counts the call, so each rule's nth is its own; the first to fire wins.
            if rule.matches(service, operation, function) and rule.fires() and fired is None:
                fired = rule.spec
    return fired


def fault_for_call(service: str, operation: str) -> FaultSpec | None:
    """The rule (if any) that fails this call to a fake provider the local stack runs (LINE): it counts
    and fires like a botocore fault. The fake serves in its own thread, outside any Lambda's scope, so
    only rules that name no ``function`` apply."""
    return _fault_for(service, operation, "")


def _make_api_call(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
    function = _running.get()
    if function is not None and _rules:
        spec = _fault_for(self.meta.service_model.service_name, operation_name, function)
        if spec is not None and spec.error == CRASH:
            raise LambdaCrash(f"{function} died at {self.meta.service_model.service_name}.{operation_name}")
        if spec is not None:
            error_response: Any = {
                "Error": {"Code": spec.error, "Message": MESSAGE},
                "ResponseMetadata": {"HTTPStatusCode": spec.status},
            }
            # The modelled class when the service has one (ConditionalCheckFailedException...), as botocore does.
            error_class = cast(type[ClientError], self.exceptions.from_code(spec.error))
            raise error_class(error_response, operation_name)
    return _original_make_api_call(self, operation_name, api_params)


def install() -> None:
    """Put the fault check in front of every botocore call (idempotent)."""
    check_botocore_compatibility()
    BaseClient._make_api_call = _make_api_call  # type: ignore[attr-defined]


def uninstall() -> None:
    """Restore botocore's own method and forget every rule."""
    BaseClient._make_api_call = _original_make_api_call  # type: ignore[attr-defined]
    clear()


def check_botocore_compatibility() -> None:
    """Fail loudly if botocore no longer sends every API call through the method this module wraps."""
    params = list(inspect.signature(_original_make_api_call).parameters)
    if params[:3] != ["self", "operation_name", "api_params"]:
        raise RuntimeError(f"botocore changed BaseClient._make_api_call to {params}: update local/faults.py")


def endpoint(request: Request) -> Response:
    """``/_local/faults``: POST a rule, GET the rules and their counts, DELETE them all."""
    if request.method == "POST":
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            return _json({"error": "send a JSON object: {service, operation, error, status, nth, times, ...}"}, 400)
        try:
            rule_id = add(**body)
        except ValidationError as exc:
            reasons = [f"{'.'.join(str(p) for p in e['loc']) or 'rule'}: {e['msg']}" for e in exc.errors()]
            return _json({"error": "; ".join(reasons)}, 400)
        return _json({"id": rule_id}, 201)
    if request.method == "GET":
        return _json({"rules": report()}, 200)
    if request.method == "DELETE":
        return _json({"cleared": clear()}, 200)
    return _json({"error": "use GET, POST or DELETE"}, 405)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
