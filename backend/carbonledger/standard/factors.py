"""Emission factors and GWP sets: typed records built from the (versioned) data files.

Pure functions only: :func:`parse_factor_table` and :func:`parse_gwp_sets` take already-parsed
JSON objects (the loader reads the files) and return immutable records or raise
:class:`~carbonledger.standard.errors.FactorTableError`.

A factor's ``value`` is in kgCO2e per unit of ``unit`` (``kgCO2e/<unit>``). A factor may instead
carry a ``derivation`` from published fuel parameters (China's accounting guidelines publish the
net calorific value, carbon content per unit of heat and oxidation rate rather than a factor):
``value = NCV [GJ/t] x CC [tC/TJ] x OF x 44/12`` kgCO2 per tonne, computed in the standard's
decimal context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal, get_args

from carbonledger.standard.errors import FactorTableError, UnitMismatchError
from carbonledger.standard.numbers import CONTEXT, parse_decimal_value
from carbonledger.standard.units import factor_denominator

FACTOR_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
#: the kinds of factor, their bases and GWP bases: declared once, for the factor tables and
#: for the factors a filer declares (:class:`carbonledger.standard.models.DeclaredFactor`)
FactorKind = Literal[
    "fuel_combustion",
    "fuel_wtt",
    "grid_electricity",
    "electricity_td",
    "electricity_wtt",
    "heat",
    "transport_intensity",
    "hub_intensity",
    "storage_intensity",
    "spend",
    "product_footprint",
]
FactorBasis = Literal["TTW", "WTT", "WTW", "generation", "td_losses", "n/a"]
GwpBasis = Literal["AR5", "AR6", "none"]
FACTOR_KINDS: Final = frozenset(get_args(FactorKind))
BASES: Final = frozenset(get_args(FactorBasis))
GWP_BASES: Final = frozenset(get_args(GwpBasis))
_TIME_SENSITIVE_KINDS: Final = frozenset({"grid_electricity", "electricity_td", "electricity_wtt"})


@dataclass(frozen=True)
class Factor:
    """One emission factor (kgCO2e per unit) with its provenance."""

    id: str
    name: str
    value: Decimal
    unit: str
    kind: str
    basis: str
    gwp_basis: str
    year: int
    source: Mapping[str, str]
    licence: str
    gases: Mapping[str, Decimal] = field(default_factory=dict)
    biogenic_co2: Decimal = Decimal(0)
    region: str = ""
    verification: str = ""
    declared_in_claim: bool = False
    time_sensitive: bool = False
    """Grid-type factors change every year: FAC004 warns when one is far from the period."""
    dated: bool = True
    """False for a convention with no vintage (``"dated": false``); from rule-set level 2
    FAC004 warns for every dated factor far from the period."""

    denominator: str = ""
    """The unit the factor applies to (``kgCO2e/L`` -> ``L``); set from ``unit``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "denominator", self.unit.split("/", 1)[1])


