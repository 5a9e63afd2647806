"""The holders of paper licences on fakes (R-5.2, R-5.4, R-4.9, PDPA): their contact, imported with the
licence and corrected by the records officer with its history; the status notice keyed by the licence,
sent once per channel and entered in the dispatch register; and the holder who could not be told, shown
to the records officer instead of being forgotten."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from eservice import clock_source
from eservice.correspondence import Correspondence
from eservice.errors import Conflict, InvalidInput
from eservice.licence_register import HolderNotices, LicenceBook, holder_subject
from eservice.messages import Message
from eservice.notices import DeliveryRefused, notice_kind
from eservice.open_data import register_rows

from .use_case_fixtures import TENANT, World, today

HEADER = (
    "licence_number,service_id,holder,issued_on,valid_until,area,shop_name,shop_address,food_type,area_sqm,"
    "holder_email,holder_phone,holder_address"
)


def _row(number: str, *, email: str = "", phone: str = "", address: str = "") -> str:
    issued = (today() - timedelta(days=200)).isoformat()
    until = (today() + timedelta(days=165)).isoformat()
    return (
        f"{number},food-shop,นางสาวสมใจ ดีงาม,{issued},{until},ตำบลคลองน้อย,ร้านสมใจ,9 ถนนท่าทอง,restaurant,320,"
        f"{email},{phone},{address}"
    )


class _Providers:
    """E-mail, SMS and the sign function as the notify function wires them, recorded."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.emails: list[tuple[str, Message, dict[str, Any]]] = []
        self.sms: list[tuple[str, str]] = []
        self.sealed: list[str] = []
        self.refuse_email = False

    def email(self, to: str, message: Message, document: Mapping[str, Any]) -> str:
        if self.refuse_email:
            raise DeliveryRefused("email_MessageRejected")
        self.emails.append((to, message, dict(document)))
        return f"mail-{len(self.emails)}"

    def text(self, phone: str, text: str) -> str:
        self.sms.append((phone, text))
        return f"sms-{len(self.sms)}"

    def document(self, number: str, template: str, occasion: str, extra: Mapping[str, Any]) -> dict[str, Any]:
        kind = notice_kind(template, occasion)
        record = self.world.repos.licences.get(number) or {}
        kept = (record.get("holder_documents") or {}).get(kind)
        if kept:
            return {**kept, "kind": kind}
        self.sealed.append(kind)
        document = {"key": f"licences/notices/{kind}.pdf", "file_name": f"{kind}.pdf", "sha256": "1" * 64}
        from eservice.licence_register import keep_holder_document

        keep_holder_document(self.world.repos.licences, number, kind, document)
        return {**document, "kind": kind}


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def book(world: World) -> LicenceBook:
    return LicenceBook(repos=world.repos, tenant=TENANT)


@pytest.fixture
def providers(world: World) -> _Providers:
    return _Providers(world)


@pytest.fixture
def registers(world: World) -> Correspondence:
    return Correspondence(store=world.db.correspondence, tenant=TENANT)


@pytest.fixture
def holders(world: World, providers: _Providers, registers: Correspondence) -> HolderNotices:
    return HolderNotices(
        repos=world.repos,
        tenant=TENANT,
        public_base_url="https://eservice.example.go.th",
        send_email=providers.email,
        send_sms=providers.text,
        notice_document=providers.document,
        correspondence=registers,
        sleep=lambda _: None,
    )


def _send(holders: HolderNotices, notice: Mapping[str, Any]) -> dict[str, Any]:
    """What the notify function does with the event (a JSON payload: ids and the change only)."""
    event = json.loads(json.dumps(notice))
    assert event["action"] == "licence_holder_notice"
    return holders.send(
        event["licence_number"],
        event["new_status"],
        reason=event["reason"],
        effective_at=event["effective_at"],
        until=event["until"],
        key=event["key"],
        contact_version=event["contact_version"],
    )


