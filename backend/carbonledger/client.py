"""A firm's or an auditor's client of the CarbonLedger API, holding the member's own key.

The service never holds a member's key: this client signs the login challenge and the claim
(EIP-712, exactly what ClaimLedger checks) locally, and opens vault documents locally with
the member's X25519 vault key, which it derives from the member key
(HKDF-SHA256, info ``CarbonLedger vault X25519 v1``) so a member has one secret to keep.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypedDict, Unpack

import coincurve
import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from carbonledger.auth.challenge import LoginChallenge
from carbonledger.auth.client import sign_challenge
from carbonledger.chain.typed_data import (
    ZERO32,
    Audit,
    AuditVerdict,
    Citation,
    Consent,
    Decline,
    Domain,
    Payment,
    ReductionAttestation,
    Revocation,
    SettlementTerms,
    Struct,
    overlap_settlement_domain,
)
from carbonledger.chain.typed_data import claim_id as compute_claim_id
from carbonledger.chain.typed_data import settlement_id as settlement_id_of
from carbonledger.claims import build_claim
from carbonledger.errors import CarbonLedgerError
from carbonledger.overlaps import project_hash
from carbonledger.standard import (
    Claim,
    Standard,
    document_hash,
    load_default_standard,
    parse_claim,
    standard_named,
)
from carbonledger.standard.models import ReductionClaim
from carbonledger.vault.client import open_envelope
from carbonledger.vault.keys import VaultKeyPair, public_key_of
from carbonledger.vault.model import EncryptedEnvelope
from carbonledger.vocab.signatures import sign_digest

DEFAULT_DEADLINE = 7 * 24 * 3600
#: Verdicts :meth:`LedgerClient.record_audits` sends a request (the service takes up to 200).
AUDITS_PER_REQUEST = 200
#: claims a request of :meth:`LedgerClient.submit_claims` (the service takes up to 1,000)
CLAIMS_PER_REQUEST = 100
#: how often :meth:`LedgerClient.submit_claims` sends a claim refused only as out of order
RESIGN_LIMIT = 3
#: seconds :meth:`LedgerClient.submit_claims` waits, in all, for a service that keeps
#: answering that the firm's backlog is full (429) while none of its claims is taken
BUSY_PATIENCE = 600.0


def _out_of_order(error: Mapping[str, Any]) -> bool:
    """Whether a refused item of a batch was refused only for its nonce (409 naming it)."""
    fields = [str(p.get("field", "")) for p in error.get("problems") or []]
    return int(error.get("status", 0)) == 409 and any(f.endswith("nonce") for f in fields)


def _audit_verdict(verdict: str) -> AuditVerdict:
    """``approved`` | ``rejected`` as the ``Audit`` struct's verdict."""
    verdicts = {"approved": AuditVerdict.APPROVED, "rejected": AuditVerdict.REJECTED}
    if verdict not in verdicts:
        raise CarbonLedgerError(f"verdict {verdict!r}: approved or rejected")
    return verdicts[verdict]


class Freshness(TypedDict, total=False):
    """What keeps a signed act from being replayed, each chosen here where not given: its
    ``nonce`` (default: the member's next on the contract that checks it) and its
    ``deadline`` (unix seconds; default: ``DEFAULT_DEADLINE`` from now)."""

    nonce: int
    deadline: int


class _Project(TypedDict):
    description: str
    total_cost: int
    currency: str
    expected_reduction_kgco2e: int


class ProposalTerms(_Project, total=False):
    """A settlement proposal's terms, as ``POST /settlements`` takes them: the project, its
    total cost in minor units of ``currency`` and its expected reduction (kgCO2e); the shares
    (basis points in the overlap's party order) default to the emissions-proportional split,
    the signing deadline (unix seconds) to the service's."""

    shares_bps: Sequence[int] | None
    signing_deadline: int | None


def _check_keywords(given: Mapping[str, object], declared: Any) -> None:
    """Refuse the keyword arguments a ``**kwargs: Unpack[declared]`` method does not take,
    and want those it needs, as Python does for named parameters (and mypy for typed callers)."""
    if unknown := given.keys() - declared.__required_keys__ - declared.__optional_keys__:
        raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}")
    if missing := declared.__required_keys__ - given.keys():
        raise TypeError(f"missing keyword argument(s) {sorted(missing)}")


