"""The verifier against the real chain: honest history holds; each kind of tampering FAILS."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_utils.crypto import keccak

from carbonledger.chain import typed_data as td
from carbonledger.standard import document_hash, parse_claim
from carbonledger.verify import (
    ChainReader,
    Report,
    RpcChainPort,
    abi,
    resolve_addresses,
    verify_claim,
    verify_firm,
)
from carbonledger.verify.abi import SignedClaim
from carbonledger.verify.chain import FirmLogs
from carbonledger.verify.rpc import Log, RpcError, Tx
from tests.support.devchain import document_for
from tests.verify.conftest import Consortium, History, example


def rows(report: Report, claim_id: bytes, check: str) -> list[str]:
    return [
        f"{f.result} {f.detail}"
        for f in report.findings
        if f.claim_id == claim_id and f.check == check
    ]


def failing(report: Report) -> set[tuple[bytes | None, str]]:
    return {(f.claim_id, f.check) for f in report.failures}


@pytest.fixture
def port(consortium: Consortium) -> RpcChainPort:
    return RpcChainPort(consortium.rpc)


def firm_report(c: Consortium, port: RpcChainPort, h: History, directory: Path) -> Report:
    return verify_firm(port, c.addresses(port), h.firm.address.lower(), directory)


def test_an_honest_firm_history_holds_in_every_check(
    consortium: Consortium, port: RpcChainPort, history: History
) -> None:
    report = firm_report(consortium, port, history, history.directory)
    assert report.ok, [f.detail for f in report.failures]
    assert report.claims == 5
    for name in history.names:
        cid = consortium.filed[name].claim_id
        checks = [f.check for f in report.findings if f.claim_id == cid]
        assert checks == ["recorded", "signature", "standard", "check re-run", "history"]
    # the revoked and the superseded claim are reported as such, consistent with claimOf
    revoked = consortium.filed["site-2024"].claim_id
    superseded = consortium.filed["fleet-2024"].claim_id
    assert rows(report, revoked, "history")[0].startswith("holds revoked")
    assert rows(report, superseded, "history")[0].startswith("holds superseded")
    # a claim with no ClaimChecked yet is a note, not a failure
    assert rows(report, revoked, "check re-run")[0].startswith("note not checked on chain")


def test_a_reduction_verifies_in_claim_mode_with_its_baseline(
    consortium: Consortium, port: RpcChainPort, history: History
) -> None:
    r = consortium.filed["reduction-2025"]
    report = verify_claim(
        port,
        consortium.addresses(port),
        r.claim_id,
        history.directory / "reduction-2025.json",
        baseline=history.directory / "footprint-2024.json",
    )
    assert report.ok, [f.detail for f in report.failures]
    assert rows(report, r.claim_id, "check re-run")[0].startswith("holds re-run passed")


def test_a_reduction_without_its_baseline_document_fails_to_recompute(
    consortium: Consortium, port: RpcChainPort, history: History
) -> None:
    r = consortium.filed["reduction-2025"]
    report = verify_claim(
        port, consortium.addresses(port), r.claim_id, history.directory / "reduction-2025.json"
    )
    assert failing(report) == {(r.claim_id, "recorded"), (r.claim_id, "check re-run")}
    assert "without its baseline document" in rows(report, r.claim_id, "recorded")[0]


def test_one_changed_character_in_a_document_fails_naming_the_claim(
    consortium: Consortium, port: RpcChainPort, history: History, tmp_path: Path
) -> None:
    f1 = consortium.filed["footprint-2024"]
    text = f1.document.decode()
    tampered = text.replace("Suzhou Precision", "Suzhou Precisian", 1)
    assert len(tampered) == len(text) and tampered != text
    path = tmp_path / "footprint.json"
    path.write_text(tampered, encoding="utf-8")
    report = verify_claim(port, consortium.addresses(port), f1.claim_id, path)
    assert not report.ok
    (recorded,) = rows(report, f1.claim_id, "recorded")
    assert recorded.startswith("FAILS")
    assert "0x" + f1.claim_id.hex() in recorded and "document hash on chain" in recorded
    assert "0x" + f1.claim.document_hash.hex() in recorded
    # the checker's report commits to the document hash: the re-run differs too
    assert rows(report, f1.claim_id, "check re-run")[0].startswith("FAILS")
    # signature, standard and history are about the chain and still hold
    assert rows(report, f1.claim_id, "signature")[0].startswith("holds")


def test_a_changed_document_in_the_firm_directory_fails_both_ways(
    consortium: Consortium, port: RpcChainPort, history: History, tmp_path: Path
) -> None:
    directory = tmp_path / "docs"
    shutil.copytree(history.directory, directory)
    path = directory / "fleet-2024-amended.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"0.8"', '"0.9"', 1), encoding="utf-8")
    report = firm_report(consortium, port, history, directory)
    amended = consortium.filed["fleet-2024-amended"].claim_id
    old = consortium.filed["fleet-2024"].claim_id
    assert (amended, "recorded") in failing(report)
    assert "no document in" in rows(report, amended, "recorded")[0]
    # the superseded claim's history now links to an amendment without a document
    assert (old, "history") in failing(report)
    # and the changed file is a document of the firm that no claim on chain matches
    unrecorded = [f for f in report.failures if "is a document of firm" in f.detail]
    assert len(unrecorded) == 1 and "fleet-2024-amended.json" in unrecorded[0].detail


def test_a_claim_signed_by_a_key_that_was_not_the_firms_fails(
    consortium: Consortium, port: RpcChainPort, history: History
) -> None:
    """A node (or relayer record) that shows another signature than the one the ledger
    checked: the verifier recomputes the digest and names the signer and the firm's key."""
    f1 = consortium.filed["footprint-2024"]
    intruder = Account.from_key(keccak(b"not the firm"))
    forged = td.sign_typed_data(intruder.key, td.claim_typed_data(consortium.dev.domain, f1.claim))

    class ForgingPort(RpcChainPort):
        def get_transactions(self, hashes: Sequence[bytes]) -> dict[bytes, Tx]:
            out = super().get_transactions(hashes)
            for h, tx in out.items():
                data = tx.input
                original = td.sign_typed_data(
                    history.firm.signing_key.key,
                    td.claim_typed_data(consortium.dev.domain, f1.claim),
                )
                if original in data:
                    out[h] = dataclasses.replace(tx, input=data.replace(original, forged))
            return out

    forging = ForgingPort(consortium.rpc)
    report = verify_claim(
        forging,
        consortium.addresses(forging),
        f1.claim_id,
        history.directory / "footprint-2024.json",
    )
    assert failing(report) == {(f1.claim_id, "signature")}
    (detail,) = rows(report, f1.claim_id, "signature")
    assert f"signed by {intruder.address.lower()}" in detail
    assert "signing key at block" in detail and history.firm.signing_key.address.lower() in detail
    assert "0x" + f1.claim_id.hex() in detail


