"""Server-side e-Form validation, canonical form JSON and the confirmation page, all driven by the schema.

The service's form schema (:class:`eservice.tenant.FormField`) is the one source of truth (STYLE rule 4):
the same definition checks the answers here (Q3.6), drives the web form, and labels the confirmation
page (Q3.7) and the PDF. The browser validates too, but only the server's answer counts.

Every problem is reported at once, one :class:`~eservice.errors.FieldError` per field with a stable code
and a message in Thai and English, so the applicant fixes the whole form in one pass. Drafts (Q3.5) are
checked the same way except that required fields may still be empty. The cleaned answers are what is
stored, signed (Q3.8, hashed via :func:`canonical_form_json`) and shown back.

An answer is one object per form, so it is refused outright (``form.too_many_fields``) when it carries
far more keys than the form has fields: thousands of unknown keys are not worth checking one by one.
Either way at most ``MAX_LISTED_DETAILS`` problems are listed and the rest counted, so the answer stays
small.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from eservice.errors import MAX_LISTED_DETAILS, FieldError, InvalidInput
from eservice.tenant import FieldType, FormField, Service
from eservice.thai_dates import format_english_date, format_thai_date

__all__ = [
    "FIELD_ERROR_CODES",
    "MAX_EXTRA_KEYS",
    "canonical_form_json",
    "is_valid_thai_national_id",
    "summary",
    "validate_answers",
    "validate_fields",
]

#: The stable per-field error codes clients may rely on (Q3.6).
FIELD_ERROR_CODES: tuple[str, ...] = (
    "field.required",
    "field.unknown",
    "field.type",
    "field.too_long",
    "field.too_small",
    "field.too_large",
    "field.not_integer",
    "field.date_format",
    "field.date_in_past",
    "field.date_in_future",
    "field.choice",
    "field.national_id",
    "field.phone",
    "field.email",
)

_FIXED_MESSAGES: dict[str, tuple[str, str]] = {
    "field.required": ("กรุณากรอกข้อมูลในช่องนี้", "This field is required."),
    "field.unknown": ("ช่องนี้ไม่มีอยู่ในแบบฟอร์มของบริการนี้", "This field is not part of this service's form."),
    "field.not_integer": ("กรุณากรอกเป็นจำนวนเต็ม", "Please enter a whole number."),
    "field.date_format": (
        "กรุณาระบุวันที่ในรูปแบบ ปปปป-ดด-วว (ปี ค.ศ.) เช่น 2023-01-23",
        "Please enter the date as YYYY-MM-DD, e.g. 2023-01-23.",
    ),
    "field.date_in_past": ("วันที่ต้องไม่ก่อนวันนี้", "The date cannot be before today."),
    "field.date_in_future": ("วันที่ต้องไม่เลยวันนี้", "The date cannot be after today."),
    "field.choice": ("กรุณาเลือกจากรายการที่กำหนด", "Please choose from the listed options."),
    "field.national_id": (
        "เลขประจำตัวประชาชนไม่ถูกต้อง กรุณาตรวจสอบเลข 13 หลักอีกครั้ง",
        "This is not a valid 13-digit Thai national ID number. Please check it.",
    ),
    "field.phone": (
        "หมายเลขโทรศัพท์ไม่ถูกต้อง (มือถือ 10 หลัก เช่น 081-234-5678 หรือโทรศัพท์บ้าน 9 หลัก เช่น 02-123-4567)",
        "Please enter a Thai phone number: a 10-digit mobile (e.g. 081-234-5678) "
        "or a 9-digit landline (e.g. 02-123-4567).",
    ),
    "field.email": (
        "รูปแบบอีเมลไม่ถูกต้อง เช่น name@example.com",
        "Please enter a valid e-mail address, e.g. name@example.com.",
    ),
}

# field.type says what kind of answer the field expects, in the words of the web form.
_TYPE_MESSAGES: dict[FieldType, tuple[str, str]] = {
    FieldType.INTEGER: ("กรุณากรอกเป็นตัวเลข", "Please enter a number."),
    FieldType.NUMBER: ("กรุณากรอกเป็นตัวเลข", "Please enter a number."),
    FieldType.DATE: ("กรุณาระบุวันที่", "Please enter a date."),
    FieldType.CHOICE: ("กรุณาเลือกจากรายการ", "Please choose from the list."),
    FieldType.CHECKLIST: ("กรุณาเลือกจากรายการ", "Please tick items from the list."),
    FieldType.BOOLEAN: ("กรุณาตอบ ใช่ หรือ ไม่ใช่", "Please answer yes or no."),
}
_TEXT_TYPE_MESSAGE = ("กรุณากรอกเป็นข้อความ", "Please enter text.")

_FORM_INVALID = (
    "ข้อมูลในแบบฟอร์มยังไม่ถูกต้อง กรุณาแก้ไขช่องที่แจ้งไว้",
    "Some answers need correcting. Please check the fields marked.",
)
#: Keys an answer may carry beyond the form's fields (an old client's renamed fields) before it is
#: refused as a whole rather than checked key by key.
MAX_EXTRA_KEYS = 50

_DECIMAL = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# A pragmatic address check (one @, a dotted domain, no spaces). Domain labels may be Thai (".ไทย"),
# whose vowel and tone marks are not \w: a label is any run of non-separators not starting or ending in "-".
_DOMAIN_LABEL = r"(?!-)[^\s@.<>()\[\],;:\"'\\]+(?<!-)"
_EMAIL = re.compile(rf"^[^@\s]{{1,64}}@(?=.{{1,253}}$){_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})+$")
_MOBILE = re.compile(r"^0[689][0-9]{8}$")
_LANDLINE = re.compile(r"^0[2-7][0-9]{7}$")
# Separators people type inside phone numbers and ids: "081-234-5678", "(02) 123 4567", "1 1017 00203 45 0".
_SEPARATORS = re.compile(r"[\s\-.()]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# A year this large is a Buddhist-era year (พ.ศ.) typed by hand; the form stores Gregorian dates.
_FIRST_BUDDHIST_ERA_YEAR = 2400


class _Rejected(Exception):
    """One field's answer is wrong; carries the FieldError parts."""

    def __init__(self, code: str, th: str | None = None, en: str | None = None) -> None:
        super().__init__(code)
        fixed_th, fixed_en = _FIXED_MESSAGES.get(code, ("", ""))
        self.code = code
        self.th = th or fixed_th
        self.en = en or fixed_en


