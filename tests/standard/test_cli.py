"""``carbonledger standard`` commands (typer CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from carbonledger.cli.standard import app
from carbonledger.standard import Standard

from .standard_helpers import EXAMPLES, example

runner = CliRunner()


def test_calc_prints_totals_per_line_and_scope() -> None:
    result = runner.invoke(app, ["calc", str(EXAMPLES / "carrier_footprint.json")])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["totals"]["scope1"] == "18135.265"
    assert out["lines"][0]["shipments"][0]["ttw_kgco2e"] == "222.905494"
    assert out["document_hash"].startswith("0x")


def test_check_exits_0_when_the_claim_passes() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLES / "warehouse_footprint.json")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True and report["report_hash"].startswith("0x")


def test_check_exits_1_when_the_claim_fails(tmp_path: Path) -> None:
    doc = example("carrier_footprint.json")
    doc["declared"]["scope1"] = "1"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in findings if f["severity"] == "error"] == ["TOT001"]


def test_check_exits_2_with_a_reason_for_a_non_claim(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"kind": "footprint", "lines": [{"quantity": 1.5}]}')
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "not a claim document" in result.stderr and "lines[0]" in result.stderr
    missing = runner.invoke(app, ["check", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_check_a_reduction_with_baseline_and_allocations(tmp_path: Path) -> None:
    red = example("shipper_reduction.json")
    allocations = tmp_path / "alloc.json"
    allocations.write_text(json.dumps({red["settlements"][0]["settlement_id"]: "50"}))
    result = runner.invoke(
        app,
        [
            "check",
            str(EXAMPLES / "shipper_reduction.json"),
            "--baseline",
            str(EXAMPLES / "shipper_footprint.json"),
            "--allocations",
            str(allocations),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["onchain_kgco2e"] == {"inventory_reduction": 103}


def test_factors_lists_the_table_with_chinese_names_intact(std: Standard) -> None:
    table = runner.invoke(app, ["factors"])
    assert table.exit_code == 0 and "cn.mee.2022.grid.east" in table.stdout
    full = runner.invoke(app, ["factors", "--json"])
    rows = json.loads(full.stdout)
    assert len(rows) == len(std.factors)
    assert any("华东" in r["name"] for r in rows)


def test_version_prints_the_version_id_and_hash(std: Standard) -> None:
    out = json.loads(runner.invoke(app, ["version"]).stdout)
    assert out["version_id"] == std.version_id
    assert out["content_hash"] == "0x" + std.content_hash.hex()


def test_schema_prints_the_claim_json_schema() -> None:
    out = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert out["$schema"].startswith("https://json-schema.org/")
    assert out["discriminator"]["propertyName"] == "kind"
