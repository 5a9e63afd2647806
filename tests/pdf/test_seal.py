"""PAdES B-LTA seals with the KMS agency key: sign, re-read, validate, check independently, tamper."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import shutil
import subprocess
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import boto3
import pytest
from fpdf import FPDF
from moto import mock_aws
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.validation import (
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from eservice_pdf import seal as seal_module
from eservice_pdf.kms_signer import KmsSigner
from eservice_pdf.pki import LocalPki, agency_csr, agency_subject, create_local_pki
from eservice_pdf.seal import SealError, SealVerificationError, _check_dss, seal_pdf, seal_pdf_basic
from eservice_pdf.tsa import EXAMPLE_POLICY_OID, InProcessTimeStamper, KmsTimeStampAuthority
from eservice_pdf.verify import verify_pdf

REGION = "ap-southeast-1"
AGENCY_TH = "องค์การบริหารส่วนตำบลคลองน้อย"
AGENCY_EN = "Khlong Noi Subdistrict Administrative Organization"

requires_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")


@dataclass(frozen=True)
class SealWorld:
    kms: object
    seal_key_id: str
    tsa_key_id: str
    pki: LocalPki
    signer: KmsSigner
    tsa: KmsTimeStampAuthority
    timestamper: InProcessTimeStamper
    pdf: bytes
    sealed: bytes
    files: Path

    def seal(self, pdf: bytes, *, pki: LocalPki | None = None, signer: KmsSigner | None = None) -> bytes:
        pki = pki or self.pki
        return seal_pdf(
            pdf,
            signer=signer or self.signer,
            timestamper=self.timestamper,
            pki_roots=pki.trust_roots,
            crls=pki.crls,
            reason="ออกใบอนุญาตตามคำขอเลขที่ 2569/000123",
            location="klongnoy.go.th",
            contact="saraban@klongnoy.go.th",
        )


def rendered_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_compression(False)  # plain content streams, so a test can flip a byte of visible text
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Licence No. 2569/000123 - Khlong Noi SAO")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SealWorld]:
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        seal_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        tsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        pki = create_local_pki(
            kms_client=kms,
            seal_key_id=seal_key,
            tsa_key_id=tsa_key,
            agency_name_th=AGENCY_TH,
            agency_name_en=AGENCY_EN,
            domain="klongnoy.go.th",
        )
        tsa = KmsTimeStampAuthority(
            kms_client=kms,
            key_id=tsa_key,
            tsa_cert=pki.tsa_cert,
            chain=[pki.root_cert],
            policy_oid=EXAMPLE_POLICY_OID,
        )
        timestamper = InProcessTimeStamper(authority=tsa)
        signer = KmsSigner(kms_client=kms, key_id=seal_key, signing_cert=pki.agency_cert, chain=[pki.root_cert])
        pdf = rendered_pdf()
        files = tmp_path_factory.mktemp("seal")
        (files / "root.pem").write_bytes(pki.pem("root_cert"))
        (files / "tsa.pem").write_bytes(pki.pem("tsa_cert"))
        (files / "root_and_crl.pem").write_bytes(pki.pem("root_cert") + pki.pem("crl"))
        partial = SealWorld(kms, seal_key, tsa_key, pki, signer, tsa, timestamper, pdf, b"", files)
        yield SealWorld(kms, seal_key, tsa_key, pki, signer, tsa, timestamper, pdf, partial.seal(pdf), files)


def openssl(command: str, *, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *shlex.split(command)], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
    )


def signed_bytes(pdf: bytes, sig: EmbeddedPdfSignature) -> bytes:
    start1, length1, start2, length2 = (int(x) for x in sig.byte_range)
    return pdf[start1 : start1 + length1] + pdf[start2 : start2 + length2]


def signatures_of(pdf: bytes) -> list[EmbeddedPdfSignature]:
    return list(PdfFileReader(BytesIO(pdf)).embedded_signatures)


# --- sealing, validated by pyHanko directly --------------------------------------------------------


def test_given_a_rendered_pdf_when_sealed_then_pyhanko_validates_a_b_lta_seal(world: SealWorld) -> None:
    reader = PdfFileReader(BytesIO(world.sealed))
    seal, archive = reader.embedded_signatures
    context = ValidationContext(trust_roots=[world.pki.root_cert], crls=[world.pki.crl], revocation_mode="require")

    status = validate_pdf_signature(seal, context)
    archive_status = validate_pdf_timestamp(archive, validation_context=context)

    assert status.bottom_line and status.trusted and status.intact and status.valid
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    # Only the DSS and the document timestamp come after the seal.
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    assert seal.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert seal.sig_object["/Reason"] == "ออกใบอนุญาตตามคำขอเลขที่ 2569/000123"
    assert archive.sig_object_type == "/DocTimeStamp"
    assert archive_status.trusted and archive_status.intact and archive_status.valid
    assert archive_status.modification_level == ModificationLevel.NONE
    assert archive_status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert len(reader.root["/DSS"]["/CRLs"]) == 1  # B-LT: revocation data embedded


def test_given_a_sealed_pdf_when_verified_then_the_report_is_valid_with_thai_names_and_both_timestamps(
    world: SealWorld,
) -> None:
    report = verify_pdf(world.sealed, trust_roots=world.pki.trust_roots)

    assert report.summary == "valid" and report.signed and not report.modified_after_signing
    seal, archive = report.signatures
    assert seal.signer_organization == AGENCY_TH
    assert seal.signer_common_name == AGENCY_EN
    assert AGENCY_TH in (seal.signer_subject or "")
    assert seal.bottom_line and seal.trusted and seal.intact and seal.timestamp_valid
    assert seal.signing_time is not None and seal.timestamp_time is not None
    assert abs((seal.timestamp_time - seal.signing_time).total_seconds()) < 60
    assert seal.modification_level == "LTA_UPDATES"
    assert archive.is_document_timestamp and archive.modification_level == "NONE" and archive.bottom_line
    as_json = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    assert as_json["signatures"][0]["signer_organization"] == AGENCY_TH


def test_given_a_warm_timestamper_when_one_document_is_sealed_then_kms_is_called_three_times(
    world: SealWorld,
) -> None:
    seal_calls, tsa_calls = world.signer.kms_calls, world.tsa.kms_calls

    world.seal(world.pdf)

    assert world.signer.kms_calls - seal_calls == 1  # the seal signature (dry runs cost nothing)
    assert world.tsa.kms_calls - tsa_calls == 2  # signature timestamp + document timestamp


def test_given_our_own_tsa_when_sealed_then_each_contents_is_the_exact_size_of_its_cms(world: SealWorld) -> None:
    # Issue 14 (seal speed): no 50% of hex zeros for every reader to parse one character at a time.
    for sig in signatures_of(world.sealed):
        contents = sig.sig_object["/Contents"]
        assert len(contents) == len(sig.pkcs7_content) == len(sig.signed_data.dump()) + 15  # ContentInfo header
        assert not contents.endswith(b"\x00")


def test_given_an_earlier_seal_when_sealing_again_then_contents_is_pyhankos_estimate_without_its_dry_run(
    world: SealWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14 (seal speed): pyHanko's dry run builds a whole CMS to size /Contents; with fixed-size
    # tokens its answer never changes, so later seals reuse the size of a seal that passed the check.
    seal_module._forget_reserved_size(world.signer)
    estimated = signatures_of(world.seal(world.pdf))[0]  # sized by pyHanko's dry run

    def no_dry_run(*_: object, **__: object) -> int:
        raise AssertionError("pyHanko's dry run ran")

    monkeypatch.setattr(PdfSigningSession, "estimate_signature_container_size", no_dry_run)
    reused = signatures_of(world.seal(world.pdf))[0]

    assert reused.byte_range[2] - reused.byte_range[1] == estimated.byte_range[2] - estimated.byte_range[1]
    assert len(reused.sig_object["/Contents"]) == len(reused.signed_data.dump()) + 15  # exact, no padding


def test_given_a_remembered_size_too_small_when_sealing_then_it_seals_again_with_room_and_forgets_it(
    world: SealWorld,
) -> None:
    seal_module._reserved_sizes.setdefault(world.signer, weakref.WeakKeyDictionary())[world.timestamper] = 2000
    seal_calls = world.signer.kms_calls

    sealed = world.seal(world.pdf)

    assert world.signer.kms_calls - seal_calls == 2  # the remembered fit failed, the second try had room
    assert verify_pdf(sealed, trust_roots=world.pki.trust_roots, revocation_mode="require").summary == "valid"
    assert seal_module._reserved_size(world.signer, world.timestamper) is None


def test_given_a_tsa_whose_tokens_grow_after_the_first_when_sealing_then_it_seals_again_with_room(
    world: SealWorld,
) -> None:
    serials = iter([1])  # the dummy token pyHanko sizes /Contents with; then 128-bit serials

    growing = KmsTimeStampAuthority(
        kms_client=world.kms,
        key_id=world.tsa_key_id,
        tsa_cert=world.pki.tsa_cert,
        chain=[world.pki.root_cert],
        policy_oid=EXAMPLE_POLICY_OID,
        serial_source=lambda: next(serials, 2**127 + 1),
    )
    seal_calls = world.signer.kms_calls

    sealed = seal_pdf(
        world.pdf,
        signer=world.signer,
        timestamper=InProcessTimeStamper(authority=growing),
        pki_roots=world.pki.trust_roots,
        crls=world.pki.crls,
        reason="test",
        location="klongnoy.go.th",
    )

    assert world.signer.kms_calls - seal_calls == 2  # the exact fit failed, the second try had room
    report = verify_pdf(sealed, trust_roots=world.pki.trust_roots, revocation_mode="require")
    assert report.summary == "valid", report.reason
    assert [s.is_document_timestamp for s in report.signatures] == [False, True]


def test_given_a_seal_whose_dss_lacks_a_crl_it_was_checked_with_then_the_check_refuses_it(
    world: SealWorld,
) -> None:
    later_crl = world.pki.refresh_crl(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).crl
    assert later_crl.dump() != world.pki.crl.dump()
    report = verify_pdf(world.sealed, trust_roots=world.pki.trust_roots)

    _check_dss(world.sealed, [world.pki.crl], report)  # the one embedded: fine
    with pytest.raises(SealVerificationError, match="missing from the DSS"):
        _check_dss(world.sealed, [later_crl], report)
    with pytest.raises(SealVerificationError, match="no readable DSS"):
        _check_dss(world.pdf, [world.pki.crl], report)


def test_given_a_pdf_when_sealed_basic_then_it_is_a_trusted_untouched_b_b_signature(world: SealWorld) -> None:
    sealed = seal_pdf_basic(
        world.pdf,
        signer=world.signer,
        reason="test",
        location="klongnoy.go.th",
        pki_roots=world.pki.trust_roots,
    )

    report = verify_pdf(sealed, trust_roots=world.pki.trust_roots)

    assert report.summary == "valid"
    (only,) = report.signatures
    assert only.modification_level == "NONE" and only.timestamp_valid is None


def test_given_a_signer_whose_key_does_not_match_its_certificate_when_sealing_then_nothing_is_returned(
    world: SealWorld,
) -> None:
    wrong_key = KmsSigner(
        kms_client=world.kms,
        key_id=world.tsa_key_id,
        signing_cert=world.pki.agency_cert,
        chain=[world.pki.root_cert],
    )

    with pytest.raises(SealVerificationError) as raised:
        world.seal(world.pdf, signer=wrong_key)

    assert raised.value.report.summary == "invalid"


def test_given_a_revoked_agency_certificate_when_sealing_then_sealing_fails(world: SealWorld) -> None:
    revoked = world.pki.revoke(world.pki.agency_cert.serial_number)

    with pytest.raises(SealError):
        world.seal(world.pdf, pki=revoked)


def test_given_a_seal_checked_two_months_later_when_the_current_crl_is_supplied_then_it_is_valid(
    world: SealWorld,
) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)
    current = world.pki.refresh_crl(now=later)  # the CRL embedded at sealing time expired after 7 days

    stale_only = verify_pdf(world.sealed, trust_roots=world.pki.trust_roots, validation_time=later)
    with_current = verify_pdf(world.sealed, trust_roots=world.pki.trust_roots, crls=current.crls, validation_time=later)

    assert stale_only.summary == "untrusted"  # pyhanko-certvalidator: stale revocation data, TRY_LATER
    assert with_current.summary == "valid"


def _pki_made_at(world: SealWorld, moment: dt.datetime) -> LocalPki:
    """A development PKI over the world's KMS keys, as if created at ``moment``."""
    return create_local_pki(
        kms_client=world.kms,
        seal_key_id=world.seal_key_id,
        tsa_key_id=world.tsa_key_id,
        agency_name_th=AGENCY_TH,
        agency_name_en=AGENCY_EN,
        domain="klongnoy.go.th",
        now=moment,
    )


