"""The state folders the contract tests' anvil leaves under ``~/.foundry/anvil/tmp``.

ape-foundry (0.8.12) starts anvil with a command line of its own: its ``foundry:`` settings
have no extra arguments and no cache path, so unlike :class:`carbonledger.chain.node.AnvilNode`
(``--cache-path``) this anvil pages its old states out to anvil's default
``~/.foundry/anvil/tmp/anvil-state-<date><random>/<block hash>.json`` and leaves them there when
ape stops it. Other anvils (other test sessions, benchmarks) write to the same folder, so a
folder is this session's only if it appeared during the session and holds the state of a block
this session's chain knows. A session that is killed still leaves its folder behind.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from pathlib import Path

ANVIL_TMP = Path.home() / ".foundry" / "anvil" / "tmp"

#: states asked about per folder, oldest first: the blocks of a test that was reverted are
#: unknown to the chain afterwards, those of the session's deployment never are
SAMPLE = 32


def state_folders(root: Path = ANVIL_TMP) -> set[Path]:
    """The anvil state folders under ``root`` now."""
    return {p for p in root.glob("anvil-state-*") if p.is_dir()} if root.is_dir() else set()


def left_by(
    knows_block: Callable[[str], bool], before: Set[Path], root: Path = ANVIL_TMP
) -> list[Path]:
    """The folders under ``root`` not in ``before`` that hold a state of a block
    ``knows_block`` (the block hash, ``0x``-hex) recognises."""
    found = []
    for folder in sorted(state_folders(root) - before):
        states = sorted(folder.glob("0x*.json"), key=lambda p: p.stat().st_mtime)[:SAMPLE]
        if any(knows_block(state.stem) for state in states):
            found.append(folder)
    return found
