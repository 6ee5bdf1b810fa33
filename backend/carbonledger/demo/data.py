"""The demo's activity data: deterministic (seeded), realistic, and built only from what the
standard ships (line types, factor ids) plus factors a firm is entitled to declare.

The supply chain (东部沿海, the Yangtze River Delta):

* **the shipper**, 苏州精密制造 (Suzhou Precision Manufacturing), ships its parts by road with
  **the carrier**, 华东快运 (East China Express): most of them on the 150 km lane from its
  Suzhou plant to the export warehouse of **the warehouse operator**, 上海临港仓储 (Shanghai
  Lingang Warehousing), the rest to customers in Ningbo, Hangzhou, Nanjing and Wuxi;
* the carrier also carries other customers' freight (their own pair salts, so nothing of it
  matches the shipper's lines);
* the carrier reports its own fleet's diesel per trip (litres, density from its delivery
  notes) with each shipment's tonne-km; the shipper reports the same shipments as purchased
  transport (Scope 3 category 4) with the carrier's disclosed fleet intensity; both write
  ``shipment_ref = keccak256(pair_salt || waybill)`` with a salt agreed between the two;
* the warehouse operator reports its site's electricity month by month, and allocates each
  month's figure to the shipper by pallet-days (``site_allocation``); the shipper reports
  its share as a ``site_share`` line (Scope 3 category 4); both carry
  ``keccak256(site_salt || "site:LINGANG-DC1:<year>")`` with a salt of their own pair;
* year two: the carrier runs part of the lane's trips with electric heavy trucks charged with
  green electricity (绿电, certificates), the project the two partners co-finance.

Everything here is pure: the same seed and shipment count give byte-identical documents.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, Final

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.overlaps import salted_ref
from carbonledger.standard import (
    ReductionClaim,
    Standard,
    compute,
    document_hash,
    parse_claim,
    reduction_figure,
)

YEAR_ONE = 2024
YEAR_TWO = 2025

DIESEL_T = "cn.ndrc.land_transport.2015.diesel.t"
GASOLINE_T = "cn.ndrc.land_transport.2015.gasoline.t"
GRID_EAST = "cn.mee.2022.grid.east"  # 华东区域电网: Shanghai, Jiangsu, Zhejiang
GREEN = "cls.market.zero_emission_instrument"
DIESEL_DENSITY = "0.84"  # kg/L, from the fuel supplier's delivery notes (GB 19147 range)

#: (route code, from, to, road km); the first is the lane the partners electrify.
LANE = ("SZ-LG", "苏州工业园区 Suzhou Industrial Park", "上海临港 Shanghai Lingang", 152)
SHIPPER_ROUTES = (
    LANE,
    ("SZ-NB", "苏州工业园区 Suzhou Industrial Park", "宁波北仑 Ningbo Beilun", 236),
    ("SZ-HZ", "苏州工业园区 Suzhou Industrial Park", "杭州萧山 Hangzhou Xiaoshan", 168),
    ("SZ-NJ", "苏州工业园区 Suzhou Industrial Park", "南京江宁 Nanjing Jiangning", 214),
    ("SZ-WX", "苏州工业园区 Suzhou Industrial Park", "无锡新区 Wuxi New District", 48),
)
SHIPPER_ROUTE_WEIGHTS = (0.62, 0.12, 0.10, 0.09, 0.07)
OTHER_ROUTES = (
    ("SH-HF", "上海嘉定 Shanghai Jiading", "合肥经开区 Hefei ETDZ", 468),
    ("SH-NT", "上海嘉定 Shanghai Jiading", "南通 Nantong", 126),
    ("SH-CZ", "上海嘉定 Shanghai Jiading", "常州武进 Changzhou Wujin", 178),
    ("SH-JX", "上海嘉定 Shanghai Jiading", "嘉兴 Jiaxing", 92),
)
OTHER_CUSTOMERS = ("other-customer-1", "other-customer-2", "other-customer-3")
#: Share of the carrier's shipments that are the shipper's.
SHIPPER_SHARE = 0.75
#: Share of the lane's trips run by electric trucks in year two.
ELECTRIFIED_SHARE = 0.6
PAYLOAD_T = Decimal(32)

FIRMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # role: (name, identifier (统一社会信用代码, fictional), roles on chain)
    "shipper": (
        "苏州精密制造有限公司 (Suzhou Precision Manufacturing Co., Ltd.)",
        "91320594MA1DEMO01X",
        ("firm",),
    ),
    "carrier": (
        "华东快运有限公司 (East China Express Co., Ltd.)",
        "91310114MA1DEMO02Y",
        ("firm",),
    ),
    "warehouse": (
        "上海临港仓储有限公司 (Shanghai Lingang Warehousing Co., Ltd.)",
        "91310115MA1DEMO03Z",
        ("firm",),
    ),
    "auditor": (
        "沪信碳核查事务所 (Huxin Carbon Verification Partners)",
        "91310101MA1DEMO04W",
        ("auditor",),
    ),
}
FIRM_ORDER = ("shipper", "carrier", "warehouse")


@dataclass(frozen=True)
class Member:
    role: str
    name: str
    identifier: str
    roles: tuple[str, ...]
    account: LocalAccount

    @property
    def address(self) -> str:
        return str(self.account.address)


def members(seed: int) -> dict[str, Member]:
    """The four members, each with its own key (derived from the seed: same seed, same
    addresses; on a fresh chain only)."""
    out: dict[str, Member] = {}
    for role, (name, identifier, roles) in FIRMS.items():
        key = keccak(text=f"carbonledger demo member key:{seed}:{role}")
        out[role] = Member(role, name, identifier, roles, Account.from_key(key))
    return out


# --- numbers -------------------------------------------------------------------------------


def num(value: Decimal | int, places: int | None = None) -> str:
    """A JSON number string as the standard wants it (no exponent, no float)."""
    d = Decimal(value)
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    text = format(d, "f")
    return "0" if text in ("-0", "") else text


def q3(value: Decimal) -> str:
    return num(value, 3)


# --- shipments and trips ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shipment:
    index: int
    customer: str  # "shipper" or one of OTHER_CUSTOMERS
    mass_t: Decimal

    def waybill(self, year: int) -> str:
        return f"HDKY-{year}-{self.index:06d}"


@dataclass(frozen=True)
class Trip:
    index: int
    day: int  # day of the year, 1..365
    route: tuple[str, str, str, int]
    vehicle: str
    shipments: tuple[Shipment, ...]
    noise: Decimal  # driver, traffic, weather: the same trip burns this much more or less

    @property
    def on_lane(self) -> bool:
        return self.route[0] == LANE[0]

    @property
    def load_t(self) -> Decimal:
        return sum((s.mass_t for s in self.shipments), Decimal(0))

    @property
    def distance_km(self) -> int:
        return self.route[3]

    def date(self, year: int) -> str:
        return (dt.date(year, 1, 1) + dt.timedelta(days=self.day - 1)).isoformat()

    def diesel_l(self) -> Decimal:
        """Litres: about 24 L/100 km empty plus 0.32 L/100 km per tonne carried."""
        per_km = Decimal("0.24") + Decimal("0.0032") * self.load_t
        return (per_km * self.distance_km * self.noise).quantize(Decimal("0.1"))

    def charging_kwh(self) -> Decimal:
        """An electric 49 t tractor: about 1.05 kWh/km plus 0.012 kWh/km per tonne."""
        per_km = Decimal("1.05") + Decimal("0.012") * self.load_t
        return (per_km * self.distance_km * self.noise).quantize(Decimal(1))


@dataclass
class Fleet:
    trips: list[Trip]
    electrified: frozenset[int] = field(default_factory=frozenset)  # trip indices, year two

    @property
    def shipments(self) -> list[tuple[Trip, Shipment]]:
        return [(t, s) for t in self.trips for s in t.shipments]


def _plate(rng: random.Random, prefix: str) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"{prefix}·{rng.choice(letters)}{rng.randrange(10000):04d}"


def build_fleet(rng: random.Random, shipments: int) -> Fleet:
    """The carrier's year: ``shipments`` shipments consolidated into trips of 1-4, most of
    the shipper's on the lane."""
    trucks = [_plate(rng, "沪D") for _ in range(24)]
    trips: list[Trip] = []
    index = 0
    while index < shipments:
        shipper = rng.random() < SHIPPER_SHARE
        if shipper:
            route = rng.choices(SHIPPER_ROUTES, SHIPPER_ROUTE_WEIGHTS)[0]
            customer = "shipper"
        else:
            route = rng.choice(OTHER_ROUTES)
            customer = rng.choice(OTHER_CUSTOMERS)
        count = min(rng.choice((1, 2, 2, 3, 3, 4)), shipments - index)
        load = Decimal(0)
        parts: list[Shipment] = []
        for _ in range(count):
            mass = Decimal(rng.randrange(15, 110)) / 10  # 1.5 .. 10.9 t
            if load + mass > PAYLOAD_T:
                break
            load += mass
            index += 1
            parts.append(Shipment(index, customer, mass))
        noise = Decimal(rng.randrange(930, 1071)) / 1000
        day = rng.randrange(1, 366)
        trips.append(Trip(len(trips) + 1, day, route, rng.choice(trucks), tuple(parts), noise))
    trips.sort(key=lambda t: (t.day, t.index))
    lane = [t.index for t in trips if t.on_lane]
    electrified = frozenset(rng.sample(lane, round(len(lane) * ELECTRIFIED_SHARE)))
    return Fleet(trips, electrified)