def test_given_a_dev_pki_whose_crl_expired_when_sealing_then_it_fails_until_the_crl_is_refreshed(
    world: SealWorld,
) -> None:
    eight_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    old = _pki_made_at(world, eight_days_ago)
    signer = KmsSigner(
        kms_client=world.kms, key_id=world.seal_key_id, signing_cert=old.agency_cert, chain=[old.root_cert]
    )
    stamper = InProcessTimeStamper(
        authority=KmsTimeStampAuthority(
            kms_client=world.kms,
            key_id=world.tsa_key_id,
            tsa_cert=old.tsa_cert,
            policy_oid=EXAMPLE_POLICY_OID,
        )
    )

    def seal_with(pki: LocalPki) -> bytes:
        return seal_pdf(
            world.pdf,
            signer=signer,
            timestamper=stamper,
            pki_roots=pki.trust_roots,
            crls=pki.crls,
            reason="test",
            location="klongnoy.go.th",
        )

    with pytest.raises(SealError):
        seal_with(old)
    fresh = old.with_fresh_crl()

    assert fresh is not old and fresh.with_fresh_crl() is fresh
    assert verify_pdf(seal_with(fresh), trust_roots=fresh.trust_roots).summary == "valid"


def test_given_a_dev_pki_whose_agency_certificate_is_about_to_expire_when_renewed_then_seals_verify_after_it(
    world: SealWorld,
) -> None:
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(days=720)
    old = _pki_made_at(world, issued)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=20)  # past the old certificate's 730 days

    renewed = old.with_renewed_certificates().with_fresh_crl(now=later)

    assert old.with_renewed_certificates(now=issued + dt.timedelta(days=1)) is old  # nothing to renew yet
    before, after = old.agency_cert["tbs_certificate"], renewed.agency_cert["tbs_certificate"]
    assert after["subject"] == before["subject"] and after["extensions"].dump() == before["extensions"].dump()
    assert after["subject_public_key_info"].dump() == before["subject_public_key_info"].dump()  # the same KMS key
    assert after["serial_number"].native != before["serial_number"].native
    assert after["validity"]["not_after"].native > later > before["validity"]["not_after"].native
    assert renewed.tsa_cert is old.tsa_cert  # five years: not due
    signer = KmsSigner(
        kms_client=world.kms, key_id=world.seal_key_id, signing_cert=renewed.agency_cert, chain=[renewed.root_cert]
    )
    stamper = InProcessTimeStamper(
        authority=KmsTimeStampAuthority(
            kms_client=world.kms,
            key_id=world.tsa_key_id,
            tsa_cert=renewed.tsa_cert,
            policy_oid=EXAMPLE_POLICY_OID,
            clock=lambda: later,
        )
    )
    sealed = seal_pdf(
        world.pdf,
        signer=signer,
        timestamper=stamper,
        pki_roots=renewed.trust_roots,
        crls=renewed.crls,
        reason="test",
        location="klongnoy.go.th",
        moment=later,
    )
    assert verify_pdf(sealed, trust_roots=renewed.trust_roots, validation_time=later).summary == "valid"


