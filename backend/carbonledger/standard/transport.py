"""Transport activity and emission intensity (ISO 14083:2023, GLEC Framework v3, iLEAP).

Pure functions over a claim and its computed lines: no I/O, no chain. This is the figure the
PACT/iLEAP publication (issue 13) builds a shipment footprint from.

Vocabulary (ISO 14083 / iLEAP data model):

* a **transport chain element** (TCE) is one leg of a shipment: a ``transport`` line with a
  ``shipment_ref``, or one shipment's share of a ``trip``; a **hub** element is a ``hub`` line
  with a ``shipment_ref``;
* a **transport operation category** (TOC) groups legs of like operations: the line's
  ``toc_id``, by default its mode (``road`` for a trip without ``mode``); a **hub operation
  category** (HOC) groups hub lines: ``hoc_id``, by default ``hub``;
* **transport activity** = mass [t] x distance [km] in tonne-km, with the distance basis as
  filed (``actual``, ``shortest_feasible``, ``great_circle``; air great-circle distances get the
  standard's +95 km uplift before multiplying). A TEU-based line has TEU-km, not tonne-km;
* **emission intensity** = emissions / transport activity, in kgCO2e per tkm, WTW and TTW
  apart. A hub's intensity is per tonne handled.

What is not known is reported as ``None`` (``null``) rather than guessed: a TTW intensity
without a WTT factor has no WTW figure; a WTW intensity has no TTW/WTT split; a TEU-based line
has no tonne-km. An aggregate (shipment, TOC, HOC) is ``None`` when any element is.

Public API::

    transport_activity(claim, standard, totals=None) -> TransportReport
        # .lines, .shipments, .tocs, .hocs; .to_json_obj(); .shipment(ref)
    shipment_footprint(claim, standard, shipment_ref, totals=None) -> ShipmentFootprint
    line_tkm(line, standard) -> Decimal | None      # the tonne-km of a transport line
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from carbonledger.standard.calc import LineResult, Totals, compute, declared_factor
from carbonledger.standard.errors import StandardError
from carbonledger.standard.factors import Factor
from carbonledger.standard.lines import Line
from carbonledger.standard.methodology import Standard
from carbonledger.standard.models import Claim
from carbonledger.standard.numbers import CONTEXT, ZERO, fmt, quantize
from carbonledger.standard.units import UNITS

INTENSITY_QUANTUM = Decimal("0.000001")
"""Default display quantum of intensities (kgCO2e per tkm, per t for hubs); a standard's
methodology may set its own (``transport.intensity_quantum_kgco2e_per_tkm``). Figures stay
exact inside and are rounded half-even once, when shown."""

DEFAULT_HOC = "hub"


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def _div(num: Decimal | None, den: Decimal | None) -> Decimal | None:
    if num is None or den is None or not den:
        return None
    return num / den


@dataclass(frozen=True)
class Element:
    """One transport chain element (a leg) or hub element of a line."""

    line_index: int
    line_id: str
    element: str
    """``transport`` (a transport line), ``trip_share`` (one shipment's share of a trip),
    ``trip`` (a whole trip, in the per-line view) or ``hub``."""
    category_id: str
    """TOC id for legs, HOC id for hubs."""
    mode: str | None
    shipment_ref: str | None
    mass_t: Decimal | None
    distance_km: Decimal | None
    """Distance as multiplied: the filed distance plus any great-circle uplift."""
    distance_basis: str | None
    tkm: Decimal | None
    teukm: Decimal | None
    throughput_t: Decimal | None
    ttw: Decimal | None
    wtt: Decimal | None
    wtw: Decimal | None

    @property
    def is_hub(self) -> bool:
        """Whether this is a hub element (intensity per tonne handled)."""
        return self.element == "hub"

    @property
    def intensity_ttw(self) -> Decimal | None:
        """kgCO2e per tkm (per t handled for a hub), tank-to-wheel."""
        return _div(self.ttw, self.throughput_t if self.is_hub else self.tkm)

    @property
    def intensity_wtw(self) -> Decimal | None:
        """kgCO2e per tkm (per t handled for a hub), well-to-wheel."""
        return _div(self.wtw, self.throughput_t if self.is_hub else self.tkm)

    def to_json_obj(
        self, quantum: Decimal, intensity_quantum: Decimal = INTENSITY_QUANTUM
    ) -> dict[str, Any]:
        """JSON form: emissions to ``quantum`` kgCO2e, intensities to ``intensity_quantum``,
        activity exact."""

        def kg(d: Decimal | None) -> str | None:
            return None if d is None else fmt(quantize(d, quantum))

        def ex(d: Decimal | None) -> str | None:
            return None if d is None else fmt(d)

        def per(d: Decimal | None) -> str | None:
            return None if d is None else fmt(quantize(d, intensity_quantum))

        out: dict[str, Any] = {
            "line_index": self.line_index,
            "line_id": self.line_id,
            "element": self.element,
        }
        if self.is_hub:
            out["hoc_id"] = self.category_id
            out["throughput_t"] = ex(self.throughput_t)
        else:
            out["toc_id"] = self.category_id
            out["mode"] = self.mode
            out["mass_t"] = ex(self.mass_t)
            out["distance_km"] = ex(self.distance_km)
            out["distance_basis"] = self.distance_basis
            out["tkm"] = ex(self.tkm)
            if self.teukm is not None:
                out["teukm"] = ex(self.teukm)
        if self.shipment_ref is not None:
            out["shipment_ref"] = self.shipment_ref
        unit = "t" if self.is_hub else "tkm"
        out.update(
            {
                "ttw_kgco2e": kg(self.ttw),
                "wtt_kgco2e": kg(self.wtt),
                "wtw_kgco2e": kg(self.wtw),
                f"intensity_ttw_kgco2e_per_{unit}": per(self.intensity_ttw),
                f"intensity_wtw_kgco2e_per_{unit}": per(self.intensity_wtw),
            }
        )
        return out


@dataclass(frozen=True)
class Aggregate:
    """Sum of several elements (a shipment, a TOC or a HOC)."""

    key: str
    elements: tuple[Element, ...]

    def _sum(self, attr: str, hubs: bool | None = None) -> Decimal | None:
        total: Decimal | None = ZERO
        for e in self.elements:
            if hubs is not None and e.is_hub != hubs:
                continue
            total = _add(total, getattr(e, attr))
        return total

    @property
    def tkm(self) -> Decimal | None:
        """Transport activity of the legs (hubs carry none)."""
        return self._sum("tkm", hubs=False)

    @property
    def throughput_t(self) -> Decimal | None:
        """Tonnes handled at hubs."""
        return self._sum("throughput_t", hubs=True)

    @property
    def ttw(self) -> Decimal | None:
        """Tank-to-wheel emissions of every element (None when any is unknown)."""
        return self._sum("ttw")

    @property
    def wtt(self) -> Decimal | None:
        """Well-to-tank emissions of every element (None when any is unknown)."""
        return self._sum("wtt")

    @property
    def wtw(self) -> Decimal | None:
        """Well-to-wheel emissions of every element (None when any is unknown)."""
        return self._sum("wtw")

    def to_json_obj(
        self,
        quantum: Decimal,
        *,
        with_elements: bool,
        intensity_quantum: Decimal = INTENSITY_QUANTUM,
    ) -> dict[str, Any]:
        """JSON form; intensities are WTW (TTW) over the legs' tonne-km, hubs included."""

        def kg(d: Decimal | None) -> str | None:
            return None if d is None else fmt(quantize(d, quantum))

        def per(d: Decimal | None) -> str | None:
            return None if d is None else fmt(quantize(d, intensity_quantum))

        hubs = all(e.is_hub for e in self.elements)
        unit = "t" if hubs else "tkm"
        activity = self.throughput_t if hubs else self.tkm
        out: dict[str, Any] = {
            "elements": len(self.elements),
            ("throughput_t" if hubs else "tkm"): None if activity is None else fmt(activity),
            "ttw_kgco2e": kg(self.ttw),
            "wtt_kgco2e": kg(self.wtt),
            "wtw_kgco2e": kg(self.wtw),
            f"intensity_ttw_kgco2e_per_{unit}": per(_div(self.ttw, activity)),
            f"intensity_wtw_kgco2e_per_{unit}": per(_div(self.wtw, activity)),
        }
        if with_elements:
            out["chain"] = [e.to_json_obj(quantum, intensity_quantum) for e in self.elements]
        return out


@dataclass(frozen=True)
class ShipmentFootprint(Aggregate):
    """All elements of one shipment (``key`` is its ``shipment_ref``), in document order."""

    @property
    def shipment_ref(self) -> str:
        """The shipment's reference hash."""
        return self.key

    def to_json_obj(
        self,
        quantum: Decimal,
        *,
        with_elements: bool = True,
        intensity_quantum: Decimal = INTENSITY_QUANTUM,
    ) -> dict[str, Any]:
        """JSON form: shipment ref, legs and hubs in order, totals and intensities."""
        body = super().to_json_obj(
            quantum, with_elements=with_elements, intensity_quantum=intensity_quantum
        )
        return {"shipment_ref": self.key, **body}


@dataclass(frozen=True)
class TransportReport:
    """Transport activity and intensity of a claim: per line, shipment, TOC and HOC."""

    lines: tuple[Element, ...]
    shipments: tuple[ShipmentFootprint, ...]
    tocs: tuple[Aggregate, ...]
    hocs: tuple[Aggregate, ...]
    report_quantum: Decimal
    intensity_quantum: Decimal = INTENSITY_QUANTUM

    def shipment(self, shipment_ref: str) -> ShipmentFootprint:
        """The footprint of one shipment; :class:`StandardError` when no line carries it."""
        for s in self.shipments:
            if s.key == shipment_ref.lower():
                return s
        raise StandardError(f"no transport, trip or hub line carries shipment {shipment_ref}")

    def to_json_obj(self) -> dict[str, Any]:
        """JSON form (``calc`` prints it under ``transport``)."""
        q, iq = self.report_quantum, self.intensity_quantum
        return {
            "method": "ISO 14083:2023 / GLEC v3: tkm = mass_t x distance_km (air great-circle "
            "+95 km); intensity = kgCO2e / tkm (hubs: / t handled); WTW = TTW + WTT",
            "lines": [e.to_json_obj(q, iq) for e in self.lines],
            "shipments": [s.to_json_obj(q, intensity_quantum=iq) for s in self.shipments],
            "tocs": [
                {"toc_id": a.key, **a.to_json_obj(q, with_elements=False, intensity_quantum=iq)}
                for a in self.tocs
            ],
            "hocs": [
                {"hoc_id": a.key, **a.to_json_obj(q, with_elements=False, intensity_quantum=iq)}
                for a in self.hocs
            ],
        }


def line_distance(line: Line, standard: Standard) -> Decimal:
    """A transport line's distance as multiplied (air great-circle + the standard's uplift)."""
    v = line.v
    distance: Decimal = v["distance_km"]
    if v["mode"] == "air" and v["distance_basis"] == "great_circle":
        distance = distance + standard.air_gcd_adjustment_km
    return distance


def line_tkm(line: Line, standard: Standard) -> Decimal | None:
    """The tonne-km of a ``transport`` line (None when it is TEU-based)."""
    mass: Decimal | None = line.v.get("mass_t")
    if mass is None:
        return None
    return mass * line_distance(line, standard)


def _transport_element(line: Line, r: LineResult, standard: Standard) -> Element:
    v = line.v
    distance = line_distance(line, standard)
    mass: Decimal | None = v.get("mass_t")
    teu: Decimal | None = v.get("teu")
    # a WTW-basis intensity leaves ttw/wtt unknown; a TTW one without WTT leaves wtw unknown
    wtw = r.emissions if r.ttw is None or r.wtt is not None else None
    return Element(
        r.line_index,
        r.line_id,
        "transport",
        v.get("toc_id") or v["mode"],
        v["mode"],
        v.get("shipment_ref"),
        mass,
        distance,
        v["distance_basis"],
        None if mass is None else mass * distance,
        None if teu is None else teu * distance,
        None,
        r.ttw,
        r.wtt,
        wtw,
    )


def _trip_elements(line: Line, r: LineResult) -> tuple[Element, list[Element]]:
    v = line.v
    mode: str = v.get("mode") or "road"
    toc: str = v.get("toc_id") or mode
    shares: list[Element] = []
    for s, share in zip(v["shipments"], r.shipments, strict=True):
        shares.append(
            Element(
                r.line_index,
                r.line_id,
                "trip_share",
                toc,
                mode,
                share.shipment_ref,
                s["mass_t"],
                s["distance_km"],
                s.get("distance_basis", "actual"),
                share.tkm,
                None,
                None,
                share.ttw,
                share.wtt,
                _add(share.ttw, share.wtt),
            )
        )
    tkm = sum((s.tkm for s in r.shipments), ZERO)
    whole = Element(
        r.line_index,
        r.line_id,
        "trip",
        toc,
        mode,
        None,
        None,
        None,
        None,
        tkm,
        None,
        None,
        r.ttw,
        r.wtt,
        _add(r.ttw, r.wtt),
    )
    return whole, shares


def _hub_element(line: Line, r: LineResult, factors: Mapping[str, Factor]) -> Element:
    v = line.v
    tonnes: Decimal = v["quantity"] * UNITS[v["unit"]].to_base / UNITS["t"].to_base
    factor = factors.get(r.factor_ids[0]) if r.factor_ids else None
    basis = factor.basis if factor is not None else "WTW"
    ttw, wtw = (r.emissions, None) if basis == "TTW" else (None, r.emissions)
    if r.wtt is not None:  # a TTW factor with its WTT part (rule set 3): both known
        ttw, wtw = r.ttw, r.emissions
    return Element(
        r.line_index,
        r.line_id,
        "hub",
        v.get("hoc_id") or DEFAULT_HOC,
        None,
        v.get("shipment_ref"),
        None,
        None,
        None,
        None,
        None,
        tonnes,
        ttw,
        r.wtt,
        wtw,
    )


def _group(elements: Iterable[Element], key: str) -> dict[str, list[Element]]:
    out: dict[str, list[Element]] = {}
    for e in elements:
        k = getattr(e, key)
        if k is not None:
            out.setdefault(k, []).append(e)
    return out


def transport_activity(
    claim: Claim, standard: Standard, totals: Totals | None = None
) -> TransportReport:
    """Transport activity and intensity of every transport, trip and hub line of ``claim``.

    ``totals`` is the claim's :func:`~carbonledger.standard.calc.compute` result (computed
    here when not given; raises as ``compute`` does when a line cannot be computed).
    """
    if totals is None:
        totals = compute(claim, standard)
    results: Mapping[int, LineResult] = {r.line_index: r for r in totals.lines}
    per_line: list[Element] = []
    chain: list[Element] = []  # elements that belong to a shipment or a TOC/HOC
    factors: dict[str, Factor] = dict(standard.factors)
    for d in claim.factors:
        factors.setdefault(d.id, declared_factor(d))
    with localcontext(CONTEXT):
        for line in claim.lines:
            r = results.get(line.index)
            if r is None:
                continue
            if line.activity == "transport":
                e = _transport_element(line, r, standard)
                per_line.append(e)
                chain.append(e)
            elif line.activity == "trip":
                whole, shares = _trip_elements(line, r)
                per_line.append(whole)
                chain.extend(shares)
            elif line.activity == "hub":
                e = _hub_element(line, r, factors)
                per_line.append(e)
                chain.append(e)
    shipments = tuple(
        ShipmentFootprint(ref.lower(), tuple(items))
        for ref, items in _group(chain, "shipment_ref").items()
    )
    legs = [e for e in chain if not e.is_hub]
    hubs = [e for e in chain if e.is_hub]
    # a trip's TOC figures come from its whole line (shares add up to it)
    toc_source = [e for e in per_line if not e.is_hub] or legs
    tocs = tuple(
        Aggregate(k, tuple(v)) for k, v in sorted(_group(toc_source, "category_id").items())
    )
    hocs = tuple(Aggregate(k, tuple(v)) for k, v in sorted(_group(hubs, "category_id").items()))
    return TransportReport(
        tuple(per_line),
        shipments,
        tocs,
        hocs,
        standard.report_quantum,
        standard.intensity_quantum,
    )


def shipment_footprint(
    claim: Claim, standard: Standard, shipment_ref: str, totals: Totals | None = None
) -> ShipmentFootprint:
    """The footprint of one shipment: its legs and hubs in order, tkm, TTW/WTT/WTW, intensity."""
    return transport_activity(claim, standard, totals).shipment(shipment_ref)


__all__ = [
    "INTENSITY_QUANTUM",
    "Aggregate",
    "Element",
    "ShipmentFootprint",
    "TransportReport",
    "line_distance",
    "line_tkm",
    "shipment_footprint",
    "transport_activity",
]
