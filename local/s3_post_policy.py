"""S3 POST policies, enforced on the local stack as S3 enforces them.

moto stores whatever an HTML form upload (``POST /<bucket>``) carries: it checks neither the policy's
signature nor its conditions, so a 50 MiB file posted to a 5 MB slot would be kept. S3 refuses such a
request before it keeps any byte. :func:`refusal` reads the form the way S3 does and answers what S3
answers: ``EntityTooLarge``/``EntityTooSmall`` (400) for ``content-length-range``, ``AccessDenied``
(403) for an expired policy, a failed condition or a field the policy does not name,
``SignatureDoesNotMatch`` (403) for a policy not signed with the stack's key (SigV4, as boto3's
``generate_presigned_post`` signs it). Only when it answers None does moto see the request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Response

__all__ = ["is_form_upload", "refusal"]

# Form fields a policy never names (AWS: "policy", the signature, the file and x-ignore-* fields).
_UNSIGNED_FIELDS = frozenset({"policy", "x-amz-signature", "file"})


def is_form_upload(environ: Mapping[str, Any]) -> bool:
    """A browser-style POST object upload: ``POST /<bucket>`` with a multipart form (path-style URL)."""
    path = str(environ.get("PATH_INFO", "")).strip("/")
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and str(environ.get("CONTENT_TYPE", "")).lower().startswith("multipart/form-data")
        and bool(path)
        and "/" not in path
    )


def refusal(environ: dict[str, Any], *, secret_key: str | None = None) -> Response | None:
    """S3's answer to a form upload that breaks its policy, or None (the body is left readable for moto).

    ``environ["wsgi.input"]`` is replaced by an in-memory copy of the body either way.
    """
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    parsed_environ = {**environ, "wsgi.input": io.BytesIO(body)}
    _, form, files = parse_form_data(parsed_environ)
    bucket = str(environ.get("PATH_INFO", "")).strip("/")
    fields = {name.lower(): value for name, value in form.items()}
    upload = files.get("file")
    if upload is None or len(files) != 1:
        return _error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
    upload.stream.seek(0, io.SEEK_END)
    size = upload.stream.tell()
    encoded = fields.get("policy")
    if not encoded:
        # Every bucket of the stack blocks public access: an unsigned form is anonymous.
        return _error(403, "AccessDenied", "Access Denied")
    problem = _bad_signature(fields, encoded, secret_key or os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
    if problem is not None:
        return problem
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
        expiration = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        return _error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    if expiration <= datetime.now(UTC):
        return _error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    return _failed_condition(conditions, fields, bucket=bucket, size=size)


def _bad_signature(fields: Mapping[str, str], encoded: str, secret_key: str) -> Response | None:
    """SigV4 over the base64 policy: HMAC-SHA256 with the key derived from the secret, date, region, s3."""
    if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
        return _error(400, "InvalidArgument", "Only the AWS4-HMAC-SHA256 algorithm is supported.")
    parts = fields.get("x-amz-credential", "").split("/")
    if len(parts) != 5 or parts[3:] != ["s3", "aws4_request"]:
        return _error(400, "InvalidArgument", "Invalid credential in the x-amz-credential field.")
    key = f"AWS4{secret_key}".encode()
    for step in (parts[1], parts[2], "s3", "aws4_request"):
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        return _error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return None


def _failed_condition(conditions: list[Any], fields: Mapping[str, str], *, bucket: str, size: int) -> Response | None:
    named: set[str] = {"bucket"}
    for condition in conditions:
        if isinstance(condition, dict) and len(condition) == 1:
            ((name, wanted),) = condition.items()
            name = str(name).lower()
            named.add(name)
            actual = bucket if name == "bucket" else fields.get(name)
            if actual != str(wanted):
                return _condition_failed(f'["eq", "${name}", "{wanted}"]')
        elif isinstance(condition, list) and len(condition) == 3:
            operator = str(condition[0]).lower()
            if operator == "content-length-range":
                low, high = int(condition[1]), int(condition[2])
                if size > high:
                    return _error(
                        400,
                        "EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed size",
                        ProposedSize=size,
                        MaxSizeAllowed=high,
                    )
                if size < low:
                    return _error(
                        400,
                        "EntityTooSmall",
                        "Your proposed upload is smaller than the minimum allowed size",
                        ProposedSize=size,
                        MinSizeAllowed=low,
                    )
                continue
            name = str(condition[1]).lstrip("$").lower()
            named.add(name)
            actual = bucket if name == "bucket" else fields.get(name, "")
            matched = (
                actual == str(condition[2])
                if operator == "eq"
                else operator == "starts-with" and actual.startswith(str(condition[2]))
            )
            if not matched:
                return _condition_failed(json.dumps(condition))
        else:
            return _error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Simple-Condition.")
    extra = sorted(n for n in fields if n not in named and n not in _UNSIGNED_FIELDS and not n.startswith("x-ignore-"))
    if extra:
        return _error(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}")
    return None


def _condition_failed(condition: str) -> Response:
    return _error(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {condition}")


def _error(status: int, code: str, message: str, **extra: int) -> Response:
    """S3's XML error document (what boto3 and a browser's form upload see)."""
    details = "".join(f"<{name}>{value}</{name}>" for name, value in extra.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{details}"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>local</HostId></Error>"
    )
    # moto's server allows any origin (flask-cors); so does this answer, or a browser could not read it.
    return Response(body, status=status, content_type="application/xml", headers={"Access-Control-Allow-Origin": "*"})
