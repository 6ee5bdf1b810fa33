"""Calculators: emissions of each activity line, and the totals by scope and category.

Public API::

    compute(claim, standard) -> Totals             # raises UnknownFactorError/UnitMismatchError
    onchain_totals(claim, standard) -> OnchainTotals  # integers in kgCO2e, half-even

Method (GHG Protocol Corporate + Scope 3 Standards; ISO 14083 / GLEC for logistics):

* ``fuel``/``trip``: quantity x combustion factor = TTW; quantity x WTT factor = WTT. Own
  (scope 1) lines count TTW in scope 1 and WTT in Scope 3 cat. 3; Scope 3 lines count WTW.
  A ``trip`` also allocates its TTW and WTT among its shipments by tonne-km.
* ``transport``: mass [t] (or TEU) x distance [km] x intensity; air great-circle distances get
  the standard's +95 km. TTW-basis intensities may add a WTT factor; WTW-basis ones may not.
* ``electricity``: kWh x grid factor = scope 2 location-based; market-based uses the claimed
  instrument's factor (or the grid factor when none is claimed); T&D losses and generation WTT
  go to cat. 3. ``heat`` likewise (market = location).
* ``refrigerant``: mass leaked x GWP of the gas in the claim's GWP set (scope 1).
* ``hub``: throughput x intensity; ``storage``: volume (or pallets) x days x intensity;
  ``site_share``: site energy x factor x customer amount / site amount; ``spend``: amount x
  factor (currencies must match).
* A site operator's ``electricity``, ``heat`` or ``fuel`` line may carry a ``site_allocation``:
  its figure is shared among customers by their amounts of the basis (largest remainder, like
  a trip's), the rest being the operator's own. The shares change no total; they are what a
  customer's ``site_share`` line is matched against (``carbonledger.overlaps``).
* Biogenic CO2 (factor ``biogenic_co2``) is accumulated apart and never enters a scope.

All arithmetic is exact in the standard's decimal context; nothing is rounded until
:meth:`Totals.to_json_obj` / :func:`onchain_totals`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any, NamedTuple

from carbonledger.standard._perf import paused_gc
from carbonledger.standard.allocation import allocate
from carbonledger.standard.errors import (
    AllocationError,
    StandardError,
    UnitMismatchError,
    UnknownFactorError,
)
from carbonledger.standard.factors import Factor, parse_factor
from carbonledger.standard.lines import Line
from carbonledger.standard.methodology import Standard
from carbonledger.standard.models import Claim, DeclaredFactor, private_state
from carbonledger.standard.numbers import CONTEXT, ZERO, fmt, quantize, to_int_kg
from carbonledger.standard.rules import NEEDED_BASIS
from carbonledger.standard.units import UNITS, conversion

SCOPE3_NAMES: Mapping[int, str] = {
    1: "Purchased goods and services",
    2: "Capital goods",
    3: "Fuel- and energy-related activities (not included in scope 1 or scope 2)",
    4: "Upstream transportation and distribution",
    5: "Waste generated in operations",
    6: "Business travel",
    7: "Employee commuting",
    8: "Upstream leased assets",
    9: "Downstream transportation and distribution",
    10: "Processing of sold products",
    11: "Use of sold products",
    12: "End-of-life treatment of sold products",
    13: "Downstream leased assets",
    14: "Franchises",
    15: "Investments",
}

B_S1, B_S2L, B_S2M, B_BIO = 0, 1, 2, 18  # bucket indexes; cat n is bucket 2 + n


class LineError(StandardError):
    """A line cannot be computed: rule id, JSON path, message (turned into a finding)."""

    def __init__(self, rule: str, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.rule = rule
        self.path = path
        self.message = message


class ShipmentShare(NamedTuple):
    """A shipment's share of a trip (kgCO2e, quantized to the allocation quantum)."""

    shipment_ref: str
    tkm: Decimal
    ttw: Decimal
    wtt: Decimal | None


