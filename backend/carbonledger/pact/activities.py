"""iLEAP transport activity data (TAD): a firm's legs, where and when they ran, for partners
that compute emissions themselves (iLEAP v1.0.0 § Action TransportActivityData).

A firm publishes TADs (built from its claim's transport lines by
:func:`carbonledger.pact.ileap.activity_data`, or its own) through the member API; the PACT
host serves them on ``GET /2/ileap/tad`` to the firm's clients, each TAD to the clients it was
published for (all of them when none was named). Activity data are not anchored on chain: they
are inputs a partner computes from, not a footprint anyone relies on.

Filtering (``name=value`` pairs, names case-sensitive, values case-insensitive, pairs ANDed)
is on top-level string properties (``mode``, ``activityId``, ``packagingOrTrEqType``,
``temperatureControl``), ``consignmentIds`` (contains), and ``originCountry`` /
``destinationCountry``; any other name is answered ``NotImplemented`` (the spec lets a host
refuse a filter it does not support rather than ignore it silently).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from eth_utils.address import to_checksum_address
from jsonschema import Draft202012Validator

from carbonledger.pact.ileap import TAD_SCHEMA
from carbonledger.pact.store import ClientRow, PactStore
from carbonledger.services.errors import InvalidRequest

_TAD = Draft202012Validator(TAD_SCHEMA)
TEXT_FILTERS: Final = ("mode", "activityId", "packagingOrTrEqType", "temperatureControl")
OTHER_FILTERS: Final = ("consignmentIds", "originCountry", "destinationCountry")


class UnsupportedFilter(ValueError):
    """A TAD filter name this host does not implement."""


def check(items: Sequence[Any]) -> list[dict[str, Any]]:
    """The TADs, each valid against the iLEAP schema and with a unique activity id."""
    problems: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        for err in sorted(_TAD.iter_errors(item), key=lambda e: list(map(str, e.path))):
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.path)
            problems.append({"field": f"activities[{i}]{where}", "message": err.message})
        if isinstance(item, dict) and "activityId" in item:
            if item["activityId"] in seen:
                problems.append({"field": f"activities[{i}].activityId", "message": "used twice"})
            seen.add(str(item["activityId"]))
        if isinstance(item, dict) and str(item.get("arrivalAt", "")) < str(
            item.get("departureAt", "")
        ):
            problems.append(
                {"field": f"activities[{i}].arrivalAt", "message": "before the departure"}
            )
    if not items:
        problems.append({"field": "activities", "message": "give at least one activity"})
    if problems:
        raise InvalidRequest("the transport activity data fail the iLEAP checks", problems)
    return [dict(item) for item in items]


def publish(
    store: PactStore, firm: str, items: Sequence[Any], clients: Sequence[str]
) -> dict[str, Any]:
    """Make ``items`` available to ``clients`` (the firm's; none named: all of them)."""
    checked = check(items)
    firm = to_checksum_address(firm)
    own = {c.client_id for c in store.clients_of(firm)}
    strangers = [c for c in clients if c not in own]
    if strangers:
        raise InvalidRequest(
            "unknown clients",
            [{"field": "clients", "message": f"not clients of {firm}: {', '.join(strangers)}"}],
        )
    store.put_activities(firm, checked, list(clients))
    return {"published": [t["activityId"] for t in checked], "clients": list(clients)}


def _matches(tad: Mapping[str, Any], name: str, wanted: str) -> bool:
    w = wanted.lower()
    if name in TEXT_FILTERS:
        return str(tad.get(name, "")).lower() == w
    if name == "consignmentIds":
        return any(str(c).lower() == w for c in tad.get("consignmentIds", []))
    place = tad.get("origin" if name == "originCountry" else "destination", {})
    return str(place.get("country", "")).lower() == w


def list_for(
    store: PactStore, client: ClientRow, filters: Mapping[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """The TADs ``client`` may read that match every filter pair."""
    for name in filters:
        if name not in TEXT_FILTERS and name not in OTHER_FILTERS:
            raise UnsupportedFilter(f"filtering TADs by {name!r} is not implemented")
    out = []
    for row in store.activities_of(client.firm):
        if row["clients"] and client.client_id not in row["clients"]:
            continue
        tad = row["data"]
        if all(_matches(tad, n, v) for n, values in filters.items() for v in values):
            out.append(tad)
    return out


def for_firm(store: PactStore, firm: str) -> list[dict[str, Any]]:
    """The firm's published TADs with who may read them (for the member API)."""
    return [
        {"activity": r["data"], "clients": r["clients"], "published_at": r["published_at"]}
        for r in store.activities_of(to_checksum_address(firm))
    ]
