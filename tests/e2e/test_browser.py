"""The two web front ends in a real browser (headless Chromium), against the real local stack.

A citizen finds a service, switches language, signs in, fills the e-Form, saves and resumes the draft,
attaches a PDF and a PNG, confirms with the declaration, submits, and reads the acknowledgment with
its receipt number and Thai (Buddhist-era) time of receipt. Then a reviewer finds the request in
the officer work list with its SLA badge and opens it. Screenshots of the key steps go to /tmp/e2e.

Every page runs under the sites' real content security policy (the local front sends CloudFront's
headers, ``infra/web_headers.py``): a listener the browser adds to each document before the page's
own code (DevTools, not an inline script) records every violation, and Chrome's console must stay
free of them too.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not CHROMIUM.exists():
    # `make test` installs them; a missing browser is a broken test machine, not a reason to pass.
    raise RuntimeError("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from local.hosted_ui import CLIENT_SECRETS_ENV, ISSUERS_ENV  # noqa: E402
from local.moto_cognito import totp_code  # noqa: E402
from local.stack import LocalStack, Login  # noqa: E402
from tests.stack.test_identity import DigitalIdProvider, new_citizen  # noqa: E402

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("/tmp/e2e")
THAI_MONTHS = "มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม"
#: Patience, not a timing check: late in a long run on two loaded cores a page can take this long.
WAIT = 60
# Added by DevTools to every new document before its own scripts; CSP does not apply to it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


# --- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> Iterator[LocalStack]:
    """The local stack: the suite's shared one if a conftest provides it, else one for this module.

    Only one LocalStack can run per process (moto's backends are process-wide), so a session-wide
    ``local_stack`` fixture, when there is one, is reused rather than started twice.
    """
    try:
        shared: LocalStack | None = request.getfixturevalue("local_stack")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield shared
        return
    started = LocalStack().start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="e2e-chromium-")
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        "--lang=th-TH",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_LISTENER})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def thaid(monkeypatch: pytest.MonkeyPatch) -> Iterator[DigitalIdProvider]:
    """A real OpenID Connect provider on 127.0.0.1 in ThaID's place, for this test only."""
    provider = DigitalIdProvider()
    provider.citizen = new_citizen()
    monkeypatch.setenv(ISSUERS_ENV, json.dumps({"thaid": provider.issuer}))
    monkeypatch.setenv(CLIENT_SECRETS_ENV, json.dumps({"thaid": provider.client_secret}))
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def submitted() -> dict[str, str]:
    """What the citizen test submitted, for the officer test."""
    return {}


def login(stack: LocalStack, pool: str, email_prefix: str) -> Login:
    return next(x for x in stack.logins if x.pool == pool and x.email.startswith(email_prefix))


# --- helpers ---------------------------------------------------------------------------------------------
def wait(driver: WebDriver, condition: Any, timeout: float = WAIT) -> Any:
    """Poll ``condition`` until it holds. The pages re-render parts of themselves as the saga moves (issue 13),
    so an element a condition found can be replaced before it reads its text: that poll is simply repeated."""
    return WebDriverWait(
        driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def css(driver: WebDriver, selector: str, timeout: float = WAIT) -> WebElement:
    return wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, selector)), timeout)


def present(driver: WebDriver, selector: str, timeout: float = WAIT) -> WebElement:
    return wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, selector)), timeout)


def heading(driver: WebDriver, text: str) -> None:
    try:
        wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main h1"), text))
    except TimeoutException as timed_out:
        # Say what the page showed instead: a wait that ran out is otherwise silent.
        shown = driver.execute_script("return document.querySelector('main')?.innerText || document.body.innerText")
        raise AssertionError(
            f"heading {text!r} not shown in {WAIT} s at {driver.current_url}; the page showed: {str(shown)[:600]!r}"
        ) from timed_out


def click(driver: WebDriver, selector: str) -> None:
    element = wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, selector)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def type_into(driver: WebDriver, selector: str, text: str) -> None:
    element = css(driver, selector)
    element.clear()
    element.send_keys(text)


