"""Claim documents given to the verifier: read, parse, hash; indexed by document hash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from carbonledger.standard import Claim, StandardError, document_hash, parse_claim
from carbonledger.verify.rpc import VerifyInputError


@dataclass(frozen=True)
class Document:
    """A parsed claim document and the keccak-256 of its RFC 8785 canonical bytes."""

    path: Path
    claim: Claim
    hash: bytes

    @property
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
        return Document(path=path, claim=claim, hash=document_hash(claim))
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
    for path in sorted(directory.glob("*.json")):
        if path.is_file():
            try:
                doc = load_document(path)
            except VerifyInputError as exc:
                if skipped is None:
                    raise
                skipped.append(f"skipped {exc}")
                continue
            out.setdefault(doc.hash, doc)
    return out