# --- documents -------------------------------------------------------------------------------


def _boundary(scopes: Sequence[int], categories: Sequence[int] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"organisational": "operational_control", "scopes": list(scopes)}
    if categories:
        out["scope3_categories"] = list(categories)
    return out


def _envelope(
    kind: str, claim_id: str, member: Member, year: int, standard: Standard, gwp: str
) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "kind": kind,
        "claim_id": claim_id,
        "firm": {"address": member.address, "name": member.name},
        "period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "standard_version": standard.version_id,
        "gwp_set": gwp,
    }


def declare_footprint(doc: dict[str, Any], standard: Standard) -> dict[str, Any]:
    """Fill ``declared`` with the totals the standard computes (rounded once to 0.001 kg)."""
    doc["declared"] = {
        "scope1": "0", "scope2_location": "0", "scope2_market": "0", "scope3": {},
        "biogenic_co2": "0",
    }  # fmt: skip
    totals = compute(parse_claim(doc), standard)
    doc["declared"] = {
        "scope1": q3(totals.scope1),
        "scope2_location": q3(totals.scope2_location),
        "scope2_market": q3(totals.scope2_market),
        "scope3": {str(c): q3(v) for c, v in sorted(totals.scope3.items())},
        "biogenic_co2": q3(totals.biogenic_co2),
    }
    return doc


def as_bytes(doc: dict[str, Any]) -> bytes:
    """A document as the firm files it (UTF-8, Chinese kept readable)."""
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


MONTH_WEIGHTS = (
    Decimal("0.085"), Decimal("0.072"), Decimal("0.078"), Decimal("0.077"),
    Decimal("0.083"), Decimal("0.090"), Decimal("0.098"), Decimal("0.101"),
    Decimal("0.088"), Decimal("0.078"), Decimal("0.073"), Decimal("0.077"),
)  # fmt: skip


def _monthly(rng: random.Random, annual: int) -> list[Decimal]:
    """An annual kWh figure spread over the months (summer air conditioning), with noise."""
    return [
        (annual * w * Decimal(rng.randrange(960, 1041)) / 1000).quantize(Decimal(1))
        for w in MONTH_WEIGHTS
    ]


def _month_end(year: int, month: int) -> str:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).isoformat()


@dataclass
class Scenario:
    """Everything the demo files, built from the seed."""

    seed: int
    members: dict[str, Member]
    fleet: Fleet
    pair_salt: bytes  # agreed between the carrier and the shipper; never sent anywhere
    standard: Standard
    site_salt: bytes = b""  # agreed between the warehouse operator and the shipper
    footprints: dict[str, dict[str, Any]] = field(default_factory=dict)
    carrier_lines_y2: list[dict[str, Any]] = field(default_factory=list)
    shipper_lines_y2: list[dict[str, Any]] = field(default_factory=list)
    shipper_factor_y2: dict[str, Any] = field(default_factory=dict)
    warehouse_kwh: int = 0
    shipper_pallet_days: int = 0
    site_pallet_days: int = 0
    lane_diesel_ttw_y1: Decimal = Decimal(0)
    avoided_ttw: Decimal = Decimal(0)
    charging_kwh_y2: Decimal = Decimal(0)

    # --- the project's figures ---
    @property
    def expected_reduction(self) -> int:
        """The proposal's estimate: the electrified share of the lane's diesel, to 100 kg."""
        estimate = self.lane_diesel_ttw_y1 * Decimal(str(ELECTRIFIED_SHARE))
        return int((estimate / 100).quantize(Decimal(1), rounding=ROUND_FLOOR)) * 100

    @property
    def realised_reduction(self) -> int:
        """What the auditor attests: the diesel the electrified trips no longer burn (their
        year-one TTW), less their charging's market-based emissions (green electricity: 0),
        in whole kg rounded down."""
        return int(self.avoided_ttw.quantize(Decimal(1), rounding=ROUND_FLOOR))

    @property
    def e_truck_trips(self) -> int:
        return len(self.fleet.electrified)

    def site_ref(self, year: int) -> str:
        """The warehouse operator's and the shipper's salted ref of the shipper's pallets at
        the Lingang site in ``year``."""
        return salted_ref(self.site_salt, f"site:LINGANG-DC1:{year}")

    def shared_shipments(self) -> int:
        return sum(1 for _, s in self.fleet.shipments if s.customer == "shipper")

    def evidence(self) -> bytes:
        """The auditor's evidence for the realised reduction (stored encrypted in the vault)."""
        trips = [t for t in self.fleet.trips if t.index in self.fleet.electrified]
        obj = {
            "project": "苏州—临港 电动重卡 electric heavy trucks on the Suzhou-Lingang lane",
            "period": f"{YEAR_TWO}-01-01/{YEAR_TWO}-12-31",
            "electrified_trips": len(trips),
            "tkm": num(sum((t.load_t * t.distance_km for t in trips), Decimal(0))),
            "charging_kwh": num(self.charging_kwh_y2),
            "charging_market_kgco2e": "0",
            "green_electricity_certificates": f"GEC-{YEAR_TWO}-SH-HDKY-0001..0012",
            "avoided_diesel_ttw_kgco2e": q3(self.avoided_ttw),
            "method": "avoided diesel = the same trips' year-one fuel-based TTW; charging "
            "counted market-based (green electricity certificates, scope 2 guidance)",
            "sources": ["telematics trip log", "depot charger meters", "GEC retirement records"],
        }
        return json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8")

    # --- year two, after the settlement ---
    def carrier_reduction(
        self, settlement_id: str, allocated: int, baseline: dict[str, Any]
    ) -> dict[str, Any]:
        lines = self.carrier_lines_y2
        return self._reduction("carrier", lines, (), baseline, settlement_id, allocated)

    def shipper_reduction(
        self, settlement_id: str, allocated: int, baseline: dict[str, Any]
    ) -> dict[str, Any]:
        lines, factors = self.shipper_lines_y2, [self.shipper_factor_y2]
        return self._reduction("shipper", lines, factors, baseline, settlement_id, allocated)

    def _reduction(
        self,
        role: str,
        lines: list[dict[str, Any]],
        factors: Sequence[dict[str, Any]],
        baseline: dict[str, Any],
        settlement_id: str,
        allocated: int,
    ) -> dict[str, Any]:
        """``role``'s year-two inventory reduction against ``baseline``: its boundary is what it
        covers; it relies on ``allocated`` kg of settlement ``settlement_id``."""
        claim_id, gwp, covered = _REDUCTIONS[role]
        doc = _envelope("reduction", claim_id, self.members[role], YEAR_TWO, self.standard, gwp)
        scopes = sorted({c["scope"] for c in covered})
        doc["boundary"] = _boundary(scopes, [c["category"] for c in covered if "category" in c])
        doc.update(_baseline_ref(baseline))
        doc["method"] = "inventory"
        doc["covered"] = [dict(c) for c in covered]
        if factors:
            doc["factors"] = list(factors)
        doc["lines"] = lines
        return _declare_reduction(doc, baseline, settlement_id, allocated, self.standard)


