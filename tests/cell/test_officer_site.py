"""Issue 14: in a real browser (headless Chromium), an officer of one agency of a cell who signs in on another
agency's officer site is told why, in Thai first, and gets no session there; on their own site they sign in.

The cell's one officer pool accepts any of its users through any agency's web client; its pre token generation
trigger (``functions/officer_tokens``, run locally as Cognito runs it) refuses the tokens at the last step, and the
officer SPA (``web/officer/js/pages/signin.js``) shows the trigger's code as its message and returns to the first
step. ``tests/cell/test_two_tenants.py`` checks the same refusal over HTTP.
"""

from __future__ import annotations

import pytest
from selenium import webdriver

from local.stack import LocalStack
from tests.e2e.test_browser import (
    browser,
    click,
    css,
    heading,
    no_console_errors,
    officer_password_and_code,
    screenshot,
)

__all__ = ["browser"]  # the shared fixture, re-exported for pytest

pytestmark = [pytest.mark.stack, pytest.mark.browser]

A, B = "klongnoy", "khunthale"


def _signin_page(driver: webdriver.Chrome, url: str) -> None:
    driver.get(f"{url}/officer/#/signin")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{url}/officer/#/signin")


def test_given_an_officer_of_one_agency_on_another_agencys_officer_site_then_the_page_says_why_and_keeps_no_session(
    cell: LocalStack, browser: webdriver.Chrome
) -> None:
    d = browser
    a, b = cell.members[A], cell.members[B]
    reviewer_a = next(x for x in a.logins if x.pool == "officer" and "reviewer" in x.groups)

    _signin_page(d, b.url)
    officer_password_and_code(d, reviewer_a)  # right password, right code: refused at the last step

    heading(d, "เข้าสู่ระบบเจ้าหน้าที่")  # back to the first step
    refused = css(d, "main [role='alert']").text
    assert "บัญชีนี้ไม่ใช่บัญชีเจ้าหน้าที่ของหน่วยงานนี้" in refused, refused
    assert reviewer_a.email not in refused and "klongnoy" not in refused  # names nobody, no agency's group
    assert d.execute_script("return sessionStorage.getItem('eservice.officer.idToken')") is None
    assert d.execute_script("return sessionStorage.getItem('eservice.officer.accessToken')") is None
    css(d, "input[name='email']")  # the officer can start again (on the right site)
    screenshot(d, "cell-officer-other-agency")

    click(d, ".lang-button[data-lang='en']")  # the same message, in English
    heading(d, "Officer sign-in")
    refused_en = css(d, "main [role='alert']").text
    assert "not an officer account of this agency" in refused_en, refused_en
    click(d, ".lang-button[data-lang='th']")

    # On the officer's own agency's site the same account signs in.
    _signin_page(d, a.url)
    officer_password_and_code(d, reviewer_a)
    heading(d, "ภาพรวม")
    assert reviewer_a.email in css(d, "#officer-who").text
    no_console_errors(d)
