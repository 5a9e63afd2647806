"""An RFC 3161 time-stamping authority whose signing key is held in AWS KMS.

The clock function exposes :meth:`KmsTimeStampAuthority.respond` over HTTP
(``application/timestamp-query`` -> ``application/timestamp-reply``); the sign function calls it
in-process through :class:`InProcessTimeStamper` while sealing PAdES B-LTA documents (R-4.1, R-4.3–4.5).
An external TSA URL can replace it in production.

Import cost matters here: the clock function imports only this module. :class:`KmsTimeStampAuthority`
needs nothing but asn1crypto and the standard library. :class:`InProcessTimeStamper` subclasses
pyHanko's ``TimeStamper``, and importing pyHanko's timestamp package pulls in all of ``pyhanko.sign``
and aiohttp (about 0.4 s here), so that class is created on first access (PEP 562 module
``__getattr__``) and the clock function never pays for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from asn1crypto import algos, cms, core, tsp, x509

__all__ = [
    "EXAMPLE_POLICY_OID",
    "SUPPORTED_HASH_ALGORITHMS",
    "TIMESTAMP_QUERY_CONTENT_TYPE",
    "TIMESTAMP_REPLY_CONTENT_TYPE",
    "InProcessTimeStamper",
    "KmsTimeStampAuthority",
]

logger = logging.getLogger(__name__)

_A = TypeVar("_A", bound=core.Asn1Value)

#: HTTP media types of RFC 3161 §3.4.
TIMESTAMP_QUERY_CONTENT_TYPE = "application/timestamp-query"
TIMESTAMP_REPLY_CONTENT_TYPE = "application/timestamp-reply"

#: A policy OID under IANA's documentation enterprise arc (RFC 5612): fine for the local stack and
#: tests; a production TSA uses the policy OID of its published TSA practice statement.
EXAMPLE_POLICY_OID = "1.3.6.1.4.1.32473.3161.1"

#: Message-imprint algorithms accepted, with their digest lengths (SHA-1 and MD5 are refused).
SUPPORTED_HASH_ALGORITHMS: dict[str, int] = {"sha256": 32, "sha384": 48, "sha512": 64}

# The token itself is always signed with SHA-256 / PKCS#1 v1.5, whatever the request's imprint uses.
_KMS_SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"
# RFC 3161 §2.4.2: serial numbers up to 160 bits; 128 random bits make collisions negligible
# across Lambda instances, which share no counter.
_SERIAL_BITS = 128


class _Rejection(Exception):
    """Internal: the request is refused with an RFC 3161 failure code."""

    def __init__(self, fail_info: str, message: str) -> None:
        super().__init__(message)
        self.fail_info = fail_info
        self.message = message


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _random_serial() -> int:
    # Top bit forced so serials have a fixed width and are never zero.
    return secrets.randbits(_SERIAL_BITS - 1) | (1 << (_SERIAL_BITS - 1))


class KmsTimeStampAuthority:
    """RFC 3161 responder that signs tokens with an RSA key in KMS (PKCS#1 v1.5, ``MessageType=RAW``).

    Requests are never answered with an exception: malformed or unacceptable requests, and KMS
    failures, produce a ``TimeStampResp`` with status ``rejection`` and the matching failure code.
    ``kms_calls`` counts the ``kms:Sign`` calls made.
    """

    def __init__(
        self,
        *,
        kms_client: Any,
        key_id: str,
        tsa_cert: x509.Certificate,
        chain: Iterable[x509.Certificate] = (),
        policy_oid: str,
        clock: Callable[[], dt.datetime] = _utc_now,
        serial_source: Callable[[], int] = _random_serial,
    ) -> None:
        """Create the authority.

        :param kms_client: boto3 KMS client.
        :param key_id: the TSA's ``RSA_*`` ``SIGN_VERIFY`` key.
        :param tsa_cert: certificate over that key, with critical EKU timeStamping.
        :param chain: issuer certificates sent along when a request sets ``certReq``.
        :param policy_oid: the TSA policy under which tokens are issued (RFC 3161 §2.4.2).
        :param clock: returns the current time, timezone-aware (the official clock of the service).
        :param serial_source: returns a unique positive serial number per token.
        """
        eku = tsa_cert.extended_key_usage_value
        if eku is None or "time_stamping" not in eku.native:
            raise ValueError("the TSA certificate must carry the timeStamping extended key usage")
        self._kms = kms_client
        self._key_id = key_id
        self._tsa_cert = tsa_cert
        self._chain = tuple(chain)
        self._policy = core.ObjectIdentifier(policy_oid)
        self._clock = clock
        self._serial_source = serial_source
        self._lock = threading.Lock()
        self.kms_calls = 0
        # What every token repeats, encoded once. asn1crypto re-encodes a value built from Python
        # objects at every level of nesting it is placed in; a value read back from DER is copied
        # as it is. Building these per token cost more than the KMS call (see bench/bench_seal.py).
        self._tsa_name_der = x509.GeneralName(name="directory_name", value=tsa_cert.subject).dump()
        # The signed attributes but the message digest are the same in every token (DER sorts them).
        self._constant_signed_attrs_der = tuple(
            cms.CMSAttribute(attribute).dump()
            for attribute in (
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "signing_certificate_v2", "values": [self._signing_certificate_v2()]},
                # RFC 6211: binds the algorithms into the signature (pyHanko checks it when present).
                {
                    "type": "cms_algorithm_protection",
                    "values": [
                        {
                            "digest_algorithm": {"algorithm": "sha256"},
                            "signature_algorithm": {"algorithm": "sha256_rsa"},
                        }
                    ],
                },
            )
        )
        self._issuer_serial_der = cms.IssuerAndSerialNumber(
            {"issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}
        ).dump()
        # Read back from DER once, so each token copies them as they are (the certificates alone were a
        # third of a token's encoding).
        self._tsa_name = x509.GeneralName.load(self._tsa_name_der)
        self._constant_signed_attrs = tuple(cms.CMSAttribute.load(der) for der in self._constant_signed_attrs_der)
        self._sid = _frozen(
            cms.SignerIdentifier,
            cms.SignerIdentifier(
                name="issuer_and_serial_number", value=cms.IssuerAndSerialNumber.load(self._issuer_serial_der)
            ),
        )
        self._digest_algorithm = _frozen(cms.DigestAlgorithm, cms.DigestAlgorithm({"algorithm": "sha256"}))
        self._digest_algorithms = _frozen(
            cms.DigestAlgorithms, cms.DigestAlgorithms([algos.DigestAlgorithm({"algorithm": "sha256"})])
        )
        self._signature_algorithm = _frozen(
            cms.SignedDigestAlgorithm, cms.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
        )
        self._certificates = _frozen(cms.CertificateSet, cms.CertificateSet([tsa_cert, *self._chain]))

    @property
    def tsa_cert(self) -> x509.Certificate:
        """The certificate that verifies this authority's tokens."""
        return self._tsa_cert

    def respond(self, request_der: bytes, *, raise_failures: bool = False) -> bytes:
        """Answer a DER ``TimeStampReq`` with a DER ``TimeStampResp`` (granted or rejection).

        Over HTTP a TSA answers every request, so a failure of its own (KMS throttled or down) becomes a
        ``systemFailure`` rejection. In-process (``raise_failures``) the failure is raised instead, so the
        sealing step sees the throttled ``kms:Sign`` and the saga retries it.
        """
        try:
            request = self._parse(request_der)
            token = self._issue_token(request)
        except _Rejection as rejection:
            logger.info("timestamp request rejected: %s", rejection.message)
            return _rejection(rejection.fail_info, rejection.message)
        except Exception:  # a TSA answers every request; the cause goes to the log
            if raise_failures:
                raise
            logger.exception("timestamp authority failure")
            return _rejection("system_failure", "the time-stamping service is unavailable")
        response = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
        return response.dump()

    def _parse(self, request_der: bytes) -> tsp.TimeStampReq:
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            _ = request.native  # asn1crypto parses lazily: force it so garbage fails here
        except (ValueError, TypeError) as exc:
            raise _Rejection("bad_data_format", "the request is not a DER TimeStampReq") from exc
        if request["version"].native != "v1":
            raise _Rejection("bad_request", "only TimeStampReq version 1 is supported")
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in SUPPORTED_HASH_ALGORITHMS:
            raise _Rejection("bad_alg", f"unsupported hash algorithm {algorithm}")
        if len(imprint["hashed_message"].native) != SUPPORTED_HASH_ALGORITHMS[algorithm]:
            raise _Rejection("bad_data_format", f"the hashed message is not a {algorithm} digest")
        req_policy = request["req_policy"]
        if req_policy.native is not None and req_policy.dotted != self._policy.dotted:
            raise _Rejection("unaccepted_policy", "the requested policy is not supported")
        if request["extensions"].native:
            # RFC 3161 §2.4.2: unrecognised extensions, critical or not, must be refused.
            raise _Rejection("unaccepted_extensions", "request extensions are not supported")
        return request

    def _issue_token(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        gen_time = self._clock()
        if gen_time.tzinfo is None:
            raise ValueError("the TSA clock must return timezone-aware datetimes")
        # Whole seconds in UTC, declared accurate to one second.
        gen_time = gen_time.astimezone(dt.UTC).replace(microsecond=0)
        tst_info_fields: dict[str, Any] = {
            "version": "v1",
            "policy": self._policy,
            "message_imprint": tsp.MessageImprint.load(request["message_imprint"].dump()),
            "serial_number": self._serial_source(),
            "gen_time": gen_time,
            "accuracy": {"seconds": 1},
            "tsa": self._tsa_name,
        }
        if request["nonce"].native is not None:
            tst_info_fields["nonce"] = request["nonce"].native
        tst_info_der = tsp.TSTInfo(tst_info_fields).dump()

        signed_attrs = _frozen(
            cms.CMSAttributes,
            cms.CMSAttributes(
                [
                    cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_info_der).digest()]}),
                    *self._constant_signed_attrs,
                ]
            ),
        )
        # The signature covers the DER SET OF (tag 0x31), which asn1crypto sorts as DER requires.
        signature = self._kms_sign(signed_attrs.dump())

        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": self._sid,
                "digest_algorithm": self._digest_algorithm,
                "signed_attrs": signed_attrs,
                "signature_algorithm": self._signature_algorithm,
                "signature": signature,
            }
        )
        signed_data: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": self._digest_algorithms,
            "encap_content_info": {
                "content_type": "tst_info",
                "content": cms.ParsableOctetString(tst_info_der),
            },
            "signer_infos": [_frozen(cms.SignerInfo, signer_info)],
        }
        if request["cert_req"].native:
            # RFC 3161 §2.4.1: certReq asks for the TSA certificate in the token.
            signed_data["certificates"] = self._certificates
        return _frozen(
            cms.ContentInfo, cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
        )

    def _signing_certificate_v2(self) -> tsp.SigningCertificateV2:
        # RFC 5816: ESSCertIDv2 with SHA-256 (the DER default, so hashAlgorithm is omitted).
        return tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "cert_hash": hashlib.sha256(self._tsa_cert.dump()).digest(),
                        "issuer_serial": {
                            "issuer": [x509.GeneralName(name="directory_name", value=self._tsa_cert.issuer)],
                            "serial_number": self._tsa_cert.serial_number,
                        },
                    }
                ]
            }
        )

    def _kms_sign(self, message: bytes) -> bytes:
        with self._lock:
            self.kms_calls += 1
        response = self._kms.sign(
            KeyId=self._key_id,
            Message=message,
            MessageType="RAW",  # moto ignores DIGEST; RAW works on moto and AWS alike
            SigningAlgorithm=_KMS_SIGNING_ALGORITHM,
        )
        signature: bytes = response["Signature"]
        return signature


