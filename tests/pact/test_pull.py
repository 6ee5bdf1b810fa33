"""The acceptance story: a supplier publishes, a customer pulls over PACT (verified on chain on
the way in) and uses the footprint as a factor in its own claim, whose report names the source."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.pact.client import publish_footprint
from carbonledger.standard import compute, parse_claim
from tests.pact.conftest import PactHost, footprint

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


def test_a_per_kilogram_footprint_is_refused_as_a_factor_with_the_reason(
    pact_host: PactHost, tmp_path: Path
) -> None:
    path = tmp_path / "kg.json"
    path.write_text(json.dumps({"footprint": pact_host.published[0], "provenance": {}}))
    made = runner.invoke(app, ["pact", "factor", str(path), "--id", "x"], env={"COLUMNS": "250"})
    assert made.exit_code == 1
    assert "per 'kilogram'" in made.output