def _dispatched(registers: Correspondence) -> list[dict[str, Any]]:
    return list(registers.browse(frozenset({"records"}), "dispatched", limit=100).items)


def test_given_holder_contact_columns_then_good_contacts_are_kept_and_bad_ones_refused_per_row_with_a_code(book):
    text = "\n".join(
        [
            HEADER,
            _row("FS 1-2566", email="Somjai@Example.COM", phone="081-234-5678", address="9 ถนนท่าทอง"),
            _row("FS 2-2566", email="somjai@@example"),
            _row("FS 3-2566", phone="021234567"),  # a landline takes no SMS
            _row("FS 4-2566", phone="12345"),
            _row("FS 5-2566", address="ก" * 501),
            _row("FS 6-2566"),
        ]
    )

    report = book.import_csv(text, by="officer-1")

    assert report["imported"] == ["FS 1-2566", "FS 6-2566"]
    assert [(e["row"], e["code"], e["field"]) for e in report["errors"]] == [
        (3, "import.holder_email_invalid", "holder_email"),
        (4, "import.holder_phone_invalid", "holder_phone"),
        (5, "import.holder_phone_invalid", "holder_phone"),
        (6, "import.holder_address_invalid", "holder_address"),
    ]
    assert all(e["message"]["th"] and e["message"]["en"] for e in report["errors"])
    kept = book.officer_entry("FS 1-2566")
    assert kept["holder_contact"] == {"email": "Somjai@example.com", "phone": "0812345678", "address": "9 ถนนท่าทอง"}
    assert book.officer_entry("FS 6-2566")["holder_contact"] is None


def test_given_an_imported_contact_then_no_public_view_nor_open_data_row_shows_it(world, book):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="somjai@example.com", phone="0812345678")]), by="o")

    public = book.public_view(world.repos.licences.get("FS 1-2566") or {})
    found = book.search(q="FS 1-2566").items
    _, rows = register_rows(world.repos, TENANT)

    for shown in (public, *found, *rows):
        assert "somjai@example.com" not in json.dumps(shown, ensure_ascii=False)
        assert "0812345678" not in json.dumps(shown, ensure_ascii=False)
        assert "holder_contact" not in shown


def test_given_a_reimport_then_the_same_contact_is_unchanged_and_another_contact_is_refused(book):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="somjai@example.com")]), by="o")

    same = book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="somjai@example.com")]), by="o")
    none = book.import_csv("\n".join([HEADER, _row("FS 1-2566")]), by="o")
    other = book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="other@example.com")]), by="o")

    assert same["unchanged"] == ["FS 1-2566"] and none["unchanged"] == ["FS 1-2566"]
    assert [e["code"] for e in other["errors"]] == ["import.holder_contact_differs"]
    assert book.officer_entry("FS 1-2566")["holder_contact"] == {"email": "somjai@example.com"}


def test_given_a_paper_licence_with_a_contact_when_suspended_then_the_holder_gets_the_sealed_notice_once(
    world, book, holders, providers, registers
):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="somjai@example.com", phone="0812345678")]), by="o")

    _, notice = book.change_status("FS 1-2566", status="suspended", reason="ไม่ผ่านการตรวจสุขลักษณะ", by="head-1")
    assert notice is not None
    first = _send(holders, notice)
    again = _send(holders, notice)  # a retried invocation

    assert first["channels"] == ["email", "sms"] and first["template"] == "licence_suspended"
    assert [r["state"] for r in again["results"]] == ["sent_before", "sent_before"]
    assert len(providers.emails) == 1 and len(providers.sms) == 1 and len(providers.sealed) == 1
    to, message, document = providers.emails[0]
    assert to == "somjai@example.com" and document["kind"] == providers.sealed[0]
    assert "FS 1-2566" in message.subject and "เลขที่ใบอนุญาต FS 1-2566" in message.body
    assert "เลขอ้างอิงคำขอ" not in message.body and "/#/register/FS%201-2566" in message.body
    # one outgoing number for the e-mail, naming the licence; none for the repeat.
    (entry,) = _dispatched(registers)
    assert entry["document_number"] == "FS 1-2566" and entry["addressee"] == "นางสาวสมใจ ดีงาม"
    assert entry["licence_number"] == "FS 1-2566" and entry["request_id"] is None
    logged = world.repos.messages.of_request(holder_subject("FS 1-2566"))
    assert sorted((m["channel"], m["state"]) for m in logged) == [("email", "sent"), ("sms", "sent")]
    view = book.officer_entry("FS 1-2566")
    (told,) = view["holder_notices"]
    assert told["state"] == "sent" and told["status"] == "suspended" and told["channels"] == ["email", "sms"]
    assert view["holder_not_reached"] is False and book.holders_not_reached() == []


