"""Q7.1, Q7.4: the draft licence the signer reads is marked "ร่าง / DRAFT"; the copy that is sealed is not;
what the officers added is printed on both."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from eservice.tenant import Tenant, load_tenant, tenants_dir
from eservice.time_rules import BANGKOK
from eservice_pdf.render import DRAFT_MARK, LicenceData, render_licence

from .test_render import _contains


@pytest.fixture(scope="module")
def tenant() -> Tenant:
    return load_tenant(tenants_dir() / "klongnoy.yaml")


def _stall_licence(**additions: object) -> LicenceData:
    return LicenceData(
        licence_number="SV-2569-00003",
        request_reference="R-20261130-ABCD",
        issued_at=datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK),
        valid_until=date(2027, 11, 29),
        answers={"applicant_name": "นางสมศรี มีสุข", "goods": "fruit", "stall_size": "small"},
        verify_url="https://klongnoy.go.th/#/verify/SV-2569-00003",
        holder_name="นางสมศรี มีสุข",
        additions=additions,
    )


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_given_a_draft_then_every_page_is_marked_and_the_sealed_copy_is_not(tenant: Tenant) -> None:
    service = tenant.service("street-vending")
    data = _stall_licence(stall_code="KN-A-017", inspection_date="2026-11-28")

    draft = render_licence(tenant, service, data, draft=True)
    clean = render_licence(tenant, service, data)

    assert all("DRAFT" in page.extract_text() for page in PdfReader(BytesIO(draft)).pages)
    assert _contains(_text(draft), "ร่าง")
    assert "DRAFT" not in _text(clean) and not _contains(_text(clean), DRAFT_MARK)
    # The same licence otherwise: every line of the sealed copy is on the draft.
    assert all(line in _text(draft) for line in _text(clean).splitlines() if line.strip())


def test_given_officer_fields_then_rows_and_added_conditions_are_printed(tenant: Tenant) -> None:
    service = tenant.service("street-vending")
    data = _stall_licence(
        stall_code="KN-A-017", inspection_date="2026-11-28", extra_conditions="ตั้งแผงได้เฉพาะเวลา 06.00 ถึง 12.00 น."
    )

    text = _text(render_licence(tenant, service, data))

    for phrase in ("รหัสจุดที่ตั้งแผง", "KN-A-017", "วันที่ตรวจพื้นที่", "28 พฤศจิกายน 2569"):
        assert _contains(text, phrase), phrase
    assert _contains(text, "2. ตั้งแผงได้เฉพาะเวลา 06.00 ถึง 12.00 น.")  # after the template's one condition


def test_given_no_officer_fields_filled_then_the_licence_is_as_before(tenant: Tenant) -> None:
    service = tenant.service("food-shop")
    data = LicenceData(
        licence_number="FS-2569-00012",
        request_reference="R-1",
        issued_at=datetime(2026, 2, 3, 10, 15, tzinfo=BANGKOK),
        valid_until=date(2027, 2, 2),
        answers={
            "applicant_name": "ก",
            "shop_name": "ข",
            "shop_address": "ค",
            "food_type": "restaurant",
            "area_sqm": 250,
        },
        verify_url="https://klongnoy.go.th/#/verify/FS-2569-00012",
        holder_name="ก",
    )

    assert not _contains(_text(render_licence(tenant, service, data)), "วันที่ตรวจสถานที่")
