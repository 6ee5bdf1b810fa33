"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from carbonledger.config import DEFAULT_PROJECT_ROOT

PROJECT_ROOT = DEFAULT_PROJECT_ROOT
ANVIL_BIN = PROJECT_ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin"

# The suite runs through `./run test`, which installs everything and puts anvil on PATH;
# make a bare `uv run pytest` work as well.
os.environ.setdefault("SOLCX_BINARY_PATH", str(PROJECT_ROOT / ".toolchain" / "solcx"))
if shutil.which("anvil") is None and ANVIL_BIN.is_dir():
    os.environ["PATH"] = f"{ANVIL_BIN}{os.pathsep}{os.environ['PATH']}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CARBONLEDGER_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("CARBONLEDGER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT
