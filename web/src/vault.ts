// The member's vault key, derived and used in this page only, as the CLI does
// (backend/carbonledger/client.py vault_keypair and vault/crypto.py): X25519 seed =
// HKDF-SHA256(ikm = member private key, no salt, info "CarbonLedger vault X25519 v1").
// Documents come encrypted (AES-256-GCM) with their data key wrapped for the reader
// (X25519 + HKDF-SHA256 + AES-256-GCM); both are opened here.
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { gcm } from "@noble/ciphers/aes.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { getBytes, hexlify } from "ethers";

const enc = new TextEncoder();
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
};
const lp = (b: Uint8Array) => {
  const n = new Uint8Array(4);
  new DataView(n.buffer).setUint32(0, b.length);
  return concat(n, b);
};
const fromHex = (h: string) => getBytes(h.startsWith("0x") ? h : "0x" + h);

export type VaultKey = { secret: Uint8Array; publicHex: string };

/** The vault key of a member key (hex private key), as the CLI derives it. */
export function vaultKeyFromPrivateKey(privateKeyHex: string): VaultKey {
  const secret = hkdf(sha256, getBytes(privateKeyHex), undefined, enc.encode("CarbonLedger vault X25519 v1"), 32);
  return { secret, publicHex: hexlify(x25519.getPublicKey(secret)).slice(2) };
}

/** A wallet cannot give its key: the vault key is derived from its signature of a fixed
 * text (RFC 6979 signatures are deterministic, so the same wallet gets the same key). */
export function vaultKeyFromSignature(signatureHex: string): VaultKey {
  const secret = hkdf(sha256, getBytes(signatureHex), undefined, enc.encode("CarbonLedger vault X25519 v1 (wallet)"), 32);
  return { secret, publicHex: hexlify(x25519.getPublicKey(secret)).slice(2) };
}
export const WALLET_VAULT_TEXT = "CarbonLedger: derive my document vault key (v1). This signature is not a transaction.";

export type Envelope = {
  document_id: string;
  owner: string;
  reader_public_key: string;
  nonce: string;
  ciphertext: string;
  wrapped_key: string;
};

function associatedData(documentId: string, owner: string): Uint8Array {
  return concat(enc.encode("CarbonLedger vault v1 document"), new Uint8Array([0]), lp(enc.encode(documentId)), lp(enc.encode(owner)));
}

function kek(shared: Uint8Array, ephemeralPublic: Uint8Array, recipientPublic: Uint8Array, ad: Uint8Array) {
  const info = concat(enc.encode("CarbonLedger vault v1 key wrap"), new Uint8Array([0]), ephemeralPublic, recipientPublic, ad);
  return hkdf(sha256, shared, new Uint8Array(32), info, 32);
}

function unwrap(envelope: Envelope, key: VaultKey, ad: Uint8Array): Uint8Array {
  const wrapped = fromHex(envelope.wrapped_key);
  if (wrapped.length !== 93 || wrapped[0] !== 1) throw new Error("unknown wrapped-key format");
  const ephemeralPublic = wrapped.slice(1, 33);
  const nonce = wrapped.slice(33, 45);
  const recipientPublic = x25519.getPublicKey(key.secret);
  const shared = x25519.getSharedSecret(key.secret, ephemeralPublic);
  return gcm(kek(shared, ephemeralPublic, recipientPublic, ad), nonce, ad).decrypt(wrapped.slice(45));
}

/** The document of an envelope, opened with the reader's vault key. */
export function openEnvelope(envelope: Envelope, key: VaultKey): Uint8Array {
  const ad = associatedData(envelope.document_id, envelope.owner);
  const dataKey = unwrap(envelope, key, ad);
  return gcm(dataKey, fromHex(envelope.nonce), ad).decrypt(fromHex(envelope.ciphertext));
}

/** The envelope's data key wrapped for another reader's public key (a grant). */
export function wrapFor(envelope: Envelope, key: VaultKey, readerPublicHex: string): string {
  const ad = associatedData(envelope.document_id, envelope.owner);
  const dataKey = unwrap(envelope, key, ad);
  const readerPublic = fromHex(readerPublicHex);
  const ephemeral = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  const nonce = randomBytes(12);
  const body = gcm(kek(x25519.getSharedSecret(ephemeral, readerPublic), ephemeralPublic, readerPublic, ad), nonce, ad).encrypt(dataKey);
  return hexlify(concat(new Uint8Array([1]), ephemeralPublic, nonce, body)).slice(2);
}