# --- independent checks with the openssl CLI --------------------------------------------------------


@requires_openssl
def test_given_a_sealed_pdf_when_openssl_verifies_the_cms_then_it_succeeds_with_crl_checks(
    world: SealWorld,
) -> None:
    seal = signatures_of(world.sealed)[0]
    (world.files / "seal.p7s").write_bytes(seal.pkcs7_content)
    (world.files / "seal.content").write_bytes(signed_bytes(world.sealed, seal))

    result = openssl(
        "cms -verify -binary -inform DER -in seal.p7s -content seal.content"
        " -CAfile root_and_crl.pem -crl_check_all -out /dev/null",
        cwd=world.files,
    )

    assert "Verification successful" in result.stdout + result.stderr, result.stderr


@requires_openssl
def test_given_a_sealed_pdf_when_openssl_verifies_the_signature_timestamp_then_ok(world: SealWorld) -> None:
    seal = signatures_of(world.sealed)[0]
    unsigned = {a["type"].native: a["values"][0] for a in seal.signer_info["unsigned_attrs"]}
    (world.files / "sigts.tst").write_bytes(unsigned["signature_time_stamp_token"].dump())
    # The signature timestamp's imprint is the hash of the signature value (RFC 3161 appendix A).
    (world.files / "sigvalue.bin").write_bytes(seal.signer_info["signature"].native)

    result = openssl(
        "ts -verify -data sigvalue.bin -in sigts.tst -token_in -CAfile root.pem -untrusted tsa.pem",
        cwd=world.files,
    )

    assert "Verification: OK" in result.stdout, result.stdout + result.stderr


