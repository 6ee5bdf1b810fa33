"""The service's view of the ledger contracts: reads, and the relayer's transactions.

:class:`LedgerGateway` is the one place the service talks to the contracts. It holds the
service's own key (a member with the checker role; it also relays, which needs no role) and
never a firm's key: a firm's claim is relayed with the firm's signature, which the contract
checks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import collapse_if_tuple, function_abi_to_4byte_selector
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.types import BlockIdentifier

from carbonledger.chain.admin import LedgerAdmin
from carbonledger.chain.artifacts import ContractArtifact, event_topic
from carbonledger.chain.errors import ChainError, ChainRefused
from carbonledger.chain.jsonrpc import JsonRpc, hex_of
from carbonledger.chain.manifest import Deployment
from carbonledger.chain.sender import TransactionFailed, TxSender
from carbonledger.vocab import (
    CHECK_NAMES,
    CLAIM_STATUS_NAMES,
    MEMBER_STATUS_NAMES,
    SETTLEMENT_STATUS_NAMES,
    VERDICT_NAMES,
    WORD,
    Claim,
    Domain,
    Target,
    TargetKind,
    checksum_address,
    claim_ledger_domain,
    name_of,
    overlap_settlement_domain,
    target_registry_domain,
)
from carbonledger.vocab.anchored import Anchored as Anchored  # re-exported, as before
from carbonledger.vocab.calldata import (
    bytes_array,
    decode_static,
    encode_dynamic_args,
    is_static,
    static_array,
    uint_word,
)


@dataclass(frozen=True)
class MemberState:
    account: str
    signing_key: str
    roles: int
    status: str  # none | active | suspended | removed


@dataclass(frozen=True)
class ClaimState:
    claim_id: bytes
    firm: str
    kind: int
    status: str  # none | active | superseded | revoked
    check: str  # none | passed | failed
    audit: str  # none | approved | rejected
    standard_version: int


@dataclass(frozen=True)
class SettlementState:
    """``IOverlapSettlement.settlementOf``: the chain's view of one settlement."""

    status: str  # none | proposed | agreed | declined | settled | expired
    signing_deadline: int
    consents: int
    paid_in_full: bool
    reduction_recorded: bool
    realised_kgco2e: int


@dataclass(frozen=True)
class PartyState:
    """``IOverlapSettlement.partyOf``: one party's position (all zero for a non-party)."""

    share_bps: int
    consented: bool
    allocation_kgco2e: int
    cost_share: int
    paid: int
    citing_claim: bytes  # ZERO32 when none


@dataclass(frozen=True)
class RecordedTarget:
    """``ITargetRegistry.targetOf``: one recorded target and its id, its packed ``kind`` and
    ``coverage`` read as a name and as scope and Scope 3 category lists."""

    target_id: str
    firm: str
    base_claim_id: str
    base_year: int
    target_year: int
    reduction_bps: int
    kind: str  # near_term | net_zero
    scopes: list[int]
    categories: list[int]
    audited_only: bool
    recorded_at: int
    document_hash: str


@dataclass(frozen=True)
class ChainReading:
    """The chain's newest block and the service account's standing on it, read at once
    (``GET /status``). The account's two nonces differ while its transactions wait in the
    node's pool."""

    chain_id: int
    head: int
    head_timestamp: int
    relayer: str
    relayer_balance: int  # wei
    relayer_nonce: int  # its transactions mined
    relayer_pending_nonce: int  # with those in the node's pool
    gas_price: int  # wei per gas, as the node suggests


@dataclass(frozen=True)
class BatchOutcome:
    """The result of one ``trySubmitClaims``: where it landed and which items failed."""

    anchored: Anchored
    failed: Mapping[int, bytes]  # index -> revert data of that item
    #: the gas the transaction used (0: not known)
    gas_used: int = 0


_Plan = list[tuple[bool, list[str]]]


def _static_plan(outputs: Sequence[str]) -> _Plan | None:
    """The outputs as words, when each is one word :func:`~carbonledger.vocab.calldata.
    decode_static` reads, or a tuple of those (its words inline): per output, whether it is a
    tuple and the type of each of its words. ``None`` for anything else (the general decoder
    takes those)."""
    plan: _Plan = []
    for output in outputs:
        is_tuple = output.startswith("(") and output.endswith(")")
        types = output[1:-1].split(",") if is_tuple else [output]
        if not all(is_static(t) for t in types):
            return None
        plan.append((is_tuple, types))
    return plan


