"""Fees and payments (R-3.5, Q6): Thai QR bill payment, provider webhooks, slips, e-receipts, reconciliation.

No payment is lost or counted twice:
- every payment the provider reports is recorded once, keyed by its transaction id (a conditional
  write), whatever its reference or amount; mismatches are kept for finance, never dropped;
- webhook messages are authenticated (HMAC-SHA256 over the raw body, constant-time compare), stale
  ones are refused, repeated deliveries are answered without effect, out-of-order ones cannot move
  a payment backwards;
- only a payment of the exact amount, for a request that waits for payment, advances the saga.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import hmac
import io
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from . import clock_source
from .errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from .fees import format_baht
from .ids import new_id
from .payment_providers import SIGNATURE_HEADER
from .ports import AlreadyAnswered, Answer, Executions, OutboxMessage, Page, Repositories, page_size
from .recovery import deliver_answer
from .saga_steps import office_calendar
from .tenant import Tenant
from .thai_qr import BillPayment, bill_payment_payload
from .time_rules import BANGKOK, Deadline, buddhist_year, deadline_from, deemed_receipt_time

__all__ = [
    "SIGNATURE_HEADER",
    "PaymentDesk",
    "WebhookEvent",
    "reference_of",
    "request_of_reference",
    "sign_webhook",
    "verify_webhook",
]

#: How old a webhook message may be before it is refused as stale (replay protection).
TOLERANCE_SECONDS = 300

_RANK = {"pending": 0, "failed": 1, "succeeded": 2}
Channel = Literal["thai_qr", "card", "slip_upload", "bank_counter"]


def reference_of(request_id: str) -> str:
    """Ref1 of the Thai QR: the request id in upper-case letters and digits only (``R-7K3..`` -> ``R7K3..``)."""
    return request_id.replace("-", "")


def request_of_reference(ref1: str) -> str | None:
    """The request id a Ref1 names, or None if it is not one of ours."""
    ref1 = ref1.strip().upper()
    if len(ref1) < 2 or not ref1.startswith("R") or not ref1[1:].isalnum():
        return None
    return f"R-{ref1[1:]}"


# --- webhook authentication -------------------------------------------------------------------------------
def sign_webhook(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header value a provider sends (used by the local payment simulator and tests)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass(frozen=True, kw_only=True)
class WebhookEvent:
    """One authenticated message from the payment provider."""

    id: str
    type: Literal["payment.pending", "payment.succeeded", "payment.failed"]
    transaction_id: str
    ref1: str
    ref2: str | None
    amount_satang: int
    channel: Channel
    paid_at: str | None


def verify_webhook(
    secret: str, body: bytes, header: str | None, *, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> WebhookEvent:
    """Authenticate and parse a webhook; Unauthorized for a bad signature, InvalidInput when stale or malformed."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise Unauthorized(
            code="webhook.signature_missing",
            th="ไม่มีลายมือชื่อของผู้ให้บริการชำระเงิน",
            en="The payment provider's signature is missing.",
        ) from None
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise Unauthorized(
            code="webhook.bad_signature",
            th="ลายมือชื่อของข้อความแจ้งชำระเงินไม่ถูกต้อง",
            en="The payment message's signature does not match.",
        )
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        raise InvalidInput(
            code="webhook.stale",
            th="ข้อความแจ้งชำระเงินเก่าเกินกำหนด",
            en="The payment message is too old.",
        )
    try:
        payload = json.loads(body)
        data = payload["data"]
        amount = data["amount_satang"]
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValueError("amount")
        if data.get("currency", "THB") != "THB":
            raise ValueError("currency")
        event = WebhookEvent(
            id=str(payload["id"]),
            type=payload["type"],
            transaction_id=str(data["transaction_id"]),
            ref1=str(data["ref1"]),
            ref2=data.get("ref2"),
            amount_satang=amount,
            channel=data.get("channel", "thai_qr"),
            paid_at=data.get("paid_at"),
        )
        if event.type not in ("payment.pending", "payment.succeeded", "payment.failed"):
            raise ValueError("type")
        if event.channel not in ("thai_qr", "card"):
            raise ValueError("channel")
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            code="webhook.malformed",
            th="ข้อความแจ้งชำระเงินไม่ครบถ้วน",
            en=f"The payment message is malformed ({exc}).",
        ) from None
    return event