@requires_openssl
def test_given_a_sealed_pdf_when_openssl_verifies_the_document_timestamp_then_ok(world: SealWorld) -> None:
    archive = signatures_of(world.sealed)[1]
    (world.files / "docts.tst").write_bytes(archive.pkcs7_content)
    (world.files / "docts.content").write_bytes(signed_bytes(world.sealed, archive))

    result = openssl(
        "ts -verify -data docts.content -in docts.tst -token_in -CAfile root.pem -untrusted tsa.pem",
        cwd=world.files,
    )

    assert "Verification: OK" in result.stdout, result.stdout + result.stderr


@requires_openssl
def test_given_the_production_path_when_a_csr_is_made_with_kms_then_openssl_verifies_its_signature(
    world: SealWorld,
) -> None:
    csr = agency_csr(
        kms_client=world.kms,
        seal_key_id=world.seal_key_id,
        subject=agency_subject(agency_name_th=AGENCY_TH, agency_name_en=AGENCY_EN),
    )
    (world.files / "agency.csr").write_bytes(csr)

    result = openssl("req -verify -in agency.csr -noout -subject -nameopt utf8", cwd=world.files)

    assert result.returncode == 0 and "verify OK" in result.stderr + result.stdout, result.stderr
    assert AGENCY_TH in result.stdout