class SiteShare(NamedTuple):
    """A customer's share of a site energy line (kgCO2e, quantized to the allocation quantum):
    the line's own figure times ``amount / site_amount``. Counted nowhere in the operator's
    totals (the whole line is); it is what the customer's ``site_share`` line matches."""

    shipment_ref: str
    amount: Decimal
    kg: Decimal


class LineResult(NamedTuple):
    """Computed figures of one line (exact decimals)."""

    line_index: int
    line_id: str
    activity: str
    scope: int
    category: int | None
    emissions: Decimal
    """Counted in the line's own scope/category (scope 2: location-based; scope 3: WTW)."""
    ttw: Decimal | None
    wtt: Decimal | None
    scope2_market: Decimal | None
    upstream_cat3: Decimal
    """WTT / T&D of a scope 1 or 2 line, counted in Scope 3 category 3."""
    biogenic_co2: Decimal
    factor_ids: tuple[str, ...]
    shipments: tuple[ShipmentShare, ...] = ()
    site_shares: tuple[SiteShare, ...] = ()


@dataclass(frozen=True)
class OnchainTotals:
    """The integers a claim carries on chain (kgCO2e, rounded half-even once)."""

    scope1: int
    scope2_location: int
    scope2_market: int
    scope3: int
    biogenic_co2: int


@dataclass(frozen=True)
class Totals:
    """Per-line results and totals by scope/category (exact), biogenic apart."""

    lines: tuple[LineResult, ...]
    scope1: Decimal
    scope2_location: Decimal
    scope2_market: Decimal
    scope3: Mapping[int, Decimal]
    biogenic_co2: Decimal
    standard_version: str = ""
    report_quantum: Decimal = field(default=Decimal("0.001"))

    @property
    def scope3_total(self) -> Decimal:
        """Sum of the Scope 3 categories."""
        total = ZERO
        for v in self.scope3.values():
            total = CONTEXT.add(total, v)
        return total

    def onchain(self) -> OnchainTotals:
        """Totals rounded (half-even, once) to whole kgCO2e."""
        return OnchainTotals(
            scope1=to_int_kg(self.scope1),
            scope2_location=to_int_kg(self.scope2_location),
            scope2_market=to_int_kg(self.scope2_market),
            scope3=to_int_kg(self.scope3_total),
            biogenic_co2=to_int_kg(self.biogenic_co2),
        )

    def totals_json(self) -> dict[str, Any]:
        """Totals only, rounded to the report quantum, as decimal strings."""
        q = self.report_quantum

        def r(d: Decimal) -> str:
            return fmt(quantize(d, q))

        return {
            "scope1": r(self.scope1),
            "scope2_location": r(self.scope2_location),
            "scope2_market": r(self.scope2_market),
            "scope3": {
                str(c): {"name": SCOPE3_NAMES[c], "kgco2e": r(v)}
                for c, v in sorted(self.scope3.items())
            },
            "scope3_total": r(self.scope3_total),
            "biogenic_co2": r(self.biogenic_co2),
            "onchain_kgco2e": vars(self.onchain()),
        }

    def to_json_obj(self) -> dict[str, Any]:
        """Per line and per scope/category, rounded to the report quantum (kgCO2e strings)."""
        q = self.report_quantum

        def r(d: Decimal | None) -> str | None:
            return None if d is None else fmt(quantize(d, q))

        lines = []
        for lr in self.lines:
            item: dict[str, Any] = {
                "index": lr.line_index,
                "id": lr.line_id,
                "activity": lr.activity,
                "scope": lr.scope,
                "emissions_kgco2e": r(lr.emissions),
            }
            if lr.category is not None:
                item["category"] = lr.category
            for key, val in (
                ("ttw_kgco2e", lr.ttw),
                ("wtt_kgco2e", lr.wtt),
                ("scope2_market_kgco2e", lr.scope2_market),
            ):
                if val is not None:
                    item[key] = r(val)
            if lr.upstream_cat3:
                item["cat3_upstream_kgco2e"] = r(lr.upstream_cat3)
            if lr.biogenic_co2:
                item["biogenic_co2_kg"] = r(lr.biogenic_co2)
            if lr.shipments:
                item["shipments"] = [
                    {
                        "shipment_ref": s.shipment_ref,
                        "tkm": fmt(s.tkm),
                        "ttw_kgco2e": fmt(s.ttw),
                        **({"wtt_kgco2e": fmt(s.wtt)} if s.wtt is not None else {}),
                    }
                    for s in lr.shipments
                ]
            if lr.site_shares:
                item["site_shares"] = [
                    {"shipment_ref": s.shipment_ref, "amount": fmt(s.amount), "kgco2e": fmt(s.kg)}
                    for s in lr.site_shares
                ]
            item["factor_ids"] = list(lr.factor_ids)
            lines.append(item)
        return {
            "standard_version": self.standard_version,
            "unit": "kgCO2e",
            "rounding": f"half-even to {fmt(q)} kgCO2e, applied once to exact results",
            "totals": self.totals_json(),
            "lines": lines,
        }