def _decode_static(plan: _Plan, raw: bytes) -> tuple[Any, ...]:
    """:func:`eth_abi.decode` of static words, word by word (the duplicate check of every
    claim reads a ``ClaimRecord``); a word that is not what its type allows goes to eth-abi,
    which refuses it as before."""
    out: list[Any] = []
    at = 0
    for is_tuple, types in plan:
        words = [raw[at + 32 * i : at + 32 * (i + 1)] for i in range(len(types))]
        values = [decode_static(t, word) for t, word in zip(types, words, strict=True)]
        at += 32 * len(words)
        out.append(tuple(values) if is_tuple else values[0])
    return tuple(out)


class _Function:
    """A contract function with its selector and ABI types worked out once: called with a
    raw ``eth_call``, or encoded as a transaction's data.

    ``contract.functions.f(...).call()`` re-validates the ABI and re-hashes the function's
    signature on every call (about 1 ms here), and ``contract.encode_abi`` runs web3's
    per-value normalizers over every argument (about 15 ms for 100 claims): the hot reads of
    the claim pipeline and the relayer's transactions go through this instead. Same call,
    same bytes, same decoding (a single output is returned bare, as web3 does).
    """

    def __init__(self, rpc: JsonRpc, contract: Contract, name: str) -> None:
        abi: list[dict[str, Any]] = [dict(i) for i in contract.abi]
        (item,) = [i for i in abi if i.get("type") == "function" and i.get("name") == name]
        self.rpc = rpc
        self.address = contract.address
        self.selector = function_abi_to_4byte_selector(item)  # type: ignore[arg-type]
        self.inputs = [collapse_if_tuple(dict(i)) for i in item.get("inputs", [])]
        self.outputs = [collapse_if_tuple(dict(o)) for o in item.get("outputs", [])]
        self._plan = _static_plan(self.outputs)
        self._one_word = self.inputs == ["bytes32"]
        self._size = 32 * sum(len(types) for _, types in self._plan or [])

    def encode(self, *args: Any) -> bytes:
        """The call data: selector and ABI-encoded arguments. One 32-byte ``bytes32``
        argument (a claim id: the duplicate check reads ``claimOf`` for every claim of a
        request) is its own word, as eth-abi encodes it."""
        if self._one_word and len(args) == 1 and type(args[0]) is bytes and len(args[0]) == 32:
            return self.selector + args[0]
        return self.selector + abi_encode(self.inputs, args)

    def request(self, *args: Any) -> dict[str, Any]:
        return {"to": self.address, "data": self.encode(*args)}

    def decode(self, raw: bytes) -> Any:
        if self._plan is not None and len(raw) == self._size:
            values: Sequence[Any] = _decode_static(self._plan, bytes(raw))
        else:
            values = abi_decode(self.outputs, bytes(raw))
        return values[0] if len(values) == 1 else values

    def __call__(self, *args: Any, block: BlockIdentifier = "latest") -> Any:
        return self.decode(self.rpc.eth_calls([self.request(*args)], block)[0])


