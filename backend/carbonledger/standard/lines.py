"""Activity lines: declarative field specs, the fast validator, and their JSON Schema.

Lines are the bulk of a claim (a carrier may file 100,000+), so they are not validated by
pydantic model instances: each activity type is described once by a table of field specs
(:data:`ACTIVITY_SPECS`), from which both the fast validator (:func:`validate_lines`) and the JSON
Schema (:func:`lines_json_schema`) are produced -- one source of truth, no per-line model
overhead. A validated line is a light :class:`Line` record that keeps the raw JSON object (for
canonical bytes and Merkle leaves) plus the parsed values.

Activity types (``activity``): ``fuel``, ``trip``, ``transport``, ``electricity``, ``heat``,
``refrigerant``, ``hub``, ``storage``, ``site_share``, ``spend``, and from rule-set level 3
``purchased_goods`` (Scope 3 cat. 1: a quantity x a supplier's product footprint). See
``docs/standard.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from carbonledger.standard.errors import FieldProblem
from carbonledger.standard.numbers import DECIMAL_RE, MAX_SAFE_INT, JsonFloat

LINE_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
BYTES32_RE: Final = re.compile(r"0x[0-9a-f]{64}")
DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FACTOR_REF_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
MAX_TEXT: Final = 500

ARRANGEMENTS: Final = ("own", "purchased", "not_paid_downstream")
MODES: Final = ("road", "rail", "sea", "inland_waterway", "air")
DISTANCE_BASES: Final = ("actual", "shortest_feasible", "great_circle")
INSTRUMENTS: Final = (
    "energy_attribute_certificate",
    "green_electricity_certificate",
    "ppa",
    "supplier_specific",
    "residual_mix",
)
ALLOCATION_BASES: Final = ("throughput_t", "pallet_days", "floor_area_m2", "volume_m3_days")
DATE_TIME_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z"
)
COUNTRY_RE: Final = re.compile(r"[A-Z]{2}")
#: units a purchased quantity may be given in (a product footprint's declared unit, converted)
GOODS_UNITS: Final = ("kg", "t", "L", "m3", "kWh", "MWh", "MJ", "GJ", "m2", "piece")


class _Bad(Exception):
    """A field value is invalid (message only; the caller adds the path)."""


Validator = Callable[[Any], Any]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a line: how to validate it, whether required, its JSON Schema, its doc."""

    validate: Validator
    required: bool
    schema: Mapping[str, Any]


