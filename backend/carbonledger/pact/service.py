"""The PACT host's service: publishing footprints on chain, partners' credentials, reads, events.

Publishing (:meth:`PactService.publish`), in this order:

1. parse the footprint (JSON; binary floats refused) and run the standard's PACT checks
   (:func:`carbonledger.pact.model.check_footprint`): ``InvalidRequest`` with each field;
2. lifecycle: a footprint citing ``precedingPfIds`` must cite this firm's footprints that are
   still active; the new one's anchor claim **supersedes** the first one's (the ledger's
   amendment), and each cited one becomes "Deprecated" once the new one is on chain;
3. rebuild the claim struct the firm signed (:func:`carbonledger.pact.model.anchor_claim`) and
   recover its signer: the firm's current key, the firm an active member with the firm role;
4. relay it (``trySubmitClaims``) and record the checker's outcome (``recordChecks``, passed,
   report hash = keccak of the RFC 8785 report), waiting for both;
5. store the footprint encrypted in the vault (``pact:<pfId>``; readers: the firm, the
   auditors, the service; sealed before step 4, so a missing reader key stops it before the
   chain) and its row, copying the partners' grants of the footprints it replaces.

Unlike ``POST /claims`` this path relays synchronously rather than through the outbox: a
footprint is published once the transaction is mined, or not at all (an answer lost after
the chain accepted it leaves the claim on chain without the row; the same signed publication
sent again finds it there and completes). The anchor claim takes the firm's next ClaimLedger
nonce, shared with its claims: a publication holds the firm's lock (the claims' one) and is
refused (409, naming the nonce) while claims of the firm wait in the outbox or when another
act took the nonce.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from eth_utils.address import to_checksum_address

from carbonledger.chain.gateway import Anchored, ClaimState, LedgerGateway
from carbonledger.chain.typed_data import claim_digest
from carbonledger.pact import activities, model
from carbonledger.pact.errors import TokenExpired, TokenInvalid
from carbonledger.pact.fetch import PactFetchError, post_event
from carbonledger.pact.schema import (
    EVENT_TYPES,
    EXTENSION_DOC_PATH,
    EXTENSION_SCHEMA_PATH,
    EXTENSION_SPEC_VERSION,
)
from carbonledger.pact.sealing import CallbackSealer, SealError
from carbonledger.pact.store import ClientRow, FootprintRow, PactStore
from carbonledger.pact.v2 import EVENT_TYPES as V2_EVENT_TYPES
from carbonledger.pact.v2 import to_v2
from carbonledger.services.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    NotPermitted,
    SignatureMismatch,
)
from carbonledger.standard import canonical_bytes, keccak256
from carbonledger.vault import client as vault_client
from carbonledger.vault.errors import UnknownReader
from carbonledger.vault.service import EvidenceVault
from carbonledger.vocab import FIRM_ROLE, ZERO32, Claim, claim_ledger_domain, recover_signer

EventSender = Callable[[Mapping[str, Any], Mapping[str, Any]], None]


#: footprints opened per step of a filtered listing (one vault read each step)
LIST_BATCH = 500


def _vault_id(pf_id: str) -> str:
    """The vault's id of a footprint's stored document."""
    return f"pact:{pf_id}"


class FirmNonces(Protocol):
    """A firm's one ClaimLedger nonce sequence, shared with its claims and revocations
    (:class:`carbonledger.services.claims.ClaimService`)."""

    def serialised(self, firm: str) -> AbstractContextManager[None]:
        """Hold the firm's lock, the one its claim submissions take."""
        ...

    def check_direct_nonce(self, firm: str, nonce: int, what: str) -> None:
        """409 unless ``nonce`` is the firm's next, with no claim of it still on its way."""
        ...


_CALLBACK_FIELDS = ("url", "client_id", "client_secret")
TOKEN_LIFETIME = 3600
#: events to partners: first retry after RETRY_BASE s, doubling, at most RETRY_CAP s apart;
#: after MAX_ATTEMPTS (about a day and a half) an event is marked failed
RETRY_BASE = 2.0
RETRY_CAP = 3600.0
MAX_ATTEMPTS = 48


@dataclass(frozen=True)
class IssuedClient:
    client_id: str
    client_secret: str
    partner: str


