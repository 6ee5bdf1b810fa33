"""iLEAP shipment footprints as PACT v3 ProductFootprints (pure).

From a carrier's (or a logistics service provider's) claim, the unified standard computes one
shipment's transport chain (:func:`carbonledger.standard.transport.shipment_footprint`: legs
and hubs in document order, tkm, TTW/WTT/WTW); this module maps it to the iLEAP data model
(SINE Foundation, iLEAP extension v1.0.0, ``ShipmentFootprint`` and ``TCE``) and wraps it in a
PACT ``ProductFootprint`` as the iLEAP spec's PACT-integration table says, transposed to PACT
v3 property names:

* ``productIds``: ``urn:pathfinder:product:customcode:vendor-assigned:shipment:<id>``;
  classification ``urn:pact:productclassification:un-cpc:83117`` (logistics services);
* ``declaredUnitOfMeasurement`` "ton kilometer", ``declaredUnitAmount`` = the shipment's tkm,
  ``productMassPerDeclaredUnit`` = its mass (kg), ``pcfExcludingBiogenicUptake`` =
  ``fossilGhgEmissions`` = the sum of the TCEs' ``co2eWTW`` (the iLEAP mapping puts the
  shipment total there), ``fossilCarbonContent`` "0", ``packagingEmissionsIncluded`` false;
* the extension: ``specVersion`` "2.0.0", ``dataSchema``
  ``https://api.ileap.sine.dev/shipment-footprint.json``, ``data`` = the ShipmentFootprint.

Each TCE carries ``tceId`` (the claim line id, with ``#n`` for a trip's share), ``prevTceIds``
(the previous element in document order), ``tocId``/``hocId``, ``shipmentId``, ``mass`` (kg),
``distance`` (``actual``/``sfd``/``gcd`` by the line's distance basis), ``transportActivity``
(tkm), ``co2eWTW`` and ``co2eTTW`` (kgCO2e). iLEAP requires both figures: a leg whose WTW or
TTW is unknown (a TTW factor without WTT, or a WTW-only intensity) is refused with its line.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, NotRequired, TypedDict, Unpack

from carbonledger.standard import Standard
from carbonledger.standard.models import Claim
from carbonledger.standard.numbers import fmt
from carbonledger.standard.transport import (
    Aggregate,
    Element,
    shipment_footprint,
    transport_activity,
)

ILEAP_SCHEMA: Final = "https://api.ileap.sine.dev/shipment-footprint.json"
TOC_SCHEMA: Final = "https://api.ileap.sine.dev/toc.json"
HOC_SCHEMA: Final = "https://api.ileap.sine.dev/hoc.json"
ILEAP_MODES: Final = {
    "road": "Road",
    "rail": "Rail",
    "air": "Air",
    "sea": "Sea",
    "inland_waterway": "InlandWaterway",
}
HUB_TYPES: Final = (
    "Transshipment",
    "StorageAndTransshipment",
    "Warehouse",
    "LiquidBulkTerminal",
    "MaritimeContainerTerminal",
)
_VENDOR = "urn:pathfinder:product:customcode:vendor-assigned:"
ILEAP_DOCS: Final = "https://sine-fdn.github.io/ileap-extension/"
LOGISTICS_CPC: Final = "urn:pact:productclassification:un-cpc:83117"
_BASIS = {"actual": "actual", "shortest_feasible": "sfd", "great_circle": "gcd"}
_EXACT = Decimal("0.000001")


class ShipmentFootprintError(ValueError):
    """The shipment cannot be published as an iLEAP footprint (the message names the leg)."""


def _dec(value: Decimal) -> str:
    return fmt(value.quantize(_EXACT).normalize()) if value != 0 else "0"


def _tce(element: Element, shipment_id: str, tce_id: str, prev: list[str]) -> dict[str, Any]:
    if element.wtw is None or element.ttw is None:
        raise ShipmentFootprintError(
            f"line {element.line_id}: iLEAP needs both WTW and TTW emissions; this leg has "
            f"WTW {element.wtw} and TTW {element.ttw} (give a WTT factor with a TTW one)"
        )
    tce: dict[str, Any] = {"tceId": tce_id, "prevTceIds": prev, "shipmentId": shipment_id}
    if element.is_hub:
        tce["hocId"] = element.category_id
        mass = element.throughput_t or Decimal(0)
        tce.update(distance={"actual": "0"}, transportActivity="0")
    else:
        if element.tkm is None or element.mass_t is None or element.distance_km is None:
            raise ShipmentFootprintError(
                f"line {element.line_id}: a TEU-based leg has no tonne-km; iLEAP needs its mass"
            )
        tce["tocId"] = element.category_id
        mass = element.mass_t
        basis = _BASIS.get(element.distance_basis or "actual", "actual")
        tce.update(distance={basis: _dec(element.distance_km)}, transportActivity=_dec(element.tkm))
    tce.update(
        mass=_dec(mass * 1000),
        co2eWTW=_dec(element.wtw),
        co2eTTW=_dec(element.ttw),
    )
    return tce


def shipment_data(
    claim: Claim, standard: Standard, shipment_ref: str, shipment_id: str
) -> dict[str, Any]:
    """The iLEAP ``ShipmentFootprint`` of one shipment of ``claim``."""
    shipment = shipment_footprint(claim, standard, shipment_ref)
    tces: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    prev: list[str] = []
    for element in shipment.elements:
        n = seen[element.line_id] = seen.get(element.line_id, 0) + 1
        tce_id = element.line_id if n == 1 else f"{element.line_id}#{n}"
        tces.append(_tce(element, shipment_id, tce_id, prev))
        prev = [tce_id]
    legs = [e for e in shipment.elements if not e.is_hub]
    mass = max((e.mass_t for e in legs if e.mass_t is not None), default=Decimal(0))
    return {"mass": _dec(mass * 1000), "shipmentId": shipment_id, "tces": tces}


def _utc(day: dt.date, *, next_day: bool = False) -> str:
    when = dt.datetime.fromisoformat(str(day)).replace(tzinfo=dt.UTC)
    return (when + dt.timedelta(days=1 if next_day else 0)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Publisher(TypedDict):
    """Who publishes a footprint (``companyName``, ``companyIds``), and the footprint's id and
    creation time (a new UUID and now when not given)."""

    company_name: str
    company_ids: Sequence[str]
    pf_id: NotRequired[str | None]
    created: NotRequired[dt.datetime | None]


@dataclass(frozen=True)
class _Kind:
    """One kind of iLEAP footprint: how its product is named, the unit it declares, and the
    schema of its extension's ``data``."""

    key: str  # in the product id, ``<vendor>shipment:<id>``
    label: str  # in the product name, ``shipment <id>``
    unit: str  # ``declaredUnitOfMeasurement``
    schema_url: str


