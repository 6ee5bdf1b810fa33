"""The pure constructions: AES-256-GCM documents, X25519/HKDF key wraps, key serialisation."""

from __future__ import annotations

import pytest

from carbonledger.vault import (
    EnvelopeAuthenticationFailed,
    InvalidKey,
    InvalidWrappedKey,
    VaultKeyPair,
    crypto,
    generate_keypair,
    key_to_hex,
    private_key_from_hex,
    public_key_from_hex,
    public_key_of,
)

AAD = crypto.associated_data("claim-1/invoice.pdf", "0xOwner")


def test_a_document_round_trips_under_its_data_key() -> None:
    key = crypto.new_data_key()
    sealed = crypto.encrypt_document(key, b"diesel 1200 L", AAD)
    assert crypto.decrypt_document(key, sealed, AAD, document_id="d") == b"diesel 1200 L"


def test_every_encryption_uses_a_fresh_nonce_and_every_document_a_fresh_key() -> None:
    keys = {crypto.new_data_key() for _ in range(50)}
    key = crypto.new_data_key()
    nonces = {crypto.encrypt_document(key, b"same", AAD).nonce for _ in range(50)}
    assert len(keys) == 50 and all(len(k) == 32 for k in keys)
    assert len(nonces) == 50 and all(len(n) == 12 for n in nonces)


def test_a_flipped_ciphertext_bit_fails_authentication() -> None:
    key = crypto.new_data_key()
    sealed = crypto.encrypt_document(key, b"evidence", AAD)
    tampered = crypto.Sealed(
        sealed.nonce, bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]
    )
    with pytest.raises(EnvelopeAuthenticationFailed, match="failed authentication"):
        crypto.decrypt_document(key, tampered, AAD, document_id="d")


@pytest.mark.parametrize(
    ("document_id", "owner"),
    [
        ("claim-2/invoice.pdf", "0xOwner"),
        ("claim-1/invoice.pdf", "0xOther"),
        ("claim-1/", "invoice.pdf0xOwner"),
    ],
)
def test_a_ciphertext_moved_to_another_document_or_owner_fails_authentication(
    document_id: str, owner: str
) -> None:
    key = crypto.new_data_key()
    sealed = crypto.encrypt_document(key, b"evidence", AAD)
    with pytest.raises(EnvelopeAuthenticationFailed):
        crypto.decrypt_document(
            key, sealed, crypto.associated_data(document_id, owner), document_id=document_id
        )


def test_associated_data_is_length_prefixed_so_boundaries_cannot_shift() -> None:
    assert crypto.associated_data("ab", "c") != crypto.associated_data("a", "bc")


def test_a_wrapped_key_opens_only_with_the_recipients_private_key() -> None:
    recipient, other = generate_keypair(), generate_keypair()
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap_data_key(data_key, recipient.public_key, AAD)
    assert len(wrapped) == crypto.WRAPPED_KEY_SIZE == 93
    assert crypto.unwrap_data_key(wrapped, recipient.private_key, AAD, document_id="d") == data_key
    with pytest.raises(EnvelopeAuthenticationFailed, match="wrapped data key"):
        crypto.unwrap_data_key(wrapped, other.private_key, AAD, document_id="d")


def test_each_wrap_uses_a_fresh_ephemeral_key_and_nonce() -> None:
    recipient = generate_keypair()
    data_key = crypto.new_data_key()
    wraps = [crypto.wrap_data_key(data_key, recipient.public_key, AAD) for _ in range(20)]
    assert len({w[1:33] for w in wraps}) == 20
    assert len({w[33:45] for w in wraps}) == 20


def test_wraps_made_together_share_an_ephemeral_key_yet_each_opens_only_its_document() -> None:
    recipient = generate_keypair()
    wrapper = crypto.KeyWrapper(recipient.public_key)
    ads = [crypto.associated_data(f"claim-{i}", "0xOwner") for i in range(5)]
    keys = [crypto.new_data_key() for _ in ads]
    wraps = [wrapper.wrap(k, ad) for k, ad in zip(keys, ads, strict=True)]
    assert len({w[1:33] for w in wraps}) == 1  # one X25519 exchange for the run
    assert len({w[33:45] for w in wraps}) == 5  # each its own nonce
    for wrapped, key, ad in zip(wraps, keys, ads, strict=True):
        assert crypto.unwrap_data_key(wrapped, recipient.private_key, ad, document_id="d") == key
    with pytest.raises(EnvelopeAuthenticationFailed):  # moved to another document of the run
        crypto.unwrap_data_key(wraps[0], recipient.private_key, ads[1], document_id="d")
    assert crypto.KeyWrapper(recipient.public_key).ephemeral_public != wrapper.ephemeral_public


def test_a_wrapped_key_is_bound_to_its_document() -> None:
    recipient = generate_keypair()
    wrapped = crypto.wrap_data_key(crypto.new_data_key(), recipient.public_key, AAD)
    other = crypto.associated_data("claim-9/other.pdf", "0xOwner")
    with pytest.raises(EnvelopeAuthenticationFailed):
        crypto.unwrap_data_key(wrapped, recipient.private_key, other, document_id="d")


@pytest.mark.parametrize("position", [0, 1, 40, 60, 92])
def test_any_altered_byte_of_a_wrapped_key_is_refused(position: int) -> None:
    recipient = generate_keypair()
    wrapped = bytearray(crypto.wrap_data_key(crypto.new_data_key(), recipient.public_key, AAD))
    wrapped[position] ^= 0x01
    with pytest.raises((EnvelopeAuthenticationFailed, InvalidWrappedKey)):
        crypto.unwrap_data_key(bytes(wrapped), recipient.private_key, AAD, document_id="d")


def test_a_wrapped_key_of_the_wrong_size_or_version_is_malformed() -> None:
    with pytest.raises(InvalidWrappedKey, match="93 bytes"):
        crypto.check_wrapped_key(b"\x01" * 10)
    with pytest.raises(InvalidWrappedKey, match="version 2"):
        crypto.check_wrapped_key(b"\x02" + b"\x00" * 92)


def test_a_small_order_public_key_is_refused() -> None:
    with pytest.raises(InvalidKey, match="small-order"):
        crypto.wrap_data_key(crypto.new_data_key(), b"\x00" * 32, AAD)
    with pytest.raises(InvalidKey, match="small-order"):
        public_key_from_hex("01" + "00" * 31)


def test_key_pairs_serialise_as_raw_32_byte_hex_and_back() -> None:
    pair = VaultKeyPair.generate()
    assert len(pair.private_hex) == len(pair.public_hex) == 64
    assert VaultKeyPair.from_private_hex(pair.private_hex) == pair
    assert VaultKeyPair.from_private_hex("0x" + pair.private_hex.upper()) == pair
    assert (
        public_key_from_hex(pair.public_hex) == pair.public_key == public_key_of(pair.private_key)
    )
    assert private_key_from_hex(key_to_hex(pair.private_key)) == pair.private_key


def test_a_key_pair_never_shows_its_private_half_in_repr() -> None:
    pair = VaultKeyPair.generate()
    assert pair.private_hex not in repr(pair)
    assert "private_key" not in repr(pair)


@pytest.mark.parametrize(("text", "reason"), [("zz" * 32, "not hex"), ("ab" * 31, "32 bytes")])
def test_malformed_hex_keys_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidKey, match=reason):
        public_key_from_hex(text)
    with pytest.raises(InvalidKey, match=reason):
        private_key_from_hex(text)
