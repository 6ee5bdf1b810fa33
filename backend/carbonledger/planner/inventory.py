"""From a verified footprint to the sources options act on, and options to solver candidates.

A party's **sources** are read from its footprint's lines (after the standard computed them):
its own road-freight diesel (``trip`` lines, and the number of vehicles), its grid electricity
bought without an instrument, and its refrigerant leaks per gas. A unit of an option replaces
some of a source's activity and may add another activity (a BEV adds charging kWh); its
abatement is the standard's figure for the replaced lines minus that of the added ones, both
computed with the firm's own factors in a claim shaped like the firm's own -- never typed in.

**Overlap.** A partner that counts part of a source in its own inventory (a shipper's Scope 3
cat. 4 for the carrier's trips carrying its goods) sees a unit's reduction in the same
proportion: ``partner_kg / owner_kg`` of the overlap per kg the owner removes from the share of
the source that overlaps. The joint inventory counts that tonne once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from carbonledger.overlaps import match, shipment_emissions
from carbonledger.planner.catalogue import Catalogue, Option
from carbonledger.planner.errors import PlannerError
from carbonledger.planner.solve import Candidate
from carbonledger.standard import FootprintClaim, Standard, compute, parse_claim

GREEN = "cls.market.zero_emission_instrument"
#: kg/L for a trip given in tonnes of diesel without its own density: an assumption within the
#: GB 19147 range (0.810-0.850 kg/L at 20 °C), the figure the demo's carrier uses too.
DEFAULT_DIESEL_DENSITY = "0.84"


@dataclass(frozen=True)
class Source:
    kind: str
    quantity: Decimal
    """Litres of diesel, kWh, or kg of refrigerant leaked per year."""
    kgco2e: Decimal
    factor_id: str
    vehicles: int = 0
    density: str | None = None
    gas: str | None = None


@dataclass(frozen=True)
class Party:
    """A firm in the plan: its address, label, verified footprint and what it counts."""

    firm: str
    label: str
    claim_id: str
    claim: FootprintClaim
    baseline_kg: Decimal
    sources: tuple[Source, ...]
    #: partner label -> (what this party counts, what the partner counts) of their overlap,
    #: where this party is the emitter (the overlap sits in one of its sources)
    shares: Mapping[str, tuple[Decimal, Decimal]] = field(default_factory=dict)


def _q(x: Decimal) -> str:
    """A quantity as the standard's decimal string (fixed point, 6 places)."""
    return f"{x:.6f}"


def _inventory_kg(claim: FootprintClaim, standard: Standard) -> Decimal:
    t = compute(claim, standard)
    return t.scope1 + t.scope2_market + t.scope3_total