def test_given_a_paper_licence_without_contact_when_revoked_then_it_changes_and_the_holder_is_listed_not_reached(
    book, holders, providers
):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566")]), by="o")

    entry, notice = book.change_status("FS 1-2566", status="revoked", reason="ฝ่าฝืนเงื่อนไข", by="head-1")

    assert entry["status"] == "revoked" and notice is None
    (listed,) = book.holders_not_reached()
    assert listed["licence_number"] == "FS 1-2566" and listed["holder_not_reached"] is True
    (unreached,) = listed["holder_notices"]
    assert unreached["state"] == "not_reached" and unreached["why"] == "no_contact"
    assert unreached["status"] == "revoked"
    assert providers.emails == []


def test_given_the_records_officer_adds_the_contact_later_then_the_unreached_notice_goes_once_and_history_is_kept(
    book, holders, providers
):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", address="9 ถนนท่าทอง")]), by="o")
    book.change_status("FS 1-2566", status="suspended", reason="ไม่ผ่านการตรวจ", by="head-1")
    assert [v["licence_number"] for v in book.holders_not_reached()] == ["FS 1-2566"]

    view, resend = book.set_holder_contact(
        "FS 1-2566", contact={"email": "somjai@example.com"}, reason="ผู้รับอนุญาตแจ้งอีเมล", by="records-1"
    )
    (notice,) = resend
    _send(holders, notice)
    _send(holders, notice)

    assert view["holder_contact"] == {"email": "somjai@example.com"}
    (change,) = view["holder_contact_history"]
    assert change["previous"] == {"address": "9 ถนนท่าทอง"} and change["by"] == "records-1"
    assert change["contact"] == {"email": "somjai@example.com"} and change["reason"] == "ผู้รับอนุญาตแจ้งอีเมล"
    assert len(providers.emails) == 1 and "ถูกพักใช้" in providers.emails[0][1].subject
    assert book.holders_not_reached() == []
    assert book.officer_entry("FS 1-2566")["holder_notices"][0]["state"] == "sent"

    corrected, none = book.set_holder_contact(
        "FS 1-2566", contact={"email": "new@example.com"}, reason="เปลี่ยนอีเมล", by="records-1"
    )
    assert none == []  # nothing left untold: a correction resends nothing
    assert [h["previous"] for h in corrected["holder_contact_history"]] == [
        {"address": "9 ถนนท่าทอง"},
        {"email": "somjai@example.com"},
    ]


