"""A firm's footprint by reporting period: the check reports' totals of its footprints in
force, summed per period (what the firm's dashboard charts, and `carbonledger claim periods`).

A firm that files per shipment or per site has many footprints in one period, and an amended
footprint leaves the one it supersedes on the ledger: one bar per claim would repeat a period
and count an amendment twice. Here the caller passes only the footprints in force (checked
and passed, not refused, not superseded, not revoked) and each period is one sum.

Pure: no chain, no database. The sums are exact (``Decimal``), written as the standard writes
its figures (plain decimal strings, kgCO2e).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from carbonledger.standard.calc import SCOPE3_NAMES
from carbonledger.standard.numbers import fmt, parse_decimal_value

#: the check report's scope totals summed per period (``totals`` of a footprint's report)
SCOPES = ("scope1", "scope2_location", "scope2_market")


@dataclass
class PeriodTotals:
    """The sums of one reporting period ``[period_start, period_end)`` (Unix seconds)."""

    period_start: int
    period_end: int
    claims: int = 0
    scopes: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(SCOPES, Decimal(0)))
    #: Scope 3 category -> (its name, kgCO2e)
    scope3: dict[int, tuple[str, Decimal]] = field(default_factory=dict)

    @property
    def scope3_total(self) -> Decimal:
        return sum((kg for _, kg in self.scope3.values()), Decimal(0))

    def add(self, totals: Mapping[str, Any]) -> None:
        """Add one footprint's report totals (raises ``ValueError`` naming a bad figure)."""
        self.claims += 1
        for scope in SCOPES:
            self.scopes[scope] += _kg(totals.get(scope, "0"), scope)
        for category, entry in (totals.get("scope3") or {}).items():
            name, kg = self.scope3.get(int(category), (str(entry.get("name", "")), Decimal(0)))
            kg += _kg(entry.get("kgco2e", "0"), f"scope3.{category}")
            self.scope3[int(category)] = (name, kg)

    def as_json(self) -> dict[str, Any]:
        return {
            "period_start": self.period_start,
            "period_end": self.period_end,
            "claims": self.claims,
            **{scope: fmt(self.scopes[scope]) for scope in SCOPES},
            "scope3": {
                str(c): {"name": name, "kgco2e": fmt(kg)}
                for c, (name, kg) in sorted(self.scope3.items())
            },
            "scope3_total": fmt(self.scope3_total),
        }


def _kg(value: object, where: str) -> Decimal:
    try:
        return parse_decimal_value(value)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


#: one footprint: its period's start and end (Unix seconds) and its check report's ``totals``
Footprint = tuple[int, int, Mapping[str, Any]]


def in_force_by_period(
    passed: Iterable[tuple[str, int, int, str]], ended: Collection[str]
) -> tuple[list[PeriodTotals], int]:
    """:func:`totals_by_period` of the passed footprints (claim id, period start and end, the
    check report's JSON) that are not in ``ended`` (superseded or revoked), and how many were
    left out for that: what ``GET /claims/periods`` answers, read from every report."""
    passed = list(passed)
    kept = [(start, end, report) for cid, start, end, report in passed if cid not in ended]
    periods = totals_by_period(
        (start, end, json.loads(report).get("totals", {})) for start, end, report in kept
    )
    return periods, len(passed) - len(kept)


def totals_by_period(footprints: Iterable[Footprint]) -> list[PeriodTotals]:
    """Each distinct period of ``footprints`` (``(period_start, period_end, report totals)``)
    with the sums of its footprints, oldest period first (a longer period before a shorter
    one that starts with it). Periods that overlap without being equal stay apart: the
    standard does not say how to split a footprint between periods."""
    periods: dict[tuple[int, int], PeriodTotals] = {}
    for start, end, totals in footprints:
        period = periods.get((start, end))
        if period is None:
            period = periods[(start, end)] = PeriodTotals(start, end)
        period.add(totals)
    return oldest_first(periods.values())


# --- the same sums from whole grams, as a database keeps them ---

#: the Scope 3 categories a footprint's grams may name (the GHG Protocol's 15)
SCOPE3_CATEGORIES = range(1, 16)
#: the figures the standard writes, to the report quantum 0.001 kgCO2e: three decimals
_GRAM_EXPONENT = -3
_GRAM_LIMIT = 2**62  # a sum of many still fits a 64-bit column


@dataclass(frozen=True)
class Grams:
    """One footprint's report totals in whole grams: the scopes (:data:`SCOPES` order) and
    the Scope 3 categories it names."""

    scopes: tuple[int, ...]
    scope3: Mapping[int, int]


def grams_of(totals: Mapping[str, Any]) -> Grams | None:
    """A report's ``totals`` in whole grams, when they say exactly what the figures say as
    written: each figure with three decimals (as the standard writes them, to its report
    quantum), every scope present, categories 1-15 under their standard names. Summed as
    grams, they give the very strings :class:`PeriodTotals` gives from the figures. None for
    anything else (another quantum, a figure missing): such a footprint is summed from its
    report."""
    try:
        scopes = tuple(_grams(totals[scope]) for scope in SCOPES)
        scope3 = {}
        for category, entry in (totals.get("scope3") or {}).items():
            number = int(category)
            if number not in SCOPE3_CATEGORIES or entry.get("name") != SCOPE3_NAMES[number]:
                return None
            scope3[number] = _grams(entry["kgco2e"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return Grams(scopes, scope3)


def _grams(value: object) -> int:
    """A figure written with three decimals as whole grams; ``ValueError`` otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a decimal string")
    kg = parse_decimal_value(value)
    exponent = kg.as_tuple().exponent
    if exponent != _GRAM_EXPONENT:
        raise ValueError(f"{value} is not written to the gram")
    grams = int(kg.scaleb(-_GRAM_EXPONENT))
    if abs(grams) >= _GRAM_LIMIT:
        raise ValueError(f"{value} is too large to sum as grams")
    return grams


def period_of_grams(
    start: int, end: int, claims: int, scopes: Sequence[int], scope3: Mapping[int, int]
) -> PeriodTotals:
    """A period's sums from the sums of its footprints' :class:`Grams`: ``claims``
    footprints, the scopes' grams in :data:`SCOPES` order, each Scope 3 category that one of
    them names with its grams."""
    period = PeriodTotals(start, end, claims)
    period.scopes = {scope: _of_grams(g) for scope, g in zip(SCOPES, scopes, strict=True)}
    period.scope3 = {c: (SCOPE3_NAMES[c], _of_grams(g)) for c, g in sorted(scope3.items())}
    return period


def _of_grams(grams: int) -> Decimal:
    return Decimal(grams).scaleb(_GRAM_EXPONENT)


def oldest_first(periods: Iterable[PeriodTotals]) -> list[PeriodTotals]:
    """Periods in :func:`totals_by_period`'s order."""
    return sorted(periods, key=lambda p: (p.period_start, -p.period_end))
