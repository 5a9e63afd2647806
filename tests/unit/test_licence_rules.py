"""Q7.1, R-4.1, Q7.4: what officers add to the licence, a refusal's legal basis, the signer's confirmation.

On the in-memory fakes; tests/stack/test_licence_rules.py drives the same rules over HTTP.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from eservice.errors import Conflict, InvalidInput, NotFound
from eservice.officers import Officer

from .use_case_fixtures import APPROVER, EVERY_UNIT, REVIEWER, World, today

SIGNER = Officer(id="signer-1", email=None, groups=frozenset({"signer"}) | EVERY_UNIT)
STALL = "street-vending"  # officer fields: stall_code (required, public), inspection_date (required), extra_conditions


def _in_review(world: World) -> str:
    from .test_withdrawal_auth import THAID

    return world.in_review(STALL, THAID)


def test_given_the_reviewer_when_filling_the_licence_fields_then_validated_kept_and_shown():
    world = World()
    request_id = _in_review(world)
    inspected = (today() - timedelta(days=1)).isoformat()

    detail = world.officers.set_licence_fields(
        REVIEWER, request_id, {"stall_code": "  KN-A-017 ", "inspection_date": inspected}
    )

    assert detail["licence_fields"]["values"] == {"stall_code": "KN-A-017", "inspection_date": inspected}
    assert [f["name"] for f in detail["licence_fields"]["fields"]] == [
        "stall_code",
        "inspection_date",
        "extra_conditions",
    ]
    assert detail["licence_fields"]["editable"] is True
    assert world.request(request_id)["licence_additions"]["stall_code"] == "KN-A-017"
    assert [r["by"] for r in world.repos.requests.records(request_id, "LICENCE_FIELDS")] == [REVIEWER.id]


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"stall_code": "x" * 21}, "stall_code", "field.too_long"),
        ({"inspection_date": (today() + timedelta(days=2)).isoformat()}, "inspection_date", "field.date_in_future"),
        ({"inspection_date": "yesterday"}, "inspection_date", "field.date_format"),
        ({"stall_number": "7"}, "stall_number", "field.unknown"),
    ],
)
def test_given_bad_licence_field_values_then_refused_like_form_fields(values, field, code):
    world = World()
    request_id = _in_review(world)

    with pytest.raises(InvalidInput) as refused:
        world.officers.set_licence_fields(REVIEWER, request_id, values)

    assert refused.value.code == "form.invalid"
    assert [(d.field, d.code) for d in refused.value.details] == [(field, code)]
    assert "licence_additions" not in world.request(request_id)


def test_given_an_officer_of_another_step_when_filling_licence_fields_then_refused():
    world = World()
    request_id = _in_review(world)

    with pytest.raises(Conflict) as refused:
        world.officers.set_licence_fields(SIGNER, request_id, {"stall_code": "KN-A-017"})

    assert refused.value.code == "licence_fields.not_now"


def test_given_required_licence_fields_missing_when_the_last_approval_then_refused_naming_them():
    world = World()
    request_id = _in_review(world)
    world.decide(REVIEWER, request_id, "review", "approve")
    world.park(request_id, "approval")

    with pytest.raises(InvalidInput) as refused:
        world.decide(APPROVER, request_id, "approval", "approve")

    assert refused.value.code == "licence_fields.missing"
    assert {d.field for d in refused.value.details} == {"stall_code", "inspection_date"}
    world.officers.set_licence_fields(
        APPROVER, request_id, {"stall_code": "KN-A-017", "inspection_date": today().isoformat()}
    )
    assert world.decide(APPROVER, request_id, "approval", "approve")["request"]["status"] == "in_approval"


def test_given_a_refusal_without_legal_basis_then_refused_and_with_it_recorded():
    world = World()
    request_id = world.in_review()

    with pytest.raises(InvalidInput) as refused:
        world.decide(REVIEWER, request_id, "review", "reject", reason="ไม่พบหลักฐาน")
    assert refused.value.code == "decision.legal_basis_required"
    assert refused.value.details[0].field == "legal_basis"

    world.decide(REVIEWER, request_id, "review", "reject", reason="ไม่พบหลักฐาน", legal_basis="ระเบียบ ข้อ 5")

    decision = world.request(request_id)["decision"]
    assert (decision["reason"], decision["legal_basis"]) == ("ไม่พบหลักฐาน", "ระเบียบ ข้อ 5")


def _awaiting_signature(world: World) -> str:
    request_id = world.approved("fire-certificate")
    world.repos.requests.set_fields(request_id, {"licence_number": "FC-2569-00007"})
    world.repos.requests.set_document(request_id, "licence_draft", {"key": "k", "file_name": "f", "sha256": "ab"})
    world.park(request_id, "signature")
    return request_id


@pytest.mark.parametrize("confirm", [None, "", "FC-2569-00008", "R-whatever"])
def test_given_signing_without_naming_the_draft_then_refused(confirm):
    world = World()
    request_id = _awaiting_signature(world)

    with pytest.raises(InvalidInput) as refused:
        world.decide(SIGNER, request_id, "signature", "sign", confirm=confirm)

    assert refused.value.code == "signature.confirmation_required"
    assert "FC-2569-00007" in refused.value.th and "FC-2569-00007" in refused.value.en
    assert world.waiting(request_id)["state"] == "waiting"
    assert "signature_approval" not in world.request(request_id)


def test_given_signing_naming_the_draft_then_the_exact_draft_is_approved():
    world = World()
    request_id = _awaiting_signature(world)

    world.decide(SIGNER, request_id, "signature", "sign", confirm=" FC-2569-00007 ")

    assert world.request(request_id)["signature_approval"]["draft_sha256"] == "ab"


# --- Q3.4: the oversize place ------------------------------------------------------------------------------
def test_given_a_slot_with_an_oversize_place_then_a_larger_file_is_accepted_there_and_flagged():
    from .use_case_fixtures import CITIZEN, OTHER_CITIZEN, answers_for

    world = World()
    draft_id = world.applications.create_draft(CITIZEN, "food-shop", answers=answers_for("food-shop"))["id"]
    plan = ("แผนผังร้าน\n" * 800_000).encode("utf-8")  # about 26 MB of text: over the slot's 20 MB

    offer = world.applications.start_oversize_upload(CITIZEN, draft_id, document_id="shop_map", file_name="plan.txt")
    world.uploads.put(offer["attachment"]["quarantine_key"], plan)
    checked = world.applications.check_upload(CITIZEN, draft_id, offer["attachment"]["id"])["attachment"]

    assert offer["limits"]["max_size_bytes"] == 200 * 1024 * 1024
    assert (checked["state"], checked["oversize"], checked["size"]) == ("accepted", True, len(plan))
    with pytest.raises(InvalidInput) as not_offered:
        world.applications.start_oversize_upload(CITIZEN, draft_id, document_id="id_card", file_name="a.pdf")
    assert not_offered.value.code == "oversize.not_offered"
    with pytest.raises(NotFound):
        world.applications.start_oversize_upload(OTHER_CITIZEN, draft_id, document_id="shop_map", file_name="p.txt")
