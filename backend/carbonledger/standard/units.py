"""Units of activity quantities and of emission factors, and exact conversions between them.

A factor's unit is written ``kgCO2e/<unit>`` (e.g. ``kgCO2e/L``, ``kgCO2e/tkm``); a quantity's unit
is one of :data:`UNITS`. Conversion is only allowed within a dimension (a factor per litre applied
to kilograms is a unit error unless the line states a density, see ``density_kg_per_l``).
Conversion multipliers are exact decimals to the dimension's base unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from carbonledger.standard.errors import UnitMismatchError
from carbonledger.standard.numbers import CONTEXT


@dataclass(frozen=True)
class Unit:
    """A unit: its symbol, dimension and multiplier to the dimension's base unit."""

    symbol: str
    dimension: str
    to_base: Decimal
    description: str


def _u(symbol: str, dimension: str, to_base: str, description: str) -> Unit:
    return Unit(symbol, dimension, Decimal(to_base), description)


UNITS: Final[dict[str, Unit]] = {
    u.symbol: u
    for u in (
        _u("L", "volume", "1", "litre"),
        _u("m3", "volume", "1000", "cubic metre (1000 L); for gases, at the factor's reference"),
        _u("kg", "mass", "1", "kilogram"),
        _u("t", "mass", "1000", "tonne (1000 kg)"),
        _u("MJ", "energy", "1", "megajoule"),
        _u("GJ", "energy", "1000", "gigajoule"),
        _u("kWh", "energy", "3.6", "kilowatt-hour (3.6 MJ)"),
        _u("MWh", "energy", "3600", "megawatt-hour"),
        _u("tkm", "freight", "1", "tonne-kilometre"),
        _u("TEUkm", "container_freight", "1", "twenty-foot-equivalent-unit kilometre"),
        _u("m3day", "storage", "1", "cubic metre stored for one day"),
        _u("palletday", "pallet_storage", "1", "one pallet stored for one day"),
        _u("m2", "area", "1", "square metre"),
        _u("piece", "count", "1", "one piece (item) of a product"),
        _u("CNY", "currency_CNY", "1", "Chinese yuan (spend)"),
        _u("GBP", "currency_GBP", "1", "pound sterling (spend)"),
        _u("USD", "currency_USD", "1", "US dollar (spend)"),
        _u("EUR", "currency_EUR", "1", "euro (spend)"),
    )
}

FACTOR_UNIT_PREFIX: Final = "kgCO2e/"


def factor_denominator(factor_unit: str) -> Unit:
    """The unit a factor applies to: ``kgCO2e/L`` -> litre. Raise ``UnitMismatchError``."""
    if not factor_unit.startswith(FACTOR_UNIT_PREFIX):
        raise UnitMismatchError(f"factor unit {factor_unit!r} is not of the form kgCO2e/<unit>")
    symbol = factor_unit[len(FACTOR_UNIT_PREFIX) :]
    unit = UNITS.get(symbol)
    if unit is None:
        raise UnitMismatchError(f"factor unit {factor_unit!r}: unknown unit {symbol!r}")
    return unit


def conversion(from_unit: str, to_unit: str) -> Decimal:
    """Multiplier taking a quantity in ``from_unit`` to ``to_unit``; same dimension only."""
    if from_unit == to_unit:
        return Decimal(1)
    a = UNITS.get(from_unit)
    b = UNITS.get(to_unit)
    if a is None or b is None:
        raise UnitMismatchError(f"unknown unit {from_unit if a is None else to_unit!r}")
    if a.dimension != b.dimension:
        raise UnitMismatchError(
            f"a quantity in {from_unit} ({a.dimension}) cannot be used with a factor per "
            f"{to_unit} ({b.dimension})"
        )
    return CONTEXT.divide(a.to_base, b.to_base)