def officer_password_and_code(driver: WebDriver, officer: Login) -> None:
    """On the officer sign-in page (Thai): e-mail and password, then the TOTP code the pool asks for at every
    sign-in. Where the SPA goes next (the page asked for) is the caller's to check."""
    heading(driver, "เข้าสู่ระบบเจ้าหน้าที่")
    type_into(driver, "input[name='email']", officer.email)
    type_into(driver, "input[name='password']", officer.password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type='submit']").click()
    heading(driver, "รหัสยืนยันตัวตน")  # the officer pool requires TOTP at every sign-in
    assert officer.totp_secret is not None
    type_into(driver, "input[name='code']", totp_code(officer.totp_secret))
    driver.find_element(By.CSS_SELECTOR, "main form button[type='submit']").click()


def set_date(driver: WebDriver, selector: str, iso: str) -> None:
    # Typing into a date picker depends on the browser's locale; set the value as the picker would.
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        css(driver, selector),
        iso,
    )


def screenshot(driver: WebDriver, name: str) -> None:
    """The whole page, not only the window (Chrome DevTools)."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    (SCREENSHOTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def csp_violations(driver: WebDriver) -> list[str]:
    """What the current document's listener recorded (None on a page the listener never saw is an error)."""
    recorded = driver.execute_script("return window.__cspViolations === undefined ? null : window.__cspViolations")
    assert recorded is not None, "the CSP listener is missing from this document"
    return list(recorded)


def no_console_errors(driver: webdriver.Chrome) -> None:
    assert csp_violations(driver) == []
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    # A 4xx the page expects and handles (e.g. a validation error) is logged by Chrome too.
    unexpected = [e for e in errors if not re.search(r"status of 4\d\d", e)]
    assert not unexpected, unexpected


def thai_national_id(first12: str = "110170023070") -> str:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


def minimal_pdf(path: Path) -> Path:
    """A small valid one-page PDF with a correct cross-reference table."""
    stream = b"BT /F1 14 Tf 20 60 Td (ID card copy) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 120] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def small_png(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 90), (200, 80, 40))
    ImageDraw.Draw(image).rectangle((20, 20, 140, 70), fill=(40, 40, 40))
    image.save(path, format="PNG")
    return path