def _frozen(spec: type[_A], value: _A) -> _A:
    """``value`` encoded once and read back: placed in a bigger structure, it is copied as DER."""
    return spec.load(value.dump())


class _TimeStampResp(core.Sequence):
    # asn1crypto's TimeStampResp declares timeStampToken mandatory, so it can neither build nor parse
    # the rejections of RFC 3161 §2.4.2, which omit it.
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _rejection(fail_info: str, message: str) -> bytes:
    status = tsp.PKIStatusInfo(
        {"status": "rejection", "status_string": [message], "fail_info": tsp.PKIFailureInfo({fail_info})}
    )
    return _TimeStampResp({"status": status}).dump()


if TYPE_CHECKING:
    from pyhanko.sign.timestamps.api import TimeStamper

    class InProcessTimeStamper(TimeStamper):
        """pyHanko ``TimeStamper`` that asks a :class:`KmsTimeStampAuthority` directly, without HTTP."""

        authority: KmsTimeStampAuthority

        def __init__(self, *, authority: KmsTimeStampAuthority, include_nonce: bool = True) -> None: ...

        async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp: ...


def _define_in_process_timestamper() -> type:
    from pyhanko.sign.timestamps.api import TimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    class InProcessTimeStamper(TimeStamper):
        """pyHanko ``TimeStamper`` that asks a :class:`KmsTimeStampAuthority` directly, without HTTP.

        Create one per process and reuse it: pyHanko asks every new TimeStamper for a dummy token
        (to size the signature and to find the TSA certificate), which costs a KMS call.
        """

        def __init__(self, *, authority: KmsTimeStampAuthority, include_nonce: bool = True) -> None:
            super().__init__(include_nonce=include_nonce)
            self.authority = authority

        async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
            response_der = self.authority.respond(req.dump(), raise_failures=True)
            status = _TimeStampResp.load(response_der)["status"]
            if status["status"].native not in ("granted", "granted_with_mods"):
                raise TimestampRequestError(f"the time-stamping authority refused: {status['status_string'].native}")
            return tsp.TimeStampResp.load(response_der)

    InProcessTimeStamper.__module__ = __name__
    return InProcessTimeStamper


def __getattr__(name: str) -> Any:
    # PEP 562: build InProcessTimeStamper (and import pyHanko) only when someone asks for it.
    if name == "InProcessTimeStamper":
        cls = _define_in_process_timestamper()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
