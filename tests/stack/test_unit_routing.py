"""Routing to the responsible unit over HTTP (R-2.1, R-1.10).

A request goes to its service's ``responsible_unit``. An officer of another unit does not see it in the
work list or the digest and gets 404 for its details, files, access log and decisions; the head and
administrators see every unit. An administrator sets an officer's units through the API.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import boto3
import pytest

from local.stack import REGION, Login

from .conftest import Client, prepared_draft, submit, wait_for, waiting_at

pytestmark = pytest.mark.stack


def _new_reviewer(stack: Any) -> Client:
    """A reviewer account as an administrator creates it: no unit yet."""
    pool = stack._site_config()["officer"]["userPoolId"]
    email = f"reviewer-{uuid.uuid4().hex[:8]}@klongnoy.go.th"
    temporary = f"Temp#{secrets.token_urlsafe(12)}1a"
    cognito = boto3.client("cognito-idp", region_name=REGION)
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        TemporaryPassword=temporary,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="reviewer")
    password = "Officer#2569local"
    secret = stack.first_sign_in(email, temporary, password)
    return Client(
        stack, Login(pool="officer", email=email, password=password, groups=("reviewer",), totp_secret=secret)
    )


def _ids(client: Client, path: str, **params: Any) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        page = client.get(path, params={**params, "cursor": cursor, "limit": 200})
        assert page.status_code == 200, page.text
        ids |= {r["id"] for r in page.json()["requests"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return ids


def test_given_a_reviewer_of_one_unit_then_other_units_requests_are_hidden_and_head_and_admin_see_all(
    new_citizen, officer, stack
):
    citizen = new_citizen()
    fire = submit(citizen, prepared_draft(citizen, "fire-certificate"))["id"]  # disaster unit
    food = submit(citizen, prepared_draft(citizen, "food-shop"))["id"]  # public health unit
    for request_id in (fire, food):
        path = f"/officer/requests/{request_id}"
        wait_for(officer("reviewer"), request_id, waiting_at("review"), path=path, timeout=120)
    disaster = _new_reviewer(stack)
    email = disaster.login.email if disaster.login else ""

    before = _ids(disaster, "/officer/requests")
    by_reviewer = officer("reviewer").put(f"/officer/officers/{email}/units", json={"units": ["disaster"]})
    unknown = officer("admin").put(f"/officer/officers/{email}/units", json={"units": ["lottery"]})
    nobody = officer("admin").put("/officer/officers/nobody@klongnoy.go.th/units", json={"units": ["disaster"]})
    assigned = officer("admin").put(f"/officer/officers/{email}/units", json={"units": ["disaster"]})

    assert before == set()  # an officer without a unit sees no request
    assert by_reviewer.status_code == 403 and by_reviewer.json()["error"]["code"] == "units.admin_only"
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "units.unknown"
    assert nobody.status_code == 404
    assert assigned.status_code == 200 and assigned.json()["units"] == ["disaster"]
    assert officer("admin").get(f"/officer/officers/{email}/units").json()["units"] == ["disaster"]
    assert disaster.get("/officer/me").json()["units"] == ["disaster"]

    mine = _ids(disaster, "/officer/requests")
    assert fire in mine and food not in mine
    assert food not in _ids(disaster, "/officer/requests", status="in_review")
    assert all(r["unit"] == "disaster" for r in disaster.get("/officer/requests").json()["requests"])
    digest = disaster.get("/officer/digest").json()
    listed = {r["id"] for key in ("new", "changed", "due_soon", "overdue", "mine") for r in digest[key]}
    assert food not in listed and fire in listed

    assert disaster.get(f"/officer/requests/{fire}").status_code == 200
    detail = officer("reviewer").get(f"/officer/requests/{food}").json()
    attachment = detail["attachments"][0]["id"]
    for response in (
        disaster.get(f"/officer/requests/{food}"),
        disaster.get(f"/officer/requests/{food}/attachments/{attachment}"),
        disaster.post(f"/officer/requests/{food}/decision", json={"step": "review", "decision": "approve"}),
        disaster.post(f"/officer/requests/{food}/notes", json={"text": "ตรวจแล้ว"}),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "request.not_found"
    assert officer("head").get(f"/officer/requests/{food}/audit").status_code == 200

    for agency_wide in ("head", "admin"):
        assert {fire, food} <= _ids(officer(agency_wide), "/officer/requests")
        assert officer(agency_wide).get(f"/officer/requests/{food}").status_code == 200

    moved = officer("admin").put(f"/officer/officers/{email}/units", json={"units": ["public_health"]})
    assert moved.status_code == 200
    now_mine = _ids(disaster, "/officer/requests")
    assert food in now_mine and fire not in now_mine
