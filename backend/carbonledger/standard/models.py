"""Claim documents: pydantic models, JSON parsing and :func:`parse_claim`.

Two kinds of claim, discriminated by ``kind``:

* :class:`FootprintClaim` (``"kind": "footprint"``) -- a firm's inventory for a period.
* :class:`ReductionClaim` (``"kind": "reduction"``) -- a reduction against a baseline footprint,
  by the inventory method (current lines vs the baseline for the same boundary and categories) or
  project-based (reported apart), optionally citing overlap-settlement allocations.

Numbers are decimal strings or integers; binary floats are rejected with the field's path.
The envelope (everything but ``lines``) is validated by pydantic; ``lines`` by the fast path in
:mod:`carbonledger.standard.lines`. Models keep the exact JSON object they were parsed from, so
``canonical_bytes(claim)`` hashes what the filer wrote.

Public API::

    parse_claim(obj_or_bytes) -> FootprintClaim | ReductionClaim   # raises ClaimFormatError
    loads_claim_json(data: bytes | str) -> Any                      # JSON with float markers
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import core_schema

from carbonledger.standard._perf import paused_gc
from carbonledger.standard.errors import ClaimFormatError, FieldProblem, FloatNotAllowedError
from carbonledger.standard.factors import FactorBasis, FactorKind, GwpBasis
from carbonledger.standard.lines import (
    BYTES32_RE,
    DATE_RE,
    DEC_SCHEMA,
    FACTOR_REF_RE,
    Line,
    lines_json_schema,
    validate_lines,
)
from carbonledger.standard.numbers import JsonFloat, fmt, parse_decimal_value

SCHEMA_VERSION = "1"
ADDRESS_RE = re.compile(r"0x[0-9a-fA-F]{40}")
FLOAT_MESSAGE = "binary floating-point numbers are not allowed; write the number as a JSON string"


# --- annotated scalar types ---------------------------------------------------------------
def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return parse_decimal_value(value)


def _nonneg(value: Any) -> Decimal:
    d = _decimal(value)
    if d < 0:
        raise ValueError("must not be negative")
    return d


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if type(value) is not str or DATE_RE.fullmatch(value) is None:
        raise ValueError("must be a date YYYY-MM-DD")
    return date.fromisoformat(value)


def _address(value: Any) -> str:
    if type(value) is not str or ADDRESS_RE.fullmatch(value) is None:
        raise ValueError("must be a 0x-prefixed 20-byte hex address")
    body = value[2:]
    if body != body.lower() and body != body.upper():
        from eth_utils.address import is_checksum_address

        if not is_checksum_address(value):
            raise ValueError("mixed-case address with an invalid EIP-55 checksum")
    return value


def _bytes32(value: Any) -> str:
    if type(value) is not str or BYTES32_RE.fullmatch(value) is None:
        raise ValueError("must be 0x followed by 64 lower-case hex digits")
    return value


DecimalValue = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    PlainSerializer(fmt, return_type=str),
    WithJsonSchema(dict(DEC_SCHEMA)),
]
NonNegDecimal = Annotated[
    Decimal,
    BeforeValidator(_nonneg),
    PlainSerializer(fmt, return_type=str),
    WithJsonSchema({**DEC_SCHEMA, "description": "non-negative decimal"}),
]
IsoDate = Annotated[
    date,
    BeforeValidator(_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date"}),
]
Address = Annotated[
    str,
    BeforeValidator(_address),
    WithJsonSchema({"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}),
]
Bytes32Hex = Annotated[
    str,
    BeforeValidator(_bytes32),
    WithJsonSchema({"type": "string", "pattern": "^0x[0-9a-f]{64}$"}),
]
Text = Annotated[str, Field(min_length=1, max_length=500)]
FactorRef = Annotated[str, Field(pattern="^" + FACTOR_REF_RE.pattern + "$")]
ScopeNumber = Literal[1, 2, 3]
CategoryNumber = Annotated[int, Field(ge=1, le=15)]


class _LinesType:
    """Pydantic adapter: ``lines`` validated by the fast path, schema from the field specs."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        def validate(value: Any) -> tuple[Line, ...]:
            if type(value) is tuple and all(type(x) is Line for x in value):
                return cast(tuple[Line, ...], value)
            lines, problems = validate_lines(value)
            if problems:
                raise ValueError("; ".join(str(p) for p in problems[:5]))
            return tuple(lines)

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda lines: [line.raw for line in lines]
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return lines_json_schema()


Lines = Annotated[tuple[Line, ...], _LinesType]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Firm(_Model):
    """The filing firm: its ledger address and its name (any script, e.g. Chinese)."""

    address: Address
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Period(_Model):
    """Reporting period, both dates inclusive."""

    start: IsoDate
    end: IsoDate


class Boundary(_Model):
    """Organisational approach and operational boundary (scopes and Scope 3 categories)."""

    organisational: Literal["operational_control", "financial_control", "equity_share"]
    equity_share_percent: NonNegDecimal | None = None
    scopes: Annotated[list[ScopeNumber], Field(min_length=1, max_length=3)]
    scope3_categories: Annotated[list[CategoryNumber], Field(max_length=15)] = []