# --- tampering -------------------------------------------------------------------------------------


def test_given_one_flipped_byte_in_the_signed_range_when_verified_then_it_is_invalid(
    world: SealWorld,
) -> None:
    position = world.sealed.index(b"Licence No.")  # inside revision 1, covered by both signatures
    tampered = bytearray(world.sealed)
    tampered[position] ^= 0x01

    report = verify_pdf(bytes(tampered), trust_roots=world.pki.trust_roots)

    assert report.summary == "invalid"
    assert not report.signatures[0].intact
    assert "not_intact" in report.signatures[0].problems


def test_given_a_page_added_in_an_incremental_update_when_verified_then_it_is_modified(
    world: SealWorld,
) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(world.sealed))
    forged_text = b"BT /F1 24 Tf 72 720 Td (Licence revoked) Tj ET"
    forged = writer.add_object(generic.StreamObject(stream_data=forged_text))
    a4 = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])
    page = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): a4,
            generic.pdf_name("/Contents"): forged,
            generic.pdf_name("/Resources"): generic.DictionaryObject(),
        }
    )
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)

    report = verify_pdf(out.getvalue(), trust_roots=world.pki.trust_roots)

    assert report.summary == "modified" and report.modified_after_signing
    assert report.signatures[0].intact and report.signatures[0].modification_level == "OTHER"