class ApiError(CarbonLedgerError):
    """The API refused a request; carries the HTTP status and the API's message."""

    def __init__(self, status: int, detail: str, problems: list[Any] | None = None) -> None:
        problems_text = "; ".join(f"{p.get('field')}: {p.get('message')}" for p in problems or [])
        super().__init__(f"HTTP {status}: {detail}" + (f" ({problems_text})" if problems else ""))
        self.status = status
        self.detail = detail
        self.problems = problems or []


def _raise_for(response: httpx.Response) -> NoReturn:
    """The :class:`ApiError` of an error answer (read whole): its status, detail, problems."""
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text}
    raise ApiError(response.status_code, str(body.get("detail")), body.get("problems"))


class ApiUnreachable(CarbonLedgerError):
    """Nothing answers at the API's URL."""


def vault_keypair(private_key: bytes) -> VaultKeyPair:
    """The member's X25519 vault key pair, derived from its member key."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"CarbonLedger vault X25519 v1"
    ).derive(private_key)
    return VaultKeyPair(private_key=seed, public_key=public_key_of(seed))


#: a keystore's AES-128-CTR initial counter, in hex (16 bytes)
KEYSTORE_IV_HEX = 32


def new_keystore(private_key: bytes, password: str) -> dict[str, Any]:
    """``private_key`` in an eth-account keystore (JSON, scrypt) under ``password``, with its
    16-byte IV written in full. eth-keyfile writes the IV as an integer's bytes, so one in
    256 came out 15 bytes or shorter (a leading zero byte dropped). eth-account reads it back
    as the same counter, but the web app's reader (ethers) and geth take exactly 16 bytes and
    refused it."""
    keystore: dict[str, Any] = Account.encrypt(private_key, password)
    params = keystore["crypto"]["cipherparams"]
    params["iv"] = str(params["iv"]).zfill(KEYSTORE_IV_HEX)
    return keystore


def load_keystore(path: Path, password: str) -> LocalAccount:
    """An eth-account keystore (JSON, scrypt/pbkdf2) decrypted with ``password``."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CarbonLedgerError(f"keystore {path} is unreadable: {exc}") from None
    try:
        key = Account.decrypt(data, password)
    except ValueError:
        raise CarbonLedgerError(f"wrong password for keystore {path}") from None
    account: LocalAccount = Account.from_key(key)
    return account


