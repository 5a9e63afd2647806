"""The request saga: one Step Functions Standard execution per request, named by the request id.

intake -> official time stamp -> acknowledgment -> review (officer, task token)
  -> more documents (applicant, deadline) -> review ...
  -> approval steps (officers, any number, send back to review) -> payment (deadline)
  -> draft licence -> authorised signer (task token) -> seal -> deliver (at once, or on the officer's
     command where the tenant file says so: Q8.1, Q8.2)
Branches: reject (refusal letter), wrong agency (referred), withdrawal, unreachable (30 days: recorded
by the reviewer, or a notice to an applicant who must act bounced), deadline expired -> dismissal
proposed (by the system for a deadline, by the officer after the hold) -> head dismisses (a sealed
dismissal order, kept and sent) or reopens.

Every waiting step is the clock function's ``await`` action: it records the status and the task
token against the request in DynamoDB, and schedules the step's deadline. Officer and applicant
actions complete the token; a due deadline fails it with ``Deadline.Expired``; a withdrawal fails
it with ``Request.Withdrawn``. The execution input and history hold ids only (no personal data).

Recovery: every task is idempotent and retried on transient errors (throttling, AWS 5xx, a crashed
runtime). A request whose execution failed anyway is resumed by the sweeper in a new execution
started with ``{"resume": true}``: the ``Resume`` step reads where the request stands
(``eservice.recovery.resume_point``) and ``ResumeAt`` jumps to that state.

Cost (issue 14): a Standard execution bills every state entered. A status change that always goes with a
step's work is recorded by the function doing the work (``paid`` by the sign function before the receipt,
``delivered`` by notify after sending), work that always runs together is one task (payment opened and
invoice made; receipt and draft licence), a choice that can be one more rule of the choice before it is
(the fee), and branches end with their last task instead of a Succeed state.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

__all__ = ["RequestSaga"]

#: Backstop on every wait, beyond any configured deadline (Standard executions run up to a year).
_WAIT_BACKSTOP = Duration.days(120)

# Issue 14 (synth time): values every step uses, made once per process, not once per step of every
# tenant's saga (each is a round trip to the jsii kernel; tokens and durations are immutable).
_REQUEST_ID = sfn.JsonPath.string_at("$.request_id")
_TASK_TOKEN = sfn.JsonPath.task_token
_DISCARD = sfn.JsonPath.DISCARD
_RETRY_INTERVAL = Duration.seconds(2)
_CALL_TIMEOUT = sfn.Timeout.duration(Duration.minutes(5))
_WAIT_TIMEOUT = sfn.Timeout.duration(_WAIT_BACKSTOP)
_SAGA_TIMEOUT = Duration.days(365)

_DEADLINE = "Deadline.Expired"
_WITHDRAWN = "Request.Withdrawn"
#: R-3.2: the notice of a step where the applicant must act could not reach them (``saga_steps``).
_UNREACHABLE = "Applicant.Unreachable"
#: Retried with backoff: throttling and AWS 5xx (``TransientError``) and a crashed or timed-out runtime.
_RETRIED = ["TransientError", "Runtime.ExitError", "Runtime.Unknown", "Lambda.Unknown", "Sandbox.Timedout"]


class RequestSaga(Construct):
    """The state machine and its log group.

    Issue 14 (synth time): the flow (``_Flow``) is the same for every tenant, so it is built once per process
    with stand-in functions and rendered to its Amazon States Language (``_rendered_flow``); each tenant's
    state machine gets that rendering with its own functions' ARNs, and the invoke grants CDK would derive
    from the flow. Its ``DefinitionString`` is the one ``DefinitionBody.from_chainable`` writes.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        clock: lambda_.IFunction,
        sign: lambda_.IFunction,
        notify: lambda_.IFunction,
        data_key: kms.IKey,
        state_machine_name: str | None = None,
        role: iam.IRole | None = None,
    ) -> None:
        """``role``: a cell's one saga role (issue 14); None: the state machine's own, as CDK grants it."""
        super().__init__(scope, construct_id)
        flow = _rendered_flow(json.dumps(self.node.get_all_context(), sort_keys=True, default=str))
        #: The states a resumed execution can start at (checked against ``eservice.recovery`` in tests).
        self.resume_targets = flow.resume_targets
        log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_YEAR)
        comment = "Request saga: one execution per request, named by the request id"
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=_FlowDefinition(flow, {"clock": clock, "sign": sign, "notify": notify}, comment),
            timeout=_SAGA_TIMEOUT,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            encryption_configuration=sfn.CustomerManagedEncryptionConfiguration(data_key),
            comment=comment,
            role=role,
        )


