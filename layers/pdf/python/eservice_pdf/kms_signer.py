"""A pyHanko signer whose private key never leaves AWS KMS (R-4.3–4.5).

The agency's organisational seal key is an ``RSA_2048`` ``SIGN_VERIFY`` key in KMS. pyHanko builds
the CMS structure; this signer only produces the raw RSA signature over the DER of the CMS signed
attributes.

Why ``MessageType='RAW'``: moto ignores ``MessageType='DIGEST'`` and hashes the digest again, which
yields signatures that do not verify. Sending the signed attributes themselves (a few hundred bytes,
well under real KMS's 4096-byte RAW limit) lets KMS hash them, so the same code works on moto and AWS.
Why PKCS#1 v1.5: pyHanko would pick PSS if asked; v1.5 is what Thai and EU validators expect from
RSA seals and what the certificate's algorithm announces.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from asn1crypto import algos, cms, tsp, x509
from botocore.exceptions import BotoCoreError, ClientError
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = ["KMS_SIGNING_ALGORITHMS", "KmsSigner", "KmsSigningError"]

#: CMS digest algorithm -> KMS signing algorithm (PKCS#1 v1.5 only, never PSS).
KMS_SIGNING_ALGORITHMS: dict[str, str] = {
    "sha256": "RSASSA_PKCS1_V1_5_SHA_256",
    "sha384": "RSASSA_PKCS1_V1_5_SHA_384",
    "sha512": "RSASSA_PKCS1_V1_5_SHA_512",
}

# KMS refuses RAW messages longer than this; signed attributes are far smaller, but a clear error
# beats an opaque ValidationException if someone adds huge attributes one day.
_KMS_RAW_MESSAGE_LIMIT = 4096


def _issuers(signing_cert: x509.Certificate, chain: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    """``chain`` without the signing certificate and without repeats (compared by DER)."""
    seen = {signing_cert.dump()}
    issuers = []
    for cert in chain:
        der = cert.dump()
        if der not in seen:
            seen.add(der)
            issuers.append(cert)
    return issuers


class _EncodedSigningCertificateV2(CMSAttributeProvider):
    """The signing-certificate-v2 attribute of one certificate, encoded once.

    pyHanko builds this value afresh for every signature and for every dry run. asn1crypto then
    re-encodes a built value (the issuer's name, in Thai here) at every level of nesting each time
    the signed attributes are encoded: that cost about as much as the rest of the CMS assembly
    together. A value read back from its DER is copied as it is. Same DER, same signature.
    """

    attribute_type = "signing_certificate_v2"

    def __init__(self, signing_cert: x509.Certificate) -> None:
        self.signing_cert = signing_cert
        self._der = as_signing_certificate_v2(signing_cert).dump()

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self._der)


class KmsSigningError(RuntimeError):
    """KMS could not produce the signature (access denied, key disabled, throttled, bad input)."""


class KmsSigner(Signer):
    """pyHanko :class:`~pyhanko.sign.signers.Signer` backed by an RSA key held in AWS KMS.

    ``kms_calls`` counts the ``kms:Sign`` calls made (dry runs used by pyHanko to size the signature
    container cost none), so the benchmark can report KMS calls per sealed document.
    """

    def __init__(
        self,
        *,
        kms_client: Any,
        key_id: str,
        signing_cert: x509.Certificate,
        chain: Iterable[x509.Certificate] = (),
        digest_algorithm: str = "sha256",
    ) -> None:
        """Create a signer.

        :param kms_client: a boto3 KMS client (``boto3.client("kms")``).
        :param key_id: key id, ARN or alias of the ``RSA_*`` ``SIGN_VERIFY`` key.
        :param signing_cert: the certificate issued over that key's public key.
        :param chain: issuer certificates (intermediates, and the root if it should be embedded).
        :param digest_algorithm: ``sha256`` (default), ``sha384`` or ``sha512``.
        """
        if digest_algorithm not in KMS_SIGNING_ALGORITHMS:
            raise ValueError(f"unsupported digest algorithm {digest_algorithm!r}")
        if signing_cert.public_key.algorithm != "rsa":
            raise ValueError("KmsSigner supports RSA keys only (PKCS#1 v1.5)")
        super().__init__(
            prefer_pss=False,
            embed_roots=True,
            # An explicit mechanism stops pyHanko from choosing PSS or another digest.
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": f"{digest_algorithm}_rsa"}),
            signing_cert=signing_cert,
            # pyHanko always adds signing_cert to the CMS certificate set, and builds that set from
            # asn1crypto objects that compare by identity: a registry holding the signer's certificate
            # too would embed it twice. The registry carries the issuers only, each once.
            cert_registry=SimpleCertificateStore.from_certs(_issuers(signing_cert, chain)),
        )
        self._kms = kms_client
        self._key_id = key_id
        self._digest_algorithm = digest_algorithm
        self._signature_size = signing_cert.public_key.bit_size // 8
        self._lock = threading.Lock()
        self._signing_certificate_v2 = _EncodedSigningCertificateV2(signing_cert)
        self.kms_calls = 0

    @property
    def key_id(self) -> str:
        """The KMS key this signer uses."""
        return self._key_id

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        """Return the PKCS#1 v1.5 signature of ``data`` (the DER of the CMS signed attributes)."""
        if digest_algorithm != self._digest_algorithm:
            raise KmsSigningError(
                f"signer is configured for {self._digest_algorithm}, pyHanko asked for {digest_algorithm}"
            )
        if dry_run:
            # pyHanko only needs the size here (to reserve /Contents); no reason to pay for a KMS call.
            return bytes(self._signature_size)
        if len(data) > _KMS_RAW_MESSAGE_LIMIT:
            raise KmsSigningError(f"message of {len(data)} bytes exceeds the KMS RAW limit")
        with self._lock:
            self.kms_calls += 1
        try:
            response = self._kms.sign(
                KeyId=self._key_id,
                Message=data,
                MessageType="RAW",
                SigningAlgorithm=KMS_SIGNING_ALGORITHMS[digest_algorithm],
            )
        except (ClientError, BotoCoreError) as exc:
            raise KmsSigningError(f"kms:Sign failed for the seal key: {exc}") from exc
        signature: bytes = response["Signature"]
        return signature

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[CMSAttributeProvider]:
        # pyHanko's own providers (PAdES/CAdES rules, signing time, CAdES attributes), with the
        # signing-certificate-v2 value of our certificate taken from the encoded copy.
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider) and provider.signing_cert is self.signing_cert:
                yield self._signing_certificate_v2
            else:
                yield provider

    async def signed_attrs(self, *args: Any, **kwargs: Any) -> cms.CMSAttributes:
        """pyHanko's signed attributes, read back from their DER.

        They are encoded again for the signature itself, in the SignerInfo and in the whole CMS
        object: a parsed value is copied each time instead of re-encoded. The bytes are the same.
        """
        attrs = await super().signed_attrs(*args, **kwargs)
        return cms.CMSAttributes.load(attrs.dump())
