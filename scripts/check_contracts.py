"""Static analysis of contracts/: Slither over a forge build, findings against the triage file.

Run by ``./run check`` after ``forge build`` (foundry.toml: solc-js through tools/solc-shim.js,
offline, via-IR). Fails when Slither reports a high or medium finding that
tools/analysis/slither-triage.json does not triage, and prints one summary line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRIAGE = ROOT / "tools/analysis/slither-triage.json"
OUT = ROOT / ".toolchain/forge/out"
_LOCATION = re.compile(r"\s*\([^()]*#[0-9-]+\)")


def _first_line(description: str) -> str:
    return _LOCATION.sub("", description.split("\n")[0]).strip()


def main() -> int:
    triage = json.loads(TRIAGE.read_text())["triaged"]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "slither.json"
        done = subprocess.run(
            [sys.executable, "-m", "slither", ".", "--ignore-compile",
             "--foundry-out-directory", str(OUT), "--filter-paths", "node_modules",
             "--json", str(report)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if not report.exists():
            print(done.stderr[-2000:], file=sys.stderr)
            print("slither: no report was written (did forge build run?)", file=sys.stderr)
            return 2
        data = json.loads(report.read_text())
    if not data.get("success"):
        print(f"slither: failed: {data.get('error')}", file=sys.stderr)
        return 2
    findings = data.get("results", {}).get("detectors", [])
    impacts = Counter(f["impact"] for f in findings)
    untriaged = []
    used: set[int] = set()
    for finding in findings:
        if finding["impact"] not in ("High", "Medium"):
            continue
        line = _first_line(finding["description"])
        hit = next(
            (i for i, t in enumerate(triage)
             if t["check"] == finding["check"] and re.search(t["match"], line)),
            None,
        )  # fmt: skip
        if hit is None:
            untriaged.append(f"{finding['impact']} {finding['check']}: {line}")
        else:
            used.add(hit)
    for entry in untriaged:
        print(f"UNTRIAGED {entry}")
    for i, entry in enumerate(triage):
        if i not in used:
            print(
                f"note: triage entry no longer matches anything: {entry['check']} {entry['match']}"
            )
    high_medium = impacts["High"] + impacts["Medium"]
    print(
        f"slither: {len(findings)} findings ({impacts['High']} high, {impacts['Medium']} medium, "
        f"{impacts['Low']} low, {impacts['Informational']} informational, "
        f"{impacts['Optimization']} optimization); high/medium: "
        f"{high_medium - len(untriaged)} triaged, {len(untriaged)} untriaged"
    )
    return 1 if untriaged else 0


if __name__ == "__main__":
    raise SystemExit(main())
