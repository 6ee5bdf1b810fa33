"""A smoke run of ``scripts/bench.py`` with tiny counts: every figure line is printed.

Figures are never asserted against their targets here (they depend on the machine); the
test checks that one run prints each of them: end to end per mode (single, batch, root) for
the in-process service and for the separate processes on PostgreSQL, the ceiling and the
ratio, the EAS peer's three methods with gas and ratios, the verifier in one process and in
a pool, peak memory per process, the targets with a verdict each, and the per-claim floor
with each target's budget beside it.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT
from tests.postgres import postgres_bin

pytestmark = pytest.mark.timeout(900)

NUMBER = r"[\d,]+(?:\.\d+)?"


def test_one_tiny_run_prints_every_figure_with_its_target() -> None:
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    done = subprocess.run(
        [sys.executable, "scripts/bench.py", "--claims", "6", "--firms", "2",
         "--workers", "2", "--no-settlements"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=840,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    out = done.stdout
    for mode in ("single", "batch"):
        for service in ("in-process", "2 API + worker + indexer"):
            row = rf"^  {mode}\s+{re.escape(service)}\s+6\s+{NUMBER}\s+{NUMBER}\s.*\d+%\s+[\d,]+$"
            assert re.search(row, out, re.M), f"no end-to-end row {mode}/{service}:\n{out}"
        ceiling = rf"^  {mode}\s+\d+ claims in {NUMBER} s: {NUMBER} claims/s$"
        assert re.search(ceiling, out, re.M), out
    for service in ("in-process", "2 API + worker + indexer"):  # root mode: no ceiling
        row = rf"^  root\s+{re.escape(service)}\s+6\s+{NUMBER}\s+{NUMBER}\s.*\s-\s+[\d,]+$"
        assert re.search(row, out, re.M), f"no end-to-end row root/{service}:\n{out}"
    # each mode's two services side by side, each row with the chain's height at its start
    rows = re.findall(r"^  (single|batch|root)\s+(in-process|2 API).*\s([\d,]+)$", out, re.M)
    assert [(m, s) for m, s, _ in rows] == [
        (m, s) for m in ("single", "batch", "root") for s in ("in-process", "2 API")
    ], out
    heights = [int(h.replace(",", "")) for _, _, h in rows]
    assert heights == sorted(heights) and heights[0] > 0, out
    for method in ("attest", "attestByDelegation", "multiAttest"):
        row = rf"^  {method}\s+6 in {NUMBER} s:\s+{NUMBER} records/s,\s+{NUMBER} gas/record.*"
        row += r"ours \((single|batch), best end to end\) / EAS = [\d.]+x, gas EAS / ours = "
        assert re.search(row, out, re.M), f"no EAS row for {method}:\n{out}"
    assert re.search(
        rf"independent verifier .*: one process {NUMBER} claims/s; 2 processes .* "
        rf"{NUMBER} claims/s",
        out,
    ), out
    memory = out.split("peak memory per process (max RSS):")[1].split("targets")[0]
    for role in ("benchmark process", "single-anchor", "single-index", "single-serve",
                 "single-serve: API process 1", "batch-anchor", "chain: anvil",
                 "verifier process 1"):  # fmt: skip
        assert re.search(rf"^  {re.escape(role)}.*\s{NUMBER} MB$", memory, re.M), (role, out)
    targets = out.split("targets on the 2-core machine")[1]
    for label, target in (("batch end to end", "2,000"), ("root end to end", "5,000"),
                          ("single end to end", "300"), ("independent verifier", "10,000"),
                          ("end to end / ceiling", "50")):  # fmt: skip
        line = rf"^  {re.escape(label)}.*target\s+{target}\s+(met|MISSED)$"
        assert re.search(line, targets, re.M), (label, out)
    # the per-claim floor, and each target's budget beside it and beside this run's cost
    floor = out.split("the per-claim floor:")[1]
    summed = (
        rf"^  parse {NUMBER} µs \+ the standard \(lines, totals, rules, hashes\) {NUMBER} µs \+ "
        rf"the signer's recovery {NUMBER} µs = {NUMBER} µs: two cores doing nothing else take "
        rf"at most {NUMBER} claims/s$"
    )
    assert re.search(summed, floor, re.M), out
    for mode, target in (("batch", "2,000"), ("root", "5,000"), ("single", "300"),
                         ("verifier", "10,000")):  # fmt: skip
        line = rf"^    {mode}\s+{target}/s:\s+{NUMBER} µs a claim, .*; this run {NUMBER} µs"
        assert re.search(line, floor, re.M), (mode, out)
