"""Issuing documents: render, seal, check, keep, register (R-4.1-R-4.5, Q7, R-5.1).

Every document sent to a citizen is sealed automatically with the agency's key (R-4.3-4.5) where
the tenant marks it so; the licence is sealed only after the authorised signer approved the exact
draft (its SHA-256 is compared). Files go to the documents bucket (versioned, object lock) and
are never overwritten: a new version gets a new key.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from eservice import clock_source
from eservice.announcements import KINDS, issued_fields, public_view, title_of
from eservice.errors import Conflict, NotFound
from eservice.ports import Repositories
from eservice.register import LicenceRegister
from eservice.tenant import Service, Tenant
from eservice.time_rules import BANGKOK, buddhist_year

from . import render
from .verify import verify_pdf

__all__ = ["Issuing"]


class Issuing:
    """The sign function's work, over the tenant's table and documents bucket."""

    def __init__(
        self,
        *,
        repos: Repositories,
        tenant: Tenant,
        s3: Any,
        documents_bucket: str,
        public_base_url: str,
        seal: Callable[[bytes, str], bytes],
        trust: Callable[[], tuple[list[Any], list[Any]]],
    ) -> None:
        self._requests = repos.requests
        self._numbers = repos.numbers
        self._licences = repos.licences
        self._announcements = repos.announcements
        self._tenant = tenant
        self._s3 = s3
        self._bucket = documents_bucket
        self._base = public_base_url.rstrip("/")
        self._seal = seal
        self._trust = trust

    # --- documents of a request -------------------------------------------------------------------
    def acknowledgment(self, request_id: str) -> dict[str, Any]:
        """R-2.3, Q3.10: the acknowledgment of receipt, sealed when the tenant auto-seals it."""
        record, service = self._request(request_id)
        existing = (record.get("documents") or {}).get("acknowledgment")
        if existing:
            return existing  # type: ignore[no-any-return]
        pdf = render.render_acknowledgment(
            self._tenant,
            service,
            render.AcknowledgmentData(
                receipt_number=record["receipt_number"],
                request_reference=request_id,
                applicant_name=self._holder(record),
                submitted_at=datetime.fromisoformat(record["submitted_at"]),
                deemed_received_at=datetime.fromisoformat(record["deemed_received_at"]),
                expected_completion=datetime.fromisoformat(record["due_at"]),
                tracking_url=f"{self._base}/#/requests/{request_id}",
                attachments=[a["file_name"] for a in record.get("attachments", [])],
                declaration_hash=record["intent"]["content_hash"],
            ),
        )
        sealed = "acknowledgment" in self._tenant.signing.auto_seal
        if sealed:
            pdf = self._seal(pdf, f"ใบตอบรับคำขอเลขรับที่ {record['receipt_number']}")
        return self._keep(request_id, "acknowledgment", pdf, f"acknowledgment-{request_id}.pdf", sealed=sealed)

    def refusal(self, request_id: str) -> dict[str, Any]:
        """R-4.1: the refusal letter with the officer's reasons, sealed."""
        record, service = self._request(request_id)
        existing = (record.get("documents") or {}).get("refusal")
        if existing:
            return existing  # type: ignore[no-any-return]
        decision = record.get("decision") or {}
        pdf = render.render_refusal(
            self._tenant,
            service,
            render.RefusalData(
                request_reference=request_id,
                applicant_name=self._holder(record),
                decided_at=datetime.fromisoformat(decision.get("at") or clock_source.now().isoformat()),
                # One reason a line, as the officer wrote them.
                reasons=[line.strip() for line in (decision.get("reason") or "-").splitlines() if line.strip()],
                legal_basis=decision.get("legal_basis"),
                appeal=(
                    "ท่านมีสิทธิอุทธรณ์คำสั่งนี้ต่อ"
                    f"{self._tenant.head_title.th} ภายใน 15 วันนับแต่วันที่ได้รับแจ้ง "
                    "ตามพระราชบัญญัติวิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 44"
                ),
            ),
        )
        pdf = self._seal(pdf, f"หนังสือแจ้งผลการพิจารณาคำขอ {request_id}")
        return self._keep(request_id, "refusal", pdf, f"refusal-{request_id}.pdf", sealed=True)

    def dismissal_order(self, request_id: str) -> dict[str, Any]:
        """R-3.2, Q4.6: the head's dismissal as a sealed order with its true grounds and the appeal."""
        from eservice.applications import dismissal_grounds

        from .dismissal import DismissalOrderData, render_dismissal_order

        record, service = self._request(request_id)
        existing = (record.get("documents") or {}).get("dismissal_order")
        if existing:
            return existing  # type: ignore[no-any-return]
        decision = record.get("decision") or {}
        ordered_at = datetime.fromisoformat(decision.get("at") or clock_source.now().isoformat())
        grounds = {
            **dismissal_grounds(self._requests.events(request_id), self._tenant),
            "order_reason": decision.get("reason"),
        }
        pdf = render_dismissal_order(
            self._tenant,
            service,
            DismissalOrderData(
                request_reference=request_id,
                receipt_number=record.get("receipt_number"),
                applicant_name=self._holder(record),
                submitted_at=datetime.fromisoformat(record["submitted_at"]),
                ordered_at=ordered_at,
                grounds=grounds,
            ),
        )
        pdf = self._seal(pdf, f"คำสั่งจำหน่ายเรื่องคำขอ {request_id}")
        return self._keep(request_id, "dismissal_order", pdf, f"dismissal-order-{request_id}.pdf", sealed=True)

    def invoice(self, request_id: str) -> dict[str, Any]:
        """Q6.1: the fee invoice with its Thai QR, sealed when the tenant auto-seals invoices."""
        record, service = self._request(request_id)
        existing = (record.get("documents") or {}).get("invoice")
        if existing:
            return existing  # type: ignore[no-any-return]
        payment = record["payment"]
        description = service.fee.description.th if service.fee else service.name.th
        pdf = render.render_fee_invoice(
            self._tenant,
            service,
            render.InvoiceData(
                invoice_number=payment["invoice_number"],
                request_reference=request_id,
                payer_name=self._holder(record),
                amount_satang=int(payment["amount_satang"]),
                due_at=datetime.fromisoformat(payment["due_at"]),
                qr_payload=payment["qr_payload"],
                lines=[(f"ค่าธรรมเนียม{service.licence.title.th} ({description})", int(payment["amount_satang"]))],
                issued_at=datetime.fromisoformat(payment["issued_at"]),
            ),
        )
        sealed = "invoice" in self._tenant.signing.auto_seal
        if sealed:
            pdf = self._seal(pdf, f"ใบแจ้งชำระค่าธรรมเนียมเลขที่ {payment['invoice_number']}")
        return self._keep(request_id, "invoice", pdf, f"invoice-{payment['invoice_number']}.pdf", sealed=sealed)

    def receipt(self, request_id: str) -> dict[str, Any]:
        """Q6.6: the electronic receipt of a settled payment, numbered per agency per Buddhist year."""
        record, service = self._request(request_id)
        existing = (record.get("documents") or {}).get("receipt")
        if existing:
            return existing  # type: ignore[no-any-return]
        paid = record["paid"]
        paid_at = datetime.fromisoformat(paid["paid_at"]) if "T" in paid["paid_at"] else clock_source.now()
        year = buddhist_year(paid_at)
        number = f"RC{year}{self._numbers.take('e-receipt', year, owner=request_id):06d}"
        pdf = render.render_receipt(
            self._tenant,
            service,
            render.ReceiptData(
                receipt_number=number,
                request_reference=request_id,
                payer_name=self._holder(record),
                amount_satang=int(paid["amount_satang"]),
                paid_at=paid_at,
                channel=paid["channel"],
                transaction_reference=paid["transaction_id"],
            ),
        )
        sealed = "receipt" in self._tenant.signing.auto_seal
        if sealed:
            pdf = self._seal(pdf, f"ใบเสร็จรับเงินเลขที่ {number}")
        fields = {"receipt_number_e": number}
        return self._keep(request_id, "receipt", pdf, f"receipt-{number}.pdf", sealed=sealed, fields=fields)

    def draft_licence(self, request_id: str) -> dict[str, Any]:
        """Q7.1-7.2: the draft licence with its number, for the authorised signer to read and approve."""
        record, service = self._request(request_id)
        existing = (record.get("documents") or {}).get("licence_draft")
        if existing:
            return {"sha256": existing["sha256"], "licence_number": record["licence_number"]}
        now = clock_source.now()
        year = buddhist_year(now)
        series = f"licence-{service.licence.number_prefix}"
        number = self._numbers.take(series, year, owner=request_id)
        licence_number = f"{service.licence.number_prefix}-{year}-{number:05d}"
        issued_on = now.astimezone(BANGKOK)
        valid_until = (
            (issued_on + timedelta(days=service.licence.validity_days - 1)).date()
            if service.licence.validity_days
            else None
        )
        data = render.LicenceData(
            licence_number=licence_number,
            request_reference=request_id,
            issued_at=now,
            valid_until=valid_until,
            answers=record["answers"],
            verify_url=f"{self._base}/#/verify/{licence_number}",
            holder_name=self._holder(record),
            additions=record.get("licence_additions") or {},
        )
        # The signer reads a draft marked "ร่าง / DRAFT"; its twin from the same data, without the mark,
        # is what gets sealed once the signer approved the marked one (seal_licence checks both).
        pdf = render.render_licence(self._tenant, service, data, draft=True)
        clean = render.render_licence(self._tenant, service, data)
        unsealed = self._store(request_id, "licence_unsealed", clean, f"{licence_number}.pdf", sealed=False)
        document = self._store(request_id, "licence_draft", pdf, f"draft-{licence_number}.pdf", sealed=False)
        # One write of the request item (issue 14: each write is billed by the whole item): the number, the
        # dates and both PDFs, so a retry finds all of them or none.
        self._requests.set_fields(
            request_id,
            {
                "licence_number": licence_number,
                "licence_issued_at": now.isoformat(),
                "licence_valid_until": valid_until.isoformat() if valid_until else None,
                "documents.licence_unsealed": unsealed,
                "documents.licence_draft": document,
            },
        )
        return {"sha256": document["sha256"], "licence_number": licence_number}

    def seal_licence(self, request_id: str) -> dict[str, Any]:
        """Q7.4-7.5: seal exactly the draft the signer approved; register it (R-5.1); check the seal."""
        record, service = self._request(request_id)
        documents = record.get("documents") or {}
        if documents.get("licence"):
            # A retried step: sealed and kept already; make sure it is on the register too.
            self._register(record, service, documents["licence"])
            return {"licence_number": record["licence_number"], "sha256": documents["licence"]["sha256"]}
        draft = documents.get("licence_draft")
        approval = record.get("signature_approval") or {}
        if not draft or approval.get("draft_sha256") != draft["sha256"]:
            raise Conflict(
                code="licence.not_approved",
                th="ผู้มีอำนาจลงนามยังไม่ได้อนุมัติร่างใบอนุญาตฉบับนี้",
                en="The authorised signer has not approved this draft.",
            )
        marked = self._s3.get_object(Bucket=self._bucket, Key=draft["key"])["Body"].read()
        unsealed = documents.get("licence_unsealed")
        pdf = self._s3.get_object(Bucket=self._bucket, Key=unsealed["key"])["Body"].read() if unsealed else b""
        if (
            hashlib.sha256(marked).hexdigest() != draft["sha256"]
            or not unsealed
            or hashlib.sha256(pdf).hexdigest() != unsealed["sha256"]
        ):
            raise Conflict(code="licence.draft_changed", th="ร่างใบอนุญาตถูกแก้ไข", en="The draft changed.")
        sealed = self._seal(pdf, f"ออก{service.licence.title.th} เลขที่ {record['licence_number']}")
        number = record["licence_number"]
        document = self._keep(request_id, "licence", sealed, f"{number}.pdf", sealed=True, licence_number=number)
        self._register(record, service, document)
        return {"licence_number": record["licence_number"], "sha256": document["sha256"]}

    def notice(self, request_id: str, template: str, message_key: str, extra: dict[str, Any]) -> dict[str, Any]:
        """R-4.3-R-4.5: the notice a message carries (more documents, referral, withdrawal, dismissal
        proposed or ordered, a licence's new status), sealed when the tenant auto-seals notices."""
        from eservice.notices import LICENCE_NOTICES, notice_kind

        kind = notice_kind(template, message_key)
        record, service = self._request(request_id)
        existing = (record.get("documents") or {}).get(kind)
        if existing:
            return {**existing, "kind": kind}
        now = clock_source.now()
        reason = extra.get("reason") or (record.get("decision") or {}).get("reason")
        if template in LICENCE_NOTICES:
            until = extra.get("until")
            pdf = render.render_status_notice(
                self._tenant,
                service,
                render.NoticeData(
                    licence_number=record["licence_number"],
                    holder_name=self._holder(record),
                    new_status=LICENCE_NOTICES[template],  # type: ignore[arg-type]
                    reason=reason or "-",
                    effective_at=datetime.fromisoformat(extra.get("effective_at") or now.isoformat()),
                    until=date.fromisoformat(until[:10]) if until else None,
                ),
            )
            subject = f"หนังสือแจ้งสถานะใบอนุญาต เลขที่ {record['licence_number']}"
        else:
            deadline = extra.get("deadline_at")
            pdf = render.render_request_notice(
                self._tenant,
                service,
                render.RequestNoticeData(
                    what=template,  # type: ignore[arg-type]
                    request_reference=request_id,
                    receipt_number=record.get("receipt_number"),
                    applicant_name=self._holder(record),
                    issued_at=now,
                    reason=None if template == "more_documents" else reason,
                    deadline=datetime.fromisoformat(deadline) if deadline else None,
                    needed=extra.get("what") if template == "more_documents" else None,
                    referred_to=record.get("referred_to") if template == "referred" else None,
                ),
            )
            subject = f"{render.REQUEST_NOTICES[template][0]} คำขอ {request_id}"
        sealed = "notice" in self._tenant.signing.auto_seal
        if sealed:
            pdf = self._seal(pdf, subject)
        document = self._keep(request_id, kind, pdf, f"{kind.replace('_', '-')}-{request_id}.pdf", sealed=sealed)
        return {**document, "kind": kind}

    # --- the agency's announcements (Act §10, §13(1), §16; R-3.5(2)) ------------------------------------
    def issue_announcement(self, announcement_id: str) -> dict[str, Any]:
        """Seal an approved announcement once: numbered, dated, signed by the head who approved it, kept in
        the documents bucket and indexed by its hash (verification says "issued by us"); the edition in
        force of the same kind becomes superseded in the same transaction. An issued one is returned as is.
        """
        record = self._announcements.get(announcement_id)
        if record is None:
            raise NotFound(code="announcement.not_found", th="ไม่พบประกาศนี้", en="No such announcement.")
        if record["state"] in ("issued", "superseded"):
            return record
        if record["state"] != "approving":
            raise Conflict(
                code="announcement.not_approved",
                th="หัวหน้าหน่วยงานยังไม่ได้อนุมัติประกาศนี้",
                en="The head of the agency has not approved this announcement.",
            )
        kind = record["kind"]
        now = clock_source.now()
        year = buddhist_year(now)
        current = self._announcements.current(kind)
        edition = int(current["edition"]) + 1 if current else 1
        series = "order" if KINDS[kind].order else "announcement"
        number = f"{self._numbers.take(series, year, owner=announcement_id)}/{year}"
        issue = render.AnnouncementIssue(
            number=number,
            announced_on=now.astimezone(BANGKOK).date(),
            signer_name=record["signer"]["name"],
            signer_position=record["signer"]["position"],
            edition=edition,
            replaces_year=buddhist_year(datetime.fromisoformat(current["issued_at"])) if current else None,
        )
        title = title_of(self._tenant, kind, edition)
        pdf = self._seal(
            render.render_announcement(self._tenant, kind, record["content"], issue), f"{title['th']} ที่ {number}"
        )
        digest = hashlib.sha256(pdf).hexdigest()
        key = f"announcements/{kind}/{announcement_id}-{digest[:16]}.pdf"
        self._put(key, pdf, digest)
        self._licences.keep_document(
            digest,
            {"kind": "announcement", "announcement_id": announcement_id, "announcement_kind": kind, "number": number},
        )
        document = {
            "key": key,
            "file_name": f"{kind}-{number.replace('/', '-')}.pdf",
            "sha256": digest,
            "size": len(pdf),
        }
        fields = issued_fields(
            title=title,
            number=number,
            edition=edition,
            now=now,
            replaces=current["id"] if current else None,
            document=document,
        )
        if not self._announcements.issue(
            announcement_id, fields, kind=kind, replaces=current["id"] if current else None
        ):
            latest = self._announcements.get(announcement_id)
            if latest is not None and latest["state"] in ("issued", "superseded"):
                return latest
            raise Conflict(
                code="announcement.changed",
                th="มีการออกประกาศประเภทเดียวกันในขณะเดียวกัน กรุณาอนุมัติใหม่อีกครั้ง",
                en="Another announcement of the same kind was issued at the same time. Approve again.",
            )
        issued = self._announcements.get(announcement_id)
        assert issued is not None
        return issued

    # --- public verification (R-3.3.6, Act §13(1)) -----------------------------------------------------
    def verify(self, pdf: bytes) -> dict[str, Any]:
        """What validation.teda.th shows: signature, signer, time, timestamp, changes, record status."""
        roots, crls = self._trust()
        report = verify_pdf(pdf, trust_roots=roots, crls=crls, validation_time=clock_source.now()).as_dict()
        digest = hashlib.sha256(pdf).hexdigest()
        issued = self._licences.document(digest)
        result: dict[str, Any] = {"report": report, "sha256": digest, "issued_by_us": issued is not None}
        if issued and issued.get("licence_number"):
            result["licence"] = self.licence(issued["licence_number"])
        if issued and issued.get("announcement_id"):
            announcement = self._announcements.get(issued["announcement_id"])
            if announcement is not None:
                result["announcement"] = public_view(announcement)
        return result

    def licence(self, licence_number: str) -> dict[str, Any] | None:
        """The register entry of a licence, with its current status."""
        try:
            return LicenceRegister(licences=self._licences).entry(licence_number)
        except NotFound:
            return None

    def verify_upload(self, uploads: Any, bucket: str, key: str) -> dict[str, Any]:
        """R-3.3.6: the check of a citizen's signed PDF attachment, kept for the officer."""
        pdf = uploads.get_object(Bucket=bucket, Key=key)["Body"].read()
        roots, crls = self._trust()
        report = verify_pdf(pdf, trust_roots=roots, crls=crls, validation_time=clock_source.now()).as_dict()
        return {
            "summary": report["summary"],
            "signatures": [
                {
                    k: s.get(k)
                    for k in (
                        "signer_common_name",
                        "signer_organization",
                        "signing_time",
                        "trusted",
                        "intact",
                        "timestamp_valid",
                        "timestamp_time",
                        "modification_level",
                    )
                }
                for s in report["signatures"]
            ],
            "modified_after_signing": report["modified_after_signing"],
            "checked_at": clock_source.now().isoformat(),
        }

    # --- internals ----------------------------------------------------------------------------------
    def _request(self, request_id: str) -> tuple[dict[str, Any], Service]:
        record = self._requests.get(request_id)
        return record, self._tenant.service(record["service_id"])

    @staticmethod
    def _holder(record: dict[str, Any]) -> str:
        behalf = record.get("on_behalf_of")
        if behalf:
            return str(behalf["name"])
        return str(record["answers"].get("applicant_name") or "-")

    def _put(self, key: str, pdf: bytes, digest: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=pdf,
            ContentType="application/pdf",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(),
        )

    def _keep(
        self,
        request_id: str,
        kind: str,
        pdf: bytes,
        file_name: str,
        *,
        sealed: bool,
        fields: Mapping[str, Any] | None = None,
        licence_number: str | None = None,
    ) -> dict[str, Any]:
        """Store a document and record it on the request, with ``fields`` in the same write."""
        document = self._store(request_id, kind, pdf, file_name, sealed=sealed, licence_number=licence_number)
        self._requests.set_fields(request_id, {**(fields or {}), f"documents.{kind}": document})
        return document

    def _store(
        self, request_id: str, kind: str, pdf: bytes, file_name: str, *, sealed: bool, licence_number: str | None = None
    ) -> dict[str, Any]:
        """The PDF in the documents bucket and its hash known to verification; the document's record."""
        digest = hashlib.sha256(pdf).hexdigest()
        key = f"requests/{request_id}/{kind}-{digest[:16]}.pdf"
        self._put(key, pdf, digest)
        document = {
            "key": key,
            "file_name": file_name,
            "sha256": digest,
            "sealed": sealed,
            "size": len(pdf),
            "created_at": clock_source.now().isoformat(),
        }
        # The hash first: a document a citizen may hold is always recognised by verification.
        self._licences.keep_document(digest, {"request_id": request_id, "kind": kind, "licence_number": licence_number})
        return document

    def _register(self, record: dict[str, Any], service: Service, document: dict[str, Any]) -> None:
        from eservice.licence_register import area_of, business_name, register_fields

        # the fields printed on the licence, and what the officers added and the agency marked
        # public (Q7.1: a stall's location code); never a personal identifier.
        public_fields = register_fields(service, record["answers"], record.get("licence_additions") or {})
        entry = {
            "licence_number": record["licence_number"],
            "service_id": service.id,
            "title": service.licence.title.model_dump(),
            "holder": self._holder(record),
            "fields": public_fields,
            "business_name": business_name(service, public_fields),
            "area": area_of(service, public_fields),
            "issued_at": record["licence_issued_at"],
            "valid_until": record.get("licence_valid_until"),
            "status": "in_force",
            "public": service.public_register,
            "request_id": record["id"],
            "document_sha256": document["sha256"],
            "history": [{"status": "in_force", "at": record["licence_issued_at"], "reason": None}],
        }
        self._licences.add(entry)  # False on a retried step: registered already
