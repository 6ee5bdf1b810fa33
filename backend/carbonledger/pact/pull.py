"""``carbonledger pact pull``: a data recipient fetches a supplier's footprints from any PACT v3
host, validates them, verifies the anchored ones on chain, and keeps them with provenance.

Each kept footprint is written as ``<pfId>.json``: ``{"footprint": <as received>,
"provenance": {...}}`` (host, URL, time fetched, schema/check result, on-chain verification).
A footprint that fails the PACT schema or checks, or that carries a CarbonLedger anchor that
does not verify on chain, is **not** kept (reported with the reason).

:func:`declared_factor` turns a kept footprint into a claim-declared factor of the unified
standard, its source naming the supplier, the host, the pfId and the anchor claim: a footprint
per ``ton kilometer`` is a ``transport_intensity`` (WTW, kgCO2e/tkm) for ``transport`` lines
(Scope 3 cat. 4); a footprint per kilogram, litre, cubic metre, kWh, MJ, square metre or piece
is a ``product_footprint`` (kgCO2e per that unit) for the ``purchased_goods`` lines of
standard 1.2.0 (Scope 3 cat. 1: the purchased quantity, converted to the declared unit within
its dimension, times the footprint). Its value is ``pcfExcludingBiogenicUptake /
declaredUnitAmount``: biogenic uptake is not netted off in a Scope 3 inventory (GHG Protocol),
and the standard's factors are not negative.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from carbonledger.pact import model
from carbonledger.pact.fetch import ClientCredentials, PactFetchError
from carbonledger.pact.schema import LIST_RESPONSE
from carbonledger.pact.verify import anchor_of, verify_footprint
from carbonledger.verify.rpc import RpcChainPort

#: a PACT declared unit -> the standard's unit symbol, factor kind and basis
FACTOR_UNITS: Final[dict[str, tuple[str, str, str]]] = {
    "ton kilometer": ("tkm", "transport_intensity", "WTW"),
    "kilogram": ("kg", "product_footprint", "n/a"),
    "liter": ("L", "product_footprint", "n/a"),
    "cubic meter": ("m3", "product_footprint", "n/a"),
    "kilowatt hour": ("kWh", "product_footprint", "n/a"),
    "megajoule": ("MJ", "product_footprint", "n/a"),
    "square meter": ("m2", "product_footprint", "n/a"),
    "piece": ("piece", "product_footprint", "n/a"),
}
_PAGE_LIMIT = 1000  # pages followed at most (a host looping its Link header)


@dataclass(frozen=True)
class Pulled:
    pf_id: str
    kept: bool
    verified: bool | None  # None: no CarbonLedger anchor (or no --rpc)
    detail: str
    path: Path | None = None


def _list_pages(
    base: str, credentials: ClientCredentials, query: Mapping[str, list[str]]
) -> list[Any]:
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(LIST_RESPONSE, format_checker=FormatChecker())
    items: list[Any] = []
    with credentials.signed_in(base) as http:
        first = f"{base}/3/footprints"
        if query:
            first += "?" + urlencode(query, doseq=True)
        url: str | None = first
        pages = 0
        while url is not None and pages < _PAGE_LIMIT:
            pages += 1
            r = http.get(url)
            if r.status_code != 200:
                raise PactFetchError(f"{url} answered {r.status_code}: {r.text[:200]}")
            body = r.json()
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise PactFetchError(f"{url}: not a PACT list body")
            # the envelope must be a list; each footprint is judged on its own below
            envelope_errors = [
                e for e in validator.iter_errors(body) if len(list(e.absolute_path)) < 2
            ]
            if envelope_errors:
                raise PactFetchError(f"{url}: {envelope_errors[0].message}")
            items.extend(body["data"])
            url = _next_link(r.headers.get("link"))
    return items


def _next_link(header: str | None) -> str | None:
    if not header:
        return None
    for part in header.split(","):
        target, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
            return target.strip().strip("<>")
    return None


def pull(
    base: str,
    credentials: ClientCredentials,
    out: Path,
    *,
    rpc: str | None = None,
    query: Mapping[str, list[str]] | None = None,
) -> list[Pulled]:
    """Fetch, validate, verify and keep (see the module docstring)."""
    base = base.rstrip("/")
    if not base.startswith("https://"):
        raise PactFetchError(f"{base}: a PACT host is reached over HTTPS only")
    items = _list_pages(base, credentials, query or {})
    out.mkdir(parents=True, exist_ok=True)
    port = RpcChainPort(rpc) if rpc else None
    results = []
    try:
        for item in items:
            pf_id = str(item.get("id", "?")) if isinstance(item, dict) else "?"
            problems = model.check_footprint(item)
            if problems:
                first = problems[0]
                results.append(Pulled(pf_id, False, None, f"{first.field}: {first.message}"))
                continue
            verified: bool | None = None
            detail = "valid PACT v3 footprint; no CarbonLedger anchor"
            if anchor_of(item) is not None:
                if port is None:
                    detail = "anchored on a CarbonLedger chain; not verified (no --rpc)"
                else:
                    report = verify_footprint(item, port, None)
                    verified = report.ok
                    failed = [f"{c}: {d}" for c, ok, d in report.findings if ok is False]
                    detail = "verified on chain" if report.ok else "; ".join(failed)
                    if not report.ok:
                        results.append(Pulled(pf_id, False, False, detail))
                        continue
            provenance = {
                "host": base,
                "url": f"{base}/3/footprints/{pf_id}",
                "fetchedAt": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "checks": "passed",
                "verifiedOnChain": verified,
                "anchor": anchor_of(item),
            }
            path = out / f"{pf_id}.json"
            path.write_text(
                json.dumps({"footprint": item, "provenance": provenance}, indent=2) + "\n"
            )
            results.append(Pulled(pf_id, True, verified, detail, path))
    finally:
        if port is not None:
            port.close()
    return results


def declared_factor(kept: Mapping[str, Any], factor_id: str) -> dict[str, Any]:
    """A claim-declared factor of the standard from a kept footprint (see the docstring)."""
    pf = kept["footprint"]
    provenance = kept.get("provenance", {})
    pcf = pf["pcf"]
    unit = pcf["declaredUnitOfMeasurement"]
    if unit not in FACTOR_UNITS:
        raise ValueError(
            f"footprint {pf['id']} is per {unit!r}, a unit the standard has no quantities in "
            f"(usable: {', '.join(FACTOR_UNITS)})"
        )
    symbol, kind, basis = FACTOR_UNITS[unit]
    value = Decimal(pcf["pcfExcludingBiogenicUptake"]) / Decimal(pcf["declaredUnitAmount"])
    anchor = provenance.get("anchor") or {}
    verified = provenance.get("verifiedOnChain")
    document = (
        f"PACT footprint {pf['id']} of {pf['companyName']} ({', '.join(pf['productIds'])}), "
        f"from {provenance.get('host', '?')}"
        + (f", anchored in claim {anchor['claimId']}" if anchor else "")
        + (", verified on chain" if verified else "")
    )
    year = model.parse_time(pcf["referencePeriodEnd"]).year
    factor: dict[str, Any] = {
        "id": factor_id,
        "name": f"{pf['productNameCompany']} ({pf['companyName']}, PACT)",
        "value": format(value.normalize(), "f"),
        "unit": f"kgCO2e/{symbol}",
        "kind": kind,
        "basis": basis,
        "gwp_basis": "AR6" if "AR6" in pcf["ipccCharacterizationFactors"] else "AR5",
        "year": year,
        "source": {"document": document},
    }
    if provenance.get("url"):
        factor["source"]["url"] = provenance["url"]
    return factor
