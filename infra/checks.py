"""The synthesis checks (cdk-nag's AWS Solutions rules, CloudFormation Validate), once per kind of stack.

A cell of a hundred tenants has a hundred tenant stacks built by the same code from validated tenant
files: the same resources, of the same types, with the same construct paths; only names and values
differ. Checking each of them again costs seconds a tenant and can find nothing the first did not.
So the checks run on one stack of each *shape*: how many resources it has of each type with each
set of property names (logical ids differ between tenants: CDK derives some from the stack name). A
tenant whose file adds or removes a resource or a property (another identity provider, an optional
setting) has another shape and is checked too. ``cdk synth`` still fails on any unacknowledged finding, as before.

The CloudFormation Validate plugin registered here replaces the one CDK adds by default (CDK runs it
on every stack otherwise); its findings stay warnings unless the feature flag makes them errors.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

__all__ = ["Shape", "add_checks", "representatives", "shape"]


Shape = tuple[tuple[tuple[str, tuple[str, ...]], int], ...]


def shape(template: dict[str, Any]) -> Shape:
    """What the checks depend on beyond values: the count of resources of each type and property names."""
    kinds = Counter(
        (str(resource.get("Type")), tuple(sorted(resource.get("Properties") or {})))
        for resource in (template.get("Resources") or {}).values()
    )
    return tuple(sorted(kinds.items()))


def representatives(stacks: Sequence[cdk.PolicyValidationStack]) -> list[cdk.PolicyValidationStack]:
    """The first stack of each shape, in the order given."""
    seen: set[Shape] = set()
    chosen: list[cdk.PolicyValidationStack] = []
    for stack in stacks:
        key = shape(json.loads(Path(stack.template_path).read_text(encoding="utf-8")))
        if key not in seen:
            seen.add(key)
            chosen.append(stack)
    return chosen


def _copy(stack: cdk.PolicyValidationStack) -> cdk.PolicyValidationStack:
    return cdk.PolicyValidationStack(
        stack_construct_path=stack.stack_construct_path,
        template_path=stack.template_path,
        account_id=stack.account_id,
        region=stack.region,
    )


@jsii.implements(cdk.IPolicyValidationContext)
class _Context:
    """The validation context, narrowed to some of its stacks."""

    def __init__(self, context: cdk.IPolicyValidationContext, stacks: list[cdk.PolicyValidationStack]) -> None:
        self._app = context.app_construct
        self._stacks = stacks

    @property
    def app_construct(self) -> IConstruct:
        return self._app

    @property
    def stack_templates(self) -> list[cdk.PolicyValidationStack]:
        return self._stacks

    @property
    def template_paths(self) -> list[str]:
        return [s.template_path for s in self._stacks]

    @property
    def account_id(self) -> str | None:
        return None

    @property
    def region(self) -> str | None:
        return None


def _construct_at(root: IConstruct, path: str) -> IConstruct:
    node = root
    for part in path.split("/"):
        child = node.node.try_find_child(part)
        if child is None:
            raise LookupError(f"no construct at {path}")
        node = child
    return node


class _CloudFormationValidate(cdk.CloudFormationValidatePlugin):
    """CDK's own template validation, on one stack of each shape."""

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        chosen = [_copy(s) for s in representatives(context.stack_templates)]
        return super().validate(_Context(context, chosen))


class _AwsSolutions(AwsSolutionsChecks):
    """cdk-nag's AWS Solutions rules, on the constructs of one stack of each shape."""

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        violations: list[cdk.PolicyViolation] = []
        for stack in representatives(context.stack_templates):
            report = self.validate_scope(_construct_at(context.app_construct, stack.stack_construct_path))
            violations.extend(report.violations)
        return cdk.PolicyValidationPluginReport(success=not violations, violations=violations)


@functools.cache
def _cloudformation_validate() -> _CloudFormationValidate:
    """One per process, as CDK's default: its rule engine takes seconds to load."""
    return _CloudFormationValidate()


def add_checks(app: cdk.App) -> None:
    """Register both checks on the app (CDK allows one CloudFormation Validate plugin per app)."""
    cdk.Validations.of(app).add_plugins(_AwsSolutions(app, verbose=True), _cloudformation_validate())
