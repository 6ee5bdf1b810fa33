"""The independent verifier: check claims on chain against their documents, trusting no service.

Needs only an EVM JSON-RPC endpoint (it trusts that node's answers) and the claim documents.
Layers:

* :mod:`~carbonledger.verify.rpc` -- the chain-reading port (:class:`ChainPort`) and its HTTP
  JSON-RPC implementation (batched);
* :mod:`~carbonledger.verify.abi` -- hand-written topics, selectors and calldata decoding;
* :mod:`~carbonledger.verify.chain` -- reads and decodes everything about the claims in bulk
  into a :class:`ChainView`;
* :mod:`~carbonledger.verify.core` -- pure comparison of documents with the view ->
  :class:`Report` of :class:`Finding` rows.

Entry points: :func:`verify_claim` and :func:`verify_firm`; CLI ``carbonledger verify``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec

from carbonledger.standard import Standard, load_default_standard
from carbonledger.standard._perf import paused_gc
from carbonledger.verify.chain import (
    Addresses,
    ChainReader,
    ChainView,
    FirmLogs,
    addresses_from_manifest,
    discover_addresses,
)
from carbonledger.verify.core import Finding, Mode, Report, Result, verify
from carbonledger.verify.documents import (
    Document,
    load_directory,
    load_document,
    load_proof,
    load_proofs,
)
from carbonledger.verify.rpc import (
    ChainPort,
    RpcChainPort,
    RpcError,
    RpcUnreachable,
    VerifyInputError,
)

P = ParamSpec("P")

__all__ = [
    "Addresses",
    "ChainPort",
    "ChainReader",
    "ChainView",
    "Document",
    "Finding",
    "Report",
    "Result",
    "RpcChainPort",
    "RpcError",
    "RpcUnreachable",
    "Verification",
    "VerifyInputError",
    "addresses_from_manifest",
    "discover_addresses",
    "load_directory",
    "load_document",
    "resolve_addresses",
    "run_claim",
    "run_firm",
    "verify",
    "verify_claim",
    "verify_firm",
]


@dataclass(frozen=True)
class Verification:
    """A verification with what it read: the chain view and the documents (for reports)."""

    view: ChainView
    docs: dict[bytes, Document]
    report: Report


def resolve_addresses(
    port: ChainPort,
    *,
    manifest: Path | None = None,
    claim_ledger: str | None = None,
    from_block: int | None = None,
) -> Addresses:
    """Contract addresses from a manifest, or discovered from the ClaimLedger address."""
    if manifest is not None:
        found = addresses_from_manifest(manifest)
        if from_block is not None:
            found = Addresses(**{**found.__dict__, "from_block": from_block})
        return found
    if claim_ledger is None:
        raise VerifyInputError("give --manifest FILE or --claim-ledger ADDRESS")
    try:
        return discover_addresses(port, claim_ledger, from_block or 0)
    except ValueError:
        raise VerifyInputError(f"--claim-ledger {claim_ledger} is not an address") from None


def parse_claim_id(text: str) -> bytes:
    return _fixed_hex(text, 32, f"--claim {text} is not a claim id")


def parse_address(text: str, what: str) -> str:
    return "0x" + _fixed_hex(text, 20, f"{what} {text} is not an address").hex()


def _fixed_hex(text: str, size: int, refusal: str) -> bytes:
    """``size`` bytes written as hex (``0x`` optional), or :class:`VerifyInputError` saying
    ``refusal`` and the form expected."""
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise VerifyInputError(f"{refusal} (0x and {2 * size} hex digits)")
    return raw


def run_claim(
    port: ChainPort,
    addresses: Addresses,
    claim_id: bytes,
    document: Path,
    baseline: Path | None = None,
    standard: Standard | None = None,
    proof: Path | None = None,
) -> Verification:
    """Verify one claim against its document (and, for a reduction, its baseline document;
    for a root-anchored claim, its ``proof`` file)."""
    doc = load_document(document)
    docs = {doc.hash: doc}
    if baseline is not None:
        base = load_document(baseline)
        docs.setdefault(base.hash, base)
    proofs = [load_proof(proof)] if proof is not None else []
    return _judge(
        ChainReader(port, addresses).claim(claim_id, proofs),
        docs,
        standard,
        mode="claim",
        given=doc,
        where=str(document) if baseline is None else f"{document} and {baseline}",
    )


def run_firm(
    port: ChainPort,
    addresses: Addresses,
    firm: str,
    directory: Path,
    standard: Standard | None = None,
    *,
    shard: tuple[int, int] = (0, 1),
    to_block: int | None = None,
    logs: FirmLogs | None = None,
) -> Verification:
    """Verify every claim of ``firm`` against the documents in ``directory`` (and its
    root-anchored claims against the ``*.proof.json`` files there); a file there that is not
    a claim document is skipped with a note, not fatal.

    ``shard`` ``(k, n)`` judges only the k-th of n contiguous ranges of the firm's claims in
    chain order, up to block ``to_block`` (:meth:`ChainReader.firm`): the reports of the n
    parts, concatenated in order, are the report of the whole (``verify.parallel``).
    ``logs``: the firm's logs up to ``to_block``, read beforehand for many firms at once
    (:meth:`ChainReader.firms_logs`)."""
    skipped: list[str] = []
    proofs = list(load_proofs(directory).values())
    # the chain is read in a thread while the documents are parsed here: most of reading is
    # waiting for the node, which then overlaps the parsing (no check depends on the order)
    with paused_gc(), ThreadPoolExecutor(1, thread_name_prefix="verify-reads") as reads:
        reading = reads.submit(
            ChainReader(port, addresses).firm,
            firm,
            proofs,
            shard=shard,
            to_block=to_block,
            read=logs,
        )
        try:
            docs = load_directory(directory, skipped=skipped)
        except BaseException:
            reading.cancel()
            raise
        judged = _judge(
            reading.result(),
            docs,
            standard,
            mode="firm",
            firm=firm,
            where=str(directory),
        )
    notes = tuple(Finding(None, "documents", Result.NOTE, why) for why in skipped if shard[0] == 0)
    return Verification(
        judged.view, docs, Report(notes + judged.report.findings, judged.report.claims)
    )


def _judge(
    view: ChainView,
    docs: dict[bytes, Document],
    standard: Standard | None,
    *,
    mode: Mode,
    where: str,
    given: Document | None = None,
    firm: str | None = None,
) -> Verification:
    """Judge ``view`` against ``docs``: under ``standard`` when one is given, else each claim
    under the version of the default standard it names on chain."""
    report = verify(
        view,
        docs,
        standard or load_default_standard(),
        mode=mode,
        by_version=standard is None,
        given=given,
        firm=firm,
        where=where,
    )
    return Verification(view, docs, report)


def _report_of(run: Callable[P, Verification], name: str) -> Callable[P, Report]:
    """The entry point ``name``: ``run`` keeping only its report (same parameters)."""

    def report(*args: P.args, **kwargs: P.kwargs) -> Report:
        return run(*args, **kwargs).report

    report.__name__ = report.__qualname__ = name
    report.__doc__ = f"{run.__doc__}\n\nReturns only the :class:`Report`."
    report.__signature__ = inspect.signature(run).replace(return_annotation="Report")  # type: ignore[attr-defined]
    return report


verify_claim = _report_of(run_claim, "verify_claim")
verify_firm = _report_of(run_firm, "verify_firm")