def _type_name(value: Any) -> str:
    if isinstance(value, (float, JsonFloat)):
        return "a binary float"
    return {
        str: "a string",
        int: "an integer",
        bool: "a boolean",
        dict: "an object",
        list: "an array",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _float_msg() -> str:
    return "binary floating-point numbers are not allowed; write the number as a JSON string"


def v_decimal(nonneg: bool = True, positive: bool = False) -> Validator:
    def check(value: Any) -> Decimal:
        if type(value) is str:
            if DECIMAL_RE.fullmatch(value) is None:
                raise _Bad(f'{value!r} is not a decimal string (e.g. "1234.5"; no exponent)')
            d = Decimal(value)
        elif type(value) is int:
            if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
                raise _Bad("integer outside the I-JSON range; write it as a decimal string")
            d = Decimal(value)
        elif isinstance(value, (float, JsonFloat)):
            raise _Bad(_float_msg())
        else:
            raise _Bad(f"expected a decimal string or integer, got {_type_name(value)}")
        if positive and d <= 0:
            raise _Bad("must be greater than zero")
        if nonneg and d < 0:
            raise _Bad("must not be negative (removals and offsets are never lines)")
        return d

    return check


def v_text(pattern: re.Pattern[str] | None = None, max_len: int = MAX_TEXT) -> Validator:
    def check(value: Any) -> str:
        if type(value) is not str:
            raise _Bad(f"expected a string, got {_type_name(value)}")
        if not value or len(value) > max_len:
            raise _Bad(f"must be 1..{max_len} characters")
        if pattern is not None and pattern.fullmatch(value) is None:
            raise _Bad(f"{value!r} does not match {pattern.pattern}")
        return value

    return check


def v_enum(options: Sequence[str]) -> Validator:
    allowed = frozenset(options)

    def check(value: Any) -> str:
        if type(value) is not str or value not in allowed:
            raise _Bad(f"must be one of {', '.join(options)}")
        return value

    return check


def v_int_range(lo: int, hi: int) -> Validator:
    def check(value: Any) -> int:
        if type(value) is not int or not lo <= value <= hi:
            if isinstance(value, (float, JsonFloat)):
                raise _Bad(_float_msg())
            raise _Bad(f"must be an integer {lo}..{hi}")
        return value

    return check


def v_date(value: Any) -> date:
    if type(value) is not str or DATE_RE.fullmatch(value) is None:
        raise _Bad("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _Bad(f"invalid date: {exc}") from exc


def _obj_schema(props: Mapping[str, FieldSpec], extra: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: dict(s.schema) for k, s in props.items()},
        "required": [k for k, s in props.items() if s.required],
        "additionalProperties": False,
        **extra,
    }


def _validate_object(
    value: Any, specs: Mapping[str, FieldSpec], path: str, problems: list[FieldProblem]
) -> dict[str, Any] | None:
    if type(value) is not dict:
        problems.append(FieldProblem(path, f"expected an object, got {_type_name(value)}"))
        return None
    out: dict[str, Any] = {}
    ok = _validate_fields(value, specs, path, problems, out, "unknown field")
    return out if ok else None


def _validate_fields(
    value: dict[str, Any],
    specs: Mapping[str, FieldSpec],
    path: str,
    problems: list[FieldProblem],
    out: dict[str, Any],
    unknown: str,
    skip: str | None = None,
) -> bool:
    """Validate the fields of the object ``value`` (at ``path``) into ``out``, every problem
    into ``problems`` (a field not in ``specs`` as ``unknown``; ``skip``, a field checked
    before); return whether all were valid and the required ones present."""
    ok = True
    for key, item in value.items():
        if key == skip:
            continue
        spec = specs.get(key)
        if spec is None:
            problems.append(FieldProblem(f"{path}.{key}", unknown))
            ok = False
            continue
        try:
            out[key] = spec.validate(item)
        except _Bad as exc:
            problems.append(FieldProblem(f"{path}.{key}", str(exc)))
            ok = False
        except _Nested as exc:
            for p in exc.problems:
                problems.append(FieldProblem(f"{path}.{key}{p.path}", p.message))
            ok = False
    for key, spec in specs.items():
        if spec.required and key not in value:
            problems.append(FieldProblem(f"{path}.{key}", "required field missing"))
            ok = False
    return ok


class _Nested(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems


def v_object(specs: Mapping[str, FieldSpec]) -> Validator:
    def check(value: Any) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        out = _validate_object(value, specs, "", problems)
        if out is None:
            raise _Nested(problems)
        return out

    return check


def v_list_of(specs: Mapping[str, FieldSpec], min_items: int, max_items: int) -> Validator:
    def check(value: Any) -> list[dict[str, Any]]:
        if type(value) is not list:
            raise _Bad(f"expected an array, got {_type_name(value)}")
        if not min_items <= len(value) <= max_items:
            raise _Bad(f"must have {min_items}..{max_items} items")
        problems: list[FieldProblem] = []
        out: list[dict[str, Any]] = []
        for i, item in enumerate(value):
            parsed = _validate_object(item, specs, f"[{i}]", problems)
            if parsed is not None:
                out.append(parsed)
        if problems:
            raise _Nested(problems)
        return out

    return check


# --- JSON Schema fragments ----------------------------------------------------------------
DEC_SCHEMA: Final = {
    "anyOf": [
        {"type": "string", "pattern": "^" + DECIMAL_RE.pattern + "$"},
        {"type": "integer", "minimum": -MAX_SAFE_INT, "maximum": MAX_SAFE_INT},
    ],
}


def _dec(required: bool, doc: str, positive: bool = False, nonneg: bool = True) -> FieldSpec:
    return FieldSpec(
        v_decimal(nonneg=nonneg, positive=positive), required, {**DEC_SCHEMA, "description": doc}
    )


def _enum(options: Sequence[str], required: bool, doc: str) -> FieldSpec:
    return FieldSpec(v_enum(options), required, {"enum": list(options), "description": doc})


def _factor(required: bool, doc: str) -> FieldSpec:
    return FieldSpec(
        v_text(FACTOR_REF_RE, 128),
        required,
        {"type": "string", "pattern": "^" + FACTOR_REF_RE.pattern + "$", "description": doc},
    )


def _text(required: bool, doc: str, pattern: re.Pattern[str] | None = None) -> FieldSpec:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
    if pattern is not None:
        schema["pattern"] = "^" + pattern.pattern + "$"
    return FieldSpec(v_text(pattern), required, {**schema, "description": doc})


def _bytes32(required: bool, doc: str) -> FieldSpec:
    return FieldSpec(
        v_text(BYTES32_RE, 66),
        required,
        {"type": "string", "pattern": "^" + BYTES32_RE.pattern + "$", "description": doc},
    )


COMMON: Final[dict[str, FieldSpec]] = {
    "id": FieldSpec(
        v_text(LINE_ID_RE, 64),
        True,
        {
            "type": "string",
            "pattern": "^" + LINE_ID_RE.pattern + "$",
            "description": "stable line id, unique in the claim (disclosed with Merkle proofs)",
        },
    ),
    "scope": FieldSpec(
        v_int_range(1, 3), True, {"type": "integer", "enum": [1, 2, 3], "description": "scope"}
    ),
    "category": FieldSpec(
        v_int_range(1, 15),
        False,
        {
            "type": "integer",
            "minimum": 1,
            "maximum": 15,
            "description": "Scope 3 category number (only and always with scope 3)",
        },
    ),
    "declared_kgco2e": _dec(
        False, "the line's emissions as computed by the filer (kgCO2e), checked by CALC001"
    ),
    "date": FieldSpec(
        v_date,
        False,
        {"type": "string", "format": "date", "description": "date of the activity (in period)"},
    ),
    "note": _text(False, "free text"),
}

_QTY = _dec(True, "activity quantity in `unit`")
_WTT = _factor(False, "well-to-tank factor id (WTW = TTW + WTT)")
_ARR = _enum(
    ARRANGEMENTS,
    True,
    "who owns or pays: own -> scope 1/2; purchased -> Scope 3 cat. 4; "
    "not_paid_downstream -> Scope 3 cat. 9",
)
_SHIP = _bytes32(False, "keccak-256 reference of the shipment (0x + 64 hex), to match partners")
_DENSITY = _dec(
    False, "fuel density in kg/L, when the quantity's unit and the factor's differ (UNIT002)", True
)


def _list_of(specs: Mapping[str, FieldSpec], doc: str) -> FieldSpec:
    """A required array of 1..10,000 objects of ``specs``."""
    return FieldSpec(
        v_list_of(specs, 1, 10_000),
        True,
        {
            "type": "array",
            "minItems": 1,
            "maxItems": 10_000,
            "items": _obj_schema(specs, {}),
            "description": doc,
        },
    )


_TOC = _text(
    False,
    "transport operation category id (ISO 14083 TOC); defaults to the mode (e.g. road)",
    LINE_ID_RE,
)
_DECLARED_TKM = _dec(
    False,
    "transport activity as computed by the filer (tonne-km = mass_t x distance_km, after the "
    "air great-circle uplift), checked by TRN004",
)
SHIPMENT_SPECS: Final[dict[str, FieldSpec]] = {
    "shipment_ref": _bytes32(True, "shipment reference hash"),
    "mass_t": _dec(True, "shipment mass in tonnes"),
    "distance_km": _dec(True, "distance the shipment travelled on this trip (km)"),
    "distance_basis": _enum(
        DISTANCE_BASES, False, "how distance_km was obtained (defaults to actual)"
    ),
    "declared_tkm": _DECLARED_TKM,
}
SITE_CUSTOMER_SPECS: Final[dict[str, FieldSpec]] = {
    "shipment_ref": _bytes32(
        True,
        "salted reference the operator and this customer agreed for the customer's goods at "
        "the site (the customer's site_share or storage line carries the same)",
    ),
    "amount": _dec(True, "this customer's amount of the allocation basis"),
}
SITE_ALLOCATION_SPECS: Final[dict[str, FieldSpec]] = {
    "allocation_basis": _enum(ALLOCATION_BASES, True, "what the amounts measure"),
    "site_amount": _dec(True, "the whole site's amount of the basis", positive=True),
    "customers": _list_of(
        SITE_CUSTOMER_SPECS, "customers' amounts; together at most the site's amount"
    ),
}
_SITE_ALLOCATION = FieldSpec(
    v_object(SITE_ALLOCATION_SPECS),
    False,
    {
        **_obj_schema(SITE_ALLOCATION_SPECS, {}),
        "description": "a site operator's allocation of this site energy to its customers "
        "(to match their site_share lines; does not change the line's figures)",
    },
)
_CUSTOMER_SHIP = _bytes32(
    False,
    "salted reference agreed with the site operator (0x + 64 hex), to match its site_allocation",
)

#: where a transport leg starts or ends (the iLEAP ``Location``: city and ISO 3166-1 alpha-2
#: country required; street, zip, UN/LOCODE, IATA, UIC code, latitude/longitude optional)
LOCATION_SPECS: Final[dict[str, FieldSpec]] = {
    "city": _text(True, "city"),
    "country": _text(True, "ISO 3166-1 alpha-2 country code", COUNTRY_RE),
    "street": _text(False, "street"),
    "zip": _text(False, "postal code"),
    "locode": _text(False, "UN/LOCODE"),
    "iata": _text(False, "IATA airport code (air legs)"),
    "uic": _text(False, "UIC station code (rail legs)"),
    "lat": _dec(False, "latitude (with lng)", nonneg=False),
    "lng": _dec(False, "longitude (with lat)", nonneg=False),
}


def _location(doc: str) -> FieldSpec:
    return FieldSpec(
        v_object(LOCATION_SPECS), False, {**_obj_schema(LOCATION_SPECS, {}), "description": doc}
    )


def _timestamp(doc: str) -> FieldSpec:
    return _text(False, doc + " (UTC, ISO 8601: 2024-05-01T08:00:00Z)", DATE_TIME_RE)


MARKET_SPECS: Final[dict[str, FieldSpec]] = {
    "instrument": _enum(INSTRUMENTS, True, "contractual instrument claimed"),
    "factor_id": _factor(True, "factor of the instrument (e.g. 0 for certified renewables)"),
    "certificate_ref": _text(False, "certificate / contract reference"),
}

ACTIVITY_SPECS: Final[dict[str, dict[str, FieldSpec]]] = {
    "fuel": {
        "quantity": _QTY,
        "unit": _enum(("L", "m3", "kg", "t", "kWh", "MWh", "GJ", "MJ"), True, "quantity unit"),
        "factor_id": _factor(True, "fuel combustion (TTW) factor id"),
        "wtt_factor_id": _WTT,
        "density_kg_per_l": _DENSITY,
        "arrangement": _enum(ARRANGEMENTS, False, "defaults to own (scope 1)"),
        "shipment_ref": _SHIP,
        "site_allocation": _SITE_ALLOCATION,
    },
    "trip": {
        "quantity": _QTY,
        "unit": _enum(("L", "m3", "kg", "t"), True, "fuel quantity unit"),
        "factor_id": _factor(True, "fuel combustion (TTW) factor id"),
        "wtt_factor_id": _WTT,
        "density_kg_per_l": _DENSITY,
        "arrangement": _ARR,
        "vehicle": _text(False, "vehicle id or plate"),
        "mode": _enum(MODES, False, "transport mode of the trip (defaults to road)"),
        "toc_id": _TOC,
        "shipments": _list_of(
            SHIPMENT_SPECS,
            "shipments on the trip; the trip's emissions are allocated among them by tonne-km",
        ),
    },
    "transport": {
        "mode": _enum(MODES, True, "transport mode"),
        "mass_t": _dec(False, "shipment mass in tonnes (or give teu)"),
        "teu": _dec(False, "containers in TEU (instead of mass_t)"),
        "distance_km": _dec(True, "distance in km"),
        "distance_basis": _enum(
            DISTANCE_BASES, True, "actual, shortest_feasible, or great_circle (+95 km for air)"
        ),
        "factor_id": _factor(True, "intensity factor (kgCO2e/tkm or /TEUkm), TTW or WTW"),
        "wtt_factor_id": _WTT,
        "arrangement": _ARR,
        "shipment_ref": _SHIP,
        "toc_id": _TOC,
        "declared_tkm": _DECLARED_TKM,
        # transport activity data (iLEAP TAD): where and when the leg ran
        "origin": _location("where the leg started"),
        "destination": _location("where the leg ended"),
        "departure_at": _timestamp("departure"),
        "arrival_at": _timestamp("arrival"),
        "consignment_id": _text(False, "the consignment's id as shared with the customer"),
    },
    "electricity": {
        "quantity": _QTY,
        "unit": _enum(("kWh", "MWh"), True, "quantity unit"),
        "factor_id": _factor(True, "location-based grid factor id"),
        "market": FieldSpec(
            v_object(MARKET_SPECS),
            False,
            {
                **_obj_schema(MARKET_SPECS, {}),
                "description": "contractual instrument for the market-based figure",
            },
        ),
        "td_factor_id": _factor(False, "transmission & distribution losses factor (cat. 3)"),
        "wtt_factor_id": _factor(False, "upstream (WTT) factor of generation (cat. 3)"),
        "site_allocation": _SITE_ALLOCATION,
    },
    "heat": {
        "quantity": _QTY,
        "unit": _enum(("kWh", "MWh", "GJ", "MJ"), True, "quantity unit"),
        "factor_id": _factor(True, "purchased heat/steam factor id"),
        "wtt_factor_id": _WTT,
        "site_allocation": _SITE_ALLOCATION,
    },
    "refrigerant": {
        "gas": FieldSpec(
            v_text(None, 40),
            True,
            {
                "type": "string",
                "maxLength": 40,
                "description": "gas or blend in the claim's GWP set (e.g. HFC-134a, R-410A)",
            },
        ),
        "quantity": _QTY,
        "unit": _enum(("kg", "t"), True, "mass of refrigerant leaked (top-ups minus recovered)"),
        "arrangement": _enum(
            ARRANGEMENTS,
            False,
            "own (default, scope 1); purchased or not_paid_downstream: a carrier's leakage "
            "reported in its customer's Scope 3 cat. 4 / 9 (fuel-based method)",
        ),
        "gwp": _dec(
            False,
            "the gas's 100-year GWP as given by a source, used instead of the GWP set "
            "(flagged GWP004; needs gwp_source)",
            positive=True,
        ),
        "gwp_source": _text(False, "where the declared GWP comes from (document, table, year)"),
    },
    "hub": {
        "quantity": _QTY,
        "unit": _enum(("kg", "t"), True, "throughput unit"),
        "factor_id": _factor(True, "hub intensity factor (kgCO2e/t handled)"),
        "wtt_factor_id": _factor(
            False, "well-to-tank hub intensity (with a TTW factor_id: WTW = TTW + WTT)"
        ),
        "arrangement": _ARR,
        "shipment_ref": _SHIP,
        "hoc_id": _text(
            False, "hub operation category id (ISO 14083 HOC); defaults to hub", LINE_ID_RE
        ),
    },
    "storage": {
        "volume_m3": _dec(False, "volume stored in m3 (or give pallets)"),
        "pallets": _dec(False, "pallets stored (instead of volume_m3)"),
        "days": _dec(True, "days stored"),
        "factor_id": _factor(True, "storage intensity factor (kgCO2e/m3day or /palletday)"),
        "arrangement": _ARR,
        "shipment_ref": _CUSTOMER_SHIP,
    },
    "site_share": {
        "quantity": _QTY,
        "unit": _enum(("kWh", "MWh", "GJ", "MJ", "L", "m3", "kg", "t"), True, "site energy unit"),
        "factor_id": _factor(True, "factor of the site energy (grid, fuel or heat)"),
        "allocation_basis": _enum(ALLOCATION_BASES, True, "what the shares measure"),
        "customer_amount": _dec(True, "the reporting customer's amount of the basis"),
        "site_amount": _dec(True, "the whole site's amount of the basis", positive=True),
        "arrangement": _ARR,
        "shipment_ref": _CUSTOMER_SHIP,
    },
    "spend": {
        "amount": _dec(True, "spend amount"),
        "currency": _enum(("CNY", "GBP", "USD", "EUR"), True, "currency of the amount"),
        "factor_id": _factor(True, "spend-based factor (kgCO2e per currency unit)"),
    },
    "purchased_goods": {
        "quantity": _QTY,
        "unit": _enum(GOODS_UNITS, True, "unit of the purchased quantity"),
        "factor_id": _factor(
            True, "the supplier's product footprint per declared unit (kind product_footprint)"
        ),
        "arrangement": _enum(("purchased",), True, "purchased (Scope 3 cat. 1)"),
        "product_id": _text(False, "the supplier's product id (e.g. a PACT productIds URN)"),
    },
}

ACTIVITIES_ADDED_IN: Final[Mapping[str, int]] = {"purchased_goods": 3}
"""Activity types a rule-set level introduced (absent: level 1)."""


FIELDS_ADDED_IN: Final[Mapping[tuple[str, str], int]] = {
    ("transport", "declared_tkm"): 2,
    ("transport", "toc_id"): 2,
    ("trip", "mode"): 2,
    ("trip", "toc_id"): 2,
    ("trip", "shipments.declared_tkm"): 2,
    ("trip", "shipments.distance_basis"): 2,
    ("hub", "hoc_id"): 2,
    ("refrigerant", "arrangement"): 2,
    ("refrigerant", "gwp"): 2,
    ("refrigerant", "gwp_source"): 2,
    ("hub", "wtt_factor_id"): 3,
    ("transport", "origin"): 3,
    ("transport", "destination"): 3,
    ("transport", "departure_at"): 3,
    ("transport", "arrival_at"): 3,
    ("transport", "consignment_id"): 3,
}
"""Line fields a rule-set level introduced (absent: level 1). Documents are parsed with every
field; the checker reports a later level's field under an earlier level (STD002)."""


def fields_after(level: int) -> dict[str, tuple[str, ...]]:
    """Per activity, the fields (``outer.inner`` for nested ones) added after ``level``."""
    out: dict[str, tuple[str, ...]] = {}
    for (act, name), added in FIELDS_ADDED_IN.items():
        if added > level:
            out[act] = (*out.get(act, ()), name)
    return out


def fields_present(line: Line, names: tuple[str, ...]) -> list[str]:
    """Paths of ``names`` (from :func:`fields_after`) that ``line`` carries (for STD002)."""
    out: list[str] = []
    for name in names:
        if "." in name:
            outer, inner = name.split(".", 1)
            for j, item in enumerate(line.raw.get(outer) or ()):
                if type(item) is dict and inner in item:
                    out.append(f"{outer}[{j}].{inner}")
        elif name in line.raw:
            out.append(name)
    return out


class Line:
    """A validated activity line: raw JSON object, common fields, and parsed values ``v``."""

    __slots__ = ("activity", "category", "declared", "id", "index", "raw", "scope", "v")

    def __init__(self, index: int, raw: dict[str, Any], v: dict[str, Any]) -> None:
        self.index = index
        self.raw = raw
        self.v = v
        self.id: str = v["id"]
        self.activity: str = v["activity"]
        self.scope: int = v["scope"]
        self.category: int | None = v.get("category")
        self.declared: Decimal | None = v.get("declared_kgco2e")

    def canonical_object(self) -> dict[str, Any]:
        """The line's JSON object as filed (what its Merkle leaf hashes)."""
        return self.raw

    @property
    def path(self) -> str:
        """JSON path of the line in its claim."""
        return f"lines[{self.index}]"

    def __repr__(self) -> str:
        return f"Line({self.index}, {self.id!r}, {self.activity})"


_FULL_SPECS: Final[dict[str, dict[str, FieldSpec]]] = {
    act: {**COMMON, **specs} for act, specs in ACTIVITY_SPECS.items()
}


_FNS: Final[dict[str, dict[str, Validator]]] = {
    act: {k: spec.validate for k, spec in specs.items()} for act, specs in _FULL_SPECS.items()
}
_REQUIRED: Final[dict[str, frozenset[str]]] = {
    act: frozenset(k for k, spec in specs.items() if spec.required)
    for act, specs in _FULL_SPECS.items()
}


def _validate_line_fast(raw: Any, i: int) -> Line | None:
    """Happy path: no per-field bookkeeping; None means 'take the careful path'."""
    if type(raw) is not dict:
        return None
    activity = raw.get("activity")
    if type(activity) is not str or activity not in _FNS:
        return None
    fns = _FNS[activity]
    if not _REQUIRED[activity] <= raw.keys():
        return None
    v: dict[str, Any] = {"activity": activity}
    try:
        for key, value in raw.items():
            if key != "activity":
                v[key] = fns[key](value)
    except (KeyError, _Bad, _Nested):
        return None
    return Line(i, raw, v)


def _validate_line(raw: Any, i: int, problems: list[FieldProblem]) -> Line | None:
    line = _validate_line_fast(raw, i)
    if line is not None:
        return line
    path = f"lines[{i}]"
    if type(raw) is not dict:
        problems.append(FieldProblem(path, f"expected an object, got {_type_name(raw)}"))
        return None
    activity = raw.get("activity")
    specs = _FULL_SPECS.get(activity) if type(activity) is str else None
    if specs is None:
        problems.append(
            FieldProblem(f"{path}.activity", f"must be one of {', '.join(ACTIVITY_SPECS)}")
        )
        return None
    v: dict[str, Any] = {"activity": activity}
    unknown = f"unknown field for {activity} lines"
    if not _validate_fields(raw, specs, path, problems, v, unknown, skip="activity"):
        return None
    return Line(i, raw, v)


def validate_lines(
    raw_lines: Any, max_problems: int = 200
) -> tuple[list[Line], list[FieldProblem]]:
    """Validate the ``lines`` array; return the lines and the problems found (paths included)."""
    problems: list[FieldProblem] = []
    if type(raw_lines) is not list:
        return [], [FieldProblem("lines", f"expected an array, got {_type_name(raw_lines)}")]
    if not raw_lines:
        return [], [FieldProblem("lines", "a claim needs at least one activity line")]
    out: list[Line] = []
    append = out.append
    for i, raw in enumerate(raw_lines):
        line = _validate_line(raw, i, problems)
        if line is not None:
            append(line)
        elif len(problems) >= max_problems:
            problems.append(FieldProblem("lines", "too many problems; stopped"))
            break
    return out, problems


def _specs_at(level: int, act: str, specs: Mapping[str, FieldSpec]) -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for key, spec in specs.items():
        if FIELDS_ADDED_IN.get((act, key), 1) > level:
            continue
        if key == "shipments" and act == "trip":
            inner = {
                k: s
                for k, s in SHIPMENT_SPECS.items()
                if FIELDS_ADDED_IN.get((act, f"shipments.{k}"), 1) <= level
            }
            spec = _list_of(inner, str(spec.schema.get("description", "")))
        out[key] = spec
    return out


def lines_json_schema(level: int | None = None) -> dict[str, Any]:
    """JSON Schema of the ``lines`` array (one object schema per activity, by ``activity``):
    every field, or only those of rule-set ``level``."""
    variants = []
    for act, all_specs in _FULL_SPECS.items():
        if level is not None and ACTIVITIES_ADDED_IN.get(act, 1) > level:
            continue
        specs = all_specs if level is None else _specs_at(level, act, all_specs)
        schema = _obj_schema(specs, {"title": f"{act} line"})
        schema["properties"] = {
            "activity": {"const": act, "description": "activity type"},
            **schema["properties"],
        }
        schema["required"] = ["activity", *schema["required"]]
        variants.append(schema)
    return {
        "type": "array",
        "minItems": 1,
        "items": {"oneOf": variants, "discriminator": {"propertyName": "activity"}},
        "description": "activity lines; each line is a Merkle leaf",
    }


def activity_fields() -> dict[str, dict[str, Mapping[str, Any]]]:
    """Field schemas per activity (for documentation)."""
    return {act: {k: s.schema for k, s in specs.items()} for act, specs in _FULL_SPECS.items()}