class _Flow(Construct):
    """Every state of the saga and how they connect, top to bottom (rendered once per process)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        clock: lambda_.IFunction,
        sign: lambda_.IFunction,
        notify: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self._clock, self._sign, self._notify = clock, sign, notify

        failed = sfn.Fail(self, "SagaFailed", error="Saga.Failed", cause="A step failed; see RecordFailure")
        record_failure = self._call(
            "RecordFailure", clock, {"action": "record_failure", "error": sfn.JsonPath.object_at("$.failure")}
        ).next(failed)
        self._record_failure = record_failure

        # --- ends -------------------------------------------------------------------------
        # Each branch ends with its last task (``End``): a Succeed state would be one more billed transition.
        withdrawn = self._transition("Withdrawn", "withdrawn").next(self._notice("NotifyWithdrawn", "withdrawn"))
        self._withdrawn = withdrawn

        dismissed = (
            self._call("RenderDismissalOrder", sign, {"action": "dismissal_order"}, result_path="$.document")
            .next(self._transition("Dismissed", "dismissed"))
            .next(self._notice("NotifyDismissed", "dismissed"))
        )

        render_refusal = self._call("RenderRefusal", sign, {"action": "refusal"}, result_path="$.document")
        refused = render_refusal.next(self._transition("Rejected", "rejected")).next(
            self._notice("DeliverRefusal", "rejected")
        )
        referred = self._transition("Referred", "referred").next(self._notice("NotifyReferred", "referred"))

        # --- dismissal (R-3.2, Q4.6, Q6.8) ---------------------------------------------------
        head_decision = self._await("AwaitHeadDecision", "dismissal", withdrawable=False)
        propose_dismissal = self._call(
            "ProposeDismissal", clock, {"action": "propose_dismissal", "cause": sfn.JsonPath.string_at("$.cause.Error")}
        )

        # --- review loop ---------------------------------------------------------------------
        review = self._await("AwaitReview", "review")
        # the hold has no expiry of its own; after 30 days the officer proposes dismissal.
        unreachable = self._await("AwaitApplicantContact", "unreachable")
        more_documents = self._await(
            "AwaitMoreDocuments", "more_documents", expires=propose_dismissal, unreachable=unreachable
        )
        approval = self._await("AwaitApproval", "approval")
        payment = self._await("AwaitPayment", "payment", expires=propose_dismissal, unreachable=unreachable)
        signature = self._await("AwaitSignature", "signature", withdrawable=False)

        propose_dismissal.next(head_decision)
        head_decides = (
            sfn.Choice(self, "HeadDecides")
            .when(sfn.Condition.string_equals("$.decision.decision", "dismiss"), dismissed)
            .otherwise(review)
        )
        head_decision.next(head_decides)
        more_documents.next(review)
        contact_outcome = (
            sfn.Choice(self, "ContactOutcome")
            # The officer's proposal is recorded with the decision: the head decides next.
            .when(sfn.Condition.string_equals("$.decision.decision", "propose_dismissal"), head_decision)
            .when(_returns_to("more_documents"), more_documents)
            .when(_returns_to("payment"), payment)
            .otherwise(review)
        )
        unreachable.next(contact_outcome)

        # notify records ``delivered`` once the document is sent: the last state of a licence's saga.
        send = self._call("Deliver", notify, {"action": "deliver"}, result_path="$.delivery")
        # Q8.1: the officer sends it when the conditions are met; Q8.2: otherwise at once.
        delivery = self._await("AwaitDelivery", "deliver", withdrawable=False)
        delivery.next(send)
        deliver = (
            self._call("SealLicence", sign, {"action": "seal_licence"}, result_path="$.document")
            .next(self._transition("Issued", "issued"))
            .next(
                sfn.Choice(self, "DeliveryRule")
                .when(
                    sfn.Condition.and_(
                        sfn.Condition.is_present("$.stamp.deliver_on_command"),
                        sfn.Condition.boolean_equals("$.stamp.deliver_on_command", True),
                    ),
                    delivery,
                )
                .otherwise(send)
            )
        )
        draft = self._call("DraftLicence", sign, {"action": "draft_licence"}, result_path="$.draft").next(signature)
        signer_decides = (
            sfn.Choice(self, "SignerDecides")
            .when(sfn.Condition.string_equals("$.decision.decision", "sign"), deliver)
            .otherwise(review)
        )
        signature.next(signer_decides)
        # The sign function records ``paid``, issues the e-receipt (Q6.6) and drafts the licence (Q7.1-7.2).
        paid = self._call("Paid", sign, {"action": "paid"}, result_path="$.receipt")
        payment.next(paid).next(self._notice("SendReceipt", "receipt")).next(signature)

        # The sign function opens the payment (invoice number, deadline, Thai QR) and makes the invoice (Q6.1).
        invoice = self._call("IssueInvoice", sign, {"action": "invoice"}, result_path="$.document").next(payment)
        approver_decides = (
            sfn.Choice(self, "ApproverDecides")
            .when(sfn.Condition.string_equals("$.decision.decision", "reject"), refused)
            .when(sfn.Condition.string_equals("$.decision.decision", "send_back"), review)
            .when(sfn.Condition.boolean_equals("$.decision.approval_complete", False), approval)
            # Approved: the fee first when there is one (no Choice of its own: one transition less, issue 14).
            .when(sfn.Condition.number_greater_than("$.stamp.fee_satang", 0), invoice)
            .otherwise(draft)
        )
        approval.next(approver_decides)
        reviewer_decides = (
            sfn.Choice(self, "ReviewerDecides")
            .when(sfn.Condition.string_equals("$.decision.decision", "approve"), approval)
            .when(sfn.Condition.string_equals("$.decision.decision", "more_documents"), more_documents)
            .when(sfn.Condition.string_equals("$.decision.decision", "reject"), refused)
            .when(sfn.Condition.string_equals("$.decision.decision", "refer"), referred)
            .when(sfn.Condition.string_equals("$.decision.decision", "unreachable"), unreachable)
            .otherwise(failed)
        )
        review.next(reviewer_decides)

        # --- start: official time, acknowledgment ----------------------------------------
        stamp = self._call("StampOfficialTime", clock, {"action": "stamp"}, result_path="$.stamp")
        stamp.next(self._call("Acknowledge", sign, {"action": "acknowledgment"}, result_path="$.document")).next(
            self._notice("SendAcknowledgment", "acknowledgment")
        ).next(review)

        # --- resume: a new execution of a request whose earlier one failed (the sweeper) ------
        targets: dict[str, sfn.IChainable] = {
            "StampOfficialTime": stamp,
            "AwaitReview": review,
            "AwaitMoreDocuments": more_documents,
            "AwaitApplicantContact": unreachable,
            "AwaitApproval": approval,
            "AwaitPayment": payment,
            "AwaitSignature": signature,
            "AwaitHeadDecision": head_decision,
            "AwaitDelivery": delivery,
            "ContactOutcome": contact_outcome,
            "Deliver": send,
            "ReviewerDecides": reviewer_decides,
            "ApproverDecides": approver_decides,
            "SignerDecides": signer_decides,
            "HeadDecides": head_decides,
            "Paid": paid,
            "ProposeDismissal": propose_dismissal,
            "Withdrawn": withdrawn,
        }
        resume_at = sfn.Choice(self, "ResumeAt")
        for name, target in targets.items():
            resume_at.when(sfn.Condition.string_equals("$.goto", name), target)
        resume_at.otherwise(failed)
        resume = tasks.LambdaInvoke(
            self,
            "Resume",
            lambda_function=clock,
            payload=sfn.TaskInput.from_object(
                {"action": "resume", "request_id": sfn.JsonPath.string_at("$.request_id")}
            ),
            payload_response_only=True,
            result_path="$",
            retry_on_service_exceptions=True,
            task_timeout=sfn.Timeout.duration(Duration.minutes(1)),
        )
        resume.add_retry(errors=_RETRIED, interval=Duration.seconds(2), max_attempts=6, backoff_rate=2.0)
        resume.add_catch(record_failure, errors=["States.ALL"], result_path="$.failure")
        resume.next(resume_at)
        definition = (
            sfn.Choice(self, "StartOrResume")
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.resume"), sfn.Condition.boolean_equals("$.resume", True)
                ),
                resume,
            )
            .otherwise(stamp)
        )
        self.start = definition
        self.resume_targets = frozenset(targets)

    # ------------------------------------------------------------------------------------------
    def _call(
        self,
        name: str,
        fn: lambda_.IFunction,
        payload: dict[str, object],
        *,
        result_path: str | None = None,
    ) -> tasks.LambdaInvoke:
        """A step that calls a function with the request id and waits for its answer."""
        task = tasks.LambdaInvoke(
            self,
            name,
            lambda_function=fn,
            payload=sfn.TaskInput.from_object({**payload, "request_id": _REQUEST_ID, "step": name}),
            payload_response_only=True,
            result_path=result_path or _DISCARD,
            retry_on_service_exceptions=True,
            task_timeout=_CALL_TIMEOUT,
        )
        task.add_retry(errors=_RETRIED, interval=_RETRY_INTERVAL, max_attempts=4, backoff_rate=2.0)
        if name != "RecordFailure":
            task.add_catch(self._record_failure, errors=["States.ALL"], result_path="$.failure")
        return task

    def _transition(self, name: str, status: str) -> tasks.LambdaInvoke:
        return self._call(name, self._clock, {"action": "transition", "to": status})

    def _notice(self, name: str, template: str) -> tasks.LambdaInvoke:
        return self._call(name, self._notify, {"action": "notice", "template": template}, result_path="$.notice")

    def _await(
        self,
        name: str,
        step: str,
        *,
        expires: sfn.IChainable | None = None,
        unreachable: sfn.IChainable | None = None,
        withdrawable: bool = True,
    ) -> tasks.LambdaInvoke:
        """A step that waits for a person: the clock stores the task token and schedules the deadline."""
        task = tasks.LambdaInvoke(
            self,
            name,
            lambda_function=self._clock,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=sfn.TaskInput.from_object(
                {
                    "action": "await",
                    "step": step,
                    "request_id": _REQUEST_ID,
                    "token": _TASK_TOKEN,
                }
            ),
            result_path="$.decision",
            task_timeout=_WAIT_TIMEOUT,
        )
        # Parking failed (a 5xx, a crash): park again with a new token; the old one is never answered.
        task.add_retry(errors=_RETRIED, interval=_RETRY_INTERVAL, max_attempts=4, backoff_rate=2.0)
        if withdrawable:
            # the applicant may withdraw until the request is approved for signature.
            task.add_catch(self._withdrawn, errors=[_WITHDRAWN], result_path="$.cause")
        if expires is not None:
            task.add_catch(expires, errors=[_DEADLINE, "States.Timeout"], result_path="$.cause")
        if unreachable is not None:
            # the step's notice bounced: the 30-day hold replaces the step's deadline.
            task.add_catch(unreachable, errors=[_UNREACHABLE], result_path="$.cause")
        task.add_catch(self._record_failure, errors=["States.ALL"], result_path="$.failure")
        return task


def _returns_to(step: str) -> sfn.Condition:
    """Contact restored: the applicant goes back to the step they could not be told about."""
    return sfn.Condition.and_(
        sfn.Condition.is_present("$.decision.return_to"),
        sfn.Condition.string_equals("$.decision.return_to", step),
    )


#: The functions the saga invokes, by the name of ``RequestSaga``'s arguments.
_FUNCTIONS = ("clock", "sign", "notify")


def _stand_in_arn(name: str) -> str:
    """The ARN a stand-in function has while the flow is rendered; replaced by the tenant's function's ARN."""
    return f"arn:aws:lambda:us-east-1:123456789012:function:eservice-saga-stand-in-{name}"


@dataclass(frozen=True)
class _RenderedFlow:
    """The flow's Amazon States Language with stand-in function ARNs, as ``StateGraph.toGraphJson`` gives it."""

    graph: dict[str, Any]
    #: The function each invoke grant of the flow names, in the order the flow registers them.
    grants: tuple[str, ...]
    resume_targets: frozenset[str]


