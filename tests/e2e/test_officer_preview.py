"""Issue 13, officer: attachments open in the page beside their signature check, and signing shows the
draft licence with its watermark in a confirmation dialog that names what is being signed.

A citizen submits a fire-certificate request with a PDF and a PNG (over the API); the reviewer and the
approver approve it (API); the signer signs in to the officer SPA in headless Chromium, views both
attachments in the page, cancels the signing dialog once (nothing is signed), then signs from it, and
sees the status change without reloading. Screenshots go to ``$E2E_ARTEFACTS`` (``test_accessibility``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from local.stack import LocalStack
from tests.e2e.test_accessibility import ARTEFACTS, _new_citizen, _screenshot, sign_in_officer
from tests.e2e.test_browser import browser, click, css, heading, login, no_console_errors, stack, wait
from tests.stack.conftest import Client, prepared_draft, submit, wait_for, waiting_at

__all__ = ["browser", "stack"]  # the shared fixtures, re-exported for pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def at_signature(stack: LocalStack) -> Iterator[dict[str, str]]:
    """A request approved by the reviewer and the approver, waiting for the signer."""
    citizen = _new_citizen(stack)
    request_id = str(submit(citizen, prepared_draft(citizen, "fire-certificate"))["id"])
    path = f"/officer/requests/{request_id}"
    for role, step in (("reviewer", "review"), ("approver", "approval")):
        officer = Client(stack, login(stack, "officer", role))
        wait_for(officer, request_id, waiting_at(step), path=path, timeout=90)
        decided = officer.post(f"{path}/decision", json={"step": step, "decision": "approve"})
        assert decided.status_code == 200, decided.text
    signer = Client(stack, login(stack, "officer", "signer"))
    view = wait_for(signer, request_id, waiting_at("signature"), path=path, timeout=90)
    sizes = {str(a["format"]).lower(): str(a["size"]) for a in view["attachments"]}
    yield {
        "id": request_id,
        "licence_number": str(view["licence_number"]),
        "receipt": view["request"]["receipt_number"],
        "pdf_size": sizes["pdf"],
        "png_size": sizes["png"],
    }


def test_signer_views_the_attachments_in_the_page_then_signs_from_a_dialog_that_shows_the_draft(
    stack: LocalStack, browser: webdriver.Chrome, at_signature: dict[str, str]
) -> None:
    d = browser
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in_officer(d, stack, login(stack, "officer", "signer"))
    d.get(f"{stack.url}/officer/#/requests/{at_signature['id']}")
    heading(d, at_signature["receipt"])
    # Issue 13, item 9: the approval step's English name in the Thai history is marked as English.
    english = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#history [lang='en']")]
    assert any("approves" in text for text in english), english

    # The PDF opens in the page, in the browser's viewer, with its signature check beside it.
    rows = d.find_elements(By.CSS_SELECTOR, "#attachments tbody tr")
    pdf_row = next(r for r in rows if "(PDF" in r.text)
    pdf_row.find_element(By.CSS_SELECTOR, "button.preview-button").click()
    frame = css(d, "#attachment-preview iframe.file-frame")
    assert frame.get_attribute("src").startswith("blob:")
    assert frame.get_attribute("data-type") == "application/pdf"
    side = css(d, "#attachment-preview .preview-side").text
    assert "ลายมือชื่อในไฟล์" in side and "SHA-256" in side
    # The frame holds the very file the citizen sent: as many bytes as the server recorded for it.
    assert frame.get_attribute("data-bytes") == at_signature["pdf_size"]
    _screenshot(d, ARTEFACTS, "officer-preview-pdf")

    # The photo opens as an image, decoded by the browser.
    png_row = next(r for r in d.find_elements(By.CSS_SELECTOR, "#attachments tbody tr") if "(PNG" in r.text)
    png_row.find_element(By.CSS_SELECTOR, "button.preview-button").click()
    image = css(d, "#attachment-preview img.file-image")
    wait(d, lambda x: x.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
    assert image.get_attribute("alt").endswith(".png")
    assert image.get_attribute("data-bytes") == at_signature["png_size"]
    click(d, "#attachment-preview-close")
    assert not d.find_elements(By.ID, "attachment-preview")

    # Signing: the dialog names the licence and the request, and shows the watermarked draft.
    click(d, "#decision-sign")
    click(d, "#decision button[type='submit']")
    dialog = css(d, "dialog#sign-dialog")
    what = css(d, "#sign-dialog-what").text
    assert at_signature["licence_number"] in what and at_signature["id"] in what
    draft = css(d, "#sign-draft iframe.file-frame")
    assert draft.get_attribute("src").startswith("blob:")
    assert "ลายน้ำ" in draft.get_attribute("title")
    assert d.execute_script("return arguments[0].open", dialog)
    _screenshot(d, ARTEFACTS, "officer-sign-dialog")

    # Cancel: nothing is signed, the request still waits for the signature.
    click(d, "#sign-cancel")
    wait(d, ec.invisibility_of_element_located((By.ID, "sign-dialog")))
    assert css(d, "#decision-sign").get_attribute("type") == "radio"

    # Confirm: signed from the dialog; the page shows the new status without a reload.
    click(d, "#decision-sign")
    click(d, "#decision button[type='submit']")
    click(d, "#sign-confirm")
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main .notice, main [role='status']"), "ลงนาม"))
    assert not d.find_elements(By.CSS_SELECTOR, "#decision-sign")
    no_console_errors(d)


def test_finance_picks_the_day_in_the_buddhist_era_like_the_table(stack: LocalStack, browser: webdriver.Chrome) -> None:
    d = browser
    sign_in_officer(d, stack, login(stack, "officer", "finance"))
    d.get(f"{stack.url}/officer/#/payments")
    heading(d, "การเงิน")
    year = css(d, "#pay-day-y")
    this_year = int(
        d.execute_script("return new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Bangkok'}).format()")[:4]
    )
    # The year list speaks พ.ศ. (Gregorian + 543), the month list Thai month names.
    assert year.find_element(By.CSS_SELECTOR, "option:checked").text == str(this_year + 543)
    assert css(d, "#pay-day-m option[value='1']").text == "มกราคม"
    # 29 February: the day list follows the month (2024 is a leap year, B.E. 2567).
    d.execute_script(
        "const y = document.getElementById('pay-day-y');"
        "if (![...y.options].some((o) => o.value === '2024')) y.append(new Option('2567', '2024'));"
        "y.value = '2024'; y.dispatchEvent(new Event('change'));"
        "const m = document.getElementById('pay-day-m'); m.value = '2'; m.dispatchEvent(new Event('change'));"
    )
    assert [o.text for o in d.find_elements(By.CSS_SELECTOR, "#pay-day-d option")][-1] == "29"
    d.execute_script("const e = document.getElementById('pay-day-d'); e.value = '29';")
    click(d, "form.filters button[type='submit']")
    wait(d, lambda x: x.execute_script("return location.hash") == "#/payments?day=2024-02-29")
    _screenshot(d, ARTEFACTS, "officer-finance-day")
    no_console_errors(d)
