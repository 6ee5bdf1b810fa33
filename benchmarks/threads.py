"""CPU of the benchmark's own threads: a cProfile of every thread, and CPU time per thread.

The in-process service runs as threads of the benchmark's process (the API's request
threads, the anchoring worker, the indexer, the HTTP server's loop) beside the firms'
client threads. ``cProfile.Profile.enable`` profiles only the thread that calls it, so
:class:`AllThreads` hands every thread started while it is on a profiler of its own (through
:func:`threading.setprofile`, which each new thread calls before its first frame) and merges
them. Its clock is each thread's CPU time (``time.thread_time``): waiting for the node, for a
lock or for the GIL is not counted, so the figures are the CPU the work costs, which a shared
machine moves far less than wall time. Profiling slows the work down (about 2x here), and not
evenly: read the shares as a guide.
"""

from __future__ import annotations

import cProfile
import pstats
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any


class AllThreads:
    """Profiles this thread and every thread started inside the ``with``; :meth:`dump`
    writes the merged statistics. Threads started before are not profiled."""

    def __init__(self) -> None:
        self._profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()
        self._on = False

    def _start(self, frame: FrameType, event: str, arg: Any) -> None:
        """A new thread's first event: give it its own profiler (which replaces this hook)."""
        del frame, event, arg
        if not self._on:
            return
        profile = cProfile.Profile(time.thread_time)
        with self._lock:
            self._profiles.append(profile)
        profile.enable()

    def __enter__(self) -> AllThreads:
        self._on = True
        threading.setprofile(self._start)
        self._start(None, "", None)  # type: ignore[arg-type]  # this thread
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._on = False
        threading.setprofile(None)
        self._profiles[0].disable()  # this thread's; the others stop with their threads

    def dump(self, path: Path) -> None:
        """The merged statistics of every profiled thread, as ``pstats`` reads them: the
        calls each thread has completed (a call still under way in another thread, such as
        a worker's wait, is left out: closing it here would time it by this thread's clock)."""
        with self._lock:
            profiles = list(self._profiles)
        merged = pstats.Stats()
        for profile in profiles:
            profile.snapshot_stats()  # not create_stats: that calls disable()
            one = pstats.Stats()
            one.stats = profile.stats  # type: ignore[attr-defined]
            one.get_top_level_stats()
            merged.add(one)
        merged.dump_stats(path)


class ThreadCpu:
    """The CPU seconds a group of threads spent: each adds what ``time.thread_time`` counted
    over its work."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds
