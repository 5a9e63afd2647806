"""PAdES seals of the agency on every document sent to citizens (R-4.1, R-4.3–4.5).

:func:`seal_pdf` produces PAdES baseline B-LTA in one call:

1. B-B: a CMS signature (``ETSI.CAdES.detached``) by the KMS-held agency key, SHA-256 / PKCS#1 v1.5,
   signing time in the signed ``/M`` entry, the certificate chain embedded;
2. B-T: a signature timestamp from the timestamp authority;
3. B-LT: certificates and CRLs in the document security store (DSS);
4. B-LTA: a document timestamp over the whole file, DSS included.

pyHanko does not check what it produced, so the output is re-read and validated before it is returned
(bottom line, trust, integrity, both timestamps, modification level): a seal that does not validate
raises :class:`SealVerificationError` and is never handed out.

The timestamper must be created once per process and reused: pyHanko asks each new ``TimeStamper`` for
a dummy token first (a KMS call with our TSA).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import weakref
from collections.abc import Sequence
from io import BytesIO
from typing import TYPE_CHECKING

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko_certvalidator import ValidationContext

from .kms_signer import KmsSigner, KmsSigningError
from .pyhanko_fast_paths import use_fast_paths
from .verify import SignatureReport, VerificationReport, verify_pdf

if TYPE_CHECKING:
    from pyhanko.sign.timestamps.api import TimeStamper

__all__ = [
    "DEFAULT_FIELD_NAME",
    "SealError",
    "SealVerificationError",
    "seal_pdf",
    "seal_pdf_basic",
]

logger = logging.getLogger(__name__)

DEFAULT_FIELD_NAME = "AgencySeal"
# The agency seal must carry nonRepudiation (pyHanko's default for signers, and what validators
# such as validation.teda.th expect of an organisational seal).
_SEAL_KEY_USAGE = frozenset({"non_repudiation"})
# pyHanko's default writes a (deprecated) VRI entry for the document timestamp in one more revision
# *after* it, so the archive timestamp would not cover the end of the file. Without VRI, every DSS
# update happens before the document timestamp, which then covers the whole file: signature, DSS and
# all validation data, as B-LTA intends.
_LTA_DSS_SETTINGS = DSSContentSettings(
    include_vri=False,
    placement=SigDSSPlacementPreference.TOGETHER_WITH_NEXT_TS,
    next_ts_settings=TimestampDSSContentSettings(include_vri=False, update_before_ts=True),
)


# The seal's exact /Contents size per signer and timestamper, once pyHanko has estimated it (see
# _reserved_size). Weak keys: a signer or timestamper that goes away takes its entry with it.
_reserved_sizes: weakref.WeakKeyDictionary[KmsSigner, weakref.WeakKeyDictionary[TimeStamper, int]] = (
    weakref.WeakKeyDictionary()
)
_reserved_sizes_lock = threading.Lock()


class SealError(Exception):
    """The document could not be sealed (KMS, TSA, certificate validation or PDF failure)."""


class SealVerificationError(SealError):
    """The seal was produced but does not validate; the document must not be sent."""

    def __init__(self, message: str, *, report: VerificationReport) -> None:
        super().__init__(message)
        self.report = report


def seal_pdf(
    pdf: bytes,
    *,
    signer: KmsSigner,
    timestamper: TimeStamper,
    pki_roots: Sequence[asn1_x509.Certificate],
    crls: Sequence[asn1_crl.CertificateList],
    field_name: str = DEFAULT_FIELD_NAME,
    reason: str,
    location: str,
    contact: str | None = None,
    allow_fetching: bool = False,
    moment: dt.datetime | None = None,
) -> bytes:
    """Seal ``pdf`` as PAdES B-LTA and return the sealed bytes, validated.

    :param pdf: the rendered document.
    :param signer: the agency's :class:`KmsSigner`.
    :param timestamper: the process-wide timestamper (``InProcessTimeStamper`` or an HTTP one).
    :param pki_roots: trust anchors of the agency and TSA certificates.
    :param crls: CRLs covering the agency and TSA certificates (embedded in the DSS for B-LT).
    :param field_name: name of the invisible signature field.
    :param reason: ``/Reason``, e.g. ``ออกใบอนุญาตตามคำขอเลขที่ ...`` (no personal data: it is public).
    :param location: ``/Location``, usually the agency's domain or town.
    :param contact: ``/ContactInfo``, e.g. the saraban e-mail.
    :param allow_fetching: let certificate validation fetch CRLs/OCSP (production with a Thai CA).
    :param moment: the time to validate certificates and CRLs at: the service's official clock
        (None: the system clock). The local stack's virtual clock runs ahead of the system clock.
    :raises SealError: when sealing fails; :class:`SealVerificationError` when the result does not
        validate.
    """
    context = ValidationContext(
        trust_roots=list(pki_roots),
        crls=list(crls),
        allow_fetching=allow_fetching,
        # "require": B-LT is meaningless without revocation data, and a revoked seal must not be used.
        revocation_mode="require",
        moment=moment,
    )

    lta_metadata = dataclasses.replace(
        _seal_metadata(field_name=field_name, reason=reason, location=location, contact=contact),
        embed_validation_info=True,
        use_pades_lta=True,
        validation_context=context,
        signer_key_usage=set(_SEAL_KEY_USAGE),
        timestamp_field_name=f"{field_name}ArchiveTimestamp",
        dss_settings=_LTA_DSS_SETTINGS,
    )

    def lta_signer(*, tight: bool) -> signers.PdfSigner:
        metadata = dataclasses.replace(lta_metadata, tight_size_estimates=tight)
        return signers.PdfSigner(metadata, signer=signer, timestamper=timestamper)

    use_fast_paths()
    tight = _fixed_size_tokens(timestamper)
    reserved = _reserved_size(signer, timestamper) if tight else None
    try:
        sealed = _sign(pdf, lta_signer(tight=tight), bytes_reserved=reserved)
    except _ReservedSpaceTooSmall:
        # Cannot happen with fixed-size tokens; should it ever (or should a remembered size no longer
        # fit), seal once more with pyHanko's margin.
        logger.warning("the exact /Contents estimate was too small; sealing again with a margin")
        _forget_reserved_size(signer)
        tight, reserved = False, None
        sealed = _sign(pdf, lta_signer(tight=False))

    # The check re-reads the sealed bytes and validates every signature and timestamp again
    # (integrity, signature values, certificate paths with revocation required, modification
    # level), with the context the document was sealed with rather than a second one built from the
    # same roots and CRLs. The DSS is then read from the same parse.
    reader = _read_back(sealed)
    report = verify_pdf(
        sealed,
        trust_roots=pki_roots,
        crls=crls,
        key_usage=_SEAL_KEY_USAGE,
        revocation_mode="require",
        validation_time=moment,
        validation_context=context,
        reader=reader,
    )
    _check_lta(report, field_name)
    _check_dss(reader, crls, report)
    if tight and reserved is None:
        _remember_reserved_size(signer, timestamper, reader, field_name)
    return sealed


def seal_pdf_basic(
    pdf: bytes,
    *,
    signer: KmsSigner,
    field_name: str = DEFAULT_FIELD_NAME,
    reason: str,
    location: str,
    contact: str | None = None,
    pki_roots: Sequence[asn1_x509.Certificate] | None = None,
) -> bytes:
    """Seal ``pdf`` as PAdES B-B only (no timestamp, no revocation data).

    Used by the benchmark against endesive, and where no TSA is reachable. With ``pki_roots`` the
    result is validated like :func:`seal_pdf` (trust, integrity, untouched).
    """
    metadata = _seal_metadata(field_name=field_name, reason=reason, location=location, contact=contact)
    sealed = _sign(pdf, signers.PdfSigner(metadata, signer=signer))
    if pki_roots is not None:
        report = verify_pdf(sealed, trust_roots=pki_roots, key_usage=_SEAL_KEY_USAGE)
        ours = _signature(report, field_name)
        if report.summary != "valid" or ours.modification_level != "NONE":
            raise SealVerificationError(f"the B-B seal does not validate: {report.reason}", report=report)
    return sealed


def _seal_metadata(*, field_name: str, reason: str, location: str, contact: str | None) -> signers.PdfSignatureMetadata:
    """The seal's signature dictionary and CMS settings (PAdES, SHA-256); B-LTA adds its own to these."""
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        contact_info=contact,
        subfilter=SigSeedSubFilter.PADES,
    )


