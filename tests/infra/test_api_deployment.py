"""Issue 14 (synth time): the API deployment's logical id comes from ``api_fingerprint``, not from CDK resolving
every method; a change to the API must still give a new deployment (CloudFormation deploys nothing otherwise)."""

from __future__ import annotations

import dataclasses

from infra.routes import GATEWAY_REFUSALS, intake_routes
from infra.stack import api_fingerprint


def test_given_the_same_routes_and_refusals_then_the_fingerprint_is_the_same() -> None:
    assert api_fingerprint(intake_routes(), GATEWAY_REFUSALS) == api_fingerprint(intake_routes(), GATEWAY_REFUSALS)


def test_given_a_route_added_removed_or_changed_then_the_api_gets_a_new_deployment() -> None:
    routes = intake_routes()
    before = api_fingerprint(routes, GATEWAY_REFUSALS)
    changed = [dataclasses.replace(routes[0], auth="officer" if routes[0].auth != "officer" else None), *routes[1:]]

    assert api_fingerprint(routes[1:], GATEWAY_REFUSALS) != before
    assert api_fingerprint([*routes, dataclasses.replace(routes[0], path="/new")], GATEWAY_REFUSALS) != before
    assert api_fingerprint(changed, GATEWAY_REFUSALS) != before


def test_given_a_gateway_refusal_changed_then_the_api_gets_a_new_deployment() -> None:
    routes = intake_routes()
    refusals = (dataclasses.replace(GATEWAY_REFUSALS[0], en="Sign in, please."), *GATEWAY_REFUSALS[1:])

    assert api_fingerprint(routes, refusals) != api_fingerprint(routes, GATEWAY_REFUSALS)
