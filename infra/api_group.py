"""A cell's REST APIs, each shared by up to ten agencies, one stage each (issue 14).

An account holds 600 regional REST APIs, and AWS does not raise that quota: one API per agency stopped a
cell at 600 agencies. Here one REST API (``eservice-<cell>-api-<n>``, its own stack) serves up to
``AGENCIES_PER_API`` agencies of the cell, the default number of stages an API holds:

- the API's definition is the one every agency has (``infra.stack.add_api_routes``, from
  ``infra/routes.py``), under ``/api``: CloudFront sends ``/api/...`` of an agency's domain to
  ``https://<api id>.execute-api.<region>.amazonaws.com/<stage>/api/...`` (the distribution tenant's
  ``api_domain`` and ``api_stage`` parameters, ``infra/cell.py``);
- each agency has its own stage, named after it, with its own throttling, access log, execution logging,
  tracing and web ACL association (the cell's origin firewall), and two stage variables that name its
  functions' ``live`` aliases: every integration URI calls ``${stageVariables.intake}`` (or ``clock``),
  API Gateway's documented way for one API to call different functions per stage;
- an agency's functions have fixed names (``function_name``), so this stack names them without a
  reference to the agency's stack, and the agency's stack reads the API's id from this stack's export
  named after the agency (``api_export_name``): its invoke permissions hold for its own stage only
  (``arn:...:execute-api:<region>:<account>:<api id>/<stage>/*/*``).

Agencies go to APIs in the order of their ids, ten each (``api_groups``). A new agency whose id sorts
before others' moves those agencies to the next API (a new stage there, its CloudFront parameters changed):
the README says so. A release changes every stage of an API at once (one deployment): the waves of
``infra/waves.py`` roll out the API stacks with the tenants.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, CfnOutput, Stack, Tags, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from eservice.tenant import Tenant

from .quotas import GROUP_SIZE
from .routes import GATEWAY_REFUSALS, intake_routes

if TYPE_CHECKING:
    from .cell import CellPlatformStack

__all__ = [
    "AGENCIES_PER_API",
    "API_BASE",
    "API_FUNCTIONS",
    "ApiGroupStack",
    "api_export_name",
    "api_group_stack_name",
    "api_groups",
    "function_name",
    "stage_name",
]

#: A REST API holds 10 stages by default (Service Quotas raises it): one per agency.
AGENCIES_PER_API = GROUP_SIZE
#: The path every route of a shared API sits under (CloudFront's ``/api/*`` behaviour, kept in the path).
API_BASE = "api"
#: The functions the API calls, each through a stage variable of that name.
API_FUNCTIONS = ("intake", "clock")


def api_group_stack_name(cell: str, index: int) -> str:
    return f"eservice-cell-{cell}-api-{index}"


def api_export_name(tenant_id: str) -> str:
    """The export an agency's stack reads its API's id from (one per agency, named after it)."""
    return f"eservice-{tenant_id}-api-id"


def stage_name(tenant_id: str) -> str:
    """An agency's stage of its API: its id (letters, digits and hyphens, as a stage name may have)."""
    return tenant_id


def function_name(tenant_id: str, function: str) -> str:
    """An agency's function's fixed name in a cell (``eservice-<id>-intake``; 64 characters at most)."""
    return f"eservice-{tenant_id}-{function}"


def api_groups(tenants: Sequence[Tenant]) -> list[list[Tenant]]:
    """The cell's agencies, ten to an API, in the order of their ids."""
    ordered = sorted(tenants, key=lambda t: t.id)
    return [ordered[i : i + AGENCIES_PER_API] for i in range(0, len(ordered), AGENCIES_PER_API)]


class ApiGroupStack(Stack):
    """One REST API of a cell and the stages of its agencies (see the module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cell: str,
        index: int,
        tenants: Sequence[Tenant],
        platform: CellPlatformStack,
        **kwargs: Any,
    ) -> None:
        from .stack import TSA_BURST_LIMIT, TSA_RATE_LIMIT, add_api_routes, api_fingerprint

        super().__init__(scope, construct_id, **kwargs)
        if not 0 < len(tenants) <= AGENCIES_PER_API:
            raise ValueError(f"an API serves 1 to {AGENCIES_PER_API} agencies, not {len(tenants)}")
        Tags.of(self).add("eservice:cell", cell)
        description = f"e-Service API {index} of cell {cell}: " + ", ".join(t.id for t in tenants)
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=api_group_stack_name(cell, index),
            description=description,
            # The deployment and the stages are made below (see infra.stack.api_fingerprint).
            deploy=False,
            # The cell sets the account's API Gateway logging role once (infra/cell.py).
            cloud_watch_role=False,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=["application/pdf", "application/timestamp-query", "multipart/form-data"],
        )
        integrations = {name: self._by_stage_variable(name) for name in API_FUNCTIONS}
        pools = {"citizen": platform.citizen_pool, "officer": platform.officer_pool}
        deployed = add_api_routes(self, self.api, integrations, pools, base=API_BASE)
        deployment = apigw.Deployment(self.api, "Deployment", api=self.api, description=description)
        deployment.node.add_dependency(*deployed)
        deployment.add_to_logical_id(api_fingerprint(intake_routes(), GATEWAY_REFUSALS))
        # The integrations are this stack's own (stage variables): their code changes the deployment too.
        integration_code = hashlib.sha256(inspect.getsource(ApiGroupStack._by_stage_variable).encode()).hexdigest()
        deployment.add_to_logical_id({"base": API_BASE, "functions": list(API_FUNCTIONS), "code": integration_code})
        self.stages: dict[str, apigw.Stage] = {}
        for tenant in tenants:
            self.stages[tenant.id] = self._stage(tenant, deployment, TSA_RATE_LIMIT, TSA_BURST_LIMIT)
            wafv2.CfnWebACLAssociation(
                self,
                f"Firewall-{tenant.id}",
                resource_arn=self.stages[tenant.id].stage_arn,
                web_acl_arn=platform.api_acl.attr_arn,
            )
            CfnOutput(
                self,
                f"ApiId-{tenant.id}",
                value=self.api.rest_api_id,
                export_name=api_export_name(tenant.id),
                description=f"The API of {tenant.id} (stage {stage_name(tenant.id)})",
            )
        self.api.deployment_stage = self.stages[tenants[0].id]
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG4",
                reason="Public routes (service catalogue, licence register, document verification, payment "
                "webhook with its own HMAC check, the TSA) must be reachable without sign-in (Q1, R-5, Act §13)",
            ),
            Acknowledgment(
                id="AwsSolutions-COG4",
                reason="Same public routes as APIG4; every applicant and officer route uses a Cognito authorizer",
            ),
        )

    def _by_stage_variable(self, function: str) -> apigw.Integration:
        """A Lambda proxy integration on the function the stage names (``${stageVariables.<function>}``: the
        agency's function's ``live`` alias, ``<name>:live``)."""
        target = f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:${{stageVariables.{function}}}"
        return apigw.Integration(
            type=apigw.IntegrationType.AWS_PROXY,
            integration_http_method="POST",
            uri=f"arn:{self.partition}:apigateway:{self.region}:lambda:path/2015-03-31/functions/{target}/invocations",
        )

    def _stage(self, tenant: Tenant, deployment: apigw.Deployment, tsa_rate: int, tsa_burst: int) -> apigw.Stage:
        from .stack import api_access_log_format

        access_logs = logs.LogGroup(self, f"AccessLogs-{tenant.id}", retention=logs.RetentionDays.ONE_YEAR)
        return apigw.Stage(
            self.api,
            f"Stage-{tenant.id}",
            deployment=deployment,
            stage_name=stage_name(tenant.id),
            variables={name: f"{function_name(tenant.id, name)}:live" for name in API_FUNCTIONS},
            throttling_rate_limit=50,
            throttling_burst_limit=100,
            # The public TSA signs with KMS on every call: its own, much lower ceiling (all callers).
            method_options={
                f"/{API_BASE}/tsa/POST": apigw.MethodDeploymentOptions(
                    throttling_rate_limit=tsa_rate, throttling_burst_limit=tsa_burst
                )
            },
            logging_level=apigw.MethodLoggingLevel.ERROR,
            tracing_enabled=True,
            access_log_destination=apigw.LogGroupLogDestination(access_logs),
            access_log_format=api_access_log_format(),
        )
