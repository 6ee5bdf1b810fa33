"""PACT v2.3 views of the ledger's v3 footprints (pure), for partners and iLEAP on v2.

The ledger stores and anchors the v3 footprint; ``/2/footprints`` serves this derived view
(the spec's v2.3 data model, facts from ``data-exchange-protocol/2.3/openapi.yaml``; schema
ours). The anchor extension is carried along, but its hash is the v3 document's: verify a
footprint with ``GET /3/footprints/{id}`` (docs/pact.md).

Mapping where v2.3 has no direct counterpart: ``productCategoryCpc`` from a
``urn:pact:productclassification:un-cpc:<code>`` classification (else ``"n/a"``);
``characterizationFactors`` AR6 when listed (else AR5); ``crossSectoralStandardsUsed`` (a
closed, deprecated but required enum) from ISO14067 / ISO14040-44 / GHGP-Product, else
``"GHG Protocol Product standard"`` with the v3 list kept in ``crossSectoralStandards``;
numbers the v2 model has as JSON numbers (``exemptedEmissionsPercent``, ``primaryDataShare``)
become numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from carbonledger.pact.schema import DATA_MODEL_EXTENSION, DATE_TIME, DECLARED_UNITS, DRAFT, URN

SPEC_VERSION: Final = "2.3.0"
EVENT_TYPES: Final = {
    "published": "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
    "request_created": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
    "request_fulfilled": "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
    "request_rejected": "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
}
_CPC = "urn:pact:productclassification:un-cpc:"
_STANDARDS = {
    "ISO14067": "ISO Standard 14067",
    "ISO14040-44": "ISO Standard 14044",
    "GHGP-Product": "GHG Protocol Product standard",
}
_DEC = {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}

PRODUCT_FOOTPRINT_V2: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "title": "PACT v2.3 ProductFootprint (CarbonLedger's schema, from the spec's facts)",
    "type": "object",
    "required": [
        "id",
        "specVersion",
        "version",
        "created",
        "status",
        "comment",
        "companyName",
        "companyIds",
        "productDescription",
        "productIds",
        "productCategoryCpc",
        "productNameCompany",
        "pcf",
    ],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "specVersion": {"type": "string", "pattern": r"^2\.\d+\.\d+(-\d{8})?$"},
        "precedingPfIds": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "version": {"type": "integer", "minimum": 0},
        "created": DATE_TIME,
        "status": {"type": "string", "enum": ["Active", "Deprecated"]},
        "companyName": {"type": "string", "minLength": 1},
        "companyIds": {"type": "array", "minItems": 1, "items": URN},
        "productDescription": {"type": "string"},
        "productIds": {"type": "array", "minItems": 1, "items": URN},
        "productCategoryCpc": {"type": "string", "minLength": 1},
        "productNameCompany": {"type": "string", "minLength": 1},
        "comment": {"type": "string"},
        "pcf": {
            "type": "object",
            "required": [
                "declaredUnit",
                "unitaryProductAmount",
                "referencePeriodStart",
                "referencePeriodEnd",
                "pCfExcludingBiogenic",
                "fossilGhgEmissions",
                "fossilCarbonContent",
                "biogenicCarbonContent",
                "characterizationFactors",
                "ipccCharacterizationFactorsSources",
                "crossSectoralStandardsUsed",
                "boundaryProcessesDescription",
                "exemptedEmissionsPercent",
                "exemptedEmissionsDescription",
                "packagingEmissionsIncluded",
            ],
            "properties": {
                "declaredUnit": {"type": "string", "enum": list(DECLARED_UNITS)},
                "unitaryProductAmount": _DEC,
                "pCfExcludingBiogenic": _DEC,
                "pCfIncludingBiogenic": _DEC,
                "fossilGhgEmissions": _DEC,
                "fossilCarbonContent": _DEC,
                "biogenicCarbonContent": _DEC,
                "characterizationFactors": {"type": "string", "enum": ["AR6", "AR5"]},
                "ipccCharacterizationFactorsSources": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": r"^AR\d+$"},
                },
                "crossSectoralStandardsUsed": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "enum": sorted(set(_STANDARDS.values()))},
                },
                "boundaryProcessesDescription": {"type": "string"},
                "referencePeriodStart": DATE_TIME,
                "referencePeriodEnd": DATE_TIME,
                "exemptedEmissionsPercent": {"type": "number", "minimum": 0, "maximum": 100},
                "exemptedEmissionsDescription": {"type": "string"},
                "packagingEmissionsIncluded": {"type": "boolean"},
                "primaryDataShare": {"type": "number", "minimum": 0, "maximum": 100},
            },
        },
        "extensions": {"type": "array", "items": DATA_MODEL_EXTENSION},
    },
}

LIST_RESPONSE_V2: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "array", "items": PRODUCT_FOOTPRINT_V2}},
}


def _number(value: str) -> int | float:
    d = Decimal(value)
    return int(d) if d == d.to_integral_value() else float(d)


def to_v2(pf: Mapping[str, Any], version: int = 0) -> dict[str, Any]:
    """The PACT v2.3 view of a v3 footprint (see the module docstring)."""
    pcf = pf["pcf"]
    cpc = next(
        (c[len(_CPC) :] for c in pf.get("productClassifications", []) if c.startswith(_CPC)),
        "n/a",
    )
    used = sorted({_STANDARDS[s] for s in pcf["crossSectoralStandards"] if s in _STANDARDS})
    out_pcf: dict[str, Any] = {
        "declaredUnit": pcf["declaredUnitOfMeasurement"],
        "unitaryProductAmount": pcf["declaredUnitAmount"],
        "productMassPerDeclaredUnit": pcf["productMassPerDeclaredUnit"],
        "pCfExcludingBiogenic": pcf["pcfExcludingBiogenicUptake"],
        "pCfIncludingBiogenic": pcf["pcfIncludingBiogenicUptake"],
        "fossilGhgEmissions": pcf["fossilGhgEmissions"],
        "fossilCarbonContent": pcf["fossilCarbonContent"],
        "biogenicCarbonContent": pcf.get("biogenicCarbonContent", "0"),
        "characterizationFactors": "AR6" if "AR6" in pcf["ipccCharacterizationFactors"] else "AR5",
        "ipccCharacterizationFactorsSources": list(pcf["ipccCharacterizationFactors"]),
        "crossSectoralStandardsUsed": used or ["GHG Protocol Product standard"],
        "crossSectoralStandards": list(pcf["crossSectoralStandards"]),
        "boundaryProcessesDescription": pcf.get("boundaryProcessesDescription", ""),
        "referencePeriodStart": pcf["referencePeriodStart"],
        "referencePeriodEnd": pcf["referencePeriodEnd"],
        "exemptedEmissionsPercent": _number(pcf["exemptedEmissionsPercent"]),
        "exemptedEmissionsDescription": pcf.get("exemptedEmissionsDescription", ""),
        "packagingEmissionsIncluded": bool(pcf.get("packagingEmissionsIncluded", False)),
    }
    for key in (
        "geographyCountry",
        "geographyCountrySubdivision",
        "geographyRegionOrSubregion",
        "secondaryEmissionFactorSources",
        "allocationRulesDescription",
        "packagingGhgEmissions",
        "aircraftGhgEmissions",
    ):
        if key in pcf:
            out_pcf[key] = pcf[key]
    if "primaryDataShare" in pcf:
        out_pcf["primaryDataShare"] = _number(pcf["primaryDataShare"])
    out: dict[str, Any] = {
        "id": pf["id"],
        "specVersion": SPEC_VERSION,
        "version": version,
        "created": pf["created"],
        "status": pf["status"],
        "companyName": pf["companyName"],
        "companyIds": list(pf["companyIds"]),
        "productDescription": pf["productDescription"],
        "productIds": list(pf["productIds"]),
        "productCategoryCpc": cpc,
        "productNameCompany": pf["productNameCompany"],
        "comment": pf.get("comment", ""),
        "pcf": out_pcf,
    }
    for key in ("precedingPfIds", "validityPeriodStart", "validityPeriodEnd"):
        if key in pf:
            out[key] = pf[key]
    if "productClassifications" in pf:
        out["productClassifications"] = list(pf["productClassifications"])
    if pf.get("extensions"):
        out["extensions"] = list(pf["extensions"])
    return out
