"""Issue 10: an officer really signs in as on Cognito, in a real browser (headless Chromium).

The administrator creates an officer with a temporary password (an admin call with the local
stack's admin token, as the console would make it with IAM credentials). The officer signs in to the
officer SPA, chooses a password (``NEW_PASSWORD_REQUIRED``), adds the account to an authenticator app
from the secret key shown on the page (``MFA_SETUP``: this test is the app, with pyotp), confirms with
a code, signs out, and signs in again with a code (``SOFTWARE_TOKEN_MFA``); a wrong code is refused
with a clear message, and after sign-out Cognito refuses the old access token.
"""

from __future__ import annotations

import json
import secrets
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from selenium import webdriver

from local.moto_cognito import totp_code
from local.stack import LocalStack
from tests.e2e.test_browser import browser, click, css, heading, no_console_errors, screenshot, stack, type_into

__all__ = ["browser", "stack"]  # the shared fixtures, re-exported for pytest

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Officer#2569mine"


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def _create_officer(stack: LocalStack) -> tuple[str, str]:
    address = f"new-officer-{uuid.uuid4().hex[:8]}@klongnoy.go.th"
    temporary = f"Temp#{secrets.token_urlsafe(9)}1a"
    pool = stack._site_config()["officer"]["userPoolId"]
    created = stack.cognito_admin(
        "AdminCreateUser",
        {
            "UserPoolId": pool,
            "Username": address,
            "TemporaryPassword": temporary,
            "UserAttributes": [{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
            "MessageAction": "SUPPRESS",
        },
    )
    assert created.status_code == 200, created.text
    grouped = stack.cognito_admin(
        "AdminAddUserToGroup", {"UserPoolId": pool, "Username": address, "GroupName": "reviewer"}
    )
    assert grouped.status_code == 200, grouped.text
    return address, temporary


def _submit(driver: webdriver.Chrome) -> None:
    click(driver, "main form button[type='submit']")


def test_new_officer_sets_a_password_enrols_totp_and_signs_in_again_with_a_code(
    stack: LocalStack, browser: webdriver.Chrome
) -> None:
    d = browser
    address, temporary = _create_officer(stack)

    # First sign-in, with the temporary password.
    d.get(f"{stack.url}/officer/#/signin")
    d.execute_script("sessionStorage.clear()")
    d.get(f"{stack.url}/officer/#/signin")
    heading(d, "เข้าสู่ระบบเจ้าหน้าที่")
    type_into(d, "input[name='email']", address)
    type_into(d, "input[name='password']", temporary)
    _submit(d)

    heading(d, "ตั้งรหัสผ่านใหม่")
    type_into(d, "input[name='new-password']", NEW_PASSWORD)
    type_into(d, "input[name='new-password-again']", NEW_PASSWORD + "x")
    _submit(d)
    assert "ไม่ตรงกัน" in css(d, ".error-summary").text  # checked on the page before Cognito
    type_into(d, "input[name='new-password-again']", NEW_PASSWORD)
    _submit(d)

    # Enrolment: the secret as text in groups of four, and an otpauth:// link for the app.
    heading(d, "ตั้งค่าการยืนยันตัวตนสองขั้นตอน")
    shown = css(d, "#totp-secret")
    secret = shown.text.replace(" ", "")
    assert len(secret) == 32 and all(len(group) == 4 for group in shown.text.split(" "))
    link = urlsplit(css(d, "#totp-link").get_attribute("href") or "")
    assert link.scheme == "otpauth" and link.netloc == "totp"
    assert parse_qs(link.query)["secret"] == [secret]
    assert address in unquote(link.path)
    screenshot(d, "officer-01-totp-enrolment")

    type_into(d, "input[name='code']", _wrong(totp_code(secret)))
    _submit(d)
    refused = css(d, "main [role='alert']").text
    assert "รหัสไม่ถูกต้อง" in refused, refused
    heading(d, "ตั้งค่าการยืนยันตัวตนสองขั้นตอน")  # still enrolling: the secret did not change
    assert css(d, "#totp-secret").text.replace(" ", "") == secret

    type_into(d, "input[name='code']", totp_code(secret))
    _submit(d)
    heading(d, "ภาพรวม")
    assert address in css(d, "#officer-who").text
    access_token = d.execute_script("return sessionStorage.getItem('eservice.officer.accessToken')")
    assert access_token

    # Sign out: the page forgets the tokens and Cognito ends the session.
    click(d, ".user-box button")
    heading(d, "เข้าสู่ระบบเจ้าหน้าที่")
    assert d.execute_script("return sessionStorage.getItem('eservice.officer.idToken')") is None
    after = requests.post(
        f"{stack.url}/_aws/cognito",
        data=json.dumps({"AccessToken": access_token}),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser",
        },
        timeout=30,
    )
    assert after.status_code == 400 and after.json()["__type"] == "NotAuthorizedException"

    # Every later sign-in: password, then the code from the app; a wrong code is refused clearly.
    type_into(d, "input[name='email']", address)
    type_into(d, "input[name='password']", NEW_PASSWORD)
    _submit(d)
    heading(d, "รหัสยืนยันตัวตน")
    type_into(d, "input[name='code']", _wrong(totp_code(secret)))
    _submit(d)
    refused = css(d, "main [role='alert']").text
    assert "รหัสไม่ถูกต้องหรือหมดเวลาแล้ว" in refused, refused
    screenshot(d, "officer-02-wrong-code")

    click(d, ".lang-button[data-lang='en']")  # the same step, in English
    heading(d, "Verification code")
    type_into(d, "input[name='code']", totp_code(secret))
    _submit(d)
    heading(d, "Overview")
    assert address in css(d, "#officer-who").text
    click(d, ".lang-button[data-lang='th']")
    no_console_errors(d)
