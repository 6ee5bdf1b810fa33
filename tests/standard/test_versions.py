"""Every rule under its version: frozen version directories, pins, and old versions re-run.

A published version is a directory ``data/versions/<v>/`` whose files, content hash and
rule-set document are pinned. These tests fail when any of them changes without a new
methodology version, and show that a claim filed under 1.0.0 still re-checks to its original
report hash while the same document under 1.1.0 gets 1.1.0's findings.
"""

from __future__ import annotations

import copy
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from carbonledger.standard import (
    FactorTableError,
    check,
    current_version,
    load_default_standard,
    load_version,
    parse_claim,
    shipped_versions,
    standard_by_content_hash,
    standard_named,
)
from carbonledger.standard import lines as lines_module
from carbonledger.standard import rules as rules_module
from carbonledger.standard.canonical import keccak256
from carbonledger.standard.loader import _versions_root, verify_version_dir
from carbonledger.standard.rules import Rule

from .standard_helpers import FIRM, intensity

V1, V2, V3 = "1.0.0", "1.1.0", "1.2.0"
VERSIONS = Path(str(_versions_root()))


def test_old_and_current_versions_are_shipped_and_runnable() -> None:
    assert shipped_versions() == (V1, V2, V3)
    assert current_version() == V2 and load_default_standard() is load_version(V2)
    v1, v2 = load_version(V1), load_version(V2)
    assert v1.rule_set.id == "cls-rules/1" and v2.rule_set.id == "cls-rules/2"
    # 1.0.0 keeps the content hash it was published with before this change
    assert v1.content_hash.hex() == (
        "d72ccb62894db9fff712d6a84e370e3ac33f74180b3ac4e5f4e2e98d7f11188e"
    )
    assert standard_named(v1.version_id) is v1 and standard_by_content_hash(v2.content_hash) is v2
    assert standard_named("cls-9.9.9-0000000000000000") is None


@pytest.mark.parametrize("version", [V1, V2, V3])
def test_the_pinned_file_hashes_and_content_hash_are_recomputed(version: str) -> None:
    root = VERSIONS / version
    pins = json.loads((root / "pinned.json").read_text(encoding="utf-8"))
    for rel, digest in pins["files"].items():
        assert "0x" + keccak256((root / rel).read_bytes()).hex() == digest, rel
    methodology = json.loads((root / "methodology.json").read_text(encoding="utf-8"))
    listed = {"methodology.json", methodology["gwp_file"], *methodology["factor_tables"]}
    assert listed | {"ruleset.json"} == set(pins["files"])
    std = load_version(version)
    assert pins["content_hash"] == "0x" + std.content_hash.hex()
    assert pins["version_id"] == std.version_id


def _copy_version(tmp_path: Path, version: str) -> Path:
    root = tmp_path / version
    shutil.copytree(VERSIONS / version, root)
    return root


@pytest.mark.parametrize("version", [V1, V2])
def test_a_changed_data_file_without_a_new_version_fails_to_load(
    tmp_path: Path, version: str
) -> None:
    root = _copy_version(tmp_path, version)
    assert verify_version_dir(root).version_id == load_version(version).version_id
    path = root / "methodology.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["rounding"]["report_quantum_kgco2e"] = "0.01"  # the rounding decides every figure
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FactorTableError, match=r"methodology\.json differs from its pinned"):
        verify_version_dir(root)


def _rule_set_changes() -> list[tuple[str, Any]]:
    def severity(mp: pytest.MonkeyPatch) -> None:
        mp.setitem(rules_module.RULES, "SCP003", Rule("SCP003", "warning", "softer"))

    def allowed(mp: pytest.MonkeyPatch) -> None:
        mp.setitem(rules_module.ALLOWED_1, ("hub", "own"), (1, None))  # type: ignore[index]
        mp.setitem(rules_module.ALLOWED_2, ("hub", "own"), (1, None))  # type: ignore[index]

    def line_field(mp: pytest.MonkeyPatch) -> None:
        specs = dict(lines_module._FULL_SPECS["transport"])
        specs["distance_km"] = lines_module._dec(False, "now optional")
        mp.setitem(lines_module._FULL_SPECS, "transport", specs)

    def factor_basis(mp: pytest.MonkeyPatch) -> None:
        fuel = {"factor_id": frozenset({"TTW", "WTW"}), "wtt_factor_id": frozenset({"WTT"})}
        mp.setitem(rules_module.FACTOR_BASES_2, "fuel", fuel)  # type: ignore[index]

    def decimal_context(mp: pytest.MonkeyPatch) -> None:
        mp.setattr(rules_module.CONTEXT, "prec", 28)

    return [
        ("severity", severity),
        ("allowed", allowed),
        ("line_field", line_field),
        ("factor_basis", factor_basis),
        ("decimal_context", decimal_context),
    ]


