"""A span of time as an operator reads it at a glance (``carbonledger status``, the alerts)."""

from __future__ import annotations


def spoken(seconds: float) -> str:
    """``42 s`` below ten minutes (so a threshold of 300 s and a wait of 301 s read apart),
    then minutes below two hours, then hours."""
    if seconds < 600:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