def _reject_float(text: str) -> Any:
    raise ValueError(f"binary floating-point number {text}: write numbers as JSON strings")


def parse_footprint(raw: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    try:
        obj = json.loads(raw, parse_float=_reject_float)
    except ValueError as exc:
        raise InvalidRequest(
            "footprint is not valid JSON", [{"field": "footprint", "message": str(exc)}]
        ) from None
    if not isinstance(obj, dict):
        raise InvalidRequest(
            "footprint must be a JSON object",
            [{"field": "footprint", "message": "must be an object"}],
        )
    return obj


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PactService:
    """See the module docstring."""

    def __init__(
        self,
        ledger: LedgerGateway,
        store: PactStore,
        vault: EvidenceVault,
        *,
        service_reader: str,
        service_vault_key: bytes,
        standard_hash: bytes,
        token_secret: bytes,
        nonces: FirmNonces,
        public_url: str = "",
        token_lifetime: int = TOKEN_LIFETIME,
        send_event: EventSender = post_event,
        sealer: CallbackSealer | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.vault = vault
        self.nonces = nonces
        self.service_reader = service_reader
        self.service_vault_key = service_vault_key
        self.standard_hash = standard_hash
        self.token_secret = token_secret
        self.public_url = public_url.rstrip("/")
        self.token_lifetime = token_lifetime
        self.send_event = send_event
        #: seals partners' event secrets at rest (an ephemeral key when none is given: for
        #: tests only, the secrets would not open after a restart)
        self.sealer = sealer or CallbackSealer(os.urandom(32))
        self.clock = clock
        #: called when events were queued (the background relay's wake-up; see relay.py)
        self.events_queued: Callable[[], None] = lambda: None

    # --- publishing ---
    def anchor_message(self, firm: str, document: bytes | str | Mapping[str, Any]) -> Claim:
        """The dry run of :meth:`publish`: the anchor claim the firm would sign for this
        footprint (``nonce`` and ``deadline`` left 0 for the signer to fill), after the same
        checks. A client that cannot compute the anchor itself (the web app) signs this."""
        firm = to_checksum_address(firm)
        pf, supersedes, _ = self._publishable(firm, document)
        version = self.ledger.standard_version_of(self.standard_hash)
        return model.anchor_claim(
            pf, firm=firm, standard_version=version, nonce=0, deadline=0, supersedes=supersedes
        )

    def _publishable(
        self, firm: str, document: bytes | str | Mapping[str, Any]
    ) -> tuple[dict[str, Any], bytes, list[FootprintRow]]:
        """The footprint, checked for publication by ``firm``; the claim it supersedes and
        the footprints it follows."""
        pf = parse_footprint(document)
        problems = model.check_footprint(pf)
        if problems:
            raise InvalidRequest(
                "the footprint fails the PACT checks",
                [{"field": f"footprint.{p.field}", "message": p.message} for p in problems],
            )
        if pf["status"] != "Active":
            raise InvalidRequest(
                "a footprint is published Active",
                [{"field": "footprint.status", "message": "must be Active when published"}],
            )
        if self.store.footprint(pf["id"]) is not None:
            raise Conflict(f"footprint {pf['id']} is already published")
        supersedes = ZERO32
        preceding: list[FootprintRow] = []
        for i, pid in enumerate(pf.get("precedingPfIds", [])):
            row = self.store.footprint(pid)
            field = f"footprint.precedingPfIds[{i}]"
            if row is None or row.firm != firm:
                raise InvalidRequest(
                    "a preceding footprint is unknown",
                    [{"field": field, "message": f"{pid} is not a footprint of {firm} here"}],
                )
            if row.status != "Active":
                raise Conflict(f"preceding footprint {pid} is already deprecated")
            preceding.append(row)
        if preceding:
            supersedes = bytes.fromhex(preceding[0].claim_id[2:])
        return pf, supersedes, preceding

    def publish(
        self,
        firm: str,
        document: bytes | str | Mapping[str, Any],
        signature: bytes,
        *,
        nonce: int,
        deadline: int,
        derived_from: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Steps 1-5 of the module docstring, holding the firm's lock (the one its claim
        submissions take): two publications of one firm at once are judged one after the
        other, so the second sees the first's footprint and nonce (a 409 naming them), and a
        claim accepted meanwhile cannot take the nonce the anchor claim was signed with."""
        firm = to_checksum_address(firm)
        with self.nonces.serialised(firm):
            pf, supersedes, preceding = self._publishable(firm, document)
            cited = self._derived_from(firm, derived_from)
            version = self.ledger.standard_version_of(self.standard_hash)
            claim = model.anchor_claim(
                pf,
                firm=firm,
                standard_version=version,
                nonce=nonce,
                deadline=deadline,
                supersedes=supersedes,
            )
            domain = claim_ledger_domain(
                self.ledger.deployment.chain_id, self.ledger.deployment.address("ClaimLedger")
            )
            signer = recover_signer(claim_digest(domain, claim), signature)
            member = self.ledger.member_state(firm)
            if signer is None or signer.lower() != member.signing_key.lower():
                raise SignatureMismatch(
                    "the signature is not the firm's current key over this footprint's claim"
                )
            if member.status != "active" or not member.roles & FIRM_ROLE:
                raise NotPermitted(f"{firm} is not an active member with the firm role")
            try:  # sealed before the chain sees it: a reader without a key stops it here
                sealed = self.vault.seal(
                    firm,
                    _vault_id(pf["id"]),
                    canonical_bytes(model.anchored_form(pf)),
                    readers=[self.service_reader],
                )
            except UnknownReader as exc:
                raise InvalidRequest(
                    "the footprint cannot be stored in the vault",
                    [{"field": "vault_key", "message": f"no vault key registered for {exc}"}],
                ) from None
            anchored, state = self._anchor(claim, signature, firm)
            if state.check == "none":
                report = {"pact": "3.0", "pfId": pf["id"], "passed": True, "problems": []}
                report_hash = keccak256(canonical_bytes(report))
                self.ledger.record_checks([(claim.claim_id, True, report_hash)])
            claim_id = "0x" + claim.claim_id.hex()
            anchor = {
                "claimId": claim_id,
                "documentHash": "0x" + claim.document_hash.hex(),
                "firm": firm,
                "chainId": self.ledger.deployment.chain_id,
                "contract": self.ledger.deployment.address("ClaimLedger"),
                "transaction": anchored.tx_hash,
                "blockNumber": anchored.block_number,
                "verification": f"{self.public_url}/pact/anchors/{claim_id}",
            }
            if supersedes != ZERO32:
                anchor["supersedes"] = "0x" + supersedes.hex()
            if cited:
                anchor["derivedFrom"] = cited
            self.vault.add_new([sealed])
            self.store.add_footprint(
                {
                    "pf_id": pf["id"],
                    "firm": firm,
                    "claim_id": claim_id,
                    "document_hash": anchor["documentHash"],
                    "supersedes": anchor.get("supersedes"),
                    "status": "Active",
                    "anchor": anchor,
                    "derived_from": cited,
                }
            )
            for row in preceding[1:]:
                self.store.set_status(row.pf_id, "Deprecated")
            for row in preceding:
                for client in self.store.clients_granted([row.pf_id]):
                    self.store.grant(client, [pf["id"]])
            self._notify_published(firm, pf["id"])
            return self.served(self._row(pf["id"]))

    def _anchor(self, claim: Claim, signature: bytes, firm: str) -> tuple[Anchored, ClaimState]:
        """Relay the anchor claim, or -- when this very signed claim is on chain already (an
        earlier attempt whose answer was lost after the chain accepted it, retried with the
        same nonce and signature) -- find its transaction, so the retry completes the
        publication instead of failing on the spent nonce."""
        state = self.ledger.claim_state(claim.claim_id)
        if state.status == "none":
            self.nonces.check_direct_nonce(firm, claim.nonce, "publish")
            outcome = self.ledger.submit_claims([(claim, signature)])
            if outcome.failed:  # e.g. another process of this service took the nonce
                reason = self.ledger.error_name(outcome.failed[0])
                raise Conflict(
                    f"the chain refused the footprint's claim with nonce {claim.nonce}: {reason}"
                )
            return outcome.anchored, state
        found = self.ledger.find_submission(claim.claim_id)
        if found is None or state.firm.lower() != firm.lower():
            raise Conflict(f"claim 0x{claim.claim_id.hex()} is on chain but not as this firm's")
        return found, state

    def _derived_from(self, firm: str, claim_ids: Sequence[str]) -> list[str]:
        out = []
        for i, cid in enumerate(claim_ids):
            text = str(cid).lower()
            if len(text) != 66 or not text.startswith("0x"):
                raise InvalidRequest(
                    "derived_from must be claim ids",
                    [{"field": f"derived_from[{i}]", "message": "must be a 0x-prefixed bytes32"}],
                )
            state = self.ledger.claim_state(bytes.fromhex(text[2:]))
            if state.status == "none" or state.firm.lower() != firm.lower():
                raise InvalidRequest(
                    "a cited claim is not this firm's",
                    [{"field": f"derived_from[{i}]", "message": f"{cid} is not a claim of {firm}"}],
                )
            out.append(text)
        return out

    def _row(self, pf_id: str) -> FootprintRow:
        row = self.store.footprint(pf_id)
        if row is None:
            raise NotFound(f"Footprint with ID '{pf_id}' does not exist")
        return row

    def document(self, row: FootprintRow) -> dict[str, Any]:
        envelope = self.vault.get(self.service_reader, _vault_id(row.pf_id))
        return dict(json.loads(vault_client.open_envelope(envelope, self.service_vault_key)))

    def served(self, row: FootprintRow, document: dict[str, Any] | None = None) -> dict[str, Any]:
        """The footprint as served: its status now, and the anchor extension appended
        (``document``: the stored one, opened already)."""
        pf = self.document(row) if document is None else document
        pf["status"] = row.status
        extension = {
            "specVersion": EXTENSION_SPEC_VERSION,
            "dataSchema": f"{self.public_url}{EXTENSION_SCHEMA_PATH}",
            "documentation": f"{self.public_url}{EXTENSION_DOC_PATH}",
            "data": row.anchor,
        }
        pf["extensions"] = [*pf.get("extensions", []), extension]
        return pf

    def footprints_of(self, firm: str) -> list[dict[str, Any]]:
        return self.served_many(self.store.footprints_of(to_checksum_address(firm)))

    # --- iLEAP transport activity data ---
    def publish_activities(
        self, firm: str, items: Sequence[Any], clients: Sequence[str]
    ) -> dict[str, Any]:
        """See :func:`carbonledger.pact.activities.publish`."""
        return activities.publish(self.store, firm, items, clients)

    def activities_of(self, firm: str) -> list[dict[str, Any]]:
        """See :func:`carbonledger.pact.activities.for_firm`."""
        return activities.for_firm(self.store, firm)

    def activities_for(
        self, client: ClientRow, filters: Mapping[str, Sequence[str]]
    ) -> list[dict[str, Any]]:
        """See :func:`carbonledger.pact.activities.list_for`."""
        return activities.list_for(self.store, client, filters)

    # --- partners' credentials ---
    def issue_client(
        self,
        firm: str,
        partner: str,
        *,
        all_footprints: bool,
        pf_ids: Sequence[str] = (),
        callback: Mapping[str, Any] | None = None,
    ) -> IssuedClient:
        firm = to_checksum_address(firm)
        if callback is not None:
            for name in _CALLBACK_FIELDS:
                if not isinstance(callback.get(name), str) or not callback[name]:
                    raise InvalidRequest(
                        "the partner's events endpoint is incomplete",
                        [{"field": f"callback.{name}", "message": "required"}],
                    )
            if not str(callback["url"]).startswith("https://"):
                raise InvalidRequest(
                    "a PACT host is reached over HTTPS only",
                    [{"field": "callback.url", "message": "must be an https:// URL"}],
                )
        if not partner.strip():
            raise InvalidRequest(
                "a partner name is needed", [{"field": "partner", "message": "must not be empty"}]
            )
        self._own(firm, pf_ids)
        client_id = f"pact-{uuid.uuid4().hex}"
        secret = secrets.token_urlsafe(32)
        self.store.add_client(
            {
                "client_id": client_id,
                "firm": firm,
                "partner": partner.strip(),
                "secret_hash": _hash_secret(secret),
                "all_footprints": all_footprints,
                "callback": (
                    self.sealer.seal(callback, client_id) if callback is not None else None
                ),
            }
        )
        if pf_ids:
            self.store.grant(client_id, pf_ids)
        return IssuedClient(client_id, secret, partner.strip())

    def _own(self, firm: str, pf_ids: Sequence[str]) -> None:
        for i, pf_id in enumerate(pf_ids):
            row = self.store.footprint(pf_id)
            if row is None or row.firm != firm:
                raise InvalidRequest(
                    "unknown footprint",
                    [{"field": f"footprints[{i}]", "message": f"{pf_id} is not yours"}],
                )

    def _client_of_firm(self, firm: str, client_id: str) -> ClientRow:
        client = self.store.client(client_id)
        if client is None or client.firm != to_checksum_address(firm):
            raise NotFound(f"no PACT client {client_id} of {firm}")
        return client

    def clients(self, firm: str) -> list[dict[str, Any]]:
        out = []
        for c in self.store.clients_of(to_checksum_address(firm)):
            out.append(
                {
                    "client_id": c.client_id,
                    "partner": c.partner,
                    "all_footprints": c.all_footprints,
                    "footprints": sorted(self.store.granted(c.client_id)),
                    "created_at": c.created_at,
                    "revoked_at": c.revoked_at,
                    "events_to": (c.callback or {}).get("url"),
                }
            )
        return out

    def revoke_client(self, firm: str, client_id: str) -> None:
        self._client_of_firm(firm, client_id)
        self.store.revoke_client(client_id)

    def grant(self, firm: str, client_id: str, pf_ids: Sequence[str], *, allow: bool) -> None:
        self._client_of_firm(firm, client_id)
        self._own(to_checksum_address(firm), pf_ids)
        if allow:
            self.store.grant(client_id, pf_ids)
        else:
            self.store.withdraw(client_id, pf_ids)

    def requests(self, firm: str) -> list[dict[str, Any]]:
        """The firm's received requests; an answered one carries ``delivery``: how its answer
        event stands in the outbox (``pending`` while the relay retries it, ``sent`` or
        ``failed``, with its attempts, last error, next retry time and when it was sent)."""
        found = self.store.requests_of(to_checksum_address(firm))
        clients = sorted({r["client_id"] for r in found if r.get("answer")})
        events = {str(e["event"].get("id")): e for e in self.store.outbox_of(clients) if e["event"]}
        for request in found:
            answer = request.get("answer") or {}
            event = events.get(str(answer.get("eventId")))
            request["delivery"] = (
                {k: event[k] for k in ("state", "attempts", "error", "next_attempt_at", "sent_at")}
                if event is not None
                else None
            )
        return found

    # --- OAuth2 client credentials ---
    def authenticate(self, client_id: str, client_secret: str) -> ClientRow | None:
        client = self.store.client(client_id)
        if client is None or client.revoked_at is not None:
            return None
        if not hmac.compare_digest(client.secret_hash, _hash_secret(client_secret)):
            return None
        return client

    def token_for(self, client: ClientRow) -> str:
        body = _b64(
            json.dumps(
                {"sub": client.client_id, "exp": int(time.time()) + self.token_lifetime}
            ).encode()
        )
        mac = _b64(hmac.new(self.token_secret, body.encode(), hashlib.sha256).digest())
        return f"{body}.{mac}"

    def client_of_token(self, token: str) -> ClientRow:
        body, _, mac = token.partition(".")
        expected = _b64(hmac.new(self.token_secret, body.encode(), hashlib.sha256).digest())
        if not mac or not hmac.compare_digest(mac, expected):
            raise TokenInvalid("Invalid token provided")
        try:
            claims = json.loads(_unb64(body))
        except ValueError:
            raise TokenInvalid("Invalid token provided") from None
        if int(claims.get("exp", 0)) < time.time():
            raise TokenExpired("The access token has expired")
        client = self.store.client(str(claims.get("sub")))
        if client is None or client.revoked_at is not None:
            raise TokenInvalid("The client's credentials were revoked")
        return client

    # --- reads for a partner ---
    def visible(self, client: ClientRow) -> list[FootprintRow]:
        rows = self.store.footprints_of(client.firm)
        if client.all_footprints:
            return rows
        granted = self.store.granted(client.client_id)
        return [r for r in rows if r.pf_id in granted]

    def served_many(self, rows: Sequence[FootprintRow]) -> list[dict[str, Any]]:
        """:meth:`served` of each of ``rows``, in order, their documents read from the vault
        in one statement and opened with one key (a partner pages through thousands)."""
        envelopes = self.vault.get_many(self.service_reader, [_vault_id(r.pf_id) for r in rows])
        opener = vault_client.EnvelopeOpener(self.service_vault_key)
        out = []
        for row in rows:
            envelope = envelopes.get(_vault_id(row.pf_id))
            document = None if envelope is None else dict(json.loads(opener.open(envelope)))
            out.append(self.served(row, document))  # none stored: served() says so, as before
        return out

    def list_for(self, client: ClientRow, filters: model.Filters) -> list[dict[str, Any]]:
        """Every footprint ``client`` may read that matches ``filters``."""
        rows = self.visible(client)
        found: list[dict[str, Any]] = []
        for k in range(0, len(rows), LIST_BATCH):
            batch = self.served_many(rows[k : k + LIST_BATCH])
            found += [pf for pf in batch if model.matches(pf, filters)]
        return found

    def list_page(
        self, client: ClientRow, filters: model.Filters, offset: int, size: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """A page of ListFootprints: from ``offset``, at most ``size`` of the footprints
        ``client`` may read that match ``filters``, and whether more follow. With no
        criterion only the page's documents are opened; a criterion is on the documents'
        fields, so then every visible one is (in batches)."""
        if not filters.narrows:
            rows = self.visible(client)
            return self.served_many(rows[offset : offset + size]), offset + size < len(rows)
        found = self.list_for(client, filters)
        return found[offset : offset + size], offset + size < len(found)

    def version_of(self, pf: Mapping[str, Any], depth: int = 0) -> int:
        """The v2 ``version``: 0, or one more than the footprint it replaces."""
        preceding = pf.get("precedingPfIds") or []
        row = self.store.footprint(preceding[0]) if preceding else None
        if row is None or depth > 100:
            return 0
        return 1 + self.version_of(self.document(row), depth + 1)

    def v2_view(self, pf: Mapping[str, Any]) -> dict[str, Any]:
        return to_v2(pf, self.version_of(pf))

    def get_for(self, client: ClientRow, pf_id: str) -> dict[str, Any]:
        row = self.store.footprint(pf_id)
        if row is None or row.firm != client.firm:
            raise NotFound(f"Footprint with ID '{pf_id}' does not exist")
        if not client.all_footprints and pf_id not in self.store.granted(client.client_id):
            raise NotPermitted(f"Access to footprint '{pf_id}' is not granted")
        return self.served(row)

    # --- events ---
    def receive_event(self, client: ClientRow, event: Mapping[str, Any]) -> None:
        """Record a partner's event: a request becomes a task for the firm (state open)."""
        kind = str(event["type"])
        created = (EVENT_TYPES["request_created"], V2_EVENT_TYPES["request_created"])
        state = "open" if kind in created else "received"
        self.store.add_request(
            {
                "client_id": client.client_id,
                "firm": client.firm,
                "event_id": str(event["id"]),
                "event_type": kind,
                "event": dict(event),
                "state": state,
            }
        )

    # --- events to partners ---
    def _event(self, kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": EVENT_TYPES[kind],
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": f"{self.public_url}/3/events",
            "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": dict(data),
        }

    def _notify_published(self, firm: str, pf_id: str) -> None:
        """Queue a PublishedEvent for every partner with an events endpoint that may read
        ``pf_id``; the relay sends them (not this request: a partner's slow or unreachable
        host must not hold up or fail a publication)."""
        queued = False
        for client in self.store.clients_of(firm):
            if client.revoked_at or not client.callback:
                continue
            if client.all_footprints or pf_id in self.store.granted(client.client_id):
                self.store.queue_event(
                    client.client_id, self._event("published", {"pfIds": [pf_id]})
                )
                queued = True
        if queued:
            self.events_queued()

    def retry_delay(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1`` of an event: exponential from
        ``RETRY_BASE`` (x2 per failure) up to ``RETRY_CAP``, with +-20 % jitter so that many
        events queued for one partner do not retry in lockstep."""
        delay = min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)
        return float(delay * (0.8 + 0.4 * secrets.randbelow(1001) / 1000))

    def flush_events(self, *, due_only: bool = False) -> int:
        """Try to send the pending events (``due_only``: those whose retry time has come, as
        the relay does; else all of them, as ``POST /pact/events/flush``); the number sent. A
        failure stays pending with its error and its next retry time; after ``MAX_ATTEMPTS``
        it is ``failed`` (a manual flush still tries it)."""
        now = self.clock()
        items = self.store.pending_events(
            due_before=now if due_only else None, with_failed=not due_only
        )
        return sum(self._attempt(item, now) for item in items)

    def _attempt(self, item: Mapping[str, Any], now: float) -> bool:
        """One delivery attempt of an outbox event; whether it was sent."""
        client = self.store.client(item["client_id"])
        if client is None or not client.callback or client.revoked_at:
            return False
        try:
            callback = self.sealer.open(client.callback, client.client_id)
            self.send_event(callback, item["event"])
        except (PactFetchError, SealError, KeyError, OSError) as exc:
            attempts = int(item["attempts"]) + 1
            self.store.event_failed(
                item["seq"],
                str(exc)[:500],
                next_attempt_at=now + self.retry_delay(attempts),
                give_up=attempts >= MAX_ATTEMPTS,
            )
            return False
        self.store.event_sent(item["seq"])
        return True

    def answer_request(
        self,
        firm: str,
        seq: int,
        *,
        pf_ids: Sequence[str] = (),
        error: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Fulfil (with ``pf_ids``, granted to the requester) or reject (``error``) a
        partner's RequestCreatedEvent, and send the answer to the partner's /3/events."""
        firm = to_checksum_address(firm)
        request = self.store.request(seq)
        if request is None or request["firm"] != firm:
            raise NotFound(f"no PACT request {seq} for {firm}")
        if request["state"] != "open":
            raise Conflict(f"request {seq} is {request['state']}, not open")
        client = self.store.client(request["client_id"])
        if client is None or not client.callback:
            raise InvalidRequest(
                "the partner gave no events endpoint",
                [{"field": "client", "message": "issue its credentials with a callback"}],
            )
        if (not pf_ids) == (error is None):
            raise InvalidRequest(
                "give either footprints to fulfil or an error to reject",
                [{"field": "footprints", "message": "exactly one of footprints and error"}],
            )
        if pf_ids:
            self._own(firm, pf_ids)
            self.store.grant(client.client_id, pf_ids)
            pfs = [self.served(self._row(pid)) for pid in pf_ids]
            data: dict[str, Any] = {"requestEventId": request["event_id"], "pfs": pfs}
            kind, state = "request_fulfilled", "fulfilled"
        else:
            assert error is not None
            code = str(error.get("code", "NotFound"))
            if code not in ("BadRequest", "AccessDenied", "NotFound", "NotImplemented"):
                raise InvalidRequest(
                    "unknown PACT error code", [{"field": "error.code", "message": code}]
                )
            data = {
                "requestEventId": request["event_id"],
                "error": {"code": code, "message": str(error.get("message", ""))},
            }
            kind, state = "request_rejected", "rejected"
        event = self._event(kind, data)
        self.store.answer_request(seq, state, {"eventId": event["id"], "type": event["type"]})
        # the firm answering waits for this one attempt (it is told how it went); a failure
        # is retried by the relay, which leaves the event alone meanwhile (no double sending)
        now = self.clock()
        out = self.store.queue_event(client.client_id, event, not_before=now + self.retry_delay(1))
        queued = next(e for e in self.store.outbox_of([client.client_id]) if e["seq"] == out)
        if not self._attempt(queued, now):
            self.events_queued()
        sent = next(e for e in self.store.outbox_of([client.client_id]) if e["seq"] == out)
        return {
            "request": seq,
            "state": state,
            "event": event["id"],
            "delivery": sent["state"],
            "error": sent["error"],
        }
