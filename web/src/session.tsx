// The signed-in member: its signer (key in this page's memory, or a wallet), its bearer
// token and roles, the ledger's /chain, and its vault key. Nothing is written to storage:
// closing or reloading the tab signs out.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api, ok, setToken, type ChainInfo } from "./api/client";
import type { MemberSigner } from "./signing";
import { vaultKeyFromPrivateKey, vaultKeyFromSignature, WALLET_VAULT_TEXT, type VaultKey } from "./vault";

export type Session = {
  signer: MemberSigner;
  address: string;
  roles: string[];
  token: string;
  vault: VaultKey;
};

type Ctx = {
  chain: ChainInfo | null;
  session: Session | null;
  signIn(signer: MemberSigner): Promise<Session>;
  signOut(): void;
};

const SessionContext = createContext<Ctx | null>(null);

export function useLedger(): Ctx {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error("SessionProvider missing");
  return ctx;
}

/** The session, for pages that need one (the router only shows them when signed in). */
export function useSession(): Session & { chain: ChainInfo } {
  const { session, chain } = useLedger();
  if (!session || !chain) throw new Error("not signed in");
  return { ...session, chain };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [chain, setChain] = useState<ChainInfo | null>(null);
  const [session, setSession] = useState<Session | null>(null);

  useEffect(() => {
    ok(api.GET("/chain")).then(setChain).catch(() => setChain(null));
  }, []);

  async function signIn(signer: MemberSigner): Promise<Session> {
    // the login challenge is EIP-712 typed data the service issues for this key
    const challenge = await ok(api.POST("/auth/challenge", { body: { member: signer.address } }));
    const typed = challenge.typedData as {
      domain: Record<string, unknown>;
      types: Record<string, { name: string; type: string }[]>;
      message: Record<string, unknown>;
    };
    const { EIP712Domain: _, ...types } = typed.types;
    const signature = await signer.signTypedData(typed.domain, types, typed.message);
    const token = await ok(
      api.POST("/auth/token", {
        body: { member: challenge.member, nonce: challenge.nonce, expiresAt: challenge.expiresAt, signature },
      }),
    );
    setToken(token.access_token);
    const vault = signer.privateKey
      ? vaultKeyFromPrivateKey(signer.privateKey)
      : vaultKeyFromSignature(await signer.signMessage(WALLET_VAULT_TEXT));
    // documents are sealed for the firm's registered vault key (as `claim submit` does)
    await ok(api.PUT("/members/me/vault-key", { body: { public_key: vault.publicHex } }));
    const next: Session = { signer, address: token.account, roles: token.roles, token: token.access_token, vault };
    setSession(next);
    if (!chain) setChain(await ok(api.GET("/chain")));
    return next;
  }

  function signOut() {
    setToken(null);
    setSession(null);
  }

  return <SessionContext.Provider value={{ chain, session, signIn, signOut }}>{children}</SessionContext.Provider>;
}