#: each party's year-two reduction: its claim id, its GWP set and what it covers
_REDUCTIONS: Final[dict[str, tuple[str, str, list[dict[str, int]]]]] = {
    "carrier": (f"hdky-{YEAR_TWO}-reduction", "AR6", [{"scope": 1}, {"scope": 2}]),
    "shipper": (f"szjm-{YEAR_TWO}-reduction-cat4", "AR5", [{"scope": 3, "category": 4}]),
}


def _baseline_ref(baseline: dict[str, Any]) -> dict[str, Any]:
    return {
        "baseline": {
            "document_hash": "0x" + document_hash(parse_claim(as_bytes(baseline))).hex(),
            "claim_id": baseline["claim_id"],
        }
    }


def _declare_reduction(
    doc: dict[str, Any],
    baseline: dict[str, Any],
    settlement_id: str,
    allocated: int,
    standard: Standard,
) -> dict[str, Any]:
    doc["settlements"] = [
        {
            "settlement_id": settlement_id,
            "allocated_kgco2e": str(allocated),
            "claimed_kgco2e": str(allocated),
        }
    ]
    doc["declared"] = {"reduction_kgco2e": "0"}
    claim = parse_claim(doc)
    assert isinstance(claim, ReductionClaim)
    figure = reduction_figure(
        claim,
        standard,
        parse_claim(as_bytes(baseline)),
        allocations={settlement_id: allocated},
    )
    doc["declared"] = {
        "reduction_kgco2e": q3(figure.counted_kgco2e),
        "baseline_kgco2e": q3(figure.baseline_kgco2e),
        "current_kgco2e": q3(figure.current_kgco2e),
    }
    return doc


