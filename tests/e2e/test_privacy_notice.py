"""The privacy notice (PDPA, R-4.8) in a real browser: in Thai and English, linked from the footer and from
every form a visitor meets, under the real CSP."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from local.stack import LocalStack
from tests.e2e.test_browser import browser, css, heading, no_console_errors, screenshot, stack

pytestmark = pytest.mark.browser
__all__ = ["browser", "stack"]  # fixtures shared with test_browser

#: Public pages with a form (the signed-in forms use the same mechanism: every form of the site).
FORM_PAGES = ["#/", "#/signin", "#/signup", "#/verify", "#/register"]


def test_every_form_links_to_the_privacy_notice_in_thai_and_english(
    stack: LocalStack, browser: webdriver.Chrome
) -> None:
    d = browser
    checked = 0
    for page in FORM_PAGES:
        d.get(f"{stack.url}/{page}")
        css(d, "main h1")
        forms = d.find_elements(By.CSS_SELECTOR, "main form")
        for form in forms:
            link = form.find_element(By.CSS_SELECTOR, ".privacy-link a")
            assert str(link.get_attribute("href")).endswith("#/privacy"), page
            checked += 1
    assert checked >= 3

    css(d, "#footer-privacy").click()
    heading(d, "ประกาศความเป็นส่วนตัว")
    thai = css(d, "section.privacy-th").text
    english = d.find_element(By.CSS_SELECTOR, "section.privacy-en").text
    assert "ผู้ควบคุมข้อมูลส่วนบุคคล" in thai and "สิทธิของท่าน" in thai
    assert "Data controller" in english and "Your rights" in english
    assert d.find_element(By.CSS_SELECTOR, "section.privacy-en").get_attribute("lang") == "en"
    # Not signed in: the download asks for a sign-in first.
    assert d.find_elements(By.CSS_SELECTOR, "main a[href='#/signin']")
    screenshot(d, "30-privacy-notice")
    no_console_errors(d)
