"""Issue 12 (and issue 10's identity line) over HTTP: identity levels, what officers add to the licence, the
refusal's legal basis, the marked draft and the signer's confirmation, the minimum formats, acting for a
company, and example documents.

R-3.4 is driven with real sign-ins: a password sign-in (IAL1) through the citizen pool, and ThaID through
the hosted UI stand-in and the test's own OpenID Connect provider (``test_identity.DigitalIdProvider``);
the token shows ThaID by Cognito's provider group, which is how the API reads the level.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import boto3
import pytest
import requests
from pypdf import PdfReader

from local.hosted_ui import CLIENT_SECRETS_ENV, ISSUERS_ENV
from local.stack import REGION, LocalStack
from tests.unit.test_files import DOC, DOCX, PDF, THAI_REPORT

from .conftest import (
    FIRE_ANSWERS,
    Client,
    after_scan,
    pdf_bytes,
    png_bytes,
    prepared_draft,
    send_file,
    status_is,
    submit,
    upload,
    wait_for,
    waiting_at,
)
from .test_identity import Browser, DigitalIdProvider
from .test_identity import new_citizen as new_thaid_person

pytestmark = pytest.mark.stack

WAIT = 180  # seconds; the saga's steps run one after another on a shared machine
STALL = "street-vending"  # the demo's IAL2 service (tenants/klongnoy.yaml)
STALL_ANSWERS = {
    "applicant_name": "สมศรี มีสุข",
    "national_id": "1101700203450",
    "phone": "0812345678",
    "goods": "fruit",
    "place_wanted": "หน้าตลาดสดเทศบาล ถนนตลาดใหม่",
    "stall_size": "small",
}


# --- signing in at each level ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def provider() -> Iterator[DigitalIdProvider]:
    running = DigitalIdProvider()
    yield running
    running.stop()


@pytest.fixture
def thaid_citizen(
    stack: LocalStack, provider: DigitalIdProvider, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], Client]:
    """A new citizen each call, signed in with ThaID (rated IAL2.3 by the agency) through the hosted UI."""
    monkeypatch.setenv(ISSUERS_ENV, json.dumps({"thaid": provider.issuer}))
    monkeypatch.setenv(CLIENT_SECRETS_ENV, json.dumps({"thaid": provider.client_secret}))

    def make() -> Client:
        provider.tamper = None
        provider.citizen = new_thaid_person()
        client = Client(stack, None)
        client.session.headers["Authorization"] = f"Bearer {Browser(stack).tokens()['id_token']}"
        return client

    return make


def _provider_group(stack: LocalStack, email: str, *, member: bool) -> None:
    """The citizen pool's ThaID group, as Cognito keeps it for users who came through ThaID."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = stack._site_config()["citizen"]["userPoolId"]
    group = f"{pool_id}_thaid"
    try:
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    except cognito.exceptions.GroupExistsException:
        pass
    if member:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    else:
        cognito.admin_remove_user_from_group(UserPoolId=pool_id, Username=email, GroupName=group)


def _stall_draft(client: Client) -> str:
    created = client.post("/drafts", json={"service_id": STALL, "answers": STALL_ANSWERS})
    assert created.status_code == 201, created.text
    draft_id = str(created.json()["id"])
    for document_id, name, data in (("id_card", "id.pdf", pdf_bytes()), ("stall_photo", "stall.png", png_bytes())):
        checked = upload(client, draft_id, document_id, name, data)
        assert checked.status_code == 200, checked.text
    return draft_id


def _submit_answer(client: Client, draft_id: str) -> requests.Response:
    confirmation = client.get(f"/drafts/{draft_id}/confirmation").json()
    return client.post(
        f"/drafts/{draft_id}/submit",
        json={"declaration": confirmation["declaration"], "content_hash": confirmation["content_hash"], "accept": True},
    )


def _refused_for_level(response: requests.Response) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "auth.identity_level"
    assert "ThaID" in error["message"]["th"] and "ThaID" in error["message"]["en"]
    assert "IAL2" in error["message"]["en"]


# --- identity level ------------------------------------------------------------------------------
def test_given_a_password_sign_in_when_starting_an_ial2_service_then_refused_telling_to_sign_in_with_thaid(
    new_citizen, public
):
    citizen = new_citizen()

    refused = citizen.post("/drafts", json={"service_id": STALL, "answers": STALL_ANSWERS})

    _refused_for_level(refused)
    assert public.get(f"/services/{STALL}").json()["identity_level"] == "IAL2"
    assert citizen.get("/drafts").json()["drafts"] == []
    # The same sign-in is enough for an IAL1 service.
    assert citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS}).status_code == 201


