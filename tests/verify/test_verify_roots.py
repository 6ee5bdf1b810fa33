"""Root-anchored claims on the real chain: a firm's claims signed with its key, put under a
Merkle root that the relayer records in ClaimRoots, verified from their proof files."""

from __future__ import annotations

import json
from pathlib import Path

from eth_abi.abi import encode

from carbonledger.chain import typed_data as td
from carbonledger.standard import parse_claim
from carbonledger.verify import Report, Result, RpcChainPort, run_firm
from carbonledger.verify import abi as vabi
from carbonledger.vocab import ClaimTree, claim_leaf
from tests.support.devchain import Actor, document_for
from tests.verify.conftest import Consortium, example

Signed = tuple[str, bytes, td.Claim, bytes]  # name, document, claim, signature


def _sign(c: Consortium, firm: Actor, name: str, nonce: int) -> Signed:
    document = document_for(example("carrier_footprint.json"), firm.address, claim_id=name)
    claim = c.dev.build(parse_claim(document), c.standard, c.version, nonce)
    return name, document, claim, c.dev.sign(claim, firm.signing_key)


def _record_root(c: Consortium, signed: list[Signed]) -> ClaimTree:
    """The relayer records the root of ``signed`` in ClaimRoots (``recordRoot``)."""
    tree = ClaimTree.build(
        [claim_leaf(td.claim_digest(c.dev.domain, claim), sig) for _, _, claim, sig in signed]
    )
    roots = vabi.address_of(c.dev.view(c.dev.ledger, vabi.SEL_CLAIM_ROOTS))
    data = vabi.selector("recordRoot(bytes32,uint32)") + encode(
        ["bytes32", "uint32"], [tree.root, len(signed)]
    )
    c.dev.transact(c.dev.sender(c.relayer.account), roots, data, "root")
    return tree


def _bundle(directory: Path, tree: ClaimTree, signed: list[Signed], keep: list[int]) -> Path:
    """The documents and proof files (as ``GET /claims/{id}/proof`` serves them) of ``keep``."""
    directory.mkdir()
    for i in keep:
        name, document, claim, sig = signed[i]
        (directory / f"{name}.json").write_bytes(document)
        proof = {
            "claim": claim.to_json(),
            "signature": "0x" + sig.hex(),
            "root": "0x" + tree.root.hex(),
            "proof": ["0x" + p.hex() for p in tree.proof(i)],
        }
        (directory / f"{name}.proof.json").write_text(json.dumps(proof), encoding="utf-8")
    return directory


def _verify(c: Consortium, firm: Actor, directory: Path, shard: tuple[int, int] = (0, 1)) -> Report:
    port = RpcChainPort(c.rpc)
    try:
        return run_firm(port, c.addresses(port), firm.address, directory, shard=shard).report
    finally:
        port.close()


def test_two_root_anchored_claims_of_one_firm_with_one_nonce_fail_naming_both(
    consortium: Consortium, tmp_path: Path
) -> None:
    c = consortium
    firm = c.new_firm("Root Nonce Freight")
    nonce = c.dev.nonce(firm.address)
    signed = [
        _sign(c, firm, "root-a", nonce),
        _sign(c, firm, "root-b", nonce + 1),
        _sign(c, firm, "root-a-again", nonce),  # a second claim signed with claim a's nonce
    ]
    tree = _record_root(c, signed)
    a, b, again = (claim.claim_id for _, _, claim, _ in signed)

    honest = _verify(c, firm, _bundle(tmp_path / "honest", tree, signed, [0, 1]))
    assert honest.ok, [f.detail for f in honest.failures]
    assert [f.result for f in honest.findings if f.check == "root"] == [Result.HOLDS] * 2

    directory = _bundle(tmp_path / "reused", tree, signed, [0, 1, 2])
    report = _verify(c, firm, directory)
    failed = {f.claim_id: f.detail for f in report.failures}
    assert set(failed) == {a, again}, report.failures
    assert {f.check for f in report.failures} == {"root"}
    for mine, other in ((a, again), (again, a)):
        detail = failed[mine]
        assert "0x" + mine.hex() in detail and "0x" + other.hex() in detail
        assert f"nonce {nonce} " in detail
    # every other check of the three claims holds: each is validly signed and under the root
    assert all(f.result is not Result.FAILS for f in report.findings if f.claim_id == b)
    # split over two processes, the parts still find it, and say exactly what one process says
    parts = [_verify(c, firm, directory, (k, 2)) for k in range(2)]
    assert tuple(f for p in parts for f in p.findings) == report.findings
