"""A claim history on the session's real anvil (``deployed_chain``), built as firms build it.

One firm files the shipped example documents (rewritten to its own address): a footprint, a
reduction against it, two footprints in one ``submitClaims`` batch, an amendment of one of
them and a revocation of the other; a checker records the real checker's report hashes; an
auditor approves the footprint. Documents are written to a directory as the firm keeps them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from carbonledger.chain import typed_data as td
from carbonledger.chain.manifest import write_manifest
from carbonledger.config import ANVIL_DEV_KEY_0
from carbonledger.standard import Standard, document_hash, load_default_standard, parse_claim
from carbonledger.verify import RpcChainPort, resolve_addresses
from carbonledger.verify.chain import Addresses
from tests.conftest import DeployedChain
from tests.support.devchain import (
    AUDITOR,
    CHECKER,
    FIRM,
    RELAYER,
    Actor,
    DevLedger,
    checked,
    document_for,
    new_actor,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "backend/carbonledger/standard/examples"
_seeds = itertools.count()


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


@dataclass
class Filed:
    """A filed claim: its document bytes, file name and the on-chain claim."""

    name: str
    document: bytes
    claim: td.Claim

    @property
    def claim_id(self) -> bytes:
        return self.claim.claim_id


@dataclass
class Consortium:
    chain: DeployedChain
    dev: DevLedger
    standard: Standard
    version: int
    relayer: Actor
    checker: Actor
    auditor: Actor
    manifest: Path
    workdir: Path
    filed: dict[str, Filed] = field(default_factory=dict)

    @property
    def rpc(self) -> str:
        return self.chain.node.url

    def addresses(self, port: RpcChainPort) -> Addresses:
        return resolve_addresses(port, manifest=self.manifest)

    def new_firm(self, label: str) -> Actor:
        firm = new_actor(label, seed=f"{id(self)}-{next(_seeds)}")
        self.dev.admit(firm, FIRM)
        return firm

    def file(
        self,
        firm: Actor,
        name: str,
        document: bytes,
        *,
        baseline: bytes | None = None,
        supersedes: bytes = b"\x00" * 32,
        key: object = None,
    ) -> Filed:
        """Build, sign (firm key unless ``key``) and submit one claim."""
        doc = parse_claim(document)
        claim = self.dev.build(
            doc,
            self.standard,
            self.version,
            self.dev.nonce(firm.address),
            baseline=parse_claim(baseline) if baseline else None,
            supersedes=supersedes,
        )
        signer = key if key is not None else firm.signing_key
        self.dev.submit(self.relayer, [claim], [self.dev.sign(claim, signer)])  # type: ignore[arg-type]
        filed = Filed(name, document, claim)
        self.filed[name] = filed
        return filed

    def file_batch(self, firm: Actor, docs: list[tuple[str, bytes]]) -> list[Filed]:
        nonce = self.dev.nonce(firm.address)
        out = []
        for i, (name, document) in enumerate(docs):
            claim = self.dev.build(parse_claim(document), self.standard, self.version, nonce + i)
            out.append(Filed(name, document, claim))
        self.dev.submit(
            self.relayer,
            [f.claim for f in out],
            [self.dev.sign(f.claim, firm.signing_key) for f in out],
        )
        for f in out:
            self.filed[f.name] = f
        return out

    def record_check(self, filed: Filed, baseline: bytes | None = None) -> None:
        report = checked(filed.document, self.standard, baseline)
        self.dev.record_checks(self.checker, [(filed.claim_id, report.passed, report.report_hash)])

    def write_dir(self, names: list[str], label: str) -> Path:
        directory = self.workdir / label
        directory.mkdir()
        for name in names:
            (directory / f"{name}.json").write_bytes(self.filed[name].document)
        return directory


@pytest.fixture(scope="session")
def consortium(
    deployed_chain: DeployedChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Consortium]:
    workdir = tmp_path_factory.mktemp("verify")
    manifest = workdir / "deployment.json"
    write_manifest(manifest, deployed_chain.deployment)
    dev = DevLedger(deployed_chain.w3, deployed_chain.deployment, ANVIL_DEV_KEY_0)
    standard = load_default_standard()
    version = dev.standard_version(standard)
    relayer, checker, auditor = (
        new_actor(n, seed="verify") for n in ("relayer", "checker", "auditor")
    )
    for actor, roles in ((relayer, RELAYER), (checker, CHECKER), (auditor, AUDITOR)):
        dev.admit(actor, roles)
    yield Consortium(
        deployed_chain, dev, standard, version, relayer, checker, auditor, manifest, workdir
    )


@dataclass
class History:
    """The honest history of one firm (see the module docstring)."""

    firm: Actor
    directory: Path
    names: list[str]


@pytest.fixture(scope="session")
def history(consortium: Consortium) -> History:
    c = consortium
    firm = c.new_firm("Suzhou Precision")
    footprint = document_for(example("shipper_footprint.json"), firm.address)
    f1 = c.file(firm, "footprint-2024", footprint)
    reduction_obj = json.loads(
        document_for(example("shipper_reduction.json"), firm.address).decode()
    )
    reduction_obj["baseline"]["document_hash"] = "0x" + document_hash(parse_claim(footprint)).hex()
    # filed straight on chain, with no settlement behind it: cite none (a reduction citing a
    # real settlement allocation is verified end to end by tests/cli/test_demo.py)
    reduction_obj.pop("settlements", None)
    reduction = json.dumps(reduction_obj, ensure_ascii=False, indent=2).encode()
    r1 = c.file(firm, "reduction-2025", reduction, baseline=footprint)
    site = document_for(example("warehouse_footprint.json"), firm.address, claim_id="site-2024")
    fleet = document_for(example("carrier_footprint.json"), firm.address, claim_id="fleet-2024")
    b1, b2 = c.file_batch(firm, [("site-2024", site), ("fleet-2024", fleet)])
    amended = document_for(example("carrier_footprint.json"), firm.address, claim_id="fleet-2024b")
    a1 = c.file(firm, "fleet-2024-amended", amended, supersedes=b2.claim_id)
    c.dev.revoke(c.relayer, firm, b1.claim_id)
    c.record_check(f1)
    c.record_check(r1, baseline=footprint)
    c.record_check(a1)
    c.dev.audit(c.relayer, c.auditor, f1.claim_id)
    names = [f.name for f in (f1, r1, b1, b2, a1)]
    return History(firm, c.write_dir(names, "honest"), names)
