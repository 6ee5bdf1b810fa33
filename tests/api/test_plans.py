"""POST /plans, ``carbonledger plan`` and ``carbonledger target``: a joint plan from the partners'
verified claims, proposed as a settlement with its hash; a target signed and tracked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from typer.testing import CliRunner

from carbonledger.cli.main import app
from carbonledger.client import ApiError
from carbonledger.planner.proposal import plan_hash_of
from tests.api.conftest import Api
from tests.api.partners import Partners, partners

PASSWORD = "plan-test-password"


@pytest.fixture(scope="module")
def pair(api: Api) -> Partners:
    return partners(api, "Plan")


def _overlap(pair: Partners) -> str:
    [o] = [o for o in pair.carrier_client.overlaps() if o["partner"] == pair.shipper.address]
    return str(o["overlap_id"])


def _keystore(tmp_path: Path, account: Account, name: str) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(Account.encrypt(bytes(account.key), PASSWORD)))  # type: ignore[attr-defined]
    return str(path)


def test_both_partners_get_the_same_plan_and_hash(pair: Partners) -> None:
    overlap = _overlap(pair)
    mine = pair.carrier_client.plan(overlap, "pct", "20")
    theirs = pair.shipper_client.plan(overlap, "pct", "20")
    assert mine["plan_hash"] == theirs["plan_hash"]
    plan = mine["plan"]
    assert {p["claim_id"] for p in plan["parties"]} == {pair.carrier_claim, pair.shipper_claim}
    assert plan["joint"]["options"], "the plan chose no option"
    assert float(plan["joint"]["removed_tco2e"]) >= float(plan["joint"]["target_tco2e"])
    for split in plan["splits"]:
        total = sum(float(v) for v in split["shares"].values())
        assert total == pytest.approx(float(plan["joint"]["cost_per_year"]), abs=0.02)
    assert sum(mine["shares_bps"]) == 10_000
    assert "<svg" in mine["macc_svg"]


def test_a_firm_outside_the_overlap_cannot_plan_it(api: Api, pair: Partners) -> None:
    outsider = api.client(api.admit("Plan Outsider"))
    with pytest.raises(ApiError) as refused:
        outsider.plan(_overlap(pair), "pct", "20")
    assert refused.value.status == 404


def test_an_unreachable_goal_is_a_422_naming_the_plan(pair: Partners) -> None:
    with pytest.raises(ApiError) as refused:
        pair.carrier_client.plan(_overlap(pair), "tonnes", "100000")
    assert refused.value.status == 422
    assert "unreachable" in str(refused.value)


def test_the_cli_plans_proposes_and_the_partner_rechecks_the_hash(
    api: Api, pair: Partners, tmp_path: Path
) -> None:
    runner = CliRunner(env={"CARBONLEDGER_KEY_PASSWORD": PASSWORD})
    overlap = _overlap(pair)
    carrier_key = _keystore(tmp_path, pair.carrier, "carrier")  # type: ignore[arg-type]
    svg = tmp_path / "macc.svg"
    done = runner.invoke(
        app,
        [
            "plan", "--overlap", overlap, "--pct", "20", "--propose", "--svg", str(svg),
            "--key", carrier_key, "--api", api.url,
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "recommended:" in done.output and "proposed settlement" in done.output
    assert svg.read_text().lstrip().startswith("<?xml")
    [proposal] = [
        s for s in pair.shipper_client.settlements() if plan_hash_of(s["project"]["description"])
    ]
    recorded = plan_hash_of(proposal["project"]["description"])
    shipper_key = _keystore(tmp_path, pair.shipper, "shipper")  # type: ignore[arg-type]
    check = ["plan", "--overlap", overlap, "--key", shipper_key, "--api", api.url]
    same = runner.invoke(app, [*check, "--pct", "20", "--expect-hash", str(recorded)])
    assert same.exit_code == 0, same.output
    other = runner.invoke(app, [*check, "--pct", "25", "--expect-hash", str(recorded)])
    assert other.exit_code == 1 and "the figures differ" in other.output


def test_a_target_is_signed_and_tracked_from_the_cli(
    api: Api, pair: Partners, tmp_path: Path
) -> None:
    runner = CliRunner(env={"CARBONLEDGER_KEY_PASSWORD": PASSWORD})
    key = _keystore(tmp_path, pair.carrier, "carrier-target")  # type: ignore[arg-type]
    signed = tmp_path / "target.json"
    common = ["--key", key, "--api", api.url]
    made = runner.invoke(
        app,
        [
            "target", "sign", "--base-claim", pair.carrier_claim, "--base-year", "2024",
            "--target-year", "2030", "--pct", "50", "--out", str(signed), *common,
        ],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "recorded on chain" in made.output
    doc = json.loads(signed.read_text())
    recorded = pair.shipper_client.request("GET", "/targets", params={"firm": pair.carrier.address})
    assert doc["target_id"] in [t["target_id"] for t in recorded]
    shown = runner.invoke(app, ["target", "track", "--target", str(signed), *common])
    assert shown.exit_code == 0, shown.output
    assert doc["target_id"] in shown.output
    assert "linear path" in shown.output and "2030" in shown.output
    latest = runner.invoke(app, ["target", "track", *common])  # the firm's latest, from chain
    assert latest.exit_code == 0 and doc["target_id"] in latest.output, latest.output
    # a target that is not on chain is not tracked
    doc["target_id"] = "0x" + "00" * 32
    signed.write_text(json.dumps(doc))
    unknown = runner.invoke(app, ["target", "track", "--target", str(signed), *common])
    assert unknown.exit_code == 1 and "no such target recorded" in unknown.output


def test_a_quote_changes_the_plan_and_the_partner_reruns_it_from_the_plan_file(
    api: Api, pair: Partners, tmp_path: Path
) -> None:
    runner = CliRunner(env={"CARBONLEDGER_KEY_PASSWORD": PASSWORD})
    overlap = _overlap(pair)
    quote = tmp_path / "quote.json"
    quote.write_text(
        json.dumps(
            {
                "kind": "abatement_quote",
                "firm": pair.carrier.address,
                "option": "route_optimisation",
                "supplier": "a routing software vendor",
                "fixed_opex_cny_per_year": "100",
            }
        )
    )
    plan_file = tmp_path / "plan.json"
    carrier_key = _keystore(tmp_path, pair.carrier, "carrier-q")  # type: ignore[arg-type]
    shipper_key = _keystore(tmp_path, pair.shipper, "shipper-q")  # type: ignore[arg-type]
    base = ["plan", "--overlap", overlap, "--pct", "20", "--api", api.url, "--json"]
    quoted = runner.invoke(
        app, [*base, "--key", carrier_key, "--quote", str(quote), "--out", str(plan_file)]
    )
    assert quoted.exit_code == 0, quoted.output
    answer = json.loads(quoted.output)
    plain = pair.carrier_client.plan(overlap, "pct", "20.0")
    assert answer["plan_hash"] != plain["plan_hash"]
    assert answer["plan"]["quotes"][0]["quote"]["option"] == "route_optimisation"
    again = runner.invoke(app, [*base, "--key", shipper_key, "--quotes-from", str(plan_file)])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["plan_hash"] == answer["plan_hash"]


def test_a_quote_signed_by_someone_else_is_a_422_naming_quotes(pair: Partners) -> None:
    forged = {
        "quote": {
            "kind": "abatement_quote",
            "firm": pair.carrier.address,
            "option": "route_optimisation",
            "capex_cny": "1",
        },
        "signature": "0x" + "11" * 65,
    }
    with pytest.raises(ApiError) as refused:
        pair.shipper_client.plan(_overlap(pair), "pct", "20", quotes=[forged])
    assert refused.value.status == 422
    assert refused.value.problems[0]["field"] == "quotes"
