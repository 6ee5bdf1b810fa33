#!/usr/bin/env python3
"""How often anvil's state file, written on SIGTERM under load, misses a block it holds the
effects of; and whether the chain restarted through ``StateFile.prepare`` agrees with itself.

Each round: a fresh embedded node (``AnvilNode``, ``--state-interval 1`` as ``carbonledger
up`` runs it), a counter contract called in batches of 20 (one block per transaction), SIGTERM
after a random 1-3 s (what the supervisor's death sends anvil), then the state file it wrote
is judged and loaded twice: as written, and as ``prepare`` leaves it. A chain agrees when the
counter's storage equals its events (see ``benchmarks/anvil_state.py``).

Usage:  .venv/bin/python scripts/anvil_state_race.py [--rounds 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: benchmarks/

from benchmarks.anvil_state import scratch_node, sigterm_race


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--max-seconds", type=float, default=3.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    faulty = disagree_as_written = disagree_prepared = 0
    for number in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="carbonledger-anvil-race-") as tmp:
            node = scratch_node(Path(tmp), 1)
            got = sigterm_race(node, (args.min_seconds, args.max_seconds), rng)
        faulty += got.defect is not None
        disagree_as_written += not got.as_written.agrees
        disagree_prepared += not got.prepared.agrees
        print(
            f"round {number + 1}: as written count {got.as_written.count} events "
            f"{got.as_written.events} block {got.as_written.block}; prepared count "
            f"{got.prepared.count} events {got.prepared.events} block {got.prepared.block}"
            + (f"\n  {got.note}" if got.note else ""),
            flush=True,
        )
    print(
        f"{args.rounds} SIGTERMs under load: {faulty} state files faulty; chains whose storage "
        f"and events disagree: {disagree_as_written} loaded as written, "
        f"{disagree_prepared} loaded as prepared"
    )


if __name__ == "__main__":
    main()
