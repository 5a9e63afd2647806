"""The local stack's S3 POST policy enforcement and malware-scan stand-in, without starting the stack.

moto keeps whatever a form upload carries; ``local.s3_post_policy`` must refuse what S3 refuses, from a
real policy signed by boto3 (``generate_presigned_post``), and ``local.malware_scan`` must give the
verdict GuardDuty gives for the EICAR test file.
"""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from botocore.config import Config
from werkzeug.test import EnvironBuilder

from local.malware_scan import EICAR, verdict
from local.s3_post_policy import is_form_upload, refusal

SECRET = "local-test-secret"
BUCKET = "uploads-bucket"
LIMIT = 1024


def _signed_form(key: str = "quarantine/D1/F1", expires_in: int = 900) -> dict[str, Any]:
    s3 = boto3.client(
        "s3",
        region_name="ap-southeast-1",
        endpoint_url="http://127.0.0.1:1",
        aws_access_key_id="local",
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4"),
    )
    return dict(
        s3.generate_presigned_post(
            Bucket=BUCKET,
            Key=key,
            Fields={"Content-Type": "application/octet-stream"},
            Conditions=[{"Content-Type": "application/octet-stream"}, ["content-length-range", 0, LIMIT]],
            ExpiresIn=expires_in,
        )
    )


def _environ(fields: dict[str, str], data: bytes, *, bucket: str = BUCKET) -> dict[str, Any]:
    builder = EnvironBuilder(path=f"/{bucket}", method="POST", data={**fields, "file": (io.BytesIO(data), "id.pdf")})
    return dict(builder.get_environ())


def _answer(environ: dict[str, Any]) -> tuple[int, str] | None:
    response = refusal(environ, secret_key=SECRET)
    return None if response is None else (response.status_code, response.get_data(as_text=True))


def test_given_a_file_within_the_range_then_s3_would_keep_it_and_the_body_is_left_for_moto() -> None:
    environ = _environ(_signed_form()["fields"], b"x" * LIMIT)

    assert is_form_upload(environ)
    assert _answer(environ) is None
    assert b"x" * LIMIT in environ["wsgi.input"].read()


def test_given_a_file_over_the_range_then_entity_too_large_with_both_sizes() -> None:
    answer = _answer(_environ(_signed_form()["fields"], b"x" * (LIMIT + 1)))

    assert answer is not None
    status, body = answer
    assert status == 400
    assert "<Code>EntityTooLarge</Code>" in body
    assert f"<ProposedSize>{LIMIT + 1}</ProposedSize>" in body and f"<MaxSizeAllowed>{LIMIT}</MaxSizeAllowed>" in body


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"key": "clean/D1/F1"}, "AccessDenied"),
        ({"Content-Type": "text/html"}, "AccessDenied"),
        ({"x-amz-meta-extra": "1"}, "AccessDenied"),
        ({"x-amz-signature": "0" * 64}, "SignatureDoesNotMatch"),
    ],
    ids=["other key", "other type", "extra field", "forged signature"],
)
def test_given_a_form_that_differs_from_its_policy_then_403(change: dict[str, str], code: str) -> None:
    answer = _answer(_environ({**_signed_form()["fields"], **change}, b"%PDF-1.7"))

    assert answer is not None and answer[0] == 403 and f"<Code>{code}</Code>" in answer[1]


def test_given_another_bucket_or_an_expired_policy_then_403() -> None:
    other_bucket = _answer(_environ(_signed_form()["fields"], b"%PDF", bucket="documents-bucket"))
    expired = _answer(_environ(_signed_form(expires_in=-60)["fields"], b"%PDF"))

    assert other_bucket is not None and other_bucket[0] == 403 and "Policy Condition failed" in other_bucket[1]
    assert expired is not None and expired[0] == 403 and "Policy expired" in expired[1]


def test_given_a_put_or_a_keyed_post_then_it_is_not_a_form_upload() -> None:
    put = dict(EnvironBuilder(path=f"/{BUCKET}/quarantine/x", method="PUT", data=b"x").get_environ())
    delete_objects = dict(EnvironBuilder(path=f"/{BUCKET}", method="POST", data=b"<Delete/>").get_environ())

    assert not is_form_upload(put)
    assert not is_form_upload(delete_objects)


def test_given_the_eicar_test_file_then_the_stand_in_finds_a_threat_and_other_files_are_clean() -> None:
    assert verdict(EICAR) == "THREATS_FOUND"
    assert verdict(b"prefix " + EICAR + b" suffix") == "THREATS_FOUND"
    assert verdict(b"%PDF-1.7 an ordinary file") == "NO_THREATS_FOUND"
