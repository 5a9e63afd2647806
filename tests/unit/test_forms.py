"""e-Form validation (Q3.6), drafts (Q3.5), canonical JSON (Q3.8) and the confirmation page (Q3.7)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import pytest

from eservice.errors import MAX_LISTED_DETAILS, InvalidInput
from eservice.forms import (
    FIELD_ERROR_CODES,
    MAX_EXTRA_KEYS,
    canonical_form_json,
    is_valid_thai_national_id,
    summary,
    validate_answers,
)
from eservice.tenant import Service, load_tenant, tenants_dir

TENANT = load_tenant(tenants_dir() / "klongnoy.yaml")
FOOD_SHOP = TENANT.service("food-shop")
FIRE = TENANT.service("fire-certificate")
TODAY = date(2026, 1, 15)
# Hand-checked: weights 13..2 over 1,1,0,1,7,0,0,2,0,3,4,5 sum to 144; 144 % 11 = 1; (11 - 1) % 10 = 0.
VALID_ID = "1101700203450"


def food_shop_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "applicant_name": "  สมชาย ใจดี ",
        "national_id": "1-1017-00203-45-0",
        "phone": "081-234-5678",
        "email": "somchai@Example.CO.TH",
        "shop_name": "ครัวคลองน้อย",
        "shop_address": "99 หมู่ 1 ตำบลคลองน้อย อำเภอเมืองสุราษฎร์ธานี",
        "area_sqm": 250.5,
        "food_type": "restaurant",
        "seats": 80,
        "workers": 12,
        "opening_date": "2026-02-01",
        "hygiene_training": True,
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not ...}


def fire_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "applicant_name": "มานี มีนา",
        "national_id": VALID_ID,
        "phone": "0812345678",
        "email": "manee@example.com",
        "incident_date": "2026-01-10",
        "incident_address": "12 หมู่ 3 ตำบลคลองน้อย",
        "damage": ["house"],
        "purpose": "insurance",
    }
    answers.update(changes)
    return answers


def errors_of(service: Service, answers: dict[str, Any], *, partial: bool = False) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        validate_answers(service, answers, today=TODAY, partial=partial)
    assert caught.value.code == "form.invalid"
    return {d.field: d.code for d in caught.value.details}


def only_error(service: Service, answers: dict[str, Any], field: str) -> str:
    errors = errors_of(service, answers)
    assert list(errors) == [field], errors
    return errors[field]


# --- national id checksum ---------------------------------------------------------------------------


def test_given_hand_checked_id_when_checked_then_only_the_right_check_digit_passes() -> None:
    assert is_valid_thai_national_id(VALID_ID)
    assert not is_valid_thai_national_id("1101700203451")


@pytest.mark.parametrize("body", ["110170020345", "310060012345", "570990001234", "800000000000"])
def test_given_any_twelve_digits_when_check_digit_computed_then_exactly_one_digit_is_valid(body: str) -> None:
    valid = [d for d in "0123456789" if is_valid_thai_national_id(body + d)]
    assert len(valid) == 1


@pytest.mark.parametrize("value", ["", "110170020345", "11017002034500", "1-1017-00203-45-0", "๑๑๐๑๗๐๐๒๐๓๔๕๐"])
def test_given_not_thirteen_ascii_digits_when_checked_then_invalid(value: str) -> None:
    assert not is_valid_thai_national_id(value)


# --- a full, valid food-shop application --------------------------------------------------------------


def test_given_valid_food_shop_answers_when_validated_then_cleaned_and_typed() -> None:
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(), today=TODAY)

    assert cleaned == {
        "applicant_name": "สมชาย ใจดี",
        "national_id": VALID_ID,
        "phone": "0812345678",
        "email": "somchai@example.co.th",
        "shop_name": "ครัวคลองน้อย",
        "shop_address": "99 หมู่ 1 ตำบลคลองน้อย อำเภอเมืองสุราษฎร์ธานี",
        "area_sqm": 250.5,
        "food_type": "restaurant",
        "seats": 80,
        "workers": 12,
        "opening_date": "2026-02-01",
        "hygiene_training": True,
    }
    assert type(cleaned["seats"]) is int
    assert type(cleaned["area_sqm"]) is float


def test_given_html_form_strings_for_numbers_when_validated_then_typed() -> None:
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(area_sqm=" 300 ", workers="12", seats="40.0"), today=TODAY)
    assert (cleaned["area_sqm"], cleaned["workers"], cleaned["seats"]) == (300.0, 12, 40)


def test_given_optional_field_left_empty_when_validated_then_left_out() -> None:
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(seats=""), today=TODAY)
    assert "seats" not in cleaned
    assert "seats" not in validate_answers(FOOD_SHOP, food_shop_answers(seats=None), today=TODAY)


def test_given_valid_fire_answers_when_validated_then_checklist_in_option_order_without_duplicates() -> None:
    cleaned = validate_answers(
        FIRE, fire_answers(damage=["documents", "house", "documents"], details="  "), today=TODAY
    )
    assert cleaned["damage"] == ["house", "documents"]
    assert "details" not in cleaned


# --- one test per error code --------------------------------------------------------------------------


def test_given_every_required_field_missing_when_validated_then_each_is_listed_at_once() -> None:
    errors = errors_of(FOOD_SHOP, {})
    required = [f.name for f in FOOD_SHOP.form if f.required]
    assert errors == dict.fromkeys(required, "field.required")
    assert "seats" not in errors


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_given_blank_required_text_when_validated_then_required(blank: Any) -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(shop_name=blank), "shop_name") == "field.required"


def test_given_empty_checklist_when_required_then_required() -> None:
    assert only_error(FIRE, fire_answers(damage=[]), "damage") == "field.required"


def test_given_required_boolean_answered_false_when_validated_then_accepted() -> None:
    # "Required" means the question is answered; false is an answer.
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(hygiene_training=False), today=TODAY)
    assert cleaned["hygiene_training"] is False


def test_given_unknown_fields_when_validated_then_rejected_not_dropped() -> None:
    errors = errors_of(FOOD_SHOP, food_shop_answers(shop_nmae="typo", is_admin=True))
    assert errors == {"is_admin": "field.unknown", "shop_nmae": "field.unknown"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("applicant_name", 42),
        ("shop_address", ["a"]),
        ("area_sqm", True),
        ("area_sqm", float("nan")),
        ("area_sqm", float("inf")),
        ("area_sqm", "NaN"),
        ("area_sqm", "1e3"),
        ("area_sqm", "250 ตร.ม."),
        ("workers", False),
        ("workers", {"n": 3}),
        ("opening_date", 20260201),
        ("food_type", ["restaurant"]),
        ("hygiene_training", "true"),
        ("hygiene_training", 1),
        ("national_id", 1101700203450),
        ("phone", 812345678),
        ("email", ["a@b.co"]),
    ],
)
def test_given_wrong_json_type_when_validated_then_type_error(field: str, value: Any) -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(**{field: value}), field) == "field.type"


@pytest.mark.parametrize("damage", ["house", ["house", 3]])
def test_given_checklist_not_a_list_of_strings_when_validated_then_type_error(damage: Any) -> None:
    assert only_error(FIRE, fire_answers(damage=damage), "damage") == "field.type"


def test_given_text_over_max_length_when_validated_then_too_long_names_limit() -> None:
    ok = validate_answers(FOOD_SHOP, food_shop_answers(shop_name="ก" * 200), today=TODAY)
    assert len(ok["shop_name"]) == 200
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, food_shop_answers(shop_name="ก" * 201), today=TODAY)
    (detail,) = caught.value.details
    assert (detail.field, detail.code) == ("shop_name", "field.too_long")
    assert "200" in detail.th and "200" in detail.en


def test_given_area_at_200_when_validated_then_too_small_names_the_limit() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, food_shop_answers(area_sqm=200), today=TODAY)
    (detail,) = caught.value.details
    assert detail.code == "field.too_small"
    assert "200.01" in detail.th and "200.01" in detail.en
    assert validate_answers(FOOD_SHOP, food_shop_answers(area_sqm=200.01), today=TODAY)["area_sqm"] == 200.01


def test_given_values_over_maximum_when_validated_then_too_large_with_readable_limit() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, food_shop_answers(area_sqm=100000.5, seats=5001), today=TODAY)
    details = {d.field: d for d in caught.value.details}
    assert {f: d.code for f, d in details.items()} == {
        "area_sqm": "field.too_large",
        "seats": "field.too_large",
    }
    assert "100,000" in details["area_sqm"].en
    assert "5,000" in details["seats"].th


def test_given_zero_workers_when_validated_then_too_small() -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(workers=0), "workers") == "field.too_small"


@pytest.mark.parametrize("value", [12.5, "12.5"])
def test_given_fraction_for_integer_when_validated_then_not_integer(value: Any) -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(workers=value), "workers") == "field.not_integer"


@pytest.mark.parametrize("value", ["01/02/2026", "2026-2-1", "20260201", "2026-02-30", "2026-W05-1", "tomorrow"])
def test_given_badly_written_date_when_validated_then_date_format(value: str) -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(opening_date=value), "opening_date") == "field.date_format"


def test_given_buddhist_era_year_when_validated_then_date_format_explains_the_year() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, food_shop_answers(opening_date="2569-02-01"), today=TODAY)
    (detail,) = caught.value.details
    assert detail.code == "field.date_format"
    assert "ค.ศ." in detail.th and "Gregorian" in detail.en


def test_given_opening_date_before_today_when_validated_then_date_in_past() -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(opening_date="2026-01-14"), "opening_date") == "field.date_in_past"
    assert validate_answers(FOOD_SHOP, food_shop_answers(opening_date="2026-01-15"), today=TODAY)


def test_given_fire_date_after_today_when_validated_then_date_in_future() -> None:
    assert only_error(FIRE, fire_answers(incident_date="2026-01-16"), "incident_date") == "field.date_in_future"
    assert validate_answers(FIRE, fire_answers(incident_date="2026-01-15"), today=TODAY)


def test_given_value_not_an_option_when_validated_then_choice() -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(food_type="bar"), "food_type") == "field.choice"
    assert only_error(FIRE, fire_answers(damage=["house", "boat"]), "damage") == "field.choice"


@pytest.mark.parametrize("value", ["1101700203451", "110170020345", "11017002034500", "ABCDEFGHIJKLM"])
def test_given_bad_national_id_when_validated_then_national_id(value: str) -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(national_id=value), "national_id") == "field.national_id"


@pytest.mark.parametrize("value", [VALID_ID, " 1 1017 00203 45 0 ", "1-1017-00203-45-0", "๑๑๐๑๗๐๐๒๐๓๔๕๐"])
def test_given_national_id_with_separators_or_thai_digits_when_validated_then_digits_only(value: str) -> None:
    assert validate_answers(FOOD_SHOP, food_shop_answers(national_id=value), today=TODAY)["national_id"] == VALID_ID


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0812345678", "0812345678"),
        ("081-234-5678", "0812345678"),
        ("+66812345678", "0812345678"),
        ("+66 81 234 5678", "0812345678"),
        ("+66 (0)81-234-5678", "0812345678"),
        ("+6621234567", "021234567"),
        ("02 123 4567", "021234567"),
        ("(077) 355-101", "077355101"),
        ("061-234-5678", "0612345678"),
        ("091 234 5678", "0912345678"),
    ],
)
def test_given_thai_phone_when_validated_then_normalised_to_zero_leading_digits(typed: str, stored: str) -> None:
    assert validate_answers(FOOD_SHOP, food_shop_answers(phone=typed), today=TODAY)["phone"] == stored


@pytest.mark.parametrize(
    "typed",
    [
        "081234567",
        "08123456789",
        "0112345678",
        "0212345678",
        "+1 415 555 0100",
        "tel 0812345678",
        "1812345678",
    ],
)
def test_given_not_a_thai_phone_when_validated_then_phone(typed: str) -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(phone=typed), "phone") == "field.phone"


@pytest.mark.parametrize("typed", ["somchai", "somchai@", "@example.com", "a b@example.com", "a@b", "a@b..com"])
def test_given_bad_email_when_validated_then_email(typed: str) -> None:
    assert only_error(FOOD_SHOP, food_shop_answers(email=typed), "email") == "field.email"


def test_given_email_with_thai_domain_when_validated_then_accepted() -> None:
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(email="info@คลองน้อย.ไทย"), today=TODAY)
    assert cleaned["email"] == "info@คลองน้อย.ไทย"


def test_given_many_problems_when_validated_then_all_reported_in_form_order_with_messages() -> None:
    answers = food_shop_answers(phone="12345", area_sqm="big", food_type="bar", hygiene_training=..., extra=1)
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, answers, today=TODAY)
    details = caught.value.details
    assert [(d.field, d.code) for d in details] == [
        ("phone", "field.phone"),
        ("area_sqm", "field.type"),
        ("food_type", "field.choice"),
        ("hygiene_training", "field.required"),
        ("extra", "field.unknown"),
    ]
    assert all(d.th and d.en for d in details)
    body = caught.value.as_dict()["error"]
    assert body["code"] == "form.invalid" and len(body["details"]) == 5


def test_given_every_error_code_when_produced_then_thai_and_english_messages_differ() -> None:
    seen: dict[str, tuple[str, str]] = {}
    cases: list[tuple[Service, dict[str, Any]]] = [
        (FOOD_SHOP, {"zzz": 1, "shop_name": 1, "area_sqm": 1, "seats": 9999, "workers": 1.5}),
        (
            FOOD_SHOP,
            {"applicant_name": "ก" * 201, "opening_date": "x", "food_type": "bar", "national_id": "1"},
        ),
        (FOOD_SHOP, {"phone": "1", "email": "x", "opening_date": "2020-01-01"}),
        (FIRE, {"incident_date": "2030-01-01"}),
    ]
    for service, answers in cases:
        with pytest.raises(InvalidInput) as caught:
            validate_answers(service, answers, today=TODAY)
        seen.update({d.code: (d.th, d.en) for d in caught.value.details})
    assert set(seen) == set(FIELD_ERROR_CODES)
    for th, en in seen.values():
        assert th and en and th != en


def test_given_answers_not_an_object_when_validated_then_form_invalid() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, ["not", "a", "mapping"], today=TODAY)  # type: ignore[arg-type]
    assert caught.value.code == "form.invalid"


# --- drafts (Q3.5) ------------------------------------------------------------------------------------


def test_given_partial_draft_when_validated_as_partial_then_missing_required_fields_are_fine() -> None:
    cleaned = validate_answers(
        FOOD_SHOP, {"shop_name": " ครัวคลองน้อย ", "area_sqm": "", "workers": 3}, today=TODAY, partial=True
    )
    assert cleaned == {"shop_name": "ครัวคลองน้อย", "workers": 3}
    assert validate_answers(FOOD_SHOP, {}, today=TODAY, partial=True) == {}


def test_given_partial_draft_with_wrong_type_or_unknown_field_when_validated_then_still_rejected() -> None:
    errors = errors_of(FOOD_SHOP, {"workers": "many", "hygiene_training": "yes", "colour": "red"}, partial=True)
    assert errors == {"workers": "field.type", "hygiene_training": "field.type", "colour": "field.unknown"}


def test_given_partial_draft_with_bad_value_when_validated_then_the_value_rule_still_applies() -> None:
    errors = errors_of(FOOD_SHOP, {"phone": "12", "national_id": "1101700203451"}, partial=True)
    assert errors == {"phone": "field.phone", "national_id": "field.national_id"}


# --- canonical JSON for signing (Q3.8) -----------------------------------------------------------------


def test_given_same_answers_in_any_order_when_canonicalised_then_identical_bytes() -> None:
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(), today=TODAY)
    shuffled = dict(reversed(list(cleaned.items())))

    first = canonical_form_json("food-shop", cleaned)

    assert first == canonical_form_json("food-shop", shuffled)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(canonical_form_json("food-shop", shuffled)).hexdigest()


def test_given_thai_answers_when_canonicalised_then_utf8_sorted_without_spaces() -> None:
    data = canonical_form_json("fire-certificate", {"b": "ไฟไหม้", "a": [1, 2], "c": True})
    assert data == '{"answers":{"a":[1,2],"b":"ไฟไหม้","c":true},"service_id":"fire-certificate"}'.encode()
    assert json.loads(data) == {
        "answers": {"a": [1, 2], "b": "ไฟไหม้", "c": True},
        "service_id": "fire-certificate",
    }


def test_given_changed_answer_when_canonicalised_then_bytes_differ() -> None:
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(), today=TODAY)
    changed = {**cleaned, "area_sqm": 250.6}
    assert canonical_form_json("food-shop", cleaned) != canonical_form_json("food-shop", changed)
    assert canonical_form_json("food-shop", cleaned) != canonical_form_json("fire-certificate", cleaned)


def test_given_nan_when_canonicalised_then_refused() -> None:
    with pytest.raises(ValueError):
        canonical_form_json("food-shop", {"area_sqm": float("nan")})


# --- confirmation page (Q3.7) --------------------------------------------------------------------------


def test_given_cleaned_food_shop_answers_when_summarised_in_thai_then_people_read_them() -> None:
    cleaned = validate_answers(
        FOOD_SHOP, food_shop_answers(seats=..., area_sqm=1250.5, opening_date="2026-02-01"), today=TODAY
    )
    rows = summary(FOOD_SHOP, cleaned, "th")
    values = {r["name"]: r["value"] for r in rows}

    assert [r["name"] for r in rows] == [f.name for f in FOOD_SHOP.form]
    assert rows[0]["label"] == "ชื่อ-นามสกุลผู้ขออนุญาต"
    assert values["food_type"] == "ร้านอาหาร ภัตตาคาร"
    assert values["hygiene_training"] == "ใช่"
    assert values["opening_date"] == "1 กุมภาพันธ์ 2569"
    assert values["area_sqm"] == "1,250.5"
    assert values["national_id"] == "1-1017-00203-45-0"
    assert values["phone"] == "081-234-5678"
    assert values["seats"] == "-"


def test_given_cleaned_answers_when_summarised_in_english_then_english_labels_and_dates() -> None:
    cleaned = validate_answers(FOOD_SHOP, food_shop_answers(hygiene_training=False), today=TODAY)
    values = {r["name"]: (r["label"], r["value"]) for r in summary(FOOD_SHOP, cleaned, "en")}
    assert values["food_type"] == ("Type of business", "Restaurant")
    assert values["hygiene_training"][1] == "No"
    assert values["opening_date"][1] == "1 February 2026"


def test_given_fire_checklist_when_summarised_then_option_labels_joined() -> None:
    cleaned = validate_answers(FIRE, fire_answers(damage=["house", "documents"], phone="077-355-101"), today=TODAY)
    th = {r["name"]: r["value"] for r in summary(FIRE, cleaned, "th")}
    en = {r["name"]: r["value"] for r in summary(FIRE, cleaned, "en")}
    assert th["damage"] == "บ้านเรือน, เอกสารสำคัญ"
    assert en["damage"] == "House, Important documents"
    assert th["incident_date"] == "10 มกราคม 2569"
    assert th["phone"] == "077-355-101"
    assert th["details"] == "-"


# --- hostile answers: the error listing stays small (issue 10) ---------------------------------------------


def test_given_more_problems_than_the_cap_when_validated_then_the_first_are_listed_and_the_rest_counted() -> None:
    extra = {f"extra_{i:02d}": "x" for i in range(MAX_EXTRA_KEYS)}
    answers = food_shop_answers(phone="12345", **extra)
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, answers, today=TODAY)

    error = caught.value
    assert error.code == "form.invalid"
    assert len(error.details) == MAX_LISTED_DETAILS
    # Form order first: the problem a person can fix is never the one left out.
    assert (error.details[0].field, error.details[0].code) == ("phone", "field.phone")
    assert error.details_omitted == 1 + MAX_EXTRA_KEYS - MAX_LISTED_DETAILS
    body = error.as_dict()["error"]
    assert len(body["details"]) == MAX_LISTED_DETAILS
    assert body["details_omitted"] == error.details_omitted


def test_given_few_problems_when_validated_then_nothing_is_counted_as_left_out() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, food_shop_answers(phone="12345"), today=TODAY)
    assert caught.value.details_omitted == 0
    assert "details_omitted" not in caught.value.as_dict()["error"]


def test_given_far_more_keys_than_the_form_has_fields_when_validated_then_refused_before_checking_each() -> None:
    answers = {f"unknown_{i:05d}": "x" for i in range(20_000)}
    answers["phone"] = "12345"  # a wrong known field: not checked, the whole answer is refused first
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, answers, today=TODAY, partial=True)

    error = caught.value
    assert error.code == "form.too_many_fields"
    assert error.th and error.en and error.th != error.en
    assert "20,001" in error.en and "20,001" in error.th
    assert [d.code for d in error.details] == ["field.unknown"] * MAX_LISTED_DETAILS
    assert error.details[0].field == "unknown_00000"
    assert error.details_omitted == 20_000 - MAX_LISTED_DETAILS
    assert len(json.dumps(error.as_dict())) < 64 * 1024


def test_given_exactly_the_allowed_extra_keys_when_validated_then_each_is_still_checked() -> None:
    answers = food_shop_answers(**{f"old_{i:02d}": "x" for i in range(MAX_EXTRA_KEYS)})
    assert len(answers) == len(FOOD_SHOP.form) + MAX_EXTRA_KEYS
    with pytest.raises(InvalidInput) as caught:
        validate_answers(FOOD_SHOP, answers, today=TODAY)
    assert caught.value.code == "form.invalid"
    assert caught.value.details_omitted == 0
