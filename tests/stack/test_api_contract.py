"""The OpenAPI document is complete and true: schemathesis against the local stack (issue 10).

Every operation of ``GET /api/openapi.json`` (whatever routes it lists: the test reads the document, not a
list of its own) gets generated requests, valid and invalid, from anyone, a citizen and an officer; then
schemathesis follows the document's links (create a draft → save, upload, confirm, submit it; a work list →
the request's detail and decision) to reach deep states. No answer may be a 5xx, and each must be one the
document declares: its status code, its media type and its body's schema.

Hypothesis is derandomized and has no example database, so two runs send the same requests.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local.stack import LocalStack

from .conftest import Client, prepared_draft, submit

pytestmark = pytest.mark.stack

#: Generated requests per operation and caller; with about 40 operations and three callers, over 1,000.
EXAMPLES_PER_OPERATION = 8
#: Scenarios that follow the document's links, per caller, and the most calls in one scenario.
SCENARIOS = 10
STEPS_PER_SCENARIO = 6
MINIMUM_CASES = 1000

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# PDFs and RFC 3161 queries are sent as the raw bytes generated for them.
schemathesis.serializer.alias("application/pdf", "application/octet-stream")
schemathesis.serializer.alias("application/timestamp-query", "application/octet-stream")

BASE = settings(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))


def _failure(caller: str, case: Any, response: requests.Response | Any, error: BaseException) -> str:
    body = response.text[:300] if hasattr(response, "text") else ""
    return (
        f"{caller}: {case.method} {case.formatted_path} query={case.query} -> {response.status_code}\n"
        f"  {type(error).__name__}: {str(error)[:600]}\n  body: {body}"
    )


def _fuzz(strategy: st.SearchStrategy[Any], call: Callable[[Any], None]) -> None:
    """Run ``call`` on ``EXAMPLES_PER_OPERATION`` cases of one operation (explicit examples first)."""

    @given(case=strategy)
    @settings(BASE, max_examples=EXAMPLES_PER_OPERATION, phases=[Phase.explicit, Phase.generate])
    def fuzz(case: Any) -> None:
        call(case)

    fuzz()


def test_given_generated_requests_from_anyone_a_citizen_and_an_officer_then_every_answer_is_documented(
    stack: LocalStack, new_citizen: Callable[[], Client], officer: Callable[[str], Client]
) -> None:
    # Given a citizen with a submitted request (so officers' work lists and links reach a real one)
    citizen = new_citizen()
    submit(citizen, prepared_draft(citizen))
    document = requests.get(f"{stack.url}/api/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    base_url = f"{stack.url}/api"
    callers: dict[str, dict[str, str]] = {
        "anyone": {},
        "citizen": {"Authorization": str(citizen.session.headers["Authorization"])},
        "officer": {"Authorization": str(officer("reviewer").session.headers["Authorization"])},
    }
    cases: Counter[str] = Counter()
    seconds: dict[str, float] = defaultdict(float)  # time spent answering, per operation (printed only)
    failures: list[str] = []
    started = time.monotonic()

    def call_and_check(caller: str, case: Any) -> None:
        headers = {**(case.headers or {}), **callers[caller]}
        if not callers[caller]:
            headers.pop("Authorization", None)
        began = time.monotonic()
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        seconds[f"{case.method} {case.path}"] += time.monotonic() - began
        cases[caller] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as error:  # schemathesis groups the failed checks of one answer
            failures.append(_failure(caller, case, response, error))

    # When every operation gets valid and invalid requests from each caller
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), [r for r in results if not isinstance(r, Ok)]
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    for caller in callers:
        for operation in operations:
            strategy = st.one_of(
                operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            )

            _fuzz(strategy, partial(call_and_check, caller))

    # And schemathesis follows the document's links from each caller's answers
    for caller in callers:

        class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
            def get_call_kwargs(self, case: Any, caller: str = caller) -> dict[str, Any]:
                return {"base_url": base_url, "headers": callers[caller], "timeout": 60}

            def validate_response(self, response: Any, case: Any, *args: Any, caller: str = caller, **kw: Any) -> None:
                cases[f"{caller} (linked)"] += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as error:
                    failures.append(_failure(caller, case, response, error))

        Scenarios.run(settings=settings(BASE, max_examples=SCENARIOS, stateful_step_count=STEPS_PER_SCENARIO))

    # Then no answer is a 5xx or breaks the document, over at least 1,000 generated requests
    total = sum(cases.values())
    print(f"\nschemathesis: {total} cases in {time.monotonic() - started:.0f} s: {dict(cases)}")
    slowest = sorted(seconds.items(), key=lambda item: -item[1])[:5]
    print("slowest operations (s):", {op: round(t, 1) for op, t in slowest})
    assert not failures, f"{len(failures)} answers break the document:\n" + "\n".join(failures[:40])
    assert total >= MINIMUM_CASES, dict(cases)
    assert cases["citizen (linked)"] and cases["officer (linked)"], dict(cases)