def _exactly_one(line: Line, rule: str, first: str, second: str) -> tuple[Any, Any]:
    """The line's values of ``first`` and ``second``, of which it must give exactly one
    (``rule`` otherwise)."""
    a, b = line.v.get(first), line.v.get(second)
    if (a is None) == (b is None):
        raise LineError(rule, line.path, f"give exactly one of {first} or {second}")
    return a, b


def declared_factor(d: DeclaredFactor) -> Factor:
    """A claim-declared factor as a :class:`Factor` (flagged ``declared_in_claim``)."""
    obj = d.model_dump(mode="json", exclude_none=True)
    obj.setdefault("licence", "not stated")
    return parse_factor(obj, f"factor {d.id}", declared=True)


class Calculator:
    """Computes lines of one claim against one standard (used by :func:`compute` and the checker).

    ``used`` collects the factor ids the lines used (for once-per-factor findings).
    """

    def __init__(self, claim: Claim, standard: Standard) -> None:
        self.claim = claim
        self.standard = standard
        self.factors: dict[str, Factor] = dict(standard.factors)
        self.collisions: list[tuple[int, str]] = []
        for i, d in enumerate(claim.factors):
            if d.id in standard.factors:
                self.collisions.append((i, d.id))
                continue
            self.factors[d.id] = declared_factor(d)
        gwp = standard.gwp_sets.get(claim.gwp_set)
        self.gwp: Mapping[str, Decimal] = gwp.values if gwp is not None else {}
        self.used: set[str] = set()
        self.first_use: dict[str, str] = {}
        """Path of the first line field that used each factor (FAC004's path from level 2)."""
        self.failed: list[Line] = []
        """Lines that could not be computed (filled by the checker from level 2: TOT004)."""
        rule_set = standard.rule_set
        self.level = rule_set.level
        self.bases = rule_set.factor_bases
        fuel = self.bases.get("fuel", {}).get("factor_id")
        grid = self.bases.get("electricity", {}).get("factor_id")
        self.fuel_bases: frozenset[str] | None = fuel
        self.grid_bases: frozenset[str] | None = grid
        self.density_lines: list[int] = []
        self.buckets: list[Decimal] = [ZERO] * 19

    # --- helpers ------------------------------------------------------------------------
    def factor(self, line: Line, key: str, kinds: frozenset[str], fid: str | None = None) -> Factor:
        fid = fid if fid is not None else line.v[key]
        f = self.factors.get(fid)
        if f is None:
            raise LineError(
                "FAC001",
                f"{line.path}.{key}",
                f"unknown factor id {fid!r} (not in the standard "
                "and not declared in the claim's factors)",
            )
        if f.kind not in kinds:
            raise LineError(
                "FAC005",
                f"{line.path}.{key}",
                f"factor {fid!r} is a {f.kind} factor; a "
                f"{line.activity} line needs {' or '.join(sorted(kinds))}",
            )
        bases = self.bases.get(line.activity, {}).get(key)
        if bases is not None and f.basis not in bases:
            need = " or ".join(f"{NEEDED_BASIS.get(b, b)} (basis {b})" for b in sorted(bases))
            raise LineError(
                "FAC005",
                f"{line.path}.{key}",
                f"factor {fid!r} has basis {f.basis}; the {key} of a {line.activity} line "
                f"needs {need}"
                + (
                    ": a WTW factor used as combustion would double count with a WTT factor "
                    "and put upstream emissions in the line's scope"
                    if f.basis == "WTW"
                    else ""
                ),
            )
        self._use(fid, line, key)
        return f

    def _use(self, fid: str, line: Line, key: str) -> None:
        if fid not in self.used:
            self.used.add(fid)
            self.first_use[fid] = f"{line.path}.{key}"

    def quantity(self, line: Line, f: Factor, key: str = "factor_id") -> Decimal:
        """The line's quantity in the factor's unit (density conversion for fuels)."""
        q: Decimal = line.v["quantity"]
        unit: str = line.v["unit"]
        target = f.denominator
        if unit == target:
            return q
        try:
            return q * conversion(unit, target)
        except UnitMismatchError:
            pass
        density: Decimal | None = line.v.get("density_kg_per_l")
        src, dst = UNITS.get(unit), UNITS.get(target)
        if density is not None and src is not None and dst is not None:
            if src.dimension == "volume" and dst.dimension == "mass":
                self.density_lines.append(line.index)
                litres = q * src.to_base
                return litres * density / dst.to_base
            if src.dimension == "mass" and dst.dimension == "volume":
                self.density_lines.append(line.index)
                kg = q * src.to_base
                return kg / density / dst.to_base
        raise LineError(
            "UNIT001",
            f"{line.path}.unit",
            f"quantity in {unit} cannot be used with factor {f.id!r} in {f.unit}"
            + (
                " (give density_kg_per_l to convert volume and mass)"
                if src and dst and {src.dimension, dst.dimension} == {"volume", "mass"}
                else ""
            ),
        )

    def _result(
        self,
        line: Line,
        emissions: Decimal,
        ttw: Decimal | None,
        wtt: Decimal | None,
        biogenic: Decimal,
        fids: tuple[str, ...],
        market: Decimal | None = None,
        upstream: Decimal = ZERO,
        shipments: tuple[ShipmentShare, ...] = (),
    ) -> LineResult:
        return LineResult(
            line.index,
            line.id,
            line.activity,
            line.scope,
            line.category,
            emissions,
            ttw,
            wtt,
            market,
            upstream,
            biogenic,
            fids,
            shipments,
        )

    def _main_factor(
        self, line: Line, kind: str, bases: frozenset[str] | None, kinds: frozenset[str]
    ) -> tuple[Factor, Decimal]:
        """The line's ``factor_id`` factor and its quantity in the factor's unit, for the hot
        calculators (fuel/trip, electricity): the common case -- a factor of ``kind`` with an
        allowed basis, the quantity already in its unit -- without the full checks; anything
        else goes through :meth:`factor` (which raises the right finding) and :meth:`quantity`."""
        v = line.v
        f = self.factors.get(v["factor_id"])
        if f is None or f.kind != kind or (bases is not None and f.basis not in bases):
            f = self.factor(line, "factor_id", kinds)
        if f.id not in self.used:
            self._use(f.id, line, "factor_id")
        q = v["quantity"] if v["unit"] == f.denominator else self.quantity(line, f)
        return f, q

    # --- calculators ----------------------------------------------------------------------
    def _fuel(self, line: Line) -> LineResult:
        v = line.v
        f, q = self._main_factor(line, "fuel_combustion", self.fuel_bases, _FUEL)
        ttw = q * f.value
        bio = q * f.biogenic_co2 if f.biogenic_co2 else ZERO
        wtt: Decimal | None = None
        fids: tuple[str, ...] = (f.id,)
        wid = v.get("wtt_factor_id")
        if wid is not None:
            fw = self.factor(line, "wtt_factor_id", _FUEL_WTT)
            wtt = self.quantity(line, fw) * fw.value
            fids = (f.id, fw.id)
        own = line.scope != 3
        emissions = ttw if own or wtt is None else ttw + wtt
        upstream = wtt if own and wtt is not None else ZERO
        shipments: tuple[ShipmentShare, ...] = ()
        if line.activity == "trip":
            shipments = self._allocate_trip(line, ttw, wtt)
        return self._result(line, emissions, ttw, wtt, bio, fids, None, upstream, shipments)

    def _allocate_trip(
        self, line: Line, ttw: Decimal, wtt: Decimal | None
    ) -> tuple[ShipmentShare, ...]:
        ships = line.v["shipments"]
        quantum = self.standard.allocation_quantum
        if len(ships) == 1:  # the common case, without the per-shipment generators
            ship = ships[0]
            tkm = ship["mass_t"] * ship["distance_km"]
            try:
                ttw_one = allocate(ttw, (tkm,), quantum)[0]
                wtt_one = allocate(wtt, (tkm,), quantum)[0] if wtt is not None else None
            except AllocationError as exc:
                raise LineError("ALLOC001", f"{line.path}.shipments", str(exc)) from exc
            return (ShipmentShare(ship["shipment_ref"], tkm, ttw_one, wtt_one),)
        tkms = [s["mass_t"] * s["distance_km"] for s in ships]
        try:
            ttw_parts = allocate(ttw, tkms, quantum)
            wtt_parts: list[Decimal | None] = (
                list(allocate(wtt, tkms, quantum)) if wtt is not None else [None] * len(ships)
            )
        except AllocationError as exc:
            raise LineError("ALLOC001", f"{line.path}.shipments", str(exc)) from exc
        return tuple(
            ShipmentShare(s["shipment_ref"], t, a, w)
            for s, t, a, w in zip(ships, tkms, ttw_parts, wtt_parts, strict=True)
        )

    def _allocate_site(self, line: Line, emissions: Decimal) -> tuple[SiteShare, ...]:
        """Each customer's share of a site energy line (its figure in its own scope: scope 1
        TTW, scope 2 location-based), in proportion to the customer's amount of the site's."""
        alloc = line.v["site_allocation"]
        path = f"{line.path}.site_allocation"
        if line.v.get("shipment_ref") is not None:
            raise LineError(
                "SITE003",
                path,
                "a line is either one shipment's fuel (shipment_ref) or site energy shared "
                "among customers (site_allocation), not both",
            )
        customers = alloc["customers"]
        amounts: list[Decimal] = [c["amount"] for c in customers]
        site: Decimal = alloc["site_amount"]
        rest = site - sum(amounts, ZERO)
        if rest < 0:
            raise LineError(
                "SITE002",
                f"{path}.customers",
                f"the customers' amounts add up to {fmt(site - rest)}, more than the site's "
                f"{fmt(site)}",
            )
        try:
            parts = allocate(emissions, [*amounts, rest], self.standard.allocation_quantum)
        except AllocationError as exc:
            raise LineError("ALLOC001", path, str(exc)) from exc
        return tuple(
            SiteShare(c["shipment_ref"], a, kg)
            for c, a, kg in zip(customers, amounts, parts[:-1], strict=True)
        )

    def _transport(self, line: Line) -> LineResult:
        v = line.v
        f = self.factor(line, "factor_id", _TRANSPORT)
        mass, teu = _exactly_one(line, "TRN001", "mass_t", "teu")
        distance: Decimal = v["distance_km"]
        if v["mode"] == "air" and v["distance_basis"] == "great_circle":
            distance = distance + self.standard.air_gcd_adjustment_km
        if mass is not None:
            activity, unit = mass * distance, "tkm"
        else:
            assert teu is not None
            activity, unit = teu * distance, "TEUkm"
        if f.denominator != unit:
            raise LineError(
                "UNIT001",
                f"{line.path}.factor_id",
                f"activity in {unit} cannot be used with factor {f.id!r} in {f.unit}",
            )
        main = activity * f.value
        fids: tuple[str, ...] = (f.id,)
        if f.basis == "WTW":
            if v.get("wtt_factor_id") is not None:
                raise LineError(
                    "TRN002",
                    f"{line.path}.wtt_factor_id",
                    f"factor {f.id!r} is already well-to-wheel; WTT would double count",
                )
            return self._result(line, main, None, None, ZERO, fids)
        if f.basis != "TTW":
            raise LineError(
                "FAC005",
                f"{line.path}.factor_id",
                f"a transport intensity must be TTW or WTW, {f.id!r} is {f.basis}",
            )
        wtt: Decimal | None = None
        if v.get("wtt_factor_id") is not None:
            fw = self.factor(line, "wtt_factor_id", _TRANSPORT)
            if fw.basis != "WTT" or fw.denominator != unit:
                raise LineError(
                    "FAC005",
                    f"{line.path}.wtt_factor_id",
                    f"factor {fw.id!r} is not a WTT intensity per {unit}",
                )
            wtt = activity * fw.value
            fids = (f.id, fw.id)
        emissions = main if wtt is None else main + wtt
        return self._result(line, emissions, main, wtt, ZERO, fids)

    def _electricity(self, line: Line) -> LineResult:
        v = line.v
        f, q = self._main_factor(line, "grid_electricity", self.grid_bases, _GRID)
        location = q * f.value
        fids = [f.id]
        market = location
        m = v.get("market")
        if m is not None:
            fm = self.factor(line, "market.factor_id", _GRID, m["factor_id"])
            market = self.quantity(line, fm) * fm.value
            fids.append(fm.id)
        upstream = ZERO
        for key, kinds in (("td_factor_id", _TD), ("wtt_factor_id", _EWTT)):
            if v.get(key) is not None:
                fu = self.factor(line, key, kinds)
                upstream = upstream + self.quantity(line, fu) * fu.value
                fids.append(fu.id)
        return self._result(line, location, None, None, ZERO, tuple(fids), market, upstream)

    def _heat(self, line: Line) -> LineResult:
        f = self.factor(line, "factor_id", _HEAT)
        e = self.quantity(line, f) * f.value
        upstream = ZERO
        fids: tuple[str, ...] = (f.id,)
        if line.v.get("wtt_factor_id") is not None:
            fw = self.factor(line, "wtt_factor_id", _FUEL_WTT | _EWTT)
            upstream = self.quantity(line, fw) * fw.value
            fids = (f.id, fw.id)
        return self._result(line, e, None, None, ZERO, fids, e, upstream)

    def _refrigerant(self, line: Line) -> LineResult:
        v = line.v
        gas: str = v["gas"]
        gwp = self.gwp.get(gas)
        if self.level >= 2 and "gwp" in v:
            if "gwp_source" not in v:
                raise LineError(
                    "GWP005",
                    f"{line.path}.gwp_source",
                    f"a GWP declared for {gas!r} needs its source (gwp_source)",
                )
            gwp = v["gwp"]
        if gwp is None:
            raise LineError(
                "GWP003",
                f"{line.path}.gas",
                f"{gas!r} is not in the {self.claim.gwp_set} GWP set "
                f"({', '.join(sorted(self.gwp))})",
            )
        kg = v["quantity"] * UNITS[v["unit"]].to_base
        return self._result(line, kg * gwp, None, None, ZERO, ())

    def _hub(self, line: Line) -> LineResult:
        f = self.factor(line, "factor_id", _HUB)
        main = self.quantity(line, f) * f.value
        if line.v.get("wtt_factor_id") is None:
            return self._result(line, main, None, None, ZERO, (f.id,))
        # rule set 3: a TTW hub intensity with its WTT part gives the hub's TTW and WTW apart
        fw = self.factor(line, "wtt_factor_id", _HUB)
        if f.basis != "TTW" or fw.basis != "WTT" or fw.denominator != f.denominator:
            raise LineError(
                "FAC005",
                f"{line.path}.wtt_factor_id",
                f"a hub's wtt_factor_id needs a TTW factor_id and a WTT intensity per "
                f"{f.denominator}; {f.id!r} is {f.basis}, {fw.id!r} is {fw.basis} per "
                f"{fw.denominator}",
            )
        wtt = self.quantity(line, fw) * fw.value
        return self._result(line, main + wtt, main, wtt, ZERO, (f.id, fw.id))

    def _storage(self, line: Line) -> LineResult:
        v = line.v
        f = self.factor(line, "factor_id", _STORAGE)
        vol, pallets = _exactly_one(line, "STO001", "volume_m3", "pallets")
        activity, unit = (
            (vol * v["days"], "m3day") if vol is not None else (pallets * v["days"], "palletday")
        )
        if f.denominator != unit:
            raise LineError(
                "UNIT001",
                f"{line.path}.factor_id",
                f"activity in {unit} cannot be used with factor {f.id!r} in {f.unit}",
            )
        return self._result(line, activity * f.value, None, None, ZERO, (f.id,))

    def _site_share(self, line: Line) -> LineResult:
        v = line.v
        f = self.factor(line, "factor_id", _SITE)
        customer: Decimal = v["customer_amount"]
        site: Decimal = v["site_amount"]
        if customer > site:
            raise LineError(
                "SITE001",
                f"{line.path}.customer_amount",
                "the customer's amount exceeds the whole site's",
            )
        site_emissions = self.quantity(line, f) * f.value
        return self._result(line, site_emissions * customer / site, None, None, ZERO, (f.id,))

    def _spend(self, line: Line) -> LineResult:
        v = line.v
        f = self.factor(line, "factor_id", _SPEND)
        if f.denominator != v["currency"]:
            raise LineError(
                "UNIT001",
                f"{line.path}.currency",
                f"spend in {v['currency']} cannot be used with factor {f.id!r} "
                f"in {f.unit} (convert the spend first)",
            )
        return self._result(line, v["amount"] * f.value, None, None, ZERO, (f.id,))

    def _purchased_goods(self, line: Line) -> LineResult:
        # quantity (converted to the footprint's declared unit, same dimension only) x the
        # supplier's footprint per declared unit; a piece is not a kilogram (UNIT001)
        f = self.factor(line, "factor_id", _GOODS)
        return self._result(line, self.quantity(line, f) * f.value, None, None, ZERO, (f.id,))

    # --- driver ---------------------------------------------------------------------------
    def line(self, line: Line) -> LineResult:
        """Compute one line and add it to the buckets (caller holds the decimal context)."""
        if line.scope == 3 and line.category is None:
            raise LineError("SCP002", f"{line.path}.category", "a scope 3 line needs a category")
        r = _DISPATCH[line.activity](self, line)
        if "site_allocation" in line.v:
            r = r._replace(site_shares=self._allocate_site(line, r.emissions))
        b = self.buckets
        if line.scope == 1:
            b[B_S1] += r.emissions
        elif line.scope == 2:
            b[B_S2L] += r.emissions
            b[B_S2M] += r.emissions if r.scope2_market is None else r.scope2_market
        else:
            b[2 + (line.category or 0)] += r.emissions
        if r.upstream_cat3:
            b[5] += r.upstream_cat3
        if r.biogenic_co2:
            b[B_BIO] += r.biogenic_co2
        return r

    def totals(self, results: list[LineResult]) -> Totals:
        b = self.buckets
        cats = {line.category for line in self.claim.lines if line.scope == 3 and line.category}
        if b[5]:
            cats.add(3)
        return Totals(
            lines=tuple(results),
            scope1=b[B_S1],
            scope2_location=b[B_S2L],
            scope2_market=b[B_S2M],
            scope3={c: b[2 + c] for c in sorted(cats)},
            biogenic_co2=b[B_BIO],
            standard_version=self.standard.version_id,
            report_quantum=self.standard.report_quantum,
        )


