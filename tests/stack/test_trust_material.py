"""Trust material is published (issue 10): a relying party checks a seal with only what /pki/ serves.

The certificates name ``https://<domain>/pki/root.crl`` (CRL distribution point) and
``https://<domain>/pki/root.crt`` (caIssuers); the front serves those paths from ``pki/`` in the sites
bucket, as CloudFront's ``/pki/*`` behaviour does on AWS. openssl then verifies a sealed
acknowledgment's CMS with the fetched root and CRL alone, CRL checks on.
"""

from __future__ import annotations

import shlex
import subprocess
from datetime import datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID
from pyhanko.pdf_utils.reader import PdfFileReader

from .conftest import prepared_draft, submit, wait_for

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def acknowledgment(new_citizen) -> bytes:
    """A sealed acknowledgment, as the citizen downloads it after submitting."""
    citizen = new_citizen()
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    wait_for(citizen, request_id, lambda r: "acknowledgment" in r.get("documents", {}), timeout=60)
    link = citizen.get(f"/requests/{request_id}/documents/acknowledgment").json()
    pdf = requests.get(link["url"], timeout=30).content
    assert pdf.startswith(b"%PDF")
    return pdf


def _fetch(stack, path: str) -> requests.Response:
    return requests.get(f"{stack.url}{path}", timeout=30)


def _openssl(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *shlex.split(command)], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )


def test_given_a_sealed_acknowledgment_when_a_relying_party_fetches_pki_then_openssl_verifies_the_seal_with_it(
    stack, acknowledgment, tmp_path
):
    root_crt, root_pem, root_crl = (_fetch(stack, f"/pki/{n}") for n in ("root.crt", "root.pem", "root.crl"))
    for response, content_type in (
        (root_crt, "application/pkix-cert"),
        (root_pem, "application/x-pem-file"),
        (root_crl, "application/pkix-crl"),
    ):
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == content_type
    assert "max-age=300" in root_crl.headers["Cache-Control"]
    assert x509.load_der_x509_certificate(root_crt.content) == x509.load_pem_x509_certificate(root_pem.content)

    # Only what was fetched goes to openssl: the root and the CRL, converted to the PEM bundle that
    # openssl 3.0's cms -verify takes as -CAfile (it has no -CRLfile), as a relying party would.
    (tmp_path / "root.crt").write_bytes(root_crt.content)
    (tmp_path / "root.crl").write_bytes(root_crl.content)
    for command in (
        "x509 -inform DER -in root.crt -out root.pem",
        "crl -inform DER -in root.crl -out root.crl.pem",
    ):
        converted = _openssl(command, tmp_path)
        assert converted.returncode == 0, converted.stderr
    (tmp_path / "trust.pem").write_bytes(
        (tmp_path / "root.pem").read_bytes() + (tmp_path / "root.crl.pem").read_bytes()
    )
    seal = next(iter(PdfFileReader(BytesIO(acknowledgment)).embedded_signatures))
    # PAdES keeps revocation data in the DSS, not in the CMS: the CRL openssl uses is the fetched one.
    assert not seal.signed_data["crls"]
    start1, length1, start2, length2 = (int(x) for x in seal.byte_range)
    (tmp_path / "seal.p7s").write_bytes(seal.pkcs7_content)
    (tmp_path / "seal.content").write_bytes(
        acknowledgment[start1 : start1 + length1] + acknowledgment[start2 : start2 + length2]
    )
    # Checked at the service's (virtual) present, which other tests may have moved ahead of the system clock.
    now = datetime.fromisoformat(_fetch(stack, "/_local/clock").json()["now"])
    attime = int(now.timestamp())
    verify = (
        "cms -verify -inform DER -binary -in seal.p7s -content seal.content"
        f" -crl_check_all -attime {attime} -out /dev/null -CAfile"
    )

    crl_check = _openssl("crl -inform DER -in root.crl -CAfile root.pem -noout", tmp_path)
    verified = _openssl(f"{verify} trust.pem", tmp_path)
    without_crl = _openssl(f"{verify} root.pem", tmp_path)

    assert "verify OK" in crl_check.stdout + crl_check.stderr, crl_check.stderr
    assert verified.returncode == 0 and "Verification successful" in verified.stderr, verified.stderr
    assert without_crl.returncode != 0 and "unable to get certificate CRL" in without_crl.stderr, without_crl.stderr
    # And the certificate says where these files are: the very paths fetched above, on the agency's domain.
    agency = next(
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in seal.signed_data["certificates"]
        if c.chosen.dump() != root_crt.content
    )
    issuers = [
        d.access_location.value
        for d in agency.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
    ]
    crl_points = [
        name.value
        for point in agency.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        for name in point.full_name or ()
    ]
    assert [urlsplit(u).path for u in issuers] == ["/pki/root.crt"]
    assert [urlsplit(u).path for u in crl_points] == ["/pki/root.crl"]
    assert {urlsplit(u).netloc for u in issuers + crl_points} == {"klongnoy.go.th"}
    assert all(u.startswith("https://") for u in issuers + crl_points)


def test_given_an_unknown_pki_file_then_the_front_answers_404_and_never_the_sites_html(stack):
    response = _fetch(stack, "/pki/agency.p12")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "<html" not in response.text.lower() and "/pki/agency.p12" in response.text