class FactorSource(_Model):
    """Citation of a claim-declared factor."""

    document: Text
    table: Text | None = None
    url: Text | None = None
    published: Text | None = None


class DeclaredFactor(_Model):
    """A factor the filer brings (e.g. a carrier's disclosed intensity); accepted but flagged."""

    @model_validator(mode="before")
    @classmethod
    def _wtt_is_wtw_minus_ttw(cls, data: Any) -> Any:
        # a WTT factor is usually worked out as WTW - TTW: a negative one means the filer's
        # WTW is below its TTW, which "must not be negative" would not tell them
        if type(data) is dict and data.get("basis") == "WTT":
            try:
                value = parse_decimal_value(data.get("value"))
            except ValueError:
                return data
            if value < 0:
                raise ValueError(
                    f"value {fmt(value)}: a WTT factor is WTW minus TTW, so WTW must be at "
                    "least TTW (check the two figures it was worked out from)"
                )
        return data

    id: FactorRef
    name: Text
    value: NonNegDecimal
    unit: Annotated[str, Field(pattern=r"^kgCO2e/[A-Za-z0-9]+$")]
    kind: FactorKind
    basis: FactorBasis
    gwp_basis: GwpBasis = "none"
    year: Annotated[int, Field(ge=1990, le=2100)]
    biogenic_co2: NonNegDecimal | None = None
    source: FactorSource
    licence: Text | None = None


class DeclaredTotals(_Model):
    """Totals as declared by the filer (kgCO2e), checked by TOT001."""

    scope1: NonNegDecimal
    scope2_location: NonNegDecimal
    scope2_market: NonNegDecimal
    scope3: Annotated[dict[str, NonNegDecimal], Field(description="by category number '1'..'15'")]
    biogenic_co2: NonNegDecimal


class Offset(_Model):
    """Retired credits, reported apart for information; never netted against the inventory."""

    registry: Text
    reference: Text
    quantity_kgco2e: NonNegDecimal


class _ClaimDocument(_Model):
    """What every claim document starts with: who claims, for which period, under which
    standard version and boundary. ``kind`` is narrowed to one literal by each kind."""

    schema_version: Literal["1"]
    kind: str
    claim_id: Text | None = None
    firm: Firm
    period: Period
    standard_version: Annotated[str, Field(min_length=1, max_length=100)]
    gwp_set: Literal["AR5", "AR6"]
    boundary: Boundary

    _raw: dict[str, Any] | None = PrivateAttr(default=None)
    #: (document hash, lines root), once computed (``checker.claim_hashes``)
    _hashes: tuple[bytes, bytes] | None = PrivateAttr(default=None)
    #: (standard, calculator, line results) of the last :func:`~carbonledger.standard.calc.compute`
    #: that computed every line, for the checker's next run under that standard (taken once)
    _computed: tuple[Any, Any, Any] | None = PrivateAttr(default=None)

    def canonical_object(self) -> Any:
        """The JSON object hashed for ``document_hash`` (the parsed input when available)."""
        raw = private_state(self)["_raw"]
        return raw if raw is not None else self.model_dump(mode="json", exclude_none=True)


def private_state(claim: BaseModel) -> dict[str, Any]:
    """The dict pydantic keeps a claim's private attributes in (``_raw``, ``_hashes``,
    ``_computed``), for the hot path: ``claim._hashes`` goes through pydantic's Python
    ``__getattr__`` and ``__setattr__``, ~1.5 µs per access, several per claim."""
    return cast(dict[str, Any], claim.__pydantic_private__)


class FootprintClaim(_ClaimDocument):
    """A firm's footprint for a reporting period."""

    kind: Literal["footprint"]
    factors: list[DeclaredFactor] = []
    lines: Lines
    declared: DeclaredTotals
    offsets: list[Offset] = []


class BaselineRef(_Model):
    """The baseline footprint a reduction is measured against."""

    document_hash: Bytes32Hex
    claim_id: Text | None = None


class CoveredScope(_Model):
    """A scope (and, for scope 3, a category) the reduction covers."""

    scope: ScopeNumber
    category: CategoryNumber | None = None


class SettlementCitation(_Model):
    """An overlap-settlement allocation the reduction relies on."""

    settlement_id: Bytes32Hex
    allocated_kgco2e: NonNegDecimal
    claimed_kgco2e: NonNegDecimal


class ProjectInfo(_Model):
    """Project-based reduction: the project and its (declared) baseline scenario."""

    id: Text
    description: Text
    methodology: Text
    baseline_scenario_kgco2e: NonNegDecimal


class ReductionDeclared(_Model):
    """Figures declared by the filer for a reduction (kgCO2e)."""

    reduction_kgco2e: DecimalValue
    baseline_kgco2e: NonNegDecimal | None = None
    current_kgco2e: NonNegDecimal | None = None


