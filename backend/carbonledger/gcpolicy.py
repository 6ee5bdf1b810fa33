"""The garbage-collection policy of CarbonLedger's long-running processes.

A process of the service or of the verifier holds, once started, about 150k-250k objects
that live as long as it does: imported modules, pydantic schemas, web3 and its ABIs, the
standard's tables, the built app and its services. CPython's cyclic collector rescans every
one of them at each full collection, and full collections come every few thousand claims
(the claims a process keeps, ~37 tracked objects each, are what set them off): ~140 ms each
on the 2-core machine, more than half of the standard's per-claim cost in a process holding
3,000 parsed claims (78 µs with the collector, 39 µs with those objects frozen).

:func:`settle_heap` moves what is alive at the end of start-up to the collector's permanent
generation (:func:`gc.freeze`): never scanned again, still freed by reference counting if it
is ever let go. Objects made afterwards (requests, claims, reports) are collected as before.

Only a process's entry point calls it (the ``serve``, ``anchor``, ``index`` and ``up``
commands, each API worker process, the ``verify`` command and the verifier's pool
processes), once its start-up is done: freezing is a decision about the whole process,
which a library imported into someone else's process must not take for it.
"""

from __future__ import annotations

import gc

#: allocations (less deallocations) of tracked objects between young collections
YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Collect once (what start-up left as garbage is not kept forever), freeze every object
    alive now, and raise the youngest generation's threshold to :data:`YOUNG_THRESHOLD`.
    Call it once, at the end of a process's start-up.

    The threshold: Python 3.11's 700 allocations between young collections make a claim's
    ~37 surviving objects a collection every ~20 claims; at 10,000 the standard's per-claim
    CPU in a process holding 3,000 claims measured ~7 % lower than with the freeze alone
    (50,000 gained little more; ``docs/performance.md``, "Garbage collection, session 5").
    The cost is at most that many young cyclic objects waiting a little longer to be freed
    (a few MB); objects without cycles are freed by reference counting at once, as ever."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
