// Signing in the browser. The member's key is either decrypted here from its keystore
// (ethers' Wallet, in this page's memory only) or held by an injected EIP-1193 wallet
// (ethers' BrowserProvider: eth_signTypedData_v4). Nothing here sends a key anywhere: only
// signatures leave the page.
//
// The EIP-712 types and domains come from GET /chain (`eip712_types`,
// `claim_ledger_domain`, `overlap_settlement_domain`), which the service builds from the
// same definitions it verifies with: the page holds no copy of any struct.
import { BrowserProvider, TypedDataEncoder, Wallet, type TransactionRequest, type TypedDataField } from "ethers";
import type { ChainInfo } from "./api/client";

export type Domain = Record<string, unknown>;
export type Types = Record<string, TypedDataField[]>;

/** What signs for the signed-in member. */
export interface MemberSigner {
  address: string;
  /** "keystore" (key decrypted in this page) or "wallet" (an injected EIP-1193 wallet). */
  kind: "keystore" | "wallet";
  signTypedData(domain: Domain, types: Types, message: Record<string, unknown>): Promise<string>;
  /** The raw key, only for a keystore: the vault key is derived from it, in this page. */
  privateKey?: string;
  /** A message signature (wallets: the vault key is derived from one). */
  signMessage(message: string): Promise<string>;
  /** Sign a transaction from the member's own account (an admin's proposal or approval):
   * the raw signed bytes, which the service only broadcasts. */
  signTransaction(tx: TransactionRequest): Promise<string>;
}

/** A keystore's AES-128-CTR IV as 16 bytes: keystores written by eth-account (so by
 * `carbonledger key new` before 2026-12) dropped a leading zero byte of it, one in 256;
 * eth-account reads such an IV as the same counter, ethers refuses anything but 16 bytes. */
export function withFullIv(json: string): string {
  let parsed: { crypto?: { cipherparams?: { iv?: unknown } } };
  try {
    parsed = JSON.parse(json);
  } catch {
    return json; // ethers says what is wrong with it
  }
  const params = parsed?.crypto?.cipherparams;
  if (!params || typeof params.iv !== "string" || !/^[0-9a-fA-F]{1,31}$/.test(params.iv)) return json;
  params.iv = params.iv.padStart(32, "0");
  return JSON.stringify(parsed);
}

export async function keystoreSigner(json: string, password: string): Promise<MemberSigner> {
  const wallet = await Wallet.fromEncryptedJson(withFullIv(json), password);
  return {
    address: wallet.address,
    kind: "keystore",
    privateKey: wallet.privateKey,
    signTypedData: (domain, types, message) => wallet.signTypedData(domain, types, message),
    signMessage: (message) => wallet.signMessage(message),
    signTransaction: (tx) => wallet.signTransaction(tx),
  };
}

type Eip1193 = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

export function injectedWallet(): Eip1193 | undefined {
  return (window as unknown as { ethereum?: Eip1193 }).ethereum;
}

export async function walletSigner(): Promise<MemberSigner> {
  const ethereum = injectedWallet();
  if (!ethereum) throw new Error("no browser wallet found (window.ethereum)");
  const provider = new BrowserProvider(ethereum);
  const signer = await provider.getSigner();
  const address = await signer.getAddress();
  return {
    address,
    kind: "wallet",
    // ethers sends eth_signTypedData_v4 with the EIP712Domain type added from the domain
    signTypedData: (domain, types, message) => signer.signTypedData(domain, types, message),
    signMessage: (message) => signer.signMessage(message),
    // eth_signTransaction: wallets that only send (MetaMask) refuse it, and say so
    signTransaction: (tx) => signer.signTransaction(tx),
  };
}

/** The types `primary` needs, from a full set (ethers refuses unused types). */
export function typesFor(all: Types, primary: string): Types {
  const out: Types = {};
  const visit = (name: string) => {
    if (out[name] || !all[name]) return;
    out[name] = all[name];
    for (const field of all[name]) visit(field.type.replace(/\[\d*\]$/, ""));
  };
  visit(primary);
  if (!out[primary]) throw new Error(`GET /chain publishes no EIP-712 type ${primary}`);
  return out;
}

export type DomainName = "ClaimLedger" | "OverlapSettlement";

export function domainOf(chain: ChainInfo, which: DomainName): Domain {
  return (which === "ClaimLedger"
    ? chain.claim_ledger_domain
    : chain.overlap_settlement_domain) as Domain;
}

/** Sign `message` as `primary` in one of the ledger's domains, types from GET /chain. */
export function signStruct(
  signer: MemberSigner,
  chain: ChainInfo,
  which: DomainName,
  primary: string,
  message: Record<string, unknown>,
): Promise<string> {
  return signer.signTypedData(domainOf(chain, which), typesFor(chain.eip712_types as unknown as Types, primary), message);
}

/** The EIP-712 struct hash of `message` (a settlement's id is the hash of its Terms). */
export function structHash(chain: ChainInfo, primary: string, message: Record<string, unknown>): string {
  return TypedDataEncoder.from(typesFor(chain.eip712_types as unknown as Types, primary)).hash(message);
}

/** A signature deadline `days` from now (unix seconds). */
export function deadlineIn(days = 7): number {
  return Math.floor(Date.now() / 1000) + days * 24 * 3600;
}
