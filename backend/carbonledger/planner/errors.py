"""Errors of the abatement planner (one root, under :class:`CarbonLedgerError`)."""

from __future__ import annotations

from carbonledger.errors import CarbonLedgerError


class PlannerError(CarbonLedgerError):
    """Root of the planner's errors; the message names the field or figure at fault."""


class CatalogueError(PlannerError):
    """The technology catalogue (or a firm's quote) is malformed."""


class InfeasiblePlanError(PlannerError):
    """No combination of the options reaches the goal; the message gives the most reachable."""


class SharingError(PlannerError):
    """A cost-sharing method cannot be applied to this game (too many parties, no imputation)."""