def test_given_page_content_changed_by_an_incremental_update_when_verified_then_it_is_modified(
    world: SealWorld,
) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(world.sealed))
    overlay = writer.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 0 0 595 842 re f"))
    writer.add_stream_to_page(0, overlay)
    out = BytesIO()
    writer.write(out)

    report = verify_pdf(out.getvalue(), trust_roots=world.pki.trust_roots)

    assert report.summary == "modified"
    assert all(s.modified_after_signing for s in report.signatures)


def test_given_an_unsigned_pdf_when_verified_then_it_is_unsigned(world: SealWorld) -> None:
    report = verify_pdf(world.pdf, trust_roots=world.pki.trust_roots)

    assert report.summary == "unsigned" and not report.signed and report.signatures == ()


def test_given_a_pdf_sealed_under_another_root_when_verified_then_it_is_untrusted(world: SealWorld) -> None:
    impostor = create_local_pki(
        kms_client=world.kms,
        seal_key_id=world.seal_key_id,
        tsa_key_id=world.tsa_key_id,
        agency_name_th=AGENCY_TH,
        agency_name_en=AGENCY_EN,
        domain="klongnoy.go.th",
    )
    impostor_signer = KmsSigner(
        kms_client=world.kms,
        key_id=world.seal_key_id,
        signing_cert=impostor.agency_cert,
        chain=[impostor.root_cert],
    )
    impostor_stamper = InProcessTimeStamper(
        authority=KmsTimeStampAuthority(
            kms_client=world.kms,
            key_id=world.tsa_key_id,
            tsa_cert=impostor.tsa_cert,
            policy_oid=EXAMPLE_POLICY_OID,
        )
    )
    sealed = seal_pdf(
        world.pdf,
        signer=impostor_signer,
        timestamper=impostor_stamper,
        pki_roots=impostor.trust_roots,
        crls=impostor.crls,
        reason="forged",
        location="elsewhere",
    )

    report = verify_pdf(sealed, trust_roots=world.pki.trust_roots)

    assert report.summary == "untrusted"
    assert report.signatures[0].intact and report.signatures[0].valid and not report.signatures[0].trusted


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a pdf at all", b"%PDF-1.7\n%garbage without objects", rendered_pdf()[:200]],
    ids=["empty", "text", "header-only", "truncated"],
)
def test_given_garbage_bytes_when_verified_then_it_is_invalid_without_raising(world: SealWorld, garbage: bytes) -> None:
    report = verify_pdf(garbage, trust_roots=world.pki.trust_roots)

    assert report.summary == "invalid" and report.reason


def test_given_a_truncated_seal_when_verified_then_it_is_invalid(world: SealWorld) -> None:
    report = verify_pdf(world.sealed[: len(world.sealed) - 700], trust_roots=world.pki.trust_roots)

    assert report.summary == "invalid"


