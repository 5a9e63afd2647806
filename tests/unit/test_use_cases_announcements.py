"""Announcements issued once (Act §10, §13(1), §16; R-3.5(2)), over the in-memory fakes.

The sign function is stood in for by ``FakeSealer``: it numbers, "seals" and issues an approved
announcement through the same repository calls, and counts its seals, so that a second approval
can be shown not to seal again.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pytest

from eservice import clock_source
from eservice.announcements import APPROVAL_LEASE, KINDS, Announcements, issued_fields, title_of
from eservice.errors import Conflict, Forbidden, InvalidInput, NotFound
from eservice.memory import MemoryDatabase
from eservice.time_rules import BANGKOK, buddhist_year

from .use_case_fixtures import TENANT

ADMIN = ("officer-admin", frozenset({"admin"}))
HEAD = ("officer-head", frozenset({"head"}))
REVIEWER = ("officer-reviewer", frozenset({"reviewer"}))
ESERVICE = "https://eservice.klongnoy.go.th"


class FakeSealer:
    """The sign function's ``issue_announcement``, without the PDF: one seal per issue."""

    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db
        self.seals: list[str] = []
        self.fail_next = False

    def __call__(self, announcement_id: str) -> dict[str, Any]:
        repo = self.db.repositories.announcements
        record = repo.get(announcement_id)
        assert record is not None
        if record["state"] in ("issued", "superseded"):
            return record
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the sign function died mid-seal")
        now = clock_source.now()
        year = buddhist_year(now)
        current = repo.current(record["kind"])
        edition = int(current["edition"]) + 1 if current else 1
        number = f"{self.db.repositories.numbers.take('announcement', year, owner=announcement_id)}/{year}"
        self.seals.append(announcement_id)
        digest = hashlib.sha256(f"{announcement_id}{len(self.seals)}".encode()).hexdigest()
        fields = issued_fields(
            title=title_of(TENANT, record["kind"], edition),
            number=number,
            edition=edition,
            now=now,
            replaces=current["id"] if current else None,
            document={"key": f"announcements/{announcement_id}.pdf", "sha256": digest, "size": 1, "file_name": "a.pdf"},
        )
        assert repo.issue(announcement_id, fields, kind=record["kind"], replaces=current["id"] if current else None)
        issued = repo.get(announcement_id)
        assert issued is not None
        return issued


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def sealer(db: MemoryDatabase) -> FakeSealer:
    return FakeSealer(db)


@pytest.fixture
def desk(db: MemoryDatabase, sealer: FakeSealer) -> Announcements:
    return Announcements(announcements=db.repositories.announcements, tenant=TENANT, eservice_url=ESERVICE, seal=sealer)


def _issue(desk: Announcements, kind: str, name: str = "นายสมศักดิ์ รักถิ่น") -> dict[str, Any]:
    draft = desk.draft(*ADMIN, kind)
    return desk.approve(*HEAD, draft["id"], signer_name=name)


def test_given_an_admin_draft_when_the_head_approves_then_it_is_sealed_once_numbered_and_signed(
    desk: Announcements, sealer: FakeSealer
) -> None:
    draft = desk.draft(*ADMIN, "channels")
    assert draft["state"] == "draft"
    assert desk.published().items == []  # a draft is not public

    issued = desk.approve(*HEAD, draft["id"], signer_name="  นายสมศักดิ์   รักถิ่น ")

    year = buddhist_year(clock_source.now())
    assert issued["state"] == "issued"
    assert issued["number"] == f"1/{year}"
    assert issued["issued_on"] == clock_source.now().astimezone(BANGKOK).date().isoformat()
    assert issued["signer"] == {"name": "นายสมศักดิ์ รักถิ่น", "position": TENANT.head_title.th}
    assert sealer.seals == [draft["id"]]
    listed = desk.published().items
    assert [(a["id"], a["state"]) for a in listed] == [(draft["id"], "issued")]
    assert listed[0]["pdf_url"] == f"/api/announcements/{draft['id']}/pdf"
    assert "approval" not in listed[0] and "drafted_by" not in listed[0]  # no officer ids in public