def test_given_a_thaid_sign_in_then_an_ial2_request_is_started_submitted_and_withdrawn(thaid_citizen):
    citizen = thaid_citizen()

    draft_id = _stall_draft(citizen)
    submitted = _submit_answer(citizen, draft_id)
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]
    wait_for(citizen, request_id, status_is("in_review"), timeout=WAIT)

    withdrawn = citizen.post(f"/requests/{request_id}/withdraw", json={"reason": "เปลี่ยนใจ"})

    assert withdrawn.status_code == 200, withdrawn.text
    assert wait_for(citizen, request_id, status_is("withdrawn"), timeout=WAIT)["status"] == "withdrawn"


def test_given_a_draft_started_at_ial2_when_a_password_sign_in_submits_or_withdraws_then_refused(
    stack, new_citizen, officer
):
    citizen = new_citizen()
    assert citizen.login is not None
    # The account is linked to ThaID (Cognito's provider group): its sign-ins count as IAL2.3.
    _provider_group(stack, citizen.login.email, member=True)
    citizen.reauthenticate()
    waiting_draft = _stall_draft(citizen)
    request_id = submit(citizen, _stall_draft(citizen))["id"]
    wait_for(citizen, request_id, status_is("in_review"), timeout=WAIT)
    # The link is removed: a fresh password sign-in is IAL1 again.
    _provider_group(stack, citizen.login.email, member=False)
    citizen.reauthenticate()

    _refused_for_level(_submit_answer(citizen, waiting_draft))
    _refused_for_level(citizen.post(f"/requests/{request_id}/withdraw", json={"reason": "ไม่ต้องการแล้ว"}))

    assert citizen.get(f"/drafts/{waiting_draft}").json()["state"] == "open"
    detail = officer("reviewer").get(f"/officer/requests/{request_id}").json()
    assert detail["request"]["status"] == "in_review" and detail["request"]["waiting"]["step"] == "review"


# --- Q7.1, Q7.4: what the officers add, the marked draft, the signer's confirmation ---------------------------
def _pdf_text(url: str) -> str:
    data = requests.get(url, timeout=30).content
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_given_officer_fields_when_the_licence_is_issued_then_they_are_on_the_marked_draft_the_licence_and_register(
    thaid_citizen, officer, public
):
    citizen = thaid_citizen()
    request_id = submit(citizen, _stall_draft(citizen))["id"]
    path = f"/officer/requests/{request_id}"
    reviewer, approver, signer = officer("reviewer"), officer("approver"), officer("signer")
    inspected = (datetime.now() - timedelta(days=1)).date().isoformat()

    review = wait_for(reviewer, request_id, waiting_at("review"), path=path, timeout=WAIT)
    assert review["licence_fields"]["editable"] is True
    assert [f["name"] for f in review["licence_fields"]["fields"]] == [
        "stall_code",
        "inspection_date",
        "extra_conditions",
    ]
    bad = reviewer.put(f"{path}/licence-fields", json={"values": {"stall_code": "x" * 21, "inspection": "1"}})
    assert bad.status_code == 400
    assert {d["field"] for d in bad.json()["error"]["details"]} == {"stall_code", "inspection"}
    filled = reviewer.put(f"{path}/licence-fields", json={"values": {"stall_code": "KN-A-017"}})
    assert filled.status_code == 200, filled.text
    assert reviewer.post(f"{path}/decision", json={"step": "review", "decision": "approve"}).status_code == 200

    wait_for(approver, request_id, waiting_at("approval"), path=path, timeout=WAIT)
    missing = approver.post(f"{path}/decision", json={"step": "approval", "decision": "approve"})
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "licence_fields.missing"
    assert [d["field"] for d in missing.json()["error"]["details"]] == ["inspection_date"]
    values = {
        "stall_code": "KN-A-017",
        "inspection_date": inspected,
        "extra_conditions": "ตั้งแผงได้เฉพาะเวลา 06.00 ถึง 12.00 น.",
    }
    assert approver.put(f"{path}/licence-fields", json={"values": values}).status_code == 200
    assert approver.post(f"{path}/decision", json={"step": "approval", "decision": "approve"}).status_code == 200

    signer_view = wait_for(signer, request_id, waiting_at("signature"), path=path, timeout=WAIT)
    number = signer_view["licence_number"]
    draft_text = _pdf_text(signer_view["documents"]["licence_draft"]["url"])
    assert "DRAFT" in draft_text and "KN-A-017" in draft_text and number in draft_text
    assert "licence_unsealed" not in signer_view["documents"]
    assert signer.put(f"{path}/licence-fields", json={"values": values}).status_code == 409
    for confirm in (None, request_id, "SV-0000-00000"):
        unconfirmed = signer.post(
            f"{path}/decision", json={"step": "signature", "decision": "sign", "confirm": confirm}
        )
        assert unconfirmed.status_code == 400
        assert unconfirmed.json()["error"]["code"] == "signature.confirmation_required"
        assert number in unconfirmed.json()["error"]["message"]["en"]
    signed = signer.post(f"{path}/decision", json={"step": "signature", "decision": "sign", "confirm": number})
    assert signed.status_code == 200, signed.text

    final = wait_for(citizen, request_id, status_is("delivered"), timeout=WAIT)
    assert "licence_unsealed" not in final["documents"]
    licence_text = _pdf_text(citizen.get(f"/requests/{request_id}/documents/licence").json()["url"])
    assert "KN-A-017" in licence_text and "DRAFT" not in licence_text
    assert citizen.get(f"/requests/{request_id}/documents/licence_unsealed").status_code == 404
    entry = public.get(f"/register/{number}").json()["licence"]
    assert entry["fields"]["stall_code"] == "KN-A-017"  # public: the stall's place is on the register
    assert "inspection_date" not in entry["fields"]