# --- the citizen ---------------------------------------------------------------------------------------
def test_citizen_applies_for_a_fire_certificate(
    stack: LocalStack, browser: webdriver.Chrome, tmp_path: Path, submitted: dict[str, str]
) -> None:
    d = browser
    citizen = login(stack, "citizen", "somchai")

    # Home, in Thai first; the language switch works both ways and is remembered.
    d.get(f"{stack.url}/")
    heading(d, "เทศบาลตำบลคลองน้อย")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "th"
    screenshot(d, "01-home-th")
    click(d, "button.lang-button[data-lang='en']")
    heading(d, "e-Services of Khlong Noi Subdistrict Municipality")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    d.refresh()
    heading(d, "e-Services of")
    screenshot(d, "02-home-en")
    click(d, "button.lang-button[data-lang='th']")
    heading(d, "บริการอิเล็กทรอนิกส์ของ")

    # Search (Thai has no spaces between words: "อาหาร" is found inside the food-shop licence).
    type_into(d, "input[name='q']", "อาหาร")
    d.find_element(By.CSS_SELECTOR, "form[role='search'] button[type='submit']").click()
    wait(d, ec.text_to_be_present_in_element((By.ID, "results"), "ผลการค้นหา “อาหาร”: พบ 1 บริการ"))
    results = d.find_element(By.ID, "results").text
    assert "ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร" in results
    assert "หนังสือรับรองการเกิดอัคคีภัย" not in results
    screenshot(d, "03-search")

    # The fire certificate: no fee, documents with formats and sizes.
    click(d, "#results a[href='#/']")
    click(d, "a[href='#/services/fire-certificate']")
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    page = d.find_element(By.TAG_NAME, "main").text
    assert "ไม่มีค่าธรรมเนียม" in page
    assert "5 วันทำการ" in page
    assert "รูปแบบไฟล์: PDF, DOC, DOCX, TXT, JPEG, PNG" in page  # the minimum formats, then the tenant's
    screenshot(d, "04-service")

    # Apply: sign in first, then back to the new, pre-filled draft.
    click(d, "#apply")
    heading(d, "เข้าสู่ระบบ")
    type_into(d, "input[name='email']", citizen.email)
    type_into(d, "input[name='password']", citizen.password)
    d.find_element(By.CSS_SELECTOR, "main form button[type='submit']").click()
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    present(d, "#eform")
    assert css(d, "#field-email").get_attribute("value") == citizen.email  # Q3.2 prefill

    # The form comes a topic at a time (issue 13), with its progress; page 1 is about the applicant.
    wait(d, ec.text_to_be_present_in_element((By.ID, "step-of"), "ขั้นตอนที่ 1 จาก 5: ข้อมูลผู้ยื่นคำขอ"))
    national_id = thai_national_id()
    type_into(d, "#field-applicant_name", "สมชาย ใจดี")
    type_into(d, "#field-national_id", national_id)
    type_into(d, "#field-phone", "081-234-5678")

    # A language switch in the middle of the form keeps what was typed.
    click(d, "button.lang-button[data-lang='en']")
    heading(d, "Certificate of a fire incident")
    assert css(d, "#field-applicant_name").get_attribute("value") == "สมชาย ใจดี"
    click(d, "button.lang-button[data-lang='th']")
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    click(d, "#next-step")

    # Q3.6: the required fields of each page are checked before going on.
    wait(d, ec.text_to_be_present_in_element((By.ID, "step-of"), "ขั้นตอนที่ 2 จาก 5: เหตุอัคคีภัย"))
    click(d, "#next-step")
    summary = css(d, ".error-summary")
    assert "วันที่เกิดเหตุ: กรุณากรอกข้อมูลในช่องนี้" in summary.text
    assert css(d, "#field-incident_date").get_attribute("aria-invalid") == "true"
    screenshot(d, "05-form-errors")
    yesterday = (datetime.now(UTC) + timedelta(hours=7) - timedelta(days=1)).date().isoformat()
    set_date(d, "#field-incident_date", yesterday)
    type_into(d, "#field-incident_address", "99/1 หมู่ 2 ตำบลคลองน้อย")
    click(d, "label[for='field-damage-0']")

    # Save the draft: the person stays on this page, told so beside the button, focus on the message.
    click(d, "#save-draft")
    wait(d, ec.text_to_be_present_in_element((By.ID, "save-state"), "บันทึกร่างแล้ว"))
    assert d.switch_to.active_element.get_attribute("id") == "save-state"
    assert "ขั้นตอนที่ 2 จาก 5" in css(d, "#step-of").text
    draft_hash = d.execute_script("return location.hash").split("?")[0]

    # Reload, resume it from "my drafts": the answers are kept (Q3.5).
    d.refresh()
    present(d, "#eform")
    d.get(f"{stack.url}/#/drafts")
    heading(d, "แบบร่างของฉัน")
    click(d, f"main a.button[href='{draft_hash}']")
    present(d, "#eform")
    assert css(d, "#field-applicant_name").get_attribute("value") == "สมชาย ใจดี"
    assert css(d, "#field-national_id").get_attribute("value") == national_id
    assert css(d, "#field-phone").get_attribute("value") == "0812345678"
    click(d, "#next-step")
    wait(d, ec.text_to_be_present_in_element((By.ID, "step-of"), "ขั้นตอนที่ 2 จาก 5"))
    assert css(d, "#field-incident_date").get_attribute("value") == yesterday
    assert d.find_element(By.ID, "field-damage-0").is_selected()
    click(d, "#next-step")
    Select(css(d, "#field-purpose")).select_by_value("insurance")
    click(d, "#next-step")
    wait(d, ec.text_to_be_present_in_element((By.ID, "step-of"), "ขั้นตอนที่ 4 จาก 5: เอกสารประกอบ"))

    # Attachments (the last page): required ones are checked, then a real PDF and a PNG (Q3.4).
    click(d, "#to-confirm")
    assert "กรุณาแนบสำเนาบัตรประจำตัวประชาชน" in css(d, ".error-summary").text
    present(d, "#slot-id_card-file").send_keys(str(minimal_pdf(tmp_path / "บัตรประชาชน.pdf")))
    wait(d, ec.text_to_be_present_in_element((By.ID, "slot-id_card-state"), "ตรวจสอบแล้ว"))
    present(d, "#slot-damage_photos-file").send_keys(str(small_png(tmp_path / "damage.png")))
    wait(d, ec.text_to_be_present_in_element((By.ID, "slot-damage_photos-state"), "ตรวจสอบแล้ว"))
    assert "PDF" in css(d, "#slot-id_card-state").text
    assert "PNG" in css(d, "#slot-damage_photos-state").text
    assert "SHA-256" not in css(d, "#slot-id_card-state").text
    screenshot(d, "06-form-filled")

    # Confirmation (Q3.7): everything once more, with the declaration (Q3.8).
    click(d, "#to-confirm")
    heading(d, "ตรวจสอบข้อมูลก่อนยื่นคำขอ")
    rows = css(d, "#confirm-rows").text
    assert "สมชาย ใจดี" in rows
    assert "เรียกร้องค่าสินไหมทดแทนจากบริษัทประกันภัย" in rows
    assert "ข้าพเจ้าขอรับรองว่า" in css(d, "#declaration-text").text
    click(d, "#submit-request")
    assert "กรุณาทำเครื่องหมายยอมรับคำรับรอง" in css(d, "#accept-error").text
    screenshot(d, "07-confirm")
    click(d, "label[for='accept-declaration']")
    click(d, "#submit-request")

    # Acknowledgment (Q3.10, R-2.3): receipt number, Thai official time of receipt, due date, phones.
    heading(d, "ยื่นคำขอเรียบร้อยแล้ว")
    receipt = css(d, "#receipt-number", timeout=30).text
    assert re.fullmatch(r"\d+/25\d\d", receipt), receipt
    received = css(d, "#received-at").text
    assert re.search(rf"\d{{1,2}} ({THAI_MONTHS}) 25\d\d", received), received
    acknowledgement = d.find_element(By.TAG_NAME, "main").text
    assert "077-355-101" in acknowledgement
    assert css(d, "#due-at").text
    screenshot(d, "08-acknowledgement")
    no_console_errors(d)
    submitted["id"] = css(d, "#reference").text
    submitted["receipt"] = receipt


