"""Adapters to AWS services used by the functions (the domain never imports boto3).

Clients are created once per process and only when first used, so importing this module is cheap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

__all__ = [
    "QUARANTINE_CONTENT_TYPE",
    "SCAN_STATUS_TAG",
    "Saga",
    "Uploads",
    "client",
    "invoke_function",
    "is_transient",
    "quarantine_location",
    "transient_errors_retried",
]

#: AWS error codes worth retrying: the saga retries ``TransientError`` with backoff, nothing else.
_TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "ServiceUnavailable",
        "InternalServerError",
        "SlowDown",
        "KMSInternalException",
        "InternalFailure",
        "InternalServerException",
        "ServiceUnavailableException",
        "LimitExceededException",
    }
)


#: The tag GuardDuty Malware Protection for S3 puts on each object it scanned (and the local stand-in too).
SCAN_STATUS_TAG = "GuardDutyMalwareScanStatus"
#: What an unchecked upload is stored as: never rendered by a browser, whatever the file really is.
QUARANTINE_CONTENT_TYPE = "application/octet-stream"


@cache
def client(service: str) -> Any:
    """A boto3 client, one per service per process (``AWS_ENDPOINT_URL`` points it at moto locally)."""
    import boto3

    if service == "s3":
        from botocore.config import Config

        # Presigned URLs and POST policies signed with SigV4: buckets created since 2020 and KMS-encrypted
        # objects accept nothing else (botocore would otherwise sign a POST policy with SigV2).
        return boto3.client("s3", config=Config(signature_version="s3v4"))
    return boto3.client(service)  # type: ignore[call-overload]


#: Where an unchecked upload lands, under the stack's uploads bucket or the cell's quarantine bucket.
QUARANTINE_PREFIX = "quarantine/"


def quarantine_location(bucket: str, key: str, *, quarantine_bucket: str = "", tenant_id: str = "") -> tuple[str, str]:
    """The bucket and key an upload's key names (issue 14).

    A silo stack keeps unchecked uploads under ``quarantine/`` of its own uploads bucket, where its own
    GuardDuty plan scans them. A cell scans one shared quarantine bucket for every agency (GuardDuty allows
    25 protected buckets an account): there an agency's ``quarantine/...`` key lives under its tenant id,
    the only prefix its functions may touch. Every other key (``clean/``...) is in the agency's own bucket.
    """
    if quarantine_bucket and key.startswith(QUARANTINE_PREFIX):
        return quarantine_bucket, f"{tenant_id}/{key}"
    return bucket, key


class Uploads:
    """Attachment files: presigned uploads to quarantine, checked copies under ``clean/``."""

    def __init__(
        self,
        *,
        bucket: str,
        s3: Any | None = None,
        retain_days: int | None = None,
        quarantine_bucket: str = "",
        tenant_id: str = "",
    ) -> None:
        self.bucket = bucket
        self._given_s3 = s3
        #: R-4.8: accepted files are locked (Object Lock, governance mode) for this many days.
        self.retain_days = retain_days
        #: A cell's shared quarantine bucket (see ``quarantine_location``); empty: this bucket's quarantine/.
        self._quarantine = {"quarantine_bucket": quarantine_bucket, "tenant_id": tenant_id}
        assert tenant_id or not quarantine_bucket, "a shared quarantine bucket needs the tenant's prefix"

    def _at(self, key: str) -> dict[str, str]:
        bucket, located = quarantine_location(self.bucket, key, **self._quarantine)
        return {"Bucket": bucket, "Key": located}

    def _absent(self, exc: Exception, key: str) -> bool:
        """Whether an S3 error says nothing is stored at ``key``. In a cell's shared quarantine bucket an
        agency may not list the bucket (other agencies' keys), and S3 then answers a missing key with
        403 rather than 404 (documented for GetObject and HeadObject without s3:ListBucket)."""
        text = str(exc)
        if "NoSuchKey" in text or "Not Found" in text or "404" in text:
            return True
        shared = self._at(key)["Bucket"] != self.bucket
        return shared and ("AccessDenied" in text or "Forbidden" in text or "403" in text)

    @property
    def _s3(self) -> Any:
        # This process's client unless one was given, made by the first call that needs it: a function's use
        # cases are wired on its first request, which may never touch S3 (issue 14, cold start).
        return self._given_s3 if self._given_s3 is not None else client("s3")

    def presign_post(
        self, key: str, *, max_bytes: int, content_type: str = QUARANTINE_CONTENT_TYPE, expires_in: int = 900
    ) -> dict[str, Any]:
        """A short-lived HTML form upload (S3 POST policy) to the key the server chose.

        S3 itself enforces the slot's size (``content-length-range``, 400 EntityTooLarge before anything is
        kept), the key and the stored Content-Type: the browser cannot choose a name or a type that an
        officer's browser would later render. Returns ``{"url", "fields"}``; the file goes last in the form.
        """
        fields = {"Content-Type": content_type}
        conditions: list[Any] = [
            {"Content-Type": content_type},
            ["content-length-range", 0, max_bytes],
        ]
        post = self._s3.generate_presigned_post(
            **self._at(key), Fields=fields, Conditions=conditions, ExpiresIn=expires_in
        )
        return {"url": str(post["url"]), "fields": dict(post["fields"])}

    def scan_status(self, key: str) -> str | None:
        """GuardDuty Malware Protection's verdict on the object (its ``GuardDutyMalwareScanStatus`` tag):
        ``NO_THREATS_FOUND``, ``THREATS_FOUND``, ``UNSUPPORTED``, ``ACCESS_DENIED``, ``FAILED``; None while
        the scan has not finished (or nothing was uploaded)."""
        try:
            tags = self._s3.get_object_tagging(**self._at(key))["TagSet"]
        except self._s3.exceptions.NoSuchKey:
            return None
        except Exception as exc:
            if self._absent(exc, key):
                return None
            raise
        return next((str(t["Value"]) for t in tags if t["Key"] == SCAN_STATUS_TAG), None)

    def read(self, key: str, *, max_bytes: int) -> bytes | None:
        """The object's bytes (at most ``max_bytes + 1``), or None if nothing was uploaded."""
        try:
            response = self._s3.get_object(**self._at(key), Range=f"bytes=0-{max_bytes}")
        except self._s3.exceptions.NoSuchKey:
            return None
        except Exception as exc:  # moto and S3 answer a missing key on a ranged GET differently
            if "InvalidRange" in str(exc):
                # A range of an empty object is "not satisfiable": an empty upload, not a missing one.
                return b"" if self.size(key) == 0 else None
            if self._absent(exc, key):
                return None
            raise
        return bytes(response["Body"].read())

    def size(self, key: str) -> int | None:
        """The object's size, or None if nothing was uploaded."""
        try:
            return int(self._s3.head_object(**self._at(key))["ContentLength"])
        except Exception as exc:
            if self._absent(exc, key):
                return None
            raise

    def copy(self, source_key: str, target_key: str, *, content_type: str) -> None:
        """Copy a checked file to its accepted place, with its real content type."""
        self._s3.copy_object(
            Bucket=self.bucket,
            Key=target_key,
            CopySource=self._at(source_key),
            ContentType=content_type,
            MetadataDirective="REPLACE",
        )
        if self.retain_days:
            # The evidence is protected like issued documents: a governance-mode retention on the accepted
            # copy (PutObjectRetention carries the checksum S3 requires; a copy with lock headers would not).
            until = (datetime.now(UTC) + timedelta(days=self.retain_days)).replace(microsecond=0)
            self._s3.put_object_retention(
                Bucket=self.bucket, Key=target_key, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until}
            )

    def presign_get(self, key: str, *, file_name: str, expires_in: int = 300) -> str:
        """A short-lived download link."""
        return str(
            self._s3.generate_presigned_url(
                "get_object",
                Params={
                    **self._at(key),
                    "ResponseContentDisposition": f"attachment; filename*=UTF-8''{_quote(file_name)}",
                },
                ExpiresIn=expires_in,
            )
        )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


