"""The peer: the Ethereum Attestation Service on the same node, for the same records.

EAS's own ``SchemaRegistry`` and ``EAS`` (v1.4.0) are deployed from the artifacts their npm
package ships (``@ethereum-attestation-service/eas-contracts`` 1.9.0, ``artifacts/``: compiled
by the EAS project with solc 0.8.29, which the repo's solc 0.8.28 cannot compile). One schema
holds what a CarbonLedger claim records on chain besides its firm, nonce and deadline (EAS has
its own attester and nonce): ``SCHEMA`` below, 13 words of data per attestation, not
revocable-by-resolver, no resolver. The records are built from the same claim documents as the
ledger's (``build_claim``), one per claim, for the same firms:

* ``attest``: the relayer attests each record itself, one transaction each (as our single mode
  sends one claim per transaction; no firm signature is checked on chain);
* ``attestByDelegation``: each firm signs its record (EIP-712 under EAS's domain, the firm's
  EAS nonce in order), the relayer sends one transaction each: the closest peer of our model
  (firm-signed, relayed, signature checked on chain);
* ``multiAttest``: the relayer attests records in chunks (the ledger's batch size, fewer when
  the chunk's gas would not fit a block).

Transactions are sent as the ceiling sends ours: the same relayer, signed and sent back to back
(up to 100 in flight), then their receipts read in JSON-RPC batches; signing the firms'
delegations is done before the clock. Gas per record is from the receipts.

A limit stated plainly: EAS stores the data of each attestation in contract storage (13 words
here) where ClaimLedger keeps one slot per claim and leaves the rest in calldata and its event;
that, not code quality, is most of the gas difference. An EAS user anchoring only a document
hash would store one word of data: not measured here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3

from carbonledger.chain.jsonrpc import JsonRpc
from carbonledger.chain.sender import TxSender
from carbonledger.config import DEFAULT_PROJECT_ROOT

PACKAGE = DEFAULT_PROJECT_ROOT / "node_modules/@ethereum-attestation-service/eas-contracts"
SCHEMA = (
    "uint8 kind,uint16 standardVersion,uint64 periodStart,uint64 periodEnd,bytes32 documentHash,"
    "bytes32 activityRoot,uint64 scope1,uint64 scope2Location,uint64 scope2Market,uint64 scope3,"
    "uint64 biogenic,bytes32 baseline,bytes32 supersedes"
)
_SCHEMA_TYPES = [part.split(" ")[0] for part in SCHEMA.split(",")]
_REQUEST_DATA = "(address,uint64,bool,bytes32,bytes,uint256)"
_ATTEST = "attest((bytes32," + _REQUEST_DATA + "))"
_ATTEST_BY_DELEGATION = (
    "attestByDelegation((bytes32," + _REQUEST_DATA + ",(uint8,bytes32,bytes32),address,uint64))"
)
_MULTI_ATTEST = "multiAttest((bytes32," + _REQUEST_DATA + "[])[])"
_ATTEST_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Attest": [
        {"name": "attester", "type": "address"},
        {"name": "schema", "type": "bytes32"},
        {"name": "recipient", "type": "address"},
        {"name": "expirationTime", "type": "uint64"},
        {"name": "revocable", "type": "bool"},
        {"name": "refUID", "type": "bytes32"},
        {"name": "data", "type": "bytes"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint64"},
    ],
}
IN_FLIGHT = 100
#: a chunk of ``multiAttest`` stays below this much gas (anvil's block gas limit is 30 M)
CHUNK_GAS = 25_000_000


@dataclass(frozen=True)
class Record:
    """One claim's on-chain fields as an EAS attestation of ``firm``."""

    firm: LocalAccount
    data: bytes


@dataclass
class EasFigure:
    method: str
    records: int
    seconds: float
    transactions: int
    gas: int
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def gas_per_record(self) -> float:
        return self.gas / self.records if self.records else 0.0