@pytest.mark.parametrize(
    "name,change", _rule_set_changes(), ids=[n for n, _ in _rule_set_changes()]
)
def test_a_changed_rule_set_without_a_new_version_fails_to_load(
    monkeypatch: pytest.MonkeyPatch, name: str, change: Any
) -> None:
    change(monkeypatch)
    # 1.1.0 hashes its rule set; 1.0.0's is frozen by its snapshot (factor bases are level 2)
    versions = [V2] if name == "factor_basis" else [V1, V2]
    for version in versions:
        with pytest.raises(FactorTableError, match=r"no longer matches its frozen ruleset\.json"):
            verify_version_dir(VERSIONS / version)


def test_the_rule_set_is_part_of_the_content_hash_from_level_2() -> None:
    from carbonledger.standard.loader import load_standard_from

    before = load_standard_from(VERSIONS / V2).content_hash
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(rules_module.RULES, "TRN004", Rule("TRN004", "warning", "softer"))
        after = load_standard_from(VERSIONS / V2).content_hash
    assert before != after


# --- acceptance: a claim filed under 1.0.0 re-checks byte for byte; 1.1.0 has the new rule --
WTW_AS_FUEL = intensity(
    "supplier.diesel.wtw",
    "3.1",
    unit="kgCO2e/L",
    kind="fuel_combustion",
    basis="WTW",
)


def _filed_under_v1() -> dict[str, Any]:
    """A footprint whose fuel line uses a WTW factor as its combustion factor (accepted by
    1.0.0's rules, refused by 1.1.0's FAC005), as filed under 1.0.0."""
    return {
        "schema_version": "1",
        "kind": "footprint",
        "claim_id": "acceptance-v1",
        "firm": FIRM,
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "standard_version": load_version(V1).version_id,
        "gwp_set": "AR6",
        "boundary": {"organisational": "operational_control", "scopes": [1]},
        "factors": [WTW_AS_FUEL],
        "lines": [
            {
                "id": "VAN-1",
                "activity": "fuel",
                "scope": 1,
                "quantity": "1000",
                "unit": "L",
                "factor_id": "supplier.diesel.wtw",
            }
        ],
        "declared": {
            "scope1": "3100",
            "scope2_location": "0",
            "scope2_market": "0",
            "scope3": {},
            "biogenic_co2": "0",
        },
    }


# the report hash this claim got when filed under 1.0.0: computed with the code before rule
# sets were versioned (commit f0be903, one standard only), then pinned
V1_REPORT_HASH = "0xe1baf3906da44f03d9c17ed714aa35c3fa56b5d1836cd4f918912df75bcef533"


def test_a_claim_filed_under_v1_rechecks_to_its_original_report_hash() -> None:
    claim = parse_claim(_filed_under_v1())
    std = standard_named(claim.standard_version)
    assert std is not None and std.methodology_version == V1
    report = check(claim, std)
    assert report.passed
    assert "0x" + report.report_hash.hex() == V1_REPORT_HASH


def test_the_same_document_under_v2_gets_the_new_finding() -> None:
    doc = _filed_under_v1()
    v2 = load_version(V2)
    report = check(parse_claim(doc), v2)
    fac = [f for f in report.findings if f.rule == "FAC005"]
    assert len(fac) == 1 and fac[0].path == "lines[0].factor_id"
    assert "supplier.diesel.wtw" in fac[0].message and "basis TTW" in fac[0].message
    refiled = copy.deepcopy(doc)
    refiled["standard_version"] = v2.version_id
    rules = {f.rule for f in check(parse_claim(refiled), v2).errors}
    assert "FAC005" in rules and "STD001" not in rules


def test_a_later_field_under_an_old_version_is_std002() -> None:
    doc = _filed_under_v1()
    doc["factors"] = []
    doc["lines"] = [
        {
            "id": "LEAK-1",
            "activity": "refrigerant",
            "scope": 1,
            "gas": "HFC-134a",
            "quantity": "1",
            "unit": "kg",
            "gwp": "2000",
            "gwp_source": "supplier data sheet",
        }
    ]
    report = check(parse_claim(doc), load_version(V1))
    std002 = [f for f in report.findings if f.rule == "STD002"]
    assert [f.path for f in std002] == ["lines[0].gwp", "lines[0].gwp_source"]
    # 1.0.0 ignores the field it does not know: the GWP set's value is used
    assert report.totals is not None and Decimal(report.totals["scope1"]) == Decimal("1530")
