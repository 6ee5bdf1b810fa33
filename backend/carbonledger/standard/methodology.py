"""The standard itself: methodology rules + factor tables + GWP sets, with its identity.

:class:`Standard` is an immutable value built by :func:`build_standard` from parsed JSON
documents (pure). Its identity:

* ``content_hash`` (32 bytes) = keccak-256 of the RFC 8785 bytes of
  ``{"methodology": <methodology.json>, "factor_tables": [<each table>], "gwp": <gwp.json>,
  "rule_set": <ruleset_document(level)>}``: the methodology's parameters and rounding, every
  factor, the GWPs, and the rule set the checker runs (rule ids and severities, the line fields
  of every activity, the allowed scope/category tables, the factor bases, the decimal context;
  see :mod:`.rules`). This is what goes on chain in the StandardRegistry.
  Methodology 1.0.0 (rule set level 1, no ``rule_set`` key) was published before the rule set
  was hashed: its identity is the first three members only, kept so that its on-chain hash
  and every report filed under it stay the same; its rules are frozen by the snapshot test
  instead (``data/versions/1.0.0/ruleset.json``).
* ``version_id`` = ``"cls-" + methodology_version + "-" + first 16 hex digits of content_hash``,
  e.g. ``cls-1.0.0-3f2a...``. A claim names the version it was computed under; any change to the
  methodology or to any factor changes both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from carbonledger.standard.canonical import canonical_bytes, keccak256
from carbonledger.standard.errors import FactorTableError
from carbonledger.standard.factors import (
    Factor,
    GwpSet,
    parse_factor_table,
    parse_gwp_sets,
)
from carbonledger.standard.numbers import parse_decimal_value
from carbonledger.standard.rules import RuleSet, ruleset, ruleset_document


@dataclass(frozen=True)
class Standard:
    """A pinned calculation standard (see module docstring)."""

    methodology_version: str
    name: str
    factors: Mapping[str, Factor]
    gwp_sets: Mapping[str, GwpSet]
    report_quantum: Decimal
    allocation_quantum: Decimal
    tolerance_absolute: Decimal
    tolerance_relative: Decimal
    air_gcd_adjustment_km: Decimal
    factor_age_warning_years: int
    content_hash: bytes
    version_id: str
    documents: Mapping[str, Any]
    rule_set: RuleSet
    intensity_quantum: Decimal

    def tolerance(self, computed: Decimal) -> Decimal:
        """Allowed |declared - computed| for a figure: max(absolute, relative x |computed|)."""
        rel = self.tolerance_relative * abs(computed)
        return rel if rel > self.tolerance_absolute else self.tolerance_absolute


def _dec(doc: Mapping[str, Any], *keys: str) -> Decimal:
    node: Any = doc
    for k in keys:
        if not isinstance(node, Mapping) or k not in node:
            raise FactorTableError(f"methodology: missing {'.'.join(keys)}")
        node = node[k]
    try:
        return parse_decimal_value(node)
    except ValueError as exc:
        raise FactorTableError(f"methodology.{'.'.join(keys)}: {exc}") from exc


def build_standard(
    methodology: Mapping[str, Any],
    tables: Sequence[Mapping[str, Any]],
    gwp: Mapping[str, Any],
) -> Standard:
    """Assemble a :class:`Standard` from parsed documents (no I/O)."""
    version = methodology.get("methodology_version")
    if not isinstance(version, str) or not version:
        raise FactorTableError("methodology: missing methodology_version")
    factors: dict[str, Factor] = {}
    for i, table in enumerate(tables):
        for fid, factor in parse_factor_table(table, f"table[{table.get('table_id', i)}]").items():
            if fid in factors:
                raise FactorTableError(f"factor id {fid!r} appears in two tables")
            factors[fid] = factor
    gwp_sets = parse_gwp_sets(gwp)
    level = rule_set_level(methodology)
    identity: dict[str, Any] = {
        "methodology": methodology,
        "factor_tables": list(tables),
        "gwp": gwp,
    }
    if level >= 2:
        identity["rule_set"] = ruleset_document(level)
    transport = methodology.get("transport", {})
    intensity_quantum = (
        _dec(methodology, "transport", "intensity_quantum_kgco2e_per_tkm")
        if isinstance(transport, Mapping) and "intensity_quantum_kgco2e_per_tkm" in transport
        else Decimal("0.000001")
    )
    content_hash = keccak256(canonical_bytes(identity))
    years = methodology.get("factor_age_warning_years", 3)
    if type(years) is not int:
        raise FactorTableError("methodology.factor_age_warning_years: must be an integer")
    return Standard(
        methodology_version=version,
        name=str(methodology.get("name", "")),
        factors=factors,
        gwp_sets=gwp_sets,
        report_quantum=_dec(methodology, "rounding", "report_quantum_kgco2e"),
        allocation_quantum=_dec(methodology, "rounding", "allocation_quantum_kgco2e"),
        tolerance_absolute=_dec(methodology, "tolerance", "absolute_kgco2e"),
        tolerance_relative=_dec(methodology, "tolerance", "relative"),
        air_gcd_adjustment_km=_dec(methodology, "transport", "air_great_circle_adjustment_km"),
        factor_age_warning_years=years,
        content_hash=content_hash,
        version_id=f"cls-{version}-{content_hash.hex()[:16]}",
        documents=identity,
        rule_set=ruleset(level),
        intensity_quantum=intensity_quantum,
    )


def rule_set_level(methodology: Mapping[str, Any]) -> int:
    """The rule-set level a methodology names (``"rule_set": "cls-rules/N"``; absent: 1)."""
    name = methodology.get("rule_set", "cls-rules/1")
    prefix = "cls-rules/"
    if not isinstance(name, str) or not name.startswith(prefix) or not name[len(prefix) :]:
        raise FactorTableError(f"methodology.rule_set: {name!r} is not cls-rules/<level>")
    try:
        level = int(name[len(prefix) :])
        ruleset(level)
    except ValueError as exc:
        raise FactorTableError(f"methodology.rule_set: {exc}") from exc
    return level