def artifact(name: str) -> dict[str, Any]:
    path = PACKAGE / f"artifacts/contracts/{name}.sol/{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: run ./run setup (npm ci installs the EAS package)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _args(signature: str) -> list[str]:
    """The ABI argument types of a function signature (one tuple argument here)."""
    return [signature[signature.index("(") : signature.rindex(")") + 1][1:-1]]


def record_of(firm: LocalAccount, claim: Any) -> Record:
    """The EAS data of a claim struct: ``SCHEMA``'s 13 fields, ABI-encoded."""
    c = claim
    values = [
        int(c.kind), c.standard_version, c.period_start, c.period_end, c.document_hash,
        c.activity_root, c.scope1, c.scope2_location, c.scope2_market, c.scope3, c.biogenic,
        c.baseline, c.supersedes,
    ]  # fmt: skip
    return Record(firm, abi_encode(_SCHEMA_TYPES, values))


class Eas:
    """EAS deployed on ``w3`` by ``sender`` (the relayer), with one registered schema."""

    def __init__(self, w3: Web3, sender: TxSender) -> None:
        self.w3 = w3
        self.sender = sender
        self.rpc = JsonRpc(w3)
        registry = self._deploy("SchemaRegistry", b"")
        self.address = self._deploy("EAS", abi_encode(["address"], [registry]))
        register = _selector("register(string,address,bool)") + abi_encode(
            ["string", "address", "bool"], [SCHEMA, "0x" + "00" * 20, True]
        )
        self.sender.transact({"to": registry, "data": register}, "SchemaRegistry.register")
        self.schema = schema_uid()
        eas = w3.eth.contract(
            address=Web3.to_checksum_address(self.address), abi=artifact("EAS")["abi"]
        )
        self.contract = eas
        _, name, version, chain_id, verifying, *_ = eas.functions.eip712Domain().call()
        self.domain = {
            "name": name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": verifying,
        }

    def _deploy(self, name: str, constructor_args: bytes) -> str:
        bytecode = bytes(HexBytes(artifact(name)["bytecode"]))
        receipt = self.sender.transact({"data": bytecode + constructor_args}, f"deploying {name}")
        return str(receipt["contractAddress"])

    # --- requests
    def _data(self, record: Record) -> tuple[Any, ...]:
        return (record.firm.address, 0, True, bytes(32), record.data, 0)

    def delegate(self, record: Record, nonce: int, deadline: int) -> bytes:
        """The firm's EIP-712 signature of its attestation (``r || s || v``)."""
        message = {
            "attester": record.firm.address,
            "schema": self.schema,
            "recipient": record.firm.address,
            "expirationTime": 0,
            "revocable": True,
            "refUID": bytes(32),
            "data": record.data,
            "value": 0,
            "nonce": nonce,
            "deadline": deadline,
        }
        typed = {"types": _ATTEST_TYPES, "primaryType": "Attest", "domain": self.domain,
                 "message": message}  # fmt: skip
        signed = Account.sign_message(encode_typed_data(full_message=typed), record.firm.key)
        return bytes(signed.signature)

    def nonce_of(self, firm: str) -> int:
        return int(self.contract.functions.getNonce(Web3.to_checksum_address(firm)).call())

    def attest_call(self, record: Record) -> bytes:
        return _selector(_ATTEST) + abi_encode(_args(_ATTEST), [(self.schema, self._data(record))])

    def delegated_call(self, record: Record, signature: bytes, deadline: int) -> bytes:
        r, s, v = signature[:32], signature[32:64], signature[64]
        request = (self.schema, self._data(record), (v, r, s), record.firm.address, deadline)
        return _selector(_ATTEST_BY_DELEGATION) + abi_encode(_args(_ATTEST_BY_DELEGATION),
                                                             [request])  # fmt: skip

    def multi_call(self, records: Sequence[Record]) -> bytes:
        request = [(self.schema, [self._data(r) for r in records])]
        return _selector(_MULTI_ATTEST) + abi_encode(_args(_MULTI_ATTEST), [request])

    # --- sending
    def estimate(self, data: bytes) -> int:
        tx = {"from": self.sender.address, "to": self.address, "data": "0x" + data.hex()}
        return int(self.rpc.request("eth_estimateGas", [tx]), 16)

    def send_all(self, calls: Sequence[bytes], gas: Sequence[int]) -> tuple[float, int]:
        """Send ``calls`` back to back (``IN_FLIGHT`` at a time), then their receipts; the
        seconds from the first send to the last receipt, and the gas they used."""
        used = 0
        gas_price = int(self.w3.eth.gas_price)
        started = time.perf_counter()
        for start in range(0, len(calls), IN_FLIGHT):
            hashes = [
                self.sender.send({"to": self.address, "data": c, "gasPrice": gas_price}, gas=g)
                for c, g in zip(calls[start : start + IN_FLIGHT], gas[start : start + IN_FLIGHT],
                                strict=True)
            ]  # fmt: skip
            used += sum(int(r["gasUsed"], 16) for r in self._receipts(hashes))
        return time.perf_counter() - started, used

    def _receipts(self, hashes: Sequence[HexBytes]) -> list[dict[str, Any]]:
        names = ["0x" + bytes(h).hex() for h in hashes]
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 300
        while len(found) < len(names):  # the last one mined means all are (nonce order)
            missing = [n for n in names if n not in found]
            (last,) = self.rpc.batch("eth_getTransactionReceipt", [[missing[-1]]])
            if last:
                answers = self.rpc.batch("eth_getTransactionReceipt", [[n] for n in missing])
                found.update((n, a) for n, a in zip(missing, answers, strict=True) if a)
            if len(found) < len(names):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"EAS: {len(names) - len(found)} transactions not mined")
                time.sleep(0.02)
        reverted = [n for n in names if int(found[n]["status"], 16) != 1]
        if reverted:
            raise RuntimeError(f"EAS: {len(reverted)} transactions reverted, e.g. {reverted[0]}")
        return [found[n] for n in names]


