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

from local.stack import REGION, LocalStack, Login
from tests.e2e.test_browser import browser, click, css, heading, no_console_errors, screenshot, stack, type_into, wait
from tests.stack.conftest import Client, prepared_draft, status_is, submit, wait_for, wait_for_mail

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
    for group, step in (("reviewer", "review"), ("approver", "approval"), ("head", "approval")):
        path = f"/officer/requests/{request_id}"
        staff = officer(stack, group)
        wait_for(
            staff,
            request_id,
            lambda d, g=group, s=step: (
                (d["request"]["waiting"] or {}).get("step") == s and d["request"]["waiting"]["role"] == g
            ),
            path=path,
            timeout=90,
        )
        answer = staff.post(f"{path}/decision", json={"step": step, "decision": "approve"})
        assert answer.status_code == 200, answer.text
    wait_for(citizen, request_id, status_is("awaiting_payment"), timeout=90)
    notice = wait_for(citizen, request_id, lambda n: "qr_payload" in n, path=f"/requests/{request_id}/payment")
    return citizen, request_id, notice


def sign_in(d: webdriver.Chrome, stack: LocalStack, login: Login, target: str) -> None:
    """Signed out, then in through the site's own sign-in page, landing on ``target``."""
    d.get(f"{stack.url}/")
    d.execute_script("sessionStorage.clear(); localStorage.setItem('eservice.lang', 'th');")
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
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main [role='status']"), "ชำระเงินเรียบร้อยแล้ว"), 60)
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
    wait(d, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main [role='status']"), "ชำระด้วยบัตรเรียบร้อยแล้ว"), 60)
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
    assert link.get_attribute("href").endswith(f"#{password_field.get_attribute('id')}")
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