# --- the officer ---------------------------------------------------------------------------------------
def test_reviewer_finds_the_request_in_the_work_list(
    stack: LocalStack, browser: webdriver.Chrome, submitted: dict[str, str]
) -> None:
    assert "id" in submitted, "the citizen test (above) submits the request the reviewer looks for"
    d = browser
    reviewer = login(stack, "officer", "reviewer")

    d.get(f"{stack.url}/officer/#/requests")
    officer_password_and_code(d, reviewer)
    heading(d, "รายการคำขอ")

    # The list redraws itself every 15 s when the requests changed: each read takes the row afresh.
    row = f"#work-list tr[data-request='{submitted['id']}']"
    wait(d, lambda x: submitted["receipt"] in x.find_element(By.CSS_SELECTOR, row).text)
    badges = {"✓ ตามกำหนด", "! ใกล้ครบกำหนด", "✕ เกินกำหนด"}
    wait(d, lambda x: x.find_element(By.CSS_SELECTOR, f"{row} .sla").text.strip() in badges)
    screenshot(d, "09-officer-work-list")

    click(d, f"{row} a")
    heading(d, submitted["receipt"])
    attachments = css(d, "#attachments").text
    assert "สำเนาบัตรประจำตัวประชาชน" in attachments
    assert "ภาพถ่ายความเสียหาย" in attachments
    assert "damage.png" in attachments
    # The reviewer's step opens once the saga has sealed the acknowledgment (seconds on a busy machine);
    # until then the page rightly shows no decision form, and the officer reloads it.
    deadline = time.monotonic() + 90
    while not d.find_elements(By.CSS_SELECTOR, "#decision-approve") and time.monotonic() < deadline:
        time.sleep(3)
        d.refresh()
        heading(d, submitted["receipt"])
    assert css(d, "#decision-approve", timeout=5).get_attribute("type") == "radio"
    screenshot(d, "10-officer-request")

    # Issue 13: after the decision the status tag, then the work list, follow the saga without a reload.
    d.execute_script("window.__sameDocument = true")
    css(d, "#decision-approve").click()
    d.find_element(By.CSS_SELECTOR, "#decision button[type='submit']").click()
    wait(d, lambda x: "บันทึกผลการพิจารณาแล้ว" in x.find_element(By.TAG_NAME, "main").text)
    wait(d, lambda x: "อยู่ระหว่างพิจารณาอนุมัติ" in x.find_element(By.CSS_SELECTOR, "main h1 + p").text, timeout=120)
    d.find_element(By.CSS_SELECTOR, "main a[href='#/requests']").click()
    heading(d, "รายการคำขอ")
    wait(d, lambda x: "อยู่ระหว่างพิจารณาอนุมัติ" in x.find_element(By.CSS_SELECTOR, row).text)
    assert d.execute_script("return window.__sameDocument === true")  # nothing was reloaded
    no_console_errors(d)


