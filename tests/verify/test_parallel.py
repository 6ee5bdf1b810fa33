"""The verifier on several processes (``carbonledger.verify.parallel``): each firm's report is
exactly the one-process report, and a tampered document fails its own firm only."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path

import pytest

from carbonledger.gcpolicy import YOUNG_THRESHOLD
from carbonledger.verify import RpcChainPort, run_firm, verify_firm
from carbonledger.verify.chain import Addresses
from carbonledger.verify.core import Report
from carbonledger.verify.parallel import FirmJob, plan, pool, verify_firms
from tests.support.devchain import document_for
from tests.verify.conftest import Consortium, History, example


def _second_firm(c: Consortium) -> FirmJob:
    firm = c.new_firm("Parallel Freight")
    names = []
    for i in range(3):
        name = f"parallel-fleet-{i}-{firm.address[2:8]}"
        document = document_for(example("carrier_footprint.json"), firm.address, claim_id=name)
        c.record_check(c.file(firm, name, document))
        names.append(name)
    return FirmJob(firm.address.lower(), c.write_dir(names, f"parallel-{firm.address[2:8]}"))


def test_each_firm_verified_in_its_own_process_reports_as_one_process_does(
    consortium: Consortium, history: History
) -> None:
    jobs = [FirmJob(history.firm.address.lower(), history.directory), _second_firm(consortium)]
    outcomes = verify_firms(consortium.rpc, _addresses(consortium), jobs, workers=2)
    assert [o.firm for o in outcomes] == [j.firm for j in jobs]
    assert all(o.pid != os.getpid() and o.peak_rss_mb > 0 for o in outcomes)
    port = RpcChainPort(consortium.rpc)
    for job, outcome in zip(jobs, outcomes, strict=True):
        alone = verify_firm(port, consortium.addresses(port), job.firm, job.directory)
        assert outcome.report == alone
        assert outcome.report.ok, [f.detail for f in outcome.report.failures]
    assert [o.report.claims for o in outcomes] == [5, 3]


def test_a_tampered_document_fails_its_firm_only(
    consortium: Consortium, history: History, tmp_path: Path
) -> None:
    other = _second_firm(consortium)
    directory = tmp_path / "tampered"
    shutil.copytree(other.directory, directory)
    path = sorted(directory.glob("*.json"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace('"0.8"', '"0.9"', 1), encoding="utf-8")
    jobs = [
        FirmJob(history.firm.address.lower(), history.directory),
        FirmJob(other.firm, directory),
    ]
    honest, tampered = verify_firms(consortium.rpc, _addresses(consortium), jobs, workers=2)
    assert honest.report.ok
    assert not tampered.report.ok
    assert any(path.name in f.detail for f in tampered.report.failures)


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_a_firm_split_in_parts_reports_exactly_as_in_one_piece(
    consortium: Consortium, history: History, tmp_path: Path, parts: int
) -> None:
    # the history links claims across parts (a reduction and its baseline, an amendment and
    # the claim it supersedes); 7 parts of 5 claims leaves some parts empty; a stray file
    # gives a note (first part) and an unrecorded document a failure (last part)
    directory = tmp_path / "docs"
    shutil.copytree(history.directory, directory)
    (directory / "stray.json").write_text("{}", encoding="utf-8")
    extra = document_for(example("carrier_footprint.json"), history.firm.address, claim_id="x")
    (directory / "unrecorded.json").write_bytes(extra)
    port = RpcChainPort(consortium.rpc)
    addresses = consortium.addresses(port)
    firm = history.firm.address.lower()
    latest = port.latest_block()
    whole = verify_firm(port, addresses, firm, directory)
    pieces = [
        run_firm(port, addresses, firm, directory, shard=(k, parts), to_block=latest).report
        for k in range(parts)
    ]
    joined = Report(tuple(f for p in pieces for f in p.findings), sum(p.claims for p in pieces))
    assert joined == whole
    assert not whole.ok and any("unrecorded.json" in f.detail for f in whole.failures)
    assert sorted(p.claims for p in pieces) == sorted(
        5 * (k + 1) // parts - 5 * k // parts for k in range(parts)
    )


def test_one_firm_alone_is_split_over_the_pool_and_reports_as_in_one_piece(
    consortium: Consortium, history: History
) -> None:
    job = FirmJob(history.firm.address.lower(), history.directory)
    assert plan([5], 2) == [2] and plan([5] * 4, 2) == [1] * 4
    assert plan([1000, 10, 10], 2) == [2, 1, 1] and plan([0, 0], 2) == [1, 1]
    (outcome,) = verify_firms(consortium.rpc, _addresses(consortium), [job], workers=2)
    port = RpcChainPort(consortium.rpc)
    assert outcome.report == verify_firm(port, consortium.addresses(port), job.firm, job.directory)
    assert outcome.report.claims == 5 and outcome.processes  # each part's process


def _addresses(c: Consortium) -> Addresses:
    port = RpcChainPort(c.rpc)
    try:
        return c.addresses(port)
    finally:
        port.close()


def test_the_pool_processes_settle_their_heap_once_warm() -> None:
    with pool(1) as executor:
        frozen, threshold = executor.submit(_collector_state).result()
    assert frozen > 0 and threshold == YOUNG_THRESHOLD


def _collector_state() -> tuple[int, int]:
    return gc.get_freeze_count(), gc.get_threshold()[0]
