"""The citizen's journey of issue 13 in a real browser (headless Chromium) against the local stack.

Payment followed live (no reload, never a second QR once paid), the QR saved as a PNG that a scanner
reads back to the same Thai QR payload, the references copied; forgotten passwords reset with the
code from the mailbox. The browser, the stack and the page helpers are the ones of ``test_browser``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from local.stack import REGION, LocalStack, Login
from tests.e2e.test_browser import (
    browser,
    click,
    css,
    heading,
    minimal_pdf,
    no_console_errors,
    present,
    screenshot,
    small_png,
    stack,
    type_into,
    wait,
)
from tests.stack.conftest import Client, prepared_draft, status_is, submit, wait_for, wait_for_mail, waiting_at

__all__ = ["browser", "stack"]  # the fixtures, shared with test_browser

pytestmark = pytest.mark.browser


# --- helpers ---------------------------------------------------------------------------------------------
def new_citizen(stack: LocalStack) -> Client:
    """A new, confirmed citizen account (its own data, so the tests do not share requests)."""
    config = stack._site_config()["citizen"]
    login = Login(pool="citizen", email=f"journey-{uuid.uuid4().hex[:10]}@example.com", password="Citizen#2569local")
    cognito = boto3.client("cognito-idp", region_name=REGION)
    cognito.sign_up(
        ClientId=config["clientId"],
        Username=login.email,
        Password=login.password,
        UserAttributes=[{"Name": "email", "Value": login.email}],
    )
    cognito.admin_confirm_sign_up(UserPoolId=config["userPoolId"], Username=login.email)
    return Client(stack, login)


def officer(stack: LocalStack, group: str) -> Client:
    return Client(stack, next(x for x in stack.logins if x.pool == "officer" and group in x.groups))


def awaiting_payment(stack: LocalStack) -> tuple[Client, str, dict[str, Any]]:
    """A food-shop request approved at every step, now waiting for its fee (as finance would see it)."""
    citizen = new_citizen(stack)
    request_id = submit(citizen, prepared_draft(citizen, "food-shop"))["id"]

    def waiting_for(step: str, role: str) -> Callable[[dict[str, Any]], bool]:
        return lambda d: (d["request"]["waiting"] or {}).get("step") == step and d["request"]["waiting"]["role"] == role

    for group, step in (("reviewer", "review"), ("approver", "approval"), ("head", "approval")):
        path = f"/officer/requests/{request_id}"
        staff = officer(stack, group)
        wait_for(staff, request_id, waiting_for(step, group), path=path, timeout=90)
        answer = staff.post(f"{path}/decision", json={"step": step, "decision": "approve"})
        assert answer.status_code == 200, answer.text
    wait_for(citizen, request_id, status_is("awaiting_payment"), timeout=90)
    notice = wait_for(citizen, request_id, lambda n: "qr_payload" in n, path=f"/requests/{request_id}/payment")
    return citizen, request_id, notice


def sign_in(d: webdriver.Chrome, stack: LocalStack, login: Login, target: str) -> None:
    """Signed out, then in through the site's own sign-in page, landing on ``target``."""
    d.get(f"{stack.url}/")
    d.execute_script("sessionStorage.clear(); localStorage.setItem('eservice.lang', 'th');")
    d.refresh()
    heading(d, "บริการอิเล็กทรอนิกส์ของ")  # the site has started (a later start would render again)
    d.get(f"{stack.url}/#/signin?next={requests.utils.quote(target, safe='')}")
    heading(d, "เข้าสู่ระบบ")
    type_into(d, "input[name='email']", login.email)
    type_into(d, "input[name='password']", login.password)
    d.find_element(By.CSS_SELECTOR, "main form button[type='submit']").click()