def party_from_claim(
    label: str,
    claim_id: str,
    document: bytes | Mapping[str, Any],
    standard: Standard,
    shares: Mapping[str, tuple[Decimal, Decimal]] | None = None,
) -> Party:
    claim = parse_claim(document)
    if not isinstance(claim, FootprintClaim):
        raise PlannerError(f"{label}: claim {claim_id} is not a footprint")
    totals = compute(claim, standard)
    diesel_l = diesel_kg = Decimal(0)
    vehicles: set[str] = set()
    density: str | None = None
    diesel_factor = ""
    grid_kwh = grid_kg = Decimal(0)
    grid_factor: dict[str, Decimal] = {}
    leaks: dict[str, tuple[Decimal, Decimal]] = {}
    for line, result in zip(claim.lines, totals.lines, strict=True):
        v = line.v
        if line.activity == "trip" and "diesel" in str(v.get("factor_id")):
            line_density = Decimal(str(v.get("density_kg_per_l", DEFAULT_DIESEL_DENSITY)))
            if v["unit"] == "L":
                diesel_l += v["quantity"]
            elif v["unit"] == "t":
                diesel_l += v["quantity"] * 1000 / line_density
            else:
                continue
            diesel_kg += result.emissions
            vehicles.add(str(v.get("vehicle", line.index)))
            density = density or str(line_density)
            diesel_factor = str(v["factor_id"])
        elif line.activity == "electricity" and "market" not in v and v["unit"] == "kWh":
            grid_kwh += v["quantity"]
            grid_kg += result.emissions
            fid = str(v["factor_id"])
            grid_factor[fid] = grid_factor.get(fid, Decimal(0)) + v["quantity"]
        elif line.activity == "refrigerant" and v["unit"] == "kg":
            q, kg = leaks.get(str(v["gas"]), (Decimal(0), Decimal(0)))
            leaks[str(v["gas"])] = (q + v["quantity"], kg + result.emissions)
    sources: list[Source] = []
    if diesel_l > 0 and density is not None:
        sources.append(
            Source(
                "diesel_road_freight", diesel_l, diesel_kg, diesel_factor, len(vehicles), density
            )
        )
    if grid_kwh > 0:
        main = max(grid_factor, key=lambda k: grid_factor[k])
        sources.append(Source("grid_electricity", grid_kwh, grid_kg, main))
    for gas, (q, kg) in sorted(leaks.items()):
        sources.append(Source("refrigerant", q, kg, "", gas=gas))
    return Party(
        firm=claim.firm.address.lower(),
        label=label,
        claim_id=claim_id,
        claim=claim,
        baseline_kg=totals.scope1 + totals.scope2_market + totals.scope3_total,
        sources=tuple(sources),
        shares=dict(shares or {}),
    )


class Abatement:
    """Per-unit abatement of options by the standard's calculators (memoised per party)."""

    def __init__(self, standard: Standard) -> None:
        self.standard = standard

    def _lines_kg(self, party: Party, lines: list[dict[str, Any]]) -> Decimal:
        if not lines:
            return Decimal(0)
        doc = party.claim.canonical_object()
        doc = {**doc, "lines": lines}
        claim = parse_claim(doc)
        assert isinstance(claim, FootprintClaim)
        return _inventory_kg(claim, self.standard)

    def _grid(self, party: Party) -> str:
        for s in party.sources:
            if s.kind == "grid_electricity":
                return s.factor_id
        return "cn.mee.2022.grid.east"  # assumption: the demo's region when the firm has none

    def _electricity(self, party: Party, kwh: Decimal, how: str) -> dict[str, Any]:
        line: dict[str, Any] = {
            "id": "ADDED-ELEC",
            "activity": "electricity",
            "scope": 2,
            "quantity": _q(kwh),
            "unit": "kWh",
            "factor_id": self._grid(party),
        }
        if how == "green_contract":
            line["market"] = {"instrument": "ppa", "factor_id": GREEN}
        return line

    def per_unit(
        self, party: Party, source: Source, option: Option, catalogue: Catalogue
    ) -> tuple[Decimal, Decimal, Decimal]:
        """(kgCO2e removed, energy cost change, pool use) of one unit of ``option``."""
        rep, add = option.replaces, option.adds
        prices = catalogue.prices
        before: list[dict[str, Any]] = []
        after: list[dict[str, Any]] = []
        energy = Decimal(0)
        pool_use = Decimal(0)
        if source.kind == "diesel_road_freight":
            if "share_of_average_vehicle_diesel" in rep:
                litres = source.quantity / max(source.vehicles, 1)
                litres *= Decimal(rep["share_of_average_vehicle_diesel"])
            else:
                litres = source.quantity * Decimal(rep.get("share_of_source_diesel", "0"))
            pool_use = litres
            before.append(
                {
                    "id": "REPLACED-DIESEL",
                    "activity": "fuel",
                    "scope": 1,
                    "quantity": _q(litres),
                    "unit": "L",
                    "density_kg_per_l": source.density,
                    "factor_id": source.factor_id,
                }
            )
            energy -= litres * prices["diesel_cny_per_l"]
            if "electricity_kwh_per_l_diesel" in add:
                kwh = litres * Decimal(add["electricity_kwh_per_l_diesel"])
                after.append(self._electricity(party, kwh, add.get("electricity", "grid")))
                energy += kwh * prices["electricity_cny_per_kwh"]
                if add.get("electricity") == "green_contract":
                    energy += kwh * prices["green_power_premium_cny_per_kwh"]
            if option.surcharge_per_l:
                energy = litres * option.surcharge_per_l  # a service: its price is all we pay
        elif source.kind == "grid_electricity":
            kwh = Decimal(rep["electricity_kwh"])
            pool_use = kwh
            before.append(self._electricity(party, kwh, "grid"))
            if rep.get("by") == "green_contract":
                after.append(self._electricity(party, kwh, "green_contract"))
                energy += kwh * prices["green_power_premium_cny_per_kwh"]
            else:
                energy -= kwh * prices["electricity_cny_per_kwh"]
        elif source.kind == "refrigerant":
            kg = source.quantity * Decimal(rep.get("share_of_source_leak", "1"))
            pool_use = kg

            def leak(gas: str) -> dict[str, Any]:
                return {
                    "id": "LEAK",
                    "activity": "refrigerant",
                    "scope": 1,
                    "gas": gas,
                    "quantity": _q(kg),
                    "unit": "kg",
                }

            before.append(leak(str(source.gas)))
            after.append(leak(rep.get("by_gas", "CO2")))
        removed = self._lines_kg(party, before) - self._lines_kg(party, after)
        return removed, energy, pool_use


