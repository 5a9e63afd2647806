"""The registers of correspondence and unit routing on the in-memory fakes (R-2.1, R-2.5, R-4.9).

Given/When/Then: one receiving series for e-Service requests and letters entered by hand, corrections as
new entries, one dispatch entry per official e-mail however often the send is retried, exports in the
Regulation's columns; officers see their own units' requests only.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest

from eservice import clock_source
from eservice.correspondence import RECEIVED_COLUMNS, Correspondence
from eservice.errors import Forbidden, InvalidInput, NotFound
from eservice.messages import Message
from eservice.notices import Notifier
from eservice.officers import Officer
from eservice.saga_steps import SagaSteps
from eservice.units import unit_group

from .use_case_fixtures import HEAD, PDF, TENANT, World

RECORDS = frozenset({"records"})


class _World(World):
    """The fake e-Service with its registers wired as the clock and notify functions wire them."""

    def __init__(self) -> None:
        super().__init__()
        self.registers = Correspondence(
            store=self.db.correspondence,
            tenant=TENANT,
            uploads=self.uploads,
            link=lambda key, name: f"https://files.invalid/{key}/{name}",
        )
        self.steps = SagaSteps(
            repos=self.repos,
            tenant=TENANT,
            deadlines=None,
            executions=self.executions,
            correspondence=self.registers,
        )
        self.sent: list[tuple[str, str]] = []
        self.notifier = Notifier(
            repos=self.repos,
            tenant=TENANT,
            public_base_url="https://klongnoy.go.th",
            send_email=self._email,
            send_sms=lambda phone, text: f"sms-{len(self.sent)}",
            correspondence=self.registers,
        )

    def _email(self, to: str, message: Message, request_id: str, kinds: list[str]) -> str:
        self.sent.append((to, message.subject))
        return f"ses-{len(self.sent)}"

    def letter(self, channel: str = "paper", **fields: Any) -> dict[str, Any]:
        offer = self.registers.start_scan("officer-records", RECORDS, file_name="letter.pdf")
        self.uploads.put(f"quarantine/correspondence/{offer['scan']['id']}", PDF)
        return self.registers.enter(
            "officer-records",
            RECORDS,
            scan_id=offer["scan"]["id"],
            channel=channel,
            fields={"sender": "นายมานะ ขยัน", "subject": "ขอความอนุเคราะห์", **fields},
        )


def test_given_a_request_and_letters_then_they_take_one_receipt_series_in_order():
    world = _World()
    request_id = world.submitted()
    world.steps.stamp(request_id)
    world.steps.stamp(request_id)  # a retried step: no second entry, no second number

    by_email = world.letter("email")
    on_paper = world.letter("paper")

    receipt = world.request(request_id)["receipt_number"]
    entries = world.registers.period("received", None, None)
    assert [e["label"] for e in entries] == [receipt, by_email["label"], on_paper["label"]]
    assert [e["number"] for e in entries] == [1, 2, 3]
    first = entries[0]
    assert first["request_id"] == request_id and first["channel"] == "eservice"
    assert first["received_at"] == world.request(request_id)["deemed_received_at"]
    assert first["addressee"] == TENANT.head_title.th
    assert by_email["addressee"] == TENANT.head_title.th and by_email["file"]["sha256"]


def test_given_the_entry_fails_after_registration_then_the_saga_resumes_at_the_stamp_and_enters_it_once():
    """The receipt number is kept before the receiving entry is written: if the entry fails, the stamp step
    fails, the request stays `received` without a waiting step, so recovery resumes at the stamp, which
    writes the missing entry (and only that)."""
    from eservice.recovery import resume_point

    world = _World()
    request_id = world.submitted()
    entered = world.registers.request_received
    failures = iter([RuntimeError("DynamoDB unavailable")])

    def flaky(record: Any) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return entered(record)

    world.registers.request_received = flaky  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        world.steps.stamp(request_id)

    record = world.request(request_id)
    assert record["status"] == "received" and record["receipt_number"]
    assert world.registers.period("received", None, None) == []
    assert resume_point(record) == {"goto": "StampOfficialTime"}
    world.steps.stamp(request_id)
    entries = world.registers.period("received", None, None)
    assert [e["label"] for e in entries] == [record["receipt_number"]]


def test_given_the_same_scan_twice_then_one_entry():
    world = _World()
    offer = world.registers.start_scan("officer-records", RECORDS, file_name="letter.pdf")
    world.uploads.put(f"quarantine/correspondence/{offer['scan']['id']}", PDF)
    enter = {"scan_id": offer["scan"]["id"], "channel": "email", "fields": {"sender": "ก", "subject": "ข"}}

    first = world.registers.enter("officer-records", RECORDS, **enter)
    second = world.registers.enter("officer-records", RECORDS, **enter)

    assert first["label"] == second["label"]
    assert len(world.registers.period("received", None, None)) == 1


def test_given_a_letter_outside_office_hours_then_it_counts_from_the_next_working_day():
    world = _World()
    offer = world.registers.start_scan("officer-records", RECORDS, file_name="letter.pdf")
    world.uploads.put(f"quarantine/correspondence/{offer['scan']['id']}", PDF)
    sunday_night = datetime.fromisoformat("2026-11-29T21:33:00+07:00")  # seed 003 starter §2.2

    entry = world.registers.enter(
        "officer-records",
        RECORDS,
        scan_id=offer["scan"]["id"],
        channel="email",
        fields={"sender": "ก", "subject": "ข"},
        arrived_at=sunday_night,
    )

    assert entry["received_at"] == "2026-11-30T08:30:00+07:00"


def test_given_a_correction_then_a_new_entry_names_the_old_which_is_unchanged():
    world = _World()
    old = world.letter(subject="ขอใช้สถานที่")

    fix = world.registers.correct(
        "officer-records", RECORDS, old["year"], old["number"], fields={"subject": "ขอใช้ศาลา"}, reason="พิมพ์ผิด"
    )

    assert fix["corrects"] == old["label"] and fix["number"] == old["number"] + 1
    assert fix["subject"] == "ขอใช้ศาลา" and fix["sender"] == old["sender"]
    assert world.registers.entry(RECORDS, "received", old["year"], old["number"])["subject"] == "ขอใช้สถานที่"
    with pytest.raises(InvalidInput):
        world.registers.correct("officer-records", RECORDS, old["year"], old["number"], fields={}, reason=" ")
    with pytest.raises(NotFound):
        world.registers.correct("officer-records", RECORDS, old["year"], 999, fields={}, reason="x")


def test_given_other_officers_then_only_records_enter_and_head_admin_read():
    world = _World()
    world.letter()

    with pytest.raises(Forbidden):
        world.registers.browse(frozenset({"reviewer"}), "received")
    with pytest.raises(Forbidden):
        world.registers.start_scan("officer-head", frozenset({"head"}), file_name="x.pdf")
    assert len(world.registers.browse(frozenset({"head"}), "received").items) == 1
    assert len(world.registers.browse(frozenset({"admin"}), "received").items) == 1


def test_given_a_message_sent_again_then_one_dispatch_entry_per_email():
    world = _World()
    request_id = world.in_review()

    world.notifier.send(request_id, "acknowledgment", key="ack")
    world.notifier.send(request_id, "acknowledgment", key="ack")  # a retried step
    world.notifier.send(request_id, "more_documents", key="more-1")

    entries = world.registers.period("dispatched", None, None)
    assert len(world.sent) == 2 == len(entries)
    assert [e["template"] for e in entries] == ["acknowledgment", "more_documents"]
    assert sorted(e["subject"] for e in entries) == sorted(s.split(" / ", 1)[0] for _, s in world.sent)
    assert all(e["request_id"] == request_id for e in entries)


def test_given_the_csv_export_then_bom_regulation_columns_and_formulas_neutralised():
    world = _World()
    world.letter(sender="=cmd|' /C calc'!A0", subject="+SUM(1)")

    data = world.registers.csv(RECORDS, "received")

    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:8] == [f"{th}/{en}" for _, th, en in RECEIVED_COLUMNS[:8]]
    assert rows[1][3].startswith("'=") and rows[1][5].startswith("'+")


def test_given_a_period_then_browse_and_search_keep_to_it():
    world = _World()
    world.letter(subject="ไฟฟ้าดับ")
    world.letter(subject="ถนนชำรุด")
    today = clock_source.now().date()

    found = world.registers.browse(RECORDS, "received", q="ถนน")
    later = world.registers.browse(RECORDS, "received", start=today + timedelta(days=30))

    assert [e["subject"] for e in found.items] == ["ถนนชำรุด"]
    assert later.items == []
    with pytest.raises(InvalidInput):
        world.registers.browse(RECORDS, "received", start=today, end=today - timedelta(days=1))


# --- routing to the responsible unit ----------------------------------------------------------------
def test_given_a_reviewer_of_one_unit_then_only_that_units_requests_are_seen():
    world = _World()
    fire = world.in_review("fire-certificate")  # disaster
    food = world.in_review("food-shop")  # public health
    disaster = Officer(id="o-d", email=None, groups=frozenset({"reviewer", unit_group("disaster")}))
    nobody = Officer(id="o-n", email=None, groups=frozenset({"reviewer"}))

    seen = {r["id"] for r in world.officers.work_list(disaster).items}
    digest = world.officers.digest(disaster)

    assert seen == {fire}
    assert world.officers.work_list(nobody).items == []
    assert {r["id"] for r in world.officers.work_list(HEAD).items} == {fire, food}
    assert food not in {r["id"] for key in ("new", "changed", "mine") for r in digest[key]}
    for call in (
        lambda: world.officers.detail(disaster, food),
        lambda: world.officers.add_note(disaster, food, "x"),
        lambda: world.officers.decide(disaster, food, step="review", decision="approve"),
    ):
        with pytest.raises(NotFound) as hidden:
            call()
        assert hidden.value.code == "request.not_found"
    assert world.officers.detail(disaster, fire)["request"]["unit"] == "disaster"
    assert world.officers.detail(HEAD, food)["request"]["unit"] == "public_health"
