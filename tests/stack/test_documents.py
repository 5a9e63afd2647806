"""Sealed documents over HTTP: the issued licence verifies, tampering shows, the register drives status (issue 6).

Covers R-3.3.6, R-4.1-R-4.5, R-5.1, R-5.4, Q7.3-Q7.5 and Act §13(1) (a QR code that opens the licence).
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
import requests
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from .conftest import prepared_draft, status_is, submit, virtual_now, wait_for, waiting_at

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def issued(stack, new_citizen, officer):
    """A delivered fire certificate: (citizen, request id, licence number, the PDF as downloaded)."""
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    path = f"/officer/requests/{request_id}"
    for group, step, decision in (("reviewer", "review", "approve"), ("approver", "approval", "approve")):
        wait_for(officer(group), request_id, waiting_at(step), path=path)
        assert officer(group).post(f"{path}/decision", json={"step": step, "decision": decision}).status_code == 200
    signer_view = wait_for(officer("signer"), request_id, waiting_at("signature"), path=path)
    assert "licence" not in signer_view["documents"], "nothing is sealed before the signer approves"
    draft = requests.get(signer_view["documents"]["licence_draft"]["url"], timeout=30).content
    assert draft.startswith(b"%PDF") and b"/ByteRange" not in draft
    signing = {"step": "signature", "decision": "sign", "confirm": signer_view["licence_number"]}
    assert officer("signer").post(f"{path}/decision", json=signing).status_code == 200
    final = wait_for(citizen, request_id, status_is("delivered"), timeout=60)
    link = citizen.get(f"/requests/{request_id}/documents/licence").json()
    pdf = requests.get(link["url"], timeout=30).content
    return citizen, request_id, final["licence_number"], pdf


def _verify(public, pdf):
    response = public.session.post(
        public.url("/verify"), data=pdf, headers={"Content-Type": "application/pdf"}, timeout=120
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_given_the_issued_licence_when_anyone_verifies_it_then_the_seal_timestamps_and_record_are_shown(
    issued, public, officer
):
    _, request_id, licence_number, pdf = issued

    result = _verify(public, pdf)

    report = result["report"]
    assert report["summary"] == "valid" and report["modified_after_signing"] is False
    seal = report["signatures"][0]
    assert seal["signer_organization"] == "เทศบาลตำบลคลองน้อย"
    assert seal["trusted"] and seal["intact"] and seal["timestamp_valid"]
    assert any(s["is_document_timestamp"] for s in report["signatures"]), "B-LTA ends with a document timestamp"
    assert result["issued_by_us"] is True
    assert result["licence"]["licence_number"] == licence_number and result["licence"]["status"] == "in_force"
    signer_history = officer("signer").get(f"/officer/requests/{request_id}").json()["decisions"]
    assert any(d["step"] == "signature" and d["decision"] == "sign" for d in signer_history)


def test_given_the_licence_then_its_qr_code_opens_the_public_verification_page(issued, public, tmp_path):
    import zxingcpp
    from PIL import Image

    _, _, licence_number, pdf = issued
    (tmp_path / "licence.pdf").write_bytes(pdf)
    # Look at the page as a person would: render it, then scan it.
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", "licence.pdf", "page"], cwd=tmp_path, check=True)
    decoded = [d.text for d in zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))]

    assert len(decoded) == 1 and decoded[0].endswith(f"#/verify/{licence_number}")
    assert public.get(f"/register/{licence_number}").json()["licence"]["status"] == "in_force"


def test_given_one_flipped_byte_when_verified_then_the_document_is_reported_invalid(issued, public):
    pdf = bytearray(issued[3])
    position = pdf.index(b"/Type /Page") + 2 if b"/Type /Page" in pdf else len(pdf) // 3
    pdf[position] ^= 0x01

    result = _verify(public, bytes(pdf))

    assert result["report"]["summary"] in ("invalid", "modified")
    assert result["issued_by_us"] is False


def test_given_a_page_added_after_sealing_when_verified_then_the_change_is_reported(issued, public):
    writer = IncrementalPdfFileWriter(BytesIO(issued[3]))
    forged = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Valid forever) Tj ET"))
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
                generic.pdf_name("/Contents"): forged,
                generic.pdf_name("/Resources"): generic.DictionaryObject(),
            }
        )
    )
    out = BytesIO()
    writer.write(out)

    result = _verify(public, out.getvalue())

    assert result["report"]["summary"] == "modified"
    assert result["report"]["modified_after_signing"] is True


def test_given_the_head_suspends_then_revokes_the_licence_then_register_and_verification_show_it_at_once(
    issued, public, officer, new_citizen, stack
):
    _, _, licence_number, pdf = issued
    head = officer("head")
    until = (virtual_now(stack).date() + timedelta(days=200)).isoformat()  # the clock other tests move on

    by_reviewer = officer("reviewer").post(
        f"/officer/register/{licence_number}/status", json={"status": "suspended", "reason": "x"}
    )
    suspended = head.post(
        f"/officer/register/{licence_number}/status",
        json={"status": "suspended", "reason": "ผลตรวจสุขลักษณะไม่ผ่าน", "until": until},
    )
    seen = _verify(public, pdf)["licence"]["status"]
    revoked = head.post(
        f"/officer/register/{licence_number}/status", json={"status": "revoked", "reason": "ฝ่าฝืนคำสั่งเจ้าพนักงานท้องถิ่น"}
    )
    reinstate = head.post(f"/officer/register/{licence_number}/status", json={"status": "in_force", "reason": "x"})

    assert by_reviewer.status_code == 403
    assert suspended.status_code == 200 and seen == "suspended"
    assert revoked.json()["status"] == "revoked"
    assert reinstate.status_code == 409
    assert [h["status"] for h in revoked.json()["history"]] == ["in_force", "suspended", "revoked"]
    # A certificate is not on the public register: anyone may check it, but learns only whether it is valid.
    entry = public.get(f"/register/{licence_number}").json()["licence"]
    assert entry == {"licence_number": licence_number, "status": "revoked", "valid": False, "on_public_register": False}