# by activity, the method that computes a line (looked up once here, not bound per claim)
_DISPATCH: dict[str, Callable[[Calculator, Line], LineResult]] = {
    "fuel": Calculator._fuel,
    "trip": Calculator._fuel,
    "transport": Calculator._transport,
    "electricity": Calculator._electricity,
    "heat": Calculator._heat,
    "refrigerant": Calculator._refrigerant,
    "hub": Calculator._hub,
    "storage": Calculator._storage,
    "site_share": Calculator._site_share,
    "spend": Calculator._spend,
    "purchased_goods": Calculator._purchased_goods,
}

_FUEL = frozenset({"fuel_combustion"})
_FUEL_WTT = frozenset({"fuel_wtt"})
_TRANSPORT = frozenset({"transport_intensity"})
_GRID = frozenset({"grid_electricity"})
_TD = frozenset({"electricity_td"})
_EWTT = frozenset({"electricity_wtt"})
_HEAT = frozenset({"heat"})
_HUB = frozenset({"hub_intensity"})
_STORAGE = frozenset({"storage_intensity"})
_SITE = frozenset({"grid_electricity", "fuel_combustion", "heat"})
_SPEND = frozenset({"spend"})
_GOODS = frozenset({"product_footprint"})


def computed_run(claim: Claim, standard: Standard) -> tuple[Calculator, list[LineResult]] | None:
    """The calculator and line results of the last :func:`compute` of ``claim`` under
    ``standard`` that computed every line, while the checker has not taken them yet; None
    otherwise. Read only: the checker takes them (and drops them) itself."""
    computed = private_state(claim).get("_computed")
    if computed is None or computed[0] is not standard or len(computed[2]) != len(claim.lines):
        return None
    return computed[1], computed[2]


