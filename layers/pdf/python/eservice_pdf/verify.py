"""Validation of signed PDFs: the agency's own seals and citizens' signed documents (R-3.3.6, R-4.1).

R-3.3.6 asks the system to check, as validation.teda.th does, that a signature is valid, that its
timestamp is valid and that nothing changed after signing. Two measured facts shape this module:

* pyHanko's ``valid`` only says the RSA signature over the signed attributes checks out: a document
  with one flipped byte still reports ``valid=True`` (``intact`` is what catches it), and ``coverage``
  says nothing about *what* was appended after signing. The judgement therefore rests on pyHanko's
  ``bottom_line`` and on the modification level from its difference analysis.
* A forged page added in an incremental update is caught only by that difference analysis (not by
  pdfsig, openssl or endesive), and reported as modification level ``OTHER``.

:func:`verify_pdf` never raises for bad input: unparseable bytes give ``summary="invalid"`` with a
reason. pyHanko is imported on first use so that light callers can import the report types.

Validation happens at ``validation_time`` (now), with the revocation data in the document's DSS plus
the ``crls`` given. Once the CRL embedded at sealing time is past its nextUpdate, pyhanko-certvalidator
no longer accepts it (``TRY_LATER``) and the signature reads "untrusted": callers must supply the
issuer's current CRL (or allow the sign function to fetch it). Full PAdES-LTA validation in the past
(``pyhanko.sign.validation.ades.ades_lta_validation``) is incubating in pyHanko 0.38 and not used yet.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from asn1crypto import crl as asn1_crl
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509

if TYPE_CHECKING:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko_certvalidator import ValidationContext

__all__ = [
    "ANY_SIGNING_KEY_USAGE",
    "CertificateInput",
    "CrlInput",
    "ModificationLevelName",
    "Problem",
    "RevocationMode",
    "SignatureReport",
    "Summary",
    "VerificationReport",
    "verify_pdf",
]

logger = logging.getLogger(__name__)

Summary = Literal["valid", "invalid", "untrusted", "modified", "unsigned"]
ModificationLevelName = Literal["NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"]
RevocationMode = Literal["soft-fail", "hard-fail", "require"]

#: Stable problem codes; the API layer maps them to Thai and English messages.
Problem = Literal[
    "validation_error",
    "not_intact",
    "invalid_signature",
    "rejected_by_validator",
    "seed_value_violation",
    "timestamp_invalid",
    "timestamp_untrusted",
    "signer_revoked",
    "untrusted_signer",
    "modified_after_signing",
]
_INVALIDATING: frozenset[str] = frozenset(
    {
        "validation_error",
        "not_intact",
        "invalid_signature",
        "rejected_by_validator",
        "seed_value_violation",
        "timestamp_invalid",
    }
)
_UNTRUSTING: frozenset[str] = frozenset({"timestamp_untrusted", "signer_revoked", "untrusted_signer"})

#: Citizens' certificates from Thai CAs carry nonRepudiation, digitalSignature or both; either will do.
ANY_SIGNING_KEY_USAGE: frozenset[str] = frozenset({"non_repudiation", "digital_signature"})

# Changes that do not alter what a signer saw: DSS/document timestamps (LTA) and further signatures or
# form values (a second signer fills its own field). Annotations can overlay forged text: not allowed.
_ACCEPTED_LEVELS: frozenset[str] = frozenset({"NONE", "LTA_UPDATES", "FORM_FILLING"})

#: An asn1crypto certificate, or its DER/PEM bytes (as stored in a tenant trust list).
CertificateInput: TypeAlias = "asn1_x509.Certificate | bytes"
#: An asn1crypto CRL, or its DER/PEM bytes.
CrlInput: TypeAlias = "asn1_crl.CertificateList | bytes"


@dataclass(frozen=True, kw_only=True)
class SignatureReport:
    """What one embedded signature or document timestamp proves."""

    field_name: str
    is_document_timestamp: bool
    signer_subject: str | None
    signer_common_name: str | None
    signer_organization: str | None
    signer_certificate_sha256: str | None
    signing_time: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    timestamp_valid: bool | None
    timestamp_time: dt.datetime | None
    coverage: str | None
    modification_level: ModificationLevelName | None
    bottom_line: bool
    problems: tuple[Problem, ...] = ()
    detail: str | None = None

    @property
    def modified_after_signing(self) -> bool:
        """True when something other than LTA maintenance or form filling was appended after it."""
        return "modified_after_signing" in self.problems

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (datetimes as ISO 8601 strings)."""
        return _jsonable(asdict(self))


