"""Thai QR Payment bill payment payloads (Q6.2, Q6.3): encode, checksum, parse, validate, render."""

from __future__ import annotations

import binascii
import io
import random

import pytest

from eservice.thai_qr import (
    BILL_PAYMENT_AID,
    BillPayment,
    ThaiQrError,
    bill_payment_payload,
    crc16_ccitt_false,
    parse_payload,
)

BILLER_ID = "099400016550101"
FULL = BillPayment(biller_id=BILLER_ID, ref1="REQ2566000123", ref2="SVC01", amount_satang=150_000, terminal_label="WEB")


def with_crc(body: str) -> str:
    body += "6304"
    return f"{body}{crc16_ccitt_false(body.encode()):04X}"


def test_given_check_string_when_crc_then_known_answer() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_given_random_bytes_when_crc_then_matches_stdlib_crc_ccitt() -> None:
    # binascii.crc_hqx is CRC-CCITT (poly 0x1021, no reflection); seeded with 0xFFFF it is CCITT-FALSE.
    rng = random.Random(20230123)
    for size in (1, 2, 31, 256):
        data = rng.randbytes(size)
        assert crc16_ccitt_false(data) == binascii.crc_hqx(data, 0xFFFF)


def test_given_full_bill_payment_when_encoded_then_fields_in_order() -> None:
    payload = bill_payment_payload(FULL)

    expected_fields = [
        "000201",  # payload format indicator
        "010212",  # dynamic: an amount is present
        "3065" + "0016" + BILL_PAYMENT_AID + "0115" + BILLER_ID + "0213REQ2566000123" + "0305SVC01",
        "5303764",  # THB
        "54071500.00",
        "5802TH",
        "6207" + "0703WEB",
        "6304",
    ]
    body = "".join(expected_fields)
    assert payload[:-4] == body
    assert payload[-4:] == f"{crc16_ccitt_false(body.encode()):04X}"
    assert payload[-4:] == "9BCC"


def test_given_no_amount_when_encoded_then_static_qr_without_tag_54() -> None:
    fields = parse_payload(bill_payment_payload(BillPayment(biller_id=BILLER_ID, ref1="A1")))

    assert fields["01"] == "11"
    assert "54" not in fields
    assert "62" not in fields
    assert fields["30"] == {"00": BILL_PAYMENT_AID, "01": BILLER_ID, "02": "A1"}


@pytest.mark.parametrize(
    ("satang", "text"),
    [
        (1, "0.01"),
        (100, "1.00"),
        (150_000, "1500.00"),
        (123_456, "1234.56"),
        (999_999_999_999, "9999999999.99"),
    ],
)
def test_given_amount_in_satang_when_encoded_then_two_decimals(satang: int, text: str) -> None:
    fields = parse_payload(bill_payment_payload(BillPayment(biller_id=BILLER_ID, ref1="A1", amount_satang=satang)))

    assert fields["54"] == text
    assert fields["01"] == "12"


@pytest.mark.parametrize(
    ("bill", "bank_payload"),
    [
        # Payloads printed by Thai banks, found in public repositories: encoding must match byte for byte.
        pytest.param(
            BillPayment(biller_id="010753700088205", ref1="1615106018110503002", ref2="PIRASIT", terminal_label="0000"),
            "00020101021130730016A0000006770101120115010753700088205021916151060181105030020307PIRASIT"
            "53037645802TH620807040000630443A3",
            id="shop-qr-with-ref2-and-terminal",
        ),
        pytest.param(
            BillPayment(biller_id="010552300935002", ref1="55558900"),
            "00020101021130510016A000000677010112011501055230093500202085555890053037645802TH6304A648",
            id="static-ref1-only",
        ),
    ],
)
def test_given_bank_issued_payload_when_same_bill_encoded_then_identical(bill: BillPayment, bank_payload: str) -> None:
    assert bill_payment_payload(bill) == bank_payload


def test_given_bank_payload_with_amount_when_parsed_then_nested_fields() -> None:
    # A bank's dynamic QR writes the amount without decimals ("10"); reading must still work.
    payload = (
        "00020101021230870016A00000067701011201150123555008063010220YNN2R94SY0740THN19U3"
        "0320OWABT16PVH71R20OTTCT53037645402105802TH62070703SCB6304AE39"
    )

    assert parse_payload(payload) == {
        "00": "01",
        "01": "12",
        "30": {
            "00": BILL_PAYMENT_AID,
            "01": "012355500806301",
            "02": "YNN2R94SY0740THN19U3",
            "03": "OWABT16PVH71R20OTTCT",
        },
        "53": "764",
        "54": "10",
        "58": "TH",
        "62": {"07": "SCB"},
        "63": "AE39",
    }


