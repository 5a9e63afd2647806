"""Issue 14: in a cell, Cognito issues officer tokens through an agency's web client only to that agency's officers.

The cell's one officer pool holds every agency's officers, each agency's groups named ``<tenant id>:<group>`` and
its web client named ``officers@<tenant id>``. Before Cognito issues tokens (sign-in, refresh) its pre token
generation trigger (``functions/officer_tokens``) asks ``admit_officer``; a refusal is Cognito's
``UserLambdaValidationException`` and no tokens. The handler runs here with a fake of the one Cognito call it makes.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from eservice import tenant as tenant_models
from eservice.officer_pool import (
    _TENANT_ID,
    OFFICER_CLIENT_PREFIX,
    REFUSALS_METRIC,
    TOKENS_TRIGGER_SERVICE,
    TokensRefused,
    admit_officer,
    client_tenant,
    officer_client_name,
)

REPO = Path(__file__).resolve().parents[2]


# --- the rule ------------------------------------------------------------------------------------------------
def test_given_an_agencys_officer_signing_in_through_its_own_client_then_the_tokens_are_issued() -> None:
    admitted = admit_officer(
        client_name="officers@klongnoy", pool_groups=["klongnoy:reviewer", "klongnoy:unit-disaster"]
    )

    assert admitted == "klongnoy"


def test_given_another_agencys_officer_then_no_tokens_through_this_agencys_client() -> None:
    with pytest.raises(TokensRefused) as refused:
        admit_officer(client_name="officers@klongnoy", pool_groups=["khunthale:reviewer", "khunthale:admin"])

    assert refused.value.code == "auth.other_agency"
    assert str(refused.value).startswith("auth.other_agency: ")


@pytest.mark.parametrize("groups", [[], ["reviewer"], ["klongnoy:"], ["klongnoy-nua:reviewer"], ["klong:reviewer"]])
def test_given_a_user_in_none_of_the_agencys_groups_then_no_tokens(groups: list[str]) -> None:
    """No group at all (an account not yet put in one), a plain name, the bare prefix, or the groups of an agency
    whose id begins like this one's: none is this agency's."""
    with pytest.raises(TokensRefused) as refused:
        admit_officer(client_name="officers@klongnoy", pool_groups=groups)

    assert refused.value.code == "auth.other_agency"


@pytest.mark.parametrize(
    "name",
    [
        None,
        "",
        "OfficerWebClientEC11540E",  # a client with no agency's name (CDK's default, or added by hand)
        "officers@",
        "officers@Klongnoy",
        "officers@klongnoy:admin",
        "officers@klongnoy ",
        "citizens@klongnoy",
        "klongnoy",
    ],
)
def test_given_a_client_whose_name_names_no_agency_then_no_tokens_for_anyone(name: str | None) -> None:
    with pytest.raises(TokensRefused) as refused:
        admit_officer(client_name=name, pool_groups=["klongnoy:admin"])

    assert refused.value.code == "auth.unknown_client"


def test_given_a_refusal_then_its_text_is_the_code_and_a_reason_that_names_nobody() -> None:
    for code, call in (
        ("auth.other_agency", lambda: admit_officer(client_name="officers@klongnoy", pool_groups=["x:y"])),
        ("auth.unknown_client", lambda: admit_officer(client_name="web", pool_groups=["klongnoy:admin"])),
    ):
        with pytest.raises(TokensRefused) as refused:
            call()
        assert str(refused.value) == f"{code}: {refused.value.reason}"
        assert "@" not in refused.value.reason and not str(refused.value).endswith(".")  # Cognito adds the period


def test_given_a_tenant_id_then_its_client_name_round_trips_and_cognito_accepts_it() -> None:
    import re

    for tenant_id in ("klongnoy", "khunthale", "bang-rak2"):
        name = officer_client_name(tenant_id)
        assert name == f"{OFFICER_CLIENT_PREFIX}{tenant_id}" and client_tenant(name) == tenant_id
        assert re.fullmatch(r"[\w\s+=,.@-]{1,128}", name)  # CreateUserPoolClient's ClientName pattern
    with pytest.raises(ValueError):
        officer_client_name("Klong Noy")


def test_given_the_tenant_models_then_the_trigger_reads_tenant_ids_as_they_define_them() -> None:
    assert _TENANT_ID.pattern == tenant_models._SLUG.removeprefix("^").removesuffix("$")


# --- the handler ---------------------------------------------------------------------------------------------
class _FakeCognito:
    """DescribeUserPoolClient on one pool; every call recorded."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.calls: list[dict[str, str]] = []

    def describe_user_pool_client(self, **kw: str) -> dict[str, Any]:
        self.calls.append(kw)
        return {"UserPoolClient": {"ClientId": kw["ClientId"], "ClientName": self.names[kw["ClientId"]]}}


