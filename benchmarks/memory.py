"""Processes' resident memory from ``/proc/<pid>/status``, for the benchmarks' figures."""

from __future__ import annotations

from pathlib import Path


def status_mb(name: str, pid: int | str = "self") -> float | None:
    """A ``/proc/<pid>/status`` figure (VmRSS, VmHWM ...) in MB; None once the process is
    gone, or when it has no such line."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    return None


def own_mb(name: str) -> float:
    """This process's ``name`` figure in MB (it always has VmRSS and VmHWM)."""
    value = status_mb(name)
    if value is None:
        raise RuntimeError(f"{name} not in /proc/self/status")
    return value


def reset_peak() -> None:
    """Set this process's peak (VmHWM) back to its current resident size."""
    Path("/proc/self/clear_refs").write_text("5")