def is_valid_thai_national_id(value: str) -> bool:
    """Whether ``value`` is exactly 13 ASCII digits whose last digit is the mod-11 check digit.

    The check digit is ``(11 - sum(d[i] * (13 - i) for i in 0..11) % 11) % 10``. Separators are not
    accepted here; :func:`validate_answers` strips them before calling this.
    """
    if not isinstance(value, str) or len(value) != 13 or not value.isascii() or not value.isdigit():
        return False
    total = sum(int(value[i]) * (13 - i) for i in range(12))
    return (11 - total % 11) % 10 == int(value[12])


def validate_answers(
    service: Service, answers: Mapping[str, Any], *, today: date, partial: bool = False
) -> dict[str, Any]:
    """Check ``answers`` against the service's form schema and return them cleaned (Q3.6).

    Cleaned values are typed: ``int`` (integer), ``float`` (number), ISO ``YYYY-MM-DD`` string (date),
    ``str`` option value (choice), ``list[str]`` in the schema's option order (checklist), ``bool``
    (boolean), 13 digits (national id), 0-leading digits (phone), stripped text. Unanswered optional
    fields are left out. ``today`` is the applicant's calendar day (Bangkok) for the date rules.

    A required boolean needs an answer, ``true`` or ``false``. A numeric string such as ``"250.5"`` (as an
    HTML form sends it) counts as a number; JSON booleans, NaN and infinity do not.

    ``partial=True`` checks a draft (Q3.5): required fields may be empty, everything else is checked.

    Raises InvalidInput ``form.invalid`` whose ``details`` list the problems, in form order, then
    unknown fields (the first ``MAX_LISTED_DETAILS``; ``details_omitted`` counts the rest), or
    ``form.too_many_fields`` before checking anything when there are more than ``MAX_EXTRA_KEYS`` keys
    beyond the form's fields.
    """
    return validate_fields(service.form, answers, today=today, partial=partial)