def _event(client_id: str, groups: list[str], source: str = "TokenGeneration_Authentication") -> dict[str, Any]:
    """Cognito's V1_0 pre token generation event for an officer of the pool."""
    return {
        "version": "1",
        "triggerSource": source,
        "region": "ap-southeast-1",
        "userPoolId": "ap-southeast-1_cell",
        "userName": "5a8c0f1e-0000-4000-8000-000000000001",
        "callerContext": {"awsSdkVersion": "aws-sdk-js-3", "clientId": client_id},
        "request": {
            "userAttributes": {"sub": "5a8c0f1e-0000-4000-8000-000000000001", "email": "somsri@klongnoy.go.th"},
            "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [], "preferredRole": None},
            "clientMetadata": {},
        },
        "response": {"claimsOverrideDetails": None},
    }


class _Context:
    function_name = "officer-tokens"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:officer-tokens"
    memory_limit_in_mb = 256
    aws_request_id = "request-1"
    log_group_name = "/aws/lambda/officer-tokens"
    log_stream_name = "local"


@pytest.fixture
def trigger(monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, _FakeCognito]:
    """``functions/officer_tokens/app.py`` as the Lambda runtime loads it, its Cognito client a fake."""
    path = REPO / "functions" / "officer_tokens" / "app.py"
    spec = importlib.util.spec_from_file_location("officer_tokens_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    cognito = _FakeCognito({"client-a": "officers@klongnoy", "client-b": "officers@khunthale", "web": "web"})
    monkeypatch.setattr(module, "client", lambda service: cognito)
    return module, cognito


def test_given_the_trigger_then_it_returns_the_event_for_an_own_officer_and_raises_for_another_agencys(
    trigger: tuple[types.ModuleType, _FakeCognito],
) -> None:
    app, cognito = trigger
    own = _event("client-a", ["klongnoy:reviewer"])

    assert app.handler(own, _Context()) == own  # the tokens as Cognito makes them: no claim is changed
    with pytest.raises(TokensRefused) as refused:
        app.handler(_event("client-b", ["klongnoy:reviewer"], "TokenGeneration_RefreshTokens"), _Context())
    assert refused.value.code == "auth.other_agency"
    with pytest.raises(TokensRefused) as unknown:
        app.handler(_event("web", ["klongnoy:reviewer"]), _Context())
    assert unknown.value.code == "auth.unknown_client"
    assert cognito.calls[0] == {"UserPoolId": "ap-southeast-1_cell", "ClientId": "client-a"}


def test_given_many_sign_ins_through_one_client_then_its_name_is_read_once_per_container(
    trigger: tuple[types.ModuleType, _FakeCognito],
) -> None:
    app, cognito = trigger

    for _ in range(5):
        app.handler(_event("client-a", ["klongnoy:head"]), _Context())

    assert [c["ClientId"] for c in cognito.calls] == ["client-a"]


def test_given_a_decision_then_the_log_names_the_agency_and_client_but_never_the_person(
    trigger: tuple[types.ModuleType, _FakeCognito], caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = trigger
    caplog.set_level(logging.INFO, logger=app.logger.name)

    app.handler(_event("client-a", ["klongnoy:reviewer"]), _Context())
    with pytest.raises(TokensRefused):
        app.handler(_event("client-b", ["klongnoy:reviewer"]), _Context())

    # Each record as CloudWatch Logs would hold it: the function's JSON line.
    lines = [json.loads(app.logger.registered_formatter.format(r)) for r in caplog.records if r.name == app.logger.name]
    assert [(line["message"], line.get("tenant"), line.get("code"), line["client_id"]) for line in lines] == [
        ("officer tokens allowed", "klongnoy", None, "client-a"),
        ("officer tokens refused", None, "auth.other_agency", "client-b"),
    ]
    text = json.dumps(lines)
    assert "somsri" not in text and "5a8c0f1e" not in text and "klongnoy:reviewer" not in text


def test_given_a_refusal_then_the_trigger_counts_it_as_the_metric_the_cells_error_alarm_subtracts(
    trigger: tuple[types.ModuleType, _FakeCognito], capsys: pytest.CaptureFixture[str]
) -> None:
    """A refusal is an error of the function (Cognito's only way to refuse): counted apart, in CloudWatch's
    embedded metric format on standard output, so the cell's FunctionErrors alarm leaves it out (infra.cell)."""
    app, _ = trigger

    app.handler(_event("client-a", ["klongnoy:reviewer"]), _Context())
    allowed = capsys.readouterr().out
    with pytest.raises(TokensRefused):
        app.handler(_event("client-b", ["klongnoy:reviewer"]), _Context())
    refused = capsys.readouterr().out

    assert "_aws" not in allowed  # an allowed sign-in publishes no metric
    (emf,) = [json.loads(line) for line in refused.splitlines() if '"_aws"' in line]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    namespace, name = REFUSALS_METRIC
    assert directive["Namespace"] == namespace
    assert [m["Name"] for m in directive["Metrics"]] == [name]
    assert directive["Dimensions"] == [["service"]] and emf["service"] == TOKENS_TRIGGER_SERVICE
    assert emf[name] == [1.0]
