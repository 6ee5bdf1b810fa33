"""JSON Schemas of the PACT v3 data model and API bodies, and of CarbonLedger's extension.

These are **our own** schemas, written from the facts of the PACT Technical Specifications
v3.0.3 (WBCSD, ``data-exchange-protocol/3.0.3``: ``ProductFootprint``, ``CarbonFootprint``,
``Error``, the CloudEvents of § 5.8). The WBCSD licence of the published OpenAPI document
allows only unaltered reproductions of the whole document, so no part of it is copied here:
property names, required lists, enums and decimal patterns are facts of the specification;
the schema text is ours. Optional properties we do not use are admitted unchecked except for
their decimal type where the spec gives one.
"""

from __future__ import annotations

from typing import Any, Final

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"

# Decimal strings (PACT v3 § 4: "Decimal", "PositiveOrZeroDecimal", ...).
DECIMAL: Final = {"type": "string", "pattern": r"^[+-]?\d+(\.\d+)?$"}
NON_NEGATIVE: Final = {"type": "string", "pattern": r"^[+]?\d+(\.\d+)?$"}
NON_POSITIVE: Final = {"type": "string", "pattern": r"^(-\d+(\.\d+)?|0+(\.0+)?)$"}
POSITIVE: Final = {"type": "string", "pattern": r"^[+]?(0*[1-9]\d*(\.\d+)?|0+\.\d*[1-9]\d*)$"}
URN: Final = {"type": "string", "pattern": "^[uU][rR][nN]:"}
DATE_TIME: Final = {"type": "string", "format": "date-time"}
UUID: Final = {"type": "string", "format": "uuid"}


def _urns() -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "uniqueItems": True, "items": URN}


DECLARED_UNITS: Final = (
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
    "piece",
    "hour",
    "megabit second",
)

CARBON_FOOTPRINT: Final[dict[str, Any]] = {
    "type": "object",
    "required": [
        "declaredUnitOfMeasurement",
        "declaredUnitAmount",
        "productMassPerDeclaredUnit",
        "referencePeriodStart",
        "referencePeriodEnd",
        "pcfExcludingBiogenicUptake",
        "pcfIncludingBiogenicUptake",
        "fossilGhgEmissions",
        "fossilCarbonContent",
        "ipccCharacterizationFactors",
        "crossSectoralStandards",
        "exemptedEmissionsPercent",
    ],
    "properties": {
        "declaredUnitOfMeasurement": {"type": "string", "enum": list(DECLARED_UNITS)},
        "declaredUnitAmount": POSITIVE,
        "productMassPerDeclaredUnit": DECIMAL,
        "referencePeriodStart": DATE_TIME,
        "referencePeriodEnd": DATE_TIME,
        "geographyCountry": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "geographyCountrySubdivision": {"type": "string", "pattern": "^[A-Z]{2}-[A-Z0-9]{1,3}$"},
        "geographyRegionOrSubregion": {"type": "string"},
        "boundaryProcessesDescription": {"type": "string"},
        "pcfExcludingBiogenicUptake": DECIMAL,
        "pcfIncludingBiogenicUptake": DECIMAL,
        "fossilGhgEmissions": NON_NEGATIVE,
        "fossilCarbonContent": NON_NEGATIVE,
        "biogenicCarbonContent": NON_NEGATIVE,
        "recycledCarbonContent": NON_NEGATIVE,
        "landUseChangeGhgEmissions": NON_NEGATIVE,
        "landCarbonLeakage": NON_NEGATIVE,
        "landManagementFossilGhgEmissions": NON_NEGATIVE,
        "landManagementBiogenicCO2Emissions": NON_NEGATIVE,
        "landManagementBiogenicCO2Removals": NON_POSITIVE,
        "biogenicCO2Uptake": NON_POSITIVE,
        "biogenicNonCO2Emissions": NON_NEGATIVE,
        "landAreaOccupation": NON_NEGATIVE,
        "aircraftGhgEmissions": NON_NEGATIVE,
        "packagingEmissionsIncluded": {"type": "boolean"},
        "packagingGhgEmissions": NON_NEGATIVE,
        "packagingBiogenicCarbonContent": NON_NEGATIVE,
        "outboundLogisticsGhgEmissions": NON_NEGATIVE,
        "ccsTechnologicalCO2CaptureIncluded": {"type": "boolean"},
        "ccsTechnologicalCO2Capture": NON_POSITIVE,
        "technologicalCO2CaptureOrigin": {"type": "string"},
        "technologicalCO2Removals": NON_POSITIVE,
        "ccuCarbonContent": NON_NEGATIVE,
        "ccuCalculationApproach": {"type": "string", "enum": ["Cut-off", "Credit"]},
        "ccuCreditCertification": {"type": "string"},
        "ipccCharacterizationFactors": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": r"^AR\d+$"},
        },
        "crossSectoralStandards": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1},
        },
        "productOrSectorSpecificRules": {"type": "array"},
        "exemptedEmissionsPercent": DECIMAL,
        "exemptedEmissionsDescription": {"type": "string"},
        "allocationRulesDescription": {"type": "string"},
        "secondaryEmissionFactorSources": {"type": "array", "minItems": 1},
        "primaryDataShare": DECIMAL,
        "dqi": {"type": "object"},
        "verification": {"type": "object"},
    },
}