def validate_fields(
    form: Sequence[FormField], answers: Mapping[str, Any], *, today: date, partial: bool = False
) -> dict[str, Any]:
    """``validate_answers`` over any list of fields (the applicant's profile uses it too)."""
    if not isinstance(answers, Mapping):
        raise InvalidInput(code="form.invalid", th=_FORM_INVALID[0], en=_FORM_INVALID[1])
    known = {f.name for f in form}
    if len(answers) > len(known) + MAX_EXTRA_KEYS:
        raise _too_many_fields(known, answers)
    cleaned: dict[str, Any] = {}
    problems: list[FieldError] = []
    for form_field in form:
        raw = answers.get(form_field.name)
        if _is_missing(form_field, raw):
            if form_field.required and not partial:
                problems.append(_field_error(form_field.name, _Rejected("field.required")))
            continue
        try:
            cleaned[form_field.name] = _CLEANERS[form_field.type](form_field, raw, today)
        except _Rejected as rejected:
            problems.append(_field_error(form_field.name, rejected))
    # Unknown fields are errors, not silently dropped: a renamed field in an old client would lose data.
    for name in sorted(str(k) for k in answers if k not in known):
        problems.append(_field_error(name, _Rejected("field.unknown")))
    if problems:
        raise InvalidInput(code="form.invalid", th=_FORM_INVALID[0], en=_FORM_INVALID[1], details=problems)
    return cleaned


def canonical_form_json(service_id: str, answers: Mapping[str, Any]) -> bytes:
    """The exact bytes that are hashed and signed at submission (Q3.8): deterministic UTF-8 JSON.

    Keys are sorted, there are no spaces, Thai stays as UTF-8 (``ensure_ascii=False``); NaN and infinity
    raise ValueError. Pass cleaned answers so the same submission always gives the same bytes.
    """
    document = {"answers": dict(answers), "service_id": service_id}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def summary(service: Service, answers: Mapping[str, Any], lang: Literal["th", "en"]) -> list[dict[str, str]]:
    """The confirmation page rows (Q3.7): every form field in order, ``{"name", "label", "value"}``.

    Values are shown as a person reads them: option labels, "ใช่"/"ไม่ใช่" (Yes/No), Thai dates with the
    Buddhist-era year ("23 มกราคม 2566"), numbers with thousands separators, a national id as
    ``1-2345-67890-12-1``. An unanswered field shows "-" so the applicant sees what was left empty.
    """
    rows: list[dict[str, str]] = []
    for form_field in service.form:
        value = answers.get(form_field.name)
        rows.append(
            {
                "name": form_field.name,
                "label": form_field.label.th if lang == "th" else form_field.label.en,
                "value": "-" if _is_missing(form_field, value) else _display(form_field, value, lang),
            }
        )
    return rows


def _too_many_fields(known: set[str], answers: Mapping[str, Any]) -> InvalidInput:
    unknown = sorted(str(k) for k in answers if k not in known)
    listed = unknown[:MAX_LISTED_DETAILS]
    return InvalidInput(
        code="form.too_many_fields",
        th=f"ข้อมูลที่ส่งมามีช่องมากเกินแบบฟอร์มนี้ (แบบฟอร์มมี {len(known):,} ช่อง แต่ส่งมา {len(answers):,} ช่อง)",
        en=f"The answers have far more fields than this form ({len(known):,} fields; {len(answers):,} were sent).",
        details=[_field_error(name, _Rejected("field.unknown")) for name in listed],
        details_omitted=len(unknown) - len(listed),
    )


def _field_error(name: str, rejected: _Rejected) -> FieldError:
    return FieldError(field=name, code=rejected.code, th=rejected.th, en=rejected.en)