# --- the desk: notices, payments, slips, reconciliation ----------------------------------------------------
_CLOSED_FOR_PAYMENT = frozenset({"rejected", "referred", "withdrawn", "dismissed", "delivered", "issued"})
#: How long a webhook message stays claimed by one delivery before a retry may take it over.
WEBHOOK_LEASE_SECONDS = 60


class PaymentDesk:
    """Everything money: what is owed, what was paid, and what finance must look at."""

    def __init__(self, *, repos: Repositories, tenant: Tenant, executions: Executions | None = None) -> None:
        self._requests = repos.requests
        self._numbers = repos.numbers
        self._ledger = repos.payments
        self._inbox = repos.webhooks
        self._waiting = repos.waiting
        self._tenant = tenant
        self._executions = executions
        self._calendar = office_calendar(tenant)

    # Notice (Q6.1) -----------------------------------------------------------------------------------------
    def open_payment(self, request_id: str) -> dict[str, Any]:
        """The fee notice of an approved request: invoice number, deadline, Thai QR (saga step, idempotent)."""
        record = self._requests.get(request_id)
        now = clock_source.now()
        issued = record.get("payment")
        if issued and (record.get("paid") or datetime.fromisoformat(issued["due_at"]) > now):
            return {"invoice_number": issued["invoice_number"], "due_at": issued["due_at"]}
        # First notice, or the earlier one expired unpaid and the head reopened the request: a new one.
        attempt = int((issued or {}).get("attempt") or 0) + 1
        service = self._tenant.service(record["service_id"])
        year = buddhist_year(now)
        owner = request_id if attempt == 1 else f"{request_id}#{attempt}"
        number = self._numbers.take("invoice", year, owner=owner)
        invoice_number = f"INV{year}{number:06d}"
        rule = service.payment_deadline
        due = deadline_from(now, Deadline(amount=rule.amount, unit=rule.unit), self._calendar)
        amount = int(record["fee_satang"])
        payload = bill_payment_payload(
            BillPayment(
                biller_id=self._tenant.payment.biller_id,
                ref1=reference_of(request_id),
                ref2=invoice_number,
                amount_satang=amount,
            )
        )
        payment = {
            "invoice_number": invoice_number,
            "amount_satang": amount,
            "due_at": due.isoformat(),
            "ref1": reference_of(request_id),
            "ref2": invoice_number,
            "qr_payload": payload,
            "issued_at": now.isoformat(),
            "state": "awaiting",
            "attempt": attempt,
        }
        self._requests.set_fields(request_id, {"payment": payment, **({"documents.invoice": None} if issued else {})})
        return {"invoice_number": invoice_number, "due_at": payment["due_at"]}

    def notice(self, request_id: str) -> dict[str, Any]:
        """Q6.1: amount, channels, deadline, how payment is confirmed, and the QR to scan."""
        record = self._requests.get(request_id)
        payment = record.get("payment")
        if not payment:
            raise NotFound(code="payment.none", th="คำขอนี้ยังไม่มีค่าธรรมเนียมที่ต้องชำระ", en="Nothing to pay yet.")
        import segno

        return {
            **payment,
            "amount_baht": format_baht(payment["amount_satang"]),
            "channels": list(self._tenant.payment.channels),
            "account_name": self._tenant.payment.account_name.model_dump(),
            "bank": self._tenant.payment.bank.model_dump(),
            "qr_svg": segno.make(payment["qr_payload"], micro=False).svg_data_uri(scale=4),
            "qr_png": segno.make(payment["qr_payload"], micro=False).png_data_uri(scale=6, border=4),
            "how_to_confirm": {
                "th": "ชำระผ่าน QR หรือบัตรแล้วระบบยืนยันอัตโนมัติ หากโอนเงินหรือชำระที่เคาน์เตอร์ "
                "กรุณาอัปโหลดหลักฐานพร้อมเลขที่รายการ วันที่ และจำนวนเงิน",
                "en": "QR and card payments are confirmed automatically. For a transfer or a counter payment, "
                "upload the slip with its transaction reference, date and amount.",
            },
            "paid": record.get("paid"),
            "payments": self.payments_of(request_id),
        }

    # Provider payments (Q6.3) --------------------------------------------------------------------------------
    def receive(self, event: WebhookEvent, *, provider: str) -> dict[str, Any]:
        """Record a provider payment once; apply it when it pays the exact amount owed.

        The message is claimed (processing), then marked done; a failure releases the claim, so the
        provider's retry processes it again (every part below is idempotent)."""
        now = clock_source.now()
        claim = self._inbox.claim(provider, event.id, at=now, lease_seconds=WEBHOOK_LEASE_SECONDS)
        if claim == "done":
            return {"duplicate": True, "event": event.id}
        if claim == "busy":
            raise Conflict(
                code="webhook.in_progress",
                th="ข้อความนี้กำลังถูกประมวลผล กรุณาส่งซ้ำภายหลัง",
                en="This message is being processed; retry later.",
            )
        try:
            result = self._receive(event, provider, now)
        except Exception as exc:
            self._inbox.release(provider, event.id, error=type(exc).__name__)
            raise
        self._inbox.done(provider, event.id, result=result)
        return result

    def _receive(self, event: WebhookEvent, provider: str, now: datetime) -> dict[str, Any]:
        status = event.type.removeprefix("payment.")
        request_id = request_of_reference(event.ref1)
        record = self._requests.find(request_id) if request_id else None
        payment = {
            "transaction_id": event.transaction_id,
            "provider": provider,
            "channel": event.channel,
            "ref1": event.ref1,
            "ref2": event.ref2,
            "amount_satang": event.amount_satang,
            "status": status,
            "paid_at": event.paid_at or now.isoformat(),
            "received_at": now.isoformat(),
            "request_id": request_id if record else None,
        }
        if not self._ledger.record(payment, day=now.astimezone(BANGKOK).date()):
            existing: dict[str, Any] = self._ledger.get(provider, event.transaction_id) or payment
            if _RANK[status] > _RANK[existing["status"]]:
                # pending -> succeeded (or failed) moves every copy: the payment, its day, its request.
                self._ledger.advance(provider, event.transaction_id, was=existing["status"], to=status, at=now)
            elif _RANK[status] < _RANK[existing["status"]]:
                # An older state arriving late (out of order) never moves a payment backwards.
                return {"recorded": False, "reason": "older_state", "transaction": event.transaction_id}
        stored = self._ledger.get(provider, event.transaction_id)
        assert stored is not None
        if stored["status"] != "succeeded":
            return {"recorded": True, "status": stored["status"]}
        # Read again now that the payment is recorded: a wait that began meanwhile and found nothing
        # to apply must be seen here.
        return self._apply(stored, self._requests.find(request_id) if request_id else None)

    def apply_held(self, request_id: str) -> dict[str, Any] | None:
        """Apply a payment that arrived before the saga waited for it (called when the wait starts)."""
        for payment in self._ledger.of_request(request_id):
            if payment["status"] == "succeeded" and not payment.get("applied_to") and not payment.get("mismatch"):
                return self._apply(payment, self._requests.find(request_id))
        return None

    def answer_paid(self, request_id: str) -> None:
        """The payment step of a request that is paid already (sent back after payment): answer it."""
        record = self._requests.get(request_id)
        waiting = record.get("waiting") or {}
        if not record.get("paid") or waiting.get("step") != "payment" or waiting.get("state") != "waiting":
            return
        answer = _payment_answer(record, waiting, by="e-service", paid=record["paid"])
        self._waiting.answer(dataclasses.replace(answer, fields={}))
        self._deliver(answer)

    def _apply(
        self, payment: Mapping[str, Any], record: Mapping[str, Any] | None, *, again: bool = True
    ) -> dict[str, Any]:
        provider, txn = payment["provider"], payment["transaction_id"]
        if payment.get("applied_to"):
            return {"recorded": True, "settled": payment["applied_to"]}
        if payment.get("mismatch"):
            return {"recorded": True, "mismatch": payment["mismatch"]}
        mismatch = self._mismatch(payment, record)
        if mismatch is not None:
            self._ledger.mark(provider, txn, {"mismatch": mismatch, "held": None})
            return {"recorded": True, "mismatch": mismatch}
        assert record is not None
        waiting = record.get("waiting") or {}
        if waiting.get("step") != "payment" or waiting.get("state") != "waiting":
            # Paid while the request is still on its way to the payment step: kept, applied when it waits.
            self._ledger.mark(provider, txn, {"held": "until_payment_step"})
            return {"recorded": True, "held": True}
        paid = {k: payment[k] for k in ("transaction_id", "channel", "amount_satang", "paid_at", "provider")}
        answer = _payment_answer(record, waiting, by=provider, paid=paid)
        try:
            self._ledger.settle(provider, txn, answer=answer, paid=paid)
        except AlreadyAnswered:
            current = self._ledger.get(provider, txn) or {}
            if current.get("applied_to"):
                return {"recorded": True, "settled": current["applied_to"]}
            latest = self._requests.find(record["id"])
            if again and latest and (latest.get("waiting") or {}).get("token") != waiting["token"]:
                # The step was parked again (a retry or a resumption) in between: apply to the new one.
                return self._apply(current, latest, again=False)
            mismatch = "duplicate" if latest and latest.get("paid") else "not_awaited"
            self._ledger.mark(provider, txn, {"mismatch": mismatch, "held": None})
            return {"recorded": True, "mismatch": mismatch}
        self._deliver(answer)
        return {"recorded": True, "settled": record["id"]}

    @staticmethod
    def _mismatch(payment: Mapping[str, Any], record: Mapping[str, Any] | None) -> str | None:
        if record is None:
            return "unknown_reference"
        if record.get("paid"):
            return "duplicate"
        owed = (record.get("payment") or {}).get("amount_satang")
        if owed is None or record["status"] in _CLOSED_FOR_PAYMENT:
            return "not_awaited"
        if int(payment["amount_satang"]) != int(owed):
            return "wrong_amount"
        return None

    def _deliver(self, answer: Answer) -> None:
        if self._executions is not None:
            deliver_answer(self._waiting, self._executions, answer.outbox.as_dict())

    # Slips (Q6.4, Q6.6) ----------------------------------------------------------------------------------------
    def submit_slip(
        self,
        request_id: str,
        *,
        applicant_id: str,
        attachment: Mapping[str, Any],
        transaction_reference: str,
        paid_on: date,
        amount_satang: int,
    ) -> dict[str, Any]:
        """R-3.5(2.2): the applicant reports a payment with its proof; finance will verify it."""
        record = self._requests.get(request_id)
        if record["applicant_id"] != applicant_id:
            raise NotFound(code="request.not_found", th="ไม่พบคำขอนี้", en="No such request.")
        if record["status"] != "awaiting_payment":
            raise Conflict(code="payment.not_awaited", th="คำขอนี้ไม่ได้รอการชำระเงิน", en="No payment is awaited.")
        if amount_satang <= 0 or not transaction_reference.strip():
            raise InvalidInput(
                code="slip.invalid",
                th="กรุณาระบุเลขที่รายการและจำนวนเงินให้ถูกต้อง",
                en="Give the transaction reference and the amount.",
            )
        slip = {
            "id": new_id("S"),
            "request_id": request_id,
            "attachment": dict(attachment),
            "transaction_reference": transaction_reference.strip(),
            "paid_on": paid_on.isoformat(),
            "amount_satang": amount_satang,
            "state": "pending",
            "submitted_at": clock_source.now().isoformat(),
            # a slip is a contact; it has a deemed time of receipt like the submission.
            "deemed_received_at": deemed_receipt_time(clock_source.now(), office_calendar(self._tenant)).isoformat(),
        }
        self._ledger.add_slip(slip)
        return _public_slip(slip)

    def pending_slips(self, *, limit: int | None = None, cursor: str | None = None) -> Page[dict[str, Any]]:
        """Slips finance has not decided yet, oldest first."""
        page = self._ledger.pending_slips(limit=page_size(limit), cursor=cursor)
        return Page([_public_slip(s) for s in page.items], page.cursor)

    def decide_slip(
        self,
        request_id: str,
        slip_id: str,
        *,
        decision: Literal["verify", "reject"],
        reason: str | None,
        by: str,
        groups: frozenset[str],
    ) -> dict[str, Any]:
        """Q6.6: finance verifies a slip (its reference becomes a payment, applied to the request) or
        rejects it. Either is one transaction; a refused verification changes nothing."""
        if "finance" not in groups:
            raise Forbidden(code="slip.forbidden", th="เฉพาะเจ้าหน้าที่การเงิน", en="Finance officers only.")
        slip = self._ledger.get_slip(request_id, slip_id)
        if slip is None:
            raise NotFound(code="slip.not_found", th="ไม่พบหลักฐานการชำระเงินนี้", en="No such slip.")
        if decision == "reject" and not (reason or "").strip():
            raise InvalidInput(code="slip.reason_required", th="กรุณาระบุเหตุผล", en="Give the reason.")
        if slip["state"] != "pending":
            raise Conflict(code="slip.decided", th="หลักฐานนี้ได้รับการพิจารณาแล้ว", en="This slip was already decided.")
        now = clock_source.now()
        fields = {
            "state": "verified" if decision == "verify" else "rejected",
            "decided_by": by,
            "decided_at": now.isoformat(),
            "reason": (reason or "").strip() or None,
        }
        if decision == "reject":
            if not self._ledger.reject_slip(request_id, slip_id, fields):
                raise Conflict(code="slip.decided", th="หลักฐานนี้ได้รับการพิจารณาแล้ว", en="This slip was already decided.")
            return {"slip": slip_id, "state": "rejected"}
        record = self._requests.get(request_id)
        payment: dict[str, Any] = {
            "transaction_id": slip["transaction_reference"],
            "provider": "slip",
            "channel": "slip_upload",
            "ref1": reference_of(request_id),
            "ref2": None,
            "amount_satang": int(slip["amount_satang"]),
            "status": "succeeded",
            "paid_at": slip["paid_on"],
            "received_at": now.isoformat(),
            "request_id": request_id,
            "verified_by": by,
        }
        mismatch = self._mismatch(payment, record)
        waiting = record.get("waiting") or {}
        answer = None
        paid = None
        if mismatch is None and waiting.get("step") == "payment" and waiting.get("state") == "waiting":
            paid = {k: payment[k] for k in ("transaction_id", "channel", "amount_satang", "paid_at", "provider")}
            answer = _payment_answer(record, waiting, by=by, paid=paid)
            payment["applied_to"] = request_id
        elif mismatch is None:
            payment["held"] = "until_payment_step"
        else:
            payment["mismatch"] = mismatch
        self._ledger.verify_slip(
            request_id, slip_id, fields, payment=payment, day=now.astimezone(BANGKOK).date(), answer=answer, paid=paid
        )
        if answer is not None:
            self._deliver(answer)
            return {"recorded": True, "settled": request_id}
        return {"recorded": True, "mismatch": mismatch} if mismatch else {"recorded": True, "held": True}

    # Reconciliation (R-3.5(3)) ---------------------------------------------------------------------------------
    def reconciliation(self, day: date, *, limit: int | None = None, cursor: str | None = None) -> dict[str, Any]:
        """The payments received on a day (a page of them), the day's totals per channel, and the
        mismatches on this page."""
        if day.year < 2000:
            raise InvalidInput(code="reconciliation.day", th="วันที่ไม่ถูกต้อง", en="That day is not valid.")
        page = self._ledger.of_day(day, limit=page_size(limit), cursor=cursor)
        totals = self._ledger.totals_of_day(day)
        return {
            "date": day.isoformat(),
            "payments": [_reconciliation_row(r) for r in page.items],
            "totals_satang": totals,
            "total_satang": sum(totals.values()),
            "mismatches": [_reconciliation_row(r) for r in page.items if r.get("mismatch")],
            "cursor": page.cursor,
        }

    def reconciliation_csv(self, day: date) -> bytes:
        """The whole day as CSV, UTF-8 with a BOM so that Excel shows Thai (cells that a spreadsheet
        would read as a formula are neutralised)."""
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self._ledger.of_day(day, limit=200, cursor=cursor)
            rows += [_reconciliation_row(r) for r in page.items]
            cursor = page.cursor
            if cursor is None:
                break
        totals = self._ledger.totals_of_day(day)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "วันที่/date",
                "เวลา/time",
                "ช่องทาง/channel",
                "เลขที่รายการ/transaction",
                "Ref1",
                "Ref2",
                "คำขอ/request",
                "จำนวนเงิน (บาท)/amount",
                "สถานะ/status",
                "ไม่ตรงกัน/mismatch",
            ]
        )
        for row in rows:
            writer.writerow(
                _csv_safe(
                    [
                        day.isoformat(),
                        row["received_at"][11:19],
                        row["channel"],
                        row["transaction_id"],
                        row["ref1"],
                        row["ref2"] or "",
                        row["request_id"] or "",
                        format_baht(int(row["amount_satang"])),
                        row["status"],
                        row["mismatch"] or "",
                    ]
                )
            )
        writer.writerow([])
        for channel, amount in sorted(totals.items()):
            writer.writerow(["รวม/total", "", channel, "", "", "", "", format_baht(amount), "", ""])
        return "\ufeff".encode() + out.getvalue().encode("utf-8")

    def payments_of(self, request_id: str) -> list[dict[str, Any]]:
        """The payments recorded against a request (for the applicant and finance)."""
        return [_reconciliation_row(p) for p in self._ledger.of_request(request_id)]


