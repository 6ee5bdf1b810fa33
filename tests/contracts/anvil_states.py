"""The state folders the contract tests' anvil leaves under ``~/.foundry/anvil/tmp``.

ape-foundry (0.8.12) starts anvil with a command line of its own: its ``foundry:`` settings
have no extra arguments and no cache path, so unlike :class:`carbonledger.chain.node.AnvilNode`
(``--cache-path``) this anvil pages its old states out to anvil's default
``~/.foundry/anvil/tmp/anvil-state-<date><random>/<block hash>.json`` and leaves them there when
ape stops it. Other anvils (other test sessions, benchmarks) write to the same folder, so a
folder is this session's only if it appeared during the session and holds the state of one of
this chain's first blocks (anvil pages the oldest states out first; the first blocks, the
session's deployments, are never reverted). A session that is killed still leaves its folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from pathlib import Path

ANVIL_TMP = Path.home() / ".foundry" / "anvil" / "tmp"


def state_folders(root: Path = ANVIL_TMP) -> set[Path]:
    """The anvil state folders under ``root`` now."""
    return {p for p in root.glob("anvil-state-*") if p.is_dir()} if root.is_dir() else set()


def left_by(first_blocks: Iterable[str], before: Set[Path], root: Path = ANVIL_TMP) -> list[Path]:
    """The folders under ``root`` not in ``before`` holding the state of one of
    ``first_blocks`` (block hashes, ``0x``-hex, of the chain's first blocks)."""
    names = [f"{block_hash.lower()}.json" for block_hash in first_blocks]
    return [
        folder
        for folder in sorted(state_folders(root) - before)
        if any((folder / name).is_file() for name in names)
    ]
