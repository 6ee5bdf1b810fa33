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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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
    return [periods[key] for key in sorted(periods, key=lambda k: (k[0], -k[1]))]
