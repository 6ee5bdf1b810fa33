# ruff: noqa: RUF001  (full-width punctuation and Cyrillic letters are the point here)
"""The vault service's behaviours, on the in-memory and the SQLite repository alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

import pytest

from carbonledger.errors import CarbonLedgerError
from carbonledger.vault import (
    AlreadyGranted,
    CannotRevoke,
    DocumentAlreadyExists,
    DocumentNotFound,
    EncryptedEnvelope,
    EnvelopeAuthenticationFailed,
    EnvelopeOpener,
    EvidenceVault,
    InvalidIdentifier,
    InvalidKey,
    InvalidWrappedKey,
    NotDocumentOwner,
    ReaderKeyMismatch,
    StaticAuditors,
    UnknownReader,
    VaultAccessDenied,
    VaultError,
    VaultKeyPair,
    VaultRepository,
    Wrappers,
    WrongReaderKey,
    crypto,
    open_envelope,
    rewrap_for,
)

from .conftest import Reader, reader

DOC = "claim-42/fuel-invoice.pdf"
CONTENT = b"%PDF-1.7 diesel 1,200 L, Shanghai -> Ningbo"


def test_the_owner_the_auditors_and_the_named_readers_can_open_a_document(
    vault: EvidenceVault, owner: Reader, auditor: Reader, partner: Reader
) -> None:
    record = vault.put(owner.name, DOC, CONTENT, readers=[partner.name])
    assert record.readers == tuple(sorted([owner.name, auditor.name, partner.name]))
    assert record.owner == owner.name and record.document_id == DOC
    assert record.ciphertext_size == len(CONTENT) + 16
    for who in (owner, auditor, partner):
        assert open_envelope(vault.get(who.name, DOC), who.keys.private_key) == CONTENT


def test_a_reader_without_a_grant_is_denied(
    vault: EvidenceVault, owner: Reader, stranger: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    with pytest.raises(VaultAccessDenied) as caught:
        vault.get(stranger.name, DOC)
    assert (caught.value.reader, caught.value.document_id) == (stranger.name, DOC)
    assert isinstance(caught.value, VaultError) and isinstance(caught.value, CarbonLedgerError)


def test_getting_a_missing_document_says_it_does_not_exist(
    vault: EvidenceVault, owner: Reader
) -> None:
    with pytest.raises(DocumentNotFound, match="no document 'nope'"):
        vault.get(owner.name, "nope")


def test_every_put_encrypts_under_a_fresh_key_and_nonce(
    vault: EvidenceVault, owner: Reader
) -> None:
    vault.put(owner.name, "a", CONTENT)
    vault.put(owner.name, "b", CONTENT)
    a, b = vault.get(owner.name, "a"), vault.get(owner.name, "b")
    assert a.nonce != b.nonce and a.ciphertext != b.ciphertext and a.wrapped_key != b.wrapped_key


def test_a_stored_document_is_never_overwritten(vault: EvidenceVault, owner: Reader) -> None:
    vault.put(owner.name, DOC, CONTENT)
    with pytest.raises(DocumentAlreadyExists):
        vault.put(owner.name, DOC, b"forged replacement")
    assert open_envelope(vault.get(owner.name, DOC), owner.keys.private_key) == CONTENT


def test_a_put_naming_a_reader_without_a_registered_key_stores_nothing(
    vault: EvidenceVault, owner: Reader
) -> None:
    with pytest.raises(UnknownReader, match="0xNobody"):
        vault.put(owner.name, DOC, CONTENT, readers=["0xNobody"])
    with pytest.raises(DocumentNotFound):
        vault.get(owner.name, DOC)


def test_the_owner_grants_a_partner_by_rewrapping_client_side(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    partner_key = vault.reader_public_key(partner.name)
    wrapped = rewrap_for(partner_key, vault.get(owner.name, DOC), owner.keys.private_key)
    record = vault.grant(owner.name, DOC, partner.name, partner_key, wrapped)
    assert partner.name in record.readers
    assert open_envelope(vault.get(partner.name, DOC), partner.keys.private_key) == CONTENT


def test_only_the_owner_may_grant(
    vault: EvidenceVault, owner: Reader, partner: Reader, stranger: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT, readers=[partner.name])
    wrapped = rewrap_for(
        stranger.keys.public_key, vault.get(partner.name, DOC), partner.keys.private_key
    )
    with pytest.raises(NotDocumentOwner) as caught:
        vault.grant(partner.name, DOC, stranger.name, stranger.keys.public_key, wrapped)
    assert caught.value.caller == partner.name
    with pytest.raises(VaultAccessDenied):
        vault.get(stranger.name, DOC)


def test_a_grant_wrapped_for_a_stale_reader_key_is_refused(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    old_key = partner.keys.public_key
    vault.register_reader_key(partner.name, VaultKeyPair.generate().public_key)
    wrapped = rewrap_for(old_key, vault.get(owner.name, DOC), owner.keys.private_key)
    with pytest.raises(ReaderKeyMismatch, match="stale key"):
        vault.grant(owner.name, DOC, partner.name, old_key, wrapped)


def test_a_grant_for_an_unregistered_reader_is_refused(vault: EvidenceVault, owner: Reader) -> None:
    vault.put(owner.name, DOC, CONTENT)
    newcomer = VaultKeyPair.generate()
    wrapped = rewrap_for(newcomer.public_key, vault.get(owner.name, DOC), owner.keys.private_key)
    with pytest.raises(UnknownReader):
        vault.grant(owner.name, DOC, "0xNewcomer", newcomer.public_key, wrapped)


def test_a_malformed_wrapped_key_is_refused(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    with pytest.raises(InvalidWrappedKey):
        vault.grant(owner.name, DOC, partner.name, partner.keys.public_key, b"\x01" * 40)


def test_a_grant_on_a_missing_document_says_so(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    with pytest.raises(DocumentNotFound):
        vault.grant(owner.name, DOC, partner.name, partner.keys.public_key, b"\x01" * 93)


def test_revoking_a_partner_removes_its_access(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT, readers=[partner.name])
    record = vault.revoke(owner.name, DOC, partner.name)
    assert partner.name not in record.readers
    with pytest.raises(VaultAccessDenied):
        vault.get(partner.name, DOC)
    vault.revoke(owner.name, DOC, partner.name)  # revoking again is a no-op


def test_neither_the_owner_nor_an_auditor_can_be_revoked(
    vault: EvidenceVault, owner: Reader, auditor: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    with pytest.raises(CannotRevoke, match="owner always keeps access"):
        vault.revoke(owner.name, DOC, owner.name)
    with pytest.raises(CannotRevoke, match="auditors keep access"):
        vault.revoke(owner.name, DOC, auditor.name)


def test_only_the_owner_may_revoke(vault: EvidenceVault, owner: Reader, partner: Reader) -> None:
    vault.put(owner.name, DOC, CONTENT, readers=[partner.name])
    with pytest.raises(NotDocumentOwner):
        vault.revoke(partner.name, DOC, partner.name)


def test_opening_with_another_readers_private_key_says_so(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    with pytest.raises(WrongReaderKey):
        open_envelope(vault.get(owner.name, DOC), partner.keys.private_key)


@pytest.mark.parametrize(
    "change",
    [
        {"document_id": "claim-43/fuel-invoice.pdf"},
        {"owner": "0xB0b0000000000000000000000000000000000003"},
    ],
)
def test_an_envelope_with_altered_associated_data_fails_authentication(
    vault: EvidenceVault, owner: Reader, change: dict[str, str]
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    envelope = dataclasses.replace(vault.get(owner.name, DOC), **change)  # type: ignore[arg-type]
    with pytest.raises(EnvelopeAuthenticationFailed, match="failed authentication"):
        open_envelope(envelope, owner.keys.private_key)


def test_an_envelope_with_altered_ciphertext_fails_authentication(
    vault: EvidenceVault, owner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    envelope = vault.get(owner.name, DOC)
    flipped = bytearray(envelope.ciphertext)
    flipped[len(flipped) // 2] ^= 0x80
    with pytest.raises(EnvelopeAuthenticationFailed, match="document ciphertext"):
        open_envelope(
            dataclasses.replace(envelope, ciphertext=bytes(flipped)), owner.keys.private_key
        )


def test_a_wrapped_key_swapped_in_from_another_document_fails_authentication(
    vault: EvidenceVault, owner: Reader
) -> None:
    vault.put(owner.name, "a", CONTENT)
    vault.put(owner.name, "b", CONTENT)
    envelope = dataclasses.replace(
        vault.get(owner.name, "a"), wrapped_key=vault.get(owner.name, "b").wrapped_key
    )
    with pytest.raises(EnvelopeAuthenticationFailed, match="wrapped data key"):
        open_envelope(envelope, owner.keys.private_key)


def test_rewrapping_refuses_a_key_that_does_not_open_the_document(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, "a", CONTENT)
    vault.put(owner.name, "b", b"other")
    mixed = dataclasses.replace(
        vault.get(owner.name, "a"), ciphertext=vault.get(owner.name, "b").ciphertext
    )
    with pytest.raises(EnvelopeAuthenticationFailed):
        rewrap_for(partner.keys.public_key, mixed, owner.keys.private_key)


def test_names_and_documents_in_any_script_round_trip_byte_for_byte(
    vault: EvidenceVault,
) -> None:
    firm = reader("中远海运物流有限公司")
    partner = reader("Ölwerke Müller GmbH — Zürich")
    for who in (firm, partner):
        vault.register_reader_key(who.name, who.keys.public_key)
    document_id = "证据/2024年第三季度/柴油发票.pdf"
    content = "运输柴油 1,200 升，上海港至宁波港；排放因子 2.68 kgCO₂e/升。".encode()
    record = vault.put(firm.name, document_id, content, readers=[partner.name])
    assert record.document_id.encode() == document_id.encode()
    envelope = vault.get(partner.name, document_id)
    assert (envelope.owner, envelope.reader) == (firm.name, partner.name)
    assert open_envelope(envelope, partner.keys.private_key) == content


def test_an_empty_document_round_trips(vault: EvidenceVault, owner: Reader) -> None:
    vault.put(owner.name, DOC, b"")
    assert open_envelope(vault.get(owner.name, DOC), owner.keys.private_key) == b""


@pytest.mark.parametrize("name", ["", "a\x00b", "line\nbreak", "x" * 257, "\ud800"])
def test_identifiers_that_cannot_be_stored_faithfully_are_refused(
    vault: EvidenceVault, owner: Reader, name: str
) -> None:
    with pytest.raises(InvalidIdentifier):
        vault.put(owner.name, name, CONTENT)
    with pytest.raises(InvalidIdentifier):
        vault.register_reader_key(name, owner.keys.public_key)


def test_a_malformed_reader_key_cannot_be_registered(vault: EvidenceVault) -> None:
    with pytest.raises(InvalidKey):
        vault.register_reader_key("0xShort", b"\x07" * 31)


def test_an_envelope_survives_its_json_form(vault: EvidenceVault, owner: Reader) -> None:
    vault.put(owner.name, DOC, CONTENT)
    envelope = vault.get(owner.name, DOC)
    assert EncryptedEnvelope.from_json(envelope.to_json()) == envelope


def test_the_owner_sees_who_can_read_its_document(
    vault: EvidenceVault, owner: Reader, auditor: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT, readers=[partner.name])
    assert set(vault.record(owner.name, DOC).readers) == {owner.name, auditor.name, partner.name}
    with pytest.raises(NotDocumentOwner):
        vault.record(partner.name, DOC)


def test_a_working_grant_cannot_be_overwritten_so_auditors_cannot_be_locked_out(
    vault: EvidenceVault, owner: Reader, auditor: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT, readers=[partner.name])
    aad = crypto.associated_data(DOC, owner.name)
    for who in (auditor, owner, partner):
        # A well-formed wrap for the reader's real key, but of a key that opens nothing.
        sabotage = crypto.wrap_data_key(crypto.new_data_key(), who.keys.public_key, aad)
        with pytest.raises(AlreadyGranted, match="already holds a grant"):
            vault.grant(owner.name, DOC, who.name, who.keys.public_key, sabotage)
    assert open_envelope(vault.get(auditor.name, DOC), auditor.keys.private_key) == CONTENT


def test_access_follows_a_readers_key_rotation_through_a_new_grant(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT, readers=[partner.name])
    rotated = VaultKeyPair.generate()
    vault.register_reader_key(partner.name, rotated.public_key)
    with pytest.raises(WrongReaderKey):
        open_envelope(vault.get(partner.name, DOC), rotated.private_key)
    wrapped = rewrap_for(rotated.public_key, vault.get(owner.name, DOC), owner.keys.private_key)
    vault.grant(owner.name, DOC, partner.name, rotated.public_key, wrapped)
    assert open_envelope(vault.get(partner.name, DOC), rotated.private_key) == CONTENT


def test_the_owner_moves_its_own_access_to_a_new_key_with_the_old_one(
    vault: EvidenceVault, owner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    rotated = VaultKeyPair.generate()
    vault.register_reader_key(owner.name, rotated.public_key)
    wrapped = rewrap_for(rotated.public_key, vault.get(owner.name, DOC), owner.keys.private_key)
    vault.grant(owner.name, DOC, owner.name, rotated.public_key, wrapped)
    assert open_envelope(vault.get(owner.name, DOC), rotated.private_key) == CONTENT


class CountingAuditors:
    """An auditor directory that counts how often it is asked."""

    def __init__(self, *names: str) -> None:
        self.names = names
        self.asked = 0

    def auditors(self) -> tuple[str, ...]:
        self.asked += 1
        return self.names


def test_documents_sealed_with_one_resolver_ask_for_the_auditors_once(
    repository: VaultRepository, owner: Reader, auditor: Reader
) -> None:
    directory = CountingAuditors(auditor.name)
    vault = EvidenceVault(repository, auditors=directory)
    for who in (owner, auditor):
        vault.register_reader_key(who.name, who.keys.public_key)
    keys = vault.reader_keys()
    sealed = [vault.seal(owner.name, f"doc-{i}", CONTENT, keys=keys) for i in range(5)]
    assert directory.asked == 1
    assert vault.add_new(sealed) == [True] * 5
    for item in sealed:
        envelope = vault.get(auditor.name, item.document.document_id)
        assert open_envelope(envelope, auditor.keys.private_key) == CONTENT
    vault.put(owner.name, "alone", CONTENT)  # without a resolver: asked again, per document
    assert directory.asked == 2


def test_sealing_stores_nothing_until_the_documents_are_added(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    sealed = vault.seal(owner.name, DOC, CONTENT, readers=[partner.name])
    assert {g.reader for g in sealed.grants} >= {owner.name, partner.name}
    with pytest.raises(DocumentNotFound):
        vault.get(owner.name, DOC)
    assert vault.add_new([sealed]) == [True]
    assert open_envelope(vault.get(partner.name, DOC), partner.keys.private_key) == CONTENT


def test_adding_documents_keeps_a_stored_one_as_it_is_and_stores_the_others(
    vault: EvidenceVault, owner: Reader, partner: Reader
) -> None:
    vault.put(owner.name, DOC, CONTENT)
    again = vault.seal(owner.name, DOC, b"another content", readers=[partner.name])
    other = vault.seal(owner.name, "other", b"other content")
    twice = vault.seal(owner.name, "twice", b"first")
    assert vault.add_new([again, other, twice, vault.seal(owner.name, "twice", b"second")]) == [
        False, True, True, False,
    ]  # fmt: skip
    assert open_envelope(vault.get(owner.name, DOC), owner.keys.private_key) == CONTENT
    with pytest.raises(VaultAccessDenied):  # nothing of the refused item: not its grants
        vault.get(partner.name, DOC)
    assert open_envelope(vault.get(owner.name, "other"), owner.keys.private_key) == b"other content"
    assert open_envelope(vault.get(owner.name, "twice"), owner.keys.private_key) == b"first"


def test_sealing_for_a_reader_without_a_key_says_so(vault: EvidenceVault, owner: Reader) -> None:
    with pytest.raises(UnknownReader):
        vault.seal(owner.name, DOC, CONTENT, readers=["0xNobody"], keys=vault.reader_keys())


def test_an_identifier_is_refused_for_exactly_the_control_characters_and_lone_surrogates() -> None:
    """ASCII printable identifiers take a short cut; the outcome is the per-character rule's
    for every ASCII character and a few others."""
    import unicodedata

    from carbonledger.vault.model import check_identifier

    for char in [chr(c) for c in range(128)] + ["\x85", "\u00e9", "\ud800", "\ue000", "\U0001f69a"]:
        value = f"0xabc{char}def"
        refused = unicodedata.category(char) in ("Cc", "Cs")
        if refused:
            with pytest.raises(InvalidIdentifier):
                check_identifier(value, "document id")
        else:
            assert check_identifier(value, "document id") == value


class CountingKeys:
    """A repository that counts its reader-key reads (one look, or one per reader)."""

    def __init__(self, inner: VaultRepository) -> None:
        self.inner = inner
        self.looks: list[list[str]] = []
        self.single = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def get_reader_key(self, reader: str) -> bytes | None:
        self.single += 1
        return self.inner.get_reader_key(reader)

    def get_reader_keys(self, readers: Collection[str]) -> dict[str, bytes]:
        self.looks.append(sorted(readers))
        return self.inner.get_reader_keys(readers)


def test_sealing_reads_the_keys_of_the_owner_the_auditors_and_the_readers_in_one_look(
    repository: VaultRepository, owner: Reader, auditor: Reader, partner: Reader
) -> None:
    counting = CountingKeys(repository)
    vault = EvidenceVault(counting, auditors=StaticAuditors([auditor.name]))  # type: ignore[arg-type]
    for who in (owner, auditor, partner):
        vault.register_reader_key(who.name, who.keys.public_key)
    keys = vault.reader_keys()
    sealed = vault.seal(owner.name, DOC, CONTENT, readers=[partner.name], keys=keys)
    assert counting.looks == [sorted([owner.name, auditor.name, partner.name])]
    assert counting.single == 0
    vault.seal(owner.name, "again", CONTENT, readers=[partner.name], keys=keys)
    assert len(counting.looks) == 1  # the run keeps what it read
    assert {g.reader: g.reader_public_key for g in sealed.grants} == {
        who.name: who.keys.public_key for who in (owner, auditor, partner)
    }


class KeyedDirectory:
    """Auditors that count only with a registered key (as the service's ``VaultAuditors``)."""

    def __init__(self, candidates: list[str]) -> None:
        self.candidates = candidates

    def auditors(self) -> list[str]:
        raise AssertionError("the vault reads the candidates' keys itself")

    def auditor_candidates(self) -> list[str]:
        return list(self.candidates)


def test_keyed_auditors_keys_are_read_in_the_same_look_as_the_owners_and_readers(
    repository: VaultRepository, owner: Reader, auditor: Reader, partner: Reader
) -> None:
    counting = CountingKeys(repository)
    keyless = "0xA0d2000000000000000000000000000000000005"
    vault = EvidenceVault(counting, auditors=KeyedDirectory([auditor.name, keyless]))  # type: ignore[arg-type]
    for who in (owner, auditor, partner):
        vault.register_reader_key(who.name, who.keys.public_key)
    keys = vault.reader_keys()
    sealed = vault.seal(owner.name, DOC, CONTENT, readers=[partner.name], keys=keys)
    assert counting.looks == [sorted([owner.name, auditor.name, partner.name, keyless])]
    vault.seal(owner.name, "again", CONTENT, keys=keys)
    assert len(counting.looks) == 1 and counting.single == 0  # the run keeps what it read
    assert {g.reader for g in sealed.grants} == {owner.name, auditor.name, partner.name}
    assert vault.add_new([sealed]) == [True]
    assert open_envelope(vault.get(auditor.name, DOC), auditor.keys.private_key) == CONTENT


def test_sealing_for_several_readers_without_a_key_names_the_first_in_order(
    vault: EvidenceVault, owner: Reader
) -> None:
    with pytest.raises(UnknownReader) as raised:
        vault.seal(owner.name, DOC, CONTENT, readers=["0xZed", "0xNobody", "0xMissing"])
    assert "0xMissing" in str(raised.value)


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ephemeral(vault: EvidenceVault, who: Reader, document_id: str) -> bytes:
    return vault.get(who.name, document_id).wrapped_key[1:33]


def _kept_vault(repository: VaultRepository, clock: Ticking, *readers: Reader) -> EvidenceVault:
    vault = EvidenceVault(repository, wrappers=Wrappers(reuse=60, clock=clock))
    for who in readers:
        vault.register_reader_key(who.name, who.keys.public_key)
    return vault


def test_documents_sealed_apart_within_the_reuse_window_share_an_ephemeral_key_and_each_opens(
    repository: VaultRepository, owner: Reader, partner: Reader
) -> None:
    clock = Ticking()
    vault = _kept_vault(repository, clock, owner, partner)
    vault.put(owner.name, "a", b"first", readers=[partner.name])
    clock.now += 59
    vault.put(owner.name, "b", b"second", readers=[partner.name])
    for who in (owner, partner):
        assert _ephemeral(vault, who, "a") == _ephemeral(vault, who, "b")
        assert open_envelope(vault.get(who.name, "a"), who.keys.private_key) == b"first"
        assert open_envelope(vault.get(who.name, "b"), who.keys.private_key) == b"second"
    assert _ephemeral(vault, owner, "a") != _ephemeral(vault, partner, "a")  # one per reader
    a, b = vault.get(owner.name, "a"), vault.get(owner.name, "b")
    assert a.wrapped_key[33:45] != b.wrapped_key[33:45]  # each wrap its own nonce


def test_a_wrap_made_under_a_kept_ephemeral_key_does_not_open_another_document(
    repository: VaultRepository, owner: Reader
) -> None:
    vault = _kept_vault(repository, Ticking(), owner)
    vault.put(owner.name, "a", b"first")
    vault.put(owner.name, "b", b"second")
    swapped = dataclasses.replace(
        vault.get(owner.name, "b"), wrapped_key=vault.get(owner.name, "a").wrapped_key
    )
    with pytest.raises(EnvelopeAuthenticationFailed):
        open_envelope(swapped, owner.keys.private_key)


def test_an_ephemeral_key_is_not_used_past_the_reuse_window(
    repository: VaultRepository, owner: Reader
) -> None:
    clock = Ticking()
    vault = _kept_vault(repository, clock, owner)
    vault.put(owner.name, "a", b"first")
    clock.now += 60
    vault.put(owner.name, "b", b"second")
    clock.now += 1
    vault.put(owner.name, "c", b"third")
    assert _ephemeral(vault, owner, "a") != _ephemeral(vault, owner, "b")
    assert _ephemeral(vault, owner, "b") == _ephemeral(vault, owner, "c")
    assert open_envelope(vault.get(owner.name, "b"), owner.keys.private_key) == b"second"


def test_a_replaced_reader_key_is_wrapped_for_under_an_ephemeral_key_of_its_own(
    repository: VaultRepository, owner: Reader
) -> None:
    vault = _kept_vault(repository, Ticking(), owner)
    vault.put(owner.name, "a", b"first")
    new = VaultKeyPair.generate()
    vault.register_reader_key(owner.name, new.public_key)
    vault.put(owner.name, "b", b"second")
    assert _ephemeral(vault, owner, "a") != _ephemeral(vault, owner, "b")
    assert open_envelope(vault.get(owner.name, "b"), new.private_key) == b"second"
    with pytest.raises(WrongReaderKey):
        open_envelope(vault.get(owner.name, "b"), owner.keys.private_key)


def test_with_no_reuse_each_run_of_seals_has_its_own_ephemeral_key(
    repository: VaultRepository, owner: Reader
) -> None:
    vault = EvidenceVault(repository, wrappers=Wrappers(reuse=0))
    vault.register_reader_key(owner.name, owner.keys.public_key)
    keys = vault.reader_keys()
    together = [vault.seal(owner.name, d, b"x", keys=keys) for d in ("a", "b")]
    alone = vault.seal(owner.name, "c", b"x", keys=vault.reader_keys())
    (a,), (b,), (c,) = (s.grants for s in (*together, alone))
    assert a.wrapped_key[1:33] == b.wrapped_key[1:33] != c.wrapped_key[1:33]


def test_a_negative_reuse_window_is_refused() -> None:
    with pytest.raises(ValueError, match="reuse must be 0 or more seconds, got -1"):
        Wrappers(reuse=-1)


def test_many_documents_are_read_at_once_only_where_the_reader_has_a_grant(
    vault: EvidenceVault, owner: Reader, partner: Reader, stranger: Reader
) -> None:
    vault.put(owner.name, "shared", b"one", readers=[partner.name])
    vault.put(owner.name, "private", b"two")
    asked = ["shared", "private", "never-stored"]
    assert vault.readable(partner.name, asked) == {"shared"}
    assert vault.readable(owner.name, asked) == {"shared", "private"}
    assert vault.readable(stranger.name, asked) == set()
    assert vault.readable(owner.name, []) == set()
    many = vault.get_many(owner.name, asked)
    assert sorted(many) == ["private", "shared"]
    for document_id, envelope in many.items():
        assert envelope == vault.get(owner.name, document_id)  # what get gives, field by field
    assert list(vault.get_many(partner.name, asked)) == ["shared"]
    assert vault.get_many(stranger.name, asked) == {} and vault.get_many(owner.name, []) == {}


def test_an_opener_opens_many_envelopes_with_one_exchange_per_ephemeral_key(
    repository: VaultRepository, owner: Reader, partner: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Ticking()
    vault = _kept_vault(repository, clock, owner, partner)
    vault.put(owner.name, "a", b"first", readers=[partner.name])
    vault.put(owner.name, "b", b"second")
    clock.now += 61  # a new ephemeral pair for the owner
    vault.put(owner.name, "c", b"third")
    exchanges: list[bytes] = []
    real = crypto._exchange

    def counted(private: object, public: bytes) -> bytes:
        exchanges.append(public)
        return real(private, public)  # type: ignore[arg-type]

    monkeypatch.setattr(crypto, "_exchange", counted)
    opener = EnvelopeOpener(owner.keys.private_key)
    opened = [opener.open(vault.get(owner.name, d)) for d in ("a", "b", "c", "a")]
    assert opened == [b"first", b"second", b"third", b"first"]
    assert len(exchanges) == 2 and exchanges[0] != exchanges[1]
    with pytest.raises(WrongReaderKey):
        opener.open(vault.get(partner.name, "a"))
    swapped = dataclasses.replace(
        vault.get(owner.name, "b"), wrapped_key=vault.get(owner.name, "a").wrapped_key
    )
    with pytest.raises(EnvelopeAuthenticationFailed):  # a kept exchange still binds the document
        opener.open(swapped)


def test_an_opener_keeps_a_bounded_number_of_exchanges(owner: Reader) -> None:
    unwrapper = crypto.KeyUnwrapper(owner.keys.private_key)
    aad = crypto.associated_data("d", owner.name)
    key = b"k" * crypto.DATA_KEY_SIZE
    for _ in range(crypto.KeyUnwrapper.KEPT + 5):
        wrapped = crypto.wrap_data_key(key, owner.keys.public_key, aad)
        assert unwrapper.unwrap(wrapped, aad, document_id="d") == key
    assert len(unwrapper._shared) == crypto.KeyUnwrapper.KEPT