def test_given_an_issued_announcement_when_approved_again_then_already_issued_and_no_second_seal(
    desk: Announcements, sealer: FakeSealer
) -> None:
    issued = _issue(desk, "payment")

    with pytest.raises(Conflict) as caught:
        desk.approve(*HEAD, issued["id"], signer_name="นายสมศักดิ์ รักถิ่น")

    assert caught.value.code == "announcement.already_issued"
    assert caught.value.th and caught.value.en
    assert sealer.seals == [issued["id"]]


def test_given_roles_then_only_an_admin_drafts_and_only_the_head_approves(desk: Announcements) -> None:
    for officer in (HEAD, REVIEWER):
        with pytest.raises(Forbidden) as caught:
            desk.draft(*officer, "channels")
        assert caught.value.code == "announcement.admin_only"
    draft = desk.draft(*ADMIN, "channels")
    for officer in (ADMIN, REVIEWER):
        with pytest.raises(Forbidden) as refused:
            desk.approve(*officer, draft["id"], signer_name="นายสมศักดิ์ รักถิ่น")
        assert refused.value.code == "announcement.head_only"
        assert refused.value.status == 403


def test_given_an_unknown_kind_or_id_then_not_found(desk: Announcements) -> None:
    with pytest.raises(NotFound) as kind:
        desk.draft(*ADMIN, "lottery")
    assert kind.value.code == "announcement.unknown_kind"
    with pytest.raises(NotFound) as missing:
        desk.approve(*HEAD, "ANN-NOSUCH0000", signer_name="นายสมศักดิ์ รักถิ่น")
    assert missing.value.code == "announcement.not_found"
    with pytest.raises(NotFound):
        desk.document("channels")  # nothing issued of that kind yet


def test_given_a_blank_signer_name_then_refused_before_anything_is_sealed(
    desk: Announcements, sealer: FakeSealer
) -> None:
    draft = desk.draft(*ADMIN, "channels")

    with pytest.raises(InvalidInput) as caught:
        desk.approve(*HEAD, draft["id"], signer_name="   ")

    assert caught.value.code == "announcement.signer_required"
    assert sealer.seals == []


def test_given_a_second_edition_then_the_first_stays_listed_as_superseded(desk: Announcements) -> None:
    first = _issue(desk, "channels")
    second = _issue(desk, "channels")

    assert second["edition"] == 2
    assert second["replaces"] == first["id"]
    assert "(ฉบับที่ 2)" in second["title"]["th"]
    listed = {a["id"]: a for a in desk.published().items}
    assert listed[first["id"]]["state"] == "superseded"
    assert listed[first["id"]]["superseded_by"] == second["id"]
    assert listed[second["id"]]["state"] == "issued"
    # The kind's link serves the one in force; the superseded one is still served by its id.
    assert desk.document("channels")["id"] == second["id"]
    assert desk.document(first["id"])["id"] == first["id"]


def test_given_the_channels_content_then_it_holds_the_template_items_and_the_e_service_url(
    desk: Announcements,
) -> None:
    content = desk.draft(*ADMIN, "channels")["content"]

    assert content["email"] == TENANT.saraban_email
    assert content["website"] == f"https://{TENANT.domain}"
    assert content["eservice_url"] == ESERVICE
    assert [a["th"] for a in content["applications"]] == [a.th for a in TENANT.applications]
    assert content["phones"][0]["number"] == TENANT.phones.records_office
    assert set(content) == {"email", "website", "eservice_url", "applications", "phones"}


def test_given_the_display_content_then_each_public_licence_names_its_law(desk: Announcements) -> None:
    content = desk.draft(*ADMIN, "display")["content"]

    public = [s for s in TENANT.services if s.public_register]
    assert [(lic["title"]["th"], lic["law"]["th"]) for lic in content["licences"]] == [
        (s.licence.title.th, s.licence.law.th) for s in public if s.licence.law
    ]
    assert content["licences"][0]["law"]["th"] == "การสาธารณสุข"


def test_given_the_payment_content_then_it_lists_the_agency_methods_and_account(desk: Announcements) -> None:
    content = desk.draft(*ADMIN, "payment")["content"]

    assert content["methods"] == list(TENANT.payment.channels)
    assert content["account_name"]["th"] == TENANT.payment.account_name.th