# --- certificates ----------------------------------------------------------------------------------


def test_given_the_local_pki_then_the_agency_certificate_has_non_repudiation_and_digital_signature(
    world: SealWorld,
) -> None:
    cert = world.pki.agency_cert

    assert cert.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert cert.critical_extensions >= {"key_usage"}
    assert cert.subject.native["organization_name"] == AGENCY_TH
    assert cert["tbs_certificate"]["subject"].chosen[1][0]["value"].name == "utf8_string"


def test_given_a_pki_bundle_when_reloaded_then_it_is_the_same_pki_and_the_root_key_is_optional(
    world: SealWorld,
) -> None:
    reloaded = LocalPki.from_bundle(world.pki.to_bundle())
    public_only = LocalPki.from_bundle(world.pki.to_bundle(include_root_key=False))

    assert reloaded.agency_cert.dump() == world.pki.agency_cert.dump()
    assert reloaded.crl.dump() == world.pki.crl.dump()
    assert reloaded.root_key_pem == world.pki.root_key_pem
    assert public_only.root_key_pem is None
    assert b"PRIVATE KEY" not in world.pki.to_bundle(include_root_key=False)


# --- trust material: where relying parties find the root and the CRL (issue 10) ----------------------


def test_given_the_local_pki_then_seal_and_tsa_certificates_name_the_published_root_and_crl(
    world: SealWorld,
) -> None:
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID

    for asn1_cert in (world.pki.agency_cert, world.pki.tsa_cert):
        cert = x509.load_der_x509_certificate(asn1_cert.dump())
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        crl_dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)

        assert not aia.critical
        assert [(d.access_method, d.access_location.value) for d in aia.value] == [
            (AuthorityInformationAccessOID.CA_ISSUERS, "https://klongnoy.go.th/pki/root.crt")
        ]
        assert [n.value for point in crl_dp.value for n in point.full_name or ()] == [
            "https://klongnoy.go.th/pki/root.crl"
        ]


def test_given_the_local_pki_then_the_trust_material_is_the_root_in_der_and_pem_and_the_crl_in_der(
    world: SealWorld,
) -> None:
    from eservice_pdf.pki import trust_material

    published = {item.key: item for item in trust_material(world.pki)}

    assert list(published) == ["pki/root.crt", "pki/root.pem", "pki/root.crl"]
    assert published["pki/root.crt"].body == world.pki.root_cert.dump()
    assert published["pki/root.crt"].content_type == "application/pkix-cert"
    assert published["pki/root.pem"].body == world.pki.pem("root_cert")
    assert published["pki/root.pem"].content_type == "application/x-pem-file"
    assert published["pki/root.crl"].body == world.pki.crl.dump()
    assert published["pki/root.crl"].content_type == "application/pkix-crl"
    assert "max-age=300" in published["pki/root.crl"].cache_control


@requires_openssl
def test_given_a_sealed_pdf_then_its_cms_holds_the_agency_certificate_once_and_the_root(
    world: SealWorld,
) -> None:
    seal = signatures_of(world.sealed)[0]
    (world.files / "once.p7s").write_bytes(seal.pkcs7_content)

    printed = openssl("pkcs7 -inform DER -in once.p7s -print_certs -noout", cwd=world.files)

    assert printed.returncode == 0, printed.stderr
    subjects = [line for line in printed.stdout.splitlines() if line.startswith("subject=")]
    assert len(subjects) == 2, printed.stdout
    assert sum("Khlong Noi" in s for s in subjects) == 1, printed.stdout
    assert sum("Root CA" in s for s in subjects) == 1, printed.stdout
    # The same, read by asn1crypto: two distinct certificates in the SignedData certificate set.
    certs = seal.signed_data["certificates"]
    assert sorted(c.chosen.dump() for c in certs) == sorted({world.pki.agency_cert.dump(), world.pki.root_cert.dump()})