def _max_units(option: Option, source: Source, pool_use: Decimal) -> float:
    spec = option.max_units
    if spec == "vehicles":
        return float(source.vehicles)
    if spec.startswith("share_of_site_kwh:"):
        share = Decimal(spec.split(":", 1)[1])
        return math.floor(float(source.quantity * share / pool_use)) if pool_use else 0.0
    return float(Decimal(spec))


def candidates_for(
    parties: Sequence[Party],
    catalogue: Catalogue,
    standard: Standard,
    overrides: Mapping[str, Mapping[str, Option]] | None = None,
) -> tuple[list[Candidate], dict[str, float], dict[str, dict[str, Any]]]:
    """Every (party, source, option) as a solver candidate, the pools, and what each is.

    ``overrides`` (party label -> option id -> option) are the funding party's quoted figures.
    """
    overrides = overrides or {}
    abate = Abatement(standard)
    by_label = {p.label: p for p in parties}
    out: list[Candidate] = []
    pools: dict[str, float] = {}
    info: dict[str, dict[str, Any]] = {}
    for party in parties:
        for source in party.sources:
            pool = f"{party.label}/{source.kind}" + (f"/{source.gas}" if source.gas else "")
            pool_cap = source.quantity
            pools[pool] = float(pool_cap)
            for option in catalogue.options:
                if option.source != source.kind:
                    continue
                removed, energy, use = abate.per_unit(party, source, option, catalogue)
                owner = party.label
                if option.funded_by == "customer":
                    # a customer acts on its own share of the source only (its shipments)
                    customers = [p for p in party.shares if p in by_label]
                    if not customers or source.kgco2e <= 0:
                        continue
                    owner = customers[0]
                    part = party.shares[owner][0] / source.kgco2e
                    removed, energy, use = removed * part, energy * part, use * part
                if removed <= 0 or use <= 0:
                    continue
                priced = overrides.get(owner, {}).get(option.id, option)
                cost = priced.annualised_capital() + energy
                counted = {party.label: float(removed)}
                # the partner's view of the same tonnes, where it counts this source: an
                # operator's unit acts on the whole source (the overlap's share of it), a
                # customer's on the overlap only
                for partner, (own_kg, partner_kg) in party.shares.items():
                    if partner in by_label and source.kgco2e > 0 and own_kg > 0:
                        overlap_share = (
                            Decimal(1) if option.funded_by == "customer" else own_kg / source.kgco2e
                        )
                        counted[partner] = float(removed * overlap_share * partner_kg / own_kg)
                cid = f"{owner}:{option.id}@{pool}"
                out.append(
                    Candidate(
                        id=cid,
                        owner=owner,
                        cost=float(cost),
                        abatement=float(removed),
                        counted=counted,
                        max_units=_max_units(option, source, use),
                        integer=option.integer,
                        pool=pool,
                        pool_use=float(use),
                        emitter=party.label,
                    )
                )
                info[cid] = {
                    "option": option.id,
                    "name": option.name,
                    "funded_by": owner,
                    "emitter": party.label,
                    "source": source.kind,
                    "unit": option.unit,
                    "capex_per_unit": str(priced.capex),
                    "annualised_cost_per_unit": f"{cost:.2f}",
                    "abatement_kg_per_unit": f"{removed:.3f}",
                    "quoted_by": priced.quoted_by,
                }
    return out, pools, info


