"""The evidence vault service: server-side operations over a :class:`VaultRepository`.

Trust model
-----------
* ``put`` receives the plaintext (over the API's TLS), encrypts it under a fresh data key,
  wraps that key for every reader (the owner, every current auditor, and the readers named)
  and forgets both: neither the plaintext nor the data key is stored or kept in memory
  beyond the call.
* The ephemeral X25519 secret a reader key's wraps are made with is kept in memory for up
  to ``Wrappers(reuse=...)`` seconds (the service's ``CARBONLEDGER_VAULT_WRAP_REUSE``, 60 by
  default; 0: one per run of seals), so the documents sealed for that key in that window
  share it. Until it is dropped, the process could unwrap the data keys it wrapped under it:
  documents it held in plaintext within the same window. Nothing of it is stored.
* The vault never holds a reader's private key, so once those secrets are dropped it cannot
  unwrap a data key. A new reader is therefore added by the *owner's* software: it fetches
  its own envelope, unwraps the data key with its private key and wraps it for the new
  reader (:func:`carbonledger.vault.client.rewrap_for`); :meth:`EvidenceVault.grant` only checks
  that the caller owns the document and that the wrap is for the reader's registered public
  key, and stores it.
* ``get`` hands a reader the ciphertext and the data key wrapped for that reader; it opens
  client-side (:func:`carbonledger.vault.client.open_envelope`).
* Caller identities (``owner``, ``reader``) are whatever the authentication layer established
  (the member's address); this service trusts them as given.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from carbonledger.vault import crypto
from carbonledger.vault.errors import (
    AlreadyGranted,
    CannotRevoke,
    DocumentNotFound,
    NotDocumentOwner,
    ReaderKeyMismatch,
    UnknownReader,
    VaultAccessDenied,
)
from carbonledger.vault.keys import validate_public_key
from carbonledger.vault.model import (
    DocumentRecord,
    EncryptedEnvelope,
    Grant,
    SealedDocument,
    StoredDocument,
    check_identifier,
)
from carbonledger.vault.repository import VaultRepository

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class AuditorDirectory(Protocol):
    """Who the consortium's auditors are now (the lead backs it with the MemberRegistry)."""

    def auditors(self) -> Collection[str]:
        """The reader names of every active auditor."""
        ...


class StaticAuditors:
    """A fixed :class:`AuditorDirectory` (tests, single-auditor setups)."""

    def __init__(self, auditors: Iterable[str] = ()) -> None:
        self._auditors = frozenset(auditors)

    def auditors(self) -> Collection[str]:
        return self._auditors


@runtime_checkable
class KeyedAuditors(Protocol):
    """An :class:`AuditorDirectory` whose auditors count only with a registered key (the
    service's, over the MemberRegistry): it names the candidates, and the vault reads their
    keys itself, in the same look as the other readers' of a run's first document, leaving
    out those without one."""

    def auditor_candidates(self) -> Collection[str]:
        """The active auditors, with a registered key or not."""
        ...