class ReductionClaim(_ClaimDocument):
    """A reduction claim against a baseline footprint."""

    kind: Literal["reduction"]
    baseline: BaselineRef
    method: Literal["inventory", "project"]
    covered: list[CoveredScope] = []
    factors: list[DeclaredFactor] = []
    lines: Lines
    settlements: list[SettlementCitation] = []
    project: ProjectInfo | None = None
    declared: ReductionDeclared


Claim = FootprintClaim | ReductionClaim
_MODELS: dict[str, type[FootprintClaim] | type[ReductionClaim]] = {
    "footprint": FootprintClaim,
    "reduction": ReductionClaim,
}


# --- JSON parsing ---------------------------------------------------------------------------
class _DuplicateKey(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return out


def _bad_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


class _FloatSink(threading.local):
    """Where the shared decoder puts the float markers of the text it is parsing (per thread)."""

    markers: list[JsonFloat] | None = None


_FLOAT_SINK = _FloatSink()


def _float_marker(text: str) -> JsonFloat:
    marker = JsonFloat(text)
    sink = _FLOAT_SINK.markers
    if sink is not None:
        sink.append(marker)
    return marker


# one decoder for every document (``json.loads`` with these options built a decoder and its
# scanner per call): the options are fixed, and the markers go to the calling thread's list
_DECODER = json.JSONDecoder(
    parse_float=_float_marker, parse_constant=_bad_constant, object_pairs_hook=_pairs
)


def loads_claim_json(data: bytes | str, floats: list[JsonFloat] | None = None) -> Any:
    """Parse JSON strictly: UTF-8, no duplicate keys, no NaN/Infinity; floats become markers
    (each also appended to ``floats`` when given)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise ClaimFormatError([FieldProblem("$", f"not UTF-8 text: {exc}")]) from exc
    _FLOAT_SINK.markers = floats
    try:
        if text.startswith("\ufeff"):  # as ``json.loads`` refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _DECODER.decode(text)
    except _DuplicateKey as exc:
        raise ClaimFormatError(
            [FieldProblem("$", f"duplicate object key {exc.args[0]!r}")]
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise ClaimFormatError([FieldProblem("$", f"not JSON: {exc}")]) from exc
    finally:
        _FLOAT_SINK.markers = None


def _find_floats(value: Any, path: str, out: list[FieldProblem]) -> None:
    if isinstance(value, (float, JsonFloat)):
        out.append(FieldProblem(path, FLOAT_MESSAGE))
    elif type(value) is dict:
        for k, v in value.items():
            _find_floats(v, f"{path}.{k}" if path else str(k), out)
    elif type(value) is list:
        for i, v in enumerate(value):
            _find_floats(v, f"{path}[{i}]", out)


def _loc_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-plain", "function-before", "function-after") or "[" in part:
            continue
        else:
            out += f".{part}" if out else part
    return out or "$"


def _message(err: Any) -> str:
    """A pydantic error's message, in the words of the rest of the standard."""
    if err["type"] == "extra_forbidden":
        return f"unknown field (not part of claim documents, schema {SCHEMA_VERSION})"
    return str(err["msg"])


def parse_claim(obj: Any) -> Claim:
    """Parse and validate a claim document (bytes, str, or an already-parsed JSON object).

    Raises :class:`ClaimFormatError` (or its subclass :class:`FloatNotAllowedError` when binary
    floats were found) listing every problem with its JSON path.
    """
    with paused_gc():
        return _parse_claim(obj)


def _parse_claim(obj: Any) -> Claim:
    parsed: list[JsonFloat] | None = None  # the floats of the text parsed here
    if isinstance(obj, (bytes, str)):
        parsed = []
        obj = loads_claim_json(obj, parsed)
    if type(obj) is not dict:
        raise ClaimFormatError([FieldProblem("$", "a claim document is a JSON object")])
    kind = obj.get("kind")
    model = _MODELS.get(kind) if type(kind) is str else None
    if model is None:
        raise ClaimFormatError([FieldProblem("kind", "must be 'footprint' or 'reduction'")])
    problems: list[FieldProblem] = []
    envelope = {k: v for k, v in obj.items() if k != "lines"}
    if parsed is None or parsed:  # text parsed here without a float holds none to find
        _find_floats(envelope, "", problems)
    lines, line_problems = validate_lines(obj.get("lines"))
    problems.extend(line_problems)
    floats = any(p.message == FLOAT_MESSAGE or "binary float" in p.message for p in problems)
    if not problems:
        try:
            claim = model.model_validate({**envelope, "lines": tuple(lines)})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                problems.append(FieldProblem(_loc_path(tuple(err["loc"])), _message(err)))
        else:
            private_state(claim)["_raw"] = obj
            return claim
    else:
        # report envelope problems too, so the filer sees everything at once
        try:
            model.model_validate({**envelope, "lines": ()})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                path = _loc_path(tuple(err["loc"]))
                if path != "lines" and not any(p.path == path for p in problems):
                    problems.append(FieldProblem(path, _message(err)))
    raise (FloatNotAllowedError if floats else ClaimFormatError)(problems)


def claim_schema_models() -> Mapping[str, type[BaseModel]]:
    """The pydantic models of the two claim kinds (for schema export)."""
    return dict(_MODELS)