@dataclass(frozen=True)
class _Category(_Kind):
    """A TOC or HOC: a footprint of ``amount`` declared units (and as many kg), whose data
    carry the WTW and TTW intensities per ``activity_unit``."""

    amount: str
    activity_field: str  # the data's field naming ``activity_unit``
    activity_unit: str


_SHIPMENT = _Kind("shipment", "shipment", "ton kilometer", ILEAP_SCHEMA)
_TOC = _Category("toc", "TOC", "ton kilometer", TOC_SCHEMA, "1", "transportActivityUnit", "tkm")
_HOC = _Category("hoc", "HOC", "kilogram", HOC_SCHEMA, "1000", "hubActivityUnit", "tonnes")


def _logistics_footprint(
    claim: Claim,
    standard: Standard,
    kind: _Kind,
    key: str,
    pcf: tuple[str, str, str],
    data: dict[str, Any],
    publisher: Publisher,
) -> dict[str, Any]:
    """A PACT v3 footprint of logistics emissions per iLEAP's PACT-integration tables (CPC
    83117, WTW CO2e in the excluding/including/fossil figures, no packaging) with ``data`` as
    its iLEAP extension; ``pcf`` is (declared unit amount, kg per declared unit, kgCO2e)."""
    amount, mass, co2e = pcf
    name = f"{kind.label} {key}"
    when = (publisher.get("created") or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": publisher.get("pf_id") or str(uuid.uuid4()),
        "specVersion": "3.0.0",
        "created": when,
        "status": "Active",
        "companyName": publisher["company_name"],
        "companyIds": list(publisher["company_ids"]),
        "productDescription": f"Logistics emissions of {name}",
        "productIds": [f"{_VENDOR}{kind.key}:{key}"],
        "productClassifications": [LOGISTICS_CPC],
        "productNameCompany": name[:1].upper() + name[1:],
        "pcf": {
            "declaredUnitOfMeasurement": kind.unit,
            "declaredUnitAmount": amount,
            "productMassPerDeclaredUnit": mass,
            "referencePeriodStart": _utc(claim.period.start),
            "referencePeriodEnd": _utc(claim.period.end, next_day=True),
            "boundaryProcessesDescription": (
                "ISO 14083 / GLEC Framework well-to-wheel CO2e, computed by the CarbonLedger "
                f"unified standard {standard.version_id}"
            ),
            "pcfExcludingBiogenicUptake": co2e,
            "pcfIncludingBiogenicUptake": co2e,
            "fossilGhgEmissions": co2e,
            "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0",
            "packagingEmissionsIncluded": False,
            "ipccCharacterizationFactors": [claim.gwp_set],
            "crossSectoralStandards": ["ISO14083"],
            "exemptedEmissionsPercent": "0",
        },
        "extensions": [
            {
                "specVersion": "2.0.0",
                "dataSchema": kind.schema_url,
                "documentation": ILEAP_DOCS,
                "data": data,
            }
        ],
    }


