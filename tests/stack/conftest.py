"""The local stack, started once per test session, and clients that use it as people do.

Everything here goes through HTTP on 127.0.0.1: the citizen and officer APIs exactly as API
Gateway would expose them, the mailbox and the virtual clock of the local stack.
"""

from __future__ import annotations

import base64
import io
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
import pytest
import requests

from local.stack import REGION, LocalStack, Login

pytestmark = pytest.mark.stack


@pytest.fixture(scope="session")
def stack(local_stack: LocalStack) -> LocalStack:
    """The session's local stack (tests/conftest.py starts it once)."""
    return local_stack


class Client:
    """A signed-in person talking to the API."""

    def __init__(self, stack: LocalStack, login: Login | None) -> None:
        self.stack = stack
        self.login = login
        self.session = requests.Session()
        if login is not None:
            self.session.headers["Authorization"] = f"Bearer {stack.sign_in(login)}"

    def url(self, path: str) -> str:
        return f"{self.stack.url}/api{path}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url(path), timeout=60, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return self.session.post(self.url(path), json=json, timeout=60, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return self.session.put(self.url(path), json=json, timeout=60, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.session.delete(self.url(path), timeout=60, **kw)

    def reauthenticate(self) -> None:
        """A fresh sign-in (R-3.4 high-risk actions)."""
        assert self.login is not None
        self.session.headers["Authorization"] = f"Bearer {self.stack.sign_in(self.login)}"


@pytest.fixture(scope="session")
def new_citizen(stack: LocalStack) -> Callable[[], Client]:
    """A new citizen account each call, signed up in the citizen pool (so tests do not share data)."""
    config = stack._site_config()["citizen"]
    cognito = boto3.client("cognito-idp", region_name=REGION)

    def make() -> Client:
        login = Login(
            pool="citizen", email=f"citizen-{uuid.uuid4().hex[:10]}@example.com", password="Citizen#2569local"
        )
        cognito.sign_up(
            ClientId=config["clientId"],
            Username=login.email,
            Password=login.password,
            UserAttributes=[{"Name": "email", "Value": login.email}],
        )
        cognito.admin_confirm_sign_up(UserPoolId=config["userPoolId"], Username=login.email)
        return Client(stack, login)

    return make


@pytest.fixture(scope="session")
def officer(stack: LocalStack) -> Callable[[str], Client]:
    """The seeded officer of a group: reviewer, approver, signer, finance, head, admin."""
    clients: dict[str, Client] = {}

    def get(group: str) -> Client:
        if group not in clients:
            login = next(x for x in stack.logins if x.pool == "officer" and group in x.groups)
            clients[group] = Client(stack, login)
        return clients[group]

    return get


@pytest.fixture(scope="session")
def public(stack: LocalStack) -> Client:
    """Anyone, not signed in."""
    return Client(stack, None)


# --- files a citizen would attach ----------------------------------------------------------------------
def pdf_bytes(text: str = "scan") -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=text)
    return bytes(doc.output())


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


FIRE_ANSWERS = {
    "applicant_name": "สมชาย ใจดี",
    "national_id": "1101700203450",
    "phone": "081-234-5678",
    "incident_date": "2026-11-01",
    "incident_address": "12 หมู่ 3 ตำบลคลองน้อย อำเภอเมืองสุราษฎร์ธานี",
    "damage": ["house", "documents"],
    "purpose": "insurance",
}
FOOD_ANSWERS = {
    "applicant_name": "สมหญิง รักดี",
    "national_id": "1101700203450",
    "phone": "0812345678",
    "shop_name": "ครัวคุณหญิง",
    "shop_address": "45 ถนนตลาดใหม่ ตำบลคลองน้อย",
    "area_sqm": 250,
    "food_type": "restaurant",
    "seats": 80,
    "workers": 6,
    "opening_date": "2030-01-15",
    "hygiene_training": True,
}
DOCUMENTS = {
    "fire-certificate": {"id_card": ("id.pdf", pdf_bytes), "damage_photos": ("photo.png", png_bytes)},
    "food-shop": {
        "id_card": ("id.pdf", pdf_bytes),
        "house_registration": ("house.pdf", pdf_bytes),
        "shop_map": ("map.png", png_bytes),
        "health_certificate": ("health.pdf", pdf_bytes),
    },
}


def send_file(offer: dict[str, Any], data: bytes, name: str = "file") -> requests.Response:
    """What the browser does with an upload offer: a form with the signed fields, then the file (S3 POST)."""
    upload_form = offer["upload"]
    assert upload_form["method"] == "POST", upload_form
    return requests.post(upload_form["url"], data=upload_form["fields"], files={"file": (name, data)}, timeout=60)