DATA_MODEL_EXTENSION: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["specVersion", "dataSchema", "data"],
    "properties": {
        "specVersion": {"type": "string"},
        "dataSchema": {"type": "string", "format": "uri"},
        "documentation": {"type": "string", "format": "uri"},
        "data": {"type": "object"},
    },
}

PRODUCT_FOOTPRINT: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "title": "PACT v3 ProductFootprint (CarbonLedger's schema, from the spec's facts)",
    "type": "object",
    "required": [
        "id",
        "specVersion",
        "created",
        "status",
        "companyName",
        "companyIds",
        "productDescription",
        "productIds",
        "productNameCompany",
        "pcf",
    ],
    "properties": {
        "id": UUID,
        "specVersion": {"type": "string", "pattern": r"^\d+\.\d+\.\d+(-\d{8})?$"},
        "precedingPfIds": {"type": "array", "minItems": 1, "uniqueItems": True, "items": UUID},
        "created": DATE_TIME,
        "status": {"type": "string", "enum": ["Active", "Deprecated"]},
        "validityPeriodStart": DATE_TIME,
        "validityPeriodEnd": DATE_TIME,
        "companyName": {"type": "string", "minLength": 1},
        "companyIds": _urns(),
        "productDescription": {"type": "string"},
        "productIds": _urns(),
        "productClassifications": _urns(),
        "productNameCompany": {"type": "string", "minLength": 1},
        "comment": {"type": "string"},
        "pcf": CARBON_FOOTPRINT,
        "extensions": {"type": "array", "items": DATA_MODEL_EXTENSION},
    },
}

ERROR: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {
            "type": "string",
            "enum": [
                "BadRequest",
                "AccessDenied",
                "TokenExpired",
                "NotFound",
                "NoSuchFootprint",
                "InternalError",
                "NotImplemented",
            ],
        },
        "message": {"type": "string"},
    },
}

LIST_RESPONSE: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "array", "items": PRODUCT_FOOTPRINT}},
}

SINGLE_RESPONSE: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "type": "object",
    "required": ["data"],
    "properties": {"data": PRODUCT_FOOTPRINT},
}

TOKEN_RESPONSE: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "type": "object",
    "required": ["access_token", "token_type"],
    "properties": {
        "access_token": {"type": "string", "minLength": 1},
        "token_type": {"type": "string", "pattern": "^[Bb]earer$"},
        "expires_in": {"type": "integer", "minimum": 1},
    },
}

EVENT_TYPES: Final = {
    "published": "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
    "request_created": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
    "request_fulfilled": "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
    "request_rejected": "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
}

CLOUD_EVENT: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "type": "object",
    "required": ["type", "specversion", "id", "source", "time", "data"],
    "properties": {
        "type": {"type": "string", "enum": list(EVENT_TYPES.values())},
        "specversion": {"type": "string", "minLength": 1},
        "id": {"type": "string", "minLength": 1},
        "source": {"type": "string", "minLength": 1},
        "time": DATE_TIME,
        "data": {"type": "object"},
    },
}

# --- CarbonLedger's verifiable data-model extension ------------------------------------------
EXTENSION_SPEC_VERSION: Final = "2.0.0"  # the PACT data-model-extension spec version used
EXTENSION_SCHEMA_PATH: Final = "/pact/extensions/carbonledger-anchor/1.0.0/schema.json"
EXTENSION_DOC_PATH: Final = "/pact/extensions/carbonledger-anchor/1.0.0/"

_BYTES32 = {"type": "string", "pattern": "^0x[0-9a-f]{64}$"}
_ADDRESS = {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}

ANCHOR_EXTENSION_DATA: Final[dict[str, Any]] = {
    "$schema": DRAFT,
    "title": "CarbonLedger anchor: where this ProductFootprint is anchored on chain",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "claimId",
        "documentHash",
        "firm",
        "chainId",
        "contract",
        "transaction",
        "blockNumber",
        "verification",
    ],
    "properties": {
        "claimId": _BYTES32,
        "documentHash": _BYTES32,
        "firm": _ADDRESS,
        "chainId": {"type": "integer", "minimum": 1},
        "contract": _ADDRESS,
        "transaction": _BYTES32,
        "blockNumber": {"type": "integer", "minimum": 0},
        "supersedes": _BYTES32,
        "derivedFrom": {"type": "array", "items": _BYTES32},
        "verification": {"type": "string", "format": "uri"},
    },
}
