"""What every command shares: settings from options, one console, one error format."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from carbonledger.cli.options import OptionGroup
from carbonledger.config import Settings
from carbonledger.errors import CarbonLedgerError, ConfigError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (chain state, manifest, database)."),
]
RpcUrlOpt = Annotated[
    str | None,
    typer.Option("--rpc-url", help="Use this EVM JSON-RPC node instead of the embedded anvil."),
]
ChainPortOpt = Annotated[
    int | None, typer.Option("--chain-port", help="Port of the embedded chain node.")
]
ApiPortOpt = Annotated[int | None, typer.Option("--api-port", help="Port of the API server.")]
BlockTimeOpt = Annotated[
    float | None,
    typer.Option("--block-time", help="Seconds between blocks on the embedded chain."),
]


@dataclass(frozen=True)
class Node(OptionGroup):
    """``--data-dir --rpc-url``: the ledger's data directory and its chain."""

    data_dir: DataDirOpt = None
    rpc_url: RpcUrlOpt = None

    def settings(self, **more: Any) -> Settings:
        """The settings, with these and ``more`` of the command's options on top."""
        return settings_from(data_dir=self.data_dir, rpc_url=self.rpc_url, **more)


def settings_from(**overrides: Any) -> Settings:
    """:class:`Settings` from the environment, with the non-None CLI options on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from None


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


EXIT_FAIL, EXIT_BAD_INPUT = 1, 2


class BadInput(CarbonLedgerError):
    """What the user gave cannot be used (a file that is not a claim document...): exit 2."""


def explain(exc: BaseException) -> tuple[str, int]:
    """One line saying what went wrong and where, and the exit code (2: bad input)."""
    from carbonledger.standard.errors import ClaimFormatError, StandardError

    if isinstance(exc, ClaimFormatError):
        problems = "; ".join(str(p) for p in exc.problems[:5])
        more = f" (and {len(exc.problems) - 5} more)" if len(exc.problems) > 5 else ""
        return f"not a valid claim document: {problems}{more}", EXIT_BAD_INPUT
    if isinstance(exc, StandardError):
        return f"the standard refuses the claim: {exc}", EXIT_BAD_INPUT
    if isinstance(exc, BadInput):
        return str(exc), EXIT_BAD_INPUT
    if isinstance(exc, CarbonLedgerError):
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, 1
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"cannot access{where}: {exc.strerror or exc}", EXIT_FAIL
    import httpx

    if isinstance(exc, httpx.HTTPError):
        return f"the API did not answer: {type(exc).__name__}: {exc}", EXIT_FAIL
    text = " ".join(str(exc).split())[:300]
    name = type(exc).__name__
    if "Web3" in name or "Contract" in name or "RPC" in name.upper():
        return f"the chain refused or did not answer: {text or name}", EXIT_FAIL
    return f"unexpected {name}: {text} (set CARBONLEDGER_DEBUG=1 for the traceback)", EXIT_FAIL


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn every error into one red line on stderr and exit code 1 (2 for bad input)."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("CARBONLEDGER_DEBUG"):
            raise
        message, code = explain(exc)
        raise fail(message, code) from None


def read_file(path: Path) -> bytes:
    """The bytes of ``path``, or one line saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CarbonLedgerError(f"cannot read {path}: {exc.strerror}") from None


def step(message: str) -> None:
    """Progress line of a long-running command."""
    err_console.print(f"[dim]·[/] {message}", soft_wrap=True)


Say = Callable[[str], None]