class Wrappers:
    """Key wrappers kept across runs of :meth:`EvidenceVault.seal`, one per reader key, each
    for at most ``reuse`` seconds from its making (``clock``: monotonic seconds).

    A :class:`~carbonledger.vault.crypto.KeyWrapper` costs an X25519 key pair and exchange
    (~70 µs of CPU here), which a request of one claim paid for each of its three or so
    readers. Kept, the exchange is paid once per reader key per ``reuse`` seconds, and every
    wrap still has its own key-encryption key (bound to its document's id and owner) and its
    own random nonce. The key is the reader's public key itself, so a replaced key gets a
    wrapper of its own at once. ``reuse`` 0 keeps nothing: each run makes its own, as before."""

    def __init__(self, reuse: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if reuse < 0:
            raise ValueError(f"reuse must be 0 or more seconds, got {reuse}")
        self._reuse = reuse
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[bytes, tuple[crypto.KeyWrapper, float]] = {}

    def wrapper(self, public_key: bytes) -> crypto.KeyWrapper:
        """A wrapper for ``public_key``: the kept one while it is younger than ``reuse``, else a
        new one (kept in its place)."""
        now = self._clock()
        kept = self._kept.get(public_key)
        if kept is not None and now - kept[1] < self._reuse:
            return kept[0]
        made = crypto.KeyWrapper(public_key)
        if self._reuse > 0:
            with self._lock:  # and forget the other keys' wrappers that have expired
                self._kept = {k: v for k, v in self._kept.items() if now - v[1] < self._reuse}
                self._kept[public_key] = (made, now)
        return made


class ReaderKeys:
    """Readers' public keys for a run of :meth:`EvidenceVault.seal` calls: the auditor set is
    resolved at the first document (a :class:`KeyedAuditors` directory's candidates with
    their keys, read in that document's look), and the keys a document needs that the run
    has not read yet are read together, in one look at the repository, then kept for the
    run. Meant for one
    request: no key is kept across requests, so a new auditor or a replaced key counts from
    the next one (a key replaced by another API process included: each request reads the
    keys it needs from the shared database). The wrappers come from ``wrappers`` (kept
    across runs for a while, :class:`Wrappers`), one per reader key for the whole run."""

    def __init__(
        self,
        directory: AuditorDirectory,
        lookup: Callable[[Collection[str]], Mapping[str, bytes]],
        wrappers: Wrappers | None = None,
    ) -> None:
        self._directory = directory
        self._lookup = lookup
        self._auditors: frozenset[str] | None = None
        self._keys: dict[str, bytes] = {}
        self._pool = wrappers or Wrappers(reuse=0)
        self._wrappers: dict[bytes, crypto.KeyWrapper] = {}

    def auditors(self, also: Iterable[str] = ()) -> frozenset[str]:
        """The run's auditors, resolved at its first call. A :class:`KeyedAuditors`
        directory's candidates have their keys read in one look together with ``also`` (the
        first document's owner and readers), and those without a key are left out."""
        if self._auditors is None:
            if isinstance(self._directory, KeyedAuditors):
                candidates = set(self._directory.auditor_candidates())
                unread = sorted({*candidates, *also} - self._keys.keys())
                if unread:
                    self._keys.update(self._lookup(unread))
                self._auditors = frozenset(c for c in candidates if c in self._keys)
            else:
                self._auditors = frozenset(self._directory.auditors())
        return self._auditors

    def keys_of(self, readers: Iterable[str]) -> dict[str, bytes]:
        """``readers``' registered public keys, in the readers' sorted order; those not read
        yet in this run are read in one look. :class:`UnknownReader` names the first (in
        that order) that has none."""
        wanted = sorted(set(readers))
        unread = [r for r in wanted if r not in self._keys]
        if unread:
            self._keys.update(self._lookup(unread))
        found = {}
        for reader in wanted:
            key = self._keys.get(reader)
            if key is None:
                raise UnknownReader(reader)
            found[reader] = key
        return found

    def wrapper(self, public_key: bytes) -> crypto.KeyWrapper:
        """The run's wrapper for ``public_key``: one ephemeral key pair per reader key for the
        run's documents (:class:`~carbonledger.vault.crypto.KeyWrapper`), perhaps one an
        earlier run made (:class:`Wrappers`)."""
        if public_key not in self._wrappers:
            self._wrappers[public_key] = self._pool.wrapper(public_key)
        return self._wrappers[public_key]


class EvidenceVault:
    """Encrypted-at-rest storage of documents and evidence files with per-reader key wraps."""

    def __init__(
        self,
        repository: VaultRepository,
        auditors: AuditorDirectory | None = None,
        clock: Clock = utc_now,
        wrappers: Wrappers | None = None,
    ) -> None:
        self._repository = repository
        self._auditors: AuditorDirectory = auditors or StaticAuditors()
        self._clock = clock
        #: the key wrappers every seal shares (see the module's trust model)
        self._wrappers = wrappers or Wrappers()

    # --- reader keys ---

    def register_reader_key(self, reader: str, public_key: bytes) -> None:
        """Register or replace ``reader``'s X25519 public key (32 bytes).

        Existing grants stay wrapped for the previous key: after a key change, owners must
        grant again for the reader to keep access.
        """
        check_identifier(reader, "reader")
        self._repository.set_reader_key(reader, validate_public_key(public_key), self._clock())

    def reader_public_key(self, reader: str) -> bytes:
        """The reader's registered public key; :class:`UnknownReader` if none."""
        key = self._repository.get_reader_key(reader)
        if key is None:
            raise UnknownReader(reader)
        return key

    # --- documents ---

    def reader_keys(self) -> ReaderKeys:
        """A resolver of reader keys for many :meth:`seal` calls (one request's worth): the
        auditors are looked up at its first document, and the keys each document needs that
        it has not read yet in one look."""
        return ReaderKeys(self._auditors, self._repository.get_reader_keys, self._wrappers)

    def put(
        self, owner: str, document_id: str, plaintext: bytes, readers: Iterable[str] = ()
    ) -> DocumentRecord:
        """Encrypt and store a new document readable by the owner, the auditors and ``readers``.

        Every reader needs a registered public key (:class:`UnknownReader` otherwise, and
        nothing is stored). Stored documents are immutable: a second ``put`` with the same id
        raises :class:`DocumentAlreadyExists`.
        """
        sealed = self.seal(owner, document_id, plaintext, readers)
        self._repository.add_document(sealed.document, sealed.grants)
        return self._record(sealed.document, sealed.grants)

    def seal(
        self,
        owner: str,
        document_id: str,
        plaintext: bytes,
        readers: Iterable[str] = (),
        keys: ReaderKeys | None = None,
    ) -> SealedDocument:
        """What :meth:`put` stores, not stored: the document encrypted under a fresh data key
        wrapped for the owner, the auditors and ``readers`` (:class:`UnknownReader` if one has
        no registered key). ``keys`` (:meth:`reader_keys`) resolves the readers for many
        documents at once; by default they are looked up for this one."""
        check_identifier(owner, "owner")
        check_identifier(document_id, "document id")
        if not isinstance(plaintext, bytes | bytearray):
            raise TypeError("the document content must be bytes")
        keys = keys or self.reader_keys()
        names = {owner}
        for reader in readers:
            names.add(check_identifier(reader, "reader"))
        names.update(keys.auditors(also=names))
        public_keys = keys.keys_of(names)  # one read for the owner, auditors and readers

        aad = crypto.associated_data(document_id, owner)
        data_key = crypto.new_data_key()
        sealed = crypto.encrypt_document(data_key, bytes(plaintext), aad)
        now = self._clock()
        grant_list = tuple(
            Grant(
                document_id=document_id,
                reader=name,
                reader_public_key=key,
                wrapped_key=keys.wrapper(key).wrap(data_key, aad),
                granted_at=now,
            )
            for name, key in public_keys.items()
        )
        del data_key
        document = StoredDocument(
            document_id=document_id,
            owner=owner,
            nonce=sealed.nonce,
            ciphertext=sealed.ciphertext,
            created_at=now,
        )
        return SealedDocument(document, grant_list)

    def add_new(
        self, items: Sequence[SealedDocument], connection: Connection | None = None
    ) -> list[bool]:
        """Store documents :meth:`seal` made, each unless its id is already stored (then
        nothing of it is written: stored documents are immutable); per item, whether it was
        stored. ``connection``: write in that open transaction of the vault's database, which
        the caller commits (so the documents are stored together with the caller's rows, or
        not at all); without it, all of them in one transaction of their own."""
        if not items:
            return []
        return self._repository.add_new_documents(items, connection)

    def grant(
        self,
        owner: str,
        document_id: str,
        reader: str,
        reader_public_key: bytes,
        wrapped_key: bytes,
    ) -> DocumentRecord:
        """Store a data key the owner wrapped client-side for ``reader``.

        ``wrapped_key`` comes from :func:`carbonledger.vault.client.rewrap_for` run by the
        owner's software; the service cannot check what it wraps (only the reader can). It
        checks the caller owns the document, the wire format, and that ``reader_public_key`` is
        the reader's registered key. A grant for the reader's current key is never replaced
        (:class:`AlreadyGranted`); one for a key the reader has since replaced is (that is how
        access follows a key rotation, the owner's own included).
        """
        document = self._owned(owner, document_id)
        check_identifier(reader, "reader")
        registered = self.reader_public_key(reader)
        if validate_public_key(reader_public_key) != registered:
            raise ReaderKeyMismatch(reader)
        existing = self._repository.get_grant(document_id, reader)
        if existing is not None and existing.reader_public_key == registered:
            raise AlreadyGranted(reader, document_id)
        self._repository.save_grant(
            Grant(
                document_id=document_id,
                reader=reader,
                reader_public_key=registered,
                wrapped_key=crypto.check_wrapped_key(wrapped_key),
                granted_at=self._clock(),
            )
        )
        return self._record(document, self._repository.list_grants(document_id))

    def revoke(self, owner: str, document_id: str, reader: str) -> DocumentRecord:
        """Remove ``reader``'s grant. The owner's own and the auditors' grants cannot go.

        Revoking stops the vault from serving the document to the reader; it cannot take back
        a data key the reader already unwrapped (re-encrypting under a new key would).
        Revoking a reader without a grant is a no-op.
        """
        document = self._owned(owner, document_id)
        if reader == document.owner:
            raise CannotRevoke(reader, document_id, "the owner always keeps access")
        if reader in self._auditors.auditors():
            raise CannotRevoke(reader, document_id, "auditors keep access to all evidence")
        self._repository.delete_grant(document_id, reader)
        return self._record(document, self._repository.list_grants(document_id))

    def get(self, reader: str, document_id: str) -> EncryptedEnvelope:
        """The ciphertext and ``reader``'s wrapped data key; :class:`VaultAccessDenied` if none."""
        document = self._repository.get_document(document_id)
        if document is None:
            raise DocumentNotFound(document_id)
        grant = self._repository.get_grant(document_id, reader)
        if grant is None:
            raise VaultAccessDenied(reader, document_id)
        return EncryptedEnvelope.of(document, grant)

    def get_many(self, reader: str, document_ids: Collection[str]) -> dict[str, EncryptedEnvelope]:
        """Of ``document_ids``, what :meth:`get` gives ``reader`` of each it may read, by id,
        in one read; a document not stored, or not granted to ``reader``, is left out."""
        granted = self._repository.get_granted(document_ids, reader)
        return {d.document_id: EncryptedEnvelope.of(d, g) for d, g in granted}

    def readable(self, reader: str, document_ids: Collection[str]) -> set[str]:
        """Of ``document_ids``, those ``reader`` has a grant on (one read)."""
        return self._repository.granted_ids(document_ids, reader)

    def record(self, owner: str, document_id: str) -> DocumentRecord:
        """The owner's view of a document: who can read it, its size and age."""
        document = self._owned(owner, document_id)
        return self._record(document, self._repository.list_grants(document_id))

    # --- helpers ---

    def _owned(self, caller: str, document_id: str) -> StoredDocument:
        document = self._repository.get_document(document_id)
        if document is None:
            raise DocumentNotFound(document_id)
        if document.owner != caller:
            raise NotDocumentOwner(caller, document_id)
        return document

    @staticmethod
    def _record(document: StoredDocument, grant_list: Iterable[Grant]) -> DocumentRecord:
        return DocumentRecord(
            document_id=document.document_id,
            owner=document.owner,
            readers=tuple(sorted(g.reader for g in grant_list)),
            ciphertext_size=len(document.ciphertext),
            created_at=document.created_at,
        )
