"""The records officer keeps the contact of a paper licence's holder in the officer SPA (R-5.2, R-5.4, PDPA):
the licence revoked while its holder had no contact is on the "holders not reached" list; the officer opens
it, adds the holder's e-mail with the reason, and the holder gets the sealed notice; Thai first, English on
the switch, under the real CSP."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.by import By

from eservice.dynamo import DynamoDatabase
from eservice.licence_register import LicenceBook
from eservice.settings import tenant
from local.stack import LocalStack
from tests.e2e.test_browser import (
    browser,
    click,
    css,
    heading,
    no_console_errors,
    officer_password_and_code,
    stack,
    type_into,
    wait,
)

pytestmark = pytest.mark.browser
__all__ = ["browser", "stack"]  # fixtures shared with test_browser


def _revoked_paper_licence_without_contact() -> str:
    """A paper licence imported with no holder contact, then revoked (the head's route does the same)."""
    number = f"FS-B{uuid.uuid4().hex[:6].upper()}"
    book = LicenceBook(repos=DynamoDatabase.from_env().repositories, tenant=tenant())
    issued = (date.today() - timedelta(days=100)).isoformat()
    row = f"{number},food-shop,นายสมศักดิ์ ทองดี,{issued},2035-12-31,ตำบลคลองน้อย,ข้าวแกงทองดี,3 ถนนริมคลอง,restaurant,240"
    header = "licence_number,service_id,holder,issued_on,valid_until,area,shop_name,shop_address,food_type,area_sqm"
    assert book.import_csv(f"{header}\n{row}\n", by="e2e")["imported"] == [number]
    _, notice = book.change_status(number, status="revoked", reason="เลิกกิจการโดยไม่แจ้ง", by="e2e")
    assert notice is None  # nobody to tell: the licence says so
    return number


def test_records_officer_adds_the_holder_contact_and_the_holder_not_reached_is_told(
    stack: LocalStack, browser: webdriver.Chrome
) -> None:
    number = _revoked_paper_licence_without_contact()
    email = f"holder-{number.lower()}@example.com"
    records = next(x for x in stack.logins if x.pool == "officer" and "records" in x.groups)
    d = browser
    page = f"{stack.url}/officer/#/register"
    d.get(page)
    officer_password_and_code(d, records)
    # The records officer reaches the register from the menu (not only by its address).
    d.get(f"{stack.url}/officer/#/")
    click(d, "#site-nav a[href='#/register']")
    heading(d, "จัดการทะเบียนใบอนุญาต")

    # The list of holders not reached names the licence; the officer opens it.
    link = css(d, f"#not-reached-title ~ div a[href*='{number}']")
    row = link.find_element(By.XPATH, "./ancestor::tr")
    assert "แจ้งผู้รับอนุญาตไม่ได้" in row.text and "ไม่มีอีเมลหรือโทรศัพท์มือถือ" in row.text
    click(d, f"#not-reached-title ~ div a[href*='{number}']")
    card = css(d, "section.holder")
    assert "ไม่มีข้อมูลติดต่อผู้รับอนุญาต" in card.text
    # A wrong number is refused with the field's own message; then the e-mail goes in, with the reason.
    type_into(d, "section.holder input[name='phone']", "021234567")
    type_into(d, "section.holder textarea[name='reason']", "ผู้รับอนุญาตมาแจ้งที่สำนักงาน")
    click(d, "section.holder form button[type='submit']")
    wait(d, lambda drv: "มือถือ" in drv.find_element(By.CSS_SELECTOR, "section.holder .field-error:not([hidden])").text)
    d.find_element(By.CSS_SELECTOR, "section.holder input[name='phone']").clear()
    type_into(d, "section.holder input[name='email']", email)
    click(d, "section.holder form button[type='submit']")
    # The save also hands the notice to the notify function (sealing it takes a while on the local stack).
    wait(d, lambda drv: "บันทึกข้อมูลติดต่อแล้ว" in drv.find_element(By.TAG_NAME, "main").text, timeout=120)
    wait(d, lambda drv: email in drv.find_element(By.CSS_SELECTOR, "section.holder").text)

    # The holder gets the revocation notice at the new address.
    def mailed(_: object) -> bool:
        mailbox = requests.get(f"{stack.url}/_local/mailbox", params={"to": email}, timeout=30).json()["messages"]
        return any(f"{number} ถูกเพิกถอน" in m["subject"] for m in mailbox)

    wait(d, mailed, timeout=90)
    d.refresh()
    wait(d, lambda drv: "ส่งแล้ว" in drv.find_element(By.CSS_SELECTOR, "section.holder").text, timeout=60)

    # English on the switch.
    click(d, ".lang-button[data-lang='en']")
    wait(d, lambda drv: "Holder and status notices" in drv.find_element(By.CSS_SELECTOR, "main").text)
    assert "Holders not reached" in d.find_element(By.TAG_NAME, "main").text
    no_console_errors(d)