def test_signatures_are_judged_by_the_key_in_force_at_their_block(
    consortium: Consortium, port: RpcChainPort
) -> None:
    """A key rotation after a claim neither invalidates it nor validates the old key later."""
    firm = consortium.new_firm("Rotating Logistics")
    old_key = firm.signing_key
    before = consortium.file(
        firm, "rot-1", document_for(example("carrier_footprint.json"), firm.address)
    )
    consortium.dev.rotate_key(firm, Account.from_key(keccak(b"rotated key")))
    after = consortium.file(
        firm,
        "rot-2",
        document_for(example("carrier_footprint.json"), firm.address, claim_id="rot-2"),
    )
    directory = consortium.write_dir(["rot-1", "rot-2"], "rotation")
    report = verify_firm(port, consortium.addresses(port), firm.address.lower(), directory)
    assert report.ok, [f.detail for f in report.failures]
    assert old_key.address.lower() in rows(report, before.claim_id, "signature")[0]
    assert firm.signing_key.address.lower() in rows(report, after.claim_id, "signature")[0]


def test_a_recorded_check_that_the_rerun_does_not_reproduce_fails(
    consortium: Consortium, port: RpcChainPort
) -> None:
    firm = consortium.new_firm("Careless Checks")
    doc = document_for(example("warehouse_footprint.json"), firm.address)
    filed = consortium.file(firm, "careless", doc)
    consortium.dev.record_checks(consortium.checker, [(filed.claim_id, True, keccak(b"other"))])
    directory = consortium.write_dir(["careless"], "careless")
    report = verify_firm(port, consortium.addresses(port), firm.address.lower(), directory)
    assert failing(report) == {(filed.claim_id, "check re-run")}
    detail = rows(report, filed.claim_id, "check re-run")[0]
    assert "0x" + keccak(b"other").hex() in detail and "0x" + filed.claim_id.hex() in detail