def _req(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise FactorTableError(f"{where}: missing {key!r}")
    return obj[key]


def _dec(value: Any, where: str) -> Decimal:
    try:
        return parse_decimal_value(value)
    except ValueError as exc:
        raise FactorTableError(f"{where}: {exc}") from exc


def derive_fuel_value(derivation: Mapping[str, Any], where: str) -> Decimal:
    """kgCO2 per tonne of fuel from NCV (GJ/t), carbon content (tC/TJ) and oxidation rate."""
    if derivation.get("method") != "ncv_x_cc_x_of_x_44/12":
        raise FactorTableError(f"{where}: unknown derivation method {derivation.get('method')!r}")
    ncv = _dec(_req(derivation, "ncv_gj_per_t", where), f"{where}.ncv_gj_per_t")
    cc = _dec(_req(derivation, "carbon_content_tc_per_tj", where), f"{where}.carbon_content")
    of = _dec(_req(derivation, "oxidation_rate", where), f"{where}.oxidation_rate")
    # GJ/t x tC/TJ = 1e-3 tC/t = 1 kgC/t; x 44/12 -> kgCO2/t
    c = CONTEXT
    return c.divide(c.multiply(c.multiply(c.multiply(ncv, cc), of), Decimal(44)), Decimal(12))


def parse_factor(obj: Mapping[str, Any], where: str, *, declared: bool = False) -> Factor:
    """Build a :class:`Factor` from its JSON object (a table entry or a claim's own factor)."""
    if not isinstance(obj, Mapping):
        raise FactorTableError(f"{where}: a factor must be an object")
    fid = _req(obj, "id", where)
    if not isinstance(fid, str) or FACTOR_ID_RE.fullmatch(fid) is None:
        raise FactorTableError(f"{where}.id: {fid!r} is not a factor id ([a-z0-9._-])")
    unit = _req(obj, "unit", where)
    try:
        factor_denominator(str(unit))
    except UnitMismatchError as exc:
        raise FactorTableError(f"{where}.unit: {exc}") from exc
    if "derivation" in obj:
        value = derive_fuel_value(obj["derivation"], f"{where}.derivation")
        if "value" in obj:
            raise FactorTableError(f"{where}: give either value or derivation, not both")
    else:
        value = _dec(_req(obj, "value", where), f"{where}.value")
    if value < 0:
        raise FactorTableError(f"{where}.value: a factor cannot be negative")
    kind = _req(obj, "kind", where)
    if kind not in FACTOR_KINDS:
        raise FactorTableError(f"{where}.kind: {kind!r} not one of {sorted(FACTOR_KINDS)}")
    basis = _req(obj, "basis", where)
    if basis not in BASES:
        raise FactorTableError(f"{where}.basis: {basis!r} not one of {sorted(BASES)}")
    gwp_basis = obj.get("gwp_basis", "none")
    if gwp_basis not in GWP_BASES:
        raise FactorTableError(f"{where}.gwp_basis: {gwp_basis!r} not one of AR5, AR6, none")
    year = _req(obj, "year", where)
    if type(year) is not int:
        raise FactorTableError(f"{where}.year: must be an integer")
    source = _req(obj, "source", where)
    if not isinstance(source, Mapping) or not source.get("document"):
        raise FactorTableError(f"{where}.source: an object with at least 'document'")
    gases_obj = obj.get("gases", {})
    gases = {str(k): _dec(v, f"{where}.gases.{k}") for k, v in gases_obj.items()}
    if "derivation" in obj and not gases:
        gases = {"CO2": value}  # a carbon-content derivation gives CO2 only
    return Factor(
        id=fid,
        name=str(obj.get("name", fid)),
        value=value,
        unit=str(unit),
        kind=str(kind),
        basis=str(basis),
        gwp_basis=str(gwp_basis),
        year=year,
        source={str(k): str(v) for k, v in source.items()},
        licence=str(_req(obj, "licence", where)),
        gases=gases,
        biogenic_co2=_dec(obj.get("biogenic_co2", "0"), f"{where}.biogenic_co2"),
        region=str(obj.get("region", "")),
        verification=str(obj.get("verification", "")),
        declared_in_claim=declared,
        time_sensitive=bool(obj.get("time_sensitive", kind in _TIME_SENSITIVE_KINDS)),
        dated=bool(obj.get("dated", True)),
    )


def parse_factor_table(doc: Mapping[str, Any], where: str = "table") -> dict[str, Factor]:
    """All factors of one table document, keyed by id (ids must be unique)."""
    factors: dict[str, Factor] = {}
    items = _req(doc, "factors", where)
    if not isinstance(items, list):
        raise FactorTableError(f"{where}.factors: must be a list")
    for i, item in enumerate(items):
        f = parse_factor(item, f"{where}.factors[{i}]")
        if f.id in factors:
            raise FactorTableError(f"{where}: duplicate factor id {f.id!r}")
        factors[f.id] = f
    return factors


@dataclass(frozen=True)
class GwpSet:
    """100-year global warming potentials of one IPCC assessment, including refrigerant blends."""

    name: str
    values: Mapping[str, Decimal]
    source: str


def parse_gwp_sets(doc: Mapping[str, Any]) -> dict[str, GwpSet]:
    """GWP sets from the ``gwp.json`` document; blends are computed from their composition."""
    sets: dict[str, GwpSet] = {}
    blends = doc.get("blends", {})
    for name, body in _req(doc, "sets", "gwp").items():
        values = {g: _dec(v, f"gwp.sets.{name}.{g}") for g, v in _req(body, "gases", name).items()}
        for blend, spec in blends.items():
            comp = {g: _dec(v, f"gwp.blends.{blend}.{g}") for g, v in spec["composition"].items()}
            if sum(comp.values()) != 1:
                raise FactorTableError(f"gwp.blends.{blend}: fractions must sum to 1")
            missing = [g for g in comp if g not in values]
            if missing:
                raise FactorTableError(f"gwp.blends.{blend}: {missing} not in set {name}")
            total = Decimal(0)
            for g, frac in comp.items():
                total = CONTEXT.add(total, CONTEXT.multiply(frac, values[g]))
            values[blend] = total
        sets[name] = GwpSet(name=name, values=values, source=str(body.get("source", "")))
    return sets
