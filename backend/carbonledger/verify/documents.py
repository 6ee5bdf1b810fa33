"""Claim documents given to the verifier: read, parse, hash; indexed by document hash."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from carbonledger.standard import Claim, StandardError, claim_hashes, parse_claim
from carbonledger.verify.abi import SignedClaim
from carbonledger.verify.rpc import VerifyInputError, read_json
from carbonledger.vocab import Claim as SignedStruct

#: The suffix of a root-anchored claim's proof file beside the documents (what
#: ``GET /claims/{id}/proof`` serves).
PROOF_SUFFIX = ".proof.json"


@dataclass(frozen=True)
class Document:
    """A parsed claim document and the keccak-256 of its RFC 8785 canonical bytes."""

    path: Path
    claim: Claim
    hash: bytes

    @cached_property
    def firm(self) -> str:
        return self.claim.firm.address.lower()


def load_document(path: Path) -> Document:
    """Read and parse one claim document; :class:`VerifyInputError` names the file and why."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise VerifyInputError(f"document not found: {path}") from None
    except IsADirectoryError:
        raise VerifyInputError(f"{path} is a directory, not a claim document") from None
    except OSError as exc:
        raise VerifyInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        claim = parse_claim(data)
        # the document hash as the checker computes it (``claim_hashes``: one canonicalisation
        # of the lines, shared with the lines' Merkle root and remembered on the parsed
        # document), so the check re-run does not canonicalise the document a second time;
        # it equals ``document_hash(claim)`` (tests/verify/test_documents.py)
        return Document(path=path, claim=claim, hash=claim_hashes(claim)[0])
    except StandardError as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise VerifyInputError(f"{path} is not a claim document: {why}") from None


def load_directory(directory: Path, skipped: list[str] | None = None) -> dict[bytes, Document]:
    """Every ``*.json`` claim document in ``directory`` (not recursive), by document hash.

    With ``skipped``, a file that is not a claim document is left out and the reason appended
    there (a stray file in a documents folder is not fatal); without it, it is an error."""
    if not directory.exists():
        raise VerifyInputError(f"documents directory not found: {directory}")
    if not directory.is_dir():
        raise VerifyInputError(f"{directory} is not a directory")
    out: dict[bytes, Document] = {}
    for path in _json_files(directory):
        if not path.name.endswith(PROOF_SUFFIX):
            try:
                doc = load_document(path)
            except VerifyInputError as exc:
                if skipped is None:
                    raise
                skipped.append(f"skipped {exc}")
                continue
            out.setdefault(doc.hash, doc)
    return out


def _json_files(directory: Path, suffix: str = ".json") -> list[Path]:
    """The regular files (or links to them) that ``glob("*" + suffix)`` finds in
    ``directory`` (names starting with a dot are not), by name: one ``scandir``, whose
    entries know their type, where a glob and ``is_file`` stat each file."""
    with os.scandir(directory) as entries:
        names = sorted(
            e.name
            for e in entries
            if e.name.endswith(suffix) and not e.name.startswith(".") and e.is_file()
        )
    return [directory / name for name in names]


@dataclass(frozen=True)
class RootProof:
    """A root-anchored claim as its firm signed it, with its inclusion proof under ``root``
    (the JSON of ``GET /claims/{id}/proof``: ``claim``, ``signature``, ``root``, ``proof``)."""

    path: Path
    signed: SignedClaim
    root: bytes
    proof: tuple[bytes, ...]

    @property
    def claim_id(self) -> bytes:
        return self.signed.claim_id


def _hex(value: object, size: int | None, what: str) -> bytes:
    text = str(value)
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raw = b""
    if not text.startswith("0x") or (size is not None and len(raw) != size) or not raw:
        raise ValueError(f"{what} is not 0x hex" + (f" of {size} bytes" if size else ""))
    return raw


def load_proof(path: Path) -> RootProof:
    """Read one proof file; :class:`VerifyInputError` names the file and why."""
    return proof_from_json(read_json(path, "proof file"), path)


def proof_from_json(data: Any, path: Path) -> RootProof:
    """A proof file's JSON as a :class:`RootProof` (``path`` names where it came from)."""
    try:
        claim = SignedStruct.from_json(data["claim"])
        return RootProof(
            path=path,
            signed=SignedClaim(
                raw=claim.words(), signature=_hex(data["signature"], None, "signature")
            ),
            root=_hex(data["root"], 32, "root"),
            proof=tuple(_hex(p, 32, "a proof hash") for p in data["proof"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise VerifyInputError(f"{path} is not a claim proof file ({exc})") from None


def load_proofs(directory: Path) -> dict[bytes, RootProof]:
    """Every ``*.proof.json`` in ``directory``, by claim id."""
    out: dict[bytes, RootProof] = {}
    for path in _json_files(directory, PROOF_SUFFIX):
        proof = load_proof(path)
        out.setdefault(proof.claim_id, proof)
    return out
