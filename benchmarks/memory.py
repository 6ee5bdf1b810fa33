"""The process's resident memory, for benchmarks that print how far one step raised it."""

from __future__ import annotations

from pathlib import Path


def status_mb(name: str) -> float:
    """A /proc/self/status figure (VmRSS, VmHWM ...) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{name} not in /proc/self/status")


def reset_peak() -> None:
    """Set the peak (VmHWM) back to the current resident size."""
    Path("/proc/self/clear_refs").write_text("5")