def after_scan(call: Callable[[], requests.Response], *, timeout: float = 30) -> requests.Response:
    """Ask again while the server answers ``file.scan_pending`` (the malware scan has not finished)."""
    deadline = time.monotonic() + timeout
    while True:
        response = call()
        pending = response.status_code == 409 and response.json()["error"]["code"] == "file.scan_pending"
        if not pending or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def upload(client: Client, draft_id: str, document_id: str, name: str, data: bytes) -> requests.Response:
    """What the web form does for one file: ask for an upload form, post the file, have the server check it."""
    start = client.post(f"/drafts/{draft_id}/attachments", json={"document_id": document_id, "file_name": name})
    assert start.status_code == 201, start.text
    body = start.json()
    stored = send_file(body, data, name)
    assert stored.status_code == 204, stored.text
    return after_scan(lambda: client.post(f"/drafts/{draft_id}/attachments/{body['attachment']['id']}/check"))


def prepared_draft(client: Client, service_id: str = "fire-certificate", answers: dict[str, Any] | None = None) -> str:
    """A draft with every answer and document in place, ready to confirm."""
    if answers is None:
        answers = FIRE_ANSWERS if service_id == "fire-certificate" else FOOD_ANSWERS
    created = client.post("/drafts", json={"service_id": service_id, "answers": answers})
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]
    for document_id, (name, make) in DOCUMENTS[service_id].items():
        checked = upload(client, draft_id, document_id, name, make())
        assert checked.status_code == 200, checked.text
    return str(draft_id)


def submit(client: Client, draft_id: str) -> dict[str, Any]:
    """Confirm, accept the declaration, submit; returns the request."""
    confirmation = client.get(f"/drafts/{draft_id}/confirmation").json()
    assert "declaration" in confirmation, confirmation
    response = client.post(
        f"/drafts/{draft_id}/submit",
        json={"declaration": confirmation["declaration"], "content_hash": confirmation["content_hash"], "accept": True},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def wait_for(
    client: Client,
    request_id: str,
    predicate: Callable[[dict[str, Any]], bool],
    *,
    timeout: float = 30,
    path: str | None = None,
) -> dict[str, Any]:
    """Poll the request as its owner (or an officer, with ``path``) until the predicate holds."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(path or f"/requests/{request_id}")
        assert response.status_code == 200, response.text
        last = response.json()
        if predicate(last):
            return last
        time.sleep(0.2)
    raise AssertionError(f"request {request_id} never reached the expected state; last seen: {last}")


def waiting_at(step: str) -> Callable[[dict[str, Any]], bool]:
    """For officer detail: the saga waits at ``step``."""
    return lambda detail: (detail.get("request", {}).get("waiting") or {}).get("step") == step


def status_is(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda r: (r.get("request") or r).get("status") == status


def agency_calendar(stack: LocalStack) -> Any:
    """The agency's working time (``OfficeCalendar``) as its tenant file gives it: office hours, closures and
    Thai holidays. Tests that move the virtual clock pick their moments with it: the clock only runs forward,
    so a fixed date would lapse."""
    from eservice.saga_steps import office_calendar
    from eservice.tenant import load_tenant, tenants_dir

    return office_calendar(load_tenant(tenants_dir() / f"{stack.tenant}.yaml"))


def virtual_now(stack: LocalStack) -> datetime:
    """The local stack's virtual clock."""
    return datetime.fromisoformat(requests.get(f"{stack.url}/_local/clock", timeout=30).json()["now"])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def wait_for_mail(
    stack: LocalStack, address: str, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 30
) -> dict[str, Any]:
    """The first message to ``address`` that satisfies the predicate, as the local mailbox shows it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = requests.get(f"{stack.url}/_local/mailbox", timeout=30)
        for message in response.json()["messages"]:
            if address in message["to"] and predicate(message):
                return dict(message)
        time.sleep(0.2)
    raise AssertionError(f"no such message to {address}")


# --- tests that run the clock far ahead go last (the clock never runs backwards) ---------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clock_far_ahead: runs the local clock months ahead; run after every other stack test"
    )

    config.addinivalue_line(
        "markers",
        "restart_first: restarts the stack and sweeps; runs before every other stack test (see its docstring)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that move the clock past other tests' fixed dates run after all of them, and the restart test
    before all of them (stable otherwise)."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("restart_first") is None,
            item.get_closest_marker("clock_far_ahead") is not None,
        )
    )