@dataclass(frozen=True, kw_only=True)
class VerificationReport:
    """Verdict on a whole PDF. ``summary`` is the one field a client should branch on."""

    signed: bool
    sha256: str
    summary: Summary
    modified_after_signing: bool
    signatures: tuple[SignatureReport, ...] = field(default_factory=tuple)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (datetimes as ISO 8601 strings, tuples as lists)."""
        return _jsonable(asdict(self))


def verify_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[CertificateInput],
    crls: Sequence[CrlInput] = (),
    other_certs: Sequence[CertificateInput] = (),
    key_usage: frozenset[str] = ANY_SIGNING_KEY_USAGE,
    revocation_mode: RevocationMode = "soft-fail",
    validation_time: dt.datetime | None = None,
    validation_context: ValidationContext | None = None,
    reader: PdfFileReader | None = None,
) -> VerificationReport:
    """Validate every signature and document timestamp in ``pdf``.

    :param pdf: the file as received.
    :param trust_roots: the tenant's trust list (the local root, or NRCA/AATL-recognised Thai CAs).
        An empty list trusts nothing; the operating system's store is never used.
    :param crls: revocation lists to use besides those in the document's DSS.
    :param other_certs: intermediate certificates the document may not embed.
    :param key_usage: key usages of which the signer's certificate needs at least one; seals pass
        ``{"non_repudiation"}``.
    :param revocation_mode: pyhanko-certvalidator's mode; nothing is fetched from the network.
    :param validation_time: the time at which to judge certificates (default: now).
    :param validation_context: a context built already, used instead of one built from the arguments
        above and the document's DSS: :func:`~eservice_pdf.seal.seal_pdf` checks its output with the
        context it sealed with (same roots, CRLs, mode and time). Every signature and timestamp is
        still validated against it; only the parsing of trust material is saved.
    :param reader: a pyHanko reader already opened over ``pdf``, for a caller that reads more from
        the same parse afterwards (the seal check reads the DSS from it); by default one is opened here.
    :return: a :class:`VerificationReport`; unparseable input gives ``summary="invalid"``.
    :raises ValueError: only when the trust material itself (not the PDF) is unreadable.
    """
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        roots = [_load_cert(c) for c in trust_roots]
        extra = [_load_cert(c) for c in other_certs]
        crl_list = [_load_crl(c) for c in crls]
    except ValueError as exc:
        raise ValueError(f"unreadable trust material: {exc}") from exc

    from pyhanko.pdf_utils.reader import PdfFileReader

    from .pyhanko_fast_paths import use_fast_paths

    use_fast_paths()
    try:
        if reader is None:
            reader = PdfFileReader(BytesIO(pdf))
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # hostile or broken input: any failure to parse means "invalid"
        logger.info("unreadable PDF %s: %s", digest, type(exc).__name__)
        return VerificationReport(
            signed=False,
            sha256=digest,
            summary="invalid",
            modified_after_signing=False,
            reason=f"not a readable PDF ({type(exc).__name__})",
        )
    if not embedded:
        return VerificationReport(signed=False, sha256=digest, summary="unsigned", modified_after_signing=False)

    context = validation_context or _validation_context(
        reader,
        roots=roots,
        crls=crl_list,
        other_certs=extra,
        revocation_mode=revocation_mode,
        moment=validation_time,
    )
    reports = tuple(asyncio.run(_validate_all(embedded, context, key_usage)))
    summary = _summarise(reports)
    first_problem = next((r for r in reports if r.problems), None)
    return VerificationReport(
        signed=True,
        sha256=digest,
        summary=summary,
        modified_after_signing=any(r.modified_after_signing for r in reports),
        signatures=reports,
        reason=(None if first_problem is None else f"{first_problem.field_name}: {', '.join(first_problem.problems)}"),
    )


def _validation_context(
    reader: PdfFileReader,
    *,
    roots: list[asn1_x509.Certificate],
    crls: list[asn1_crl.CertificateList],
    other_certs: list[asn1_x509.Certificate],
    revocation_mode: RevocationMode,
    moment: dt.datetime | None,
) -> ValidationContext:
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict[str, Any] = {
        # Always a list: None would make pyhanko-certvalidator fall back to the OS trust store.
        "trust_roots": list(roots),
        "crls": list(crls),
        "other_certs": list(other_certs),
        "allow_fetching": False,
        "revocation_mode": revocation_mode,
        "moment": moment,
    }
    try:
        # The DSS carries the revocation data of B-LT/B-LTA documents; CRLs are signed by their CA
        # and DSS certificates are only path-building candidates, so reading them costs no trust.
        return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
    except NoDSSFoundError:
        return ValidationContext(**kwargs)
    except Exception as exc:  # a broken DSS must not hide the signatures' verdict
        logger.info("ignoring unreadable DSS: %s", type(exc).__name__)
        return ValidationContext(**kwargs)


async def _validate_all(
    embedded: list[EmbeddedPdfSignature],
    context: ValidationContext,
    key_usage: frozenset[str],
) -> list[SignatureReport]:
    reports = []
    for sig in embedded:
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                reports.append(await _validate_document_timestamp(sig, context))
            else:
                reports.append(await _validate_signature(sig, context, key_usage))
        except Exception as exc:  # a hostile file may break pyHanko in many ways
            logger.info("signature %s could not be validated: %s", sig.field_name, type(exc).__name__)
            reports.append(_failed_report(sig, exc))
    return reports


async def _validate_signature(
    sig: EmbeddedPdfSignature, context: ValidationContext, key_usage: frozenset[str]
) -> SignatureReport:
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    status = await async_validate_pdf_signature(
        sig,
        signer_validation_context=context,
        ts_validation_context=context,
        key_usage_settings=KeyUsageConstraints(key_usage=set(key_usage), match_all_key_usages=False),
    )
    ts = status.timestamp_validity
    timestamp_valid = None if ts is None else bool(ts.intact and ts.valid and ts.trusted)
    level = _level_name(status.modification_level)
    problems: list[Problem] = []
    if not status.intact:
        problems.append("not_intact")
    if not status.valid:
        problems.append("invalid_signature")
    if not status.seed_value_ok:
        problems.append("seed_value_violation")
    if ts is not None and not (ts.intact and ts.valid):
        problems.append("timestamp_invalid")
    elif ts is not None and not ts.trusted:
        problems.append("timestamp_untrusted")
    if status.revoked:
        problems.append("signer_revoked")
    elif not status.trusted:
        problems.append("untrusted_signer")
    if _is_modified(level, status.coverage, status.docmdp_ok):
        problems.append("modified_after_signing")
    if not status.bottom_line and not problems:
        # pyHanko said no for a reason not listed above: never let that read as valid.
        problems.append("rejected_by_validator")
    return SignatureReport(
        field_name=sig.field_name,
        is_document_timestamp=False,
        **_signer_fields(status.signing_cert),
        signing_time=status.signer_reported_dt,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        timestamp_valid=timestamp_valid,
        timestamp_time=None if ts is None else ts.timestamp,
        coverage=None if status.coverage is None else status.coverage.name,
        modification_level=level,
        bottom_line=bool(status.bottom_line) and not problems,
        problems=tuple(problems),
    )


async def _validate_document_timestamp(sig: EmbeddedPdfSignature, context: ValidationContext) -> SignatureReport:
    from pyhanko.sign.validation import async_validate_pdf_timestamp

    status = await async_validate_pdf_timestamp(sig, validation_context=context)
    level = _level_name(status.modification_level)
    problems: list[Problem] = []
    if not status.intact:
        problems.append("not_intact")
    if not status.valid:
        problems.append("invalid_signature")
    if status.revoked:
        problems.append("signer_revoked")
    elif not status.trusted:
        problems.append("timestamp_untrusted")
    if _is_modified(level, status.coverage, None):
        problems.append("modified_after_signing")
    sound = bool(status.intact and status.valid and status.trusted)
    return SignatureReport(
        field_name=sig.field_name,
        is_document_timestamp=True,
        **_signer_fields(status.signing_cert),
        signing_time=status.timestamp,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        timestamp_valid=sound,
        timestamp_time=status.timestamp,
        coverage=None if status.coverage is None else status.coverage.name,
        modification_level=level,
        # DocumentTimestampStatus has no bottom_line of its own: sound token and no forbidden change.
        bottom_line=sound and not problems,
        problems=tuple(problems),
    )


def _failed_report(sig: EmbeddedPdfSignature, exc: Exception) -> SignatureReport:
    return SignatureReport(
        field_name=sig.field_name,
        is_document_timestamp=sig.sig_object_type == "/DocTimeStamp",
        signer_subject=None,
        signer_common_name=None,
        signer_organization=None,
        signer_certificate_sha256=None,
        signing_time=None,
        intact=False,
        valid=False,
        trusted=False,
        timestamp_valid=None,
        timestamp_time=None,
        coverage=None,
        modification_level=None,
        bottom_line=False,
        problems=("validation_error",),
        detail=type(exc).__name__,
    )


def _is_modified(level: ModificationLevelName | None, coverage: Any, docmdp_ok: bool | None) -> bool:
    if docmdp_ok is False:
        return True
    if level is None:
        # No difference analysis result: only a signature covering the whole file is known unchanged.
        return coverage is None or coverage.name != "ENTIRE_FILE"
    return level not in _ACCEPTED_LEVELS


def _summarise(reports: Sequence[SignatureReport]) -> Summary:
    problems = {p for r in reports for p in r.problems}
    if problems & _INVALIDATING:
        return "invalid"
    if "modified_after_signing" in problems:
        return "modified"
    if problems & _UNTRUSTING:
        return "untrusted"
    if not all(r.bottom_line for r in reports):
        return "invalid"
    return "valid"


def _level_name(level: Any) -> ModificationLevelName | None:
    if level is None:
        return None
    name: ModificationLevelName = level.name
    return name


def _signer_fields(cert: asn1_x509.Certificate | None) -> dict[str, Any]:
    if cert is None:
        return {
            "signer_subject": None,
            "signer_common_name": None,
            "signer_organization": None,
            "signer_certificate_sha256": None,
        }
    subject = cert.subject.native
    return {
        # human_friendly keeps Thai characters as they are (no \xNN escaping as openssl prints).
        "signer_subject": cert.subject.human_friendly,
        "signer_common_name": _first(subject.get("common_name")),
        "signer_organization": _first(subject.get("organization_name")),
        "signer_certificate_sha256": cert.sha256.hex(),
    }


def _first(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value)


def _load_cert(value: CertificateInput) -> asn1_x509.Certificate:
    if isinstance(value, asn1_x509.Certificate):
        return value
    if isinstance(value, bytes | bytearray):
        der = bytes(value)
        if asn1_pem.detect(der):
            _, _, der = asn1_pem.unarmor(der)
        return asn1_x509.Certificate.load(der)
    raise ValueError(f"not a certificate: {type(value).__name__}")


def _load_crl(value: CrlInput) -> asn1_crl.CertificateList:
    if isinstance(value, asn1_crl.CertificateList):
        return value
    if isinstance(value, bytes | bytearray):
        der = bytes(value)
        if asn1_pem.detect(der):
            _, _, der = asn1_pem.unarmor(der)
        return asn1_crl.CertificateList.load(der)
    raise ValueError(f"not a CRL: {type(value).__name__}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value
