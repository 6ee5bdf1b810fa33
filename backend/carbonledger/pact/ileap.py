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
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from carbonledger.standard import Standard
from carbonledger.standard.models import Claim
from carbonledger.standard.numbers import fmt
from carbonledger.standard.transport import Element, shipment_footprint

ILEAP_SCHEMA: Final = "https://api.ileap.sine.dev/shipment-footprint.json"
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


def shipment_product_footprint(
    claim: Claim,
    standard: Standard,
    shipment_ref: str,
    *,
    shipment_id: str,
    company_name: str,
    company_ids: Sequence[str],
    pf_id: str | None = None,
    created: dt.datetime | None = None,
) -> dict[str, Any]:
    """A PACT v3 ProductFootprint carrying the shipment's iLEAP ShipmentFootprint."""
    data = shipment_data(claim, standard, shipment_ref, shipment_id)
    tkm = sum((Decimal(t["transportActivity"]) for t in data["tces"]), Decimal(0))
    wtw = sum((Decimal(t["co2eWTW"]) for t in data["tces"]), Decimal(0))
    if tkm <= 0:
        raise ShipmentFootprintError(f"shipment {shipment_id}: no transport activity (tkm)")
    start = dt.datetime.fromisoformat(str(claim.period.start)).replace(tzinfo=dt.UTC)
    end = dt.datetime.fromisoformat(str(claim.period.end)).replace(tzinfo=dt.UTC) + dt.timedelta(
        days=1
    )
    when = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": pf_id or str(uuid.uuid4()),
        "specVersion": "3.0.0",
        "created": when,
        "status": "Active",
        "companyName": company_name,
        "companyIds": list(company_ids),
        "productDescription": f"Logistics emissions of shipment {shipment_id}",
        "productIds": [f"urn:pathfinder:product:customcode:vendor-assigned:shipment:{shipment_id}"],
        "productClassifications": [LOGISTICS_CPC],
        "productNameCompany": f"Shipment {shipment_id}",
        "pcf": {
            "declaredUnitOfMeasurement": "ton kilometer",
            "declaredUnitAmount": _dec(tkm),
            "productMassPerDeclaredUnit": data["mass"],
            "referencePeriodStart": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "referencePeriodEnd": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "boundaryProcessesDescription": (
                "ISO 14083 / GLEC Framework well-to-wheel CO2e of the shipment's transport "
                f"chain, computed by the CarbonLedger unified standard {standard.version_id}"
            ),
            "pcfExcludingBiogenicUptake": _dec(wtw),
            "pcfIncludingBiogenicUptake": _dec(wtw),
            "fossilGhgEmissions": _dec(wtw),
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
                "dataSchema": ILEAP_SCHEMA,
                "documentation": ILEAP_DOCS,
                "data": data,
            }
        ],
    }


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