# --- the refusal's legal basis ---------------------------------------------------------------------
def test_given_a_refusal_then_its_legal_basis_and_reasons_are_on_the_sealed_letter(new_citizen, officer):
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    path = f"/officer/requests/{request_id}"
    reviewer = officer("reviewer")
    wait_for(reviewer, request_id, waiting_at("review"), path=path, timeout=WAIT)
    refusal = {"step": "review", "decision": "reject", "reason": "สถานที่เกิดเหตุอยู่นอกเขตเทศบาล\nไม่พบบันทึกเหตุ"}

    without_basis = reviewer.post(f"{path}/decision", json=refusal)
    assert without_basis.status_code == 400
    assert without_basis.json()["error"]["code"] == "decision.legal_basis_required"
    basis = "พระราชบัญญัติเทศบาล พ.ศ. 2496 มาตรา 50"
    assert reviewer.post(f"{path}/decision", json={**refusal, "legal_basis": basis}).status_code == 200

    final = wait_for(citizen, request_id, status_is("rejected"), timeout=WAIT)
    assert final["documents"]["refusal"]["sealed"] is True
    letter = _pdf_text(citizen.get(f"/requests/{request_id}/documents/refusal").json()["url"]).replace("\u200b", "")
    assert "2496" in letter and "มาตรา" in letter and "50" in letter
    assert "1." in letter and "2." in letter  # one numbered reason a line
    decisions = reviewer.get(path).json()["decisions"]
    assert decisions[-1]["decision"] == "reject"


# --- the minimum formats -----------------------------------------------------------------------------
def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


MINIMUM = {
    "pdf": ("report.pdf", lambda: PDF),
    "doc": ("report.doc", lambda: DOC),
    "docx": ("report.docx", lambda: DOCX),
    "txt": ("report.txt", lambda: THAI_REPORT.encode("utf-8")),
    "jpeg": ("report.jpg", _jpeg),
}


@pytest.mark.parametrize("fmt", list(MINIMUM))
def test_given_each_minimum_format_when_uploaded_to_any_slot_then_accepted(new_citizen, fmt):
    citizen = new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "fire-certificate", "answers": FIRE_ANSWERS}).json()["id"]
    name, make = MINIMUM[fmt]

    # Slots whose tenant entry names fewer formats still take all five.
    for slot in ("id_card", "police_report"):
        checked = upload(citizen, draft_id, slot, name, make())
        assert checked.status_code == 200, checked.text
        assert checked.json()["attachment"]["format"] == fmt
    offered = citizen.get("/services/fire-certificate").json()["documents"]
    assert all({"pdf", "doc", "docx", "txt", "jpeg"} <= set(d["formats"]) for d in offered)


# --- Q2.3: acting for a company ----------------------------------------------------------------------------
def test_given_acting_for_a_company_with_a_power_of_attorney_then_submitted_and_officers_see_both(new_citizen, officer):
    citizen = new_citizen()
    draft_id = prepared_draft(citizen)
    company = {"kind": "juristic_person", "name": "บริษัท คลองน้อยค้าไม้ จำกัด", "identifier": "0845561000123"}
    answers = citizen.get(f"/drafts/{draft_id}").json()["answers"]
    assert citizen.put(f"/drafts/{draft_id}", json={"answers": answers, "on_behalf_of": company}).status_code == 200
    attorney = upload(citizen, draft_id, "power_of_attorney", "หนังสือมอบอำนาจ.pdf", pdf_bytes("power of attorney"))
    assert attorney.status_code == 200, attorney.text

    request = submit(citizen, draft_id)

    assert request["status"] in ("submitted", "received")
    detail = wait_for(
        officer("reviewer"),
        request["id"],
        waiting_at("review"),
        path=f"/officer/requests/{request['id']}",
        timeout=WAIT,
    )
    assert detail["on_behalf_of"] == company
    assert "power_of_attorney" in [a["document_id"] for a in detail["attachments"]]


