"""Announcements issued once, over HTTP (Act §10, §13(1), §16; R-3.5(2); issues 10 and 11).

An administrator drafts, the head approves: the announcement is sealed once, served from storage
(the same bytes every time, cacheable), verified as ours, and listed publicly with its history.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.stack

SIGNER = "นายสมศักดิ์ รักถิ่น"


def _issue(officer: Any, kind: str) -> dict[str, Any]:
    drafted = officer("admin").post("/officer/announcements", json={"kind": kind})
    assert drafted.status_code == 201, drafted.text
    approved = officer("head").post(
        f"/officer/announcements/{drafted.json()['id']}/approve", json={"signer_name": SIGNER}
    )
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


def _listed(public: Any) -> dict[str, dict[str, Any]]:
    response = public.get("/announcements")
    assert response.status_code == 200, response.text
    return {a["id"]: a for a in response.json()["announcements"]}


def _pdf_text(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # pdftotext splits SARA AM and leaves word-break marks: compare without spaces and marks.
    return "".join(text.replace("\u200b", "").split())


def _has(text: str, phrase: str) -> bool:
    return "".join(phrase.split()) in text


def test_given_an_admin_draft_when_the_head_approves_then_it_is_sealed_once_served_listed_and_ours(
    officer, public, tmp_path
):
    drafted = officer("admin").post("/officer/announcements", json={"kind": "channels"})
    assert drafted.status_code == 201, drafted.text
    draft = drafted.json()
    assert draft["state"] == "draft"
    assert draft["content"]["eservice_url"].startswith("http")
    assert draft["id"] not in _listed(public)

    approved = officer("head").post(f"/officer/announcements/{draft['id']}/approve", json={"signer_name": SIGNER})
    again = officer("head").post(f"/officer/announcements/{draft['id']}/approve", json={"signer_name": SIGNER})

    assert approved.status_code == 200, approved.text
    issued = approved.json()
    assert issued["state"] == "issued" and issued["number"].endswith(str(datetime.now(UTC).year + 543))
    assert again.status_code == 409 and again.json()["error"]["code"] == "announcement.already_issued"
    assert again.json()["error"]["message"]["th"] and again.json()["error"]["message"]["en"]

    first = public.get(f"/announcements/{draft['id']}/pdf")
    second = public.get(f"/announcements/{draft['id']}/pdf")
    current = public.get("/announcements/channels/pdf")
    assert first.status_code == 200 and first.headers["Content-Type"] == "application/pdf"
    # Served from storage: the same sealed bytes every time (no new seal per GET), cacheable.
    assert first.content == second.content == current.content
    assert "immutable" in first.headers["Cache-Control"]
    assert first.headers["ETag"] == f'"{issued["document"]["sha256"]}"'
    not_modified = public.get(f"/announcements/{draft['id']}/pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304

    verified = public.session.post(
        public.url("/verify"), data=first.content, headers={"Content-Type": "application/pdf"}, timeout=120
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["issued_by_us"] is True
    assert verified.json()["report"]["summary"] == "valid"
    assert verified.json()["announcement"]["id"] == draft["id"]

    listed = _listed(public)[draft["id"]]
    assert listed["state"] == "issued" and listed["number"] == issued["number"]
    assert listed["signer"] == {"name": SIGNER, "position": "นายกเทศมนตรีตำบลคลองน้อย"}
    assert listed["pdf_url"] == f"/api/announcements/{draft['id']}/pdf"

    text = _pdf_text(first.content, tmp_path, "channels")
    for phrase in (
        "saraban@klongnoy.go.th",
        "https://klongnoy.go.th",
        draft["content"]["eservice_url"],
        "แอปพลิเคชัน",
        "@klongnoy",
        "077-355-101",
        f"ที่ {issued['number']}",
        f"({SIGNER})",
    ):
        assert _has(text, phrase), phrase


def test_given_a_new_edition_then_the_old_stays_listed_as_superseded(officer, public):
    first = _issue(officer, "payment")
    second = _issue(officer, "payment")

    listed = _listed(public)
    assert listed[first["id"]]["state"] == "superseded"
    assert listed[first["id"]]["superseded_by"] == second["id"]
    assert listed[second["id"]]["state"] == "issued" and listed[second["id"]]["edition"] == first["edition"] + 1
    # Nothing is deleted: the superseded document is still served, and the kind's link gives the new one.
    old = public.get(f"/announcements/{first['id']}/pdf")
    assert old.status_code == 200
    assert public.get("/announcements/payment/pdf").content == public.get(f"/announcements/{second['id']}/pdf").content
    assert old.content != public.get("/announcements/payment/pdf").content


def test_given_the_display_announcement_then_it_names_each_law_and_shows_the_gazette_date(officer, public, tmp_path):
    issued = _issue(officer, "display")

    listed = _listed(public)[issued["id"]]
    assert listed["effect"]["th"] == "มีผลเมื่อประกาศในราชกิจจานุเบกษา" and listed["effect"]["in_effect"] is False
    pdf = public.get(f"/announcements/{issued['id']}/pdf").content
    text = _pdf_text(pdf, tmp_path, "display")
    assert _has(text, "ตามกฎหมายว่าด้วยการสาธารณสุข")
    assert _has(text, "วันประกาศในราชกิจจานุเบกษาเป็นต้นไป")

    published_on = issued["issued_on"]
    by_reviewer = officer("reviewer").post(
        f"/officer/announcements/{issued['id']}/gazette", json={"published_on": published_on}
    )
    recorded = officer("admin").post(
        f"/officer/announcements/{issued['id']}/gazette",
        json={"published_on": published_on, "reference": "เล่ม 143 ตอนพิเศษ 280 ง หน้า 12"},
    )
    twice = officer("head").post(f"/officer/announcements/{issued['id']}/gazette", json={"published_on": published_on})

    assert by_reviewer.status_code == 403
    assert recorded.status_code == 200, recorded.text
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "announcement.gazette_recorded"
    listed = _listed(public)[issued["id"]]
    assert listed["effect"]["in_effect"] is True and listed["effect"]["on"] == published_on
    assert listed["gazette"] == {"published_on": published_on, "reference": "เล่ม 143 ตอนพิเศษ 280 ง หน้า 12"}
    # The sealed document does not change when the Gazette date is recorded.
    assert public.get(f"/announcements/{issued['id']}/pdf").content == pdf


def test_given_bad_announcement_requests_then_each_gets_a_typed_error(officer, public):
    by_head = officer("head").post("/officer/announcements", json={"kind": "channels"})
    unknown = officer("admin").post("/officer/announcements", json={"kind": "lottery"})
    draft = officer("admin").post("/officer/announcements", json={"kind": "internal-systems"}).json()
    by_admin = officer("admin").post(f"/officer/announcements/{draft['id']}/approve", json={"signer_name": SIGNER})
    no_such = officer("head").post("/officer/announcements/ANN-NOSUCH0000/approve", json={"signer_name": SIGNER})
    not_issued = public.get(f"/announcements/{draft['id']}/pdf")
    unknown_pdf = public.get("/announcements/lottery/pdf")
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    gazette_on_draft = officer("admin").post(
        f"/officer/announcements/{draft['id']}/gazette", json={"published_on": future}
    )
    anonymous_draft = public.post("/officer/announcements", json={"kind": "channels"})

    assert (by_head.status_code, by_head.json()["error"]["code"]) == (403, "announcement.admin_only")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "announcement.unknown_kind")
    assert (by_admin.status_code, by_admin.json()["error"]["code"]) == (403, "announcement.head_only")
    assert (no_such.status_code, no_such.json()["error"]["code"]) == (404, "announcement.not_found")
    assert (not_issued.status_code, not_issued.json()["error"]["code"]) == (404, "announcement.not_found")
    assert unknown_pdf.status_code == 404
    assert gazette_on_draft.status_code == 409
    assert anonymous_draft.status_code == 401
    for response in (by_head, unknown, by_admin, no_such):
        message = response.json()["error"]["message"]
        assert message["th"] and message["en"]