def test_given_a_bad_contact_or_a_request_born_licence_then_the_correction_is_refused_with_a_code(world, book):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="a@example.com")]), by="o")
    world.repos.licences.add(
        {**(world.repos.licences.get("FS 1-2566") or {}), "licence_number": "E-1", "request_id": "r"}
    )

    with pytest.raises(InvalidInput) as bad:
        book.set_holder_contact("FS 1-2566", contact={"phone": "0212345678", "email": "x@"}, reason="แก้", by="r1")
    with pytest.raises(InvalidInput) as empty:
        book.set_holder_contact("FS 1-2566", contact={}, reason="แก้", by="r1")
    with pytest.raises(Conflict) as same:
        book.set_holder_contact("FS 1-2566", contact={"email": "a@example.com"}, reason="แก้", by="r1")
    with pytest.raises(Conflict) as born:
        book.set_holder_contact("E-1", contact={"email": "b@example.com"}, reason="แก้", by="r1")

    assert bad.value.code == "licence.holder_contact_invalid"
    assert sorted(d.code for d in bad.value.details) == ["holder_contact.email_invalid", "holder_contact.phone_invalid"]
    assert empty.value.code == "licence.holder_contact_empty"
    assert same.value.code == "licence.holder_contact_same" and born.value.code == "licence.contact_from_request"
    assert book.officer_entry("FS 1-2566")["holder_contact_history"] == []


def test_given_every_channel_refuses_for_good_then_the_holder_is_listed_not_reached(book, holders, providers):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="gone@example.com")]), by="o")
    _, notice = book.change_status("FS 1-2566", status="suspended", reason="ตรวจพบปัญหา", by="head-1")
    providers.refuse_email = True

    result = _send(holders, notice or {})

    assert result["channels"] == []
    (listed,) = book.holders_not_reached()
    assert listed["holder_notices"][0]["why"] == "refused"


def test_given_the_daily_sweep_expires_paper_licences_then_a_reachable_holder_gets_a_notice_and_the_other_is_listed(
    world, book, monkeypatch
):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="somjai@example.com"), _row("FS 2-2566")]), by="o")
    real_now = clock_source.now
    monkeypatch.setattr(clock_source, "now", lambda: real_now() + timedelta(days=168))  # past the end of validity

    notices = book.expire_due()

    assert [(n["action"], n["licence_number"], n["new_status"]) for n in notices] == [
        ("licence_holder_notice", "FS 1-2566", "expired")
    ]
    assert [v["licence_number"] for v in book.holders_not_reached()] == ["FS 2-2566"]


def test_given_the_email_refused_for_good_and_the_sms_failing_once_then_the_retry_sends_the_sms_and_no_dispatch(
    world, book, providers, registers
):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="gone@example.com", phone="0812345678")]), by="o")
    _, notice = book.change_status("FS 1-2566", status="suspended", reason="ตรวจพบปัญหา", by="head-1")
    providers.refuse_email = True
    texts = providers.text
    calls = {"n": 0}

    def flaky(phone: str, text: str) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            raise TimeoutError("SNS did not answer")
        return texts(phone, text)

    holders = HolderNotices(
        repos=world.repos,
        tenant=TENANT,
        public_base_url="https://eservice.example.go.th",
        send_email=providers.email,
        send_sms=flaky,
        notice_document=providers.document,
        correspondence=registers,
        sleep=lambda _: None,
    )

    with pytest.raises(TimeoutError):
        _send(holders, notice or {})
    retried = _send(holders, notice or {})

    # The refused e-mail is not counted as sent on the retry (it is "handled before", not delivered).
    assert retried["channels"] == ["sms"] and len(providers.sms) == 1
    assert _dispatched(registers) == []  # no e-mail went out: no outgoing number
    (told,) = book.officer_entry("FS 1-2566")["holder_notices"]
    assert told["state"] == "sent" and told["channels"] == ["sms"]


def test_given_every_channel_refused_then_a_retried_invocation_still_says_not_reached(book, holders, providers):
    book.import_csv("\n".join([HEADER, _row("FS 1-2566", email="gone@example.com")]), by="o")
    _, notice = book.change_status("FS 1-2566", status="revoked", reason="ฝ่าฝืนเงื่อนไข", by="head-1")
    providers.refuse_email = True

    _send(holders, notice or {})
    again = _send(holders, notice or {})

    assert again["channels"] == [] and [r["state"] for r in again["results"]] == ["sent_before"]
    (listed,) = book.holders_not_reached()
    assert listed["holder_notices"][0]["state"] == "not_reached"