def downloads_to(d: webdriver.Chrome, folder: Path) -> None:
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def downloaded(folder: Path, suffix: str, timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file downloaded into {folder}")


def still_same_document(d: webdriver.Chrome) -> Callable[[], bool]:
    """Marks the current document; the returned check is False once the page has been reloaded."""
    d.execute_script("window.__samePage = true")
    return lambda: bool(d.execute_script("return window.__samePage === true"))


# --- payment (item 1) --------------------------------------------------------------------------------------
def test_payment_is_followed_live_and_the_qr_can_be_saved(
    stack: LocalStack, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    import zxingcpp
    from PIL import Image

    d = browser
    citizen, request_id, bill = awaiting_payment(stack)
    assert citizen.login is not None
    sign_in(d, stack, citizen.login, f"#/requests/{request_id}")
    heading(d, "ใบอนุญาตจัดตั้งสถานที่จำหน่ายอาหาร")
    qr = css(d, "#thai-qr")
    # The Bank of Thailand's frame: the Thai QR Payment header above the code, PromptPay below.
    marks = [m.get_attribute("aria-label") for m in qr.find_elements(By.CSS_SELECTOR, "svg.mark")]
    assert marks == ["Thai QR Payment", "พร้อมเพย์ (PromptPay)"]
    panel = css(d, "#payment").text
    assert "Ref.1" not in panel and "Ref.2" not in panel
    assert "เลขอ้างอิงการชำระ 1" in panel

    # The references are copied with one press each; the page says so.
    click(d, "#copy-ref1")
    wait(d, ec.text_to_be_present_in_element((By.ID, "copy-state"), "คัดลอกเลขอ้างอิงการชำระ 1แล้ว"))

    # "Save the QR image": a PNG with the code, the amount, the references and the agency's name,
    # whose code a scanner reads back to the very payload the bank will be paid with.
    downloads_to(d, tmp_path)
    click(d, "#save-qr")
    wait(d, ec.text_to_be_present_in_element((By.ID, "qr-save-state"), "บันทึกรูป QR แล้ว"))
    saved = downloaded(tmp_path, ".png")
    image = Image.open(saved)
    assert image.format == "PNG"
    decoded = zxingcpp.read_barcodes(image)
    assert [b.text for b in decoded] == [bill["qr_payload"]]
    assert image.height > image.width  # the code with its marks and the words below it
    screenshot(d, "30-payment-qr")

    # Paying from another device (the simulator is the bank): the page follows without a reload.
    same = still_same_document(d)
    paid = requests.post(
        f"{stack.url}/_local/pay/qr", json={"payload": bill["qr_payload"], "outcome": "paid"}, timeout=60
    )
    assert paid.status_code == 200, paid.text
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main .alert-success"), "ชำระเงินเรียบร้อยแล้ว"), 60)
    assert same(), "the page was reloaded"
    assert not d.find_elements(By.CSS_SELECTOR, "#thai-qr"), "the QR is still offered after the payment"
    assert "รอชำระ" not in css(d, "main .badge, main [class*='badge']").text
    screenshot(d, "31-payment-live")
    no_console_errors(d)


def test_card_payment_returns_with_a_success_message(stack: LocalStack, browser: webdriver.Chrome) -> None:
    d = browser
    citizen, request_id, _ = awaiting_payment(stack)
    assert citizen.login is not None
    sign_in(d, stack, citizen.login, f"#/requests/{request_id}")
    click(d, "#pay-card")
    # The provider's hosted page (the simulator), then back to the request.
    click(d, "button[name='outcome'][value='paid']")
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main .alert-success"), "ชำระด้วยบัตรเรียบร้อยแล้ว"), 60)
    assert not d.find_elements(By.CSS_SELECTOR, "#thai-qr")
    screenshot(d, "32-card-paid")
    no_console_errors(d)


# --- forgotten password (item 7) -----------------------------------------------------------------------------
def test_forgotten_password_is_reset_with_the_mailed_code(stack: LocalStack, browser: webdriver.Chrome) -> None:
    import re

    d = browser
    citizen = new_citizen(stack)
    assert citizen.login is not None
    address = citizen.login.email
    d.get(f"{stack.url}/")
    d.execute_script("sessionStorage.clear(); localStorage.setItem('eservice.lang', 'th');")
    d.refresh()
    heading(d, "บริการอิเล็กทรอนิกส์ของ")  # the site has started (a later start would render again)
    d.get(f"{stack.url}/#/signin?next=%23%2Frequests")
    heading(d, "เข้าสู่ระบบ")
    click(d, "#forgot-link")
    heading(d, "ตั้งรหัสผ่านใหม่")
    type_into(d, "input[name='email']", address)
    click(d, "#forgot-send")
    css(d, "#forgot-form")
    assert f"หากอีเมล {address} มีบัญชีอยู่" in css(d, "main").text
    mail = wait_for_mail(stack, address, lambda m: "ตั้งรหัสผ่านใหม่" in m["subject"])
    code = re.search(r"\b(\d{6})\b", mail["body"]).group(1)  # type: ignore[union-attr]

    # A wrong code is refused on its field; a password against the policy is refused on its field too,
    # and the summary links to it.
    type_into(d, "input[name='code']", f"{(int(code) + 1) % 1_000_000:06d}")
    type_into(d, "input[name='new_password']", "Renewed#2569local")
    click(d, "#forgot-save")
    summary = css(d, ".error-summary")
    assert "รหัสยืนยันไม่ถูกต้อง" in summary.text
    assert css(d, "input[name='code']").get_attribute("aria-invalid") == "true"
    type_into(d, "input[name='code']", code)
    type_into(d, "input[name='new_password']", "alllowercase")
    click(d, "#forgot-save")
    summary = css(d, ".error-summary")
    assert "รหัสผ่านไม่ตรงตามเงื่อนไข" in summary.text
    link = summary.find_element(By.CSS_SELECTOR, "a")
    password_field = css(d, "input[name='new_password']")
    assert str(link.get_attribute("href")).endswith(f"#{password_field.get_attribute('id')}")
    assert password_field.get_attribute("aria-invalid") == "true"
    screenshot(d, "33-forgot-password-error")

    type_into(d, "input[name='new_password']", "Renewed#2569local")
    click(d, "#forgot-save")
    heading(d, "คำขอของฉัน")
    assert address in css(d, "#site-header .who").text
    # The old password no longer works; the new one does.
    d.execute_script("sessionStorage.clear()")
    sign_in(d, stack, Login(pool="citizen", email=address, password="Citizen#2569local"), "#/requests")
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main [role='alert']"), "อีเมลหรือรหัสผ่านไม่ถูกต้อง"))
    no_console_errors(d)


# --- withdrawal with a fresh sign-in (item 4) -----------------------------------------------------------------
def signed_in_long_ago(stack: LocalStack, login: Login, minutes: int) -> str:
    """The ID token Cognito holds for a citizen who signed in ``minutes`` ago (still valid, not fresh)."""
    import jwt
    from moto.cognitoidp.models import cognitoidp_backends

    from local.provision import ACCOUNT

    config = stack._site_config()["citizen"]
    pool = cognitoidp_backends[ACCOUNT][REGION].user_pools[config["userPoolId"]]
    claims = jwt.decode(stack.sign_in(login), options={"verify_signature": False})
    standard = {"iss", "sub", "aud", "token_use", "iat", "auth_time", "exp", "jti"}
    extra = {k: v for k, v in claims.items() if k not in standard}
    then = int(time.time()) - minutes * 60
    token, _ = pool.create_jwt(config["clientId"], login.email, "id", extra_data={**extra, "auth_time": then})
    return str(token)


def test_withdrawal_asks_for_a_fresh_sign_in_and_keeps_the_reason(stack: LocalStack, browser: webdriver.Chrome) -> None:
    d = browser
    citizen = new_citizen(stack)
    assert citizen.login is not None
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    reviewer = officer(stack, "reviewer")
    wait_for(reviewer, request_id, waiting_at("review"), path=f"/officer/requests/{request_id}", timeout=90)
    sign_in(d, stack, citizen.login, f"#/requests/{request_id}")
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    # Signed in 20 minutes ago (the token is still valid, but not fresh enough to withdraw).
    d.execute_script(
        "sessionStorage.setItem('eservice.citizen.idToken', arguments[0])", signed_in_long_ago(stack, citizen.login, 20)
    )
    d.refresh()
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    # Tracking shows the steps still to come, not only the history.
    upcoming = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#track li[data-state='upcoming']")]
    assert any("ลงนามและออกเอกสาร" in text for text in upcoming), upcoming
    click(d, "#withdraw summary")
    reason = "ยื่นผิดประเภท จะยื่นใหม่"
    type_into(d, "#withdraw textarea[name='reason']", reason)
    click(d, "#withdraw-confirm")
    assert "ยืนยันตัวตนอีกครั้ง" in css(d, "#withdraw [role='alert']").text

    # Already signed in, yet the sign-in page asks again (it used to send the person straight back).
    click(d, "#reauth-link")
    heading(d, "ยืนยันตัวตนอีกครั้ง")
    email = css(d, "input[name='email']")
    assert email.get_attribute("value") == citizen.login.email and email.get_attribute("readonly") is not None
    screenshot(d, "34-reauthenticate")
    type_into(d, "input[name='password']", citizen.login.password)
    click(d, "#reauth-submit")

    # Back on the request with the form open and the reason kept; one press withdraws.
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    assert css(d, "#withdraw textarea[name='reason']").get_attribute("value") == reason
    assert "ยืนยันตัวตนแล้ว" in css(d, "#withdraw [role='status']").text
    assert d.switch_to.active_element.get_attribute("id") == "withdraw-confirm"
    click(d, "#withdraw-confirm")
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main .alert-success"), "ถอนคำขอแล้ว"))
    detail = citizen.get(f"/requests/{request_id}").json()
    assert detail["status"] == "withdrawn"
    assert d.execute_script("return sessionStorage.getItem('eservice.citizen.withdrawal')") is None
    screenshot(d, "35-withdrawn")
    no_console_errors(d)


# --- the form in steps, the check page's change links, files removed and replaced (items 2, 3, 5, 6) --------
def test_check_page_change_links_and_files_removed_and_replaced(
    stack: LocalStack, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    d = browser
    citizen = new_citizen(stack)
    assert citizen.login is not None
    draft_id = prepared_draft(citizen)  # every answer and both documents, as the API tests prepare it

    # The service page says what to have ready, from the form schema; "apply" resumes the open draft.
    sign_in(d, stack, citizen.login, "#/services/fire-certificate")
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    ready = css(d, "#service-ready").text
    assert "วันที่เกิดเหตุ" in ready and "สถานที่เกิดเหตุ" in ready
    assert "สำเนาบัตรประจำตัวประชาชน" in ready
    assert "IAL" not in css(d, "main").text
    click(d, "#apply")
    wait(d, ec.text_to_be_present_in_element((By.ID, "step-of"), "ขั้นตอนที่ 1 จาก 5"))
    assert d.execute_script("return location.hash").startswith(f"#/drafts/{draft_id}")
    assert "ระบบเปิดแบบร่างเดิมให้ทำต่อ" in css(d, "main").text
    assert css(d, "#field-applicant_name").get_attribute("value") == "สมชาย ใจดี"

    # The documents page: a file can be previewed (chosen in this visit), removed, and replaced.
    d.get(f"{stack.url}/#/drafts/{draft_id}?step=4")
    wait(d, ec.text_to_be_present_in_element((By.ID, "step-of"), "ขั้นตอนที่ 4 จาก 5: เอกสารประกอบ"))
    assert "ตรวจสอบแล้ว" in css(d, "#slot-id_card-state").text
    click(d, "#slot-id_card-remove")
    wait(d, ec.text_to_be_present_in_element((By.ID, "slot-id_card-state"), "นำไฟล์ id.pdf ออกแล้ว"))
    draft = citizen.get(f"/drafts/{draft_id}").json()
    states = sorted(a["state"] for a in draft["attachments"].values() if a["document_id"] == "id_card")
    assert states == ["detached"]  # kept, with its state changed: nothing is deleted
    click(d, "#to-confirm")
    assert "กรุณาแนบสำเนาบัตรประจำตัวประชาชน" in css(d, ".error-summary").text

    # A file named .pdf that is not a PDF is refused with exactly that.
    fake = tmp_path / "บัตร.pdf"
    fake.write_bytes(b"\x00\x01\x02 not a document at all \xff" * 20)
    present(d, "#slot-id_card-file").send_keys(str(fake))
    wait(d, ec.text_to_be_present_in_element((By.ID, "slot-id_card-error"), "แต่เนื้อหาไม่ใช่ไฟล์ PDF"))

    present(d, "#slot-id_card-file").send_keys(str(minimal_pdf(tmp_path / "บัตรใหม่.pdf")))
    wait(d, ec.text_to_be_present_in_element((By.ID, "slot-id_card-state"), "แนบแล้ว: บัตรใหม่.pdf"))
    preview = css(d, "#slot-id_card-preview")
    href = str(preview.get_attribute("href"))
    assert href.startswith("blob:") and preview.get_attribute("target") == "_blank"
    # The preview opens the very file chosen, in a new tab, before anything is submitted.
    main_window = d.current_window_handle
    click(d, "#slot-id_card-preview")
    wait(d, lambda drv: len(drv.window_handles) == 2)
    d.switch_to.window(next(w for w in d.window_handles if w != main_window))
    assert d.current_url == href
    d.close()
    d.switch_to.window(main_window)
    present(d, "#slot-damage_photos-file").send_keys(str(small_png(tmp_path / "ใหม่.png")))
    wait(d, ec.text_to_be_present_in_element((By.ID, "slot-damage_photos-state"), "แนบแล้ว: ใหม่.png"))
    draft = citizen.get(f"/drafts/{draft_id}").json()
    photos = sorted(a["state"] for a in draft["attachments"].values() if a["document_id"] == "damage_photos")
    assert photos == ["accepted", "replaced"]
    screenshot(d, "36-documents-replaced")
    click(d, "#to-confirm")

    # Check your answers: no SHA-256, no English sentence; each row's "change" goes to its question and back.
    heading(d, "ตรวจสอบข้อมูลก่อนยื่นคำขอ")
    page = css(d, "main").text
    assert "SHA-256" not in page and "I hereby" not in page and "I certify" not in page
    assert "บัตรใหม่.pdf" in page
    click(d, "#change-purpose")
    wait(d, ec.text_to_be_present_in_element((By.ID, "step-of"), "ขั้นตอนที่ 3 จาก 5"))
    Select(css(d, "#field-purpose")).select_by_value("relief")
    assert css(d, "#to-confirm").text == "บันทึกและกลับไปหน้าตรวจสอบ"
    click(d, "#to-confirm")
    heading(d, "ตรวจสอบข้อมูลก่อนยื่นคำขอ")
    assert "ขอรับความช่วยเหลือจากหน่วยงานรัฐ" in css(d, "#confirm-rows tr[data-field='purpose']").text

    # On a phone each label is printed once.
    d.set_window_size(375, 800)
    try:
        row = css(d, "#confirm-rows tr[data-field='incident_address']")
        # The row header names it; no cell repeats it (no td::before label; "change" names it for screen
        # readers only, visually hidden).
        assert row.find_element(By.CSS_SELECTOR, "th").text == "สถานที่เกิดเหตุ"
        before = d.execute_script(
            "return [...arguments[0].querySelectorAll('td')].map((td) => getComputedStyle(td, '::before').content)",
            row,
        )
        assert all(content in ("none", "normal", "") for content in before), before
        value = row.find_element(By.CSS_SELECTOR, "td").text
        assert "สถานที่เกิดเหตุ" not in value and "12 หมู่ 3" in value
        screenshot(d, "37-check-answers-phone")
    finally:
        d.set_window_size(1280, 900)
    no_console_errors(d)


# --- tracking follows the request while the page is open (item 8) ---------------------------------------------
def test_tracking_follows_an_officer_decision_without_a_reload(stack: LocalStack, browser: webdriver.Chrome) -> None:
    d = browser
    citizen = new_citizen(stack)
    assert citizen.login is not None
    request_id = submit(citizen, prepared_draft(citizen))["id"]
    reviewer = officer(stack, "reviewer")
    wait_for(reviewer, request_id, waiting_at("review"), path=f"/officer/requests/{request_id}", timeout=90)
    sign_in(d, stack, citizen.login, f"#/requests/{request_id}")
    heading(d, "หนังสือรับรองการเกิดอัคคีภัย")
    before = css(d, "#request-status").text
    events = len(d.find_elements(By.CSS_SELECTOR, "#history li"))
    same = still_same_document(d)

    decided = reviewer.post(f"/officer/requests/{request_id}/decision", json={"step": "review", "decision": "approve"})
    assert decided.status_code == 200, decided.text
    wait(d, lambda drv: drv.find_element(By.ID, "request-status").text != before, 60)
    wait(d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#history li")) > events, 30)
    assert same(), "the page was reloaded"
    now = citizen.get(f"/requests/{request_id}").json()
    assert css(d, "#request-status").text == now["status_label"]["th"]
    assert css(d, "#track li[data-state='current']").text
    screenshot(d, "38-tracking-live")
    no_console_errors(d)
