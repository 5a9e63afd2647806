"""The use cases wired to in-memory fakes of every port: a whole e-Service in one process, in milliseconds.

``World`` is one agency (the klongnoy tenant) with its database (``MemoryDatabase``), its saga
(``MemoryExecutions``) and its upload bucket (``MemoryUploads``). Its helper methods take a request
along the saga's path as the state machine would: submit, stamp, park at a step, decide, open the
invoice, pay. Tests then do the one thing under test and look at what people would see.
"""

from __future__ import annotations

import itertools
import struct
import time
import zlib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from eservice import clock_source
from eservice.applications import Applicant, Applications
from eservice.dynamo import DynamoDatabase
from eservice.files import SCAN_NO_THREATS_FOUND
from eservice.memory import MemoryDatabase, MemoryExecutions
from eservice.officers import Officer, Officers
from eservice.payments import PaymentDesk, WebhookEvent, reference_of
from eservice.recovery import Sweeper
from eservice.saga_steps import SagaSteps
from eservice.tenant import load_tenant, tenants_dir
from eservice.time_rules import BANGKOK
from eservice.units import unit_group

__all__ = [
    "APPROVER",
    "CITIZEN",
    "EVERY_UNIT",
    "FINANCE",
    "HEAD",
    "OTHER_CITIZEN",
    "PROVIDER",
    "REVIEWER",
    "TENANT",
    "MemoryUploads",
    "World",
    "today",
]

TENANT = load_tenant(tenants_dir() / "klongnoy.yaml")
PROVIDER = TENANT.payment.provider

CITIZEN = Applicant(id="citizen-somchai", email="somchai@example.com")
OTHER_CITIZEN = Applicant(id="citizen-somying", email="somying@example.com")

#: R-2.1: officers see the requests of their units; these work for every unit of the tenant.
EVERY_UNIT = frozenset(unit_group(u) for u in TENANT.units)
REVIEWER = Officer(id="officer-reviewer", email=None, groups=frozenset({"reviewer"}) | EVERY_UNIT)
APPROVER = Officer(id="officer-approver", email=None, groups=frozenset({"approver"}) | EVERY_UNIT)
HEAD = Officer(id="officer-head", email=None, groups=frozenset({"head"}))
FINANCE = Officer(id="officer-finance", email=None, groups=frozenset({"finance"}) | EVERY_UNIT)

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
    b"startxref\n0\n%%EOF\n"
)


def _png_1x1() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG = _png_1x1()

#: What a citizen attaches to each service (the required slots only), as the stack tests do.
DOCUMENTS: dict[str, dict[str, tuple[str, bytes]]] = {
    "fire-certificate": {"id_card": ("id.pdf", PDF), "damage_photos": ("photo.png", PNG)},
    "street-vending": {"id_card": ("id.pdf", PDF), "stall_photo": ("stall.png", PNG)},
    "food-shop": {
        "id_card": ("id.pdf", PDF),
        "house_registration": ("house.pdf", PDF),
        "shop_map": ("map.png", PNG),
        "health_certificate": ("health.pdf", PDF),
    },
}
#: food-shop: 250 m² at 10 baht a square metre.
FOOD_SHOP_FEE_SATANG = 250_000


def today() -> date:
    """The agency's date now (Bangkok)."""
    return clock_source.now().astimezone(BANGKOK).date()


def answers_for(service_id: str) -> dict[str, Any]:
    """A complete, valid form of the service (dates relative to today, so the tests never expire)."""
    if service_id == "fire-certificate":
        return {
            "applicant_name": "สมชาย ใจดี",
            "national_id": "1101700203450",
            "phone": "081-234-5678",
            "email": "somchai@example.com",
            "incident_date": (today() - timedelta(days=10)).isoformat(),
            "incident_address": "12 หมู่ 3 ตำบลคลองน้อย อำเภอเมืองสุราษฎร์ธานี",
            "damage": ["house", "documents"],
            "purpose": "insurance",
        }
    if service_id == "street-vending":
        return {
            "applicant_name": "สมศรี มีสุข",
            "national_id": "1101700203450",
            "phone": "0812345678",
            "goods": "fruit",
            "place_wanted": "หน้าตลาดสดเทศบาล ถนนตลาดใหม่",
            "stall_size": "small",
        }
    return {
        "applicant_name": "สมหญิง รักดี",
        "national_id": "1101700203450",
        "phone": "0812345678",
        "email": "somying@example.com",
        "shop_name": "ครัวคุณหญิง",
        "shop_address": "45 ถนนตลาดใหม่ ตำบลคลองน้อย",
        "area_sqm": 250,
        "food_type": "restaurant",
        "seats": 80,
        "workers": 6,
        "opening_date": (today() + timedelta(days=60)).isoformat(),
        "hygiene_training": True,
    }


