"""Local development PKI for the agency seal and the timestamp authority (R-4.3–4.5).

In production a Thai CA issues the agency's organisational certificate (about 3,000 THB/year) over the
KMS seal key: :func:`agency_csr` produces the PKCS#10 request, signed by KMS. For the local stack, tests
and demo tenants, :func:`create_local_pki` builds a complete chain at deploy/run time:

* a root CA whose key is generated locally (the only private key outside KMS),
* the agency seal certificate over the KMS seal key's public key
  (keyUsage digitalSignature + nonRepudiation, which pyHanko requires of a seal),
* the TSA certificate over the KMS TSA key's public key (critical extendedKeyUsage timeStamping,
  as RFC 3161 §2.3 demands),
* an empty CRL from the root with a nextUpdate, so PAdES B-LT can embed revocation data offline.

The agency and TSA certificates name where a relying party finds the rest, on the tenant's domain:
the CRL (CRL distribution point ``https://<domain>/pki/root.crl``) and the issuing root (Authority
Information Access, caIssuers ``https://<domain>/pki/root.crt``). :func:`trust_material` gives the
objects to publish at those paths (the sign function writes them to the sites bucket, ``pki/``).

The agency and TSA private keys never leave KMS; the root key only signs certificates and CRLs here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from botocore.exceptions import BotoCoreError, ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

__all__ = [
    "BUNDLE_FORMAT",
    "PKI_PREFIX",
    "ROOT_CERT",
    "ROOT_CRL",
    "ROOT_PEM",
    "LocalPki",
    "PkiError",
    "PublishedObject",
    "agency_csr",
    "agency_subject",
    "create_local_pki",
    "trust_material",
]

#: Identifies the JSON bundle layout stored in S3 by the stack.
BUNDLE_FORMAT = "eservice-local-pki/1"

_ROOT_VALIDITY = dt.timedelta(days=3650)
_AGENCY_VALIDITY = dt.timedelta(days=730)  # Thai CAs issue organisational certificates for 1-2 years.
_TSA_VALIDITY = dt.timedelta(days=1825)
_DEFAULT_CRL_VALIDITY = dt.timedelta(days=7)

#: Trust material on the tenant's domain: ``https://<domain>/pki/<name>`` (sites bucket key ``pki/<name>``).
PKI_PREFIX = "pki/"
ROOT_CERT = "root.crt"  # DER, application/pkix-cert (RFC 2585), the caIssuers target
ROOT_PEM = "root.pem"  # the same certificate in PEM, for people and openssl -CAfile
ROOT_CRL = "root.crl"  # DER, application/pkix-crl (RFC 2585), the CRL distribution point
# A CRL is re-issued before it expires: caches must let the new one through quickly.
_CRL_CACHE_CONTROL = "public, max-age=300"
_CERT_CACHE_CONTROL = "public, max-age=3600"
_PKCS1_SHA256 = "RSASSA_PKCS1_V1_5_SHA_256"
_MAX_COMMON_NAME_BYTES = 64
# Certificates start slightly in the past so a verifier whose clock lags a little still accepts them.
_BACKDATE = dt.timedelta(minutes=5)


class PkiError(Exception):
    """The PKI cannot be built or changed (unsuitable KMS key, missing root key, bad bundle)."""


def agency_subject(*, agency_name_th: str, agency_name_en: str) -> x509.Name:
    """Distinguished name of the agency seal: ``C=TH, O=<Thai name>, CN=<English name>``.

    O carries the agency's legal (Thai) name; cryptography encodes it as UTF8String, so Thai survives
    every validator. CN carries the English name because some older viewers show only CN and mangle
    non-Latin text there. X.520 caps CN at 64 (cryptography counts UTF-8 bytes), so a longer English
    name must be abbreviated by the tenant rather than silently cut here.
    """
    if not 0 < len(agency_name_en.encode("utf-8")) <= _MAX_COMMON_NAME_BYTES:
        raise PkiError(f"agency_name_en must be 1-{_MAX_COMMON_NAME_BYTES} bytes (X.520 common name limit)")
    if not agency_name_th.strip():
        raise PkiError("agency_name_th must not be empty")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name_th),
            x509.NameAttribute(NameOID.COMMON_NAME, agency_name_en),
        ]
    )


@dataclass(frozen=True, kw_only=True)
class LocalPki:
    """The local chain: root, agency seal and TSA certificates plus the root's current CRL.

    Objects are asn1crypto values, the currency of pyHanko and of :mod:`eservice_pdf.tsa`.
    ``root_key_pem`` is present only in a development PKI that may still issue CRLs.
    """

    root_cert: asn1_x509.Certificate
    agency_cert: asn1_x509.Certificate
    tsa_cert: asn1_x509.Certificate
    crl: asn1_crl.CertificateList
    root_key_pem: bytes | None = field(default=None, repr=False)

    @property
    def trust_roots(self) -> tuple[asn1_x509.Certificate, ...]:
        """Certificates a verifier should trust for documents sealed with this PKI."""
        return (self.root_cert,)

    @property
    def crls(self) -> tuple[asn1_crl.CertificateList, ...]:
        """Revocation data to embed (B-LT) and to validate against."""
        return (self.crl,)

    def pem(self, name: str) -> bytes:
        """PEM of ``root_cert``, ``agency_cert``, ``tsa_cert`` or ``crl`` (handy for openssl and S3)."""
        if name == "crl":
            return asn1_pem.armor("X509 CRL", self.crl.dump())
        if name not in ("root_cert", "agency_cert", "tsa_cert"):
            raise ValueError(f"unknown PKI item {name!r}")
        cert: asn1_x509.Certificate = getattr(self, name)
        return asn1_pem.armor("CERTIFICATE", cert.dump())

    def to_bundle(self, *, include_root_key: bool = True) -> bytes:
        """Serialise as a JSON document of PEM strings, for S3.

        The root private key is written, unencrypted, only when present and ``include_root_key`` is
        true: that is the DEVELOPMENT bundle (local stack, demo tenants). Never produce it for a
        production tenant; production bundles carry certificates and CRLs only.
        """
        doc: dict[str, str] = {
            "format": BUNDLE_FORMAT,
            "root_cert": self.pem("root_cert").decode("ascii"),
            "agency_cert": self.pem("agency_cert").decode("ascii"),
            "tsa_cert": self.pem("tsa_cert").decode("ascii"),
            "crl": self.pem("crl").decode("ascii"),
        }
        if include_root_key and self.root_key_pem is not None:
            doc["root_key_dev_only"] = self.root_key_pem.decode("ascii")
        return json.dumps(doc, indent=2).encode("utf-8")

    @classmethod
    def from_bundle(cls, bundle: bytes) -> LocalPki:
        """Load a bundle written by :meth:`to_bundle`."""
        try:
            doc = json.loads(bundle)
            if doc.get("format") != BUNDLE_FORMAT:
                raise PkiError(f"not a {BUNDLE_FORMAT} bundle")
            root_key = doc.get("root_key_dev_only")
            return cls(
                root_cert=_load_pem_cert(doc["root_cert"]),
                agency_cert=_load_pem_cert(doc["agency_cert"]),
                tsa_cert=_load_pem_cert(doc["tsa_cert"]),
                crl=asn1_crl.CertificateList.load(asn1_pem.unarmor(doc["crl"].encode("ascii"))[2]),
                root_key_pem=root_key.encode("ascii") if root_key else None,
            )
        except PkiError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise PkiError(f"unreadable PKI bundle: {exc}") from exc

    @property
    def crl_next_update(self) -> dt.datetime:
        """When the current CRL stops being acceptable to validators (and to :func:`seal_pdf`)."""
        next_update: dt.datetime = self.crl["tbs_cert_list"]["next_update"].native
        return next_update

    def with_fresh_crl(
        self,
        *,
        now: dt.datetime | None = None,
        margin: dt.timedelta = dt.timedelta(days=1),
        crl_validity: dt.timedelta = _DEFAULT_CRL_VALIDITY,
    ) -> LocalPki:
        """Return ``self``, or a PKI with a re-issued CRL if the current one expires within ``margin``.

        Sealing requires revocation data that is fresh (B-LT; ``revocation_mode="require"``), so a
        long-lived dev bundle must pass through this before each use and be stored again if it changed.
        """
        now = _utc(now)
        if self.crl_next_update - margin > now:
            return self
        return self.refresh_crl(now=now, crl_validity=crl_validity)

    def with_renewed_certificates(
        self, *, now: dt.datetime | None = None, margin: dt.timedelta = dt.timedelta(days=30)
    ) -> LocalPki:
        """Return ``self``, or a PKI whose agency/TSA certificate that expires within ``margin`` is renewed.

        An agency renews its organisational certificate before it lapses (R-4.3): the renewal keeps the
        subject, the KMS key and every extension, with a new serial number and a fresh validity. Documents
        sealed under the old certificate stay valid: they carry their own certificate, CRL and timestamp.
        """
        now = _utc(now)
        if self.root_key_pem is None:
            return self
        renewed: dict[str, asn1_x509.Certificate] = {}
        for name, validity in (("agency_cert", _AGENCY_VALIDITY), ("tsa_cert", _TSA_VALIDITY)):
            cert: asn1_x509.Certificate = getattr(self, name)
            if cert["tbs_certificate"]["validity"]["not_after"].native - margin <= now:
                renewed[name] = self._renew(cert, now=now, validity=validity)
        return replace(self, **renewed) if renewed else self

    def _renew(self, cert: asn1_x509.Certificate, *, now: dt.datetime, validity: dt.timedelta) -> asn1_x509.Certificate:
        assert self.root_key_pem is not None
        root_key = serialization.load_pem_private_key(self.root_key_pem, password=None)
        if not isinstance(root_key, rsa.RSAPrivateKey):
            raise PkiError("the root key must be an RSA key")
        root = x509.load_der_x509_certificate(self.root_cert.dump())
        old = x509.load_der_x509_certificate(cert.dump())
        if now + validity > root.not_valid_after_utc:
            raise PkiError("the root certificate expires before a renewed certificate would: create a new PKI")
        builder = (
            x509.CertificateBuilder()
            .subject_name(old.subject)
            .issuer_name(old.issuer)
            .public_key(old.public_key())  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + validity)
        )
        for extension in old.extensions:
            builder = builder.add_extension(extension.value, critical=extension.critical)
        return _to_asn1(builder.sign(root_key, hashes.SHA256()))

    def revoke(
        self,
        serial_number: int,
        *,
        now: dt.datetime | None = None,
        crl_validity: dt.timedelta = _DEFAULT_CRL_VALIDITY,
    ) -> LocalPki:
        """Return a PKI whose new CRL also lists ``serial_number`` as revoked at ``now``."""
        now = _utc(now)
        return self._reissue_crl(now=now, crl_validity=crl_validity, newly_revoked=[(serial_number, now)])

    def refresh_crl(
        self, *, now: dt.datetime | None = None, crl_validity: dt.timedelta = _DEFAULT_CRL_VALIDITY
    ) -> LocalPki:
        """Return a PKI with a re-issued CRL (same revocations), e.g. when nextUpdate has passed."""
        return self._reissue_crl(now=_utc(now), crl_validity=crl_validity, newly_revoked=[])

    def _reissue_crl(
        self,
        *,
        now: dt.datetime,
        crl_validity: dt.timedelta,
        newly_revoked: Iterable[tuple[int, dt.datetime]],
    ) -> LocalPki:
        if self.root_key_pem is None:
            raise PkiError("this PKI has no root key: CRLs can only be re-issued by its CA")
        root_key = serialization.load_pem_private_key(self.root_key_pem, password=None)
        if not isinstance(root_key, rsa.RSAPrivateKey):
            raise PkiError("the root key must be an RSA key")
        tbs = self.crl["tbs_cert_list"]
        revoked = [
            (entry["user_certificate"].native, entry["revocation_date"].native) for entry in tbs["revoked_certificates"]
        ]
        revoked.extend(newly_revoked)
        previous_number = self.crl.crl_number_value.native if self.crl.crl_number_value else 0
        new_crl = _issue_crl(
            root_cert=x509.load_der_x509_certificate(self.root_cert.dump()),
            root_key=root_key,
            revoked=revoked,
            crl_number=previous_number + 1,
            now=now,
            validity=crl_validity,
        )
        return replace(self, crl=new_crl)


def create_local_pki(
    *,
    kms_client: Any,
    seal_key_id: str,
    tsa_key_id: str,
    agency_name_th: str,
    agency_name_en: str,
    domain: str,
    now: dt.datetime | None = None,
) -> LocalPki:
    """Build the development chain over the two KMS keys (see the module docstring).

    :param kms_client: boto3 KMS client (two ``kms:GetPublicKey`` calls).
    :param seal_key_id: the agency seal key (``RSA_*``, ``SIGN_VERIFY``).
    :param tsa_key_id: the timestamp authority key (``RSA_*``, ``SIGN_VERIFY``).
    :param agency_name_th: legal name in Thai, e.g. ``องค์การบริหารส่วนตำบลคลองน้อย``.
    :param agency_name_en: English name.
    :param domain: the tenant's domain; CRL distribution points and caIssuers (AIA) point at
        ``https://<domain>/pki/`` (see :func:`trust_material`).
    :param now: issuing time (defaults to the current UTC time).
    """
    now = _utc(now)
    seal_subject = agency_subject(agency_name_th=agency_name_th, agency_name_en=agency_name_en)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name_th),
            x509.NameAttribute(NameOID.COMMON_NAME, "e-Service Local Development Root CA"),
        ]
    )
    root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root_cert = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(root_ski, critical=False)
        .sign(root_key, hashes.SHA256())
    )
    crl_dp = x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(f"https://{domain}/{PKI_PREFIX}{ROOT_CRL}")],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )
    # Where a relying party fetches the issuer when only the leaf is at hand (RFC 5280 §4.2.2.1).
    aia = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier(f"https://{domain}/{PKI_PREFIX}{ROOT_CERT}"),
            )
        ]
    )

    def issue(
        subject: x509.Name, public_key: rsa.RSAPublicKey, validity: dt.timedelta, *extra: x509.ExtensionType
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root_name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(min(now + validity, root_cert.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            # digitalSignature + nonRepudiation: pyHanko refuses seals without nonRepudiation.
            .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), False)
            .add_extension(crl_dp, critical=False)
            .add_extension(aia, critical=False)
        )
        for ext in extra:
            # RFC 3161 §2.3: the TSA's EKU must be critical and name timeStamping only.
            builder = builder.add_extension(ext, critical=True)
        return builder.sign(root_key, hashes.SHA256())

    agency_cert = issue(
        seal_subject,
        _kms_public_key(kms_client, seal_key_id),
        _AGENCY_VALIDITY,
    )
    tsa_subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency_name_th),
            x509.NameAttribute(NameOID.COMMON_NAME, "e-Service Time-Stamping Authority"),
        ]
    )
    tsa_cert = issue(
        tsa_subject,
        _kms_public_key(kms_client, tsa_key_id),
        _TSA_VALIDITY,
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
    )
    crl = _issue_crl(
        root_cert=root_cert,
        root_key=root_key,
        revoked=[],
        crl_number=1,
        now=now,
        validity=_DEFAULT_CRL_VALIDITY,
    )
    return LocalPki(
        root_cert=_to_asn1(root_cert),
        agency_cert=_to_asn1(agency_cert),
        tsa_cert=_to_asn1(tsa_cert),
        crl=crl,
        root_key_pem=root_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


@dataclass(frozen=True)
class PublishedObject:
    """One file of the trust material, as stored under ``pki/`` and served at ``/pki/<name>``."""

    key: str
    body: bytes
    content_type: str
    cache_control: str


def trust_material(pki: LocalPki) -> tuple[PublishedObject, ...]:
    """What a relying party needs to check a seal without trusting our own verification page.

    The root certificate (DER and PEM) and the root's current CRL (DER), at the URLs the issued
    certificates name. The CRL comes last, so a reader never sees a CRL of a root not yet published.
    """
    return (
        PublishedObject(PKI_PREFIX + ROOT_CERT, pki.root_cert.dump(), "application/pkix-cert", _CERT_CACHE_CONTROL),
        PublishedObject(PKI_PREFIX + ROOT_PEM, pki.pem("root_cert"), "application/x-pem-file", _CERT_CACHE_CONTROL),
        PublishedObject(PKI_PREFIX + ROOT_CRL, pki.crl.dump(), "application/pkix-crl", _CRL_CACHE_CONTROL),
    )


def agency_csr(*, kms_client: Any, seal_key_id: str, subject: x509.Name) -> bytes:
    """PEM PKCS#10 request for the KMS seal key, signed by KMS (production path, R-4.3–4.5).

    The agency sends this to a Thai CA (recognised by NRCA) to obtain its organisational certificate.
    cryptography cannot sign a CSR with an external key, so the request is assembled with asn1crypto
    and its CertificationRequestInfo signed with ``kms:Sign`` (RAW, PKCS#1 v1.5 SHA-256).
    """
    public_key = asn1_keys.PublicKeyInfo.load(_kms_public_key_der(kms_client, seal_key_id))
    key_usage = asn1_x509.KeyUsage({"digital_signature", "non_repudiation"})
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.load(subject.public_bytes()),
            "subject_pk_info": public_key,
            "attributes": [
                {
                    "type": "extension_request",
                    "values": [[{"extn_id": "key_usage", "critical": True, "extn_value": key_usage}]],
                }
            ],
        }
    )
    try:
        response = kms_client.sign(
            KeyId=seal_key_id,
            Message=info.dump(),
            MessageType="RAW",  # moto ignores DIGEST; RAW works on moto and AWS alike
            SigningAlgorithm=_PKCS1_SHA256,
        )
    except (ClientError, BotoCoreError) as exc:
        raise PkiError(f"kms:Sign refused the certificate request: {exc}") from exc
    request = asn1_csr.CertificationRequest(
        {
            "certification_request_info": info,
            "signature_algorithm": {"algorithm": "sha256_rsa"},
            "signature": response["Signature"],
        }
    )
    return asn1_pem.armor("CERTIFICATE REQUEST", request.dump())


def _issue_crl(
    *,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    revoked: Iterable[tuple[int, dt.datetime]],
    crl_number: int,
    now: dt.datetime,
    validity: dt.timedelta,
) -> asn1_crl.CertificateList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(now - _BACKDATE)
        .next_update(now + validity)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
    )
    for serial, revoked_at in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at).build()
        )
    der = builder.sign(root_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return asn1_crl.CertificateList.load(der)


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _kms_public_key_der(kms_client: Any, key_id: str) -> bytes:
    try:
        response = kms_client.get_public_key(KeyId=key_id)
    except (ClientError, BotoCoreError) as exc:
        raise PkiError(f"cannot read the public key of KMS key {key_id}: {exc}") from exc
    # Checked through SigningAlgorithms: moto reports only the deprecated CustomerMasterKeySpec.
    algorithms = response.get("SigningAlgorithms", ())
    if response.get("KeyUsage") != "SIGN_VERIFY" or _PKCS1_SHA256 not in algorithms:
        raise PkiError(f"KMS key {key_id} must be an RSA SIGN_VERIFY key")
    der: bytes = response["PublicKey"]
    return der


def _kms_public_key(kms_client: Any, key_id: str) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(_kms_public_key_der(kms_client, key_id))
    if not isinstance(key, rsa.RSAPublicKey):
        raise PkiError(f"KMS key {key_id} is not an RSA key")
    return key


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _load_pem_cert(text: str) -> asn1_x509.Certificate:
    _, _, der = asn1_pem.unarmor(text.encode("ascii"))
    return asn1_x509.Certificate.load(der)


def _utc(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(dt.UTC)