def _trip_line(trip: Trip, year: int, salts: dict[str, bytes]) -> dict[str, Any]:
    return {
        "id": f"TRIP-{year}-{trip.index:05d}",
        "activity": "trip",
        "scope": 1,
        "arrangement": "own",
        "vehicle": trip.vehicle,
        "quantity": num(trip.diesel_l()),
        "unit": "L",
        "density_kg_per_l": DIESEL_DENSITY,
        "factor_id": DIESEL_T,
        "date": trip.date(year),
        "note": f"{trip.route[0]} {trip.route[1]} → {trip.route[2]}",
        "shipments": [
            {
                "shipment_ref": salted_ref(salts[s.customer], s.waybill(year)),
                "mass_t": num(s.mass_t),
                "distance_km": str(trip.distance_km),
            }
            for s in trip.shipments
        ],
    }


def _transport_line(
    trip: Trip, shipment: Shipment, year: int, factor_id: str, pair_salt: bytes
) -> dict[str, Any]:
    waybill = shipment.waybill(year)
    return {
        "id": f"CAT4-{waybill}",
        "activity": "transport",
        "scope": 3,
        "category": 4,
        "arrangement": "purchased",
        "mode": "road",
        "mass_t": num(shipment.mass_t),
        "distance_km": str(trip.distance_km),
        "distance_basis": "actual",
        "factor_id": factor_id,
        "shipment_ref": salted_ref(pair_salt, waybill),
        "date": trip.date(year),
    }


def _intensity_factor(year: int, value: Decimal, source: str) -> dict[str, Any]:
    return {
        "id": f"hdky.{year}.road.ttw",
        "name": f"华东快运 {year} road freight intensity (TTW), as disclosed to its customers",
        "value": num(value, 6),
        "unit": "kgCO2e/tkm",
        "kind": "transport_intensity",
        "basis": "TTW",
        "gwp_basis": "none",
        "year": year,
        "source": {"document": source, "table": "fleet TTW / tonne-km"},
    }