def parties_from_claims(
    claims: Sequence[tuple[str, str, bytes | Mapping[str, Any]]], standard: Standard
) -> list[Party]:
    """Parties from ``(label, claim_id, document)``, with their pairwise overlaps.

    The **emitter** of an overlap is the party that counts it in scope 1 or 2 (the carrier's
    diesel, the warehouse's site electricity); its partner counts the same tonnes in Scope 3.
    """
    parsed = [(label, cid, parse_claim(doc)) for label, cid, doc in claims]
    per_ship = {label: shipment_emissions(claim, standard) for label, _cid, claim in parsed}
    shares: dict[str, dict[str, tuple[Decimal, Decimal]]] = {label: {} for label, *_ in parsed}
    for (la, _ca, _a), (lb, _cb, _b) in itertools.combinations(parsed, 2):
        found = match(per_ship[la], per_ship[lb])
        if found is None:
            continue
        own_a = any(not x.startswith("scope3") for x in found.buckets[0])
        emitter, partner = (la, lb) if own_a else (lb, la)
        kg_e, kg_p = found.kg if own_a else (found.kg[1], found.kg[0])
        shares[emitter][partner] = (kg_e, kg_p)
    return [
        party_from_claim(label, cid, claim.canonical_object(), standard, shares[label])
        for label, cid, claim in parsed
    ]


def overlap_only(parties: Sequence[Party]) -> list[Party]:
    """The parties restricted to their overlapping emissions (the ``overlap`` plan scope).

    An emitter keeps the overlapping share of its source (the diesel of the trips carrying its
    partners' goods: quantity and vehicles scaled by the overlap's share of the source's
    emissions) and its baseline becomes what it counts of the overlap; a partner's baseline is
    what it counts of the same tonnes. Only overlaps in road-freight diesel are planned here.
    """
    out = []
    incoming: dict[str, Decimal] = {}
    for p in parties:
        for partner, (_own, partner_kg) in p.shares.items():
            incoming[partner] = incoming.get(partner, Decimal(0)) + partner_kg
    for p in parties:
        own = sum((kg for kg, _ in p.shares.values()), Decimal(0))
        sources = []
        for s in p.sources:
            if s.kind == "diesel_road_freight" and own > 0 and s.kgco2e > 0:
                share = min(own / s.kgco2e, Decimal(1))
                sources.append(
                    Source(
                        s.kind,
                        s.quantity * share,
                        own,
                        s.factor_id,
                        max(1, math.ceil(s.vehicles * share)),
                        s.density,
                    )
                )
        out.append(
            Party(
                firm=p.firm,
                label=p.label,
                claim_id=p.claim_id,
                claim=p.claim,
                baseline_kg=own + incoming.get(p.label, Decimal(0)),
                sources=tuple(sources),
                shares=p.shares,
            )
        )
    return out
