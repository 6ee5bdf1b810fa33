"""Smoke runs of ``scripts/bench_overlaps.py``, ``scripts/bench_members.py``,
``scripts/bench_export.py``, ``scripts/bench_audit_report.py``, ``scripts/bench_periods.py``
and ``scripts/anvil_state_race.py`` with tiny counts: each prints its figure lines (times are
never asserted: they depend on the machine; the overlaps found, the JSON-RPC requests made and
the claims exported are not)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.timeout(600)

NUMBER = r"[\d,]+(?:\.\d+)?"


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=540
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def test_the_overlaps_benchmark_finds_every_pair_with_one_request_a_call() -> None:
    out = _run("scripts/bench_overlaps.py", "--claims", "6", "--shippers", "2", "--repeat", "1",
               "--backlog")  # fmt: skip
    assert "footprints not in the shipment index once accepted: 0" in out, out
    assert re.search(rf"^reading 18 footprints stored before the index .*: {NUMBER} s", out, re.M)
    for who, found in (("the carrier", 6), ("a shipper", 3)):
        for call in ("first call", r"again \(1\)"):
            row = rf"^  {who}, {call}: {found} overlaps in {NUMBER} ms .* 1 JSON-RPC HTTP requests"
            assert re.search(row, out, re.M), f"no row {who}/{call}:\n{out}"
    for who, found in (
        ("summed per partner", "2 partners"),
        ("with one shipper", "3 overlaps"),
        ("one overlap by id", "1 overlaps"),
    ):
        row = rf"^  the carrier, {who}, first call: {found} in {NUMBER} ms .* 1 JSON-RPC HTTP"
        assert re.search(row, out, re.M), f"no row {who}:\n{out}"
    assert re.search(rf"a later one \(the claims since\): {NUMBER} ms", out), out


def test_the_members_benchmark_reads_a_page_in_batched_requests() -> None:
    out = _run("scripts/bench_members.py", "--members", "5", "--repeat", "1")
    assert "7 members (with the service account and the relayer):" in out, out
    row = rf"page 1 of 200 {NUMBER} ms \(2 requests\); .* the auditors' list {NUMBER} ms"
    assert re.search(row, out), out


def test_the_export_benchmark_exports_every_claim_in_each_format() -> None:
    out = _run("scripts/bench_export.py", "--claims", "7")
    for fmt in ("csv", "xlsx", "json"):
        row = rf"^  {fmt}: 7 claims, {NUMBER} MB in {NUMBER} s .* rose -?{NUMBER} MB at its peak"
        assert re.search(row, out, re.M), f"no row {fmt}:\n{out}"


def test_the_audit_report_benchmark_prints_each_format() -> None:
    out = _run("scripts/bench_audit_report.py", "--claims", "30")
    assert "the report of a firm's history of 30 footprints (one transaction per batch):" in out
    root = _run("scripts/bench_audit_report.py", "--claims", "12", "--root", "--formats", "html")
    assert "of 12 footprints (under batch roots):" in root, root
    assert re.search(rf"^  html: {NUMBER} MB in {NUMBER} s", root, re.M), root
    assert re.search(rf"^  html: {NUMBER} MB in {NUMBER} s .* rose -?{NUMBER} MB", out, re.M), out
    pdf = rf"^  pdf: {NUMBER} MB, \d+ pages in {NUMBER} s .* rose -?{NUMBER} MB"
    assert re.search(pdf, out, re.M), out


def test_the_anvil_state_race_script_prints_its_tally() -> None:
    """How often anvil's file is faulty is chance: the script's tally line, not its figures
    (``tests/chain/test_node.py`` holds the behaviour)."""
    out = _run("scripts/anvil_state_race.py", "--rounds", "2", "--min-seconds", "0.5",
               "--max-seconds", "1")  # fmt: skip
    summary = r"^2 SIGTERMs under load: \d state files faulty; chains whose storage and events "
    assert re.search(summary + r"disagree: \d loaded as written, \d loaded as prepared$", out, re.M)


def test_the_periods_benchmark_sums_every_footprint() -> None:
    out = _run("scripts/bench_periods.py", "--claims", "12", "--repeat", "2")
    assert re.search(rf"^accepted 12 footprints, 100 a request, in {NUMBER} s", out, re.M), out
    assert "12 footprints (12 summed in 1 period(s)):" in out, out
    assert re.search(rf"first call {NUMBER} ms; the 2 after it {NUMBER}-{NUMBER} ms", out), out
