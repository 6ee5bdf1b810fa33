"""``carbonledger demo`` as a person runs it: a child process on free ports (never 8545), a
temporary data directory, the whole scenario, the summary, under two minutes."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from carbonledger.chain.node import free_port
from carbonledger.client import load_keystore
from carbonledger.vocab import Target as OnChainTarget
from tests.cli.conftest import CLI, cli_env

LIMIT_S = 120.0


@dataclass
class DemoRun:
    result: subprocess.CompletedProcess[str]
    seconds: float
    data_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.data_dir / "demo-summary.json").read_text())
        return data


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    chain_port, api_port = free_port(), free_port()
    assert 8545 not in (chain_port, api_port)
    started = time.monotonic()
    result = subprocess.run(
        [
            CLI, "demo", "--data-dir", str(data_dir),
            "--chain-port", str(chain_port), "--api-port", str(api_port),
        ],
        capture_output=True,
        text=True,
        timeout=LIMIT_S + 60,
        env=cli_env(),
    )  # fmt: skip
    yield DemoRun(result, time.monotonic() - started, data_dir)


def test_the_scenario_runs_from_nothing_in_under_two_minutes(demo: DemoRun) -> None:
    out = demo.result.stdout
    assert demo.result.returncode in (0, 1), demo.result.stderr[-3000:]
    assert demo.seconds < LIMIT_S, f"took {demo.seconds:.1f} s"
    assert "demo finished in" in out

    s = demo.summary
    assert s["elapsed_s"] < LIMIT_S
    # the consortium: 3 firms and an auditor, each with its own key
    assert "4 members (3 firms, 1 auditor)" in out
    roles = {m["role"]: m["roles"] for m in s["members"]}
    assert roles == {
        "shipper": ["firm"], "carrier": ["firm"], "warehouse": ["firm"], "auditor": ["auditor"],
    }  # fmt: skip
    assert s["standard"].startswith("cls-") and "published on chain" in out

    # year one: three footprints from thousands of shipments; year two: two reductions
    assert "5 claims (3 footprints, 2 reductions), 5 PASS, all checked on chain" in out
    claims = {(c["firm"], c["kind"]): c for c in s["claims"]}
    assert set(claims) == {
        ("carrier", "footprint"), ("shipper", "footprint"), ("warehouse", "footprint"),
        ("carrier", "reduction"), ("shipper", "reduction"),
    }  # fmt: skip
    assert all(c["passed"] and c["state"] == "checked" for c in s["claims"])
    assert claims[("carrier", "footprint")]["lines"] > 1000  # a trip line per truck run
    assert claims[("shipper", "footprint")]["lines"] > 2000  # a line per shipment
    for c in s["claims"]:
        assert Path(c["document"]).parent == demo.data_dir / "documents" / c["firm"]
        assert Path(c["document"]).is_file()

    # the carrier's scope 1 is the shipper's Scope 3 cat. 4 for the shared shipments
    assert "2 overlaps. carrier-shipper" in out
    assert s["overlaps"] == {"shipper": 2, "carrier": 1, "warehouse": 1}
    assert s["overlap"]["shipments"] > 2000 and s["overlap"]["overlap_kgco2e"] > 0
    # the warehouse's scope 2 site electricity allocated to the shipper by pallet-days is the
    # shipper's Scope 3 cat. 4 site_share: one salted site ref, about the same kg both sides
    site = s["site_overlap"]
    assert "warehouse-shipper: site electricity allocated by pallet-days" in out
    assert site["shipments"] == 1 and site["overlap_kgco2e"] > 100_000
    kg = {role: float(v) for role, v in site["parties"].items()}
    assert set(kg) == {"warehouse", "shipper"}
    assert abs(kg["warehouse"] - kg["shipper"]) < 0.01 * kg["shipper"]

    # the joint plan on the overlap: cheaper per tonne than either party alone, re-run by the
    # shipper to the same hash, its recommended split proposed with the hash in the project
    plan = s["plan"]
    joint = float(plan["joint"]["cost_per_tco2e"])
    assert all(
        a["reachable"] and joint < float(a["cost_per_tco2e"]) for a in plan["stand_alone"].values()
    ), plan["stand_alone"]
    assert plan["options"] and sum(plan["shares_bps"]) == 10_000
    assert "joint plan" in out and "recommended:" in out
    assert s["settlement"]["total_cost"] == round(float(plan["joint"]["cost_per_year"]) * 100)

    # the carrier's target, signed and tracked on its two years of verified claims
    target = s["target"]
    assert target["target"]["reduction_bps"] == 5_000 and target["signature"].startswith("0x")
    years = {row["year"]: row for row in target["trajectory"]}
    assert set(years) == set(range(2024, 2031))
    assert years[2024]["verified_kg"] == years[2024]["path_kg"]
    assert years[2025]["verified_kg"] is not None and years[2026]["verified_kg"] is None
    assert "carrier: -50% scope 1+2 by 2030 vs 2024" in out
    # ... and recorded on chain by the TargetRegistry under its EIP-712 struct hash
    onchain = OnChainTarget.from_json(target["onchain"])
    assert target["target_id"] == "0x" + onchain.struct_hash().hex()
    assert target["tx_hash"].startswith("0x") and "recorded on chain as" in out

    # the planned project: agreed, attested, allocated, cited, paid
    settlement = s["settlement"]
    parties = settlement["parties"]
    shares = [p["share_bps"] for p in parties.values()]
    assert sum(shares) == 10_000
    assert f"settled: shares {shares[0]:,} + {shares[1]:,} = 10,000 bps" in out
    assert settlement["status"] == "settled" and settlement["currency"] == "CNY"
    assert sum(p["cost_share"] for p in parties.values()) == settlement["total_cost"]
    assert all(p["paid"] == p["cost_share"] for p in parties.values())
    assert sum(p["allocation_kgco2e"] for p in parties.values()) == settlement["realised_kgco2e"]
    assert "2 reduction claims citing their allocations, 2 PASS" in out
    for firm in ("carrier", "shipper"):
        reduction = claims[(firm, "reduction")]
        assert parties[firm]["citing_claim"] == reduction["claim_id"]
        assert (
            reduction["onchain_kgco2e"]["inventory_reduction"] >= parties[firm]["allocation_kgco2e"]
        )

    # the independent verifier, over the RPC and the documents only: everything holds
    verification = s["verification"]
    assert set(verification) == {"shipper", "carrier", "warehouse"}
    assert all(v["ok"] and not v["failures"] for v in verification.values()), verification

    # where to look: files, not the URLs of a ledger that has stopped
    assert str(demo.data_dir) in out and "/docs" not in out and "--keep-running" in out
    # the members' keystores, under the printed password, carry the story on from the CLI
    password = re.search(r"\(password (demo-[0-9a-f]+)\)", out)
    assert password is not None, out
    for role in ("shipper", "carrier", "warehouse", "auditor"):
        account = load_keystore(demo.data_dir / "keys" / f"{role}.json", password.group(1))
        assert account.address in {m["address"] for m in s["members"]}


def test_the_verification_step_holds(demo: DemoRun) -> None:
    s = demo.summary
    failures = {f: v["failures"] for f, v in s["verification"].items() if v["failures"]}
    assert not failures, failures
    assert "verification: everything holds" in demo.result.stdout
    assert demo.result.returncode == 0
