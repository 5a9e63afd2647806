"""The local payment provider: shows what a Thai QR holds, and "pays" by calling the webhook, signed.

``/_local/pay/qr`` (scan), ``/_local/pay/card`` (hosted card page). Paying sends the same signed
webhook a real provider sends, so the e-Service confirms the payment and the saga advances on its own.
"""

from __future__ import annotations

import html
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from eservice.payments import SIGNATURE_HEADER, sign_webhook
from eservice.thai_qr import ThaiQrError, parse_payload

__all__ = ["PaymentSimulator"]

_PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:Sarabun,Tahoma,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td{{border:1px solid #ccc;padding:.3rem .6rem}}
button{{margin:.3rem;padding:.5rem 1rem}}</style></head><body><h1>{title}</h1>
<p>ผู้ให้บริการชำระเงินจำลองสำหรับการทดสอบ / Local payment simulator</p>{body}</body></html>"""


class PaymentSimulator:
    """The local stand-in for a payment provider (provider name ``local-simulator``)."""

    def __init__(self, *, base_url: Callable[[], str], secret: Callable[[], str]) -> None:
        self._base_url = base_url
        self._secret = secret

    def __call__(self, request: Request) -> Response:
        kind = request.path.removeprefix("/_local/pay").strip("/") or "qr"
        if kind == "qr":
            return self._qr(request)
        if kind == "card":
            return self._card(request)
        return Response("not found", status=404)

    # ------------------------------------------------------------------------------------------
    def pay(
        self,
        *,
        ref1: str,
        ref2: str | None,
        amount_satang: int,
        channel: str,
        outcome: str,
        transaction_id: str | None = None,
    ) -> dict[str, Any]:
        """Send the provider's signed webhook for one payment attempt; returns the e-Service's answer."""
        event = {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": {"paid": "payment.succeeded", "failed": "payment.failed", "pending": "payment.pending"}[outcome],
            "created": int(datetime.now(UTC).timestamp()),
            "data": {
                "transaction_id": transaction_id or f"TXN{uuid.uuid4().hex[:12].upper()}",
                "ref1": ref1,
                "ref2": ref2,
                "amount_satang": amount_satang,
                "currency": "THB",
                "channel": channel,
                "paid_at": datetime.now(UTC).isoformat(),
            },
        }
        body = json.dumps(event).encode()
        response = requests.post(
            f"{self._base_url()}/api/payments/webhook/local-simulator",
            data=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign_webhook(self._secret(), body)},
            timeout=60,
        )
        return {"status": response.status_code, "answer": response.json(), "event": event}

    def _qr(self, request: Request) -> Response:
        if request.method == "POST":
            body = request.get_json(silent=True) or request.form.to_dict()
            try:
                fields = parse_payload(str(body["payload"]))
            except (KeyError, ThaiQrError) as exc:
                return Response(json.dumps({"error": str(exc)}), status=400, content_type="application/json")
            bill = fields["30"]
            assert isinstance(bill, dict)
            amount = round(float(str(fields.get("54", "0"))) * 100)
            outcome = str(body.get("outcome", "paid"))
            if outcome == "partial":
                amount, outcome = amount // 2, "paid"
            result = self.pay(
                ref1=bill["02"],
                ref2=bill.get("03"),
                amount_satang=amount,
                channel="thai_qr",
                outcome=outcome,
                transaction_id=body.get("transaction_id"),
            )
            return Response(json.dumps(result, ensure_ascii=False), content_type="application/json")
        payload = request.args.get("payload", "")
        rows = ""
        if payload:
            try:
                fields = parse_payload(payload)
                bill = fields["30"]
                assert isinstance(bill, dict)
                rows = "".join(
                    f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
                    for k, v in (
                        ("Biller ID", bill.get("01")),
                        ("Ref1", bill.get("02")),
                        ("Ref2", bill.get("03")),
                        ("จำนวนเงิน / amount", fields.get("54")),
                        ("สกุลเงิน / currency", fields.get("53")),
                    )
                )
            except ThaiQrError as exc:
                rows = f"<tr><td>error</td><td>{html.escape(str(exc))}</td></tr>"
        form = (
            f'<form method="get"><textarea name="payload" rows="3" cols="60">{html.escape(payload)}</textarea>'
            "<br><button>อ่าน QR / Read</button></form>"
            f"<table>{rows}</table>"
            '<form method="post"><input type="hidden" name="payload" value="'
            f'{html.escape(payload)}"><button name="outcome" value="paid">ชำระครบ / Pay</button>'
            '<button name="outcome" value="partial">ชำระบางส่วน / Partial</button>'
            '<button name="outcome" value="failed">ล้มเหลว / Fail</button></form>'
        )
        return Response(_PAGE.format(title="Thai QR", body=form), content_type="text/html; charset=utf-8")

    def _card(self, request: Request) -> Response:
        source = request.form if request.method == "POST" else request.args
        ref1, ref2 = source.get("ref1", ""), source.get("ref2", "")
        amount = int(source.get("amount_satang", "0") or 0)
        return_url = source.get("return_url", "/")
        if request.method == "POST":
            self.pay(
                ref1=ref1,
                ref2=ref2,
                amount_satang=amount,
                channel="card",
                outcome="paid" if source.get("outcome") == "paid" else "failed",
            )
            if not return_url.startswith(self._base_url()):
                return_url = "/"
            return Response(status=303, headers={"Location": return_url})
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(str(v))}">'
            for k, v in (("ref1", ref1), ("ref2", ref2), ("amount_satang", amount), ("return_url", return_url))
        )
        body = (
            f"<p>ชำระ {amount / 100:,.2f} บาท (Ref1 {html.escape(ref1)})</p>"
            f'<form method="post">{hidden}<button name="outcome" value="paid">ชำระด้วยบัตร / Pay by card</button>'
            '<button name="outcome" value="failed">ยกเลิก / Decline</button></form>'
        )
        return Response(_PAGE.format(title="Card payment", body=body), content_type="text/html; charset=utf-8")
