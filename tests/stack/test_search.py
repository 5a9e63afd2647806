"""Issue 13, item 10, over HTTP: GET /services?q= finds services from natural Thai phrases."""

from __future__ import annotations

import pytest

from tests.stack.conftest import Client

pytestmark = pytest.mark.stack


def _ids(public: Client, query: str) -> list[str]:
    response = public.get("/services", params={"q": query})
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()["services"]]


def test_given_a_natural_thai_phrase_when_searching_then_the_service_is_found(public: Client) -> None:
    assert _ids(public, "ขออนุญาตเปิดร้านอาหาร") == ["food-shop"]
    assert _ids(public, "ขอหนังสือรับรองไฟไหม้")[0] == "fire-certificate"
    assert _ids(public, "ขอตั้งแผงลอยขายของ") == ["street-vending"]


def test_given_english_or_nonsense_when_searching_then_the_answer_is_as_expected(public: Client) -> None:
    assert _ids(public, "I want to open a restaurant")[0] == "food-shop"
    assert _ids(public, "ไม่มีบริการนี้") == []
    # The query is limited to 100 characters (a typed 422 error, not a crash).
    too_long = public.get("/services", params={"q": "ก" * 101})
    assert too_long.status_code in (400, 422), too_long.text
