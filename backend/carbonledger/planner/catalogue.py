"""The technology catalogue: proven abatement options per emission source, versioned with sources.

The catalogue ships as package data (``planner/data/catalogue.json``), identified by its
``catalogue_id`` and the keccak-256 of its canonical bytes (like the standard's factor tables).
Each option names the *source* it acts on, the activity one unit replaces and adds (the
planner computes the tonnes with the standard), capex, fixed opex, lifetime, whether units are
whole, and the bound on units from the firm's own activity. Every figure carries its basis;
figures that are assumptions say so.

A firm's own quote (:func:`apply_quote`) overrides an option's cost figures; the option then
records ``quoted_by`` so that the plan says which figures came from a quote.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from carbonledger.planner.errors import CatalogueError
from carbonledger.planner.finance import annualised_cost
from carbonledger.standard import canonical_bytes, keccak256

SOURCES = ("diesel_road_freight", "grid_electricity", "refrigerant")


def _dec(obj: Mapping[str, Any], key: str, where: str) -> Decimal:
    raw = obj.get(key)
    if isinstance(raw, Mapping):
        raw = raw.get("value")
    try:
        if isinstance(raw, bool) or raw is None or isinstance(raw, float):
            raise InvalidOperation
        return Decimal(str(raw))
    except InvalidOperation:
        raise CatalogueError(f"{where}.{key}: a decimal string is required, got {raw!r}") from None


@dataclass(frozen=True)
class Option:
    """One catalogue option (or a quote's override of it)."""

    id: str
    name: str
    source: str
    unit: str
    integer: bool
    max_units: str
    replaces: Mapping[str, str]
    adds: Mapping[str, str]
    capex: Decimal
    fixed_opex: Decimal
    lifetime_years: int
    discount_rate: Decimal
    readiness: str
    funded_by: str
    """``operator`` (whoever emits from the source) or ``customer`` (whoever buys its service)."""
    basis: Mapping[str, str]
    context: tuple[str, ...]
    surcharge_per_l: Decimal = Decimal(0)
    """A service's price per litre of diesel it displaces (replaces the energy balance)."""
    quoted_by: str | None = None

    def annualised_capital(self) -> Decimal:
        """Capex recovered per year plus the fixed opex (energy is priced by the planner)."""
        return annualised_cost(self.capex, self.fixed_opex, self.lifetime_years, self.discount_rate)


@dataclass(frozen=True)
class Catalogue:
    catalogue_id: str
    content_hash: bytes
    currency: str
    prices: Mapping[str, Decimal]
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option:
        for o in self.options:
            if o.id == option_id:
                return o
        raise CatalogueError(f"no option {option_id!r} in catalogue {self.catalogue_id}")


def parse_catalogue(doc: Mapping[str, Any]) -> Catalogue:
    """Validate a catalogue document; errors name the path and the reason."""
    for key in ("catalogue_id", "currency", "defaults", "options"):
        if key not in doc:
            raise CatalogueError(f"catalogue.{key}: required")
    defaults = doc["defaults"]
    rate = _dec(defaults, "discount_rate", "catalogue.defaults")
    prices = {
        k: _dec(defaults["energy_prices"], k, "catalogue.defaults.energy_prices")
        for k in defaults["energy_prices"]
    }
    options = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["options"]):
        where = f"catalogue.options[{i}]"
        oid = str(raw.get("id", ""))
        if not oid or oid in seen:
            raise CatalogueError(f"{where}.id: missing or repeated ({oid!r})")
        seen.add(oid)
        if raw.get("source") not in SOURCES:
            raise CatalogueError(f"{where}.source: one of {', '.join(SOURCES)}")
        years = raw.get("lifetime_years")
        if not isinstance(years, int) or years <= 0:
            raise CatalogueError(f"{where}.lifetime_years: a positive integer")
        options.append(
            Option(
                id=oid,
                name=str(raw.get("name", oid)),
                source=str(raw["source"]),
                unit=str(raw.get("unit", "unit")),
                integer=bool(raw.get("integer", False)),
                max_units=str(raw.get("max_units", "1")),
                replaces={k: str(v) for k, v in raw.get("replaces", {}).items()},
                adds={k: str(v) for k, v in raw.get("adds", {}).items()},
                capex=_dec(raw, "capex_cny", where),
                fixed_opex=_dec(raw, "fixed_opex_cny_per_year", where),
                lifetime_years=years,
                discount_rate=Decimal(str(raw.get("discount_rate", rate))),
                readiness=str(raw.get("readiness", "")),
                funded_by=str(raw.get("funded_by", "operator")),
                basis={
                    k: str(raw[k].get("basis", ""))
                    for k in ("capex_cny", "fixed_opex_cny_per_year", "surcharge_cny_per_l_diesel")
                    if isinstance(raw.get(k), Mapping)
                },
                context=tuple(str(c) for c in raw.get("context", ())),
                surcharge_per_l=(
                    _dec(raw, "surcharge_cny_per_l_diesel", where)
                    if "surcharge_cny_per_l_diesel" in raw
                    else Decimal(0)
                ),
            )
        )
    return Catalogue(
        catalogue_id=str(doc["catalogue_id"]),
        content_hash=keccak256(canonical_bytes(dict(doc))),
        currency=str(doc["currency"]),
        prices=prices,
        options=tuple(options),
    )


def load_catalogue() -> Catalogue:
    """The catalogue shipped with the package."""
    text = resources.files("carbonledger.planner").joinpath("data/catalogue.json").read_text()
    return parse_catalogue(json.loads(text))


def apply_quote(option: Option, quote: Mapping[str, Any], firm: str) -> Option:
    """An option with a supplier's quoted figures (capex, fixed opex, lifetime) for ``firm``."""
    where = f"quote for {option.id}"
    changes: dict[str, Any] = {"quoted_by": firm}
    if "capex_cny" in quote:
        changes["capex"] = _dec(quote, "capex_cny", where)
    if "fixed_opex_cny_per_year" in quote:
        changes["fixed_opex"] = _dec(quote, "fixed_opex_cny_per_year", where)
    if "lifetime_years" in quote:
        years = quote["lifetime_years"]
        if not isinstance(years, int) or years <= 0:
            raise CatalogueError(f"{where}.lifetime_years: a positive integer")
        changes["lifetime_years"] = years
    return replace(option, **changes)