def _fixed_size_tokens(timestamper: TimeStamper) -> bool:
    """True when the seal's CMS and the timestamp tokens have the size of pyHanko's dry run.

    pyHanko sizes ``/Contents`` from a dry run and adds 50% for timestamp tokens whose size may vary;
    the padding is hex in the file, and every reader parses hex one character at a time (about a
    third of the check's parsing). Our own authority's tokens have a fixed size: 128-bit serials
    with the top bit set, whole-second UTC times, a fixed accuracy, pyHanko's fixed-width nonce and
    an RSA signature of the key's size. The KMS signature has the key's size too, and PAdES puts
    no signing time in the CMS. An external (HTTP) TSA keeps the margin.
    """
    from .tsa import InProcessTimeStamper

    return isinstance(timestamper, InProcessTimeStamper)


def _reserved_size(signer: KmsSigner, timestamper: TimeStamper) -> int | None:
    """The ``/Contents`` size pyHanko estimated for an earlier seal by this signer and timestamper.

    With fixed-size tokens pyHanko's dry run (a whole CMS with a dummy signature and the
    timestamper's dummy token, about 3% of a seal) gives the same number for every seal: the CMS holds
    the same signed attributes, certificates, signature size and token size, and no signing time. The
    number is taken from a seal that was sealed with pyHanko's estimate and passed the whole check.
    """
    with _reserved_sizes_lock:
        by_timestamper = _reserved_sizes.get(signer)
        return None if by_timestamper is None else by_timestamper.get(timestamper)


