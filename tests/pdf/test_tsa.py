"""The RFC 3161 timestamp authority with its key in KMS, checked against the openssl CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from asn1crypto import cms, core, tsp
from moto import mock_aws

from eservice_pdf.pki import LocalPki, create_local_pki
from eservice_pdf.tsa import EXAMPLE_POLICY_OID, KmsTimeStampAuthority

REGION = "ap-southeast-1"
FIXED_NOW = dt.datetime(2026, 5, 4, 3, 2, 1, 987654, tzinfo=dt.UTC)

requires_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")


class _TimeStampResp(core.Sequence):
    # asn1crypto insists on timeStampToken, which RFC 3161 omits from rejections.
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class TsaWorld:
    kms: object
    tsa_key_id: str
    pki: LocalPki
    tsa: KmsTimeStampAuthority
    files: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsaWorld]:
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        seal_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        tsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        pki = create_local_pki(
            kms_client=kms,
            seal_key_id=seal_key,
            tsa_key_id=tsa_key,
            agency_name_th="องค์การบริหารส่วนตำบลคลองน้อย",
            agency_name_en="Khlong Noi Subdistrict Administrative Organization",
            domain="klongnoy.go.th",
        )
        files = tmp_path_factory.mktemp("tsa")
        (files / "root.pem").write_bytes(pki.pem("root_cert"))
        (files / "tsa.pem").write_bytes(pki.pem("tsa_cert"))
        tsa = KmsTimeStampAuthority(
            kms_client=kms, key_id=tsa_key, tsa_cert=pki.tsa_cert, policy_oid=EXAMPLE_POLICY_OID
        )
        yield TsaWorld(kms=kms, tsa_key_id=tsa_key, pki=pki, tsa=tsa, files=files)


def openssl(command: str, *, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *shlex.split(command)], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
    )


def request_der(digest: bytes, algorithm: str = "sha256", *, nonce: int | None = 42, cert_req: bool = True) -> bytes:
    fields: dict[str, object] = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
        "cert_req": cert_req,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    return tsp.TimeStampReq(fields).dump()


def status_of(response: bytes) -> tuple[str, set[str]]:
    status = _TimeStampResp.load(response)["status"]
    return status["status"].native, set(status["fail_info"].native or ())


def tst_info_of(response: bytes) -> tsp.TSTInfo:
    token = tsp.TimeStampResp.load(response)["time_stamp_token"]
    info: tsp.TSTInfo = token["content"]["encap_content_info"]["content"].parsed
    return info


@requires_openssl
def test_given_an_openssl_query_when_the_tsa_responds_then_openssl_reads_and_verifies_the_reply(
    world: TsaWorld,
) -> None:
    files = world.files
    (files / "document.txt").write_bytes("ใบอนุญาตเลขที่ 1/2569".encode())
    query = openssl("ts -query -data document.txt -sha256 -cert -out req.tsq", cwd=files)
    assert query.returncode == 0, query.stderr

    (files / "resp.tsr").write_bytes(world.tsa.respond((files / "req.tsq").read_bytes()))

    text = openssl("ts -reply -in resp.tsr -text", cwd=files)
    assert text.returncode == 0, text.stderr
    assert "Status: Granted." in text.stdout
    assert f"Policy OID: {EXAMPLE_POLICY_OID}" in text.stdout
    assert "Accuracy: 0x01 seconds" in text.stdout
    for check in ("-data document.txt", "-queryfile req.tsq"):  # the imprint, then imprint + nonce
        verified = openssl(f"ts -verify {check} -in resp.tsr -CAfile root.pem -untrusted tsa.pem", cwd=files)
        assert "Verification: OK" in verified.stdout, verified.stdout + verified.stderr


@requires_openssl
def test_given_a_sha512_query_without_nonce_when_the_tsa_responds_then_openssl_verifies_it(
    world: TsaWorld,
) -> None:
    files = world.files
    (files / "other.txt").write_bytes(b"fee invoice 2569-000123")
    openssl("ts -query -data other.txt -sha512 -no_nonce -cert -out q512.tsq", cwd=files)

    (files / "r512.tsr").write_bytes(world.tsa.respond((files / "q512.tsq").read_bytes()))

    verified = openssl("ts -verify -queryfile q512.tsq -in r512.tsr -CAfile root.pem -untrusted tsa.pem", cwd=files)
    assert "Verification: OK" in verified.stdout, verified.stdout + verified.stderr
    assert tst_info_of((files / "r512.tsr").read_bytes())["nonce"].native is None


@requires_openssl
def test_given_sha1_or_a_foreign_policy_when_openssl_asks_then_the_tsa_rejects_with_the_rfc_code(
    world: TsaWorld,
) -> None:
    files = world.files
    (files / "weak.txt").write_bytes(b"x")
    openssl("ts -query -data weak.txt -sha1 -out sha1.tsq", cwd=files)
    openssl("ts -query -data weak.txt -sha256 -tspolicy 1.2.3.4 -out pol.tsq", cwd=files)

    sha1_response = world.tsa.respond((files / "sha1.tsq").read_bytes())
    policy_response = world.tsa.respond((files / "pol.tsq").read_bytes())

    assert status_of(sha1_response) == ("rejection", {"bad_alg"})
    assert status_of(policy_response) == ("rejection", {"unaccepted_policy"})
    (files / "sha1.tsr").write_bytes(sha1_response)
    text = openssl("ts -reply -in sha1.tsr -text", cwd=files)
    assert "Status: Rejected." in text.stdout


@pytest.mark.parametrize(
    ("request_bytes", "fail_info"),
    [
        (b"\x00garbage, not DER", "bad_data_format"),
        (b"", "bad_data_format"),
        (request_der(b"\x01" * 20, "sha256"), "bad_data_format"),  # a SHA-1-sized digest labelled SHA-256
        (request_der(b"\x01" * 16, "md5"), "bad_alg"),
        (request_der(b"\x01" * 32) + b"trailing", "bad_data_format"),
    ],
    ids=["garbage", "empty", "wrong-length", "md5", "trailing-bytes"],
)
def test_given_a_bad_request_when_the_tsa_responds_then_it_rejects_instead_of_raising(
    world: TsaWorld, request_bytes: bytes, fail_info: str
) -> None:
    response = world.tsa.respond(request_bytes)

    assert status_of(response) == ("rejection", {fail_info})


def test_given_a_nonce_and_cert_req_when_the_tsa_responds_then_the_nonce_is_echoed_and_the_cert_sent(
    world: TsaWorld,
) -> None:
    digest = hashlib.sha256(b"request 123").digest()

    with_cert = world.tsa.respond(request_der(digest, nonce=0x1234567890ABCDEF, cert_req=True))
    without_cert = world.tsa.respond(request_der(digest, nonce=7, cert_req=False))

    assert tst_info_of(with_cert)["nonce"].native == 0x1234567890ABCDEF
    assert tst_info_of(with_cert)["message_imprint"]["hashed_message"].native == digest
    token_with = tsp.TimeStampResp.load(with_cert)["time_stamp_token"]["content"]
    token_without = tsp.TimeStampResp.load(without_cert)["time_stamp_token"]["content"]
    assert [c.chosen.sha256 for c in token_with["certificates"]] == [world.pki.tsa_cert.sha256]
    assert not token_without["certificates"]


def test_given_an_injected_clock_and_serial_source_when_tokens_are_issued_then_both_are_used(
    world: TsaWorld,
) -> None:
    serials = iter([1001, 1002])
    tsa = KmsTimeStampAuthority(
        kms_client=world.kms,
        key_id=world.tsa_key_id,
        tsa_cert=world.pki.tsa_cert,
        policy_oid=EXAMPLE_POLICY_OID,
        clock=lambda: FIXED_NOW,
        serial_source=lambda: next(serials),
    )
    digest = hashlib.sha256(b"x").digest()

    first = tst_info_of(tsa.respond(request_der(digest)))
    second = tst_info_of(tsa.respond(request_der(digest)))

    assert [first["serial_number"].native, second["serial_number"].native] == [1001, 1002]
    assert first["gen_time"].native == FIXED_NOW.replace(microsecond=0)
    assert first["accuracy"]["seconds"].native == 1
    assert tsa.kms_calls == 2


def test_given_the_default_serial_source_when_many_tokens_are_issued_then_serials_are_unique(
    world: TsaWorld,
) -> None:
    digest = hashlib.sha256(b"y").digest()

    serials = {tst_info_of(world.tsa.respond(request_der(digest)))["serial_number"].native for _ in range(20)}

    assert len(serials) == 20
    assert all(0 < s < 2**160 for s in serials)


def test_given_kms_refuses_to_sign_when_a_request_arrives_then_the_reply_is_a_system_failure(
    world: TsaWorld,
) -> None:
    broken = KmsTimeStampAuthority(
        kms_client=world.kms,
        key_id="alias/does-not-exist",
        tsa_cert=world.pki.tsa_cert,
        policy_oid=EXAMPLE_POLICY_OID,
    )

    response = broken.respond(request_der(hashlib.sha256(b"z").digest()))

    assert status_of(response) == ("rejection", {"system_failure"})


def test_given_the_tsa_certificate_then_its_extended_key_usage_is_critical_time_stamping_only(
    world: TsaWorld,
) -> None:
    extensions = {e["extn_id"].native: e for e in world.pki.tsa_cert["tbs_certificate"]["extensions"]}

    eku = extensions["extended_key_usage"]
    assert eku["critical"].native is True
    assert eku["extn_value"].native == ["time_stamping"]


def test_given_the_in_process_timestamper_when_pyhanko_requests_a_token_then_it_gets_one_from_our_tsa(
    world: TsaWorld,
) -> None:
    from pyhanko.sign.timestamps import TimeStamper

    from eservice_pdf.tsa import InProcessTimeStamper

    stamper = InProcessTimeStamper(authority=world.tsa)
    digest = hashlib.sha256(b"sealed document").digest()

    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))

    assert isinstance(stamper, TimeStamper)
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    assert tst_info["message_imprint"]["hashed_message"].native == digest


def test_given_a_fresh_interpreter_when_the_clock_imports_the_tsa_then_pyhanko_stays_unloaded() -> None:
    code = (
        "import sys, eservice_pdf.tsa; "
        "print(sorted(m for m in ('pyhanko', 'aiohttp', 'boto3', 'cryptography') if m in sys.modules))"
    )

    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert loaded.stdout.strip() == "[]"