def shipment_product_footprint(
    claim: Claim,
    standard: Standard,
    shipment_ref: str,
    *,
    shipment_id: str,
    **publisher: Unpack[Publisher],
) -> dict[str, Any]:
    """A PACT v3 ProductFootprint carrying the shipment's iLEAP ShipmentFootprint."""
    data = shipment_data(claim, standard, shipment_ref, shipment_id)
    tkm = sum((Decimal(t["transportActivity"]) for t in data["tces"]), Decimal(0))
    wtw = sum((Decimal(t["co2eWTW"]) for t in data["tces"]), Decimal(0))
    if tkm <= 0:
        raise ShipmentFootprintError(f"shipment {shipment_id}: no transport activity (tkm)")
    pcf = (_dec(tkm), data["mass"], _dec(wtw))
    return _logistics_footprint(claim, standard, _SHIPMENT, shipment_id, pcf, data, publisher)


def _category(claim: Claim, standard: Standard, kind: _Category, category_id: str) -> Aggregate:
    report = transport_activity(claim, standard)
    known = report.tocs if kind is _TOC else report.hocs
    found = [a for a in known if a.key == category_id]
    if not found:
        listed = ", ".join(a.key for a in known)
        raise ShipmentFootprintError(
            f"no {kind.label} {category_id!r} in this claim (it has: {listed or 'none'})"
        )
    agg = found[0]
    if agg.wtw is None or agg.ttw is None:
        raise ShipmentFootprintError(
            f"{kind.label} {category_id}: iLEAP needs both WTW and TTW intensities; a line "
            "of it has only one (give a WTT factor with a TTW one)"
        )
    return agg