class MemoryUploads:
    """The upload bucket: a presigned form upload is modelled by ``put`` (what the browser does with it),
    GuardDuty's verdict by ``scans`` (``put`` tags a file as scanned clean unless told otherwise)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.content_types: dict[str, str] = {}
        self.scans: dict[str, str] = {}

    def presign_post(self, key: str, *, max_bytes: int, expires_in: int = 900) -> dict[str, Any]:
        return {
            "url": "https://uploads.invalid/",
            "fields": {"key": key, "policy": f"content-length-range 0 {max_bytes}", "expires": str(expires_in)},
        }

    def put(self, key: str, data: bytes, *, scan: str | None = SCAN_NO_THREATS_FOUND) -> None:
        self.objects[key] = data
        if scan is None:
            self.scans.pop(key, None)
        else:
            self.scans[key] = scan

    def scan_status(self, key: str) -> str | None:
        return self.scans.get(key)

    def read(self, key: str, *, max_bytes: int) -> bytes | None:
        data = self.objects.get(key)
        return None if data is None else data[: max_bytes + 1]

    def copy(self, source_key: str, target_key: str, *, content_type: str) -> None:
        self.objects[target_key] = self.objects[source_key]
        self.content_types[target_key] = content_type


class World:
    """One agency's e-Service on fakes, with the saga's moves as helpers."""

    def __init__(self, db: MemoryDatabase | DynamoDatabase | None = None) -> None:
        #: The in-memory fakes, or the DynamoDB adapters over a moto table (tests/infra/test_lean_indexes.py).
        self.db = db or MemoryDatabase()
        self.repos = self.db.repositories
        self.executions = MemoryExecutions()
        self.uploads = MemoryUploads()
        self.applications = Applications(
            repos=self.repos, tenant=TENANT, uploads=self.uploads, executions=self.executions
        )
        self.officers = Officers(
            repos=self.repos,
            tenant=TENANT,
            executions=self.executions,
            link=lambda kind, key, name: f"https://files.invalid/{kind}/{key}/{name}",
        )
        self.steps = SagaSteps(repos=self.repos, tenant=TENANT, deadlines=None, executions=self.executions)
        self.desk = PaymentDesk(repos=self.repos, tenant=TENANT, executions=self.executions)
        self.sweeper = Sweeper(requests=self.repos.requests, waiting=self.repos.waiting, executions=self.executions)
        self._numbers = itertools.count(1)

    # --- reading ------------------------------------------------------------------------------------
    def request(self, request_id: str) -> dict[str, Any]:
        """The stored request."""
        return self.db.requests.get(request_id)

    def waiting(self, request_id: str) -> dict[str, Any]:
        """The step the request waits at (or last waited at)."""
        return dict(self.request(request_id).get("waiting") or {})

    def outbox(self, request_id: str) -> dict[str, Any] | None:
        """The saga answer of the request's current waiting step."""
        return self.repos.waiting.outbox(request_id, int(self.waiting(request_id)["sequence"]))

    def answers_to(self, token: str) -> list[tuple[str, str, Any]]:
        """What the saga heard on one task token."""
        return [a for a in self.executions.answers if a[1] == token]

    # --- the applicant --------------------------------------------------------------------------------
    def upload(self, applicant: Applicant, draft_id: str, document_id: str, name: str, data: bytes) -> dict[str, Any]:
        """Ask for an upload, post the bytes, have them checked (what the web form does)."""
        offer = self.applications.start_upload(applicant, draft_id, document_id=document_id, file_name=name)
        self.uploads.put(offer["attachment"]["quarantine_key"], data)
        return self.applications.check_upload(applicant, draft_id, offer["attachment"]["id"])["attachment"]

    def draft(self, service_id: str = "fire-certificate", applicant: Applicant = CITIZEN) -> str:
        """A draft with every answer and required document in place."""
        draft = self.applications.create_draft(applicant, service_id, answers=answers_for(service_id))
        for document_id, (name, data) in DOCUMENTS[service_id].items():
            self.upload(applicant, draft["id"], document_id, name, data)
        return str(draft["id"])

    def submit(
        self, draft_id: str, applicant: Applicant = CITIZEN, *, confirmation: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Confirm, accept the declaration and submit. A click repeated later (a retry, a double click)
        sends the confirmation the page showed the first time."""
        if confirmation is None:
            confirmation = self.applications.confirmation(applicant, draft_id, lang="th")
        return self.applications.submit(
            applicant,
            draft_id,
            declaration=confirmation["declaration"],
            content_hash=confirmation["content_hash"],
            accepted=True,
            client_info={"user_agent": "pytest"},
        )

    def submitted(self, service_id: str = "fire-certificate", applicant: Applicant = CITIZEN) -> str:
        """A new request, its saga started."""
        return str(self.submit(self.draft(service_id, applicant), applicant)["id"])

    def withdraw(self, request_id: str, applicant: Applicant = CITIZEN) -> dict[str, Any]:
        """The applicant withdraws, signed in a moment ago."""
        return self.applications.withdraw(applicant, request_id, reason="ไม่ต้องการแล้ว", authenticated_at=time.time())

    # --- the saga ---------------------------------------------------------------------------------------
    def park(self, request_id: str, step: str) -> str:
        """The saga waits at ``step`` with a new task token; returns the token."""
        token = f"token-{next(self._numbers)}-{step}"
        self.steps.await_step(request_id, step, token)
        return token

    def in_review(self, service_id: str = "fire-certificate", applicant: Applicant = CITIZEN) -> str:
        """Submitted, stamped, waiting for the reviewer."""
        request_id = self.submitted(service_id, applicant)
        self.steps.stamp(request_id)
        self.park(request_id, "review")
        return request_id

    def decide(self, officer: Officer, request_id: str, step: str, decision: str, **kw: Any) -> dict[str, Any]:
        """An officer's decision at the step the request waits at."""
        return self.officers.decide(officer, request_id, step=step, decision=decision, **kw)

    def approved(self, service_id: str = "food-shop", applicant: Applicant = CITIZEN) -> str:
        """Reviewed and approved by every approval step; the saga has not gone further yet."""
        request_id = self.in_review(service_id, applicant)
        self.decide(REVIEWER, request_id, "review", "approve")
        for approver in (APPROVER, HEAD)[: len(TENANT.service(service_id).approval_steps)]:
            self.park(request_id, "approval")
            self.decide(approver, request_id, "approval", "approve")
        return request_id

    def invoiced(self, service_id: str = "food-shop", applicant: Applicant = CITIZEN) -> str:
        """Approved, the fee notice (invoice, QR) opened; the payment wait has not begun."""
        request_id = self.approved(service_id, applicant)
        self.desk.open_payment(request_id)
        return request_id

    def awaiting_payment(self, service_id: str = "food-shop", applicant: Applicant = CITIZEN) -> str:
        """The saga waits for the fee."""
        request_id = self.invoiced(service_id, applicant)
        self.park(request_id, "payment")
        return request_id

    def payment_event(
        self,
        request_id: str,
        *,
        type: str = "payment.succeeded",
        amount_satang: int | None = None,
        transaction_id: str | None = None,
        event_id: str | None = None,
        ref1: str | None = None,
    ) -> WebhookEvent:
        """A provider's message about a Thai QR payment of the request's invoice."""
        record = self.db.requests.find(request_id) or {}
        invoice: Mapping[str, Any] = record.get("payment") or {}
        number = next(self._numbers)
        return WebhookEvent(
            id=event_id or f"evt-{number}",
            type=type,  # type: ignore[arg-type]
            transaction_id=transaction_id or f"TXN-{number}",
            ref1=ref1 or reference_of(request_id),
            ref2=invoice.get("invoice_number"),
            amount_satang=amount_satang if amount_satang is not None else int(invoice.get("amount_satang") or 0),
            channel="thai_qr",
            paid_at=None,
        )

    def sweep_later(self, minutes: int = 5) -> dict[str, list[str]]:
        """The sweeper's run some minutes from now (past its grace)."""
        return self.sweeper.sweep(now=clock_source.now() + timedelta(minutes=minutes))
