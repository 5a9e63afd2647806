"""Where an upload's key lives: a silo's own uploads bucket, or a cell's shared quarantine bucket (issue 14, Q9.2)."""

from __future__ import annotations

from typing import Any

import pytest

from eservice.aws import Uploads, quarantine_location


def test_given_a_silo_stack_then_every_key_stays_in_its_own_uploads_bucket() -> None:
    assert quarantine_location("own", "quarantine/D1/F1") == ("own", "quarantine/D1/F1")
    assert quarantine_location("own", "clean/D1/F1") == ("own", "clean/D1/F1")


def test_given_a_cell_then_unchecked_uploads_go_under_the_agency_prefix_of_the_shared_bucket() -> None:
    shared = {"quarantine_bucket": "cell-q", "tenant_id": "klongnoy"}

    assert quarantine_location("own", "quarantine/D1/F1", **shared) == ("cell-q", "klongnoy/quarantine/D1/F1")
    assert quarantine_location("own", "clean/D1/F1", **shared) == ("own", "clean/D1/F1")


class _S3:
    """What S3 answers an agency that may not list the shared bucket: 403 for a missing key."""

    def __init__(self, error: str) -> None:
        self.error = error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def head_object(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("head_object", params))
        raise RuntimeError(self.error)

    def copy_object(self, **params: Any) -> None:
        self.calls.append(("copy_object", params))


def test_given_a_missing_upload_in_the_shared_quarantine_then_403_means_nothing_was_uploaded() -> None:
    s3 = _S3("An error occurred (403) when calling the HeadObject operation: Forbidden")
    uploads = Uploads(bucket="own", s3=s3, quarantine_bucket="cell-q", tenant_id="klongnoy")

    assert uploads.size("quarantine/D1/F1") is None
    assert s3.calls == [("head_object", {"Bucket": "cell-q", "Key": "klongnoy/quarantine/D1/F1"})]


def test_given_a_403_on_the_agencys_own_bucket_then_it_is_an_error_not_a_missing_file() -> None:
    uploads = Uploads(bucket="own", s3=_S3("(403) Forbidden"), quarantine_bucket="cell-q", tenant_id="klongnoy")

    with pytest.raises(RuntimeError, match="403"):
        uploads.size("clean/D1/F1")


def test_given_a_checked_upload_in_a_cell_then_it_is_copied_from_the_shared_quarantine_into_the_own_bucket() -> None:
    s3 = _S3("")
    uploads = Uploads(bucket="own", s3=s3, quarantine_bucket="cell-q", tenant_id="klongnoy")

    uploads.copy("quarantine/D1/F1", "clean/D1/F1", content_type="application/pdf")

    ((_, params),) = s3.calls
    assert params["Bucket"] == "own" and params["Key"] == "clean/D1/F1"
    assert params["CopySource"] == {"Bucket": "cell-q", "Key": "klongnoy/quarantine/D1/F1"}