class LedgerGateway:
    """Reads the contracts and sends the service's transactions."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        artifacts: Mapping[str, ContractArtifact],
        service_key: str,
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.chain_id = deployment.chain_id
        self.contracts: dict[str, Contract] = {
            name: w3.eth.contract(address=to_checksum_address(c.address), abi=artifacts[name].abi)
            for name, c in deployment.contracts.items()
        }
        self.sender = TxSender(w3, service_key)
        ledger = self.contracts["ClaimLedger"]
        self._submitted_topic = _event_topic(ledger, "ClaimSubmitted")
        self._failed_topic = _event_topic(ledger, "ClaimSubmissionFailed")
        self._checked_topic = _event_topic(ledger, "ClaimChecked")
        registry = self.contracts["MemberRegistry"]
        self._rpc = JsonRpc(w3)
        self._member_state = _Function(self._rpc, registry, "memberState")
        self._nonces = _Function(self._rpc, ledger, "nonces")
        self._claim_of = _Function(self._rpc, ledger, "claimOf")
        self._root_of: _Function | None = None  # ClaimRoots.rootOf, once root mode asks
        self._version_by_content = _Function(
            self._rpc, self.contracts["StandardRegistry"], "versionByContent"
        )
        settlement = self.contracts["OverlapSettlement"]
        self._settlement_nonces = _Function(self._rpc, settlement, "nonces")
        self._settlement_of = _Function(self._rpc, settlement, "settlementOf")
        self._party_of = _Function(self._rpc, settlement, "partyOf")
        self._has_role = _Function(self._rpc, registry, "hasRole")
        self._member_of = _Function(self._rpc, registry, "memberOf")
        self._standard_state = _Function(
            self._rpc, self.contracts["StandardRegistry"], "versionState"
        )
        self._errors = error_names(artifacts)
        self._try_submit_claims = _Function(self._rpc, ledger, "trySubmitClaims")
        self._record_checks = _Function(self._rpc, ledger, "recordChecks")

    def as_admin(self, private_key: str) -> LedgerAdmin:
        """The registries driven with an admin's own key (never the service's)."""
        return LedgerAdmin(
            TxSender(self.w3, private_key),
            self.contracts["MemberRegistry"],
            self.contracts["StandardRegistry"],
        )

    # --- reads ---
    @property
    def service_address(self) -> str:
        return str(self.sender.address)

    def domain(self) -> Domain:
        return claim_ledger_domain(self.chain_id, self.deployment.address("ClaimLedger"))

    def member_state(self, account: str, block: BlockIdentifier = "latest") -> MemberState:
        key, roles, status = self._member_state(checksum_address(account), block=block)
        return MemberState(
            account=checksum_address(account),
            signing_key=checksum_address(key),
            roles=int(roles),
            status=name_of(MEMBER_STATUS_NAMES, int(status)),
        )

    def member_records(
        self, accounts: Sequence[str]
    ) -> list[tuple[str, str, int, bytes, str] | None]:
        """``memberOf`` of each of ``accounts``, in one JSON-RPC batch: (signing key, status,
        roles, identifier hash, name), None for an account that never was a member."""
        requests = [self._member_of.request(checksum_address(a)) for a in accounts]
        raw = self._rpc.eth_calls(requests)
        return [self._member_record(self._member_of.decode(r)) for r in raw]

    @staticmethod
    def _member_record(record: Any) -> tuple[str, str, int, bytes, str] | None:
        key, status, roles, identifier_hash, name = record
        if int(status) == 0:
            return None
        status_name = name_of(MEMBER_STATUS_NAMES, int(status))
        return checksum_address(key), status_name, int(roles), bytes(identifier_hash), str(name)

    def nonce(self, account: str) -> int:
        return int(self._nonces(checksum_address(account)))

    def standard_version_of(self, content_hash: bytes) -> int:
        """The StandardRegistry version number of ``content_hash`` (0 when unpublished)."""
        return int(self._version_by_content(content_hash))

    def standard_status(self, version: int) -> tuple[int, int]:
        status, effective_from = self._standard_state(version)
        return int(status), int(effective_from)

    def has_role(self, account: str, role: int) -> bool:
        return bool(self._has_role(checksum_address(account), role))

    # --- OverlapSettlement reads ---
    def settlement_domain(self) -> Domain:
        return overlap_settlement_domain(
            self.chain_id, self.deployment.address("OverlapSettlement")
        )

    def settlement_nonce(self, account: str) -> int:
        """``OverlapSettlement.nonces(account)``."""
        return int(self._settlement_nonces(checksum_address(account)))

    def settlement_state(self, settlement_id: bytes) -> SettlementState:
        return self._settlement_state(self._settlement_of(settlement_id))

    def party_state(self, settlement_id: bytes, party: str) -> PartyState:
        return self._party_state(self._party_of(settlement_id, checksum_address(party)))

    def settlement_positions(
        self, settlements: Sequence[tuple[bytes, Sequence[str]]]
    ) -> list[tuple[SettlementState, list[PartyState]]]:
        """``settlementOf`` and each party's ``partyOf`` of every (settlement id, parties),
        in one JSON-RPC batch (a list of a firm's settlements)."""
        requests = []
        for settlement_id, parties in settlements:
            requests.append(self._settlement_of.request(settlement_id))
            requests += [
                self._party_of.request(settlement_id, checksum_address(p)) for p in parties
            ]
        raw = iter(self._rpc.eth_calls(requests))
        return [
            (
                self._settlement_state(self._settlement_of.decode(next(raw))),
                [self._party_state(self._party_of.decode(next(raw))) for _ in parties],
            )
            for _, parties in settlements
        ]

    @staticmethod
    def _settlement_state(values: Any) -> SettlementState:
        status, deadline, consents, paid, recorded, realised, *_ = values
        return SettlementState(
            status=name_of(SETTLEMENT_STATUS_NAMES, int(status)),
            signing_deadline=int(deadline),
            consents=int(consents),
            paid_in_full=bool(paid),
            reduction_recorded=bool(recorded),
            realised_kgco2e=int(realised),
        )

    @staticmethod
    def _party_state(values: Any) -> PartyState:
        share, consented, allocation, cost, paid, citing = values
        return PartyState(
            share_bps=int(share),
            consented=bool(consented),
            allocation_kgco2e=int(allocation),
            cost_share=int(cost),
            paid=int(paid),
            citing_claim=bytes(citing),
        )

    # --- TargetRegistry reads ---
    def target_domain(self) -> Domain:
        return target_registry_domain(self.chain_id, self.deployment.address("TargetRegistry"))

    def target_nonce(self, firm: str) -> int:
        """``TargetRegistry.nonces(firm)``."""
        return int(self._target_call("nonces", checksum_address(firm)))

    def targets_of(self, firm: str) -> list[RecordedTarget]:
        """``firm``'s recorded targets, oldest first (``targetsOf`` then ``targetOf`` each)."""
        out = []
        for target_id in self._target_call("targetsOf", checksum_address(firm)):
            (_, base_year, target_year, bps, kind, coverage, audited, at, base, doc) = (
                self._target_call("targetOf", bytes(target_id))
            )
            scopes, categories = Target.coverage_of(int(coverage))
            out.append(
                RecordedTarget(
                    hex_of(bytes(target_id)),
                    checksum_address(firm),
                    hex_of(bytes(base)),
                    int(base_year),
                    int(target_year),
                    int(bps),
                    TargetKind(int(kind)).name.lower(),
                    list(scopes),
                    list(categories),
                    bool(audited),
                    int(at),
                    hex_of(bytes(doc)),
                )
            )
        return out

    def _target_call(self, name: str, *args: Any) -> Any:
        if "TargetRegistry" not in self.contracts:
            raise ChainRefused("the target registry", "this deployment has no TargetRegistry")
        return self.contracts["TargetRegistry"].functions[name](*args).call()

    def error_name(self, data: bytes) -> str:
        """The name of the contracts' custom error whose selector starts ``data``."""
        return self._errors.get(bytes(data[:4]), "0x" + bytes(data).hex())

    def claim_state(self, claim_id: bytes) -> ClaimState:
        return self._claim_state(claim_id, self._claim_of(claim_id))

    def claim_states(self, claim_ids: Sequence[bytes]) -> list[ClaimState]:
        """:meth:`claim_state` of many claims, in one JSON-RPC batch."""
        if not claim_ids:
            return []
        raw = self._rpc.eth_calls([self._claim_of.request(c) for c in claim_ids])
        return [
            self._claim_state(c, self._claim_of.decode(r))
            for c, r in zip(claim_ids, raw, strict=True)
        ]

    def claim_state_and_nonce(self, claim_id: bytes, account: str) -> tuple[ClaimState, int]:
        """:meth:`claim_state` of ``claim_id`` and :meth:`nonce` of ``account``, in one
        JSON-RPC batch (one claim's duplicate check and its firm's next nonce)."""
        record, nonce = self._rpc.eth_calls(
            [self._claim_of.request(claim_id), self._nonces.request(checksum_address(account))]
        )
        return (
            self._claim_state(claim_id, self._claim_of.decode(record)),
            int(self._nonces.decode(nonce)),
        )

    @staticmethod
    def _claim_state(claim_id: bytes, record: Any) -> ClaimState:
        firm, kind, status, check, audit, version, _total = record
        return ClaimState(
            claim_id=claim_id,
            firm=checksum_address(firm),
            kind=int(kind),
            status=name_of(CLAIM_STATUS_NAMES, int(status)),
            check=name_of(CHECK_NAMES, int(check)),
            audit=name_of(VERDICT_NAMES, int(audit)),
            standard_version=int(version),
        )

    def head(self) -> int:
        if self._rpc.url:  # plain JSON-RPC: web3's middleware costs a few ms per call
            return int(str(self._rpc.request("eth_blockNumber", [])), 16)
        return int(self.w3.eth.block_number)

    def reading(self) -> ChainReading:
        """The chain's head and the service account's balance, nonces and gas price, in one
        JSON-RPC batch."""
        relayer = self.service_address
        calls: list[tuple[str, Sequence[Any]]] = [
            ("eth_chainId", []),
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_getBalance", [relayer, "latest"]),
            ("eth_getTransactionCount", [relayer, "latest"]),
            ("eth_getTransactionCount", [relayer, "pending"]),
            ("eth_gasPrice", []),
        ]
        if self._rpc.url:
            chain_id, block, balance, mined, pending, price = self._rpc.calls(calls)
            head, timestamp = int(block["number"], 16), int(block["timestamp"], 16)
            numbers = [int(v, 16) for v in (chain_id, balance, mined, pending, price)]
        else:
            latest = self.w3.eth.get_block("latest")
            head, timestamp = int(latest["number"]), int(latest["timestamp"])
            eth = self.w3.eth
            numbers = [
                int(eth.chain_id),
                int(eth.get_balance(relayer)),  # type: ignore[arg-type]
                int(eth.get_transaction_count(relayer)),  # type: ignore[arg-type]
                int(eth.get_transaction_count(relayer, "pending")),  # type: ignore[arg-type]
                int(eth.gas_price),
            ]
        chain_id_, balance_, mined_, pending_, price_ = numbers
        return ChainReading(
            chain_id=chain_id_,
            head=head,
            head_timestamp=timestamp,
            relayer=relayer,
            relayer_balance=balance_,
            relayer_nonce=mined_,
            relayer_pending_nonce=pending_,
            gas_price=price_,
        )

    def registries_changed_after(
        self, cursor: tuple[int, str] | None
    ) -> tuple[tuple[int, str], bool]:
        """The chain's head (number, hash), and whether the MemberRegistry or the
        StandardRegistry may have changed since ``cursor`` (a head this returned before):
        whether either logged an event (every change to a member, a role, a key, a quorum or
        a standard version logs one) in the blocks after it up to the head, or the cursor's
        block is not the chain's any more (a node restarted from an older snapshot: what was
        read at it may have been undone). No cursor counts as a change. Two JSON-RPC
        requests: the head and the cursor's block in one, the logs in the other (none when no
        block was mined since)."""
        if not self._rpc.url:
            head_block = self.w3.eth.get_block("latest")
            head = (int(head_block["number"]), hex_of(head_block["hash"]))
            kept = cursor is not None and self.block_hash(cursor[0]) == cursor[1]
        else:
            calls: list[tuple[str, Sequence[Any]]] = [("eth_getBlockByNumber", ["latest", False])]
            if cursor is not None:
                calls.append(("eth_getBlockByNumber", [hex(cursor[0]), False]))
            latest, *at = self._rpc.calls(calls)
            head = (int(latest["number"], 16), str(latest["hash"]).lower())
            kept = cursor is not None and bool(at[0]) and str(at[0]["hash"]).lower() == cursor[1]
        if cursor is None or not kept:
            return head, True
        if head[0] <= cursor[0]:
            return head, head != cursor
        window = {
            "address": [
                self.deployment.address("MemberRegistry"),
                self.deployment.address("StandardRegistry"),
            ],
            "fromBlock": hex(cursor[0] + 1),
            "toBlock": hex(head[0]),
        }
        if self._rpc.url:
            logs = self._rpc.request("eth_getLogs", [window])
        else:
            logs = self.w3.eth.get_logs(window)  # type: ignore[arg-type]
        return head, bool(logs)

    def gas_price(self) -> int:
        return self.sender.gas_price()

    def block_gas_limit(self) -> int:
        """The gas limit of the chain's newest block (what one block can hold)."""
        if self._rpc.url:
            return int(self._rpc.request("eth_getBlockByNumber", ["latest", False])["gasLimit"], 16)
        return int(self.w3.eth.get_block("latest")["gasLimit"])

    def resync(self) -> None:
        """Re-read the service account's next transaction nonce (after a failed send)."""
        self.sender.resync()

    def heal_gap(self) -> None:
        """Fill a gap in the service account's pending transaction nonces, if any."""
        self.sender.heal_gap()

    def block_hash(self, number: int) -> str | None:
        try:
            block = self.w3.eth.get_block(number)
        except Exception:  # web3 raises BlockNotFound for a block the chain does not have
            return None
        return hex_of(block["hash"])

    def block_hashes(self, numbers: Sequence[int]) -> dict[int, str | None]:
        """:meth:`block_hash` of each of ``numbers``, in one JSON-RPC batch."""
        wanted = sorted(set(numbers))
        if not self._rpc.url:
            return {n: self.block_hash(n) for n in wanted}
        blocks = self._rpc.batch("eth_getBlockByNumber", [[hex(n), False] for n in wanted])
        return {
            n: (str(b["hash"]).lower() if b else None) for n, b in zip(wanted, blocks, strict=True)
        }

    def find_submission(self, claim_id: bytes) -> Anchored | None:
        """The transaction that recorded ``claim_id``, from its ClaimSubmitted event."""
        return self._find_event(self._submitted_topic, claim_id)

    def find_check(self, claim_id: bytes) -> Anchored | None:
        """The transaction of the newest ClaimChecked event of ``claim_id``."""
        return self._find_event(self._checked_topic, claim_id)

    def _find_event(self, topic: str, claim_id: bytes) -> Anchored | None:
        logs = self.w3.eth.get_logs(
            {
                "fromBlock": self.deployment.deploy_block,
                "toBlock": "latest",
                "address": self.contracts["ClaimLedger"].address,
                "topics": [topic, hex_of(claim_id)],
            }
        )
        return _anchored(logs[-1]) if logs else None

    # --- transactions ---
    def submit_claims(self, items: Sequence[tuple[Claim, bytes]]) -> BatchOutcome:
        """Relay signed claims in one ``trySubmitClaims``; failures are per item."""
        return self.claims_outcome(self.send_claims(items))

    def claims_call(self, items: Sequence[tuple[Claim | bytes, bytes]]) -> bytes:
        """The calldata of ``trySubmitClaims(items' claims, their signatures)``, from the
        claims' own words (a claim is given as a :class:`Claim` or as its words,
        :meth:`Claim.words`; the same bytes as eth-abi's encoding, which costs several times
        more: ``tests/chain/test_calldata.py``)."""
        claims = static_array([c.words() if isinstance(c, Claim) else c for c, _ in items])
        signatures = bytes_array([bytes(s) for _, s in items])
        return self._try_submit_claims.selector + encode_dynamic_args(claims, signatures)

    def send_claims(
        self, items: Sequence[tuple[Claim, bytes]], gas_price: int | None = None
    ) -> HexBytes:
        """Send one ``trySubmitClaims`` of ``items`` without waiting; its hash."""
        return self.send_claims_many([items], gas_price)[0]

    def send_claims_many(
        self,
        batches: Sequence[Sequence[tuple[Claim | bytes, bytes]]],
        gas_price: int | None = None,
    ) -> list[HexBytes]:
        """One ``trySubmitClaims`` per batch, signed with consecutive nonces and sent in one
        JSON-RPC request (the node may mine several in one block); their hashes, without
        waiting. See :meth:`TxSender.send_many` for a transaction the node refuses."""
        txs = []
        for items in batches:
            tx: dict[str, Any] = {"to": self._try_submit_claims.address}
            tx["data"] = self.claims_call(items)
            if gas_price is not None:
                tx["gasPrice"] = gas_price
            txs.append((tx, 120_000 + 90_000 * len(items)))
        return self.sender.send_many(txs)

    def claims_outcome(self, tx_hash: HexBytes) -> BatchOutcome:
        """Wait for a ``trySubmitClaims`` sent by :meth:`send_claims`: where, which failed."""
        return next(self.claims_outcomes([tx_hash]))

    def claims_outcomes(self, tx_hashes: Sequence[HexBytes]) -> Iterator[BatchOutcome]:
        """:meth:`claims_outcome` of each of ``tx_hashes``, in order, their receipts read in
        JSON-RPC batches. A reverted one raises :class:`TransactionFailed` when reached, so
        the outcomes before it can be used first."""
        failed_topic = bytes(HexBytes(self._failed_topic))
        for receipt in self._receipts(tx_hashes, "relaying claims"):
            failed: dict[int, bytes] = {}
            for log in receipt["logs"]:
                if log["topics"] and bytes(log["topics"][0]) == failed_topic:
                    index = int.from_bytes(bytes(log["topics"][1]), "big")
                    (reason,) = abi_decode(["bytes"], bytes(log["data"]))
                    failed[index] = bytes(reason)
            yield BatchOutcome(
                anchored=_anchored(receipt), failed=failed, gas_used=int(receipt["gasUsed"])
            )

    def checks_call(self, results: Sequence[tuple[bytes, bool, bytes]]) -> bytes:
        """The calldata of ``recordChecks(results)``: each ``CheckResult`` (claim id, passed,
        report hash) is three static words."""
        words = []
        for claim_id, passed, report_hash in results:
            if len(claim_id) != WORD or len(report_hash) != WORD:
                raise ValueError("a claim id and a report hash are 32 bytes each")
            words.append(bytes(claim_id) + uint_word(int(bool(passed))) + bytes(report_hash))
        return self._record_checks.selector + encode_dynamic_args(static_array(words))

    def record_checks(self, results: Sequence[tuple[bytes, bool, bytes]]) -> Anchored:
        """Record the checker's outcomes (claim id, passed, report hash) in one transaction."""
        (tx_hash,) = self.send_checks_many([results])
        return _anchored(next(self._receipts([tx_hash], "recording checks")))

    def send_checks_many(
        self, batches: Sequence[Sequence[tuple[bytes, bool, bytes]]]
    ) -> list[HexBytes]:
        """One ``recordChecks`` per batch of outcomes, sent in one JSON-RPC request as
        :meth:`send_claims_many` sends; their hashes, without waiting."""
        address = self._record_checks.address
        return self.sender.send_many(
            [({"to": address, "data": self.checks_call(b)}, 80_000 + 40_000 * len(b))
             for b in batches]
        )  # fmt: skip

    def checks_outcomes(self, tx_hashes: Sequence[HexBytes]) -> list[Anchored | None]:
        """Where each ``recordChecks`` of :meth:`send_checks_many` landed, in order; None for
        one that reverted (a claim the chain does not hold fails its whole batch)."""
        return [
            _anchored(r) if r["status"] == 1 else None
            for r in self._receipts(tx_hashes, "recording checks", reverted=True)
        ]

    def _receipts(
        self, tx_hashes: Sequence[HexBytes], what: str, timeout: float = 120, reverted: bool = False
    ) -> Iterator[Mapping[str, Any]]:
        """The receipts of ``tx_hashes`` once mined, in order, polled with plain JSON-RPC
        (all still missing in one batch per poll): web3's ``wait_for_transaction_receipt``
        formats every field of every log (~25 ms for a 100-claim batch), one request per
        transaction. Only what the relayer reads is kept: where it landed, status, gas, and
        the logs' topics and data. :class:`TransactionFailed` at the first that reverted,
        unless ``reverted`` (then its receipt is given, with ``status`` 0)."""
        if not self._rpc.url:
            for tx_hash in tx_hashes:
                receipt = self.w3.eth.wait_for_transaction_receipt(
                    tx_hash, timeout=timeout, poll_latency=0.02
                )
                if receipt["status"] != 1 and not reverted:
                    raise TransactionFailed(f"{what} reverted in transaction {hex_of(tx_hash)}")
                yield receipt
            return
        names = [hex_of(h) for h in tx_hashes]
        found: dict[str, Mapping[str, Any]] = {}
        deadline = time.monotonic() + timeout
        for name in names:
            while name not in found:
                if time.monotonic() > deadline:
                    raise ChainError(f"{what}: transaction {name} not mined after {timeout:.0f} s")
                self._poll_receipts(name, names, found)
                if name not in found:
                    time.sleep(0.02)
            raw = found[name]
            status = int(raw["status"], 16)
            if status != 1 and not reverted:
                raise TransactionFailed(f"{what} reverted in transaction {name}")
            yield {
                "transactionHash": _raw(raw["transactionHash"]),
                "blockNumber": int(raw["blockNumber"], 16),
                "blockHash": _raw(raw["blockHash"]),
                "status": status,
                "gasUsed": int(raw["gasUsed"], 16),
                "logs": [
                    {"topics": [_raw(t) for t in log["topics"]], "data": _raw(log["data"])}
                    for log in raw["logs"]
                ],
            }

    def _poll_receipts(
        self, awaited: str, names: Sequence[str], found: dict[str, Mapping[str, Any]]
    ) -> None:
        """One poll of :meth:`_receipts`: the receipts of ``awaited`` and of the newest of
        ``names`` still missing, then, once that newest one is there, every one still missing.

        ``names`` are the service account's transactions in nonce order, and a node mines an
        account's transactions in nonce order: until the newest is mined, asking for all the
        missing ones (what this did before: ~16 receipts asked per transaction in single
        mode, most of them null) learns little more than asking for these two. Nothing is
        taken as mined without its receipt: ``awaited`` is asked at every poll, as before,
        so an earlier transaction is given even while a later one never comes (a nonce
        replaced after a takeover), and the batch of every missing one is only sent once the
        newest has its receipt."""
        missing = [n for n in names if n not in found]
        newest = missing[-1]
        asked = [awaited] if newest == awaited else [awaited, newest]
        answers = self._rpc.batch("eth_getTransactionReceipt", [[n] for n in asked])
        found.update((n, r) for n, r in zip(asked, answers, strict=True) if r)
        if newest != awaited and newest in found:
            rest = [n for n in missing if n not in found]
            answers = self._rpc.batch("eth_getTransactionReceipt", [[n] for n in rest])
            found.update((n, r) for n, r in zip(rest, answers, strict=True) if r)

    def relay(self, contract: str, function: str, args: Sequence[Any], what: str) -> Anchored:
        """Send any other call (a revocation, an audit verdict) and wait for it.

        :class:`ChainRefused` (with the contract's error name) when the contract refuses it
        up front; :class:`TransactionFailed` when it reverts once mined."""
        target = self.contracts[contract]
        data = target.encode_abi(function, args=list(args))
        try:
            receipt = self.sender.transact({"to": target.address, "data": data}, what)
        except ContractLogicError as exc:
            raise ChainRefused(what, self._reason(exc)) from None
        return _anchored(receipt)

    def relay_many(
        self,
        contract: str,
        function: str,
        args: Sequence[Sequence[Any]],
        gas: int | None,
        what: str,
    ) -> list[Anchored | None]:
        """:meth:`relay` of each of ``args``, in order: signed with consecutive nonces and
        sent in one JSON-RPC batch (the node can take them into one block), then their
        receipts. Each is its own transaction: one that reverted is None in its place and the
        others stand. ``gas`` is each one's limit; None estimates each against the chain as
        it is, which only calls independent of each other allow (a message signed with its
        signer's next nonce but one cannot be estimated before the one before it is mined):
        then one the contract refuses up front raises :class:`ChainRefused` naming it and its
        error, as :meth:`relay` does, before any is sent."""
        target = self.contracts[contract]
        txs = [{"to": target.address, "data": target.encode_abi(function, args=list(a))}
               for a in args]  # fmt: skip
        gases: list[int | None] = [gas] * len(txs)
        if gas is None:
            for i, tx in enumerate(txs):
                try:
                    gases[i] = self.sender.estimate(tx)
                except ContractLogicError as exc:
                    which = f"{what} ({i + 1} of {len(txs)})"
                    raise ChainRefused(which, self._reason(exc)) from None
        hashes = self.sender.send_many(list(zip(txs, gases, strict=True)))
        return [
            _anchored(r) if r["status"] == 1 else None
            for r in self._receipts(hashes, what, reverted=True)
        ]

    # --- ClaimRoots (root mode) ---
    def _claim_roots(self) -> Contract:
        if "ClaimRoots" not in self.contracts:
            raise ChainRefused(
                "root anchoring", "this deployment has no ClaimRoots (deployed before root mode)"
            )
        return self.contracts["ClaimRoots"]

    def root_recorded(self, root: bytes) -> bool:
        """Whether ``ClaimRoots.rootOf(root)`` is recorded (a raw ``eth_call``: the worker
        asks before it sends each root)."""
        if self._root_of is None:
            self._root_of = _Function(self._rpc, self._claim_roots(), "rootOf")
        _, recorded_at, _ = self._root_of(bytes(root))
        return int(recorded_at) != 0

    def record_root(self, root: bytes, count: int) -> Anchored:
        """``ClaimRoots.recordRoot``: the Merkle root of ``count`` signed claims."""
        (where,) = self.record_roots([(root, count)])
        return where

    def record_roots(self, roots: Sequence[tuple[bytes, int]]) -> list[Anchored]:
        """:meth:`record_root` of each (root, count), signed with consecutive nonces and sent
        in one JSON-RPC request, then their receipts, in order."""
        contract = self._claim_roots()
        hashes = self.sender.send_many(
            [({"to": contract.address,
               "data": contract.encode_abi("recordRoot", args=[bytes(root), count])}, 120_000)
             for root, count in roots]
        )  # fmt: skip
        return [_anchored(r) for r in self._receipts(hashes, "recording claim roots")]

    def find_root(self, root: bytes) -> Anchored | None:
        """The transaction that recorded ``root``, from its ClaimRootRecorded event."""
        roots = self._claim_roots()
        logs = self.w3.eth.get_logs(
            {
                "fromBlock": self.deployment.deploy_block,
                "toBlock": "latest",
                "address": roots.address,
                "topics": [_event_topic(roots, "ClaimRootRecorded"), hex_of(root)],
            }
        )
        return _anchored(logs[-1]) if logs else None

    def admit_claim(
        self, claim: Claim, signature: bytes, root: bytes, proof: Sequence[bytes]
    ) -> Anchored:
        """``ClaimRoots.admitClaim``: a root-anchored claim enters the ClaimLedger."""
        self._claim_roots()
        return self.relay(
            "ClaimRoots",
            "admitClaim",
            [claim.as_tuple(), bytes(signature), bytes(root), [bytes(p) for p in proof]],
            "admitting a root-anchored claim",
        )

    def admit_claims(
        self, items: Sequence[tuple[Claim, bytes, bytes, Sequence[bytes]]]
    ) -> list[Anchored | None]:
        """:meth:`admit_claim` of each (claim, signature, root, proof), sent together (see
        :meth:`relay_many`; admissions of different claims do not depend on each other, so
        each is estimated); None where one reverted."""
        self._claim_roots()
        return self.relay_many(
            "ClaimRoots",
            "admitClaim",
            [[c.as_tuple(), bytes(sig), bytes(root), [bytes(p) for p in proof]]
             for c, sig, root, proof in items],
            None,
            "admitting root-anchored claims",
        )  # fmt: skip

    def _reason(self, exc: ContractLogicError) -> str:
        data = exc.data
        raw = b""
        if isinstance(data, str) and data.startswith("0x"):
            raw = bytes.fromhex(data[2:])
        elif isinstance(data, bytes | bytearray):
            raw = bytes(data)
        return self._errors.get(raw[:4], str(exc)[:200])


def error_names(artifacts: Mapping[str, ContractArtifact]) -> dict[bytes, str]:
    """Selector -> name of every custom error the contracts declare."""
    names: dict[bytes, str] = {}
    for artifact in artifacts.values():
        for item in artifact.abi:
            if item.get("type") == "error":
                types = ",".join(str(i["type"]) for i in item.get("inputs", []))
                names[keccak(text=f"{item['name']}({types})")[:4]] = str(item["name"])
    return names


def _raw(value: str) -> bytes:
    """A JSON-RPC hex string's bytes (``HexBytes`` costs several times more)."""
    return bytes.fromhex(value[2:])


def _anchored(item: Mapping[str, Any]) -> Anchored:
    """Where a receipt or a log landed."""
    return Anchored(
        hex_of(item["transactionHash"]), int(item["blockNumber"]), hex_of(item["blockHash"])
    )


def _event_topic(contract: Contract, name: str) -> str:
    return hex_of(event_topic(contract.events[name].abi))
