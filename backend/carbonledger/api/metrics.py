"""A :class:`~carbonledger.services.status.ServiceStatus` in the Prometheus text exposition
format (version 0.0.4): gauges only, read from the database and the chain at each scrape, so
every API process answers the same (no per-process counters to add up).

Names carry the unit (``_seconds``, ``_wei``, ``_blocks``); a role is labelled as the alerts
name it (``anchoring_worker``, ``indexer``). ``carbonledger_alert`` has one sample per firing
alert, so ``carbonledger_alert{severity="critical"} == 1`` is the rule to page on.
"""

from __future__ import annotations

from collections.abc import Iterable

from carbonledger.services.status import ServiceStatus
from carbonledger.store.instances import ACTIVE, ROLES, STANDBY, role_label

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"

Sample = tuple[dict[str, str], float | int]


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _metric(name: str, help_: str, samples: Iterable[Sample]) -> list[str]:
    lines = [f"# HELP {name} {help_}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {value}" if inner else f"{name} {value}")
    return lines


def prometheus_text(status: ServiceStatus, version: str) -> str:
    """See the module docstring."""
    out: list[str] = []

    def gauge(name: str, help_: str, *samples: Sample) -> None:
        out.extend(_metric(f"carbonledger_{name}", help_, samples))

    gauge("info", "The service's version (always 1).", ({"version": version}, 1))
    gauge("healthy", "1 when no critical alert fires.", ({}, int(status.healthy)))
    gauge(
        "alert",
        "One sample per firing alert (see GET /status for its message).",
        *(({"name": a.name, "severity": a.severity}, 1) for a in status.alerts),
    )
    pipeline, indexing = status.pipeline, status.indexing
    gauge("database_up", "1 when the database answers.", ({}, int(pipeline is not None)))
    if pipeline is not None:
        gauge(
            "claims",
            "Claims in the service's outbox, by state.",
            *(({"state": state}, n) for state, n in sorted(pipeline.counts.items())),
        )
        gauge(
            "oldest_accepted_age_seconds",
            "How long the oldest accepted claim has waited for the chain (0: none waits).",
            ({}, round(pipeline.oldest_accepted_age or 0.0, 3)),
        )
        gauge(
            "firms_waiting",
            "Firms with claims waiting for the chain.",
            ({}, pipeline.firms_waiting),
        )
        gauge(
            "largest_firm_backlog",
            "The most claims one firm has waiting for the chain.",
            ({}, pipeline.largest_firm_backlog),
        )
        gauge(
            "firms_at_backlog_limit",
            "Firms at firm_backlog_limit, whose new claims are refused with 429.",
            ({}, pipeline.firms_at_backlog_limit),
        )
    if status.connections is not None:
        gauge(
            "database_connections",
            "Client connections open on the PostgreSQL server.",
            ({}, status.connections.in_use),
        )
        gauge(
            "database_connections_limit",
            "Connections the PostgreSQL server takes from users that are not superusers.",
            ({}, status.connections.limit),
        )
    if indexing is not None:
        gauge(
            "indexed_block", "The newest block the indexer has read.", ({}, indexing.indexed_block)
        )
    chain = status.chain
    gauge("chain_up", "1 when the chain node answers.", ({}, int(chain is not None)))
    if chain is not None:
        gauge("chain_head_block", "The chain's newest block.", ({}, chain.head))
        gauge(
            "chain_head_age_seconds",
            "How old the newest block is.",
            ({}, max(0, status.at - chain.head_timestamp)),
        )
        if indexing is not None and indexing.lag_blocks is not None:
            gauge(
                "indexer_lag_blocks",
                "Blocks the indexer is behind the head.",
                ({}, indexing.lag_blocks),
            )
        gauge(
            "relayer_balance_wei",
            "What the service account holds to pay for the claims' gas.",
            ({}, float(chain.relayer_balance)),
        )
        gauge(
            "relayer_pending_transactions",
            "The service account's transactions sent and not yet mined.",
            ({}, chain.relayer_pending_nonce - chain.relayer_nonce),
        )
        gauge("gas_price_wei", "The gas price the node suggests.", ({}, chain.gas_price))
    if pipeline is None:  # the roles' rows are not known either
        return "\n".join(out) + "\n"
    gauge(
        "api_processes",
        "Processes serving the API that reported within the heartbeat timeout.",
        ({}, sum(1 for i in status.api_processes if i.alive)),
    )
    alive = [i for i in status.instances if i.alive]
    gauge(
        "role_instances",
        "Processes alive in each background role, active or standby.",
        *(
            (
                {"role": role_label(role), "state": state},
                sum(1 for i in alive if i.role == role and i.state == state),
            )
            for role in ROLES
            for state in (ACTIVE, STANDBY)
        ),
    )
    return "\n".join(out) + "\n"
