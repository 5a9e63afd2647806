"""Open data over HTTP (R-5.3): the public register as CSV and JSON, on CKAN, to the parent agency.

An administrator publishes on demand; the month-end schedule publishes only when the register changed.
The files are served read-only under /open-data/ (CloudFront from the exports bucket; the local front
does the same), the local CKAN portal records every call, and the parent agency gets the files by mail.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, timedelta

import pytest
import requests

from .conftest import wait_for_mail

pytestmark = pytest.mark.stack

HEADER = "licence_number,service_id,holder,issued_on,valid_until,shop_name,shop_address,food_type,area_sqm"
PARENT = "opendata@suratthani-local.go.th"


def _import(officer, number: str, holder: str) -> None:
    issued = (date.today() - timedelta(days=90)).isoformat()
    until = (date.today() + timedelta(days=600)).isoformat()
    row = f"{number},food-shop,{holder},{issued},{until},ร้านเปิดข้อมูล {number},7 ถนนสายหลัก,storage,410"
    report = officer("admin").post("/officer/register/import", json={"csv": HEADER + "\n" + row + "\n"})
    assert report.status_code == 200 and report.json()["imported"] == [number], report.text


def _served_csv(stack) -> list[dict[str, str]]:
    response = requests.get(f"{stack.url}/open-data/licence-register.csv", timeout=30)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_given_an_admin_publishes_then_the_files_the_ckan_dataset_and_the_parent_agency_all_have_the_register(
    stack, officer, public
):
    number = f"FS-OD{uuid.uuid4().hex[:6].upper()}"
    _import(officer, number, "นางเปิด ข้อมูล")
    before = len(stack.ckan.calls())

    refused = officer("head").post("/officer/open-data/publish")
    published = officer("admin").post("/officer/open-data/publish")

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "open_data.admin_only"
    assert published.status_code == 200, published.text
    report = published.json()
    assert report["published"] is True and report["parent_agency"]["to"] == PARENT
    # The files, read-only at their public place.
    rows = _served_csv(stack)
    mine = next(r for r in rows if r["licence_number"] == number)
    assert mine["holder"] == "นางเปิด ข้อมูล" and mine["status"] == "in_force" and float(mine["area_sqm"]) == 410
    assert mine["imported"] == "true" and "national_id" not in mine and "phone" not in mine
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=["in_force", "suspended", "revoked", "expired"].index)
    document = requests.get(f"{stack.url}/open-data/licence-register.json", timeout=30).json()
    assert document["count"] == len(rows) and document["sha256"] == report["sha256"]
    assert number in [r["licence_number"] for r in document["licences"]]
    assert len(rows) == len(public.get("/register", params={"limit": 200}).json()["licences"])
    assert requests.put(f"{stack.url}/open-data/licence-register.csv", data=b"x", timeout=30).status_code == 405
    # CKAN: the dataset with the catalogue's metadata, then the two files uploaded with the agency's key.
    calls = stack.ckan.calls()[before:]
    assert [c["action"] for c in calls][:2] == [
        "package_show",
        "package_create" if report["ckan"]["created"] else "package_update",
    ]
    assert all(c["authorized"] for c in calls)
    uploads = [c for c in calls if c["action"] in ("resource_create", "resource_update")]
    assert [u["files"]["upload"]["filename"] for u in uploads] == ["licence-register.csv", "licence-register.json"]
    dataset = stack.ckan.dataset("klongnoy-food-shop-licences")
    assert dataset["owner_org"] == "klongnoy" and dataset["maintainer_email"] == "saraban@klongnoy.go.th"
    assert dataset["update_frequency_unit"] == "เดือน" and dataset["license_id"] == "Open Data Common"
    assert {t["name"] for t in dataset["tags"]} >= {"ใบอนุญาต", "ทะเบียนใบอนุญาต"}
    for name in ("objective", "geo_coverage", "data_source", "data_category", "notes", "title", "maintainer"):
        assert dataset[name], name
    csv_resource = next(r for r in dataset["resources"] if r["name"] == "licence-register.csv")
    served = requests.get(f"{stack.url}/open-data/licence-register.csv", timeout=30).content
    assert requests.get(csv_resource["url"], timeout=30).content == served
    # The parent agency: the same files by e-mail from the saraban address.
    mail = wait_for_mail(stack, PARENT, lambda m: "ทะเบียนใบอนุญาต" in m["subject"] and report["sha256"] in m["body"])
    assert mail["attachments"] == ["licence-register.csv", "licence-register.json"]
    assert "saraban@klongnoy.go.th" in mail["from"]


def test_given_the_month_end_schedule_then_it_publishes_only_when_the_register_changed(stack, officer):
    officer("admin").post("/officer/open-data/publish")  # the register as it is now is published
    calls = len(stack.ckan.calls())

    unchanged = requests.post(f"{stack.url}/_local/schedules/OpenDataMonthEnd", timeout=120)
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["published"] is False and len(stack.ckan.calls()) == calls

    number = f"FS-ME{uuid.uuid4().hex[:6].upper()}"
    _import(officer, number, "นายสิ้น เดือน")
    changed = requests.post(f"{stack.url}/_local/schedules/OpenDataMonthEnd", timeout=120)

    assert changed.status_code == 200 and changed.json()["published"] is True, changed.text
    assert number in [r["licence_number"] for r in _served_csv(stack)]
    assert [c["action"] for c in stack.ckan.calls()[calls:]] == [
        "package_show",
        "package_update",
        "resource_update",
        "resource_update",
    ]
    listing = json.loads(requests.get(f"{stack.url}/_local/schedules", timeout=30).text)
    assert listing["OpenDataMonthEnd"]["expression"] == "cron(0 22 L * ? *)"
