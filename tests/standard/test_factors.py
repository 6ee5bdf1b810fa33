"""Factor tables: provenance of every factor, derived values, version identity."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from carbonledger.standard import FactorTableError, Standard, build_standard


def test_every_factor_states_source_year_licence_and_unit(std: Standard) -> None:
    assert len(std.factors) >= 20
    for f in std.factors.values():
        assert f.source.get("document") and f.source.get("table"), f.id
        assert f.licence and f.year >= 2015 and f.unit.startswith("kgCO2e/"), f.id
        assert f.verification, f.id


def test_china_guideline_diesel_factor_is_derived_from_its_parameters(std: Standard) -> None:
    # 42.652 GJ/t x 20.20 tC/TJ x 98% x 44/12 = 3,095.9096... kgCO2/t
    f = std.factors["cn.ndrc.land_transport.2015.diesel.t"]
    assert round(f.value, 4) == Decimal("3095.9096")
    assert f.gases == {"CO2": f.value} and f.name.startswith("柴油")


def test_published_grid_factors_are_in_the_table(std: Standard) -> None:
    assert std.factors["cn.mee.2022.grid.national"].value == Decimal("0.5366")
    assert std.factors["cn.mee.2022.grid.power_sector_reporting"].value == Decimal("0.5703")
    assert std.factors["uk.desnz.2024.electricity.uk_grid"].value == Decimal("0.20705")
    assert "华东" in std.factors["cn.mee.2022.grid.east"].name


def test_version_id_is_derived_from_the_content_hash(std: Standard) -> None:
    assert len(std.content_hash) == 32
    assert std.version_id == f"cls-{std.methodology_version}-{std.content_hash.hex()[:16]}"


def test_changing_one_factor_changes_the_version(std: Standard) -> None:
    docs = copy.deepcopy(dict(std.documents))
    same = build_standard(docs["methodology"], docs["factor_tables"], docs["gwp"])
    assert same.content_hash == std.content_hash
    docs["factor_tables"][1]["factors"][0]["value"] = "0.5367"
    changed = build_standard(docs["methodology"], docs["factor_tables"], docs["gwp"])
    assert changed.version_id != std.version_id


def test_a_float_or_duplicate_in_a_table_is_refused(std: Standard) -> None:
    docs = copy.deepcopy(dict(std.documents))
    table = docs["factor_tables"][0]
    table["factors"].append(dict(table["factors"][0]))
    with pytest.raises(FactorTableError, match="duplicate"):
        build_standard(docs["methodology"], docs["factor_tables"], docs["gwp"])
    table["factors"].pop()
    table["factors"][0]["value"] = 0.2
    with pytest.raises(FactorTableError):
        build_standard(docs["methodology"], docs["factor_tables"], docs["gwp"])


def test_gwp_blends_are_computed_from_composition(std: Standard) -> None:
    assert std.gwp_sets["AR5"].values["R-404A"] == Decimal("3942.80")
    assert std.gwp_sets["AR6"].values["CH4_fossil"] == Decimal("29.8")
    assert std.gwp_sets["AR6"].values["CH4_non_fossil"] == Decimal("27.0")
