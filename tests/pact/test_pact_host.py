"""Publishing, lifecycle, access and on-chain verification of PACT footprints, end to end:
the member API, the HTTPS PACT host, the chain, and `carbonledger verify --pact`."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from carbonledger.chain.node import free_port
from carbonledger.cli.main import app
from carbonledger.client import ApiError, LedgerClient
from carbonledger.pact.client import publish_footprint, signed_publication
from carbonledger.pact.store import pact_clients
from carbonledger.pact.wiring import build_pact_service
from carbonledger.services.errors import Conflict
from carbonledger.vault.errors import DocumentNotFound
from tests.api.conftest import as_bytes, example
from tests.pact.conftest import PactHost, eventually, footprint, valid

runner = CliRunner()


def verify(pact_host: PactHost, *args: str) -> Any:
    result = runner.invoke(
        app,
        ["verify", "--rpc", pact_host.api.chain.node.url, "--json", *args],
        env={"COLUMNS": "250"},
    )
    return result.exit_code, json.loads(result.stdout) if result.stdout.startswith(
        "{"
    ) else result.output


def test_a_footprint_fetched_from_the_host_is_verified_on_chain(pact_host: PactHost) -> None:
    pf_id = pact_host.published[0]["id"]
    code, report = verify(
        pact_host,
        "--pact",
        f"{pact_host.url}/3/footprints/{pf_id}",
        "--client-id",
        pact_host.client_id,
        "--client-secret",
        pact_host.client_secret,
        "--ca",
        str(pact_host.cert),
    )
    assert code == 0, report
    assert report["ok"] is True
    assert {f["check"] for f in report["findings"] if f["ok"]} >= {
        "document hash",
        "on chain",
        "checked",
        "status",
    }


def test_a_footprint_changed_by_one_byte_is_refused(pact_host: PactHost, tmp_path: Path) -> None:
    with pact_host.authed() as http:
        body = http.get(f"/3/footprints/{pact_host.published[0]['id']}").json()
    text = json.dumps(body)
    assert '"1.85"' in text
    changed = tmp_path / "changed.json"
    changed.write_text(text.replace('"1.85"', '"1.84"', 1))  # one byte
    code, report = verify(pact_host, "--pact", str(changed))
    assert code == 1
    failed = {f["check"] for f in report["findings"] if f["ok"] is False}
    assert "document hash" in failed and "on chain" in failed
    intact = tmp_path / "intact.json"
    intact.write_text(text)
    assert verify(pact_host, "--pact", str(intact))[0] == 0


def test_a_new_version_deprecates_the_old_one_on_chain_and_in_pact(pact_host: PactHost) -> None:
    first = publish_footprint(pact_host.supplier, footprint(productIds=["urn:gtin:9000000000001"]))
    second = publish_footprint(
        pact_host.supplier,
        footprint(
            productIds=["urn:gtin:9000000000001"],
            precedingPfIds=[first["id"]],
            pcf={"pcfExcludingBiogenicUptake": "1.75", "pcfIncludingBiogenicUptake": "1.70"},
        ),
    )
    with pact_host.authed() as http:
        old = valid("single", http.get(f"/3/footprints/{first['id']}").json())["data"]
        new = valid("single", http.get(f"/3/footprints/{second['id']}").json())["data"]
        deprecated = http.get("/3/footprints", params={"status": "Deprecated"}).json()["data"]
    assert old["status"] == "Deprecated" and new["status"] == "Active"
    assert first["id"] in {pf["id"] for pf in deprecated}
    anchor = next(e["data"] for e in new["extensions"] if "carbonledger-anchor" in e["dataSchema"])
    first_anchor = next(
        e["data"] for e in first["extensions"] if "carbonledger-anchor" in e["dataSchema"]
    )
    assert anchor["supersedes"] == first_anchor["claimId"]
    # the partner is notified (PublishedEvent), by the relay rather than the publication
    eventually(lambda: [second["id"]] in published_events(pact_host))
    state = pact_host.api.services.ledger.claim_state(bytes.fromhex(first_anchor["claimId"][2:]))
    assert state.status == "superseded"
    # the deprecated one still verifies (as Deprecated), and claiming it Active is refused
    with pact_host.authed() as http:
        served_old = http.get(f"/3/footprints/{first['id']}").json()
    assert _verify_body(pact_host, served_old)[0] == 0
    served_old["data"]["status"] = "Active"
    assert _verify_body(pact_host, served_old)[0] == 1
    # a third version citing the deprecated one is refused
    with pytest.raises(ApiError) as refused:
        publish_footprint(pact_host.supplier, footprint(precedingPfIds=[first["id"]]))
    assert refused.value.status == 409


def _verify_body(pact_host: PactHost, body: dict[str, Any]) -> Any:
    path = Path(pact_host.api.services.settings.data_dir) / "verify-me.json"
    path.write_text(json.dumps(body))
    return verify(pact_host, "--pact", str(path))


def test_an_inconsistent_footprint_is_refused_with_the_field_named(pact_host: PactHost) -> None:
    bad = footprint(pcf={"pcfIncludingBiogenicUptake": "1.85"})  # uptake -0.05 not counted
    with pytest.raises(ApiError) as refused:
        publish_footprint(pact_host.supplier, bad)
    assert refused.value.status == 422
    fields = {p["field"] for p in refused.value.problems or []}
    assert "footprint.pcf.pcfIncludingBiogenicUptake" in fields
    with pact_host.authed() as http:
        assert http.get(f"/3/footprints/{bad['id']}").status_code == 404


def test_a_partner_reads_only_the_footprints_granted_and_loses_access_when_revoked(
    pact_host: PactHost,
) -> None:
    granted = pact_host.published[1]["id"]
    issued = pact_host.supplier.request(
        "POST", "/pact/clients", json={"partner": "Narrow AG", "footprints": [granted]}
    )
    narrow = PactHost(
        **{
            **pact_host.__dict__,
            "client_id": issued["client_id"],
            "client_secret": issued["client_secret"],
        }
    )
    with narrow.authed() as http:
        listed = valid("list", http.get("/3/footprints").json())["data"]
        assert [pf["id"] for pf in listed] == [granted]
        denied = http.get(f"/3/footprints/{pact_host.published[0]['id']}")
        assert denied.status_code == 403
        assert valid("error", denied.json())["code"] == "AccessDenied"
        pact_host.supplier.request("DELETE", f"/pact/clients/{issued['client_id']}")
        assert http.get("/3/footprints").status_code == 401
    clients = pact_host.supplier.request("GET", "/pact/clients")
    assert next(c for c in clients if c["client_id"] == issued["client_id"])["revoked_at"]
    with narrow.https() as http:
        r = http.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(issued["client_id"], issued["client_secret"]),
        )
    assert r.status_code == 401


def test_the_extension_schema_is_served_and_each_footprint_conforms(pact_host: PactHost) -> None:
    from jsonschema import Draft202012Validator

    pf = pact_host.published[0]
    extension = next(e for e in pf["extensions"] if "carbonledger-anchor" in e["dataSchema"])
    with pact_host.https() as http:
        served = http.get(extension["dataSchema"].replace(pact_host.url, "")).json()
        link = http.get(extension["data"]["verification"].replace(pact_host.url, "")).json()
    assert not list(Draft202012Validator(served).iter_errors(extension["data"]))
    assert link["status"] == "active" and link["check"] == "passed"


def test_the_firm_mode_verifier_reads_pact_anchors_as_notes_with_their_signatures_checked(
    pact_host: PactHost, tmp_path: Path
) -> None:
    ledger = pact_host.api.chain.deployment.address("ClaimLedger")
    code, report = verify(
        pact_host,
        "--claim-ledger",
        ledger,
        "--firm",
        pact_host.supplier.address,
        "--documents",
        str(tmp_path),
    )
    assert code == 0, report
    anchors = [f for f in report["findings"] if "PACT product footprint anchor" in f["detail"]]
    assert len(anchors) >= len(pact_host.published)
    signed = {f["claim_id"] for f in report["findings"] if f["check"] == "signature"}
    assert {
        next(
            e["data"]["claimId"]
            for e in pf["extensions"]
            if "carbonledger-anchor" in e["dataSchema"]
        )
        for pf in pact_host.published
    } <= signed


def test_a_firm_issues_lists_and_revokes_credentials_and_answers_a_request_from_the_cli(
    pact_host: PactHost, tmp_path: Path
) -> None:
    from eth_account import Account

    keystore = tmp_path / "key.json"
    keystore.write_text(json.dumps(Account.encrypt(pact_host.supplier.account.key, "pw")))
    env = {"CARBONLEDGER_KEY_PASSWORD": "pw", "COLUMNS": "250"}
    common = ["--key", str(keystore), "--api", pact_host.api.url]

    def run(*args: str) -> Any:
        result = runner.invoke(app, ["pact", *args, *common], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    issued = json.loads(run("client-issue", "--partner", "CLI Partner", "--all"))
    listed = json.loads(run("clients"))
    assert issued["client_id"] in {c["client_id"] for c in listed}
    assert "client_secret" not in json.dumps(listed)
    run("client-revoke", issued["client_id"])
    with pact_host.https() as http:
        refused = http.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(issued["client_id"], issued["client_secret"]),
        )
    assert refused.status_code == 401

    event = {
        "specversion": "1.0",
        "id": "cli-request-1",
        "source": "https://customer.example",
        "time": "2025-01-01T00:00:00Z",
        "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "data": {"productId": ["urn:gtin:4712345060507"]},
    }
    with pact_host.authed() as http:
        posted = http.post(
            "/3/events", json=event, headers={"Content-Type": "application/cloudevents+json"}
        )
    assert posted.status_code == 200
    assert "RequestCreatedEvent" in run("requests")
    open_before = run("requests", "--open")
    tasks = pact_host.supplier.request("GET", "/pact/requests")
    seq = next(t["seq"] for t in tasks if t["event_id"] == "cli-request-1")
    answer = json.loads(run("answer", str(seq), "--reject", "NotFound", "--message", "none yet"))
    assert (answer["state"], answer["delivery"]) == ("rejected", "sent")
    row = f"│ {seq} "
    assert row in open_before and row not in run("requests", "--open")


def published_events(pact_host: PactHost, via: str | None = None) -> list[list[str]]:
    """The pfIds of the PublishedEvents the customer received (``via``: with these of its
    credentials)."""
    return [
        t["event"]["data"]["pfIds"]
        for t in pact_host.customer.request("GET", "/pact/requests")
        if t["event_type"] == "org.wbcsd.pact.ProductFootprint.PublishedEvent.3"
        and via in (None, t["client_id"])
    ]


def test_an_unreachable_partner_neither_fails_a_publication_nor_loses_its_event(
    pact_host: PactHost,
) -> None:
    """The publication answers without waiting for the partner; the event stays pending with
    the error and a retry time; once the partner's host answers, the relay delivers it
    without any further publication."""
    back = pact_host.customer.request("POST", "/pact/clients", json={"partner": "Acme (2)"})
    closed = free_port()  # nothing listens there
    callback = {
        "url": f"https://127.0.0.1:{closed}",
        "client_id": back["client_id"],
        "client_secret": back["client_secret"],
    }
    issued = pact_host.supplier.request(
        "POST",
        "/pact/clients",
        json={"partner": "Customer (down)", "all_footprints": True, "callback": callback},
    )
    store = pact_host.pact.store
    row = store.client(issued["client_id"])
    assert row is not None and row.callback is not None
    assert back["client_secret"] not in json.dumps(row.callback)  # sealed at rest
    pf = publish_footprint(pact_host.supplier, footprint(productIds=["urn:gtin:9000000000077"]))

    def failed_once() -> dict[str, Any] | None:
        items = store.outbox_of([issued["client_id"]])
        return items[0] if items and items[0]["attempts"] >= 1 else None

    item = failed_once() or eventually(failed_once)
    assert item["state"] == "pending" and item["event"]["data"]["pfIds"] == [pf["id"]]
    assert "127.0.0.1" in item["error"] and item["next_attempt_at"] > time.time()
    assert [pf["id"]] not in published_events(pact_host, via=back["client_id"])
    # the partner's host comes back (here: its real address)
    up = dict(callback, url=pact_host.url, ca_pem=pact_host.cert.read_text())
    with store.engine.begin() as conn:
        conn.execute(
            update(pact_clients)
            .where(pact_clients.c.client_id == issued["client_id"])
            .values(callback=pact_host.pact.sealer.seal(up, issued["client_id"]))
        )
    eventually(lambda: [pf["id"]] in published_events(pact_host, via=back["client_id"]), 60)
    assert store.outbox_of([issued["client_id"]])[0]["state"] == "sent"


def test_a_firm_without_a_vault_key_is_refused_before_anything_reaches_the_chain(
    pact_host: PactHost,
) -> None:
    firm = pact_host.api.client(pact_host.api.admit("No Vault Key AG"), login=False)
    firm.login()  # but no vault key registered
    with pytest.raises(ApiError) as refused:
        publish_footprint(firm, footprint())
    assert refused.value.status == 422
    assert {p["field"] for p in refused.value.problems} == {"vault_key"}
    assert pact_host.api.services.ledger.nonce(firm.address) == 0


def record_publications(supplier: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The bodies ``supplier`` sends to ``POST /pact/footprints`` from now on."""
    sent: list[dict[str, Any]] = []
    real_request = supplier.request

    def recording(method: str, path: str, **kwargs: Any) -> Any:
        if path == "/pact/footprints" and method == "POST":
            sent.append(kwargs["json"])
        return real_request(method, path, **kwargs)

    monkeypatch.setattr(supplier, "request", recording)
    return sent


