"""Errors of the chain package (node process, RPC, deployment)."""

from __future__ import annotations

from carbonledger.errors import CarbonLedgerError


class ChainError(CarbonLedgerError):
    """Root of the chain package's errors."""


class NodeBinaryNotFound(ChainError):
    """The anvil executable could not be found."""


class PortInUse(ChainError):
    """The port chosen for the node or the API is already taken."""


class NodeStartFailed(ChainError):
    """The node process exited or did not answer in time."""


class RpcUnreachable(ChainError):
    """Nothing answers JSON-RPC at the configured URL."""


class CompileFailed(ChainError):
    """The contracts did not compile."""


class DeploymentMismatch(ChainError):
    """The chain no longer holds the code recorded in the deployment manifest."""


class ManifestError(ChainError):
    """The deployment manifest is unreadable or inconsistent."""


class ChainRefused(ChainError):
    """The contract refused a transaction up front; ``reason`` is its custom error's name."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"the chain refused {what}: {reason}")
        self.reason = reason
