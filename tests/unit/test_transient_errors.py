"""Only throttling and busy-service errors become retryable for the saga (issue: saga robustness)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from eservice.aws import transient_errors_retried
from eservice.errors import TransientError


def _failing(code: str):
    @transient_errors_retried
    def step() -> None:
        raise ClientError({"Error": {"Code": code, "Message": "x"}}, "PutItem")

    return step


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException", "SlowDown"])
def test_given_a_throttled_call_then_the_step_raises_a_retryable_transient_error(code):
    with pytest.raises(TransientError):
        _failing(code)()


@pytest.mark.parametrize("code", ["ConditionalCheckFailedException", "AccessDeniedException", "ValidationException"])
def test_given_a_permanent_error_then_it_is_not_retried(code):
    with pytest.raises(ClientError):
        _failing(code)()


def test_given_a_successful_step_then_its_answer_passes_through():
    assert transient_errors_retried(lambda x: x + 1)(1) == 2


@pytest.mark.parametrize(
    ("code", "status"), [("InternalServerError", 500), ("InternalFailure", 500), ("Whatever", 503)]
)
def test_given_an_aws_5xx_then_the_step_is_retried(code, status):
    @transient_errors_retried
    def step() -> None:
        raise ClientError(
            {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "X"
        )

    with pytest.raises(TransientError):
        step()


def test_given_a_library_that_wraps_a_throttled_call_then_it_is_still_retried():
    class SigningFailed(RuntimeError):
        pass

    @transient_errors_retried
    def seal() -> None:
        try:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Sign")
        except ClientError as exc:
            raise SigningFailed("kms:Sign failed") from exc

    with pytest.raises(TransientError):
        seal()
