"""AWS size limits (IAM policies, Lambda environments), checked on the synthesized templates (issue 14).

IAM counts a policy's characters without whitespace, after CloudFormation has resolved every reference
(docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a role's inline policies together
at most 10,240, a customer managed policy at most 6,144. A template holds references, not ARNs, so
``resolved_length`` stands each reference in for the longest value AWS could give it: the physical names
CloudFormation generates (``<stack>-<logical id>-<suffix>``, cut to each service's limit), the longest
Region name, twelve-digit accounts. The length is an upper bound, so a policy under the limit here is
under it when deployed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ENVIRONMENT_LIMIT",
    "INLINE_LIMIT",
    "MANAGED_LIMIT",
    "environment_sizes",
    "export_lengths",
    "inline_sizes",
    "managed_sizes",
    "resolved_length",
]

#: Aggregate of a role's inline policies, and one customer managed policy (characters, no whitespace).
INLINE_LIMIT = 10_240
MANAGED_LIMIT = 6_144
#: A function's environment variables, names and values together (bytes; docs.aws.amazon.com/lambda/latest/dg/
#: gettingstarted-limits.html).
ENVIRONMENT_LIMIT = 4_096

_REGION = "ap-southeast-1"  # among the longest Region names (14 characters)
_ACCOUNT = "123456789012"
#: A name CloudFormation generates: ``<stack>-<logical id>-<13 characters>``, cut to the service's limit on names;
#: stacks here are ``eservice-<tenant id>`` (ids of 32 characters at most) and logical ids shorter than 64.
_GENERATED = 41 + 1 + 64 + 1 + 13
#: Each type's ARN prefix and the longest physical name it can have here.
_ARN = {
    "AWS::Lambda::Function": (f"arn:aws:lambda:{_REGION}:{_ACCOUNT}:function:", 64),
    "AWS::Lambda::Alias": (f"arn:aws:lambda:{_REGION}:{_ACCOUNT}:function:", 64 + 1 + 128),
    "AWS::DynamoDB::Table": (f"arn:aws:dynamodb:{_REGION}:{_ACCOUNT}:table/", _GENERATED),
    "AWS::S3::Bucket": ("arn:aws:s3:::", 63),
    "AWS::KMS::Key": (f"arn:aws:kms:{_REGION}:{_ACCOUNT}:key/", 36),
    "AWS::SQS::Queue": (f"arn:aws:sqs:{_REGION}:{_ACCOUNT}:", 80),
    "AWS::SNS::Topic": (f"arn:aws:sns:{_REGION}:{_ACCOUNT}:", _GENERATED),
    "AWS::StepFunctions::StateMachine": (f"arn:aws:states:{_REGION}:{_ACCOUNT}:stateMachine:", 80),
    "AWS::SecretsManager::Secret": (f"arn:aws:secretsmanager:{_REGION}:{_ACCOUNT}:secret:", _GENERATED + 7),
    "AWS::IAM::Role": (f"arn:aws:iam::{_ACCOUNT}:role/", 64),
    "AWS::Cognito::UserPool": (f"arn:aws:cognito-idp:{_REGION}:{_ACCOUNT}:userpool/", 55),
}
#: Types whose ``Ref`` is their ARN (the others' is their name or id).
_REF_IS_ARN = {
    "AWS::Lambda::Alias",
    "AWS::SNS::Topic",
    "AWS::StepFunctions::StateMachine",
    "AWS::SecretsManager::Secret",
}
_PSEUDO = {"AWS::Partition": 3, "AWS::Region": len(_REGION), "AWS::AccountId": 12, "AWS::URLSuffix": 13}
#: A value this module cannot type (another stack's export, a parameter, another attribute): a long ARN.
_UNKNOWN = 200


def _ref_length(template: Mapping[str, Any], logical: str, attribute: str | None) -> int:
    if logical in _PSEUDO:
        return _PSEUDO[logical]
    kind = str(template.get("Resources", {}).get(logical, {}).get("Type", ""))
    if kind not in _ARN:
        return _UNKNOWN
    prefix, name = _ARN[kind]
    if attribute == "Arn" or (attribute is None and kind in _REF_IS_ARN):
        return len(prefix) + name
    return name if attribute is None else _UNKNOWN


def export_lengths(template: Mapping[str, Any]) -> dict[str, int]:
    """Each export of a template (a cell's platform): the longest its value resolves to (quotes included)."""
    return {
        str(output["Export"]["Name"]): resolved_length(output["Value"], template)
        for output in template.get("Outputs", {}).values()
        if isinstance(output.get("Export", {}).get("Name"), str)
    }


def resolved_length(node: Any, template: Mapping[str, Any], imports: Mapping[str, int] | None = None) -> int:
    """Characters of ``node`` as JSON without whitespace, each reference at its longest resolved length
    (another stack's export at its length in ``imports``, when given: ``export_lengths``)."""
    imports = imports or {}

    def length(n: Any) -> int:
        return resolved_length(n, template, imports)

    if isinstance(node, Mapping) and len(node) == 1:
        ((key, value),) = node.items()
        if key == "Ref":
            return 2 + _ref_length(template, value, None)
        if key == "Fn::GetAtt":
            logical, attribute = value if isinstance(value, list) else value.split(".", 1)
            return 2 + _ref_length(template, logical, attribute)
        if key == "Fn::ImportValue":
            return imports.get(value, 2 + _UNKNOWN) if isinstance(value, str) else 2 + _UNKNOWN
        if key == "Fn::Join":
            separator, parts = value
            return 2 + sum(length(p) - 2 for p in parts) + len(separator) * max(0, len(parts) - 1)
        if key in ("Fn::Select", "Fn::Sub", "Fn::Split"):
            return 2 + _UNKNOWN
    if isinstance(node, Mapping):
        return 2 + sum(len(json.dumps(k)) + 1 + length(v) for k, v in node.items()) + max(0, len(node) - 1)
    if isinstance(node, list):
        return 2 + sum(length(v) for v in node) + max(0, len(node) - 1)
    return len(json.dumps(node, ensure_ascii=False, separators=(",", ":")))


def _role_ids(value: Any) -> list[str]:
    return [r["Ref"] for r in value if isinstance(r, Mapping) and "Ref" in r] if isinstance(value, list) else []


def inline_sizes(template: Mapping[str, Any], imports: Mapping[str, int] | None = None) -> dict[str, int]:
    """Each role of the template (logical id): its inline policies' resolved characters, together."""
    sizes: dict[str, int] = defaultdict(int)
    for logical, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            sizes[logical] += sum(
                resolved_length(p["PolicyDocument"], template, imports) for p in props.get("Policies", [])
            )
        elif resource["Type"] == "AWS::IAM::Policy":
            for role in _role_ids(props.get("Roles")):
                sizes[role] += resolved_length(props["PolicyDocument"], template, imports)
    return dict(sizes)


def managed_sizes(template: Mapping[str, Any], imports: Mapping[str, int] | None = None) -> dict[str, int]:
    """Each customer managed policy of the template (logical id): its resolved characters."""
    return {
        logical: resolved_length(r["Properties"]["PolicyDocument"], template, imports)
        for logical, r in template.get("Resources", {}).items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }


def environment_sizes(template: Mapping[str, Any], imports: Mapping[str, int] | None = None) -> dict[str, int]:
    """Each function of the template (logical id): its environment's names and resolved values, in characters
    (the values are ASCII: one byte each)."""
    sizes = {}
    for logical, resource in template.get("Resources", {}).items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        sizes[logical] = sum(
            len(name) + resolved_length(value, template, imports) - 2 for name, value in variables.items()
        )
    return sizes
