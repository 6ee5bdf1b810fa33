"""What every command shares: settings from options, one console, one error format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

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


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn CarbonLedger's errors into one red line on stderr and exit code 1."""
    try:
        yield
    except CarbonLedgerError as exc:
        raise fail(str(exc)) from None


def step(message: str) -> None:
    """Progress line of a long-running command."""
    err_console.print(f"[dim]·[/] {message}", soft_wrap=True)


Say = Callable[[str], None]