def _payment_answer(
    record: Mapping[str, Any], waiting: Mapping[str, Any], *, by: str, paid: Mapping[str, Any]
) -> Answer:
    return Answer(
        request_id=record["id"],
        token=waiting["token"],
        by=by,
        outcome="paid",
        fields={"paid": dict(paid)},
        outbox=OutboxMessage(
            request_id=record["id"],
            sequence=int(waiting["sequence"]),
            token=waiting["token"],
            kind="succeed",
            output={"decision": "paid"},
        ),
    )


def _csv_safe(cells: list[str]) -> list[str]:
    """A cell starting with = + - @ (or a tab/CR) would run as a formula in a spreadsheet: quote it."""
    return [f"'{c}" if c and c[0] in "=+-@\t\r" else c for c in cells]


def _public_slip(slip: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: slip.get(k)
        for k in (
            "id",
            "request_id",
            "transaction_reference",
            "paid_on",
            "amount_satang",
            "state",
            "submitted_at",
            "deemed_received_at",
            "reason",
            "attachment",
        )
    }


def _reconciliation_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: row.get(k)
        for k in (
            "transaction_id",
            "provider",
            "channel",
            "ref1",
            "ref2",
            "amount_satang",
            "status",
            "paid_at",
            "received_at",
            "request_id",
            "mismatch",
        )
    }
