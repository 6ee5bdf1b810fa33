"""Verifying a PACT footprint received from any host against the chain (needs only JSON-RPC).

A footprint carrying CarbonLedger's anchor extension holds: the footprint as it was
published (the anchor hash, :func:`carbonledger.pact.model.anchor_hash`) is the
``documentHash`` of a ClaimLedger claim of the named firm whose ``activityRoot`` is the PACT
marker, with the checker's outcome recorded as passed; its served ``status`` agrees with the
chain (Deprecated iff the claim was superseded); the claim was not revoked. Any byte changed
in what the anchor hash covers changes the hash, and the claim with that id does not exist.

The contract address is taken from ``--manifest``/``--claim-ledger`` when given (pinning the
consortium's deployment); otherwise from the extension itself, which is reported as a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from carbonledger.pact import model, schema
from carbonledger.verify.chain import Addresses, ChainReader, discover_addresses
from carbonledger.verify.rpc import ChainPort
from carbonledger.vocab import claim_id as compute_claim_id

_EXTENSION = Draft202012Validator(schema.ANCHOR_EXTENSION_DATA)


@dataclass
class PactReport:
    pf_id: str
    findings: list[tuple[str, bool | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok is not False for _, ok, _ in self.findings)

    def add(self, check: str, ok: bool | None, detail: str) -> None:
        self.findings.append((check, ok, detail))


def anchor_of(pf: Mapping[str, Any]) -> dict[str, Any] | None:
    for extension in pf.get("extensions", []) or []:
        if model.is_anchor_extension(extension):
            return dict(extension.get("data", {}))
    return None


def verify_footprint(
    pf: Mapping[str, Any], port: ChainPort, addresses: Addresses | None
) -> PactReport:
    """Check ``pf`` against the chain behind ``port`` (see the module docstring)."""
    report = PactReport(str(pf.get("id", "?")))
    problems = model.check_footprint(pf)
    report.add(
        "PACT checks",
        not problems,
        "schema, units and figures hold"
        if not problems
        else "; ".join(f"{p.field}: {p.message}" for p in problems[:3]),
    )
    anchor = anchor_of(pf)
    if anchor is None:
        report.add("anchor extension", False, "the footprint carries no CarbonLedger anchor")
        return report
    errors = list(_EXTENSION.iter_errors(anchor))
    if errors:
        report.add("anchor extension", False, errors[0].message)
        return report
    report.add("anchor extension", True, f"claim {anchor['claimId']}")
    recomputed = model.anchor_hash(pf)
    declared = bytes.fromhex(anchor["documentHash"][2:])
    report.add(
        "document hash",
        recomputed == declared,
        "the footprint hashes to the anchored hash"
        if recomputed == declared
        else f"the footprint hashes to 0x{recomputed.hex()}, the extension says "
        f"{anchor['documentHash']}: the footprint was changed",
    )
    cid = compute_claim_id(anchor["firm"], recomputed)
    if "0x" + cid.hex() != anchor["claimId"].lower():
        report.add("claim id", False, "the claim id is not keccak(firm, hash of this footprint)")
    if port.chain_id() != int(anchor["chainId"]):
        report.add("chain", False, f"the node is chain {port.chain_id()}, not {anchor['chainId']}")
        return report
    if addresses is None:
        addresses = discover_addresses(port, anchor["contract"])
        report.add("contract", None, f"taken from the extension ({anchor['contract']})")
    elif addresses.claim_ledger.lower() != anchor["contract"].lower():
        report.add("contract", False, f"anchored at {anchor['contract']}, not the pinned ledger")
        return report
    view = ChainReader(port, addresses).claim(cid)
    found = view.claims.get(cid)
    if found is None:
        report.add(
            "on chain",
            False,
            f"no claim 0x{cid.hex()} on chain: this footprint, as received, was never anchored",
        )
        return report
    sub = found.submitted
    same_firm = sub.firm.lower() == anchor["firm"].lower()
    report.add(
        "on chain",
        same_firm and sub.activity_root == model.PACT_MARKER,
        f"anchored by {sub.firm} in block {sub.log.block_number}"
        if same_firm and sub.activity_root == model.PACT_MARKER
        else "the claim is not a PACT anchor of the named firm",
    )
    names = [e.name for e in found.events if e.claim_id == cid]
    checked = [e for e in found.events if e.name == "ClaimChecked" and e.claim_id == cid]
    report.add(
        "checked",
        bool(checked) and all(e.passed for e in checked),
        "the checker's outcome on chain: passed" if checked else "no check recorded",
    )
    revoked = "ClaimRevoked" in names
    superseded = any(e.name == "ClaimSuperseded" and e.claim_id == cid for e in found.events)
    status = pf.get("status")
    if revoked:
        report.add("status", False, "the anchor claim was revoked by its firm")
    elif superseded != (status == "Deprecated"):
        report.add(
            "status",
            False,
            f"served as {status}, but the chain says "
            + ("superseded (deprecated)" if superseded else "active"),
        )
    else:
        report.add("status", True, f"{status}, as the chain says")
    return report