def test_a_standard_other_than_the_claims_version_cannot_rerun_it(
    consortium: Consortium, port: RpcChainPort, history: History
) -> None:
    f1 = consortium.filed["footprint-2024"]
    other = dataclasses.replace(consortium.standard, content_hash=keccak(b"another standard"))
    report = verify_claim(
        port,
        consortium.addresses(port),
        f1.claim_id,
        history.directory / "footprint-2024.json",
        standard=other,
    )
    (standard,) = rows(report, f1.claim_id, "standard")
    assert standard.startswith("FAILS") and "cannot re-run version" in standard
    assert rows(report, f1.claim_id, "check re-run")[0].startswith("note skipped")


def test_an_unknown_claim_id_fails(
    consortium: Consortium, port: RpcChainPort, history: History
) -> None:
    unknown = keccak(b"never filed")
    report = verify_claim(
        port, consortium.addresses(port), unknown, history.directory / "footprint-2024.json"
    )
    assert failing(report) == {(unknown, "recorded")}
    assert "no ClaimSubmitted event" in report.failures[0].detail


def test_addresses_discovered_from_the_claim_ledger_equal_the_manifest(
    consortium: Consortium, port: RpcChainPort
) -> None:
    from_manifest = consortium.addresses(port)
    discovered = resolve_addresses(port, claim_ledger=from_manifest.claim_ledger)
    assert (discovered.member_registry, discovered.standard_registry) == (
        from_manifest.member_registry,
        from_manifest.standard_registry,
    )


def test_the_calldata_decoder_and_digest_agree_with_the_contract(
    consortium: Consortium, history: History
) -> None:
    """Hand-written decoding: the struct hash of the calldata words, under the locally computed
    domain, is ClaimLedger.claimDigest; and equals typed_data.claim_digest."""
    f1 = consortium.filed["footprint-2024"]
    ledger = consortium.chain.contract("ClaimLedger")
    onchain = bytes(ledger.functions.claimDigest(f1.claim.as_tuple()).call())
    assert onchain == td.claim_digest(consortium.dev.domain, f1.claim)
    from eth_abi.abi import encode

    from carbonledger.verify import abi

    raw = encode([abi.CLAIM_TUPLE], [f1.claim.as_tuple()])
    signed = SignedClaim(raw, b"")
    domain = abi.domain_separator(
        consortium.dev.chain_id, consortium.dev.ledger, td.CLAIM_LEDGER_NAME, "1"
    )
    assert abi.typed_digest(domain, signed.struct_hash()) == onchain
    assert bytes(ledger.functions.DOMAIN_SEPARATOR().call()) == domain
    assert signed.claim_id == f1.claim_id
    assert parse_claim(f1.document) and document_hash(parse_claim(f1.document)) == (
        signed.document_hash
    )
    json.loads(f1.document)  # the fixture's documents are plain JSON files


class _CountingPort(RpcChainPort):
    """The node's answers, counting the blocks read for their timestamps; with
    ``log_timestamps=False``, as a node whose logs carry no ``blockTimestamp``."""

    def __init__(self, url: str, *, log_timestamps: bool) -> None:
        super().__init__(url)
        self.log_timestamps = log_timestamps
        self.blocks_read = 0

    def get_logs(self, *args: Any, **kwargs: Any) -> list[Log]:
        logs = super().get_logs(*args, **kwargs)
        if self.log_timestamps:
            return logs
        return [dataclasses.replace(lg, block_timestamp=None) for lg in logs]

    def block_timestamps(self, numbers: Sequence[int]) -> dict[int, int]:
        self.blocks_read += len(numbers)
        return super().block_timestamps(numbers)


def test_block_timestamps_from_the_logs_or_from_the_blocks_give_the_same_report(
    consortium: Consortium, history: History
) -> None:
    with_logs = _CountingPort(consortium.rpc, log_timestamps=True)
    without = _CountingPort(consortium.rpc, log_timestamps=False)
    report = firm_report(consortium, with_logs, history, history.directory)
    assert report.ok
    assert with_logs.blocks_read == 0  # anvil gives every log its block's timestamp
    assert firm_report(consortium, without, history, history.directory) == report
    assert without.blocks_read > 0
    # and the claims are judged at the same timestamps (deadline, signingKeyAt) either way
    firm = history.firm.address.lower()
    stamps = [
        {cid: (c.block_timestamp, c.key_at_timestamp) for cid, c in view.claims.items()}
        for view in (
            ChainReader(p, consortium.addresses(p)).firm(firm) for p in (with_logs, without)
        )
    ]
    assert stamps[0] == stamps[1]
    assert all(ts is not None and key is not None for ts, key in stamps[0].values())