def _meter_lines(prefix: str, monthly_kwh: list[Decimal], note: str) -> list[dict[str, Any]]:
    """A site's meter in year one: one scope-2 line a month on the East China grid."""
    return [
        {
            "id": f"{prefix}-{YEAR_ONE}-{m:02d}",
            "activity": "electricity",
            "scope": 2,
            "quantity": num(kwh),
            "unit": "kWh",
            "factor_id": GRID_EAST,
            "date": _month_end(YEAR_ONE, m),
            "note": note,
        }
        for m, kwh in enumerate(monthly_kwh, start=1)
    ]


def _pallet_days_allocation(sc: Scenario, month: int) -> dict[str, Any]:
    """A month of the site's electricity allocated to the shipper by its pallet-days (the
    operator's monthly statement: the same average occupancy every day)."""
    days = calendar.monthrange(YEAR_ONE, month)[1]
    site = sc.site_pallet_days // 365 * days
    shipper = sc.shipper_pallet_days // 365 * days
    return {
        "allocation_basis": "pallet_days",
        "site_amount": str(site),
        "customers": [{"shipment_ref": sc.site_ref(YEAR_ONE), "amount": str(shipper)}],
    }


def build_scenario(seed: int, shipments: int, standard: Standard) -> Scenario:
    """Generate the year-one footprints and the year-two activity of the three firms."""
    if shipments < 20:
        raise ValueError("the demo needs at least 20 shipments")
    rng = random.Random(seed)
    people = members(seed)
    fleet = build_fleet(rng, shipments)
    pair_salt = rng.randbytes(32)
    salts = {"shipper": pair_salt, **{c: rng.randbytes(32) for c in OTHER_CUSTOMERS}}
    sc = Scenario(seed, people, fleet, pair_salt, standard)
    # its own generator: the main one's draws (and so every other figure) stay as they were
    sc.site_salt = random.Random(f"{seed}:warehouse-shipper").randbytes(32)

    # --- the warehouse operator (上海临港仓储): site energy, Shanghai is on the East China grid
    wh = people["warehouse"]
    wh_kwh = _monthly(rng, 2_460_000)
    sc.warehouse_kwh = int(sum(wh_kwh))
    sc.site_pallet_days = 9_200 * 365
    sc.shipper_pallet_days = 2_350 * 365
    wh_lines = _meter_lines(
        "WH-ELEC", wh_kwh, "临港仓库 电表 site meter (cold rooms, lighting, electric forklifts)"
    )
    for m, line in enumerate(wh_lines, start=1):
        line["site_allocation"] = _pallet_days_allocation(sc, m)
    wh_lines += [
        {
            "id": f"WH-GENSET-DIESEL-{YEAR_ONE}",
            "activity": "fuel",
            "scope": 1,
            "quantity": num(Decimal(rng.randrange(2600, 3400))),
            "unit": "L",
            "density_kg_per_l": DIESEL_DENSITY,
            "factor_id": DIESEL_T,
            "note": "备用发电机 standby generator tests and outages",
        },
        {
            "id": f"WH-COLDROOM-R404A-{YEAR_ONE}",
            "activity": "refrigerant",
            "scope": 1,
            "gas": "R-404A",
            "quantity": num(Decimal(rng.randrange(60, 140)) / 10),
            "unit": "kg",
            "note": "冷库 cold-room top-ups less recovered",
        },
    ]
    wh_doc = _envelope("footprint", f"lgcc-{YEAR_ONE}-footprint", wh, YEAR_ONE, standard, "AR6")
    wh_doc["boundary"] = _boundary([1, 2])
    wh_doc["lines"] = wh_lines
    sc.footprints["warehouse"] = declare_footprint(wh_doc, standard)

    # --- the carrier (华东快运): its own fleet's diesel per trip, shipments by tonne-km
    carrier = people["carrier"]
    trip_lines = [_trip_line(t, YEAR_ONE, salts) for t in fleet.trips]
    depot = _monthly(rng, 186_000)
    cars_t = Decimal(rng.randrange(30, 45)) / 10
    others = _meter_lines("DEPOT-ELEC", depot, "嘉定 depot, 华东电网")
    others.append(
        {
            "id": f"COMPANY-CARS-{YEAR_ONE}",
            "activity": "fuel",
            "scope": 1,
            "quantity": num(cars_t),
            "unit": "t",
            "factor_id": GASOLINE_T,
            "note": "公司用车 company cars",
        }
    )
    c_doc = _envelope("footprint", f"hdky-{YEAR_ONE}-footprint", carrier, YEAR_ONE, standard, "AR6")
    c_doc["boundary"] = _boundary([1, 2])
    c_doc["lines"] = trip_lines + others
    sc.footprints["carrier"] = declare_footprint(c_doc, standard)

    carrier_totals = compute(parse_claim(c_doc), standard)
    trip_ttw = {r.line_id: r.ttw or Decimal(0) for r in carrier_totals.lines}
    total_ttw = sum((trip_ttw[line["id"]] for line in trip_lines), Decimal(0))
    total_tkm = sum((t.load_t * t.distance_km for t in fleet.trips), Decimal(0))
    intensity_y1 = total_ttw / total_tkm
    sc.lane_diesel_ttw_y1 = sum(
        (trip_ttw[f"TRIP-{YEAR_ONE}-{t.index:05d}"] for t in fleet.trips if t.on_lane),
        Decimal(0),
    )
    sc.avoided_ttw = sum(
        (trip_ttw[f"TRIP-{YEAR_ONE}-{i:05d}"] for i in fleet.electrified), Decimal(0)
    )

    # --- the shipper (苏州精密制造): its plant, and the same shipments as purchased transport
    shipper = people["shipper"]
    factor_y1 = _intensity_factor(
        YEAR_ONE, intensity_y1, f"华东快运 {YEAR_ONE} footprint claim hdky-{YEAR_ONE}-footprint"
    )
    transport = [
        _transport_line(t, s, YEAR_ONE, factor_y1["id"], pair_salt)
        for t, s in fleet.shipments
        if s.customer == "shipper"
    ]
    plant = _monthly(rng, 18_400_000)
    plant_lines: list[dict[str, Any]] = []
    for m, kwh in enumerate(plant, start=1):
        green = (kwh * Decimal("0.25")).quantize(Decimal(1))
        plant_lines.append(
            {
                "id": f"PLANT-ELEC-GRID-{YEAR_ONE}-{m:02d}",
                "activity": "electricity",
                "scope": 2,
                "quantity": num(kwh - green),
                "unit": "kWh",
                "factor_id": GRID_EAST,
                "date": _month_end(YEAR_ONE, m),
            }
        )
        plant_lines.append(
            {
                "id": f"PLANT-ELEC-GEC-{YEAR_ONE}-{m:02d}",
                "activity": "electricity",
                "scope": 2,
                "quantity": num(green),
                "unit": "kWh",
                "factor_id": GRID_EAST,
                "date": _month_end(YEAR_ONE, m),
                "market": {
                    "instrument": "green_electricity_certificate",
                    "factor_id": GREEN,
                    "certificate_ref": f"GEC-{YEAR_ONE}-JS-SZJM-{m:04d}",
                },
            }
        )
    plant_lines.append(
        {
            "id": f"PLANT-GENSET-DIESEL-{YEAR_ONE}",
            "activity": "fuel",
            "scope": 1,
            "quantity": num(Decimal(rng.randrange(5200, 6800))),
            "unit": "L",
            "density_kg_per_l": DIESEL_DENSITY,
            "factor_id": DIESEL_T,
            "note": "备用发电机 standby generators",
        }
    )
    plant_lines.append(
        {
            "id": f"COMPANY-CARS-{YEAR_ONE}",
            "activity": "fuel",
            "scope": 1,
            "quantity": num(Decimal(rng.randrange(40, 60)) / 10),
            "unit": "t",
            "factor_id": GASOLINE_T,
            "note": "公司用车 company cars",
        }
    )
    site_share = {
        "id": f"CAT4-LINGANG-WAREHOUSE-{YEAR_ONE}",
        "activity": "site_share",
        "scope": 3,
        "category": 4,
        "arrangement": "purchased",
        "quantity": str(sc.warehouse_kwh),
        "unit": "kWh",
        "factor_id": GRID_EAST,
        "allocation_basis": "pallet_days",
        "customer_amount": str(sc.shipper_pallet_days),
        "site_amount": str(sc.site_pallet_days),
        "shipment_ref": sc.site_ref(YEAR_ONE),
        "note": "上海临港仓储 pallet-days share, figures from the operator's statement",
    }
    s_doc = _envelope("footprint", f"szjm-{YEAR_ONE}-footprint", shipper, YEAR_ONE, standard, "AR5")
    s_doc["boundary"] = _boundary([1, 2, 3], [4])
    s_doc["factors"] = [factor_y1]
    s_doc["lines"] = plant_lines + transport + [site_share]
    sc.footprints["shipper"] = declare_footprint(s_doc, standard)

    # --- year two: the same freight, part of the lane electrified (green electricity)
    y2_trips = [
        _trip_line(t, YEAR_TWO, salts) for t in fleet.trips if t.index not in fleet.electrified
    ]
    charged = [t for t in fleet.trips if t.index in fleet.electrified]
    by_month: dict[int, Decimal] = {}
    for t in charged:
        month = int(t.date(YEAR_TWO)[5:7])
        by_month[month] = by_month.get(month, Decimal(0)) + t.charging_kwh()
    sc.charging_kwh_y2 = sum(by_month.values(), Decimal(0))
    charging = [
        {
            "id": f"E-TRUCK-CHARGING-{YEAR_TWO}-{m:02d}",
            "activity": "electricity",
            "scope": 2,
            "quantity": num(kwh),
            "unit": "kWh",
            "factor_id": GRID_EAST,
            "date": _month_end(YEAR_TWO, m),
            "note": "电动重卡充电 e-truck charging, 嘉定 depot chargers",
            "market": {
                "instrument": "green_electricity_certificate",
                "factor_id": GREEN,
                "certificate_ref": f"GEC-{YEAR_TWO}-SH-HDKY-{m:04d}",
            },
        }
        for m, kwh in sorted(by_month.items())
    ]
    depot_y2 = [
        {
            **line,
            "id": f"DEPOT-ELEC-{YEAR_TWO}-{m:02d}",
            "quantity": num(Decimal(line["quantity"]) * Decimal("0.97"), 0),
            "date": _month_end(YEAR_TWO, m),
            "note": line["note"] + "; LED retrofit",
        }
        for m, line in enumerate(others[:12], start=1)
    ]
    cars_y2 = {**others[-1], "id": f"COMPANY-CARS-{YEAR_TWO}"}
    sc.carrier_lines_y2 = y2_trips + charging + depot_y2 + [cars_y2]

    # the carrier's year-two intensity as disclosed: diesel TTW + charging (market-based, 0)
    y2_probe = _envelope("footprint", "probe", carrier, YEAR_TWO, standard, "AR6")
    y2_probe["boundary"] = _boundary([1, 2])
    y2_probe["lines"] = y2_trips
    y2_ttw = compute(parse_claim(declare_footprint(y2_probe, standard)), standard).scope1
    intensity_y2 = y2_ttw / total_tkm
    sc.shipper_factor_y2 = _intensity_factor(
        YEAR_TWO, intensity_y2, f"华东快运 {YEAR_TWO} fleet disclosure (diesel TTW; e-trucks "
        "on certified green electricity)"
    )  # fmt: skip
    sc.shipper_lines_y2 = [
        _transport_line(t, s, YEAR_TWO, sc.shipper_factor_y2["id"], pair_salt)
        for t, s in fleet.shipments
        if s.customer == "shipper"
    ] + [
        {
            **site_share,
            "id": f"CAT4-LINGANG-WAREHOUSE-{YEAR_TWO}",
            "shipment_ref": sc.site_ref(YEAR_TWO),
        }
    ]
    return sc
