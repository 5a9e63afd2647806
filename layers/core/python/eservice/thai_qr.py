"""Thai QR Payment "bill payment" payloads (Q6.2, Q6.3).

The payload is an EMVCo merchant-presented QR code as profiled by the Thai QR Payment standard of the
Bank of Thailand and the Thai Bankers' Association: TLV fields (two-digit tag, two-digit length, value)
with the bill payment account in tag 30 and a CRC-16/CCITT-FALSE checksum in tag 63. The biller id and
the references let the bank's payment notice be matched to the request automatically (Q6.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BILL_PAYMENT_AID",
    "BillPayment",
    "ThaiQrError",
    "bill_payment_payload",
    "crc16_ccitt_false",
    "parse_payload",
]

#: Application id of Thai QR bill payment (tag 30, sub-tag 00).
BILL_PAYMENT_AID = "A000000677010112"

_BILLER_ID = re.compile(r"[0-9]{15}")
_REFERENCE = re.compile(r"[A-Z0-9]{1,20}")
_TERMINAL_LABEL = re.compile(r"[\x20-\x7e]{1,25}")
_TAG = re.compile(r"[0-9]{2}")
# Tag 54 holds at most 13 characters: "9999999999.99".
_MAX_AMOUNT_SATANG = 999_999_999_999
# EMVCo templates whose value is itself TLV: merchant accounts (26-51), additional data (62),
# alternate language (64) and unreserved templates (80-99).
_TEMPLATE_TAGS = frozenset({f"{tag:02d}" for tag in (*range(26, 52), 62, 64, *range(80, 100))})
_CRC_TAG_AND_LENGTH = "6304"


class ThaiQrError(ValueError):
    """A bill payment that cannot be encoded, or a payload that cannot be read; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, kw_only=True)
class BillPayment:
    """What one Thai QR bill payment asks for.

    ``biller_id`` is 15 digits: the agency's 13-digit tax id and a 2-digit suffix given by its bank.
    ``ref1`` (and the optional ``ref2``) are 1-20 uppercase letters or digits that identify the request.
    ``amount_satang`` is the amount in satang; None makes a static QR without an amount.
    ``terminal_label`` is optional additional data (tag 62, sub-tag 07).
    """

    biller_id: str
    ref1: str
    ref2: str | None = None
    amount_satang: int | None = None
    terminal_label: str | None = None


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data``: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    # Validation bounds every value well below the 99 characters a two-digit length allows.
    return f"{tag}{len(value):02d}{value}"


def _validate(p: BillPayment) -> None:
    if not isinstance(p.biller_id, str) or not _BILLER_ID.fullmatch(p.biller_id):
        raise ThaiQrError("qr.biller_id_invalid", "biller id must be 15 digits (13-digit tax id + 2-digit suffix)")
    references = {"ref1": p.ref1} if p.ref2 is None else {"ref1": p.ref1, "ref2": p.ref2}
    for name, ref in references.items():
        if not isinstance(ref, str) or not _REFERENCE.fullmatch(ref):
            raise ThaiQrError("qr.ref_invalid", f"{name} must be 1-20 uppercase letters or digits")
    if p.amount_satang is not None and (
        isinstance(p.amount_satang, bool)
        or not isinstance(p.amount_satang, int)
        or not 0 < p.amount_satang <= _MAX_AMOUNT_SATANG
    ):
        raise ThaiQrError("qr.amount_invalid", "amount must be a whole number of satang, above zero")
    if p.terminal_label is not None and (
        not isinstance(p.terminal_label, str) or not _TERMINAL_LABEL.fullmatch(p.terminal_label)
    ):
        raise ThaiQrError("qr.terminal_label_invalid", "terminal label must be 1-25 printable ASCII characters")


def bill_payment_payload(p: BillPayment) -> str:
    """The Thai QR bill payment payload for ``p``, ending with its tag 63 CRC (Q6.2).

    Raises ThaiQrError (codes ``qr.biller_id_invalid``, ``qr.ref_invalid``, ``qr.amount_invalid``,
    ``qr.terminal_label_invalid``) when a field cannot be encoded.
    """
    _validate(p)
    account = _tlv("00", BILL_PAYMENT_AID) + _tlv("01", p.biller_id) + _tlv("02", p.ref1)
    if p.ref2 is not None:
        account += _tlv("03", p.ref2)
    # "12" marks a dynamic QR, for one payment of a given amount; "11" a reusable static one.
    fields = [_tlv("00", "01"), _tlv("01", "11" if p.amount_satang is None else "12"), _tlv("30", account)]
    fields.append(_tlv("53", "764"))
    if p.amount_satang is not None:
        baht, satang = divmod(p.amount_satang, 100)
        fields.append(_tlv("54", f"{baht}.{satang:02d}"))
    fields.append(_tlv("58", "TH"))
    if p.terminal_label is not None:
        fields.append(_tlv("62", _tlv("07", p.terminal_label)))
    body = "".join(fields) + _CRC_TAG_AND_LENGTH
    return f"{body}{crc16_ccitt_false(body.encode('ascii')):04X}"


def _parse_tlv(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not _TAG.fullmatch(header[:2]) or not _TAG.fullmatch(header[2:]):
            raise ThaiQrError("qr.payload_malformed", f"bad field header at position {position}")
        tag, length = header[:2], int(header[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise ThaiQrError("qr.payload_malformed", f"field {tag} is truncated")
        if tag in fields:
            raise ThaiQrError("qr.payload_malformed", f"field {tag} appears twice")
        fields[tag] = value
        position += 4 + length
    return fields


def parse_payload(payload: str) -> dict[str, str | dict[str, str]]:
    """Read an EMVCo/Thai QR payload into ``{tag: value}``, with templates (e.g. 30, 62) as nested dicts.

    The checksum is verified first: ThaiQrError ``qr.crc_mismatch`` when it does not match the payload,
    ``qr.payload_malformed`` when the payload is not well-formed TLV ending with tag 63.
    """
    crc_at = len(payload) - 4
    if crc_at < 4 or payload[crc_at - 4 : crc_at] != _CRC_TAG_AND_LENGTH:
        raise ThaiQrError("qr.payload_malformed", "payload must end with a tag 63 checksum")
    declared = payload[crc_at:]
    if not re.fullmatch(r"[0-9A-Fa-f]{4}", declared):
        raise ThaiQrError("qr.payload_malformed", "checksum must be 4 hexadecimal digits")
    if int(declared, 16) != crc16_ccitt_false(payload[:crc_at].encode("utf-8")):
        raise ThaiQrError("qr.crc_mismatch", "checksum does not match the payload")
    fields = _parse_tlv(payload)
    if next(reversed(fields)) != "63":
        raise ThaiQrError("qr.payload_malformed", "checksum must be the last field")
    parsed: dict[str, str | dict[str, str]] = {}
    for tag, value in fields.items():
        parsed[tag] = _parse_tlv(value) if tag in _TEMPLATE_TAGS else value
    return parsed
