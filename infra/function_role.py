"""One execution role for a tenant's four functions and its schedules, each function held to its own grants.

Issue 14: a cell of 1,000 agencies with a role per function and one for EventBridge Scheduler needed 5,007 IAM
roles, and an account holds 1,000. Here a tenant stack makes one role, assumed by Lambda and by EventBridge
Scheduler, and keeps least privilege per function with the condition key Lambda puts in the credentials
context of every AWS request made from a function's execution environment, ``lambda:SourceFunctionArn``
(docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html):

- each function's grants are one inline ``AWS::IAM::Policy`` on the role (``<Name>Grants``), and every
  statement of it holds only when the request comes from that function's code (``ArnLike``, the function or
  one of its versions or aliases);
- the agency's data (its table, its data buckets, the data key's data actions) and answering a saga's task
  token are every function's, with no condition, in one customer managed policy (``<Role id>SharedGrants``):
  another agency's data stays out of reach by resource;
- what AWS services do with the role outside any function's code holds only when the request carries no
  source function (``Null``), so a function's code cannot use it: EventBridge Scheduler invokes the functions
  a schedule names, and Lambda writes a failed asynchronous event to the KMS-encrypted dead-letter queue
  (in ``<Role id>SharedGrants`` too);
- the role's default policy keeps what CDK's function construct grants there (sending to the dead-letter
  queue, X-Ray traces) and the AWS-managed policy for the functions' logs.

Size: IAM holds 10,240 characters of inline policies a role and 6,144 a managed policy
(``infra/policy_size.py``, pinned by the infra tests). A condition on every statement CDK's grant helpers make
came to 44,000 characters an agency, so each policy's grants are merged (``merged``) before they are written:
the condition comes once a statement, not once a grant.

The key works in identity-based policies only (not in resource policies), which is where these grants are.
A grants policy names its function's ARN, so it comes after the function (a function depends on its role, not
on these policies); the function's ``live`` alias, which every caller names, and each schedule come after the
grants, so nothing calls a function before they exist, on a first deployment too (infra/stack.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

__all__ = ["SOURCE_FUNCTION", "FunctionsRole", "OneFunction", "WithoutFunction"]

#: The condition key Lambda injects into the requests a function's code makes with its execution role.
SOURCE_FUNCTION = "lambda:SourceFunctionArn"


@dataclass(frozen=True)
class Grant:
    """Actions on resources, in the order first granted (a statement without conditions of its own)."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]

    @property
    def service(self) -> str | None:
        """The one service of its actions, if its resources are that service's ARNs (none is ``*``)."""
        services = {a.split(":", 1)[0] for a in self.actions}
        return services.pop() if len(services) == 1 and "*" not in self.resources else None


def _union(*parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for part in parts for x in part))


def merged(grants: list[Grant]) -> list[Grant]:
    """Few statements that grant exactly ``grants``, so each carries its condition once.

    Grants on the same resources join their actions, and grants of the same actions their resources, until
    nothing changes; a grant within another is dropped. Then the k-th grant of each service joins the k-th of
    every other service: an action of one service never applies to another service's ARN (``kms:Decrypt`` on
    a bucket's ARN grants nothing), so the union grants nothing more. Grants on ``*`` or of several services
    stay apart.
    """
    current = list(dict.fromkeys(grants))
    while True:
        by_resources: dict[tuple[str, ...], tuple[str, ...]] = {}
        for g in current:
            key = tuple(sorted(g.resources))
            by_resources[key] = _union(by_resources.get(key, ()), g.actions)
        by_actions: dict[tuple[str, ...], tuple[str, ...]] = {}
        for resources, actions in by_resources.items():
            key = tuple(sorted(actions))
            by_actions[key] = _union(by_actions.get(key, ()), resources)
        joined = [Grant(actions, resources) for actions, resources in by_actions.items()]
        if len(joined) == len(current):
            break
        current = joined
    # A grant within another (its actions and resources among the other's) adds nothing.
    joined = [
        g
        for g in joined
        if not any(
            h is not g and set(g.actions) <= set(h.actions) and set(g.resources) <= set(h.resources) for h in joined
        )
    ]
    apart = [g for g in joined if g.service is None]
    by_service: dict[str, list[Grant]] = {}
    for g in joined:
        if g.service is not None:
            by_service.setdefault(g.service, []).append(g)
    rows = max((len(v) for v in by_service.values()), default=0)
    zipped = [
        Grant(
            _union(*(v[k].actions for v in by_service.values() if k < len(v))),
            _union(*(v[k].resources for v in by_service.values() if k < len(v))),
        )
        for k in range(rows)
    ]
    return zipped + apart