def _is_missing(form_field: FormField, raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return form_field.type == FieldType.CHECKLIST and isinstance(raw, list) and not raw


def _type_error(form_field: FormField) -> _Rejected:
    th, en = _TYPE_MESSAGES.get(form_field.type, _TEXT_TYPE_MESSAGE)
    return _Rejected("field.type", th, en)


def _text(form_field: FormField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _type_error(form_field)
    # NFC so the same words typed on different keyboards store (and hash) the same way.
    return unicodedata.normalize("NFC", raw.strip())


def _limit(value: float) -> str:
    # Limits read as people write them: 200.01, 5,000 (not 5000.0 or 5E+3).
    return f"{Decimal(repr(value)).normalize():,f}"


def _clean_text(form_field: FormField, raw: Any, today: date) -> str:
    text = _text(form_field, raw)
    if len(text) > form_field.max_length:
        n = form_field.max_length
        raise _Rejected("field.too_long", f"กรุณากรอกไม่เกิน {n:,} ตัวอักษร", f"Please use at most {n:,} characters.")
    return text


def _as_decimal(form_field: FormField, raw: Any) -> Decimal:
    # bool is an int subclass in Python: true must not be read as 1.
    if isinstance(raw, bool):
        raise _type_error(form_field)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _type_error(form_field)
        # repr is the shortest round-trip text: 200.01 stays 200.01, not 200.009999...
        return Decimal(repr(raw))
    if isinstance(raw, str) and _DECIMAL.match(raw.strip()):
        try:
            return Decimal(raw.strip())
        except InvalidOperation:
            raise _type_error(form_field) from None
    raise _type_error(form_field)


def _check_range(form_field: FormField, number: Decimal) -> None:
    if form_field.min_value is not None and number < Decimal(repr(form_field.min_value)):
        limit = _limit(form_field.min_value)
        raise _Rejected("field.too_small", f"ค่าต้องไม่น้อยกว่า {limit}", f"The value must be at least {limit}.")
    if form_field.max_value is not None and number > Decimal(repr(form_field.max_value)):
        limit = _limit(form_field.max_value)
        raise _Rejected("field.too_large", f"ค่าต้องไม่เกิน {limit}", f"The value must be at most {limit}.")


def _clean_integer(form_field: FormField, raw: Any, today: date) -> int:
    number = _as_decimal(form_field, raw)
    if number != number.to_integral_value():
        raise _Rejected("field.not_integer")
    _check_range(form_field, number)
    return int(number)


def _clean_number(form_field: FormField, raw: Any, today: date) -> float:
    number = _as_decimal(form_field, raw)
    _check_range(form_field, number)
    as_float = float(number)
    if not math.isfinite(as_float):
        # Only a string of hundreds of digits gets here, on a field without a maximum.
        raise _Rejected("field.too_large", "ตัวเลขมากเกินไป", "The number is too large.")
    return as_float


def _clean_date(form_field: FormField, raw: Any, today: date) -> str:
    text = _text(form_field, raw)
    # fromisoformat alone also takes "20230123" and week dates; the form promises exactly YYYY-MM-DD.
    if not _ISO_DATE.match(text):
        raise _Rejected("field.date_format")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _Rejected("field.date_format") from None
    if day.year >= _FIRST_BUDDHIST_ERA_YEAR:
        raise _Rejected(
            "field.date_format",
            "กรุณาระบุปีเป็น ค.ศ. (พ.ศ. ลบ 543) ในรูปแบบ ปปปป-ดด-วว เช่น 2023-01-23",
            "Please give the year in the Gregorian calendar (Buddhist-era year minus 543), as YYYY-MM-DD.",
        )
    if form_field.date_not_before_today and day < today:
        raise _Rejected("field.date_in_past")
    if form_field.date_not_after_today and day > today:
        raise _Rejected("field.date_in_future")
    return day.isoformat()


def _clean_choice(form_field: FormField, raw: Any, today: date) -> str:
    if not isinstance(raw, str):
        raise _type_error(form_field)
    value = raw.strip()
    if value not in {o.value for o in form_field.options}:
        raise _Rejected("field.choice")
    return value


def _clean_checklist(form_field: FormField, raw: Any, today: date) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise _type_error(form_field)
    ticked = {item.strip() for item in raw}
    options = [o.value for o in form_field.options]
    if not ticked <= set(options):
        raise _Rejected("field.choice")
    # Option order, no duplicates: the same ticks always give the same stored (and hashed) list.
    return [value for value in options if value in ticked]


def _clean_boolean(form_field: FormField, raw: Any, today: date) -> bool:
    # Only JSON true/false: "false" or 0 would otherwise be read as a yes.
    if not isinstance(raw, bool):
        raise _type_error(form_field)
    return raw


def _digits(form_field: FormField, raw: Any) -> str:
    text = _text(form_field, raw)
    return _SEPARATORS.sub("", text.translate(_THAI_DIGITS))


def _clean_national_id(form_field: FormField, raw: Any, today: date) -> str:
    digits = _digits(form_field, raw)
    if not is_valid_thai_national_id(digits):
        raise _Rejected("field.national_id")
    return digits


def _clean_phone(form_field: FormField, raw: Any, today: date) -> str:
    digits = _digits(form_field, raw)
    if digits.startswith("+66"):
        # "+66 81 234 5678" and "+66 (0)81 234 5678" both mean 081 234 5678.
        digits = "0" + digits[3:].removeprefix("0")
    if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise _Rejected("field.phone")
    return digits


def _clean_email(form_field: FormField, raw: Any, today: date) -> str:
    text = _clean_text(form_field, raw, today)
    if not _EMAIL.match(text) or ".." in text:
        raise _Rejected("field.email")
    local, domain = text.rsplit("@", 1)
    # Domains are case-insensitive; the local part is left as typed (RFC 5321).
    return f"{local}@{domain.lower()}"


_CLEANERS: dict[FieldType, Callable[[FormField, Any, date], Any]] = {
    FieldType.TEXT: _clean_text,
    FieldType.TEXTAREA: _clean_text,
    FieldType.INTEGER: _clean_integer,
    FieldType.NUMBER: _clean_number,
    FieldType.DATE: _clean_date,
    FieldType.CHOICE: _clean_choice,
    FieldType.CHECKLIST: _clean_checklist,
    FieldType.BOOLEAN: _clean_boolean,
    FieldType.NATIONAL_ID: _clean_national_id,
    FieldType.PHONE: _clean_phone,
    FieldType.EMAIL: _clean_email,
}


def _display(form_field: FormField, value: Any, lang: Literal["th", "en"]) -> str:
    labels = {o.value: (o.label.th if lang == "th" else o.label.en) for o in form_field.options}
    kind = form_field.type
    if kind == FieldType.BOOLEAN and isinstance(value, bool):
        if lang == "th":
            return "ใช่" if value else "ไม่ใช่"
        return "Yes" if value else "No"
    if kind == FieldType.CHOICE:
        return labels.get(str(value), str(value))
    if kind == FieldType.CHECKLIST and isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if kind == FieldType.DATE and isinstance(value, str) and _ISO_DATE.match(value):
        day = date.fromisoformat(value)
        return format_thai_date(day) if lang == "th" else format_english_date(day)
    if (
        kind in (FieldType.INTEGER, FieldType.NUMBER)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    ):
        return _limit(value)
    if kind == FieldType.NATIONAL_ID and isinstance(value, str) and len(value) == 13:
        return f"{value[0]}-{value[1:5]}-{value[5:10]}-{value[10:12]}-{value[12]}"
    if kind == FieldType.PHONE and isinstance(value, str):
        return _display_phone(value)
    return str(value)


def _display_phone(digits: str) -> str:
    if _MOBILE.match(digits):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if _LANDLINE.match(digits):
        # Bangkok numbers group as 02-123-4567, provincial ones as 077-355-101.
        if digits.startswith("02"):
            return f"{digits[:2]}-{digits[2:5]}-{digits[5:]}"
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits
