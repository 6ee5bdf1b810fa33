"""A firm's own figures for an option (a supplier's quote for its site), as a signed document.

A quote names the firm, the catalogue option it prices and the figures that override the
catalogue's (``capex_cny``, ``fixed_opex_cny_per_year``, ``lifetime_years``), with the supplier
and the quote's reference and validity. The firm signs the keccak-256 of its RFC 8785 bytes
(EIP-191 ``personal_sign``), so anyone can check that the firm stands behind the figures; the
plan lists every quote it used, signature included, so that a partner re-runs the same plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from carbonledger.planner.catalogue import Catalogue, Option, apply_quote
from carbonledger.planner.errors import CatalogueError
from carbonledger.standard import canonical_bytes, keccak256

QUOTE_KIND = "abatement_quote"
FIGURES = ("capex_cny", "fixed_opex_cny_per_year", "lifetime_years")


def quote_hash(quote: Mapping[str, Any]) -> bytes:
    try:
        return keccak256(canonical_bytes(dict(quote)))
    except Exception as exc:  # canonical_bytes names the path of a float or a bad value
        raise CatalogueError(f"quote: not a canonical JSON object ({exc})") from None


def sign_quote(account: LocalAccount, quote: Mapping[str, Any]) -> dict[str, Any]:
    if str(quote.get("firm", "")).lower() != account.address.lower():
        raise CatalogueError(f"quote.firm: {quote.get('firm')} is not the signer {account.address}")
    signed = account.sign_message(encode_defunct(primitive=quote_hash(quote)))
    return {"quote": dict(quote), "signature": "0x" + bytes(signed.signature).hex()}


def check_quote(signed: Mapping[str, Any], catalogue: Catalogue) -> tuple[str, Option]:
    """The quoting firm (lower-case) and the option with its figures; errors name the field."""
    quote = signed.get("quote")
    if not isinstance(quote, Mapping):
        raise CatalogueError("quote: an object is required")
    if quote.get("kind") != QUOTE_KIND:
        raise CatalogueError(f"quote.kind: must be {QUOTE_KIND!r}")
    if not any(k in quote for k in FIGURES):
        raise CatalogueError(f"quote: give at least one of {', '.join(FIGURES)}")
    option = catalogue.option(str(quote.get("option", "")))
    signature = str(signed.get("signature", ""))
    try:
        signer = Account.recover_message(
            encode_defunct(primitive=quote_hash(quote)), signature=bytes.fromhex(signature[2:])
        )
    except Exception:  # eth_account raises several kinds for a malformed signature
        raise CatalogueError("quote.signature: not a valid signature") from None
    firm = str(quote.get("firm", ""))
    if signer.lower() != firm.lower():
        raise CatalogueError(f"quote.signature: signed by {signer}, not by the firm {firm}")
    priced = apply_quote(option, quote, firm.lower())
    return firm.lower(), priced


def overrides_from(
    quotes: Sequence[Mapping[str, Any]], catalogue: Catalogue
) -> dict[str, dict[str, Option]]:
    """Per firm, per option id: the quoted option (a later quote for the same option wins)."""
    out: dict[str, dict[str, Option]] = {}
    for i, signed in enumerate(quotes):
        try:
            firm, option = check_quote(signed, catalogue)
        except CatalogueError as exc:
            raise CatalogueError(f"quotes[{i}]: {exc}") from None
        out.setdefault(firm, {})[option.id] = option
    return out