def _carriers(energy_carriers: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    carriers = [dict(c) for c in energy_carriers]
    if not carriers:
        raise ShipmentFootprintError("iLEAP needs the energy carriers of a TOC or HOC")
    if sum(Decimal(c.get("relativeShare", "0")) for c in carriers) != 1:
        raise ShipmentFootprintError("the energy carriers' relative shares must add up to 1")
    return carriers


def _category_footprint(
    claim: Claim,
    standard: Standard,
    kind: _Category,
    agg: Aggregate,
    activity: Decimal,
    head: dict[str, str],
    energy_carriers: Sequence[Mapping[str, str]],
    publisher: Publisher,
) -> dict[str, Any]:
    """The footprint of the TOC or HOC ``agg``: its intensities are its emissions over
    ``activity`` (tkm or tonnes); ``head`` holds the category's own fields (mode, hub type)."""
    assert agg.wtw is not None and agg.ttw is not None  # _category checked
    wtw = _dec(agg.wtw / activity)
    data: dict[str, Any] = {
        f"{kind.key}Id": agg.key,
        **head,
        "energyCarriers": _carriers(energy_carriers),
        "co2eIntensityWTW": wtw,
        "co2eIntensityTTW": _dec(agg.ttw / activity),
        kind.activity_field: kind.activity_unit,
    }
    pcf = (kind.amount, kind.amount, wtw)
    return _logistics_footprint(claim, standard, kind, agg.key, pcf, data, publisher)


def toc_product_footprint(
    claim: Claim,
    standard: Standard,
    toc_id: str,
    *,
    energy_carriers: Sequence[Mapping[str, str]],
    **publisher: Unpack[Publisher],
) -> dict[str, Any]:
    """A PACT v3 footprint per tonne-km of one transport operation category (iLEAP TOC): the
    WTW and TTW intensities of the claim's legs of that TOC (emissions over their tkm)."""
    agg = _category(claim, standard, _TOC, toc_id)
    modes = {e.mode for e in agg.elements}
    tkm = agg.tkm
    if len(modes) != 1 or tkm is None or tkm <= 0:
        raise ShipmentFootprintError(
            f"TOC {toc_id}: one mode and a tonne-km activity are needed (modes "
            f"{sorted(str(m) for m in modes)}; TEU-based legs have no tkm)"
        )
    head = {"mode": ILEAP_MODES[str(modes.pop())]}
    return _category_footprint(claim, standard, _TOC, agg, tkm, head, energy_carriers, publisher)


def hoc_product_footprint(
    claim: Claim,
    standard: Standard,
    hoc_id: str,
    *,
    hub_type: str,
    energy_carriers: Sequence[Mapping[str, str]],
    **publisher: Unpack[Publisher],
) -> dict[str, Any]:
    """A PACT v3 footprint per tonne leaving one hub operation category (iLEAP HOC): declared
    unit kilogram, amount 1000, the WTW intensity per tonne handled."""
    if hub_type not in HUB_TYPES:
        raise ShipmentFootprintError(f"hub type {hub_type!r} is not one of {list(HUB_TYPES)}")
    agg = _category(claim, standard, _HOC, hoc_id)
    tonnes = agg.throughput_t
    if tonnes is None or tonnes <= 0:
        raise ShipmentFootprintError(f"HOC {hoc_id}: no tonnes handled")
    head = {"hubType": hub_type}
    return _category_footprint(claim, standard, _HOC, agg, tonnes, head, energy_carriers, publisher)


def _location(loc: Mapping[str, Any]) -> dict[str, str]:
    return {k: fmt(v) if isinstance(v, Decimal) else str(v) for k, v in loc.items()}


def activity_data(claim: Claim) -> tuple[list[dict[str, Any]], list[str]]:
    """The iLEAP transport activity data (TAD) of the claim's transport lines that say where
    and when they ran (rule set 3's ``origin``, ``destination``, ``departure_at``,
    ``arrival_at``), and the ids of the transport lines skipped for lack of them."""
    out: list[dict[str, Any]] = []
    skipped: list[str] = []
    for line in claim.lines:
        if line.activity != "transport":
            continue
        v = line.v
        if not all(k in v for k in ("origin", "destination", "departure_at", "arrival_at")):
            skipped.append(line.id)
            continue
        basis = _BASIS.get(v["distance_basis"], "actual")
        tad: dict[str, Any] = {
            "activityId": line.id,
            "consignmentIds": [v.get("consignment_id") or v.get("shipment_ref") or line.id],
            "distance": {basis: _dec(v["distance_km"])},
            "origin": _location(v["origin"]),
            "destination": _location(v["destination"]),
            "departureAt": v["departure_at"],
            "arrivalAt": v["arrival_at"],
            "mode": ILEAP_MODES[v["mode"]],
        }
        if v.get("mass_t") is not None:
            tad["mass"] = _dec(v["mass_t"] * 1000)
        out.append(tad)
    return out, skipped


_DEC_SCHEMA = {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}

#: iLEAP ShipmentFootprint and TCE (mandatory properties per the iLEAP spec v1.0.0; our schema).
SHIPMENT_FOOTPRINT_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["mass", "shipmentId", "tces"],
    "properties": {
        "mass": _DEC_SCHEMA,
        "volume": _DEC_SCHEMA,
        "shipmentId": {"type": "string", "minLength": 1},
        "tces": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": [
                    "tceId",
                    "shipmentId",
                    "mass",
                    "distance",
                    "transportActivity",
                    "co2eWTW",
                    "co2eTTW",
                ],
                "oneOf": [{"required": ["tocId"]}, {"required": ["hocId"]}],
                "properties": {
                    "tceId": {"type": "string", "minLength": 1},
                    "prevTceIds": {"type": "array", "items": {"type": "string"}},
                    "tocId": {"type": "string"},
                    "hocId": {"type": "string"},
                    "shipmentId": {"type": "string"},
                    "mass": _DEC_SCHEMA,
                    "distance": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": False,
                        "properties": {
                            "actual": _DEC_SCHEMA,
                            "gcd": _DEC_SCHEMA,
                            "sfd": _DEC_SCHEMA,
                        },
                    },
                    "transportActivity": _DEC_SCHEMA,
                    "co2eWTW": _DEC_SCHEMA,
                    "co2eTTW": _DEC_SCHEMA,
                },
            },
        },
    },
}

