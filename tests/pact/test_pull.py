"""The acceptance story: a supplier publishes, a customer pulls over PACT (verified on chain on
the way in) and uses the footprint as a factor in its own claim, whose report names the source."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.pact.client import publish_footprint
from carbonledger.standard import compute, parse_claim
from carbonledger.standard.errors import UnitMismatchError
from tests.pact.conftest import V3, PactHost, ensure_standard_v3, footprint

runner = CliRunner()
SERVICE = "urn:pact:acme-steel:service:road-ftl-2024"


def _pull(pact_host: PactHost, out: Path, *extra: str) -> Any:
    return runner.invoke(
        app,
        [
            "pact",
            "pull",
            "--from",
            pact_host.url,
            "--out",
            str(out),
            "--client-id",
            pact_host.client_id,
            "--client-secret",
            pact_host.client_secret,
            "--ca",
            str(pact_host.cert),
            "--rpc",
            pact_host.api.chain.node.url,
            *extra,
        ],
        env={"COLUMNS": "250"},
    )


def test_a_customer_pulls_a_supplier_footprint_and_uses_it_as_its_factor(
    pact_host: PactHost, tmp_path: Path
) -> None:
    road = publish_footprint(
        pact_host.supplier,
        footprint(
            productIds=[SERVICE],
            productNameCompany="Road FTL 2024",
            pcf={
                "declaredUnitOfMeasurement": "ton kilometer",
                "productMassPerDeclaredUnit": "0",
                "pcfExcludingBiogenicUptake": "0.062",
                "pcfIncludingBiogenicUptake": "0.062",
                "biogenicCO2Uptake": "0",
                "fossilGhgEmissions": "0.060",
            },
        ),
    )
    out = tmp_path / "suppliers"
    result = _pull(pact_host, out, "--product-id", SERVICE)
    assert result.exit_code == 0, result.output
    kept = json.loads((out / f"{road['id']}.json").read_text())
    assert kept["provenance"]["verifiedOnChain"] is True
    assert kept["provenance"]["host"] == pact_host.url

    made = runner.invoke(
        app, ["pact", "factor", str(out / f"{road['id']}.json"), "--id", "acme.road.2024"]
    )
    assert made.exit_code == 0, made.output
    factor = json.loads(made.stdout)
    assert (factor["unit"], factor["kind"], factor["value"]) == (
        "kgCO2e/tkm",
        "transport_intensity",
        "0.062",
    )
    customer = pact_host.customer
    doc: dict[str, Any] = {
        "schema_version": "1",
        "kind": "footprint",
        "claim_id": f"customer-{uuid.uuid4()}",
        "firm": {"address": customer.address, "name": "Customer GmbH"},
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "standard_version": pact_host.api.services.standard.version_id,
        "gwp_set": "AR6",
        "boundary": {
            "organisational": "operational_control",
            "scopes": [3],
            "scope3_categories": [4],
        },
        "factors": [factor],
        "lines": [
            {
                "id": "CAT4-ACME-0001",
                "activity": "transport",
                "scope": 3,
                "category": 4,
                "arrangement": "purchased",
                "mode": "road",
                "mass_t": "10",
                "distance_km": "100",
                "distance_basis": "actual",
                "factor_id": "acme.road.2024",
            }
        ],
    }
    doc["declared"] = {
        "scope1": "0",
        "scope2_location": "0",
        "scope2_market": "0",
        "scope3": {"4": "0"},
        "biogenic_co2": "0",
    }
    totals = compute(parse_claim(json.dumps(doc).encode()), pact_host.api.services.standard)
    assert totals.scope3[4] == Decimal("62.000")  # 10 t x 100 km x 0.062 kgCO2e/tkm
    doc["declared"]["scope3"] = {"4": "62.000"}
    answer = customer.submit_claim(json.dumps(doc).encode())
    assert answer["check"]["passed"], answer
    report = json.dumps(answer["check"], ensure_ascii=False)
    assert f"PACT footprint {road['id']}" in report  # the source is named in the report
    assert road["extensions"][-1]["data"]["claimId"] in report


def _verify(pact_host: PactHost, path: Path) -> Any:
    return runner.invoke(
        app,
        ["verify", "--rpc", pact_host.api.chain.node.url, "--pact", str(path), "--json"],
        env={"COLUMNS": "250"},
    )


def test_cat1_a_customer_uses_a_supplier_product_footprint_for_its_purchased_goods(
    pact_host: PactHost, tmp_path: Path
) -> None:
    """Acceptance (Scope 3 cat. 1): the supplier publishes a per-kilogram PCF, the customer
    pulls it (verified on chain), makes it the factor of a purchased_goods line (2 t bought),
    files its claim under standard 1.2.0, and the report names the PACT source; the verifier
    checks the supplier footprint on chain, and the same footprint changed by one byte fails."""
    ensure_standard_v3(pact_host)
    coil = publish_footprint(
        pact_host.supplier,
        footprint(productIds=["urn:gtin:4712345069999"], productNameCompany="HRC S355"),
    )
    out = tmp_path / "suppliers"
    pulled = _pull(pact_host, out, "--product-id", "urn:gtin:4712345069999")
    assert pulled.exit_code == 0, pulled.output
    kept_path = out / f"{coil['id']}.json"
    kept = json.loads(kept_path.read_text())
    assert kept["provenance"]["verifiedOnChain"] is True

    made = runner.invoke(app, ["pact", "factor", str(kept_path), "--id", "acme.hrc-s355.2024"])
    assert made.exit_code == 0, made.output
    factor = json.loads(made.stdout)
    assert (factor["unit"], factor["kind"], factor["value"]) == (
        "kgCO2e/kg",
        "product_footprint",
        "1.85",  # pcfExcludingBiogenicUptake per 1 kilogram
    )
    customer = pact_host.customer
    doc: dict[str, Any] = {
        "schema_version": "1",
        "kind": "footprint",
        "claim_id": f"customer-cat1-{uuid.uuid4()}",
        "firm": {"address": customer.address, "name": "Customer GmbH"},
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "standard_version": V3.version_id,
        "gwp_set": "AR6",
        "boundary": {
            "organisational": "operational_control",
            "scopes": [3],
            "scope3_categories": [1],
        },
        "factors": [factor],
        "lines": [
            {
                "id": "CAT1-COIL-0001",
                "activity": "purchased_goods",
                "scope": 3,
                "category": 1,
                "arrangement": "purchased",
                "quantity": "2",
                "unit": "t",  # converted to the footprint's kilogram
                "factor_id": "acme.hrc-s355.2024",
                "product_id": "urn:gtin:4712345069999",
            }
        ],
        "declared": {
            "scope1": "0",
            "scope2_location": "0",
            "scope2_market": "0",
            "scope3": {"1": "3700.000"},  # 2000 kg x 1.85 kgCO2e/kg
            "biogenic_co2": "0",
        },
    }
    totals = compute(parse_claim(json.dumps(doc).encode()), V3)
    assert totals.scope3 == {1: Decimal("3700.00")}
    answer = customer.submit_claim(json.dumps(doc).encode())
    assert answer["check"]["passed"], answer
    report = json.dumps(answer["check"], ensure_ascii=False)
    assert f"PACT footprint {coil['id']}" in report  # the source named in the report
    assert coil["extensions"][-1]["data"]["claimId"] in report

    # the verifier checks the supplier footprint the customer relied on, on chain
    footprint_path = tmp_path / "coil.json"
    footprint_path.write_text(json.dumps(kept["footprint"]))
    assert _verify(pact_host, footprint_path).exit_code == 0
    # ... and one byte changed on the way is refused
    text = footprint_path.read_text()
    assert text.count('"1.85"') == 1
    footprint_path.write_text(text.replace('"1.85"', '"1.86"'))
    refused = _verify(pact_host, footprint_path)
    assert refused.exit_code == 1, refused.output


def test_a_quantity_in_another_dimension_than_the_footprint_is_refused_before_signing(
    pact_host: PactHost, tmp_path: Path
) -> None:
    ensure_standard_v3(pact_host)
    path = tmp_path / "kg.json"
    path.write_text(json.dumps({"footprint": pact_host.published[0], "provenance": {}}))
    made = runner.invoke(app, ["pact", "factor", str(path), "--id", "x"], env={"COLUMNS": "250"})
    assert made.exit_code == 0, made.output
    doc = {
        "schema_version": "1",
        "kind": "footprint",
        "firm": {"address": pact_host.customer.address, "name": "Customer GmbH"},
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "standard_version": V3.version_id,
        "gwp_set": "AR6",
        "boundary": {"organisational": "operational_control", "scopes": [3]},
        "factors": [json.loads(made.stdout)],
        "lines": [
            {
                "id": "CAT1-1",
                "activity": "purchased_goods",
                "scope": 3,
                "category": 1,
                "arrangement": "purchased",
                "quantity": "40",
                "unit": "piece",
                "factor_id": "x",
            }
        ],
        "declared": {
            "scope1": "0",
            "scope2_location": "0",
            "scope2_market": "0",
            "scope3": {"1": "0"},
            "biogenic_co2": "0",
        },
    }
    nonce = pact_host.customer.next_nonce()
    with pytest.raises(UnitMismatchError, match=r"lines\[0\]\.unit: quantity in piece"):
        pact_host.customer.submit_claim(json.dumps(doc).encode())
    assert pact_host.customer.next_nonce() == nonce  # nothing was filed


def test_a_footprint_in_a_unit_the_standard_has_no_quantities_in_is_refused_as_a_factor(
    tmp_path: Path,
) -> None:
    pf = footprint(pcf={"declaredUnitOfMeasurement": "megabit second"})
    path = tmp_path / "mbit.json"
    path.write_text(json.dumps({"footprint": pf, "provenance": {}}))
    made = runner.invoke(app, ["pact", "factor", str(path), "--id", "x"], env={"COLUMNS": "250"})
    assert made.exit_code == 1
    assert "per 'megabit second'" in made.output
