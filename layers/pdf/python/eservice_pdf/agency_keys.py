"""The agency's certificates, timestamp authority and seal signer, once per container.

``signing.mode: local-pki`` (local stack, demo tenants): on first use the stack creates its own
PKI over its two KMS keys (root CA, agency seal certificate, TSA certificate, CRL) and keeps the
bundle in the tenant table; concurrent first uses agree on one bundle (conditional write).
``signing.mode: certificate`` (production): the agency's certificate from a Thai CA, and its chain,
are read from the documents bucket at the keys named in the tenant file.

Trust material (local-pki mode): the root certificate and its current CRL are published where the
certificates say they are, ``https://<domain>/pki/root.crt|root.pem|root.crl``, by writing them under
``pki/`` in the bucket named by ``PKI_BUCKET`` (the sites bucket, served by CloudFront's ``/pki/*``
behaviour; only the sign function has that variable and may write those three keys). A container
publishes the first bundle it holds and every CRL it re-issues; a failed write fails the call and is
tried again on the next one. In certificate mode the Thai CA publishes its own root and CRLs.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from typing import Any

from asn1crypto import algos, tsp, x509

from eservice import clock_source
from eservice.aws import client
from eservice.dynamo import DynamoDatabase
from eservice.settings import settings, tenant

from .pki import LocalPki, create_local_pki, trust_material
from .tsa import EXAMPLE_POLICY_OID, KmsTimeStampAuthority

__all__ = [
    "PKI_BUCKET_ENV",
    "AgencyTsa",
    "agency_pki",
    "publish_trust_material",
    "seal_signer",
    "timestamp_authority",
    "timestamper",
]

#: Environment variable naming the bucket whose ``pki/`` prefix is served at ``https://<domain>/pki/``.
PKI_BUCKET_ENV = "PKI_BUCKET"

_lock = threading.Lock()


# The PKI this container holds, by the stack's table (one entry in Lambda; one per tenant in the local
# cell, which runs several tenants' functions in one process).
_current: dict[str, LocalPki] = {}
# The CRL (DER) this container last published, by the bucket it went to; absent: nothing published yet.
_published_crl: dict[str, bytes] = {}


def agency_pki() -> LocalPki:
    """The agency's PKI, with a CRL fresh enough to seal with (B-LT needs current revocation data)."""
    stack = settings().table_name
    with _lock:
        current = _current.get(stack)
        if current is None:
            current = _current[stack] = _load_or_create()
        if current.root_key_pem is not None:
            now = clock_source.now()
            fresh = current.with_renewed_certificates(now=now).with_fresh_crl(now=now)
            if fresh is not current:
                DynamoDatabase.from_env().pki.save(fresh.to_bundle().decode(), only_new=False)
                current = _current[stack] = fresh
            _publish_if_new(current)
        return current


def _publish_if_new(pki: LocalPki) -> None:
    """Publish after the bundle was created, loaded by this container or given a fresh CRL."""
    bucket = os.environ.get(PKI_BUCKET_ENV)
    crl = pki.crl.dump()
    if not bucket or crl == _published_crl.get(bucket):
        return
    publish_trust_material(pki, s3=client("s3"), bucket=bucket)
    _published_crl[bucket] = crl


def publish_trust_material(pki: LocalPki, *, s3: Any, bucket: str) -> None:
    """Write the root certificate (DER, PEM) and the current CRL under ``pki/`` in ``bucket``."""
    for item in trust_material(pki):
        s3.put_object(
            Bucket=bucket,
            Key=item.key,
            Body=item.body,
            ContentType=item.content_type,
            CacheControl=item.cache_control,
        )


def _load_or_create() -> LocalPki:
    """The stored bundle, or a new local PKI (first use in local-pki mode)."""
    config = settings()
    agency = tenant()
    kept = DynamoDatabase.from_env().pki
    bundle = kept.load()
    if bundle is not None:
        return LocalPki.from_bundle(bundle.encode())
    if agency.signing.mode == "certificate":
        return _production_pki(agency.signing.certificate_s3_key or "")
    pki = create_local_pki(
        kms_client=client("kms"),
        seal_key_id=config.seal_key_id,
        tsa_key_id=config.tsa_key_id,
        agency_name_th=agency.name.th,
        agency_name_en=agency.name.en,
        domain=agency.domain,
        now=clock_source.now(),
    )
    if not kept.save(pki.to_bundle().decode(), only_new=True):
        # Another container created it first: everyone uses that one.
        stored = kept.load()
        assert stored is not None
        return LocalPki.from_bundle(stored.encode())
    return pki


def _production_pki(certificate_key: str) -> LocalPki:
    """Production: a bundle (no root key) with the certificate a Thai CA issued over the seal key."""
    s3 = client("s3")
    bucket = settings().documents_bucket
    bundle = s3.get_object(Bucket=bucket, Key=certificate_key)["Body"].read()
    return LocalPki.from_bundle(bundle)


class AgencyTsa:
    """The clock's RFC 3161 authority plus a helper to stamp a digest directly."""

    def __init__(self, authority: KmsTimeStampAuthority) -> None:
        self.authority = authority

    def respond(self, request_der: bytes) -> bytes:
        """Answer a TimeStampReq (never raises: rejections are TimeStampResp statuses)."""
        return self.authority.respond(request_der)

    def stamp_digest(self, sha256_digest: bytes) -> bytes:
        """An RFC 3161 token (CMS ContentInfo, DER) over a SHA-256 digest, e.g. of the intent evidence."""
        request = tsp.TimeStampReq(
            {
                "version": 1,
                "message_imprint": tsp.MessageImprint(
                    {
                        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                        "hashed_message": sha256_digest,
                    }
                ),
                "nonce": int.from_bytes(hashlib.sha256(sha256_digest).digest()[:8], "big"),
                "cert_req": True,
            }
        )
        reply = self.respond(request.dump())
        try:
            response = tsp.TimeStampResp.load(reply)
            return bytes(response["time_stamp_token"].dump())
        except ValueError:
            # asn1crypto cannot read a rejection (no token): the authority refused.
            raise RuntimeError("the timestamp authority refused the request") from None


def timestamp_authority() -> AgencyTsa:
    """This stack's TSA (its key in KMS), with the service's official clock and its current certificate."""
    pki = agency_pki()
    return _authority(pki.tsa_cert.dump(), pki.root_cert.dump())


@lru_cache(maxsize=2)
def _authority(tsa_cert_der: bytes, root_cert_der: bytes) -> AgencyTsa:
    # One per certificate: a renewal (LocalPki.with_renewed_certificates) gives a new authority.
    return AgencyTsa(
        KmsTimeStampAuthority(
            kms_client=client("kms"),
            key_id=settings().tsa_key_id,
            tsa_cert=x509.Certificate.load(tsa_cert_der),
            chain=(x509.Certificate.load(root_cert_der),),
            policy_oid=EXAMPLE_POLICY_OID,
            clock=clock_source.now,
        )
    )


def timestamper() -> Any:
    """The pyHanko TimeStamper: the tenant's external TSA, or this stack's own authority."""
    external = tenant().signing.tsa_url
    if external:
        return _external_timestamper(external)
    return _in_process_timestamper(timestamp_authority())


@lru_cache(maxsize=2)
def _external_timestamper(url: str) -> Any:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url)


@lru_cache(maxsize=2)
def _in_process_timestamper(authority: AgencyTsa) -> Any:
    # One pyHanko TimeStamper per authority (each new one makes a dummy call).
    from .tsa import InProcessTimeStamper

    return InProcessTimeStamper(authority=authority.authority)


def seal_signer() -> Any:
    """The agency seal: a pyHanko signer whose key never leaves KMS, with the current certificate."""
    pki = agency_pki()
    return _signer(pki.agency_cert.dump(), pki.root_cert.dump())


@lru_cache(maxsize=2)
def _signer(agency_cert_der: bytes, root_cert_der: bytes) -> Any:
    from .kms_signer import KmsSigner

    return KmsSigner(
        kms_client=client("kms"),
        key_id=settings().seal_key_id,
        signing_cert=x509.Certificate.load(agency_cert_der),
        chain=(x509.Certificate.load(root_cert_der),),
    )