_MODE_SCHEMA = {"type": "string", "enum": list(ILEAP_MODES.values())}
_SHARE = {"type": "string", "pattern": r"^(0(\.\d+)?|1(\.0+)?)$"}
_ENERGY_CARRIERS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["energyCarrier", "relativeShare"],
        "properties": {
            "energyCarrier": {
                "type": "string",
                "enum": [
                    "Diesel",
                    "HVO",
                    "Petrol",
                    "CNG",
                    "LNG",
                    "LPG",
                    "HFO",
                    "MGO",
                    "Aviation fuel",
                    "Hydrogen",
                    "Methanol",
                    "Electric",
                ],
            },
            "relativeShare": _SHARE,
            "feedstocks": {"type": "array", "minItems": 1},
            "energyConsumption": _DEC_SCHEMA,
            "energyConsumptionUnit": {"type": "string", "enum": ["l", "kg", "kWh", "MJ"]},
            "emissionFactorWTW": _DEC_SCHEMA,
            "emissionFactorTTW": _DEC_SCHEMA,
        },
        "dependentRequired": {"energyConsumption": ["energyConsumptionUnit"]},
    },
}
_CERTIFICATIONS = {
    "type": "array",
    "minItems": 1,
    "uniqueItems": True,
    "items": {"type": "string"},
}
_TEMPERATURE = {"type": "string", "enum": ["ambient", "refrigerated", "mixed"]}

