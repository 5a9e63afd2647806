"""One execution role for a tenant's four functions and its schedules, each function held to its own grants.

Issue 14: a cell of 1,000 agencies with a role per function and one for EventBridge Scheduler needed 5,007 IAM
roles, and an account holds 1,000. Here a tenant stack makes one role, assumed by Lambda and by EventBridge
Scheduler, and keeps least privilege per function with the condition key Lambda puts in the credentials
context of every AWS request made from a function's execution environment, ``lambda:SourceFunctionArn``
(docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html):

- each function's grants are one ``AWS::IAM::Policy`` on the role (``<Name>Grants``), and every statement of
  it holds only when the request comes from that function's code (``ArnLike``, the function or one of its
  versions or aliases);
- what AWS services do with the role outside any function's code holds only when the request carries no
  source function (``Null``), so a function's code cannot use it: EventBridge Scheduler invokes the functions
  a schedule names, and Lambda writes a failed asynchronous event to the KMS-encrypted dead-letter queue
  (``<Role id>ServiceGrants``);
- the role's default policy keeps what CDK's function construct grants there (sending to the dead-letter
  queue, X-Ray traces) and the AWS-managed policy for the functions' logs.

The key works in identity-based policies only (not in resource policies), which is where these grants are.
A grants policy names its function's ARN, so it comes after the function (a function depends on its role, not
on these policies); the function's ``live`` alias, which every caller names, and each schedule come after the
grants, so nothing calls a function before they exist, on a first deployment too (infra/stack.py).
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

__all__ = ["SOURCE_FUNCTION", "FunctionsRole", "OneFunction", "WithoutFunction"]

#: The condition key Lambda injects into the requests a function's code makes with its execution role.
SOURCE_FUNCTION = "lambda:SourceFunctionArn"


@jsii.implements(iam.IPrincipal)
class _ConditionedGrants:
    """A principal that puts every statement granted to it, with one condition added, in its own policy on
    the shared role. CDK's grant helpers (``table.grant_read_write_data(grantee)``) call
    ``add_to_principal_policy`` with a fresh statement each time."""

    def __init__(self, scope: Construct, construct_id: str, role: iam.Role, operator: str, values: Any) -> None:
        self._role = role
        self._condition = (operator, {SOURCE_FUNCTION: values})
        self.policy = iam.Policy(scope, construct_id, roles=[role])

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
        statement.add_condition(*self._condition)
        self.policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.policy)


class OneFunction(_ConditionedGrants):
    """What one function's code may do: granted to the shared role on the condition that the request comes
    from that function (any version or alias of it)."""

    def __init__(self, scope: Construct, construct_id: str, role: iam.Role, function: lambda_.IFunction) -> None:
        arn = function.function_arn
        super().__init__(scope, construct_id, role, "ArnLike", [arn, f"{arn}:*"])


class WithoutFunction(_ConditionedGrants):
    """What the role may do when no function's code asks: EventBridge Scheduler, which assumes the role to
    call the functions its schedules name, and Lambda itself (the dead-letter queue's data key)."""

    def __init__(self, scope: Construct, construct_id: str, role: iam.Role) -> None:
        super().__init__(scope, construct_id, role, "Null", "true")


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
        #: What AWS services may do with the role outside any function's code (never a function's code).
        self.services = WithoutFunction(scope, f"{construct_id}ServiceGrants", self.role)

    def function(self, fn: lambda_.IFunction) -> OneFunction:
        """The grantee for one function of this role, its grants in ``<Function id without 'Function'>Grants``."""
        return OneFunction(self._scope, f"{fn.node.id.removesuffix('Function')}Grants", self.role, fn)

    def may_invoke(self, grantee: _ConditionedGrants, fn: lambda_.IFunction) -> None:
        """``fn.grant_invoke(grantee)`` without CDK's cache of invoke grants, which would take every grantee of
        this role for the first (they share its principal) and grant only that one."""
        grantee.add_to_principal_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=fn.resource_arns_for_grant_invoke)
        )
