"""Fees (Q6.1): what an application costs, in satang, from the service's fee rule and the answers.

Money is an integer number of satang (1 baht = 100 satang) everywhere: in the tenant file, the invoice,
the Thai QR payload and the receipt. A per-unit fee multiplies a form answer by a rate; that product is
computed with Decimal and rounded up to the next whole satang, never with float arithmetic, so 200.01 m²
at 10 baht is exactly 2,000.10 baht.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any

from eservice.tenant import Service

__all__ = ["fee_satang", "format_baht"]


def fee_satang(service: Service, answers: Mapping[str, Any]) -> int:
    """The fee for one application, in satang (Q6.1).

    No fee rule: 0. ``fixed``: the rule's amount. ``per_unit``: units (the answer to the rule's
    ``unit_field``) times the rate, rounded up to a whole satang, then raised to the minimum and lowered
    to the maximum. An unanswered optional unit field counts as 0 units, so the minimum applies.

    ``answers`` are the cleaned answers of :func:`eservice.forms.validate_answers`; a unit answer that is
    not a finite number raises TypeError (a programming error, not the applicant's).
    """
    rule = service.fee
    if rule is None:
        return 0
    if rule.kind == "fixed":
        return rule.amount_satang
    units = _units(answers.get(rule.unit_field or ""), rule.unit_field or "")
    fee = int((units * rule.rate_satang).to_integral_value(rounding=ROUND_CEILING))
    fee = max(fee, rule.minimum_satang)
    if rule.maximum_satang is not None:
        fee = min(fee, rule.maximum_satang)
    return fee


def format_baht(satang: int) -> str:
    """An amount in satang as baht with thousands separators and two decimals: 250000 -> "2,500.00"."""
    if isinstance(satang, bool) or not isinstance(satang, int):
        raise TypeError("an amount of money must be an int number of satang")
    sign = "-" if satang < 0 else ""
    baht, rest = divmod(abs(satang), 100)
    return f"{sign}{baht:,}.{rest:02d}"


def _units(value: Any, field_name: str) -> Decimal:
    if value is None:
        return Decimal(0)
    # bool is an int in Python; a yes/no answer is never a quantity.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"fee unit field '{field_name}' must hold a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"fee unit field '{field_name}' must hold a finite number")
        # repr is the shortest text that round-trips: 200.01, not 200.0099999999999909050529822707176.
        return Decimal(repr(value))
    if not value.is_finite():
        raise TypeError(f"fee unit field '{field_name}' must hold a finite number")
    return value
