"""The service's own reading (``GET /status``) as rows of ``carbonledger status``."""

from __future__ import annotations

import time
from typing import Any

import httpx
from rich.markup import escape
from rich.table import Table

from carbonledger.config import Settings
from carbonledger.timespans import spoken
from carbonledger.vocab.constants import CLAIM_STATES

_COLOUR = {"critical": "red", "warning": "yellow"}


def read_status(api: str, settings: Settings) -> tuple[dict[str, Any] | None, str | None]:
    """``GET /status`` of the API at ``api`` with ``settings.status_token`` when set: its
    body, or None and why it could not be read."""
    token = settings.status_token
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
    try:
        answer = httpx.get(f"{api}/status", headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    if answer.status_code in (401, 403):
        return None, "it needs CARBONLEDGER_STATUS_TOKEN (the service's status_token)"
    if answer.status_code != 200:
        return None, f"HTTP {answer.status_code}"
    body: dict[str, Any] = answer.json()
    return body, None


def _pipeline_rows(table: Table, body: dict[str, Any]) -> None:
    pipeline = body["pipeline"]
    counts = pipeline["claims"]
    parts = [f"{counts.get(state, 0)} {state}" for state in CLAIM_STATES]
    age = pipeline["oldest_accepted_age_seconds"]
    if age is not None:
        parts[0] += f" (oldest waits {spoken(age)})"
    table.add_row("claims", ", ".join(parts))
    firms = pipeline["firms_waiting"]
    if firms:
        full = pipeline["firms_at_backlog_limit"]
        table.add_row(
            "waiting",
            f"{firms} firm{'' if firms == 1 else 's'} with claims waiting, the most "
            f"{pipeline['largest_firm_backlog']} (limit {pipeline['firm_backlog_limit']}"
            + (f"; {full} at it: refused with 429)" if full else ")"),
        )
    lag = pipeline["index_lag_blocks"]
    behind = "" if lag is None else f", {lag} behind the head"
    table.add_row("indexed", f"up to block {pipeline['indexed_block']}{behind}")
    connections = body.get("database_connections")
    if connections is not None:
        table.add_row(
            "database",
            f"{connections['in_use']} of {connections['limit']} connections in use",
        )


def add_status_rows(table: Table, body: dict[str, Any]) -> None:
    """The pipeline, the roles' processes, the service account and the alerts, as rows."""
    now = body["at"]
    pipeline = body["pipeline"]
    if pipeline is None:
        table.add_row("database", f"[red]down[/] {escape(str(body['database_error']))}")
    else:
        _pipeline_rows(table, body)
    for role in ("anchoring worker", "indexer") if pipeline is not None else ():
        mine = [i for i in body["instances"] if i["role"] == role]
        shown = []
        for i in mine:
            where = f"{escape(i['host'])} pid {i['pid']}, seen {spoken(now - i['seen_at'])} ago"
            state = i["state"] if i["alive"] else "gone"
            colour = "green" if i["alive"] and i["state"] == "active" else "dim"
            shown.append(f"[{colour}]{state}[/] {where}")
        table.add_row(role, "; ".join(shown) or "[red]no process has reported[/]")
    serving = body.get("api_processes") or []
    if serving:
        alive = [p for p in serving if p["alive"]]
        gone = len(serving) - len(alive)
        where = ", ".join(f"{escape(p['host'])} pid {p['pid']}" for p in alive)
        table.add_row(
            "API processes",
            f"{len(alive)} serving ({where})" + (f"; [dim]{gone} gone[/]" if gone else ""),
        )
    chain = body["chain"]
    if chain is not None:
        ether = int(chain["relayer_balance_wei"]) / 10**18
        waiting = chain["relayer_pending_transactions"]
        table.add_row(
            "service account",
            f"{chain['relayer']} {ether:,.4f} ETH, {waiting} transactions waiting; "
            f"newest block {chain['head']}, {spoken(chain['head_age_seconds'])} old",
        )
    for alert in body["alerts"]:
        colour = _COLOUR.get(alert["severity"], "yellow")
        table.add_row(
            f"[{colour}]{alert['severity']}[/]",
            f"{alert['name']}: {escape(alert['message'])}",
        )
    if not body["alerts"]:
        table.add_row("alerts", f"[green]none[/] (read {time.strftime('%H:%M:%S')})")
