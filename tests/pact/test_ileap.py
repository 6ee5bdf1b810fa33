"""iLEAP shipment footprints: computed by the standard from a logistics provider's claim,
published as PACT v3 footprints with the iLEAP extension, anchored and verified on chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.pact import model
from carbonledger.pact.client import publish_footprint
from carbonledger.pact.ileap import ILEAP_SCHEMA, ShipmentFootprintError
from tests.pact.conftest import PactHost, valid
from tests.pact.shipments import REF, build, lsp_claim


def test_a_shipment_footprint_follows_the_ileap_mapping_and_passes_the_pact_checks() -> None:
    pf = build(lsp_claim("0x" + "11" * 20))
    assert model.check_footprint(pf) == []
    assert pf["productIds"] == [
        "urn:pathfinder:product:customcode:vendor-assigned:shipment:SHP-1237890"
    ]
    pcf = pf["pcf"]
    # 12 t x (250 + 40) km = 3480 tkm; WTW = 3480 x (0.08 + 0.02) = 348 kgCO2e
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == (
        "ton kilometer",
        "3480",
    )
    assert pcf["pcfExcludingBiogenicUptake"] == pcf["fossilGhgEmissions"] == "348"
    assert pcf["productMassPerDeclaredUnit"] == "12000"  # kg
    (extension,) = pf["extensions"]
    assert extension["dataSchema"] == ILEAP_SCHEMA
    first, second = extension["data"]["tces"]
    assert first == {
        "tceId": "LEG-1",
        "prevTceIds": [],
        "shipmentId": "SHP-1237890",
        "tocId": "road",
        "distance": {"actual": "250"},
        "transportActivity": "3000",
        "mass": "12000",
        "co2eWTW": "300",
        "co2eTTW": "240",
    }
    assert second["prevTceIds"] == ["LEG-1"] and second["distance"] == {"sfd": "40"}


def test_a_leg_without_a_wtt_figure_is_refused_with_its_line() -> None:
    with pytest.raises(ShipmentFootprintError, match="line LEG-1: iLEAP needs both WTW and TTW"):
        build(lsp_claim("0x" + "11" * 20, with_wtt=False))


def test_a_shipment_footprint_is_published_citing_its_claim_and_verified_on_chain(
    pact_host: PactHost, tmp_path: Path
) -> None:
    lsp = pact_host.supplier
    doc = lsp_claim(lsp.address)
    answer = lsp.submit_claim(json.dumps(doc).encode())
    assert answer["check"]["passed"], answer
    published = publish_footprint(lsp, build(doc), derived_from=[answer["claim_id"]])
    anchor = published["extensions"][-1]["data"]
    assert anchor["derivedFrom"] == [answer["claim_id"].lower()]
    with pact_host.authed() as http:
        r = http.get(
            "/3/footprints",
            params={"classification": "urn:pact:productclassification:un-cpc:83117"},
        )
    served = valid("list", r.json())["data"]
    assert [pf["id"] for pf in served] == [published["id"]]
    assert served[0]["extensions"][0]["dataSchema"] == ILEAP_SCHEMA
    path = tmp_path / "shipment.json"
    path.write_text(json.dumps(served[0]))
    result = CliRunner().invoke(
        app, ["verify", "--rpc", pact_host.api.chain.node.url, "--pact", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    tampered = json.loads(path.read_text())
    tampered["extensions"][0]["data"]["tces"][0]["co2eWTW"] = "200"
    path.write_text(json.dumps(tampered))
    result = CliRunner().invoke(
        app, ["verify", "--rpc", pact_host.api.chain.node.url, "--pact", str(path), "--json"]
    )
    assert result.exit_code == 1


def test_the_cli_builds_a_shipment_footprint_and_publishes_it_with_the_firm_keystore(
    pact_host: PactHost, tmp_path: Path
) -> None:
    from eth_account import Account

    lsp = pact_host.supplier
    doc = lsp_claim(lsp.address)
    claim_path = tmp_path / "claim.json"
    claim_path.write_text(json.dumps(doc))
    runner = CliRunner()
    built = runner.invoke(
        app,
        [
            "pact",
            "shipment",
            str(claim_path),
            "--shipment-ref",
            REF,
            "--shipment-id",
            "SHP-CLI-1",
            "--company-name",
            "Acme Logistics",
            "--company-id",
            "urn:uuid:0b3e1c1e-2f9e-4a51-9b0e-4ad1f0f6c1d2",
        ],
    )
    assert built.exit_code == 0, built.output
    pf_path = tmp_path / "pf.json"
    pf_path.write_text(built.stdout)
    keystore = tmp_path / "key.json"
    keystore.write_text(json.dumps(Account.encrypt(lsp.account.key, "pw")))
    published = runner.invoke(
        app,
        ["pact", "publish", str(pf_path), "--key", str(keystore), "--api", pact_host.api.url],
        env={"CARBONLEDGER_KEY_PASSWORD": "pw", "COLUMNS": "250"},
    )
    assert published.exit_code == 0, published.output
    served = json.loads(published.stdout)
    assert served["id"] == json.loads(built.stdout)["id"]
    assert served["extensions"][-1]["data"]["claimId"].startswith("0x")
