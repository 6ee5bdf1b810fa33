"""``GET /status`` and ``GET /metrics`` over real HTTP, a real chain and both databases: who
may read them, what they say of a flowing service, and the alerts of a stopped worker with
claims waiting (read by ``carbonledger status`` too)."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from carbonledger.chain.manifest import write_manifest
from tests.api.conftest import Api, as_bytes, example, serving, wait_checked
from tests.cli.conftest import run_cli
from tests.conftest import ANVIL_DEV_KEY_0, DeployedChain
from tests.postgres import fresh_database

TOKEN = "status-token-for-the-tests-0123456789abcdef"


@pytest.fixture(scope="module")
def guarded(
    deployed_chain: DeployedChain,
    api_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Api]:
    """The service with a status token, on SQLite and on PostgreSQL."""
    with serving(
        deployed_chain,
        tmp_path_factory.mktemp("status"),
        database_url=api_database,
        status_token=TOKEN,
    ) as served:
        yield served


def _status(api: Api, token: str | None = TOKEN) -> dict:  # type: ignore[type-arg]
    with api.http(token) as http:
        answer = http.get("/status")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _metrics(api: Api, token: str | None = TOKEN) -> dict[tuple[str, tuple], float]:  # type: ignore[type-arg]
    with api.http(token) as http:
        answer = http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def test_a_flowing_service_names_this_processs_worker_and_indexer_and_counts_its_claims(
    guarded: Api,
) -> None:
    firm = guarded.admit("Watched Freight")
    client = guarded.client(firm)
    filed = client.submit_claims(
        [as_bytes(example("carrier_footprint.json", firm.address)) for _ in range(3)]
    )
    wait_checked(client, [f["claim"]["claim_id"] for f in filed])
    body = _status(guarded)
    assert body["healthy"] and body["alerts"] == []
    assert body["pipeline"]["claims"]["checked"] >= 3
    assert body["pipeline"]["claims"]["accepted"] == 0
    assert body["pipeline"]["oldest_accepted_age_seconds"] is None
    roles = {(i["role"], i["state"], i["pid"], i["alive"]) for i in body["instances"]}
    assert roles == {
        ("anchoring worker", "active", os.getpid(), True),
        ("indexer", "active", os.getpid(), True),
    }
    assert [(p["pid"], p["alive"]) for p in body["api_processes"]] == [(os.getpid(), True)]
    chain = body["chain"]
    assert chain["relayer"] == guarded.services.ledger.service_address
    assert int(chain["relayer_balance_wei"]) > 0
    assert chain["head"] >= body["pipeline"]["indexed_block"] > 0

    samples = _metrics(guarded)
    assert samples[("carbonledger_healthy", ())] == 1
    checked = samples[("carbonledger_claims", (("state", "checked"),))]
    assert checked == body["pipeline"]["claims"]["checked"]
    worker = ("carbonledger_role_instances", (("role", "anchoring_worker"), ("state", "active")))
    assert samples[worker] == 1
    assert samples[("carbonledger_api_processes", ())] == 1
    assert not any(name == "carbonledger_alert" for name, _ in samples)
    connections = body["database_connections"]
    if guarded.services.engine.dialect.name == "postgresql":  # this process's among them
        assert 1 <= connections["in_use"] < connections["limit"]
        assert samples[("carbonledger_database_connections_limit", ())] == connections["limit"]
        assert samples[("carbonledger_database_connections", ())] >= 1
    else:
        assert connections is None
        assert ("carbonledger_database_connections", ()) not in samples


def test_the_status_is_refused_without_the_token_or_an_admins_login(guarded: Api) -> None:
    with guarded.http() as http:
        for path in ("/status", "/metrics"):
            answer = http.get(path)
            assert answer.status_code == 401, answer.text
            assert answer.headers["www-authenticate"].startswith("Bearer")
    with guarded.http("not-the-status-token") as http:
        assert http.get("/status").status_code == 401  # nor a member's token
    firm = guarded.client(guarded.admit("Curious Carrier"))
    with guarded.http(firm.token) as http:
        answer = http.get("/status")
    assert answer.status_code == 403 and "admin" in answer.text
    admin = guarded.client(Account.from_key(ANVIL_DEV_KEY_0))  # the consortium's admin
    assert _status(guarded, admin.token)["version"]


def test_the_command_line_reads_the_status_with_the_token_from_its_environment(
    guarded: Api, tmp_path: Path
) -> None:
    write_manifest(tmp_path / "deployment.json", guarded.chain.deployment)
    args = ("status", "--data-dir", str(tmp_path), "--rpc-url", guarded.chain.node.url)
    args += ("--api", guarded.url)
    without = run_cli(*args)
    assert "GET /status: it needs CARBONLEDGER_STATUS_TOKEN" in " ".join(without.stdout.split())
    shown = run_cli(*args, env={"CARBONLEDGER_STATUS_TOKEN": TOKEN})
    assert shown.returncode == 0, shown.stdout
    assert re.search(r"anchoring worker\s*│\s*active", shown.stdout), shown.stdout
    said = " ".join(shown.stdout.split())
    assert re.search(rf"API processes │ 1 serving \(\S+ pid {os.getpid()}\)", said), said
    postgres = guarded.services.engine.dialect.name == "postgresql"
    assert bool(re.search(r"database │ \d+ of \d+ connections in use", said)) is postgres
    assert "none (read" in shown.stdout


def test_in_dev_mode_with_no_token_set_the_status_is_open(api: Api) -> None:
    assert _status(api, token=None)["pipeline"]["indexed_block"] >= 0


def test_a_stopped_worker_with_claims_waiting_raises_critical_alerts_everywhere(
    deployed_chain: DeployedChain, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    with serving(
        deployed_chain,
        tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        submit_wait=0,
        alert_backlog_age=1,
        firm_backlog_limit=1,
    ) as api:
        api.services.worker.stop()  # as if its process died: its row is gone with it
        firm = api.admit("Stranded Shipper")
        answer = api.client(firm).submit_claim(
            as_bytes(example("carrier_footprint.json", firm.address))
        )
        assert answer["state"] == "accepted"
        time.sleep(1.2)
        body = _status(api, token=None)
        alerts = {a["name"]: a for a in body["alerts"]}
        assert set(alerts) == {
            "anchoring_worker_down",
            "anchoring_backlog",
            "firms_at_backlog_limit",
        }, alerts
        assert alerts["anchoring_backlog"]["severity"] == "critical"
        assert alerts["firms_at_backlog_limit"]["severity"] == "warning"
        waiting = {k: body["pipeline"][k] for k in ("firms_waiting", "largest_firm_backlog")}
        assert waiting == {"firms_waiting": 1, "largest_firm_backlog": 1}
        assert body["pipeline"]["firms_at_backlog_limit"] == 1
        assert alerts["anchoring_backlog"]["message"].startswith(
            "1 accepted claim waits for the chain"
        )
        assert not body["healthy"] and body["pipeline"]["claims"]["accepted"] == 1

        samples = _metrics(api, token=None)
        assert samples[("carbonledger_healthy", ())] == 0
        backlog = ("carbonledger_alert", (("name", "anchoring_backlog"), ("severity", "critical")))
        assert samples[backlog] == 1
        assert samples[("carbonledger_oldest_accepted_age_seconds", ())] >= 1
        assert samples[("carbonledger_firms_at_backlog_limit", ())] == 1

        data_dir = tmp_path / "data"
        write_manifest(data_dir / "deployment.json", deployed_chain.deployment)
        args = ("--data-dir", str(data_dir), "--rpc-url", deployed_chain.node.url)
        shown = run_cli("status", *args, "--api", api.url + "/")
        assert shown.returncode == 1, shown.stdout
        assert "code present" in shown.stdout and "[red]" not in shown.stdout  # all else up
        text = " ".join(shown.stdout.split())
        assert "anchoring_backlog: 1 accepted claim waits for the chain" in text
        assert "1 accepted (oldest waits" in text and "no process has reported" in text
        assert "1 firm with claims waiting, the most 1 (limit 1; 1 at it: refused with 429)" in text


def test_a_database_that_fails_is_named_in_the_status_rather_than_answered_with_a_503(
    deployed_chain: DeployedChain, postgres_url: str, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    database = fresh_database(postgres_url, f"status_{uuid.uuid4().hex[:12]}")
    with serving(deployed_chain, tmp_path / "data", database_url=database) as api:
        engine = api.services.engine
        with engine.begin() as conn:  # the outbox is gone, as after a restore gone wrong
            conn.execute(text("ALTER TABLE claims RENAME TO claims_away"))
        try:
            body = _status(api, token=None)
            samples = _metrics(api, token=None)
        finally:
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE claims_away RENAME TO claims"))
    assert [a["name"] for a in body["alerts"]] == ["database_unreachable"]
    assert 'relation "claims" does not exist' in body["database_error"]
    assert body["pipeline"] is None and body["chain"]["head"] > 0  # the chain still read
    assert samples[("carbonledger_database_up", ())] == 0
    assert samples[("carbonledger_chain_up", ())] == 1
    assert samples[("carbonledger_healthy", ())] == 0