class _CallsPort(RpcChainPort):
    """The node's answers, counting ``claimOf`` calls one by one and in bulk (contract
    creations in ``eth_call``); ``bulk``: "answer" them, "refuse" (a JSON-RPC error, as a
    node that takes no creation in ``eth_call``) or "truncate" their answers."""

    def __init__(self, url: str, bulk: str = "answer") -> None:
        super().__init__(url)
        self.bulk = bulk
        self.one_by_one = self.in_bulk = 0

    def eth_calls(
        self, calls: Sequence[tuple[str | None, bytes]], block: int | None = None
    ) -> list[bytes]:
        creations = sum(1 for to, _ in calls if to is None)
        self.in_bulk += creations
        self.one_by_one += sum(1 for _, data in calls if data[:4] == abi.SEL_CLAIM_OF)
        if creations and self.bulk == "refuse":
            raise RpcError("eth_call: contract creation not supported")
        answers = super().eth_calls(calls, block)
        if self.bulk == "truncate":
            return [a[:-1] if to is None else a for (to, _), a in zip(calls, answers, strict=True)]
        return answers


def test_claim_records_read_in_bulk_equal_claimof_one_by_one(
    consortium: Consortium, port: RpcChainPort, history: History
) -> None:
    a = consortium.addresses(port)
    known = [consortium.filed[name].claim_id for name in history.names]
    ids = [*known, keccak(b"no such claim")] * 40  # 240 ids: three calls of up to 100
    one_by_one = port.eth_calls([(a.claim_ledger, abi.SEL_CLAIM_OF + cid) for cid in ids])
    counting = _CallsPort(consortium.rpc)
    assert ChainReader(counting, a)._claim_records(ids) == one_by_one
    assert (counting.in_bulk, counting.one_by_one) == (3, 0)
    assert len({r for r in one_by_one}) == len(known) + 1  # the records differ, one is empty
    with pytest.raises(ValueError):
        abi.claim_records_code(a.claim_ledger, ids[: abi.RECORDS_PER_CALL + 1])


@pytest.mark.parametrize("bulk", ["refuse", "truncate"])
def test_a_node_that_does_not_answer_claim_records_in_bulk_gives_the_same_report(
    consortium: Consortium, history: History, bulk: str
) -> None:
    answering, other = _CallsPort(consortium.rpc), _CallsPort(consortium.rpc, bulk)
    report = firm_report(consortium, answering, history, history.directory)
    assert report.ok and answering.in_bulk == 1 and answering.one_by_one == 0
    assert firm_report(consortium, other, history, history.directory) == report
    assert other.in_bulk == 1 and other.one_by_one == report.claims  # then one by one


class _WalkingPort(RpcChainPort):
    """The node's answers, counting the ``eth_getLogs`` queries (each walks the range)."""

    walks = 0

    def get_logs(self, *args: Any, **kwargs: Any) -> list[Log]:
        self.walks += 1
        return super().get_logs(*args, **kwargs)


@pytest.mark.parametrize("ids_per_query", [500, 2])
def test_logs_read_once_for_many_firms_give_each_firm_the_view_it_reads_itself(
    consortium: Consortium, history: History, ids_per_query: int
) -> None:
    # 2 ids a query: more claims than that, so every review of the range is read once
    port = _WalkingPort(consortium.rpc)
    a = consortium.addresses(port)
    firm, nobody = history.firm.address.lower(), "0x" + "ab" * 20
    latest = port.latest_block()
    reader = ChainReader(port, a)
    reader.REVIEW_IDS_PER_QUERY = ids_per_query
    port.walks = 0
    read = reader.firms_logs([firm, nobody, firm.upper().replace("0X", "0x")], latest)
    assert port.walks == 3 and set(read) == {firm, nobody}
    assert read[nobody] == FirmLogs((), (), ())
    alone = ChainReader(port, a).firm(firm, to_block=latest)
    port.walks = 0
    given = ChainReader(port, a).firm(firm, to_block=latest, read=read[firm])
    assert port.walks == 0  # nothing walked again
    assert given == alone and len(given.claims) == 5
    assert read[firm].reviews and read[firm].members  # checks, an audit; the admission