class Saga:
    """The request saga in Step Functions (the ``Executions`` port): start, look up, answer."""

    def __init__(self, *, state_machine_arn: str, sfn: Any | None = None) -> None:
        self.state_machine_arn = state_machine_arn
        self._given_sfn = sfn

    @property
    def _sfn(self) -> Any:
        # Made by the first call that needs it, like ``Uploads._s3`` (issue 14, cold start).
        return self._given_sfn if self._given_sfn is not None else client("stepfunctions")

    def _execution_arn(self, name: str) -> str:
        return f"{self.state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"

    def start(self, name: str, request_id: str, *, resume: bool = False) -> str:
        """Start an execution named ``name``; a second start of the same name is a no-op."""
        try:
            response = self._sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=name,
                input=json.dumps({"request_id": request_id, "resume": resume}),
            )
            return str(response["executionArn"])
        except self._sfn.exceptions.ExecutionAlreadyExists:
            return self._execution_arn(name)

    def status(self, name: str) -> str | None:
        """The execution's status, or None if there is none of that name."""
        try:
            return str(self._sfn.describe_execution(executionArn=self._execution_arn(name))["status"])
        except self._sfn.exceptions.ExecutionDoesNotExist:
            return None

    def succeed(self, token: str, output: Mapping[str, Any]) -> None:
        """Complete a waiting step; TokenGone if the saga no longer waits on it."""
        with _token_errors():
            self._sfn.send_task_success(taskToken=token, output=json.dumps(dict(output)))

    def fail(self, token: str, *, error: str, cause: str) -> None:
        """Fail a waiting step (a deadline passed, the applicant withdrew)."""
        with _token_errors():
            self._sfn.send_task_failure(taskToken=token, error=error, cause=cause)

    def ended_badly(self) -> list[str]:
        """Executions that failed, timed out or were aborted, the most recently stopped first.

        Every page: the sweeper skips those it resumed before, so a cut-off here would hide the rest for
        ever once more than that many stopped at once (a restart, an outage). Step Functions keeps closed
        executions 90 days, which bounds the list.
        """
        found: list[dict[str, Any]] = []
        paginator = self._sfn.get_paginator("list_executions")
        for status in ("FAILED", "TIMED_OUT", "ABORTED"):
            found += [
                e
                for page in paginator.paginate(stateMachineArn=self.state_machine_arn, statusFilter=status)
                for e in page.get("executions", [])
            ]
        # A service that lists oldest first (moto) must not put new failures last.
        found.sort(key=lambda e: e.get("stopDate") or e["startDate"], reverse=True)
        return [e["name"] for e in found]