# --- signing in with ThaID ---------------------------------------------------------------------------------
def test_citizen_signs_in_with_thaid(stack: LocalStack, browser: webdriver.Chrome, thaid: DigitalIdProvider) -> None:
    """Q2.1: the ThaID button, PKCE through the hosted UI and the provider, back signed in; then out again."""
    d = browser
    d.get(f"{stack.url}/")
    d.execute_script("sessionStorage.clear(); localStorage.setItem('eservice.lang', 'th');")

    # "My requests" needs a signed-in citizen: the sign-in page offers ThaID with its assurance level.
    d.get(f"{stack.url}/")
    heading(d, "บริการอิเล็กทรอนิกส์ของ")
    click(d, "#site-nav a[href='#/requests']")
    heading(d, "เข้าสู่ระบบ")
    button = css(d, "button.idp-button[data-provider='thaid']")
    assert button.text == "เข้าสู่ระบบด้วย ThaID"
    assert css(d, "#idp-thaid-ial").text.startswith("ยืนยันตัวตนด้วยบัตรประชาชนดิจิทัล (ThaID)")  # no "IAL2.3"
    assert button.get_attribute("aria-describedby") == "idp-thaid-ial"
    screenshot(d, "11-thaid-signin")

    # Hosted UI → provider (approves at once) → hosted UI → the site, which exchanges the code.
    button.click()
    heading(d, "คำขอของฉัน")
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main"), "ท่านยังไม่มีคำขอที่ยื่นแล้ว"))
    assert not d.find_elements(By.CSS_SELECTOR, "main [role='alert']")
    who = css(d, "#site-header .who")
    assert who.text == f"เข้าสู่ระบบในชื่อ {thaid.citizen['email']}"
    # The code is gone from the address and the history; the PKCE values are gone from storage.
    assert d.execute_script("return location.pathname + location.search + location.hash") == "/#/requests"
    assert d.execute_script("return sessionStorage.getItem('eservice.citizen.oauth')") is None
    screenshot(d, "11-thaid")

    # The API takes the token for everything else too (the profile page pre-fills from it).
    click(d, "#site-header a.who")
    heading(d, "ข้อมูลของฉัน")
    assert not d.find_elements(By.CSS_SELECTOR, "main [role='alert']")

    # Signing out ends Cognito's session too (its /logout sends the browser back to the site).
    d.execute_script("window.beforeSignOut = true")
    click(d, "#site-header button.button-link-light")
    wait(d, lambda drv: drv.execute_script("return window.beforeSignOut === undefined"))
    css(d, "#site-header a[href^='#/signin']")
    assert d.execute_script("return sessionStorage.getItem('eservice.citizen.idToken')") is None

    # A return that this tab did not start (another state) is refused, and the page says so.
    d.get(f"{stack.url}/?code=forged&state=forged")
    heading(d, "เข้าสู่ระบบ")
    assert "ยืนยันการเข้าสู่ระบบนี้ไม่ได้" in css(d, "main [role='alert']").text
    assert d.execute_script("return location.search") == ""
    assert not d.find_elements(By.CSS_SELECTOR, "#site-header .who")
    no_console_errors(d)