def test_given_a_display_announcement_then_it_takes_effect_on_gazette_publication(desk: Announcements) -> None:
    issued = _issue(desk, "display")
    listed = desk.published().items[0]
    assert listed["effect"]["th"] == "มีผลเมื่อประกาศในราชกิจจานุเบกษา"
    assert listed["effect"]["in_effect"] is False

    today = clock_source.now().astimezone(BANGKOK).date()
    desk.record_gazette(*ADMIN, issued["id"], published_on=today, reference="เล่ม 143 ตอนพิเศษ 280 ง")

    listed = desk.published().items[0]
    assert listed["effect"]["in_effect"] is True
    assert listed["effect"]["on"] == today.isoformat()
    assert "ประกาศในราชกิจจานุเบกษาเมื่อวันที่" in listed["effect"]["th"]
    assert listed["gazette"] == {"published_on": today.isoformat(), "reference": "เล่ม 143 ตอนพิเศษ 280 ง"}
    with pytest.raises(Conflict) as again:
        desk.record_gazette(*HEAD, issued["id"], published_on=today)
    assert again.value.code == "announcement.gazette_recorded"


def test_given_bad_gazette_records_then_each_gets_its_own_error(desk: Announcements) -> None:
    today = clock_source.now().astimezone(BANGKOK).date()
    draft = desk.draft(*ADMIN, "display")
    with pytest.raises(Conflict) as not_issued:
        desk.record_gazette(*ADMIN, draft["id"], published_on=today)
    assert not_issued.value.code == "announcement.not_issued"
    issued = desk.approve(*HEAD, draft["id"], signer_name="นายสมศักดิ์ รักถิ่น")
    with pytest.raises(Forbidden):
        desk.record_gazette(*REVIEWER, issued["id"], published_on=today)
    for bad in (today + timedelta(days=1), date.fromisoformat(issued["issued_on"]) - timedelta(days=1)):
        with pytest.raises(InvalidInput) as wrong_date:
            desk.record_gazette(*ADMIN, issued["id"], published_on=bad)
        assert wrong_date.value.code == "announcement.gazette_date"
    channels = _issue(desk, "channels")
    with pytest.raises(Conflict) as no_gazette:
        desk.record_gazette(*ADMIN, channels["id"], published_on=today)
    assert no_gazette.value.code == "announcement.no_gazette"
    # Announcements other than §13(1) are in effect from the day they are signed.
    assert desk.published().items[0]["effect"]["on"] == channels["issued_on"]


def test_given_a_seal_that_died_then_a_second_approval_waits_for_the_lease_and_then_finishes_it(
    desk: Announcements, sealer: FakeSealer, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = desk.draft(*ADMIN, "channels")
    sealer.fail_next = True
    with pytest.raises(RuntimeError):
        desk.approve(*HEAD, draft["id"], signer_name="นายสมศักดิ์ รักถิ่น")

    with pytest.raises(Conflict) as busy:
        desk.approve(*HEAD, draft["id"], signer_name="นายสมศักดิ์ รักถิ่น")
    assert busy.value.code == "announcement.being_issued"

    real_now = clock_source.now
    monkeypatch.setattr(clock_source, "now", lambda: real_now() + APPROVAL_LEASE + timedelta(seconds=1))
    issued = desk.approve(*HEAD, draft["id"], signer_name="นายสมศักดิ์ รักถิ่น")
    assert issued["state"] == "issued"
    assert sealer.seals == [draft["id"]]


def test_given_officer_listing_then_drafts_show_for_head_and_admin_only(desk: Announcements) -> None:
    draft = desk.draft(*ADMIN, "internal-systems")
    assert [a["id"] for a in desk.for_officers(HEAD[1]).items] == [draft["id"]]
    with pytest.raises(Forbidden):
        desk.for_officers(REVIEWER[1])


def test_given_every_kind_then_each_has_a_title_and_legal_basis() -> None:
    for kind, info in KINDS.items():
        title = title_of(TENANT, kind)
        assert TENANT.name.th in title["th"]
        assert info.legal_basis.th and info.legal_basis.en