def test_a_publication_whose_answer_was_lost_after_the_chain_accepted_completes_on_retry(
    pact_host: PactHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain anchored the footprint, then the service failed before keeping its row: the
    same signed request sent again finds the claim on chain and completes the publication
    (the nonce is spent, so a fresh relay could not)."""
    supplier = pact_host.supplier
    sent = record_publications(supplier, monkeypatch)
    store = pact_host.pact.store
    real_add = store.add_footprint

    def crash(values: dict[str, Any]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "add_footprint", crash)
    pf = footprint(productIds=["urn:gtin:9000000000084"])
    with pytest.raises(ApiError) as lost:  # a 503 naming the incident, never a reset
        publish_footprint(supplier, pf)
    assert lost.value.status == 503 and "incident" in str(lost.value)
    monkeypatch.setattr(store, "add_footprint", real_add)
    (body,) = sent
    # the same keep-alive connection still answers: the client retries the same signed request
    served = supplier.request("POST", "/pact/footprints", json=body)
    anchor = served["extensions"][-1]["data"]
    found = pact_host.api.services.ledger.find_submission(bytes.fromhex(anchor["claimId"][2:]))
    assert found is not None and anchor["transaction"] == found.tx_hash
    assert served["id"] == pf["id"] and served["status"] == "Active"
    with pact_host.authed() as http:
        assert http.get(f"/3/footprints/{pf['id']}").status_code == 200


def test_bad_publications_get_a_4xx_naming_the_field_and_keep_the_connection(
    pact_host: PactHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Malformed JSON, wrong types, missing fields, a bad signature, a duplicate: each a 4xx
    whose body names the field and the reason, all on one keep-alive connection; what was
    accepted stays served unchanged."""
    supplier = pact_host.supplier
    sent = record_publications(supplier, monkeypatch)
    pf = footprint(productIds=["urn:gtin:9000000000091"])
    accepted = publish_footprint(supplier, pf)
    (good,) = sent
    http = supplier.http
    headers = {"Authorization": f"Bearer {supplier._token}"}

    def post(**kwargs: Any) -> Any:
        kwargs.setdefault("headers", headers)
        return http.post("/pact/footprints", **kwargs)

    as_json = {"content-type": "application/json"}
    cases: list[tuple[Any, int, str]] = [
        ({"content": b'{"footprint": {', "headers": {**headers, **as_json}}, 422, "body"),
        ({"json": {**good, "nonce": "seven"}}, 422, "body.nonce"),
        ({"json": {**good, "footprint": []}}, 422, "body.footprint"),
        ({"json": {k: v for k, v in good.items() if k != "signature"}}, 422, "body.signature"),
        ({"json": {**good, "signature": "0xzz"}}, 422, "signature"),
        ({"json": {**good, "derived_from": [7]}}, 422, "body.derived_from"),
    ]
    for kwargs, status, field in cases:
        answer = post(**kwargs)
        assert answer.status_code == status, (kwargs, answer.text)
        assert field in answer.text, answer.text
    forged = {**good, "footprint": {**good["footprint"], "productNameCompany": "Other"}}
    answer = post(json=forged)
    assert 400 <= answer.status_code < 500, answer.text
    again = post(json={**good, "nonce": good["nonce"] + 1})
    assert 400 <= again.status_code < 500, again.text
    with pact_host.authed() as host:
        served = host.get(f"/3/footprints/{pf['id']}").json()["data"]
    assert served["productNameCompany"] == accepted["productNameCompany"]
    assert served["id"] == accepted["id"]


def test_concurrent_publications_and_bad_bodies_each_get_an_answer(
    pact_host: PactHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad bodies sent on several connections at once while the firm publishes: every request
    is answered (no reset, no 5xx) and the publication is served."""
    supplier = pact_host.supplier
    headers = {"Authorization": f"Bearer {supplier._token}", "content-type": "application/json"}
    bodies: list[Any] = [b"{", b"[]", b'{"nonce": -1}', b'{"footprint": {}, "signature": "0x"}'] * 4

    def send(body: bytes) -> int:
        with httpx.Client(base_url=pact_host.api.url, timeout=30) as http:
            answer = http.post("/pact/footprints", content=body, headers=headers)
            return answer.status_code

    pf = footprint(productIds=["urn:gtin:9000000000107"])
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = pool.map(send, bodies)
        publish_footprint(supplier, pf)
        statuses = list(answers)
    assert all(400 <= status < 500 for status in statuses), statuses
    with pact_host.authed() as host:
        assert host.get(f"/3/footprints/{pf['id']}").status_code == 200


# --- one firm's nonce sequence, raced for ---
def _racing_firm(pact_host: PactHost, name: str) -> LedgerClient:
    """A firm of its own (its nonces start at 0, untouched by the other tests)."""
    return pact_host.api.client(pact_host.api.admit(name))


def _post_at_once(firm: LedgerClient, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """``POST /pact/footprints`` of each body, all at once, each on its own connection."""
    headers = {"Authorization": f"Bearer {firm._token}"}

    def post(body: dict[str, Any]) -> httpx.Response:
        with httpx.Client(base_url=str(firm.http.base_url), timeout=120) as http:
            return http.post("/pact/footprints", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def _nothing_kept_of(pact_host: PactHost, firm: LedgerClient, pf_id: str) -> None:
    """No row, no vault document, not listed to the firm nor served to a partner."""
    assert pact_host.pact.store.footprint(pf_id) is None
    with pytest.raises(DocumentNotFound):
        pact_host.api.services.vault.record(firm.address, f"pact:{pf_id}")
    assert pf_id not in {pf["id"] for pf in firm.request("GET", "/pact/footprints")}


def test_two_publications_of_one_firm_racing_for_a_nonce_one_gets_a_409_naming_it(
    pact_host: PactHost,
) -> None:
    """Both signed with the firm's next nonce (each asked for it before the other
    published), sent at once: one is published, the other a 409 naming the nonce, with
    nothing of it kept; signed again with the next nonce, it publishes."""
    firm = _racing_firm(pact_host, "Racing Steel AG")
    nonce = firm.next_nonce()
    pfs = [footprint(productIds=[f"urn:gtin:90000000011{i}"]) for i in range(2)]
    answers = _post_at_once(firm, [signed_publication(firm, pf, nonce=nonce) for pf in pfs])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409], [a.text for a in answers]
    won = next(i for i, a in enumerate(answers) if a.status_code == 201)
    refused = answers[1 - won].json()
    assert f"nonce {nonce} is not the next nonce of firm {firm.address}" in refused["detail"]
    assert f"(expected {nonce + 1})" in refused["detail"]
    served = answers[won].json()
    claim_id = next(e["data"]["claimId"] for e in served["extensions"] if "claimId" in e["data"])
    ledger = pact_host.api.services.ledger
    assert ledger.claim_state(bytes.fromhex(claim_id[2:])).status == "active"
    assert ledger.nonce(firm.address) == nonce + 1
    loser = pfs[1 - won]
    _nothing_kept_of(pact_host, firm, loser["id"])
    again = publish_footprint(firm, loser)  # signed with the next nonce
    assert again["id"] == loser["id"] and ledger.nonce(firm.address) == nonce + 2
    listed = {pf["id"]: pf["status"] for pf in firm.request("GET", "/pact/footprints")}
    assert listed == {pf["id"]: "Active" for pf in pfs}


def test_two_publications_of_one_firm_at_once_both_succeed_or_one_is_refused_cleanly(
    pact_host: PactHost,
) -> None:
    """As a firm's two tools would: each asks for the next nonce, signs and publishes, at
    the same time. Each either is published or gets a 409 naming the nonce, and a refused
    one left nothing behind."""
    firm = _racing_firm(pact_host, "Racing Cement SA")
    pfs = [footprint(productIds=[f"urn:gtin:90000000012{i}"]) for i in range(2)]

    def publish(pf: dict[str, Any]) -> dict[str, Any] | ApiError:
        try:
            return publish_footprint(firm, pf)
        except ApiError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(publish, pfs))
    for pf, outcome in zip(pfs, outcomes, strict=True):
        if isinstance(outcome, ApiError):
            assert outcome.status == 409, outcome
            assert "nonce" in str(outcome), outcome
            _nothing_kept_of(pact_host, firm, pf["id"])
        else:
            assert outcome["id"] == pf["id"] and outcome["status"] == "Active"
    published = [o for o in outcomes if not isinstance(o, ApiError)]
    assert published, outcomes
    assert pact_host.api.services.ledger.nonce(firm.address) == len(published)


def test_a_publication_signed_with_a_nonce_a_claim_took_is_a_409_and_the_claim_stays(
    pact_host: PactHost,
) -> None:
    """A footprint claim and a PACT publication share the firm's nonces: the publication
    signed with the nonce the claim took (asked for before the claim was accepted) is
    refused naming it, and the claim is anchored, not displaced."""
    firm = _racing_firm(pact_host, "Racing Carrier BV")
    nonce = firm.next_nonce()
    body = signed_publication(firm, footprint(productIds=["urn:gtin:9000000001305"]), nonce=nonce)
    claim = firm.submit_claim(as_bytes(example("carrier_footprint.json", firm.address)))
    assert claim["nonce"] == nonce
    with pytest.raises(ApiError) as refused:
        firm.request("POST", "/pact/footprints", json=body)
    assert refused.value.status == 409
    assert f"nonce {nonce}" in str(refused.value)  # not the next one, or still held by the claim
    _nothing_kept_of(pact_host, firm, body["footprint"]["id"])
    ledger = pact_host.api.services.ledger
    state = eventually(
        lambda: ledger.claim_state(bytes.fromhex(claim["claim_id"][2:])).status == "active", 60
    )
    assert state and ledger.nonce(firm.address) == nonce + 1


class _OtherProcess:
    """The firm's nonces as another API process saw them: its own lock, and its check run
    before this process's publication reached the chain (so it passed)."""

    @contextlib.contextmanager
    def serialised(self, firm: str) -> Iterator[None]:
        yield

    def check_direct_nonce(self, firm: str, nonce: int, what: str) -> None:
        return None


def test_across_processes_the_chain_refuses_the_second_and_the_409_names_the_nonce(
    pact_host: PactHost,
) -> None:
    firm = _racing_firm(pact_host, "Racing Glass Oy")
    nonce = firm.next_nonce()
    pfs = [footprint(productIds=[f"urn:gtin:90000000014{i}"]) for i in range(2)]
    first, second = (signed_publication(firm, pf, nonce=nonce) for pf in pfs)
    assert firm.request("POST", "/pact/footprints", json=first)["id"] == pfs[0]["id"]
    other = build_pact_service(pact_host.api.services)
    other.nonces = _OtherProcess()
    with pytest.raises(Conflict) as refused:
        other.publish(
            firm.address,
            second["footprint"],
            bytes.fromhex(second["signature"][2:]),
            nonce=nonce,
            deadline=second["deadline"],
        )
    assert str(refused.value).startswith(
        f"the chain refused the footprint's claim with nonce {nonce}: ClaimLedgerNonce"
    ), refused.value
    _nothing_kept_of(pact_host, firm, pfs[1]["id"])
    assert pact_host.api.services.ledger.nonce(firm.address) == nonce + 1


def _pages(http: Any, path: str, params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    pages, r = [], http.get(path, params=params)
    while True:
        assert r.status_code == 200, r.text
        pages.append(r.json()["data"])
        link = r.headers.get("link")
        if link is None:
            return pages
        r = http.get(link.partition(";")[0].strip().strip("<>"))


def test_a_page_of_footprints_opens_only_that_pages_documents_and_filters_still_page(
    pact_host: PactHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = pact_host.pact.vault
    real, asked = vault.get_many, []

    def counted(reader: str, ids: Any) -> Any:
        asked.append(len(ids))
        return real(reader, ids)

    with pact_host.authed() as http:
        whole = http.get("/3/footprints").json()["data"]
        assert len(whole) >= 3
        monkeypatch.setattr(vault, "get_many", counted)
        pages = _pages(http, "/3/footprints", {"limit": 2})
        assert [pf for page in pages for pf in page] == whole
        assert asked == [len(page) for page in pages]  # each answer opened its own page only
        product = whole[1]["productIds"][0]
        asked.clear()
        matching = [pf for pf in whole if product in pf["productIds"]]
        filtered = _pages(http, "/3/footprints", {"limit": 1, "productId": product})
        assert [pf for page in filtered for pf in page] == matching
        assert sum(asked) >= len(whole)  # a criterion is on the documents: all were opened
        v2 = _pages(http, "/2/footprints", {"limit": 2})
        assert [pf["id"] for page in v2 for pf in page] == [pf["id"] for pf in whole]