#: iLEAP TOC (iLEAP v1.0.0 § TOC data attributes; our schema of the spec's facts).
TOC_DATA_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "tocId",
        "mode",
        "energyCarriers",
        "co2eIntensityWTW",
        "co2eIntensityTTW",
        "transportActivityUnit",
    ],
    "properties": {
        "tocId": {"type": "string", "minLength": 1},
        "certifications": _CERTIFICATIONS,
        "description": {"type": "string"},
        "mode": _MODE_SCHEMA,
        "loadFactor": _DEC_SCHEMA,
        "emptyDistanceFactor": _DEC_SCHEMA,
        "temperatureControl": _TEMPERATURE,
        "truckLoadingSequence": {"type": "string", "enum": ["LTL", "FTL"]},
        "airShippingOption": {"type": "string", "enum": ["belly freight", "freighter"]},
        "flightLength": {"type": "string", "enum": ["short-haul", "long-haul"]},
        "energyCarriers": _ENERGY_CARRIERS,
        "co2eIntensityWTW": _DEC_SCHEMA,
        "co2eIntensityTTW": _DEC_SCHEMA,
        "transportActivityUnit": {"type": "string", "enum": ["tkm", "TEUkm"]},
    },
}

#: iLEAP HOC (iLEAP v1.0.0 § HOC data attributes; our schema).
HOC_DATA_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "hocId",
        "hubType",
        "energyCarriers",
        "co2eIntensityWTW",
        "co2eIntensityTTW",
        "hubActivityUnit",
    ],
    "properties": {
        "hocId": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "certifications": _CERTIFICATIONS,
        "hubType": {"type": "string", "enum": list(HUB_TYPES)},
        "temperatureControl": _TEMPERATURE,
        "hubLocation": {"type": "object"},
        "inboundTransportMode": _MODE_SCHEMA,
        "outboundTransportMode": _MODE_SCHEMA,
        "packagingOrTrEqType": {"type": "string"},
        "packagingOrTrEqAmount": {"type": "integer", "minimum": 0},
        "energyCarriers": _ENERGY_CARRIERS,
        "co2eIntensityWTW": _DEC_SCHEMA,
        "co2eIntensityTTW": _DEC_SCHEMA,
        "hubActivityUnit": {"type": "string", "enum": ["tonnes", "TEU"]},
    },
}

_LOCATION = {
    "type": "object",
    "required": ["city", "country"],
    "properties": {
        "street": {"type": "string"},
        "zip": {"type": "string"},
        "city": {"type": "string", "minLength": 1},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "iata": {"type": "string"},
        "locode": {"type": "string"},
        "uic": {"type": "string"},
        "lat": _DEC_SCHEMA,
        "lng": _DEC_SCHEMA,
    },
    "dependentRequired": {"lat": ["lng"], "lng": ["lat"]},
}
_UTC = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"}

#: iLEAP TransportActivityData (iLEAP v1.0.0 § TAD data attributes; our schema).
TAD_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "activityId",
        "consignmentIds",
        "distance",
        "origin",
        "destination",
        "departureAt",
        "arrivalAt",
        "mode",
    ],
    "properties": {
        "activityId": {"type": "string", "minLength": 1},
        "consignmentIds": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 1},
        },
        "distance": SHIPMENT_FOOTPRINT_SCHEMA["properties"]["tces"]["items"]["properties"][
            "distance"
        ],
        "mass": _DEC_SCHEMA,
        "loadFactor": _DEC_SCHEMA,
        "emptyDistanceFactor": _DEC_SCHEMA,
        "origin": _LOCATION,
        "destination": _LOCATION,
        "departureAt": _UTC,
        "arrivalAt": _UTC,
        "mode": _MODE_SCHEMA,
        "packagingOrTrEqType": {"type": "string"},
        "packagingOrTrEqAmount": {"type": "integer", "minimum": 0},
        "energyCarriers": _ENERGY_CARRIERS,
        "temperatureControl": {"type": "string", "enum": ["ambient", "refrigerated"]},
    },
}

#: the body of ``GET /2/ileap/tad``
TAD_LIST_SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "array", "items": TAD_SCHEMA}},
}