@functools.cache
def _rendered_flow(context: str) -> _RenderedFlow:
    """The flow built once per process (and app context, which holds CDK's feature flags) in a stack of its
    own that is never synthesized: some 60 states of every tenant's saga are hundreds of round trips to
    the jsii kernel each time (issue 14)."""
    stack = Stack(App(context=json.loads(context)), "RequestSagaFlow")
    stand_ins = {name: lambda_.Function.from_function_arn(stack, name, _stand_in_arn(name)) for name in _FUNCTIONS}
    flow = _Flow(stack, "Saga", **stand_ins)
    graph = sfn.StateGraph(flow.start.start_state, "State Machine definition")
    graph.timeout = _SAGA_TIMEOUT
    grants: list[str] = []
    for statement in graph.policy_statements:
        (name,) = {n for n in _FUNCTIONS for r in statement.resources if r.startswith(_stand_in_arn(n))}
        if statement.actions != ["lambda:InvokeFunction"]:
            raise RuntimeError(f"the saga's role grants more than invoking its functions: {statement.actions}")
        grants.append(name)
    return _RenderedFlow(
        graph=dict(graph.to_graph_json()), grants=tuple(dict.fromkeys(grants)), resume_targets=flow.resume_targets
    )


def _with_functions(value: Any, arns: dict[str, str]) -> Any:
    """``value`` with each stand-in function ARN replaced by the tenant's."""
    if isinstance(value, dict):
        return {k: _with_functions(v, arns) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_functions(v, arns) for v in value]
    if isinstance(value, str) and "eservice-saga-stand-in-" in value:
        if value not in arns:
            raise ValueError(f"a stand-in function ARN inside a longer value: {value}")
        return arns[value]
    return value


class _FlowDefinition(sfn.DefinitionBody):
    """The rendered flow with one tenant's functions: what ``ChainDefinitionBody.bind`` gives and grants."""

    def __init__(self, flow: _RenderedFlow, functions: dict[str, lambda_.IFunction], comment: str) -> None:
        super().__init__()
        self._flow = flow
        self._functions = functions
        self._comment = comment  # the state machine's, as ChainDefinitionBody reads it from its properties

    def bind(
        self,
        scope: Construct,
        sfn_principal: iam.IPrincipal,
        sfn_props: sfn.StateMachineProps | dict[str, Any],
        graph: sfn.StateGraph | None = None,
    ) -> sfn.DefinitionConfig:
        for name in self._flow.grants:  # LambdaInvoke's own grant (StateGraph.policyStatements)
            sfn_principal.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=self._functions[name].resource_arns_for_grant_invoke,
                )
            )
        arns = {_stand_in_arn(name): fn.function_arn for name, fn in self._functions.items()}
        definition = {**_with_functions(self._flow.graph, arns), "Comment": self._comment}
        return sfn.DefinitionConfig(definition_string=Stack.of(scope).to_json_string(definition))