def run(w3: Web3, relayer_key: str, records: Sequence[Record], batch_size: int) -> list[EasFigure]:
    """Deploy EAS on ``w3`` and attest ``records`` three ways; one figure per method."""
    sender = TxSender(w3, relayer_key)
    eas = Eas(w3, sender)
    figures = []
    per_record = eas.estimate(eas.attest_call(records[0]))
    calls = [eas.attest_call(r) for r in records]
    seconds, gas = eas.send_all(calls, [int(per_record * 1.3)] * len(calls))
    figures.append(EasFigure("attest", len(records), seconds, len(calls), gas))

    # the firms sign their delegations beforehand, each in its EAS nonce order
    deadline = int(time.time()) + 7 * 24 * 3600
    nonces = {r.firm.address: eas.nonce_of(r.firm.address) for r in records}
    delegated = []
    for record in records:
        signature = eas.delegate(record, nonces[record.firm.address], deadline)
        nonces[record.firm.address] += 1
        delegated.append(eas.delegated_call(record, signature, deadline))
    one = eas.estimate(delegated[0])
    seconds, gas = eas.send_all(delegated, [int(one * 1.3)] * len(delegated))
    figures.append(EasFigure("attestByDelegation", len(records), seconds, len(delegated), gas))

    chunk = max(1, min(batch_size, CHUNK_GAS // max(1, per_record)))
    chunks = [records[i : i + chunk] for i in range(0, len(records), chunk)]
    calls = [eas.multi_call(c) for c in chunks]
    gas_limit = int(eas.estimate(calls[0]) * 1.2) + 50_000
    seconds, gas = eas.send_all(calls, [gas_limit] * len(calls))
    figures.append(
        EasFigure(
            "multiAttest",
            len(records),
            seconds,
            len(calls),
            gas,
            note=f"{chunk} records per transaction",
        )
    )
    return figures


def schema_uid(resolver: str = "0x" + "00" * 20, revocable: bool = True) -> bytes:
    """EAS's schema UID: keccak256(abi.encodePacked(schema, resolver, revocable))."""
    return keccak(SCHEMA.encode() + bytes(HexBytes(resolver)) + (b"\x01" if revocable else b"\x00"))