# --- Q3.4: example documents ------------------------------------------------------------------------------
def test_given_a_slot_with_an_example_then_the_service_names_it_and_the_site_serves_it(stack, public):
    documents = {d["id"]: d for d in public.get("/services/food-shop").json()["documents"]}

    assert documents["id_card"]["example"] == "id-card.png"
    assert documents["shop_map"]["example"] == "shop-map.pdf"
    assert documents["house_registration"]["example"] is None
    image = requests.get(f"{stack.url}/examples/id-card.png", timeout=30)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    sample = requests.get(f"{stack.url}/examples/shop-map.pdf", timeout=30)
    assert sample.status_code == 200 and sample.content.startswith(b"%PDF-")
    # An encoded "../" (a browser would resolve a plain one) does not leave the examples folder.
    assert requests.get(f"{stack.url}/examples/%2e%2e/%2e%2e/klongnoy.yaml", timeout=30).status_code == 404
    assert requests.get(f"{stack.url}/examples/{uuid.uuid4().hex}.png", timeout=30).status_code == 404


# --- Q3.4: the oversize place ---------------------------------------------------------------------------
def test_given_a_file_too_large_for_the_slot_then_its_oversize_place_takes_it_for_this_draft_only(new_citizen, officer):
    from .conftest import FOOD_ANSWERS

    citizen, stranger = new_citizen(), new_citizen()
    draft_id = citizen.post("/drafts", json={"service_id": "food-shop", "answers": FOOD_ANSWERS}).json()["id"]
    plan = ("แผนผังร้านอาหาร ห้องครัว ที่ล้างภาชนะ ห้องน้ำ ที่รวบรวมขยะ\n" * 200_000).encode("utf-8")
    assert 20 * 1024 * 1024 < len(plan) < 200 * 1024 * 1024

    # The slot's own upload form: storage refuses the file before keeping a byte of it (S3 POST policy).
    start = citizen.post("/drafts/" + draft_id + "/attachments", json={"document_id": "shop_map", "file_name": "p.txt"})
    assert start.status_code == 201, start.text
    too_large = send_file(start.json(), plan, "plan.txt")
    assert too_large.status_code == 400 and "<Code>EntityTooLarge</Code>" in too_large.text

    refused = stranger.post(
        f"/drafts/{draft_id}/attachments/oversize", json={"document_id": "shop_map", "file_name": "p.txt"}
    )
    assert refused.status_code == 404
    not_offered = citizen.post(
        f"/drafts/{draft_id}/attachments/oversize", json={"document_id": "id_card", "file_name": "a.pdf"}
    )
    assert not_offered.status_code == 400 and not_offered.json()["error"]["code"] == "oversize.not_offered"
    offer = citizen.post(
        f"/drafts/{draft_id}/attachments/oversize", json={"document_id": "shop_map", "file_name": "plan.txt"}
    )
    assert offer.status_code == 201, offer.text
    body = offer.json()
    assert body["limits"]["max_size_bytes"] == 200 * 1024 * 1024
    assert draft_id in body["attachment"]["quarantine_key"]
    stored = send_file(body, plan, "plan.txt")
    assert stored.status_code == 204, stored.text
    checked = after_scan(lambda: citizen.post(f"/drafts/{draft_id}/attachments/{body['attachment']['id']}/check"))
    assert checked.status_code == 200, checked.text
    assert checked.json()["attachment"]["oversize"] is True

    for document_id, name, data in (
        ("id_card", "id.pdf", pdf_bytes()),
        ("house_registration", "house.pdf", pdf_bytes()),
        ("health_certificate", "health.pdf", pdf_bytes()),
    ):
        assert upload(citizen, draft_id, document_id, name, data).status_code == 200
    request_id = submit(citizen, draft_id)["id"]
    detail = wait_for(
        officer("reviewer"), request_id, waiting_at("review"), path=f"/officer/requests/{request_id}", timeout=WAIT
    )
    plan_file = next(a for a in detail["attachments"] if a["document_id"] == "shop_map")
    assert plan_file["oversize"] is True and plan_file["size"] == len(plan)
    link = officer("reviewer").get(f"/officer/requests/{request_id}/attachments/{plan_file['id']}")
    assert link.status_code == 200, link.text
    assert requests.get(link.json()["url"], timeout=120).content == plan
