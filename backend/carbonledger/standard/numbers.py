"""Decimal arithmetic of the standard: parsing, the fixed context, and rounding.

Rules (also stated in ``data/versions/<v>/methodology.json`` and ``docs/standard.md``):

* Numbers in documents are JSON strings matching ``-?(0|[1-9][0-9]*)(\\.[0-9]+)?`` or JSON
  integers. Binary floats are always rejected; exponents, ``NaN``/``Infinity``, leading ``+`` and
  leading zeros are rejected so that one value has one spelling.
* All arithmetic happens in :data:`CONTEXT`: 34 significant digits (IEEE 754 decimal128),
  ``ROUND_HALF_EVEN``, with invalid operations, division by zero and overflow trapped. Decimal
  arithmetic is specified exactly (General Decimal Arithmetic), so every platform gets the same
  digits.
* Intermediate results are never rounded by the standard; rounding is applied once, at the end,
  by :func:`quantize` (to the report quantum, 0.001 kgCO2e) or :func:`to_int_kg` (the on-chain
  integers, 1 kgCO2e), both half-even.
"""

from __future__ import annotations

import re
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Final

CONTEXT: Final = Context(
    prec=34,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

DECIMAL_RE: Final = re.compile(r"-?(?:0|[1-9][0-9]{0,29})(?:\.[0-9]{1,18})?")
"""Accepted spelling of a decimal string: at most 30 integer and 18 fractional digits."""

MAX_SAFE_INT: Final = 2**53 - 1
"""Largest integer that RFC 8785 (I-JSON) can carry exactly."""

ZERO: Final = Decimal(0)


class JsonFloat(str):
    """The source text of a JSON number with a fraction or exponent (a binary float).

    :func:`carbonledger.standard.models.loads_claim_json` parses such numbers into this marker
    type instead of ``float`` so that validation can reject them with the field's path.
    """


def parse_decimal_value(value: object) -> Decimal:
    """Parse a decimal written as a JSON string or integer; raise ``ValueError`` with a reason."""
    if type(value) is str:
        if DECIMAL_RE.fullmatch(value) is None:
            raise ValueError(
                f"{value!r} is not a decimal string (digits, optional '-', optional '.', "
                "no exponent, no leading zeros, at most 30+18 digits)"
            )
        return Decimal(value)
    if type(value) is int:
        if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            return Decimal(value)
        raise ValueError("integer outside the I-JSON range; write it as a decimal string")
    if isinstance(value, (float, JsonFloat)):
        raise ValueError(
            "binary floating-point numbers are not allowed; write the number as a JSON string"
        )
    raise ValueError(f"expected a decimal string or integer, got {type(value).__name__}")


def fmt(value: Decimal) -> str:
    """Write a decimal in plain notation (no exponent), as the standard's documents do."""
    text = format(value, "f")
    if text.startswith("-") and value.is_zero():
        return text[1:]
    return text


def quantize(value: Decimal, quantum: Decimal) -> Decimal:
    """Round ``value`` half-even to ``quantum`` (e.g. ``Decimal('0.001')``)."""
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN, context=CONTEXT)


def to_int_kg(value: Decimal) -> int:
    """Round a kgCO2e amount half-even to a whole kilogram (the on-chain integers)."""
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN, context=CONTEXT))
