"""Allocation of a whole (a trip's or a site's emissions) among parts, summing back exactly.

ISO 14083 / GLEC allocate a vehicle's or trip's emissions among shipments by tonne-km. The
exact shares (whole x w_i / sum w) are not finite decimals in general, so the standard
quantizes them to ``quantum`` (0.000001 kgCO2e by default) with the largest-remainder method:
each part gets its share rounded down, then the leftover quanta go one each to the parts with
the largest remainders (ties to the earlier part). The parts therefore sum to the whole
(quantized to the same quantum) exactly, and the result does not depend on anything but the
inputs' order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from carbonledger.standard.errors import AllocationError
from carbonledger.standard.numbers import CONTEXT


def allocate(whole: Decimal, weights: Sequence[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split ``whole`` by ``weights``; the parts sum exactly to the quantized whole."""
    if not weights:
        raise AllocationError("nothing to allocate to")
    if len(weights) == 1:  # the common case (one shipment on a trip): the quantized whole
        if weights[0] < 0:
            raise AllocationError("allocation weights must not be negative")
        if weights[0] == 0:
            raise AllocationError("allocation weights sum to zero (no tonne-km)")
        return [whole.quantize(quantum, rounding=ROUND_HALF_EVEN, context=CONTEXT)]
    if any(w < 0 for w in weights):
        raise AllocationError("allocation weights must not be negative")
    total_w = sum(weights, Decimal(0))
    if total_w == 0:
        raise AllocationError("allocation weights sum to zero (no tonne-km)")
    c = CONTEXT
    target = whole.quantize(quantum, rounding=ROUND_HALF_EVEN, context=c)
    units = int(c.divide(target, quantum))
    exact = [c.divide(c.multiply(Decimal(units), w), total_w) for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR, context=c)) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [c.multiply(Decimal(n), quantum) for n in floors]
