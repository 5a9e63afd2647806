"""officer_tokens: the pre token generation trigger of a cell's one officer pool (issue 14).

Every agency of a cell signs its officers in to the cell's officer pool, each through its own web client,
and Cognito accepts any user of a pool through any of its clients. Cognito calls this function before it
issues tokens (at the end of every sign-in, and at every refresh) with the client and the user's groups;
the function names the agency from the client (``officers@<tenant id>``, read once per container with
DescribeUserPoolClient) and refuses the tokens unless the user is in one of that agency's groups
(``eservice.officer_pool.admit_officer``). Cognito answers a refusal, and any error of this function, with
``UserLambdaValidationException`` and no tokens: it fails closed.

One function for the cell, not one per agency: the platform keeps no list of its tenants. Its role may only
describe the officer pool's clients and write its own logs. It logs the agency, the client id and the
decision, never who signed in (no user name, no e-mail).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PreTokenGenerationTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from eservice.aws import client
from eservice.officer_pool import REFUSALS_METRIC, TOKENS_TRIGGER_SERVICE, TokensRefused, admit_officer

logger = Logger(service=TOKENS_TRIGGER_SERVICE)
#: Refusals counted apart from the function's other errors (the cell's FunctionErrors alarm subtracts them).
metrics = Metrics(namespace=REFUSALS_METRIC[0], service=TOKENS_TRIGGER_SERVICE)


@lru_cache(maxsize=1024)  # an officer pool holds at most 1,000 app clients
def client_name(pool_id: str, client_id: str) -> str:
    """The name of one of the pool's clients: it changes only with a deployment, so read once per container."""
    described = client("cognito-idp").describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    return str(described["UserPoolClient"].get("ClientName") or "")


@logger.inject_lambda_context
@event_source(data_class=PreTokenGenerationTriggerEvent)
def handler(event: PreTokenGenerationTriggerEvent, context: LambdaContext) -> dict[str, Any]:
    """Return the event unchanged (tokens as Cognito would issue them), or raise ``TokensRefused``."""
    client_id = event.caller_context.client_id
    decision = {"client_id": client_id, "trigger_source": event.trigger_source}
    try:
        tenant_id = admit_officer(
            client_name=client_name(event.user_pool_id, client_id),
            pool_groups=event.request.group_configuration.groups_to_override,
        )
    except TokensRefused as refused:
        logger.warning("officer tokens refused", extra={**decision, "code": refused.code})
        metrics.add_metric(name=REFUSALS_METRIC[1], unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()  # only here: an allowed sign-in publishes no metric
        raise
    logger.info("officer tokens allowed", extra={**decision, "tenant": tenant_id})
    return event.raw_event