@jsii.implements(iam.IPrincipal)
class _ConditionedGrants:
    """A principal that collects every statement granted to it and writes them, merged (``merged``) and each
    with its condition (if any), in its policy on the shared role when the role is finished
    (``FunctionsRole.finish``). CDK's grant helpers (``table.grant_read_write_data(grantee)``) call
    ``add_to_principal_policy`` with a fresh statement each time."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        role: iam.Role,
        operator: str,
        values: Any,
        seen: dict[str, str],
        policy: iam.ManagedPolicy | None = None,
    ) -> None:
        self._role = role
        self._condition: tuple[str, Any] | None = (operator, {SOURCE_FUNCTION: values}) if operator else None
        self._grants: list[Grant] = []
        self._apart: list[iam.PolicyStatement] = []
        self._finished = False
        self._seen = seen
        #: Where the grants go: a policy of their own on the role, inline, or the managed ``policy`` given.
        self.policy: iam.Policy | iam.ManagedPolicy = policy or iam.Policy(scope, construct_id, roles=[role])

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self

    @property
    def assume_role_action(self) -> str:
        return self._role.assume_role_action

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return self._role.policy_fragment

    @property
    def principal_account(self) -> str | None:
        return self._role.principal_account

    def add_to_policy(self, statement: iam.PolicyStatement) -> bool:
        return self.add_to_principal_policy(statement).statement_added

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        if self._finished:
            raise RuntimeError(f"{self.policy.node.path}: granted after the role was finished")
        plain = statement.effect == iam.Effect.ALLOW and not (
            statement.conditions or statement.not_actions or statement.not_resources or statement.has_principal
        )
        if plain:
            self._grants.append(Grant(tuple(statement.actions), tuple(self._canonical(r) for r in statement.resources)))
        else:
            self._apart.append(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.policy)

    def _canonical(self, resource: str) -> str:
        """The first token granted that resolves to the same value as ``resource`` (CDK makes a new token for
        each ``<table ARN>/index/*`` it grants, so equal resources would not merge)."""
        key = json.dumps(Stack.of(self._role).resolve(resource), sort_keys=True)
        return self._seen.setdefault(key, resource)

    def finish(self) -> None:
        """Write the collected grants in the policy, merged, each statement on the condition."""
        self._finished = True
        statements = [
            iam.PolicyStatement(actions=list(g.actions), resources=list(g.resources)) for g in merged(self._grants)
        ]
        for statement in [*statements, *self._apart]:
            if self._condition is not None:
                statement.add_condition(*self._condition)
            self.policy.add_statements(statement)


class OneFunction(_ConditionedGrants):
    """What one function's code may do: granted to the shared role on the condition that the request comes
    from that function (any version or alias of it)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        role: iam.Role,
        function: lambda_.IFunction,
        seen: dict[str, str],
    ) -> None:
        arn = function.function_arn
        super().__init__(scope, construct_id, role, "ArnLike", [arn, f"{arn}:*"], seen)


class WithoutFunction(_ConditionedGrants):
    """What the role may do when no function's code asks: EventBridge Scheduler, which assumes the role to
    call the functions its schedules name, and Lambda itself (the dead-letter queue's data key)."""

    def __init__(
        self, scope: Construct, construct_id: str, role: iam.Role, seen: dict[str, str], policy: iam.ManagedPolicy
    ) -> None:
        super().__init__(scope, construct_id, role, "Null", "true", seen, policy=policy)


class FunctionsRole(Construct):
    """The tenant's one role, for its functions (``function(fn)`` before granting) and its schedules."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._scope = scope
        self.role = iam.Role(
            self,
            "Resource",
            assumed_by=iam.CompositePrincipal(
                iam.ServicePrincipal("lambda.amazonaws.com"), iam.ServicePrincipal("scheduler.amazonaws.com")
            ),
            description="The agency's functions (each held to its own grants) and its EventBridge schedules",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaBasicExecutionRole")
            ],
        )
        # IAM holds 10,240 characters of inline policies a role (infra/policy_size.py): the functions' own grants
        # stay inline, the shared ones go to one customer managed policy (6,144 characters; 1,500 an account).
        self.shared = iam.ManagedPolicy(
            scope,
            f"{construct_id}SharedGrants",
            roles=[self.role],
            description="The agency's data, for its functions; its functions' invocation, for EventBridge Scheduler",
        )
        #: Each resource granted, resolved: the first token that names it (``_ConditionedGrants._canonical``).
        self._seen: dict[str, str] = {}
        #: What AWS services may do with the role outside any function's code (never a function's code).
        self.services = WithoutFunction(scope, f"{construct_id}ServiceGrants", self.role, self._seen, self.shared)
        #: What every function of the agency may do: its data, a task token's answer. No condition.
        self.every_function = _ConditionedGrants(
            scope, f"{construct_id}DataGrants", self.role, "", None, self._seen, policy=self.shared
        )
        self._grantees: list[_ConditionedGrants] = [self.services, self.every_function]

    def function(self, fn: lambda_.IFunction) -> OneFunction:
        """The grantee for one function of this role, its grants in ``<Function id without 'Function'>Grants``."""
        grantee = OneFunction(self._scope, f"{fn.node.id.removesuffix('Function')}Grants", self.role, fn, self._seen)
        self._grantees.append(grantee)
        return grantee

    def finish(self) -> None:
        """Write every grant in its policy (after the stack's last grant; a later one is refused)."""
        for grantee in self._grantees:
            grantee.finish()

    def may_invoke(self, grantee: _ConditionedGrants, alias: lambda_.IAlias) -> None:
        """``alias.grant_invoke(grantee)`` without CDK's cache of invoke grants, which would take every grantee of
        this role for the first (they share its principal) and grant only that one. The alias only: every
        caller names it, and a function's other versions stay out of reach. The ARN is written from the function's
        (not a reference to the alias, which depends on these grants: infra/stack.py)."""
        arn = f"{alias.version.lambda_.function_arn}:{alias.alias_name}"
        grantee.add_to_principal_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[arn]))