@pytest.mark.parametrize(
    "bill",
    [
        FULL,
        BillPayment(biller_id=BILLER_ID, ref1="X"),
        BillPayment(biller_id=BILLER_ID, ref1="A" * 20, ref2="9" * 20, amount_satang=1),
        BillPayment(biller_id=BILLER_ID, ref1="R1", terminal_label="Counter 3 / Bang-Rak: #01"),
    ],
)
def test_given_bill_when_encoded_and_parsed_then_round_trip(bill: BillPayment) -> None:
    fields = parse_payload(bill_payment_payload(bill))

    account = fields["30"]
    assert isinstance(account, dict)
    assert account.get("01") == bill.biller_id
    assert account.get("02") == bill.ref1
    assert account.get("03") == bill.ref2
    amount = fields.get("54")
    assert amount == (None if bill.amount_satang is None else f"{bill.amount_satang / 100:.2f}")
    additional = fields.get("62")
    assert (additional["07"] if isinstance(additional, dict) else None) == bill.terminal_label
    assert (fields["53"], fields["58"]) == ("764", "TH")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        pytest.param({"biller_id": "09940001655010"}, "qr.biller_id_invalid", id="biller-14-digits"),
        pytest.param({"biller_id": "0994000165510101"}, "qr.biller_id_invalid", id="biller-16-digits"),
        pytest.param({"biller_id": "09940001655010A"}, "qr.biller_id_invalid", id="biller-letter"),
        pytest.param({"biller_id": "๐๙๙๔๐๐๐๑๖๕๕๐๑๐๑"}, "qr.biller_id_invalid", id="biller-thai-digits"),
        pytest.param({"biller_id": "0994000165-5010"}, "qr.biller_id_invalid", id="biller-dash"),
        pytest.param({"ref1": ""}, "qr.ref_invalid", id="ref1-empty"),
        pytest.param({"ref1": "A" * 21}, "qr.ref_invalid", id="ref1-21-chars"),
        pytest.param({"ref1": "req1"}, "qr.ref_invalid", id="ref1-lowercase"),
        pytest.param({"ref1": "REQ 1"}, "qr.ref_invalid", id="ref1-space"),
        pytest.param({"ref1": "คำขอ1"}, "qr.ref_invalid", id="ref1-thai"),
        pytest.param({"ref2": ""}, "qr.ref_invalid", id="ref2-empty"),
        pytest.param({"ref2": "svc-01"}, "qr.ref_invalid", id="ref2-invalid"),
        pytest.param({"ref2": "B" * 21}, "qr.ref_invalid", id="ref2-21-chars"),
        pytest.param({"amount_satang": 0}, "qr.amount_invalid", id="amount-zero"),
        pytest.param({"amount_satang": -100}, "qr.amount_invalid", id="amount-negative"),
        pytest.param({"amount_satang": 15.5}, "qr.amount_invalid", id="amount-float"),
        pytest.param({"amount_satang": True}, "qr.amount_invalid", id="amount-bool"),
        pytest.param({"amount_satang": 1_000_000_000_000}, "qr.amount_invalid", id="amount-over-13-chars"),
        pytest.param({"terminal_label": ""}, "qr.terminal_label_invalid", id="label-empty"),
        pytest.param({"terminal_label": "T" * 26}, "qr.terminal_label_invalid", id="label-26-chars"),
        pytest.param({"terminal_label": "เคาน์เตอร์"}, "qr.terminal_label_invalid", id="label-non-ascii"),
    ],
)
def test_given_invalid_field_when_encoded_then_stable_error_code(changes: dict[str, object], code: str) -> None:
    fields: dict[str, object] = {
        "biller_id": FULL.biller_id,
        "ref1": FULL.ref1,
        "ref2": FULL.ref2,
        "amount_satang": FULL.amount_satang,
        "terminal_label": FULL.terminal_label,
    }
    fields.update(changes)

    with pytest.raises(ThaiQrError) as raised:
        bill_payment_payload(BillPayment(**fields))  # type: ignore[arg-type]

    assert raised.value.code == code
    assert isinstance(raised.value, ValueError)


def test_given_tampered_payload_when_parsed_then_crc_mismatch() -> None:
    payload = bill_payment_payload(FULL)
    tampered = payload.replace("1500.00", "1.00000")

    with pytest.raises(ThaiQrError) as raised:
        parse_payload(tampered)

    assert raised.value.code == "qr.crc_mismatch"


def test_given_lowercase_checksum_when_parsed_then_accepted() -> None:
    payload = bill_payment_payload(FULL)

    assert parse_payload(payload[:-4] + payload[-4:].lower())["58"] == "TH"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param("", id="empty"),
        pytest.param("000201010211", id="no-checksum"),
        pytest.param("0002016304ZZZZ", id="checksum-not-hex"),
        pytest.param(bill_payment_payload(FULL) + "\n", id="trailing-newline"),
        pytest.param(with_crc("00020"), id="truncated-header"),
        pytest.param(with_crc("0020AB"), id="truncated-value"),
        pytest.param(with_crc("0002010002015802TH"), id="duplicate-tag"),
        pytest.param(with_crc("0A0201"), id="non-digit-tag"),
        pytest.param(with_crc("0002013005ABCDE"), id="bad-template"),
        pytest.param(with_crc("0002015810AB"), id="checksum-inside-last-field"),
    ],
)
def test_given_malformed_payload_when_parsed_then_payload_malformed(payload: str) -> None:
    with pytest.raises(ThaiQrError) as raised:
        parse_payload(payload)

    assert raised.value.code == "qr.payload_malformed"


# --- rendering ---------------------------------------------------------------------------------------


def test_given_payload_when_rendered_with_segno_then_png_of_a_small_symbol() -> None:
    segno = pytest.importorskip("segno")
    qr = segno.make(bill_payment_payload(FULL), error="m", micro=False)
    png = io.BytesIO()

    qr.save(png, kind="png", scale=8, border=4)

    assert png.getvalue().startswith(b"\x89PNG\r\n\x1a\n")
    # Phones read a banking QR from a screen or a printed notice; keep the symbol small.
    assert qr.version <= 10


def _decode_qr_png(png: bytes) -> list[str]:
    """Texts of the QR codes in ``png`` (zxing-cpp, a test dependency in pyproject.toml)."""
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_given_rendered_png_when_decoded_then_same_payload() -> None:
    import segno

    payload = bill_payment_payload(FULL)
    png = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(png, kind="png", scale=8, border=4)

    assert _decode_qr_png(png.getvalue()) == [payload]