def _remember_reserved_size(
    signer: KmsSigner, timestamper: TimeStamper, reader: PdfFileReader, field_name: str
) -> None:
    for sig in reader.embedded_regular_signatures:
        if sig.field_name == field_name:
            # /ByteRange [0 a b c]: the gap from a to b is the hex string, its < and > included.
            byte_range = sig.sig_object["/ByteRange"]
            size = int(byte_range[2]) - int(byte_range[1]) - 2
            with _reserved_sizes_lock:
                _reserved_sizes.setdefault(signer, weakref.WeakKeyDictionary())[timestamper] = size
            return


def _forget_reserved_size(signer: KmsSigner) -> None:
    with _reserved_sizes_lock:
        _reserved_sizes.pop(signer, None)


class _ReservedSpaceTooSmall(SealError):
    """pyHanko's exact size estimate was exceeded (the CMS did not fit in ``/Contents``)."""


def _sign(pdf: bytes, pdf_signer: signers.PdfSigner, *, bytes_reserved: int | None = None) -> bytes:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        output = pdf_signer.sign_pdf(writer, bytes_reserved=bytes_reserved)
    except SigningError as exc:
        if pdf_signer.signature_meta.tight_size_estimates and "larger than expected" in str(exc):
            raise _ReservedSpaceTooSmall(str(exc)) from exc
        detail = f"{exc} ({exc.__cause__})" if exc.__cause__ is not None else str(exc)
        raise SealError(f"sealing failed: {detail}") from exc
    except (KmsSigningError, PdfError, OSError, ValueError) as exc:
        # OSError covers pyHanko's TimestampRequestError (an IOError).
        detail = f"{exc} ({exc.__cause__})" if exc.__cause__ is not None else str(exc)
        raise SealError(f"sealing failed: {detail}") from exc
    sealed: bytes = output.getvalue()
    return sealed


def _signature(report: VerificationReport, field_name: str) -> SignatureReport:
    for sig in report.signatures:
        if sig.field_name == field_name and not sig.is_document_timestamp:
            return sig
    raise SealVerificationError(f"the seal field {field_name!r} is missing", report=report)


def _check_lta(report: VerificationReport, field_name: str) -> None:
    ours = _signature(report, field_name)
    failures = []
    if report.summary != "valid":
        failures.append(f"summary {report.summary} ({report.reason})")
    if not (ours.bottom_line and ours.trusted and ours.intact):
        failures.append("the seal is not intact and trusted")
    if ours.timestamp_valid is not True:
        failures.append("the signature timestamp is missing or invalid")
    # After the seal come only the DSS and the document timestamp (LTA maintenance updates).
    if ours.modification_level != "LTA_UPDATES":
        failures.append(f"unexpected modification level {ours.modification_level}")
    last = report.signatures[-1]
    if not last.is_document_timestamp:
        failures.append("no document timestamp after the seal (not B-LTA)")
    elif not (last.bottom_line and last.modification_level == "NONE"):
        failures.append("the document timestamp does not validate")
    if failures:
        raise SealVerificationError("the seal does not validate: " + "; ".join(failures), report=report)


def _read_back(sealed: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(BytesIO(sealed))
    except (PdfError, ValueError) as exc:
        raise SealError(f"the sealed document cannot be read back: {exc}") from exc


def _check_dss(
    sealed: bytes | PdfFileReader, crls: Sequence[asn1_crl.CertificateList], report: VerificationReport
) -> None:
    """B-LT: the document security store carries every CRL the seal was checked with."""
    try:
        reader = PdfFileReader(BytesIO(sealed)) if isinstance(sealed, bytes) else sealed
        dss = DocumentSecurityStore.read_dss(reader)
        embedded = {ref.get_object().data for ref in dss.crls}
    except (NoDSSFoundError, PdfError, ValueError) as exc:
        raise SealVerificationError(f"the seal has no readable DSS: {exc}", report=report) from exc
    missing = [crl for crl in crls if crl.dump() not in embedded]
    if missing:
        raise SealVerificationError(f"{len(missing)} CRL(s) missing from the DSS (not B-LT)", report=report)
