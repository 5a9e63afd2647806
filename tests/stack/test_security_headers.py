"""The local front answers as CloudFront does (issues 10 and 13): the same security headers on every
response of the sites and the API, compression and cache headers for the sites' files, a real icon,
and the public TSA's own throttle from the stage's method settings.
"""

from __future__ import annotations

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from infra import web_headers
from infra.stack import TSA_BURST_LIMIT, TSA_RATE_LIMIT

pytestmark = pytest.mark.stack

PAGES = {
    "citizen page": "/",
    "officer page": "/officer/",
    "asset": "/css/site.css",
    "api": "/api/services",
    "config": "/config.json",
    "trust material (missing or not)": "/pki/root.crl",
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_given_any_response_of_the_sites_or_api_then_it_carries_the_security_headers(stack, path):
    response = requests.get(f"{stack.url}{path}", timeout=30)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))

    assert response.status_code in (200, 404), response.text[:200]
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["connect-src"] == f"'self' {stack.moto_url}"  # the presigned uploads (S3)
    assert "unsafe" not in csp
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Permissions-Policy"] == web_headers.PERMISSIONS_POLICY


@pytest.mark.parametrize("path", ["/_aws/cognito-domain/oauth2/authorize", "/_local/pay/not-a-payment"])
def test_given_a_stand_in_for_another_origin_then_it_is_not_given_the_sites_policy(stack, path):
    # Cognito's hosted domain and the payment provider send their own headers on AWS.
    response = requests.get(f"{stack.url}{path}", timeout=30, allow_redirects=False)

    assert "Content-Security-Policy" not in response.headers


def test_given_a_site_file_then_it_is_gzipped_when_asked_and_revalidated_with_its_etag(stack):
    url = f"{stack.url}/js/app.js"
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=30)
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=30)
    raw = zipped.raw.read()
    again = requests.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}, timeout=30)

    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 2
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["Cache-Control"] == plain.headers["Cache-Control"] == "no-cache"
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("path", ["/", "/index.html", "/officer/", "/config.json", "/css/site.css"])
def test_given_pages_config_and_code_then_they_are_revalidated_on_each_use(stack, path):
    response = requests.get(f"{stack.url}{path}", timeout=30)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"]


def test_given_a_font_then_it_is_cached_for_a_year_as_immutable(stack):
    response = requests.get(f"{stack.url}/fonts/Sarabun-Regular.ttf", timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "font/ttf"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_given_the_favicon_then_it_is_an_icon_not_the_page(stack):
    response = requests.get(f"{stack.url}/favicon.ico", timeout=30)

    assert response.status_code == 200
    assert response.headers["Content-Type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.content.startswith(b"\x00\x00\x01\x00")  # ICONDIR: reserved 0, type 1 (icon)


def test_given_a_missing_file_then_404_never_the_page_html(stack):
    response = requests.get(f"{stack.url}/js/no-such-module.js", timeout=30)

    assert response.status_code == 404
    assert "<html" not in response.text


def _timestamp_query() -> bytes:
    """A minimal RFC 3161 query (SHA-256 of 32 zero bytes), DER, without openssl."""
    digest = bytes(32)
    algorithm = bytes.fromhex("300d06096086480165030402010500")  # sha256, NULL parameters
    imprint = b"\x30" + bytes([len(algorithm) + 2 + len(digest)]) + algorithm + b"\x04\x20" + digest
    body = b"\x02\x01\x01" + imprint + b"\x01\x01\xff"  # version 1, messageImprint, certReq TRUE
    return b"\x30" + bytes([len(body)]) + body


def test_given_a_burst_on_the_tsa_then_beyond_its_throttle_it_answers_429(stack):
    # API Gateway's method throttle (infra: POST /tsa, 5 per second, burst 10), enforced by the front.
    url = f"{stack.url}/api/tsa"
    query = _timestamp_query()
    statuses: list[int] = []
    lock = threading.Lock()

    def stamp(_: int) -> None:
        answer = requests.post(url, data=query, headers={"Content-Type": "application/timestamp-query"}, timeout=60)
        with lock:
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert answer.json()["error"]["code"] == "request.throttled"  # the gateway's THROTTLED answer

    # All at once: far faster than the rate refills (a granted stamp takes seconds on a loaded machine).
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(stamp, range(40)))
    elapsed = time.monotonic() - started

    granted = statuses.count(200)
    assert set(statuses) == {200, 429}, statuses
    # Never more than the burst plus what the rate refilled while the requests ran.
    assert TSA_BURST_LIMIT <= granted <= TSA_BURST_LIMIT + TSA_RATE_LIMIT * elapsed + 1
    # An API call of another route is not held by the TSA's throttle.
    assert requests.get(f"{stack.url}/api/services", timeout=30).status_code == 200
