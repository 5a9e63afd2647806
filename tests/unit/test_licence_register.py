"""The complete licence register on fakes (R-5.1-R-5.5): fields, statuses, the back catalogue, search."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from eservice import clock_source
from eservice.errors import InvalidInput
from eservice.licence_register import LicenceBook, register_fields

from .use_case_fixtures import TENANT, World, answers_for, today

HEADER = "licence_number,service_id,holder,issued_on,valid_until,area,shop_name,shop_address,food_type,area_sqm"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def book(world: World) -> LicenceBook:
    return LicenceBook(repos=world.repos, tenant=TENANT)


def _row(number: str, *, holder: str = "นางสาวสมใจ ดีงาม", valid: Any = None, area_sqm: str = "320") -> str:
    issued = (today() - timedelta(days=200)).isoformat()
    until = valid if valid is not None else (today() + timedelta(days=165)).isoformat()
    return f"{number},food-shop,{holder},{issued},{until},ตำบลคลองน้อย,ร้านสมใจ,9 ถนนท่าทอง,restaurant,{area_sqm}"


def _issued(world: World, number: str, *, valid_days: int = 365) -> dict[str, Any]:
    """A licence issued by the e-Service for a food-shop request (as the sign function registers it)."""
    request_id = world.submitted("food-shop")
    service = TENANT.service("food-shop")
    fields = register_fields(service, answers_for("food-shop"), {})
    entry = {
        "licence_number": number,
        "service_id": "food-shop",
        "title": service.licence.title.model_dump(),
        "holder": "สมหญิง รักดี",
        "fields": fields,
        "business_name": fields.get("shop_name"),
        "area": fields.get("shop_address"),
        "issued_at": clock_source.now().isoformat(),
        "valid_until": (today() + timedelta(days=valid_days)).isoformat(),
        "status": "in_force",
        "public": True,
        "request_id": request_id,
        "document_sha256": "0" * 64,
        "history": [{"status": "in_force", "at": clock_source.now().isoformat(), "reason": None}],
    }
    assert world.repos.licences.add(entry)
    return entry


def test_given_the_food_shop_licence_then_the_register_keeps_its_printed_fields_and_no_personal_id():
    fields = register_fields(TENANT.service("food-shop"), answers_for("food-shop"), {"inspection_date": "2026-01-01"})

    # the floor area is printed on the licence, so it is on the register too.
    assert fields == {
        "shop_name": "ครัวคุณหญิง",
        "shop_address": "45 ถนนตลาดใหม่ ตำบลคลองน้อย",
        "food_type": "restaurant",
        "area_sqm": 250,
    }


def test_given_a_csv_with_good_and_bad_rows_then_good_rows_are_imported_and_each_bad_row_is_reported(book):
    rows = [
        _row("FS 1-2566"),
        _row("FS 2-2566", holder=""),
        _row("FS 3-2566", valid="2020-01-01"),
        "FS 4-2566,no-such-service,นายก ข,2026-01-01,,,,,,",
        _row("FS 1-2566"),
        _row("FS 5-2566", area_sqm="lots"),
        _row("FS 6-2566", valid="31/12/2027"),
    ]
    report = book.import_csv("\ufeff" + HEADER + "\n" + "\n".join(rows) + "\n", by="admin-1")

    assert report["rows"] == 7
    assert report["imported"] == ["FS 1-2566"]
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (3, "import.holder_required"),
        (4, "import.not_in_force"),
        (5, "import.unknown_service"),
        (6, "import.duplicate_in_file"),
        (7, "import.field_invalid"),
        (8, "import.date_invalid"),
    ]
    assert all(e["message"]["th"] and e["message"]["en"] for e in report["errors"])
    entry = book.search(q="FS 1-2566").items[0]
    assert entry["imported"] is True and entry["status"] == "in_force"
    assert entry["fields"]["area_sqm"] == 320.0 and entry["area"] == "ตำบลคลองน้อย"


def test_given_the_same_csv_imported_twice_then_nothing_is_duplicated_and_a_changed_row_is_refused(book, world):
    text = HEADER + "\n" + _row("FS 7-2566") + "\n" + _row("FS 8-2566") + "\n"
    book.import_csv(text, by="admin-1")

    again = book.import_csv(text, by="admin-1")
    changed = book.import_csv(HEADER + "\n" + _row("FS 7-2566", holder="คนอื่น") + "\n", by="admin-1")

    assert again["imported"] == [] and again["unchanged"] == ["FS 7-2566", "FS 8-2566"] and again["errors"] == []
    assert [e["code"] for e in changed["errors"]] == ["import.number_taken"]
    assert len(world.repos.licences.every(public=True)) == 2
    assert world.repos.licences.get("FS 7-2566")["holder"] == "นางสาวสมใจ ดีงาม"


def test_given_a_file_without_the_required_columns_then_it_is_refused_whole(book):
    with pytest.raises(InvalidInput) as refused:
        book.import_csv("licence_number,holder\nFS 1,x\n", by="admin-1")
    assert refused.value.code == "import.columns_missing"
    assert {d.field for d in refused.value.details} == {"service_id", "issued_on", "valid_until"}


def test_given_licences_of_every_status_then_search_filters_and_lists_in_force_first_page_by_page(book, world):
    _issued(world, "FS-A")
    _issued(world, "FS-B")
    _issued(world, "FS-C")
    book.change_status("FS-A", status="suspended", reason="ไม่ผ่านการตรวจ", by="head-1")
    book.change_status("FS-B", status="revoked", reason="ฝ่าฝืนเงื่อนไข", by="head-1")
    book.import_csv(HEADER + "\n" + _row("FS 9-2566") + "\n", by="admin-1")

    first = book.search(limit=2)
    second = book.search(limit=2, cursor=first.cursor)

    statuses = [e["status"] for e in first.items + second.items]
    assert statuses == ["in_force", "in_force", "suspended", "revoked"]
    assert second.cursor is None
    assert [e["licence_number"] for e in book.search(status="suspended").items] == ["FS-A"]
    assert [e["licence_number"] for e in book.search(q="ร้านสมใจ").items] == ["FS 9-2566"]
    assert [e["licence_number"] for e in book.search(area="ท่าทอง").items] == []  # area column given: ตำบลคลองน้อย
    assert len(book.search(area="คลองน้อย", service_id="food-shop").items) == 4
    assert "request_id" not in first.items[0]
    with pytest.raises(InvalidInput):
        book.search(status="deleted")


def test_given_a_status_change_then_it_is_an_event_of_the_request_and_the_holder_notice_is_returned(book, world):
    entry = _issued(world, "FS-D")

    changed, notice = book.change_status(
        "FS-D", status="suspended", reason="ไม่ผ่านการตรวจสุขลักษณะ", by="head-1", until=today() + timedelta(days=30)
    )

    assert changed["status"] == "suspended"
    assert notice is not None
    assert notice["action"] == "licence_notice" and notice["request_id"] == entry["request_id"]
    assert notice["new_status"] == "suspended" and notice["reason"] == "ไม่ผ่านการตรวจสุขลักษณะ"
    # The notice is kept on the request under a name made of its occasion: a plain word, no dots.
    assert notice["key"].startswith("suspended-") and notice["key"].removeprefix("suspended-").isdigit()
    events = world.repos.requests.records(entry["request_id"], "licence_event")
    assert [e["status"] for e in events] == ["suspended"]


def test_given_licences_past_their_validity_when_the_daily_sweep_runs_then_they_expire_once(book, world, monkeypatch):
    _issued(world, "FS-E", valid_days=1)
    _issued(world, "FS-F", valid_days=100)
    book.import_csv(HEADER + "\n" + _row("FS 10-2566", valid=today().isoformat()) + "\n", by="admin-1")
    # Three days later (restored after the test: the clock module is shared by the session).
    monkeypatch.setattr(clock_source, "_offset", clock_source.offset() + timedelta(days=3))

    notices = book.expire_due()
    again = book.expire_due()

    assert [n["new_status"] for n in notices] == ["expired"]  # the imported licence has no request to tell
    assert again == []
    assert world.repos.licences.get("FS-E")["status"] == "expired"
    assert world.repos.licences.get("FS 10-2566")["status"] == "expired"
    assert world.repos.licences.get("FS-F")["status"] == "in_force"
    assert world.repos.licences.get("FS-E")["history"][-1]["status"] == "expired"