def computed_lines(claim: Claim, standard: Standard) -> tuple[LineResult, ...] | None:
    """The line results of :func:`computed_run`, for a reader other than the checker (the
    claim service's shipment index); None when there are none."""
    run = computed_run(claim, standard)
    return None if run is None else tuple(run[1])


def compute(claim: Claim, standard: Standard) -> Totals:
    """Compute every line and the totals of ``claim`` under ``standard`` (exact decimals).

    Raises :class:`UnknownFactorError` for an unknown factor id, :class:`UnitMismatchError` for a
    unit that cannot be converted, and :class:`StandardError` for other lines that cannot be
    computed. Use :func:`carbonledger.standard.checker.check` to get findings instead.
    """
    calc = Calculator(claim, standard)
    results: list[LineResult] = []
    with localcontext(CONTEXT), paused_gc():
        for line in claim.lines:
            try:
                results.append(calc.line(line))
            except LineError as exc:
                if exc.rule == "FAC001":
                    raise UnknownFactorError(str(exc)) from exc
                if exc.rule == "UNIT001":
                    raise UnitMismatchError(str(exc)) from exc
                raise
        totals = calc.totals(results)
    state = private_state(claim)
    if state is not None and "_computed" in state:
        # every line computed: the checker's run under this standard takes these results
        # instead of computing each line again (the claim service builds, then checks)
        state["_computed"] = (standard, calc, results)
    return totals


def onchain_totals(claim: Claim, standard: Standard) -> OnchainTotals:
    """The integers (kgCO2e) a footprint claim carries on chain, rounded half-even once."""
    return compute(claim, standard).onchain()
