"""Helpers for the standard's tests: example documents and a claim builder."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from carbonledger.standard import compute, load_default_standard, parse_claim
from carbonledger.standard.numbers import fmt, quantize

EXAMPLES = Path(__file__).resolve().parents[2] / "backend/carbonledger/standard/examples"
FIRM = {"address": "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "name": "华东快运有限公司"}
DIESEL_CN = "cn.ndrc.land_transport.2015.diesel.t"
DIESEL_UK = "uk.desnz.2023.fuel.diesel_average_biofuel_blend.l"
GRID_EAST = "cn.mee.2022.grid.east"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def intensity(
    fid: str,
    value: str,
    unit: str = "kgCO2e/tkm",
    basis: str = "TTW",
    kind: str = "transport_intensity",
    **extra: Any,
) -> dict[str, Any]:
    """A claim-declared factor."""
    return {
        "id": fid,
        "name": fid,
        "value": value,
        "unit": unit,
        "kind": kind,
        "basis": basis,
        "year": 2024,
        "source": {"document": "test"},
        **extra,
    }


def footprint(lines: list[dict[str, Any]], *, fill: bool = True, **over: Any) -> dict[str, Any]:
    """A footprint claim around ``lines``; declared totals filled from the calculator."""
    doc: dict[str, Any] = {
        "schema_version": "1",
        "kind": "footprint",
        "firm": FIRM,
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "standard_version": load_default_standard().version_id,
        "gwp_set": "AR6",
        "boundary": {
            "organisational": "operational_control",
            "scopes": [1, 2, 3],
            "scope3_categories": [1, 3, 4, 9],
        },
        "lines": lines,
        "declared": {
            "scope1": "0",
            "scope2_location": "0",
            "scope2_market": "0",
            "scope3": {},
            "biogenic_co2": "0",
        },
    }
    doc.update(over)
    if fill:
        totals = compute(parse_claim(copy.deepcopy(doc)), load_default_standard())
        q = Decimal("0.001")
        doc["declared"] = {
            "scope1": fmt(quantize(totals.scope1, q)),
            "scope2_location": fmt(quantize(totals.scope2_location, q)),
            "scope2_market": fmt(quantize(totals.scope2_market, q)),
            "scope3": {str(c): fmt(quantize(v, q)) for c, v in totals.scope3.items()},
            "biogenic_co2": fmt(quantize(totals.biogenic_co2, q)),
        }
    return doc
