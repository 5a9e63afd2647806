"""sign: Thai PDFs sealed with the agency key (PAdES B-LTA), and public verification.

Invoked by the saga (``acknowledgment``, ``refusal``, ``dismissal_order``, ``invoice``, ``paid``,
``draft_licence``, ``seal_licence``) with ids only, by notify (``notice``: the sealed notice an e-mail
carries, R-4.3-R-4.5; ``licence_holder_notice``: the same for the holder of a paper licence, keyed by the licence),
by intake (``verify``, ``verify_attachment``) for uploaded PDFs, (``issue_announcement``) to seal an
announcement the head approved and (``correspondence_pdf``) to seal a register of correspondence, and
daily by the scheduler (``refresh_pki``: keeps the CRL published at ``/pki/root.crl`` current).
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from eservice import clock_source
from eservice.aws import client, quarantine_location, transient_errors_retried
from eservice.dynamo import DynamoDatabase
from eservice.errors import ServiceError
from eservice.payments import PaymentDesk
from eservice.ports import Repositories
from eservice.saga_steps import record_transition
from eservice.settings import settings, tenant
from eservice.snapstart import after_restore, clear_module_caches
from eservice_pdf import agency_keys
from eservice_pdf.agency_keys import agency_pki, seal_signer, timestamper
from eservice_pdf.issuing import Issuing
from eservice_pdf.seal import seal_pdf

logger = Logger(service="eservice-sign")


def _seal(pdf: bytes, reason: str) -> bytes:
    pki = agency_pki()
    agency = tenant()
    # seal_pdf validates its own output and raises rather than return a seal that does not verify.
    return seal_pdf(
        pdf,
        signer=seal_signer(),
        timestamper=timestamper(),
        pki_roots=pki.trust_roots,
        crls=pki.crls,
        reason=reason,
        location=agency.domain,
        contact=agency.saraban_email,
        moment=clock_source.now(),
    )


def _trust() -> tuple[list[Any], list[Any]]:
    """The agency's own root plus the tenant's trust list (R-3.3.6)."""
    from asn1crypto import pem, x509

    pki = agency_pki()
    roots: list[Any] = list(pki.trust_roots)
    folder = settings().tenant_file.parent
    for name in tenant().trust_list:
        data = (folder / name).read_bytes()
        if pem.detect(data):
            data = pem.unarmor(data)[2]
        roots.append(x509.Certificate.load(data))
    return roots, list(pki.crls)


@cache
def work_repositories() -> Repositories:
    return DynamoDatabase.from_env().repositories


@cache
def issuing() -> Issuing:
    config = settings()
    return Issuing(
        repos=work_repositories(),
        tenant=tenant(),
        s3=client("s3"),
        documents_bucket=config.documents_bucket,
        public_base_url=config.public_base_url or f"https://{tenant().domain}",
        seal=_seal,
        trust=_trust,
    )


def _register_pdf(event: dict[str, Any]) -> dict[str, Any]:
    from datetime import date

    from eservice.correspondence import Correspondence
    from eservice_pdf.registers import issue_register_pdf

    database = DynamoDatabase.from_env()
    s3 = client("s3")

    def put(key: str, pdf: bytes, checksum: str) -> None:
        s3.put_object(
            Bucket=settings().documents_bucket,
            Key=key,
            Body=pdf,
            ContentType="application/pdf",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=checksum,
        )

    return issue_register_pdf(
        correspondence=Correspondence(store=database.correspondence, tenant=tenant()),
        tenant=tenant(),
        register=event["register"],
        start=date.fromisoformat(event["start"]) if event.get("start") else None,
        end=date.fromisoformat(event["end"]) if event.get("end") else None,
        seal=_seal,
        put=put,
        keep_document=database.repositories.licences.keep_document,
        now=clock_source.now(),
        by=str(event.get("by") or ""),
    )


def _licence_holder_notice(event: dict[str, Any]) -> dict[str, Any]:
    """R-5.4: the sealed status notice of a licence born of no request (a paper licence of the back
    catalogue), keyed by the licence: the same template and seal as a request-born holder's notice, kept in
    the documents bucket, indexed by its hash (verification recognises it) and remembered on the licence, so
    a retried step finds it instead of sealing another."""
    import hashlib
    from datetime import date, datetime

    from eservice.licence_register import keep_holder_document
    from eservice.notices import LICENCE_NOTICES, notice_kind
    from eservice_pdf import render

    licences = DynamoDatabase.from_env().repositories.licences
    number, template, occasion = str(event["licence_number"]), str(event["template"]), str(event["key"])
    extra = dict(event.get("extra") or {})
    kind = notice_kind(template, occasion)
    record = licences.get(number)
    if record is None:
        raise ValueError("no such licence")
    existing = (record.get("holder_documents") or {}).get(kind)
    if existing:
        return {**existing, "kind": kind}
    agency = tenant()
    service = agency.service(record["service_id"])
    until = extra.get("until")
    pdf = render.render_status_notice(
        agency,
        service,
        render.NoticeData(
            licence_number=number,
            holder_name=str(record.get("holder") or "-"),
            new_status=LICENCE_NOTICES[template],  # type: ignore[arg-type]
            reason=str(extra.get("reason") or "-"),
            effective_at=datetime.fromisoformat(extra.get("effective_at") or clock_source.now().isoformat()),
            until=date.fromisoformat(until[:10]) if until else None,
        ),
    )
    sealed = "notice" in agency.signing.auto_seal
    if sealed:
        pdf = _seal(pdf, f"หนังสือแจ้งสถานะใบอนุญาต เลขที่ {number}")
    digest = hashlib.sha256(pdf).hexdigest()
    key = f"licences/notices/{kind}-{digest[:16]}.pdf"
    client("s3").put_object(
        Bucket=settings().documents_bucket,
        Key=key,
        Body=pdf,
        ContentType="application/pdf",
        ChecksumAlgorithm="SHA256",
        ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(),
    )
    # The hash first: a document the holder may hold is always recognised by verification.
    licences.keep_document(digest, {"kind": kind, "licence_number": number, "request_id": None})
    safe = "".join(c if c.isalnum() or c in ".-" else "-" for c in number)
    document = {
        "key": key,
        "file_name": f"{kind.replace('_', '-')}-{safe}.pdf",
        "sha256": digest,
        "sealed": sealed,
        "size": len(pdf),
        "created_at": clock_source.now().isoformat(),
    }
    keep_holder_document(licences, number, kind, document)
    kept = (licences.get(number) or {}).get("holder_documents", {}).get(kind) or document
    return {**kept, "kind": kind}


@logger.inject_lambda_context(clear_state=True)
@transient_errors_retried
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Dispatch one document action."""
    action = event["action"]
    logger.append_keys(action=action, request_id=event.get("request_id"))
    work = issuing()
    if action == "acknowledgment":
        return work.acknowledgment(event["request_id"])
    if action == "refusal":
        return work.refusal(event["request_id"])
    if action == "dismissal_order":
        return work.dismissal_order(event["request_id"])
    if action == "invoice":
        # Q6.1: the fee notice is opened (invoice number, deadline, Thai QR) and its invoice made in one step
        # (issue 14: one saga state and one invocation, not two; both halves are idempotent).
        PaymentDesk(repos=work_repositories(), tenant=tenant()).open_payment(event["request_id"])
        return work.invoice(event["request_id"])
    if action == "paid":
        # The payment is settled: the status change, the e-receipt (Q6.6), then the draft licence for the
        # authorised signer (Q7.1-7.2), which always follows it: one saga state (issue 14). Each is idempotent.
        record_transition(work_repositories().requests, event["request_id"], "paid")
        return {"receipt": work.receipt(event["request_id"]), "draft": work.draft_licence(event["request_id"])}
    if action == "notice":
        # Called by notify before the e-mail that carries the notice; ids and the message's extra only.
        return work.notice(event["request_id"], event["template"], event["key"], event.get("extra") or {})
    if action == "licence_holder_notice":
        # Called by notify before the e-mail to the holder of a licence born of no request.
        return _licence_holder_notice(event)
    if action == "draft_licence":
        return work.draft_licence(event["request_id"])
    if action == "seal_licence":
        return work.seal_licence(event["request_id"])
    if action == "verify":
        return work.verify(base64.b64decode(event["pdf_base64"]))
    if action == "issue_announcement":
        # A refusal (not approved, a race) goes back to intake as the typed error it is.
        try:
            return {"announcement": work.issue_announcement(event["announcement_id"])}
        except ServiceError as error:
            return {"error": error.as_dict(), "status": error.status}
    if action == "refresh_pki":
        # Daily: a CRL near its nextUpdate is re-issued, and the trust material published (/pki/).
        pki = agency_pki()
        return {"crl_next_update": pki.crl_next_update.isoformat()}
    if action == "verify_upload":
        config = settings()
        bucket, key = quarantine_location(
            config.uploads_bucket, event["key"], quarantine_bucket=config.quarantine_bucket, tenant_id=config.tenant_id
        )
        return work.verify_upload(client("s3"), bucket, key)
    if action == "correspondence_pdf":
        # a register of correspondence for a period, sealed and kept (asked by intake).
        try:
            return _register_pdf(event)
        except ServiceError as error:
            return {"error": error.as_dict(), "status": error.status}
    raise ValueError(f"unknown sign action {action!r}")


# --- SnapStart (issue 14): nothing restored from the snapshot holds a client, a connection or a secret --------
@after_restore
def forget_clients_and_secrets() -> None:
    """Every cache of this module and of the agency keys (KMS signers, timestamp authorities) is built again."""
    clear_module_caches(globals())
    clear_module_caches(vars(agency_keys))
