"""Issue 13, item 10: the catalogue search understands natural Thai phrases (word segmentation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eservice.catalogue import search_services
from eservice.tenant import Tenant, load_tenant
from eservice.thai_words import Segmenter

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return load_tenant(REPO / "tenants" / "klongnoy.yaml")


def ids(tenant: Tenant, query: str) -> list[str]:
    return [s["id"] for s in search_services(tenant, query)]


def test_maximal_matching_cuts_a_thai_phrase_into_dictionary_words() -> None:
    words = Segmenter(["ขอ", "อนุญาต", "ขออนุญาต", "เปิด", "ร้าน", "ร้านอาหาร", "อาหาร"])
    assert words.cut("ขออนุญาตเปิดร้านอาหาร") == ["ขออนุญาต", "เปิด", "ร้านอาหาร"]
    # Unknown letters stay together as one word between the known ones.
    assert words.cut("เปิดคาเฟ่ร้านอาหาร") == ["เปิด", "คาเฟ่", "ร้านอาหาร"]
    assert words.cut("Food  shop") == ["food", "shop"]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("ขออนุญาตเปิดร้านอาหาร", "food-shop"),
        ("อยากเปิดร้านอาหาร", "food-shop"),
        ("ขอหนังสือรับรองไฟไหม้", "fire-certificate"),
        ("ขอตั้งแผงลอยขายของ", "street-vending"),
        ("ขอรับรองถิ่นที่อยู่", "residence-certificate"),
        ("I want to open a restaurant", "food-shop"),
    ],
)
def test_a_natural_phrase_finds_its_service_first(tenant: Tenant, query: str, first: str) -> None:
    assert ids(tenant, query)[0] == first


def test_words_and_no_words_behave_as_before(tenant: Tenant) -> None:
    assert ids(tenant, "อาหาร") == ["food-shop"]
    assert ids(tenant, "fire") == ["fire-certificate"]
    assert ids(tenant, "ไม่มีบริการนี้") == []
    assert ids(tenant, "") == [s.id for s in tenant.services]
    # Only request words: the services whose texts hold the phrase whole.
    assert set(ids(tenant, "ขอใบอนุญาต")) <= {s.id for s in tenant.services}
