"""Golden results of the standard's computation: what the checker and ``compute`` return for
a varied set of documents, recorded by the code before session 5's speed work.

``tests/standard/data/golden/cases.json`` holds the documents: every claim document the
tests of ``tests/standard``, ``tests/planner`` and ``tests/pact`` checked or computed under a
shipped version (recorded once by wrapping ``check``/``compute`` during a run of those tests),
with a heat line added (no test filed one); every activity type of the standard is there,
passing and failing documents, reductions with baselines and allocations.
``expected.json`` holds, per case, the SHA-256 of the report's canonical bytes (checked
alone, and after ``compute`` on the same parsed document) and of ``compute``'s results (exact
decimals as ``repr``) or its error. Regenerate ``expected.json`` only from a commit
whose results are known good (``python -m tests.standard.golden_results``): a speed change
must leave every entry as it is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from carbonledger.standard import (
    StandardError,
    canonical_bytes,
    check,
    compute,
    parse_claim,
    standard_named,
)

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"


def cases() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((GOLDEN / "cases.json").read_text("utf-8"))
    return loaded


def results(case: dict[str, Any]) -> dict[str, str]:
    """The report (check alone, and check after compute on the same document) and compute's
    results of one case, as text."""
    standard = standard_named(case["version"])
    assert standard is not None, case["version"]
    baseline = None if case["baseline"] is None else parse_claim(case["baseline"])
    out: dict[str, str] = {}
    report = check(parse_claim(case["document"]), standard, baseline, case["allocations"])
    out["report"] = canonical_bytes(report).decode("utf-8")
    claim = parse_claim(case["document"])
    try:
        out["compute"] = repr(compute(claim, standard))
    except StandardError as exc:
        out["compute"] = f"{type(exc).__name__}: {exc}"
    shared = check(claim, standard, baseline, case["allocations"])
    out["report_after_compute"] = canonical_bytes(shared).decode("utf-8")
    return out


def digests(case: dict[str, Any]) -> dict[str, str]:
    """:func:`results` as SHA-256 digests (what ``expected.json`` records)."""
    return {k: hashlib.sha256(v.encode("utf-8")).hexdigest() for k, v in results(case).items()}


if __name__ == "__main__":
    expected = [digests(case) for case in cases()]
    (GOLDEN / "expected.json").write_text(json.dumps(expected, indent=0) + "\n", encoding="utf-8")
    print(f"{len(expected)} cases written")
