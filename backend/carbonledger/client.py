"""A firm's or an auditor's client of the CarbonLedger API, holding the member's own key.

The service never holds a member's key: this client signs the login challenge and the claim
(EIP-712, exactly what ClaimLedger checks) locally, and opens vault documents locally with
the member's X25519 vault key, which it derives from the member key
(HKDF-SHA256, info ``CarbonLedger vault X25519 v1``) so a member has one secret to keep.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_account import Account
from eth_account.signers.local import LocalAccount

from carbonledger.auth.challenge import LoginChallenge
from carbonledger.auth.client import sign_challenge
from carbonledger.chain.typed_data import (
    ZERO32,
    Domain,
    claim_typed_data,
    sign_typed_data,
)
from carbonledger.claims import build_claim
from carbonledger.errors import CarbonLedgerError
from carbonledger.standard import Standard, load_default_standard, parse_claim
from carbonledger.vault.client import open_envelope
from carbonledger.vault.keys import VaultKeyPair, public_key_of
from carbonledger.vault.model import EncryptedEnvelope

DEFAULT_DEADLINE = 7 * 24 * 3600


class ApiError(CarbonLedgerError):
    """The API refused a request; carries the HTTP status and the API's message."""

    def __init__(self, status: int, detail: str, problems: list[Any] | None = None) -> None:
        problems_text = "; ".join(f"{p.get('field')}: {p.get('message')}" for p in problems or [])
        super().__init__(f"HTTP {status}: {detail}" + (f" ({problems_text})" if problems else ""))
        self.status = status
        self.detail = detail
        self.problems = problems or []


class ApiUnreachable(CarbonLedgerError):
    """Nothing answers at the API's URL."""


def vault_keypair(private_key: bytes) -> VaultKeyPair:
    """The member's X25519 vault key pair, derived from its member key."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"CarbonLedger vault X25519 v1"
    ).derive(private_key)
    return VaultKeyPair(private_key=seed, public_key=public_key_of(seed))


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


class LedgerClient:
    """Talks to the API as one member (see the module docstring)."""

    def __init__(
        self,
        api_url: str,
        account: LocalAccount,
        *,
        standard: Standard | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.http = httpx.Client(base_url=api_url.rstrip("/"), timeout=timeout)
        self.account = account
        self.address: str = account.address
        self.standard = standard or load_default_standard()
        self.vault = vault_keypair(bytes(account.key))
        self._token: str | None = None

    def close(self) -> None:
        self.http.close()

    # --- plumbing ---
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"cannot reach the API at {self.http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"detail": response.text}
            raise ApiError(response.status_code, str(body.get("detail")), body.get("problems"))
        return response.json() if response.content else None

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
        return self._token

    def register_vault_key(self) -> None:
        self.request("PUT", "/members/me/vault-key", json={"public_key": self.vault.public_hex})

    def chain(self) -> dict[str, Any]:
        return dict(self.request("GET", "/chain"))

    def next_nonce(self) -> int:
        return int(self.request("GET", f"/members/{self.address}/nonce")["nonce"])

    # --- claims ---
    def sign_claim(
        self,
        document: bytes,
        *,
        nonce: int,
        deadline: int,
        chain: dict[str, Any],
        baseline: bytes | None = None,
        supersedes: bytes = ZERO32,
    ) -> bytes:
        """The firm's EIP-712 signature over the claim ``document`` maps to."""
        standard = chain["standard"]
        if standard["content_hash"] != "0x" + self.standard.content_hash.hex():
            raise CarbonLedgerError(
                f"the service checks against standard {standard['version_id']}, this client "
                f"computes with {self.standard.version_id}: update one of them"
            )
        claim = build_claim(
            parse_claim(document),
            self.standard,
            standard_version=int(standard["onchain_version"]),
            nonce=nonce,
            deadline=deadline,
            baseline=parse_claim(baseline) if baseline is not None else None,
            supersedes=supersedes,
        )
        d = chain["claim_ledger_domain"]
        domain = Domain(
            name=d["name"],
            chain_id=int(d["chainId"]),
            verifying_contract=d["verifyingContract"],
            version=d["version"],
        )
        return sign_typed_data(bytes(self.account.key), claim_typed_data(domain, claim))

    def submit_claim(
        self,
        document: bytes,
        *,
        baseline: bytes | None = None,
        supersedes: bytes = ZERO32,
        deadline: int | None = None,
        nonce: int | None = None,
    ) -> dict[str, Any]:
        """Sign ``document`` (JSON bytes, as written) and submit it; the API's answer."""
        chain = self.chain()
        nonce = self.next_nonce() if nonce is None else nonce
        deadline = deadline or int(time.time()) + DEFAULT_DEADLINE
        signature = self.sign_claim(
            document, nonce=nonce, deadline=deadline, chain=chain, baseline=baseline,
            supersedes=supersedes,
        )  # fmt: skip
        body: dict[str, Any] = {
            "document": document.decode("utf-8"),
            "signature": "0x" + signature.hex(),
            "nonce": nonce,
            "deadline": deadline,
        }
        if supersedes != ZERO32:
            body["supersedes"] = "0x" + supersedes.hex()
        if baseline is not None:
            body["baseline_document"] = baseline.decode("utf-8")
        return dict(self.request("POST", "/claims", json=body))

    def claim(self, claim_id: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/claims/{claim_id}"))

    def document(self, claim_id: str) -> bytes:
        """A claim's document, decrypted here with this member's vault key."""
        envelope = EncryptedEnvelope.from_json(self.request("GET", f"/claims/{claim_id}/document"))
        return open_envelope(envelope, self.vault.private_key)