@contextmanager
def _token_errors() -> Iterator[None]:
    from botocore.exceptions import ClientError

    from .errors import TokenGone

    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            raise TokenGone(exc.response["Error"]["Code"]) from exc
        raise


def invoke_function(function_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Call another function of the stack synchronously and return its JSON answer."""
    response = client("lambda").invoke(
        FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
    )
    body = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise RuntimeError(f"{function_name} failed: {body.get('errorType') if isinstance(body, dict) else body}")
    return body if isinstance(body, dict) else {"result": body}


def is_transient(exc: Exception) -> bool:
    """Throttling, a busy service, or any AWS 5xx: worth retrying with backoff."""
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    code = exc.response.get("Error", {}).get("Code")
    if code == "TransactionCanceledException":
        # Cancelled by a concurrent transaction or throttling (not by our own condition): retry.
        reasons = {r.get("Code") for r in exc.response.get("CancellationReasons") or []}
        return bool(reasons & {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
    return code in _TRANSIENT_CODES or status >= 500


def transient_errors_retried(function: Any) -> Any:
    """Re-raise throttling and AWS 5xx errors as ``TransientError`` so the saga retries only those,
    also when a library wrapped them (pyHanko's signer wraps a throttled ``kms:Sign``)."""
    import functools

    from .errors import TransientError

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            cause: BaseException | None = exc
            seen = 0
            while cause is not None and seen < 10:
                if isinstance(cause, Exception) and is_transient(cause):
                    raise TransientError(f"{type(cause).__name__}: {cause}") from exc
                cause = cause.__cause__ or cause.__context__
                seen += 1
            raise

    return wrapper