class ApiSession:
    """The API as one member sees it with a bearer token: reads, exports. Needs no key once
    a token is held (a cached login); :class:`LedgerClient` adds the member's key, to log in
    and to sign."""

    def __init__(self, api_url: str, address: str, *, timeout: float = 60.0) -> None:
        self.http = httpx.Client(base_url=api_url.rstrip("/"), timeout=timeout)
        self.address = address
        self._token: str | None = None
        self.token_expires_at = 0
        self._onchain_versions: dict[bytes, int] = {}  # standard content hash -> number

    def close(self) -> None:
        self.http.close()

    # --- plumbing ---
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.download(method, path, **kwargs)
        return response.json() if response.content else None

    @property
    def token(self) -> str | None:
        """The bearer token in use (None before a login)."""
        return self._token

    def use_token(self, token: str) -> None:
        """Use a bearer token obtained earlier (a cached login) instead of logging in."""
        self._token = token

    def download(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request, its answer returned whole (a file: an export, a report); an error
        answer raises :class:`ApiError`, no answer :class:`ApiUnreachable`."""
        headers = kwargs.pop("headers", {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"cannot reach the API at {self.http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            _raise_for(response)
        return response

    @contextmanager
    def streamed(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """A request whose answer is read as it arrives (``iter_bytes``); an error answer
        raises :class:`ApiError` (read whole), no answer :class:`ApiUnreachable`."""
        headers = kwargs.pop("headers", {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            with self.http.stream(method, path, headers=headers, **kwargs) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for(response)
                yield response
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"cannot reach the API at {self.http.base_url}: {exc}") from exc

    # --- members ---
    def members(self) -> list[dict[str, Any]]:
        """Every member (name, roles, status), all pages."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self.request("GET", "/members", params={"page": page, "page_size": 200})
            out.extend(answer["items"])
            if len(out) >= int(answer["total"]) or not answer["items"]:
                return out
            page += 1

    def member(self, account: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/members/{account}"))

    def chain(self) -> dict[str, Any]:
        return dict(self.request("GET", "/chain"))

    def governance(self) -> dict[str, Any]:
        """The admin quorum, the proposals of the MemberRegistry and the StandardRegistry
        (pending first; whether this member approved each) and the shipped standards."""
        return dict(self.request("GET", "/governance"))

    def claim(self, claim_id: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/claims/{claim_id}"))

    def claims(self, limit: int | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Claims matching ``filters`` (firm, kind, state, period_from, period_to, order), all
        pages, or the first ``limit``."""
        params = {k: v for k, v in filters.items() if v is not None}
        size = 200 if limit is None else max(1, min(limit, 200))
        out: list[dict[str, Any]] = []
        page = 1
        while limit is None or len(out) < limit:
            answer = self.request(
                "GET", "/claims", params={**params, "page": page, "page_size": size}
            )
            out.extend(answer["items"])
            if len(out) >= int(answer["total"]) or not answer["items"]:
                break
            page += 1
        return out if limit is None else out[:limit]

    def footprint_periods(self, firm: str | None = None) -> dict[str, Any]:
        """A firm's footprints in force summed per period (``GET /claims/periods``; no firm:
        the caller's)."""
        params = {"firm": firm} if firm else {}
        return dict(self.request("GET", "/claims/periods", params=params))

    def export_claims(self, fmt: str, **filters: Any) -> bytes:
        """The inventory export (``GET /claims/export``) as the file's bytes."""
        out = io.BytesIO()
        self.export_claims_to(out, fmt, **filters)
        return out.getvalue()

    def export_claims_to(self, out: BinaryIO, fmt: str, **filters: Any) -> int:
        """The inventory export written to ``out`` as it arrives (an export of any length);
        how many claims it holds. An answer cut short raises :class:`ApiUnreachable`."""
        params = {**{k: v for k, v in filters.items() if v is not None}, "format": fmt}
        with self.streamed("GET", "/claims/export", params=params) as response:
            try:
                for piece in response.iter_bytes():
                    out.write(piece)
            except httpx.TransportError as exc:
                raise ApiUnreachable(f"the export was cut short: {exc}") from exc
            return int(response.headers.get("X-Claim-Count", "0"))

    def audit_report(
        self,
        fmt: str,
        *,
        claim_id: str | None = None,
        firm: str | None = None,
        sample: int | None = None,
        seed: str | None = None,
    ) -> tuple[bytes, str]:
        """As an auditor: the verification report (``POST /audits/report``) and its hash;
        with ``sample``, of that many of the firm's claims drawn with ``seed``."""
        body: dict[str, Any] = {"claim_id": claim_id} if claim_id else {"firm": firm}
        if sample is not None:
            body |= {"sample": sample, **({"seed": seed} if seed else {})}
        response = self.download("POST", "/audits/report", params={"format": fmt}, json=body)
        return response.content, response.headers.get("X-Report-Hash", "")

    def overlaps(self, partner: str | None = None) -> list[dict[str, Any]]:
        """This firm's overlaps with its partners (shared shipments, kgCO2e, default split);
        ``partner``: with that firm (an address) only."""
        params = {"partner": partner} if partner else {}
        return list(self.request("GET", "/overlaps", params=params))

    def overlap_partners(self) -> list[dict[str, Any]]:
        """This firm's overlaps summed per partner, the largest first."""
        return list(self.request("GET", "/overlaps/partners"))

    def overlap(self, overlap_id: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/overlaps/{overlap_id}"))

    def settlements(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/settlements"))

    def settlement(self, settlement_id: str) -> dict[str, Any]:
        """A settlement, after checking here that its terms hash to its id and its project
        text to the terms' project hash (what a party signs is what it reviewed)."""
        view = dict(self.request("GET", f"/settlements/{settlement_id}"))
        terms = SettlementTerms.from_json(view["terms"])
        if "0x" + settlement_id_of(terms).hex() != view["settlement_id"]:
            raise CarbonLedgerError(
                f"the terms the API returned do not hash to settlement {view['settlement_id']}"
            )
        if project_hash(view["project"]) != terms.project_hash:
            raise CarbonLedgerError("the project description does not match the terms' hash")
        return view


class LedgerClient(ApiSession):
    """Talks to the API as one member (see the module docstring)."""

    def __init__(
        self,
        api_url: str,
        account: LocalAccount,
        *,
        standard: Standard | None = None,
        timeout: float = 60.0,
    ) -> None:
        super().__init__(api_url, account.address, timeout=timeout)
        self.account = account
        self.standard = standard or load_default_standard()
        self.vault = vault_keypair(bytes(account.key))
        self._signing_key: coincurve.PrivateKey | None = None

    def login(self) -> str:
        """Sign a login challenge with the member key; keep the bearer token."""
        data = self.request("POST", "/auth/challenge", json={"member": self.address})
        domain = data["typedData"]["domain"]
        challenge = LoginChallenge(
            member=data["member"],
            nonce=bytes.fromhex(data["nonce"][2:]),
            expires_at=int(data["expiresAt"]),
            audience=data["typedData"]["message"]["audience"],
            chain_id=int(domain["chainId"]),
            verifying_contract=domain.get("verifyingContract"),
        )
        signature = sign_challenge(challenge, bytes(self.account.key))
        token = self.request(
            "POST",
            "/auth/token",
            json={
                "member": data["member"],
                "nonce": data["nonce"],
                "expiresAt": data["expiresAt"],
                "signature": "0x" + signature.hex(),
            },
        )
        self._token = str(token["access_token"])
        self.token_expires_at = int(token.get("expires_at") or 0)
        return self._token

    def register_vault_key(self) -> None:
        self.request("PUT", "/members/me/vault-key", json={"public_key": self.vault.public_hex})

    def next_nonce(self) -> int:
        return int(self.request("GET", f"/members/{self.address}/nonce")["nonce"])

    # --- claims ---
    def standard_onchain_version(self, content_hash: bytes) -> int:
        """The StandardRegistry number of a standard version (an error when unpublished),
        read once per version."""
        if content_hash in self._onchain_versions:
            return self._onchain_versions[content_hash]
        wanted = "0x" + content_hash.hex()
        page = 1
        while True:
            answer = self.request("GET", "/standards", params={"page": page, "page_size": 200})
            for item in answer["items"]:
                if str(item["content_hash"]).lower() == wanted:
                    self._onchain_versions[content_hash] = int(item["version"])
                    return self._onchain_versions[content_hash]
            if page * 200 >= int(answer["total"]) or not answer["items"]:
                raise CarbonLedgerError(f"standard {wanted} is not published on this ledger")
            page += 1

    def sign_claim(
        self,
        document: bytes,
        *,
        nonce: int,
        deadline: int,
        chain: dict[str, Any],
        baseline: bytes | None = None,
        supersedes: bytes = ZERO32,
        allocations: Mapping[str, int] | None = None,
        parsed: Claim | None = None,
    ) -> bytes:
        """The firm's EIP-712 signature over the claim ``document`` (``parsed`` already, or
        not) maps to.

        A reduction citing settlements is signed with the ledger's ``allocations`` to this
        firm (:meth:`allocations`): its totals count each settlement only up to them."""
        parsed = parsed or parse_claim(document)
        standard = chain["standard"]
        computing, version = self.standard, int(standard["onchain_version"])
        named = standard_named(str(parsed.standard_version))
        if named is not None and named is not self.standard:
            # an older or newer shipped version the document names: its number on chain
            computing, version = named, self.standard_onchain_version(named.content_hash)
        elif standard["content_hash"] != "0x" + self.standard.content_hash.hex():
            raise CarbonLedgerError(
                f"the service checks against standard {standard['version_id']}, this client "
                f"computes with {self.standard.version_id}: update one of them"
            )
        claim = build_claim(
            parsed,
            computing,
            standard_version=version,
            nonce=nonce,
            deadline=deadline,
            baseline=parse_claim(baseline) if baseline is not None else None,
            supersedes=supersedes,
            allocations=allocations,
        )
        return self._sign(claim, self.claim_ledger_domain(chain))

    def submit_claim(
        self,
        document: bytes,
        *,
        baseline: bytes | None = None,
        supersedes: bytes = ZERO32,
        deadline: int | None = None,
        nonce: int | None = None,
        allocations: Mapping[str, int] | None = None,
    ) -> dict[str, Any]:
        """Sign ``document`` (JSON bytes, as written) and submit it; the API's answer.

        A reduction citing settlements is signed with the ledger's allocations (fetched
        when not given) and sent with this firm's signed ``Citation`` of each allocation."""
        chain = self.chain()
        nonce = self.next_nonce() if nonce is None else nonce
        deadline = deadline or int(time.time()) + DEFAULT_DEADLINE
        parsed = parse_claim(document)
        cited = [s.settlement_id for s in parsed.settlements] if isinstance(
            parsed, ReductionClaim
        ) else []  # fmt: skip
        if cited and allocations is None:
            allocations = self.allocations(cited)
        body = self._claim_item(
            document, nonce=nonce, deadline=deadline, chain=chain, baseline=baseline,
            supersedes=supersedes, allocations=allocations, parsed=parsed,
        )  # fmt: skip
        if cited and allocations:
            claim = "0x" + compute_claim_id(self.address, document_hash(parsed)).hex()
            first = self.settlement_nonce()
            body["citations"] = [
                self.sign_citation(sid, claim, nonce=first + i, deadline=deadline, chain=chain)
                for i, sid in enumerate(s for s in dict.fromkeys(cited) if s in allocations)
            ]
        return dict(self.request("POST", "/claims", json=body))

    def submit_claims(
        self,
        documents: Sequence[bytes],
        *,
        baselines: Sequence[bytes | None] | None = None,
        parsed: Sequence[Claim] | None = None,
        per_request: int = CLAIMS_PER_REQUEST,
        progress: Callable[[int], None] | None = None,
        on_busy: Callable[[float, int], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Sign ``documents`` (JSON bytes, as written; a reduction with its baseline at the
        same place in ``baselines``) with this firm's next nonces in order and submit them
        ``per_request`` a request (``POST /claims/batch``); per document, in order,
        ``{"claim": {...}}`` as accepted (on its way to the chain: follow it with
        :meth:`claim`) or ``{"error": {"status", "detail", "problems"?}}`` as refused.

        A claim refused for itself (already submitted, say) leaves its nonce unused, so the
        service refuses the ones signed after it in its request as out of order: those are
        signed again with the next nonces and sent again (an out-of-order refusal that no
        refusal before it in its request explains, another client of the firm taking the
        nonces, is tried ``RESIGN_LIMIT`` times, then given as refused). A claim refused
        because the firm's claims waiting for the chain are at the service's limit (429) is
        sent again, with those after it, once the answer's ``retry_after`` seconds have
        passed; after ``BUSY_PATIENCE`` seconds of such answers with none of the firm's
        claims taken, it and the rest are given as refused with that answer. A reduction citing
        settlements is refused here, before anything is sent: its citations are signed one
        by one, with :meth:`submit_claim`. ``parsed``: the documents as the caller already
        parsed them (:func:`parse_claim`), not parsed again. ``progress`` is told, after each
        request, how many documents it settled; ``on_busy``, before each wait on a full
        backlog, for how many seconds and how many documents are still to send."""
        docs = list(documents)
        bases = list(baselines) if baselines is not None else [None] * len(docs)
        if len(bases) != len(docs):
            raise ValueError(f"{len(docs)} documents but {len(bases)} baselines")
        if parsed is not None and len(parsed) != len(docs):
            raise ValueError(f"{len(docs)} documents but {len(parsed)} parsed")
        if parsed is not None:
            claims = list(parsed)
        else:
            claims = []
            for i, document in enumerate(docs):
                try:
                    claims.append(parse_claim(document))
                except CarbonLedgerError as exc:  # the standard's: names the document's field
                    raise CarbonLedgerError(f"documents[{i}]: {exc}") from None
        for i, claim in enumerate(claims):
            if isinstance(claim, ReductionClaim) and claim.settlements:
                raise CarbonLedgerError(
                    f"documents[{i}] cites settlements: submit it alone (submit_claim), "
                    "which signs its citations"
                )
        chain = self.chain()
        out: list[dict[str, Any] | None] = [None] * len(docs)
        unexplained = [0] * len(docs)
        pending = list(range(len(docs)))
        waited = 0.0  # on a full backlog, since a claim was last taken
        busy: dict[str, Any] | None = None
        while pending:
            part, pending = pending[:per_request], pending[per_request:]
            nonce, deadline = self.next_nonce(), int(time.time()) + DEFAULT_DEADLINE
            body = [
                self._claim_item(
                    docs[j],
                    nonce=nonce + k,
                    deadline=deadline,
                    chain=chain,
                    baseline=bases[j],
                    parsed=claims[j],
                )
                for k, j in enumerate(part)
            ]
            answer = self.request("POST", "/claims/batch", json={"claims": body})
            again, refused_before, busy = [], False, None
            for j, result in zip(part, answer["results"], strict=True):
                error = result.get("error")
                if error is not None and int(error.get("status", 0)) == 429:
                    busy = busy or error  # the firm's backlog is full: this one and on wait
                if busy is not None:
                    again.append(j)
                    continue
                out_of_order = error is not None and _out_of_order(error)
                if out_of_order:
                    # explained by a refusal before it in this request: sent again freely
                    # (each request settles that refusal at least); else another client
                    # took the nonce, and that is tried RESIGN_LIMIT times
                    unexplained[j] += 0 if refused_before else 1
                    if unexplained[j] < RESIGN_LIMIT:
                        again.append(j)
                        continue
                refused_before = refused_before or (error is not None and not out_of_order)
                out[j] = {"error": error} if error is not None else {"claim": result["claim"]}
            pending = again + pending
            if progress is not None:
                progress(len(part) - len(again))
            if busy is None:
                waited = 0.0
                continue
            waited = 0.0 if len(again) < len(part) else waited
            pause = float(busy.get("retry_after") or 1)
            if waited + pause > BUSY_PATIENCE:
                for j in pending:  # not taken: refused with the service's answer
                    out[j] = {"error": busy}
                break
            waited += pause
            if on_busy is not None:
                on_busy(pause, len(pending))
            time.sleep(pause)
        return [o for o in out if o is not None]

    def _claim_item(
        self,
        document: bytes,
        *,
        nonce: int,
        deadline: int,
        chain: dict[str, Any],
        baseline: bytes | None = None,
        supersedes: bytes = ZERO32,
        allocations: Mapping[str, int] | None = None,
        parsed: Claim | None = None,
    ) -> dict[str, Any]:
        """``document`` (``parsed`` already, or not) signed (:meth:`sign_claim`) as ``POST
        /claims`` and each item of ``POST /claims/batch`` take it, without citations."""
        signature = self.sign_claim(
            document, nonce=nonce, deadline=deadline, chain=chain, baseline=baseline,
            supersedes=supersedes, allocations=allocations, parsed=parsed,
        )  # fmt: skip
        item: dict[str, Any] = {
            "document": document.decode("utf-8"),
            "signature": "0x" + signature.hex(),
            "nonce": nonce,
            "deadline": deadline,
        }
        if supersedes != ZERO32:
            item["supersedes"] = "0x" + supersedes.hex()
        if baseline is not None:
            item["baseline_document"] = baseline.decode("utf-8")
        return item

    def check_claim(
        self, document: bytes, *, baseline: bytes | None = None, supersedes: bytes = ZERO32
    ) -> dict[str, Any]:
        """The service's dry-run check (``POST /claims/check``): the report and the claim
        message that would be signed; nothing is signed or stored."""
        body: dict[str, Any] = {"document": document.decode("utf-8")}
        if baseline is not None:
            body["baseline_document"] = baseline.decode("utf-8")
        if supersedes != ZERO32:
            body["supersedes"] = "0x" + supersedes.hex()
        return dict(self.request("POST", "/claims/check", json=body))

    @staticmethod
    def claim_ledger_domain(chain: Mapping[str, Any]) -> Domain:
        """The ClaimLedger's EIP-712 domain as ``GET /chain`` publishes it."""
        d = chain["claim_ledger_domain"]
        return Domain(
            name=d["name"],
            chain_id=int(d["chainId"]),
            verifying_contract=d["verifyingContract"],
            version=d["version"],
        )

    def record_audit(
        self,
        claim_id: str,
        verdict: str,
        report_hash: bytes,
        **fresh: Unpack[Freshness],
    ) -> dict[str, Any]:
        """As an auditor: sign the ``Audit`` verdict on ``claim_id`` (``approved`` or
        ``rejected``) with the hash of the report it rests on, and have it relayed."""
        values = (_audit_verdict(verdict), report_hash)
        body = {"claim_id": claim_id, "verdict": verdict, "report_hash": "0x" + report_hash.hex()}
        return self._act("/audits", Audit, claim_id, values, body, fresh)

    def record_audits(
        self, claim_ids: Sequence[str], verdict: str, report_hash: bytes
    ) -> dict[str, list[Any]]:
        """:meth:`record_audit` of each of ``claim_ids`` with one verdict and report: signed
        here with this auditor's next nonces in order and recorded ``AUDITS_PER_REQUEST`` a
        request (``POST /audits/batch``; each its own transaction, sent together). The
        answers' ``recorded`` and ``reverted`` lists, joined; a refused request raises
        :class:`ApiError` with the requests before it recorded."""
        values = (_audit_verdict(verdict), report_hash)
        fields = {"verdict": verdict, "report_hash": "0x" + report_hash.hex()}
        domain = self.claim_ledger_domain(self.chain())
        out: dict[str, list[Any]] = {"recorded": [], "reverted": []}
        for start in range(0, len(claim_ids), AUDITS_PER_REQUEST):
            nonce, deadline = self.next_nonce(), int(time.time()) + DEFAULT_DEADLINE
            part = claim_ids[start : start + AUDITS_PER_REQUEST]
            body = [
                self._signed(
                    Audit, cid, values, {"claim_id": cid, **fields}, nonce + k, deadline, domain
                )
                for k, cid in enumerate(part)
            ]
            answer = self.request("POST", "/audits/batch", json={"verdicts": body})
            out["recorded"] += answer["recorded"]
            out["reverted"] += answer["reverted"]
        return out

    def revoke_claim(
        self, claim_id: str, reason: str, **fresh: Unpack[Freshness]
    ) -> dict[str, Any]:
        """Sign this firm's ``Revocation`` of ``claim_id`` and have it relayed (final)."""
        path, values = f"/claims/{claim_id}/revocation", (keccak(text=reason),)
        return self._act(path, Revocation, claim_id, values, {"reason": reason}, fresh)

    def _act(
        self,
        path: str,
        struct: Callable[..., Struct],
        subject_id: str,
        values: tuple[Any, ...],
        body: dict[str, Any],
        fresh: Freshness,
        *,
        settlement: bool = False,
    ) -> dict[str, Any]:
        """Sign ``struct(subject, this member, *values, nonce, deadline)`` and post ``body``
        with it (nonce, deadline and signature added) to ``path``. The ClaimLedger's domain
        and nonce, or with ``settlement`` the OverlapSettlement's (see :class:`Freshness`)."""
        _check_keywords(fresh, Freshness)
        nonce = fresh.get("nonce")
        if settlement:
            domain = self._settlement_domain()
            nonce = self.settlement_nonce() if nonce is None else nonce
        else:
            domain = self.claim_ledger_domain(self.chain())
            nonce = self.next_nonce() if nonce is None else nonce
        deadline = fresh.get("deadline") or int(time.time()) + DEFAULT_DEADLINE
        signed = self._signed(struct, subject_id, values, body, nonce, deadline, domain)
        return dict(self.request("POST", path, json=signed))

    def _signed(
        self,
        struct: Callable[..., Struct],
        subject_id: str,
        values: tuple[Any, ...],
        body: dict[str, Any],
        nonce: int,
        deadline: int,
        domain: Domain,
    ) -> dict[str, Any]:
        """``body`` with the nonce, the deadline and this member's signature (in ``domain``)
        of ``struct(subject, this member, *values, nonce, deadline)``."""
        subject = bytes.fromhex(subject_id.removeprefix("0x"))
        message = struct(subject, self.address, *values, nonce, deadline)
        signature = "0x" + self._sign(message, domain).hex()
        return {**body, "nonce": nonce, "deadline": deadline, "signature": signature}

    def document(self, claim_id: str) -> bytes:
        """A claim's document, decrypted here with this member's vault key."""
        envelope = EncryptedEnvelope.from_json(self.request("GET", f"/claims/{claim_id}/document"))
        return open_envelope(envelope, self.vault.private_key)

    # --- overlaps and settlements ---
    def plan(
        self,
        overlap_id: str,
        goal: str,
        value: str,
        scope: str = "overlap",
        quotes: Sequence[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """A joint abatement plan for one of this firm's overlaps (``POST /plans``)."""
        body = {
            "overlap_id": overlap_id,
            "goal": goal,
            "value": value,
            "scope": scope,
            "quotes": list(quotes),
        }
        return dict(self.request("POST", "/plans", json=body))

    def propose_settlement(self, overlap_id: str, **terms: Unpack[ProposalTerms]) -> dict[str, Any]:
        """Propose a project for an overlap (``POST /settlements``; see :class:`ProposalTerms`)."""
        _check_keywords(terms, ProposalTerms)
        body: dict[str, Any] = {"overlap_id": overlap_id}
        body.update((k, v) for k, v in terms.items() if v is not None)
        if "shares_bps" in body:
            body["shares_bps"] = list(body["shares_bps"])
        return dict(self.request("POST", "/settlements", json=body))

    def settlement_nonce(self) -> int:
        """This member's next OverlapSettlement nonce."""
        return int(self.request("GET", "/settlements/nonce")["nonce"])

    def allocations(self, settlement_ids: Sequence[str]) -> dict[str, int]:
        """The ledger's allocations to this firm in these settlements (kgCO2e)."""
        answer = self.request(
            "GET", "/settlements/allocations", params={"settlement_id": list(settlement_ids)}
        )
        return {str(k): int(v) for k, v in answer["allocations"].items()}

    def _settlement_domain(self, chain: dict[str, Any] | None = None) -> Domain:
        chain = chain or self.chain()
        return overlap_settlement_domain(
            int(chain["chain_id"]), chain["contracts"]["OverlapSettlement"]
        )

    def _sign(self, struct: Struct, domain: Domain) -> bytes:
        """This member's signature over ``struct`` in ``domain``: over its EIP-712 digest, as
        a wallet signs the typed data (``tests/vocab`` hold the digest to eth_account's and
        to the contracts'), with the key made once (:func:`sign_digest`)."""
        if self._signing_key is None:
            self._signing_key = coincurve.PrivateKey(bytes(self.account.key))
        return sign_digest(self._signing_key, struct.digest(domain))

    def sign_settlement(self, settlement_id: str, **fresh: Unpack[Freshness]) -> dict[str, Any]:
        """Review (terms re-hashed here) and sign this firm's ``Consent``; the API's answer."""
        self.settlement(settlement_id)
        path = f"/settlements/{settlement_id}/consents"
        return self._act(path, Consent, settlement_id, (), {}, fresh, settlement=True)

    def decline_settlement(
        self,
        settlement_id: str,
        reason: str = "",
        **fresh: Unpack[Freshness],
    ) -> dict[str, Any]:
        """Sign this firm's ``Decline``: the proposal ends."""
        path, body = f"/settlements/{settlement_id}/declines", {"reason": reason}
        values = (keccak(text=reason),)
        return self._act(path, Decline, settlement_id, values, body, fresh, settlement=True)

    def attest_reduction(
        self,
        settlement_id: str,
        realised_kgco2e: int,
        evidence: bytes,
        **fresh: Unpack[Freshness],
    ) -> dict[str, Any]:
        """As an auditor: sign the ``ReductionAttestation`` of the realised reduction, with
        its evidence (UTF-8 text, stored encrypted; its keccak-256 goes on chain)."""
        body = {"realised_kgco2e": realised_kgco2e, "evidence": evidence.decode("utf-8")}
        path = f"/settlements/{settlement_id}/reduction"
        values = (realised_kgco2e, keccak(evidence))
        return self._act(
            path,
            ReductionAttestation,
            settlement_id,
            values,
            body,
            fresh,
            settlement=True,
        )

    def pay_settlement(
        self,
        settlement_id: str,
        amount: int,
        reference: str,
        **fresh: Unpack[Freshness],
    ) -> dict[str, Any]:
        """Sign this firm's ``Payment`` record towards its cost share."""
        body = {"amount": amount, "reference": reference}
        path = f"/settlements/{settlement_id}/payments"
        values = (amount, keccak(text=reference))
        return self._act(path, Payment, settlement_id, values, body, fresh, settlement=True)

    def sign_citation(
        self,
        settlement_id: str,
        claim_id: str,
        *,
        nonce: int,
        deadline: int,
        chain: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """This firm's signed ``Citation`` of its allocation by ``claim_id`` (as sent with
        the reduction claim in ``citations``)."""
        settlement, claim = bytes.fromhex(settlement_id[2:]), bytes.fromhex(claim_id[2:])
        message = Citation(settlement, self.address, claim, nonce, deadline)
        signature = self._sign(message, self._settlement_domain(chain))
        return {
            "settlement_id": settlement_id,
            "nonce": nonce,
            "deadline": deadline,
            "signature": "0x" + signature.hex(),
        }
