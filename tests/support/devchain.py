"""Build claim history on a development chain, as firms, a relayer and a checker would.

For the verifier's integration tests and ``scripts/bench_verify.py``: admit members through
the MemberRegistry (propose + execute; the deployer is the only admin, quorum 1), publish the
standard's content hash, build claims from documents with :mod:`carbonledger.claims`, sign
them with the firm's key (EIP-712 via eth-account, :mod:`carbonledger.chain.typed_data`),
submit them from a relayer and record check results from a checker. Chain-side calls are
ABI-encoded here with eth-abi; members' accounts are funded by the admin.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from web3 import Web3

from carbonledger.chain import typed_data as td
from carbonledger.chain.manifest import Deployment
from carbonledger.chain.sender import TxSender
from carbonledger.claims import build_claim
from carbonledger.standard import CheckReport, Standard, check, parse_claim
from carbonledger.standard import Claim as ClaimDocument
from carbonledger.verify import abi
from carbonledger.vocab import ADMIN_ROLE, AUDITOR_ROLE, CHECKER_ROLE, FIRM_ROLE, RELAYER_ROLE

ADMIN, FIRM, AUDITOR, CHECKER = ADMIN_ROLE, FIRM_ROLE, AUDITOR_ROLE, CHECKER_ROLE
RELAYER = RELAYER_ROLE
DAY = 86_400
CLAIM = abi.CLAIM_TUPLE


def _call(fn: str, types: Sequence[str], args: Sequence[Any]) -> bytes:
    return abi.selector(fn) + encode(list(types), list(args))


@dataclass
class Actor:
    """A member: its account (sends transactions) and the key it signs messages with."""

    account: LocalAccount
    signing_key: LocalAccount
    name: str

    @property
    def address(self) -> str:
        return str(self.account.address)


def new_actor(label: str, *, seed: str = "") -> Actor:
    acct = Account.from_key(keccak(f"carbonledger-verify:{seed}:{label}:account".encode()))
    key = Account.from_key(keccak(f"carbonledger-verify:{seed}:{label}:signing".encode()))
    return Actor(acct, key, label)


def document_for(template: bytes | dict[str, Any], firm: str, **changes: Any) -> bytes:
    """A claim document like ``template`` filed by ``firm`` (``changes`` replace top-level keys)."""
    obj = json.loads(template) if isinstance(template, bytes) else json.loads(json.dumps(template))
    obj["firm"]["address"] = firm.lower()
    obj.update(changes)
    return json.dumps(obj, ensure_ascii=False, indent=2).encode()


class DevLedger:
    """The deployed contracts on a development chain, driven from Python."""

    def __init__(self, w3: Web3, deployment: Deployment, admin_key: str) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.ledger = deployment.address("ClaimLedger").lower()
        self.members = deployment.address("MemberRegistry").lower()
        self.standards = deployment.address("StandardRegistry").lower()
        self.admin = TxSender(w3, admin_key)
        self.chain_id = int(w3.eth.chain_id)
        self.domain = td.claim_ledger_domain(self.chain_id, self.ledger)
        self._senders: dict[str, TxSender] = {}

    # --- plumbing ----------------------------------------------------------------------
    def sender(self, account: LocalAccount) -> TxSender:
        key = str(account.address)
        if key not in self._senders:
            self._senders[key] = TxSender(self.w3, "0x" + bytes(account.key).hex())
        return self._senders[key]

    def transact(self, sender: TxSender, to: str, data: bytes, what: str) -> Any:
        return sender.transact({"to": Web3.to_checksum_address(to), "data": data}, what)

    def view(self, to: str, data: bytes) -> bytes:
        return bytes(self.w3.eth.call({"to": Web3.to_checksum_address(to), "data": data}))

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    # --- governance --------------------------------------------------------------------
    def fund(self, address: str, wei: int = 10**20) -> None:
        """Send ``wei`` from the admin (the dev chain's node may still charge gas)."""
        self.admin.transact(
            {"to": Web3.to_checksum_address(address), "value": wei}, "funding", gas=21_000
        )

    def admit(self, actor: Actor, roles: int) -> None:
        """Fund ``actor``'s account, then propose and execute its admission (quorum 1)."""
        self.fund(actor.address)
        data = _call(
            "proposeAdmission(address,bytes32,string,address,uint8)",
            ["address", "bytes32", "string", "address", "uint8"],
            [actor.address, keccak(actor.name.encode()), actor.name, actor.signing_key.address,
             roles],
        )  # fmt: skip
        self.transact(self.admin, self.members, data, f"admission proposal of {actor.name}")
        count = int.from_bytes(self.view(self.members, abi.selector("proposalCount()")), "big")
        execute = _call("execute(uint256)", ["uint256"], [count])
        self.transact(self.admin, self.members, execute, f"admission of {actor.name}")

    def rotate_key(self, actor: Actor, new_key: LocalAccount) -> None:
        data = _call("rotateSigningKey(address)", ["address"], [new_key.address])
        self.transact(self.sender(actor.account), self.members, data, "key rotation")
        actor.signing_key = new_key

    def standard_version(self, standard: Standard) -> int:
        """The version publishing ``standard``'s content hash (published now if needed)."""
        by_content = _call("versionByContent(bytes32)", ["bytes32"], [standard.content_hash])
        version = int.from_bytes(self.view(self.standards, by_content), "big")
        if version == 0:
            data = _call(
                "proposePublication(bytes32,uint64)",
                ["bytes32", "uint64"],
                [standard.content_hash, max(0, self.now() - DAY)],
            )
            self.transact(self.admin, self.standards, data, "standard publication")
            version = int.from_bytes(self.view(self.standards, by_content), "big")
        return version

    def publish_other(self, label: str) -> int:
        """Publish some other content hash; returns its version."""
        content = keccak(f"other-standard:{label}:{time.time_ns()}".encode())
        data = _call("proposePublication(bytes32,uint64)", ["bytes32", "uint64"], [content, 0])
        self.transact(self.admin, self.standards, data, "standard publication")
        return int.from_bytes(self.view(self.standards, abi.selector("versionCount()")), "big")

    # --- claims ------------------------------------------------------------------------
    def nonce(self, address: str) -> int:
        return int.from_bytes(
            self.view(self.ledger, _call("nonces(address)", ["address"], [address])), "big"
        )

    def build(
        self,
        document: ClaimDocument,
        standard: Standard,
        version: int,
        nonce: int,
        baseline: ClaimDocument | None = None,
        supersedes: bytes = abi.ZERO32,
    ) -> td.Claim:
        return build_claim(
            document,
            standard,
            standard_version=version,
            nonce=nonce,
            deadline=self.now() + DAY,
            baseline=baseline,
            supersedes=supersedes,
        )

    def sign(self, claim: td.Claim, key: LocalAccount) -> bytes:
        """The firm's EIP-712 signature, made with eth-account exactly as a firm's client does."""
        return td.sign_typed_data(key.key, td.claim_typed_data(self.domain, claim))

    def submit(
        self, relayer: Actor, claims: Sequence[td.Claim], signatures: Sequence[bytes]
    ) -> Any:
        """``submitClaim`` for one claim, ``submitClaims`` (atomic batch) for several."""
        if len(claims) == 1:
            data = _call(
                f"submitClaim({CLAIM},bytes)",
                [CLAIM, "bytes"],
                [claims[0].as_tuple(), signatures[0]],
            )
        else:
            data = _call(
                f"submitClaims({CLAIM}[],bytes[])",
                [f"{CLAIM}[]", "bytes[]"],
                [[c.as_tuple() for c in claims], list(signatures)],
            )
        return self.transact(self.sender(relayer.account), self.ledger, data, "claim submission")

    def record_checks(self, checker: Actor, results: Sequence[tuple[bytes, bool, bytes]]) -> Any:
        data = _call(
            "recordChecks((bytes32,bool,bytes32)[])", ["(bytes32,bool,bytes32)[]"], [list(results)]
        )
        return self.transact(self.sender(checker.account), self.ledger, data, "check results")

    def revoke(self, relayer: Actor, firm: Actor, claim_id: bytes) -> Any:
        revocation = td.Revocation(
            claim_id, firm.address, keccak(b"withdrawn"), self.nonce(firm.address), self.now() + DAY
        )
        sig = td.sign_typed_data(
            firm.signing_key.key, td.revocation_typed_data(self.domain, revocation)
        )
        rev_t = td.Revocation.abi_type()
        data = _call(f"revokeClaim({rev_t},bytes)", [rev_t, "bytes"], [revocation.as_tuple(), sig])
        return self.transact(self.sender(relayer.account), self.ledger, data, "revocation")

    def audit(self, relayer: Actor, auditor: Actor, claim_id: bytes) -> Any:
        audit = td.Audit(
            claim_id,
            auditor.address,
            td.AuditVerdict.APPROVED,
            keccak(b"audit report"),
            self.nonce(auditor.address),
            self.now() + DAY,
        )
        sig = td.sign_typed_data(auditor.signing_key.key, td.audit_typed_data(self.domain, audit))
        aud_t = td.Audit.abi_type()
        data = _call(f"recordAudit({aud_t},bytes)", [aud_t, "bytes"], [audit.as_tuple(), sig])
        return self.transact(self.sender(relayer.account), self.ledger, data, "audit")


def checked(document: bytes, standard: Standard, baseline: bytes | None = None) -> CheckReport:
    """The checker service's report on a document (the real standard checker)."""
    return check(
        parse_claim(document), standard, baseline=parse_claim(baseline) if baseline else None
    )
