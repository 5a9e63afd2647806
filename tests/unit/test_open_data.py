"""Open data (R-5.3) on fakes: the register as CSV (UTF-8 with BOM) and JSON, pushed to a local CKAN."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from ckanapi import RemoteCKAN

from eservice.licence_register import LicenceBook
from eservice.open_data import CSV_KEY, JSON_KEY, OpenDataPublisher
from local.fake_ckan import REQUIRED_METADATA, FakeCkan

from .use_case_fixtures import TENANT, World, today

HEADER = "licence_number,service_id,holder,issued_on,valid_until,shop_name,shop_address,food_type,area_sqm"


class Bucket:
    """The exports bucket: put and head, as the publisher uses them."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, ContentType: str, Metadata: dict[str, str], **_: Any):
        self.objects[Key] = {"body": Body, "type": ContentType, "metadata": Metadata}

    def head_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        if Key not in self.objects:
            raise KeyError("404 Not Found")
        return {"Metadata": self.objects[Key]["metadata"]}


@pytest.fixture
def ckan() -> Iterator[FakeCkan]:
    portal = FakeCkan(api_key="key-of-the-agency", organizations=("klongnoy",)).start()
    yield portal
    portal.stop()


@pytest.fixture
def world() -> World:
    world = World()
    issued = (today() - timedelta(days=30)).isoformat()
    until = (today() + timedelta(days=300)).isoformat()
    rows = [
        f"FS-1-2566,food-shop,นางสาวสมใจ ดีงาม,{issued},{until},ร้านสมใจ,9 ถนนท่าทอง,restaurant,320",
        f'FS-2-2566,food-shop,นายสมชาย ใจดี,{issued},{until},ครัวชาย,"1 ถนนตลาด, คลองน้อย",catering,210',
    ]
    report = LicenceBook(repos=world.repos, tenant=TENANT).import_csv(HEADER + "\n" + "\n".join(rows), by="admin")
    assert report["errors"] == []
    LicenceBook(repos=world.repos, tenant=TENANT).change_status(
        "FS-2-2566", status="revoked", reason="ฝ่าฝืนเงื่อนไข", by="head"
    )
    return world


def _publisher(world: World, bucket: Bucket, ckan: FakeCkan, mails: list[Any]) -> OpenDataPublisher:
    return OpenDataPublisher(
        repos=world.repos,
        tenant=TENANT,
        s3=bucket,
        bucket="exports",
        public_url="https://klongnoy.go.th",
        ckan=lambda: RemoteCKAN(ckan.url, apikey=ckan.api_key),
        send_parent=lambda to, digest, files: mails.append((to, [f.name for f in files])) or "mail-1",
    )


def test_given_the_register_then_the_export_is_csv_with_bom_and_json_in_force_first(world, ckan):
    bucket, mails = Bucket(), []
    report = _publisher(world, bucket, ckan, mails).publish()

    assert report["published"] is True
    data = bucket.objects[CSV_KEY]["body"]
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["licence_number"], r["status"]) for r in rows] == [("FS-1-2566", "in_force"), ("FS-2-2566", "revoked")]
    assert rows[0]["area_sqm"] == "320.0" and rows[1]["shop_address"] == "1 ถนนตลาด, คลองน้อย"
    assert rows[0]["imported"] == "true"
    assert "national_id" not in rows[0] and "phone" not in rows[0]
    document = json.loads(bucket.objects[JSON_KEY]["body"])
    assert document["count"] == 2 and document["licences"][0]["holder"] == "นางสาวสมใจ ดีงาม"
    month = [k for k in bucket.objects if k.startswith("open-data/20")]
    assert len(month) == 2
    assert mails == [("opendata@suratthani-local.go.th", ["licence-register.csv", "licence-register.json"])]


def test_given_a_ckan_portal_then_the_dataset_is_created_with_the_catalogue_metadata_then_updated(world, ckan):
    bucket = Bucket()
    publisher = _publisher(world, bucket, ckan, [])

    first = publisher.publish()
    unchanged = publisher.publish()
    LicenceBook(repos=world.repos, tenant=TENANT).change_status(
        "FS-1-2566", status="suspended", reason="ปรับปรุงสถานที่", by="head"
    )
    second = publisher.publish()

    assert first["ckan"]["created"] is True and second["ckan"]["created"] is False
    assert unchanged == {"published": False, "reason": "unchanged", "sha256": first["sha256"]}
    actions = [c["action"] for c in ckan.calls()]
    assert actions == [
        "package_show",
        "package_create",
        "resource_create",
        "resource_create",
        "package_show",
        "package_update",
        "resource_update",
        "resource_update",
    ]
    assert all(c["authorized"] for c in ckan.calls() if c["action"] != "package_show")
    dataset = ckan.dataset("klongnoy-food-shop-licences")
    assert dataset is not None
    assert all(dataset.get(name) for name in REQUIRED_METADATA)
    assert dataset["owner_org"] == "klongnoy" and dataset["update_frequency_unit"] == "เดือน"
    assert [r["name"] for r in dataset["resources"]] == ["licence-register.csv", "licence-register.json"]
    uploaded = ckan.file(dataset["resources"][0]["id"])
    assert uploaded == bucket.objects[CSV_KEY]["body"]
    assert "suspended" in uploaded.decode("utf-8-sig")


def test_given_a_wrong_api_key_then_the_push_fails_loudly(world, ckan):
    from ckanapi import NotAuthorized

    bucket = Bucket()
    publisher = OpenDataPublisher(
        repos=world.repos,
        tenant=TENANT,
        s3=bucket,
        bucket="exports",
        public_url="https://klongnoy.go.th",
        ckan=lambda: RemoteCKAN(ckan.url, apikey="wrong"),
    )
    with pytest.raises(NotAuthorized):
        publisher.publish()
    # The files are out, but the export is not marked done: the next run pushes it again.
    assert publisher.last_digest() is None
