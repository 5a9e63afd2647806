"""Issue 14, cold start: every Python function of the service runs with Lambda SnapStart on its published
versions, and everything that invokes it (API Gateway, the saga, schedules, SNS, the other functions) invokes
its ``live`` alias of the current version, never ``$LATEST`` (which SnapStart does not apply to).

Checked on a silo tenant stack and on a tenant stack of a cell (one agency), layers not bundled. SnapStart is on
by default in silo mode only: in a cell, where most agencies are idle, its cache charge would outweigh the
idle-cost goal, so it is off unless ``-c snapstart=true``; the live aliases are there in both modes.
CDK's own site-publishing function (BucketDeployment) is CDK's, not the service's, and is left as it is.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.app import build_app, stack_name
from tests.infra.test_stack import (
    NO_BUNDLING,
    REPO,
    Resources,
    function_aliases,
    functions_by_service,
    of_type,
    props,
    target,
    targets_in,
)

SERVICE_FUNCTIONS = {"intake", "clock", "sign", "notify"}


@pytest.fixture(scope="module", params=["silo", "cell"])
def synthesized(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Resources, Resources]]:
    """The tenant stack's resources, and those of the stack that holds its REST API (in a cell: the API it
    shares with up to nine other agencies, infra/api_group.py; in a silo: its own stack)."""
    with pytest.MonkeyPatch.context() as env:
        if request.param == "silo":
            env.delenv("TENANTS_DIR", raising=False)
            app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk-snapstart-silo")), context=NO_BUNDLING)
            build_app(app, tenant="klongnoy")
            tenant = "klongnoy"
        else:
            folder = tmp_path_factory.mktemp("snapstart-cell-tenants")
            tenant = "snaptown"
            text = (REPO / "tenants" / "klongnoy.yaml").read_text(encoding="utf-8").replace("klongnoy", tenant)
            (folder / f"{tenant}.yaml").write_text(text, encoding="utf-8")
            shutil.copytree(REPO / "tenants" / "klongnoy", Path(folder) / tenant)
            env.setenv("TENANTS_DIR", str(folder))
            app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk-snapstart-cell")), context=NO_BUNDLING)
            build_app(app, tenant="all", mode="cell", cell="snap")
        assembly = app.synth()
        own = dict(assembly.get_stack_by_name(stack_name(tenant)).template["Resources"])
        api = (
            own
            if request.param == "silo"
            else dict(assembly.get_stack_by_name("eservice-cell-snap-api-0").template["Resources"])
        )
        yield own, api


@pytest.fixture(scope="module")
def resources(synthesized: tuple[Resources, Resources]) -> Resources:
    return synthesized[0]


@pytest.fixture(scope="module")
def api_resources(synthesized: tuple[Resources, Resources]) -> Resources:
    return synthesized[1]


def _live_alias(resources: Resources, function: str) -> str:
    (alias,) = [logical for logical, fn in function_aliases(resources).items() if fn == function]
    return alias


def test_given_a_silo_tenant_stack_then_every_service_function_has_snapstart_on_a_supported_python_runtime(
    resources: Resources, request: pytest.FixtureRequest
) -> None:
    functions = functions_by_service(resources)
    assert set(functions) == SERVICE_FUNCTIONS

    silo = "silo" in request.node.callspec.id
    for name, logical in functions.items():
        fn = props(resources[logical])
        if silo:
            assert fn["SnapStart"] == {"ApplyOn": "PublishedVersions"}, name
        else:  # a cell's idle tenant: no snapshot cache charge (the context can turn it on)
            assert "SnapStart" not in fn, name
        runtime = fn["Runtime"]  # SnapStart supports Python 3.12 and later
        assert runtime.startswith("python3.") and int(runtime.removeprefix("python3.")) >= 12, (name, runtime)


def test_given_a_tenant_stack_then_each_function_has_a_live_alias_on_its_published_version(
    resources: Resources,
) -> None:
    versions = {logical: props(v) for logical, v in of_type(resources, "AWS::Lambda::Version").items()}
    for name, logical in functions_by_service(resources).items():
        alias = props(resources[_live_alias(resources, logical)])
        assert alias["Name"] == "live", name
        version = target(alias["FunctionVersion"])
        assert version in versions, name
        assert target(versions[version]["FunctionName"]) == logical, name


def test_given_a_tenant_stack_then_api_gateway_invokes_only_the_live_aliases(
    resources: Resources, api_resources: Resources
) -> None:
    functions = set(functions_by_service(resources).values())
    aliases = function_aliases(resources)
    invoked: set[str] = set()
    # In a cell, the shared API's methods call the function its agency's stage names: "<fixed name>:live".
    named = {
        props(fn).get("FunctionName"): logical for logical, fn in of_type(resources, "AWS::Lambda::Function").items()
    }
    stages = [props(s) for s in of_type(api_resources, "AWS::ApiGateway::Stage").values()]
    for method in of_type(api_resources, "AWS::ApiGateway::Method").values():
        uri = props(method).get("Integration", {}).get("Uri")
        if uri is None:  # CORS preflight: a mock integration
            continue
        variable = re.search(r"\$\{stageVariables\.(\w+)\}", json.dumps(uri))
        if variable is not None:
            (stage,) = [s for s in stages if s["StageName"] == "snaptown"]
            name, qualifier = stage["Variables"][variable.group(1)].split(":")
            assert qualifier == "live", "a method invokes $LATEST"
            invoked.add(named[name])
            continue
        targets = targets_in(uri)
        assert not targets & functions, "a method invokes $LATEST"
        invoked |= {str(aliases[t]) for t in targets if t in aliases}
    by_name = functions_by_service(resources)
    assert invoked == {by_name["intake"], by_name["clock"]}  # the clock serves POST /tsa
    # API Gateway's permissions name the aliases too (a permission on the function alone would not cover them).
    for permission in of_type(resources, "AWS::Lambda::Permission").values():
        p = props(permission)
        if p.get("Principal") == "apigateway.amazonaws.com":
            assert target(p["FunctionName"]) in aliases


def test_given_a_tenant_stack_then_the_saga_schedules_sns_and_the_functions_invoke_the_live_aliases(
    resources: Resources,
) -> None:
    functions = functions_by_service(resources)
    aliases = function_aliases(resources)
    everything_that_invokes: list[tuple[str, Any]] = [
        (f"state machine {logical}", props(machine)["DefinitionString"])
        for logical, machine in of_type(resources, "AWS::StepFunctions::StateMachine").items()
    ]
    everything_that_invokes += [
        (f"schedule {logical}", props(schedule)["Target"]["Arn"])
        for logical, schedule in of_type(resources, "AWS::Scheduler::Schedule").items()
        if "lambda" in json.dumps(props(schedule)["Target"]["Arn"]) or targets_in(props(schedule)["Target"]["Arn"])
    ]
    everything_that_invokes += [
        (f"subscription {logical}", props(subscription)["Endpoint"])
        for logical, subscription in of_type(resources, "AWS::SNS::Subscription").items()
        if props(subscription)["Protocol"] == "lambda"
    ]
    everything_that_invokes += [
        (f"{name} {variable}", value)
        for name, logical in functions.items()
        for variable, value in props(resources[logical])["Environment"]["Variables"].items()
        if variable.endswith("_FUNCTION")
    ]
    invoked = set()
    for what, value in everything_that_invokes:
        if isinstance(value, dict) and "Fn::Join" in value and value["Fn::Join"][1][1:] == [":live"]:
            # A function's ARN and ":live": the alias's ARN, written without naming the alias (infra/stack.py:
            # the functions that call each other come before the aliases, which come after their grants).
            (fn,) = targets_in(value)
            invoked |= {fn}
            continue
        targets = targets_in(value)
        assert not targets & set(functions.values()), f"{what} invokes $LATEST"
        invoked |= {aliases[t] for t in targets if t in aliases}
    # The saga calls clock, sign and notify; schedules the clock, notify and sign; SNS notify; intake the others.
    assert invoked == {functions["clock"], functions["sign"], functions["notify"]}
    schedules = [v for w, v in everything_that_invokes if w.startswith("schedule")]
    assert schedules and all(target(v) in aliases for v in schedules)
    assert any(w.startswith("subscription") for w, _ in everything_that_invokes)


@pytest.mark.parametrize(("mode", "chosen", "expected"), [("silo", "false", False), ("cell", "true", True)])
def test_given_the_snapstart_context_then_it_overrides_the_mode_default(mode: str, chosen: str, expected: bool) -> None:
    from infra.stack import snapstart_on

    app = cdk.App(context={"snapstart": chosen})
    assert snapstart_on(cdk.Stack(app, "S"), silo=mode == "silo") is expected
    assert snapstart_on(cdk.Stack(cdk.App(), "D"), silo=mode == "silo") is (mode == "silo")
    with pytest.raises(ValueError, match="true or false"):
        snapstart_on(cdk.Stack(cdk.App(context={"snapstart": "yes"}), "Y"), silo=True)


def test_given_a_tenant_stack_then_api_gateway_may_invoke_each_live_alias_once_and_only_from_its_own_stage(
    resources: Resources,
) -> None:
    """One permission per alias API Gateway calls, scoped to this stack's API and stage: a permission per
    method (CDK's default, twice with the console's test-invoke) would put some 150 statements in the intake
    alias's resource policy, past Lambda's 20 KB limit, and cost synthesis time per tenant (issue 14)."""
    aliases = function_aliases(resources)
    by_name = functions_by_service(resources)
    shared = not of_type(resources, "AWS::ApiGateway::RestApi")  # a cell's agency: its stage of a shared API
    if not shared:
        (api,) = of_type(resources, "AWS::ApiGateway::RestApi")
        (stage,) = of_type(resources, "AWS::ApiGateway::Stage")
    granted: list[str] = []
    for permission in of_type(resources, "AWS::Lambda::Permission").values():
        p = props(permission)
        if p.get("Principal") != "apigateway.amazonaws.com":
            continue
        assert p["Action"] == "lambda:InvokeFunction"
        alias = target(p["FunctionName"])
        assert alias in aliases, "API Gateway may invoke a function, not its live alias"
        granted.append(str(aliases[alias]))
        parts = p["SourceArn"]["Fn::Join"][1]
        assert ":execute-api:" in parts
        if shared:  # the API its export names (after the agency), its stage: no other agency's stage of it
            assert {"Fn::ImportValue": "eservice-snaptown-api-id"} in parts
            assert parts[-1] == "/snaptown/*/*"
            continue
        assert {"Ref": api} in parts and {"Ref": stage} in parts  # this API's own stage, no other
        assert parts[-1] == "/*/*"
    assert sorted(granted) == sorted([by_name["intake"], by_name["clock"]])
