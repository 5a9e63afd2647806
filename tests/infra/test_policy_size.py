"""Issue 14: an agency's one role fits IAM's size limits (infra/policy_size.py), and merging its grants
(infra/function_role.merged) grants exactly what was granted, in fewer statements."""

from __future__ import annotations

import itertools

from infra.function_role import Grant, merged
from infra.policy_size import export_lengths, inline_sizes, managed_sizes, resolved_length

TABLE = "arn:aws:dynamodb:ap-southeast-1:1:table/t"
INDEX = f"{TABLE}/index/*"
UPLOADS = "arn:aws:s3:::uploads/*"
DOCUMENTS = "arn:aws:s3:::documents/*"
KEY = "arn:aws:kms:ap-southeast-1:1:key/k"
SIGN = "arn:aws:lambda:ap-southeast-1:1:function:sign:live"


def _service(arn: str) -> str:
    return arn.split(":")[2]


def _pairs(grants: list[Grant]) -> set[tuple[str, str]]:
    """What the grants allow: each action on each resource of its service (or on ``*``)."""
    return {
        (a, r)
        for g in grants
        for a, r in itertools.product(g.actions, g.resources)
        if r == "*" or a.split(":")[0] == _service(r)
    }


GRANTS = [
    Grant(("dynamodb:GetItem", "dynamodb:PutItem"), (TABLE, INDEX)),
    Grant(("dynamodb:Query",), (TABLE, INDEX)),
    Grant(("s3:PutObject",), (UPLOADS,)),
    Grant(("s3:GetObject",), (UPLOADS, DOCUMENTS)),
    Grant(("s3:PutObject",), (DOCUMENTS,)),
    Grant(("kms:Decrypt",), (KEY,)),
    Grant(("kms:Sign",), (KEY,)),
    Grant(("lambda:InvokeFunction",), (SIGN,)),
    Grant(("states:SendTaskSuccess",), ("*",)),
    Grant(("dynamodb:GetItem",), (TABLE,)),  # granted twice: once is enough
]


def test_given_grants_of_several_services_when_merged_then_they_allow_exactly_the_same_in_fewer_statements() -> None:
    out = merged(GRANTS)

    assert _pairs(out) == _pairs(GRANTS)
    assert len(out) == 2  # one statement of every ARN-scoped grant, the ``*`` one apart
    (star,) = [g for g in out if "*" in g.resources]
    assert star == Grant(("states:SendTaskSuccess",), ("*",))


def test_given_two_grants_of_one_service_on_different_resources_when_merged_then_neither_widens_the_other() -> None:
    puts_uploads_reads_documents = [
        Grant(("s3:PutObject",), (UPLOADS,)),
        Grant(("s3:GetObject",), (DOCUMENTS,)),
    ]

    out = merged(puts_uploads_reads_documents)

    assert _pairs(out) == {("s3:PutObject", UPLOADS), ("s3:GetObject", DOCUMENTS)}
    assert len(out) == 2


def test_given_a_template_then_references_count_at_their_longest_resolved_length() -> None:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function"},
            "Role": {"Type": "AWS::IAM::Role"},
            "Grants": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "Role"}],
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Action": "lambda:InvokeFunction",
                                "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":live"]]},
                                "Effect": "Allow",
                            }
                        ]
                    },
                },
            },
        },
    }
    arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:" + "f" * 64 + ":live"
    written = '{"Statement":[{"Action":"lambda:InvokeFunction","Resource":"' + arn + '","Effect":"Allow"}]}'

    assert resolved_length({"Fn::GetAtt": ["Fn", "Arn"]}, template) == len(arn) - len(":live") + 2
    assert inline_sizes(template) == {"Role": len(written)}
    platform = {"Outputs": {"O": {"Value": {"Fn::GetAtt": ["K", "Arn"]}, "Export": {"Name": "cell:KeyArn"}}}}
    platform["Resources"] = {"K": {"Type": "AWS::KMS::Key"}}
    assert export_lengths(platform) == {"cell:KeyArn": len("arn:aws:kms:ap-southeast-1:123456789012:key/") + 36 + 2}
    assert managed_sizes(template) == {}
