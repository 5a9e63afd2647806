"""Fees in satang (Q6.1): fixed, per unit with rounding up and clamps, none; shown as baht."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from eservice.fees import fee_satang, format_baht
from eservice.tenant import Service, load_tenant, tenants_dir

TENANT = load_tenant(tenants_dir() / "klongnoy.yaml")
# 10 baht (1,000 satang) per m², at least 2,000 baht, at most 3,000 baht.
FOOD_SHOP = TENANT.service("food-shop")
FIRE = TENANT.service("fire-certificate")
DESCRIPTION = {"th": "ค่าธรรมเนียม", "en": "Fee"}


def with_fee(service: Service, fee: dict[str, Any] | None) -> Service:
    data = service.model_dump(mode="json")
    data["fee"] = fee
    return Service.model_validate(data)


def test_given_service_without_fee_when_priced_then_zero() -> None:
    assert FIRE.fee is None
    assert fee_satang(FIRE, {"damage": ["house"]}) == 0


def test_given_fixed_fee_when_priced_then_the_amount_whatever_the_answers() -> None:
    service = with_fee(FIRE, {"kind": "fixed", "amount_satang": 5_000, "description": DESCRIPTION})
    assert fee_satang(service, {}) == 5_000
    assert fee_satang(service, {"damage": ["house", "vehicle"]}) == 5_000


@pytest.mark.parametrize(
    ("area_sqm", "satang"),
    [
        (250, 250_000),  # 250 m² x 10 baht = 2,500 baht
        (250.5, 250_500),
        (200.01, 200_010),  # just over the legal threshold: 2,000.10 baht
        (299.99, 299_990),
        (300, 300_000),
    ],
)
def test_given_area_inside_the_clamps_when_priced_then_area_times_rate(area_sqm: float, satang: int) -> None:
    assert fee_satang(FOOD_SHOP, {"area_sqm": area_sqm}) == satang


def test_given_area_whose_float_product_is_noisy_when_priced_then_exact() -> None:
    # Float arithmetic makes 256.04 * 1000 = 256040.00000000003, which ceil would bill as 2,560.41 baht.
    assert math.ceil(256.04 * 1000) == 256_041
    assert fee_satang(FOOD_SHOP, {"area_sqm": 256.04}) == 256_040


def test_given_fraction_of_a_satang_when_priced_then_rounded_up() -> None:
    assert fee_satang(FOOD_SHOP, {"area_sqm": 200.0155}) == 200_016  # 200,015.5 satang
    odd_rate = with_fee(
        FOOD_SHOP,
        {"kind": "per_unit", "unit_field": "area_sqm", "rate_satang": 333, "description": DESCRIPTION},
    )
    assert fee_satang(odd_rate, {"area_sqm": 250.5}) == 83_417  # 83,416.5 satang
    assert fee_satang(odd_rate, {"area_sqm": Decimal("300")}) == 99_900


def test_given_small_area_when_priced_then_the_minimum() -> None:
    assert fee_satang(FOOD_SHOP, {"area_sqm": 150}) == 200_000
    assert fee_satang(FOOD_SHOP, {}) == 200_000  # no units answered: the minimum still applies


@pytest.mark.parametrize("area_sqm", [300.01, 1_000, 100_000])
def test_given_large_area_when_priced_then_the_maximum(area_sqm: float) -> None:
    assert fee_satang(FOOD_SHOP, {"area_sqm": area_sqm}) == 300_000


def test_given_per_unit_fee_without_maximum_when_priced_then_not_capped() -> None:
    uncapped = with_fee(
        FOOD_SHOP,
        {
            "kind": "per_unit",
            "unit_field": "area_sqm",
            "rate_satang": 1_000,
            "minimum_satang": 200_000,
            "description": DESCRIPTION,
        },
    )
    assert fee_satang(uncapped, {"area_sqm": 1_000}) == 1_000_000


@pytest.mark.parametrize("units", [True, "250", float("nan"), float("inf"), Decimal("NaN")])
def test_given_unit_answer_that_is_not_a_finite_number_when_priced_then_type_error(units: Any) -> None:
    with pytest.raises(TypeError):
        fee_satang(FOOD_SHOP, {"area_sqm": units})


@pytest.mark.parametrize(
    ("satang", "text"),
    [
        (250_000, "2,500.00"),
        (200_010, "2,000.10"),
        (5, "0.05"),
        (0, "0.00"),
        (123_456_789, "1,234,567.89"),
        (-150, "-1.50"),
    ],
)
def test_given_satang_when_formatted_then_baht_with_two_decimals(satang: int, text: str) -> None:
    assert format_baht(satang) == text


@pytest.mark.parametrize("amount", [2500.0, True, "250000"])
def test_given_non_integer_amount_when_formatted_then_type_error(amount: Any) -> None:
    with pytest.raises(TypeError):
        format_baht(amount)
