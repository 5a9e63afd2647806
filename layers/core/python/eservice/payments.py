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
import hashlib
import hmac
import io
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from . import clock_source
from .errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from .fees import format_baht
from .ids import new_id
from .saga_steps import office_calendar
from .store import Store
from .tenant import Tenant
from .thai_qr import BillPayment, bill_payment_payload
from .time_rules import BANGKOK, Deadline, buddhist_year, deadline_from

__all__ = [
    "SIGNATURE_HEADER",
    "PaymentDesk",
    "WebhookEvent",
    "reference_of",
    "request_of_reference",
    "sign_webhook",
    "verify_webhook",
]

#: Header carrying ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``.
SIGNATURE_HEADER = "X-Eservice-Signature"
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
class PaymentDesk:
    """Everything money: what is owed, what was paid, and what finance must look at."""

    def __init__(
        self,
        *,
        store: Store,
        tenant: Tenant,
        answer_step: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self._store = store
        self._tenant = tenant
        self._answer_step = answer_step
        self._calendar = office_calendar(tenant)

    # Notice (Q6.1) -----------------------------------------------------------------------------------------
    def open_payment(self, request_id: str) -> dict[str, Any]:
        """The fee notice of an approved request: invoice number, deadline, Thai QR (saga step, idempotent)."""
        record = self._store.get_request(request_id)
        if record.get("payment"):
            return {"invoice_number": record["payment"]["invoice_number"], "due_at": record["payment"]["due_at"]}
        service = self._tenant.service(record["service_id"])
        now = clock_source.now()
        year = buddhist_year(now)
        number = self._store.next_number("invoice", year, owner=request_id)
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
        }
        self._store.update_request_fields(request_id, {"payment": payment})
        return {"invoice_number": invoice_number, "due_at": payment["due_at"]}

    def notice(self, request_id: str) -> dict[str, Any]:
        """Q6.1: amount, channels, deadline, how payment is confirmed, and the QR to scan."""
        record = self._store.get_request(request_id)
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
            "payments": self.payments_of(request_id),
        }

    # Provider payments (Q6.3) --------------------------------------------------------------------------------
    def receive(self, event: WebhookEvent, *, provider: str) -> dict[str, Any]:
        """Record a provider payment once; advance the saga when it pays the exact amount owed."""
        now = clock_source.now()
        first_delivery = self._claim_event(event.id, provider, now)
        if not first_delivery:
            return {"duplicate": True, "event": event.id}
        status = event.type.removeprefix("payment.")
        request_id = request_of_reference(event.ref1)
        record = self._request_or_none(request_id)
        key = (f"PAY#{provider}#{event.transaction_id}", "PAYMENT")
        existing = self._store.get_item(*key)
        if existing is not None:
            if _RANK[status] <= _RANK[existing["status"]]:
                # An older state arriving late (out of order) never moves a payment backwards.
                return {"recorded": False, "reason": "older_state", "transaction": event.transaction_id}
            self._store.conditional_update(
                *key,
                {"status": status, "updated_at": now},
                condition="#status = :was",
                values={":was": existing["status"]},
                names={"#status": "status"},
            )
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
        if existing is None:
            self._record(key, payment, now)
        if status != "succeeded":
            return {"recorded": True, "status": status}
        return self._settle(record, payment, now, key)

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
        record = self._store.get_request(request_id)
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
        slip_id = new_id("S")
        now = clock_source.now()
        slip = {
            "PK": f"REQ#{request_id}",
            "SK": f"SLIP#{slip_id}",
            "id": slip_id,
            "request_id": request_id,
            "attachment": dict(attachment),
            "transaction_reference": transaction_reference.strip(),
            "paid_on": paid_on.isoformat(),
            "amount_satang": amount_satang,
            "state": "pending",
            "submitted_at": now,
            "GSI2PK": "SLIPS#pending",
            "GSI2SK": f"{now.isoformat()}#{slip_id}",
        }
        self._store.put_item(slip)
        return _public_slip(slip)

    def pending_slips(self) -> list[dict[str, Any]]:
        """Slips finance has not decided yet, oldest first."""
        return [_public_slip(s) for s in self._store.query_index("GSI2", "SLIPS#pending")]

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
        """Q6.6: finance verifies a slip (the payment is recorded and the saga advances) or rejects it."""
        if "finance" not in groups:
            raise Forbidden(code="slip.forbidden", th="เฉพาะเจ้าหน้าที่การเงิน", en="Finance officers only.")
        slip = self._store.get_item(f"REQ#{request_id}", f"SLIP#{slip_id}")
        if slip is None:
            raise NotFound(code="slip.not_found", th="ไม่พบหลักฐานการชำระเงินนี้", en="No such slip.")
        if decision == "reject" and not (reason or "").strip():
            raise InvalidInput(code="slip.reason_required", th="กรุณาระบุเหตุผล", en="Give the reason.")
        now = clock_source.now()
        claimed = self._store.conditional_update(
            f"REQ#{request_id}",
            f"SLIP#{slip_id}",
            {
                "state": "verified" if decision == "verify" else "rejected",
                "decided_by": by,
                "decided_at": now,
                "reason": (reason or "").strip() or None,
                "GSI2PK": f"SLIPS#{decision}",
            },
            condition="#state = :pending",
            values={":pending": "pending"},
            names={"#state": "state"},
        )
        if not claimed:
            raise Conflict(code="slip.decided", th="หลักฐานนี้ได้รับการพิจารณาแล้ว", en="This slip was already decided.")
        if decision == "reject":
            return {"slip": slip_id, "state": "rejected"}
        key = (f"PAY#slip#{slip['transaction_reference']}", "PAYMENT")
        payment = {
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
        if self._store.get_item(*key) is not None:
            raise Conflict(
                code="slip.duplicate_reference",
                th="เลขที่รายการนี้ถูกใช้ชำระไปแล้ว",
                en="This transaction reference was already used for a payment.",
            )
        self._record(key, payment, now)
        return self._settle(self._store.get_request(request_id), payment, now, key)

    # Reconciliation (R-3.5(3)) ---------------------------------------------------------------------------------
    def reconciliation(self, day: date) -> dict[str, Any]:
        """Every payment received on a day, totals per channel, and what does not match."""
        rows = self._store.query_partition(f"PAYDAY#{day.isoformat()}")
        totals: dict[str, int] = {}
        mismatches = []
        for row in rows:
            if row["status"] == "succeeded" and not row.get("mismatch"):
                totals[row["channel"]] = totals.get(row["channel"], 0) + int(row["amount_satang"])
            if row.get("mismatch"):
                mismatches.append(row)
        return {
            "date": day.isoformat(),
            "payments": [_reconciliation_row(r) for r in rows],
            "totals_satang": totals,
            "total_satang": sum(totals.values()),
            "mismatches": [_reconciliation_row(r) for r in mismatches],
        }

    @staticmethod
    def reconciliation_csv(report: Mapping[str, Any]) -> bytes:
        """The same report as CSV, UTF-8 with a BOM so that Excel shows Thai."""
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
        for row in report["payments"]:
            writer.writerow(
                [
                    report["date"],
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
        writer.writerow([])
        for channel, amount in sorted(report["totals_satang"].items()):
            writer.writerow(["รวม/total", "", channel, "", "", "", "", format_baht(amount), "", ""])
        return "\ufeff".encode() + out.getvalue().encode("utf-8")

    def payments_of(self, request_id: str) -> list[dict[str, Any]]:
        """The payments recorded against a request (for the applicant and finance)."""
        return [_reconciliation_row(p) for p in self._store.query_prefix(f"REQ#{request_id}", "PAYMENT#")]

    # internals --------------------------------------------------------------------------------------------------
    def _claim_event(self, event_id: str, provider: str, now: datetime) -> bool:
        try:
            self._store.put_item(
                {"PK": f"WEBHOOK#{provider}#{event_id}", "SK": "EVENT", "at": now}, must_not_exist=True
            )
        except Conflict:
            return False
        return True

    def _request_or_none(self, request_id: str | None) -> dict[str, Any] | None:
        if request_id is None:
            return None
        try:
            return self._store.get_request(request_id)
        except NotFound:
            return None

    def _record(self, key: tuple[str, str], payment: dict[str, Any], now: datetime) -> None:
        """The payment under its transaction id (once), its day (reconciliation) and its request."""
        day = now.astimezone(BANGKOK).date().isoformat()
        self._store.put_item({"PK": key[0], "SK": key[1], **payment, "day": day}, must_not_exist=True)
        self._store.put_item({"PK": f"PAYDAY#{day}", "SK": f"{now.isoformat()}#{key[0]}", **payment, "key": key[0]})
        if payment["request_id"]:
            self._store.put_item({"PK": f"REQ#{payment['request_id']}", "SK": f"PAYMENT#{key[0]}", **payment})

    def _mark(self, key: tuple[str, str], payment: dict[str, Any], mismatch: str) -> None:
        stored = self._store.get_item(*key) or {}
        day = stored.get("day") or clock_source.now().astimezone(BANGKOK).date().isoformat()
        self._store.conditional_update(*key, {"mismatch": mismatch}, condition="attribute_exists(PK)", values={})
        for item in self._store.query_partition(f"PAYDAY#{day}"):
            if item.get("key") == key[0]:
                self._store.conditional_update(
                    item["PK"], item["SK"], {"mismatch": mismatch}, condition="attribute_exists(PK)", values={}
                )

    def _settle(
        self, record: dict[str, Any] | None, payment: dict[str, Any], now: datetime, key: tuple[str, str]
    ) -> dict[str, Any]:
        if record is None:
            self._mark(key, payment, "unknown_reference")
            return {"recorded": True, "mismatch": "unknown_reference"}
        owed = (record.get("payment") or {}).get("amount_satang")
        if record.get("paid"):
            self._mark(key, payment, "duplicate")
            return {"recorded": True, "mismatch": "duplicate"}
        if owed is None or record["status"] != "awaiting_payment":
            self._mark(key, payment, "not_awaited")
            return {"recorded": True, "mismatch": "not_awaited"}
        if int(payment["amount_satang"]) != int(owed):
            self._mark(key, payment, "wrong_amount")
            return {"recorded": True, "mismatch": "wrong_amount", "owed_satang": owed}
        waiting = self._store.get_item(f"REQ#{record['id']}", "TOKEN")
        if not waiting or waiting.get("step") != "payment" or waiting.get("state") != "waiting":
            self._mark(key, payment, "not_awaited")
            return {"recorded": True, "mismatch": "not_awaited"}
        claimed = self._store.conditional_update(
            f"REQ#{record['id']}",
            "TOKEN",
            {"state": "used", "used_at": now, "used_by": payment["provider"], "decision": "paid"},
            condition="#state = :waiting AND #token = :token",
            values={":waiting": "waiting", ":token": waiting["token"]},
            names={"#state": "state", "#token": "token"},
        )
        if not claimed:
            self._mark(key, payment, "duplicate")
            return {"recorded": True, "mismatch": "duplicate"}
        self._store.update_request_fields(
            record["id"],
            {"paid": {k: payment[k] for k in ("transaction_id", "channel", "amount_satang", "paid_at", "provider")}},
        )
        assert self._answer_step is not None
        self._answer_step(waiting["token"], {"decision": "paid"})
        return {"recorded": True, "settled": record["id"]}


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
