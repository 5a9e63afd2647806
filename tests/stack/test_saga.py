"""The request saga driven over HTTP: officers decide, applicants answer, deadlines pass (issue: saga).

Covers R-1.7, R-2.2, R-3.1, R-3.2, R-3.4, Q4, Q5, Q6.8, Q7.3-7.5 and Q4.6 (nothing is deleted).
"""

from __future__ import annotations

import pytest

from .conftest import prepared_draft, status_is, submit, wait_for, wait_for_mail, waiting_at

pytestmark = pytest.mark.stack


def _submitted(new_citizen, service_id="fire-certificate"):
    citizen = new_citizen()
    request = submit(citizen, prepared_draft(citizen, service_id))
    return citizen, request["id"]


def _decide(officer_client, request_id, step, decision, **extra):
    detail = wait_for(officer_client, request_id, waiting_at(step), path=f"/officer/requests/{request_id}")
    assert decision in detail["request"]["waiting"]["decisions"]
    response = officer_client.post(
        f"/officer/requests/{request_id}/decision", json={"step": step, "decision": decision, **extra}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_given_a_certificate_request_when_every_officer_approves_then_the_sealed_certificate_is_delivered(
    new_citizen, officer, stack
):
    citizen, request_id = _submitted(new_citizen)

    _decide(officer("reviewer"), request_id, "review", "approve")
    _decide(officer("approver"), request_id, "approval", "approve")
    signer_view = wait_for(
        officer("signer"), request_id, waiting_at("signature"), path=f"/officer/requests/{request_id}"
    )
    assert "licence_draft" in signer_view["documents"]
    _decide(officer("signer"), request_id, "signature", "sign")

    final = wait_for(citizen, request_id, status_is("delivered"), timeout=60)
    statuses = [h["status"] for h in final["history"]]
    assert statuses == [
        "submitted",
        "received",
        "in_review",
        "in_approval",
        "awaiting_signature",
        "issued",
        "delivered",
    ]
    assert "licence" in final["documents"]
    link = citizen.get(f"/requests/{request_id}/documents/licence")
    assert link.status_code == 200
    delivered = wait_for_mail(stack, citizen.login.email, lambda m: "ออกหนังสือรับรองการเกิดอัคคีภัยแล้ว" in m["subject"])
    assert delivered["attachments"] == [f"{final['licence_number']}.pdf"]