# --- the public announcements page (Act §10, §13(1); issue 11) ------------------------------------------------
def test_anyone_reads_the_announcements_with_their_history(stack: LocalStack, browser: webdriver.Chrome) -> None:
    import requests

    def officer_post(group: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        token = stack.sign_in(login(stack, "officer", group))
        response = requests.post(
            f"{stack.url}/api{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=120
        )
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def issue(kind: str) -> dict[str, Any]:
        draft = officer_post("admin", "/officer/announcements", {"kind": kind})
        return officer_post("head", f"/officer/announcements/{draft['id']}/approve", {"signer_name": "นายสมศักดิ์ รักถิ่น"})

    old, new = issue("display"), issue("display")
    d = browser

    d.get(f"{stack.url}/#/")
    click(d, "#site-footer a[href='#/announcements']")
    heading(d, "ประกาศ")
    # The menu has the page too, marked as the current one.
    assert css(d, "#site-nav a[href='#/announcements'][aria-current='page']").text == "ประกาศ"
    current = css(d, "#announcements li[data-kind='display'][data-state='issued'] h2")
    assert "(ฉบับที่" in current.text and "รอประกาศในราชกิจจานุเบกษา" in current.text
    cards = d.find_elements(By.CSS_SELECTOR, "#announcements li")
    texts = {c.find_element(By.CSS_SELECTOR, "dd .mono").text: c.text for c in cards}
    assert "มีผลเมื่อประกาศในราชกิจจานุเบกษา" in texts[new["number"]]
    assert "ถูกยกเลิกโดยฉบับใหม่" in texts[old["number"]]  # the superseded edition stays listed
    link = d.find_element(By.CSS_SELECTOR, f"#announcements li a[href$='/announcements/{new['id']}/pdf']")
    pdf = requests.get(link.get_attribute("href"), timeout=60)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    screenshot(d, "20-announcements")
    no_console_errors(d)


# --- the content security policy ---------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/officer/"])
def test_pages_run_under_the_real_csp_without_violations(
    stack: LocalStack, browser: webdriver.Chrome, path: str
) -> None:
    d = browser
    d.get(f"{stack.url}{path}")
    css(d, "main h1")
    policy = d.execute_script("return fetch(location.href).then((r) => r.headers.get('Content-Security-Policy'))")

    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    no_console_errors(d)


def test_an_inline_style_is_refused_and_reported_so_the_checks_above_can_fail(
    stack: LocalStack, browser: webdriver.Chrome
) -> None:
    d = browser
    d.get(f"{stack.url}/")
    css(d, "main h1")
    d.execute_script(
        "document.body.insertAdjacentHTML('beforeend', '<p id=\"csp-probe\" style=\"color: rgb(255, 0, 0)\">x</p>')"
    )

    reported = wait(d, lambda driver: csp_violations(driver))
    assert any(v.startswith("style-src") for v in reported), reported
    assert css(d, "#csp-probe").value_of_css_property("color") != "rgba(255, 0, 0, 1)"
    logged = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert any("Content Security Policy" in message for message in logged), logged
