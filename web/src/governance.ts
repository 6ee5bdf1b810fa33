// An admin's proposals and approvals are transactions from the admin's OWN account (as the
// CLI's `member` and `standard publish/approve` send them). The service encodes and prices
// each one (and refuses up front what the chain would refuse), the page signs it with the key
// it holds, and the service only broadcasts the signed bytes: the key never leaves the page.
import { api, ok, type Schemas } from "./api/client";
import type { MemberSigner } from "./signing";

type ActionIn = Schemas["AdminActionIn"];
/** An action as the panels ask for it (the fields the service defaults may be left out). */
export type AdminAction = Omit<ActionIn, "registry" | "roles"> & Partial<Pick<ActionIn, "registry" | "roles">>;
export type Relayed = Schemas["RelayedOut"];
export type Governance = Schemas["GovernanceOut"];
export type Proposal = Schemas["ProposalOut"];

async function signAndRelay(signer: MemberSigner, action: AdminAction): Promise<Relayed> {
  const body: ActionIn = { registry: "members", roles: [], ...action };
  const tx = await ok(api.POST("/governance/transactions/unsigned", { body }));
  if (tx.sender.toLowerCase() !== signer.address.toLowerCase()) {
    throw new Error(`the transaction would be sent from ${tx.sender}, not from this key ${signer.address}`);
  }
  const raw = await signer.signTransaction({
    type: 0,
    chainId: tx.chain_id,
    to: tx.to,
    data: tx.data,
    nonce: tx.nonce,
    gasLimit: tx.gas,
    gasPrice: tx.gas_price,
    value: tx.value,
  });
  return ok(api.POST("/governance/transactions", { body: { raw } }));
}

/** Propose or approve; a MemberRegistry proposal that reached its quorum is executed too
 * (the CLI does the same: with quorum 1 a proposal takes effect at once). */
export async function act(signer: MemberSigner, action: AdminAction): Promise<Relayed> {
  const done = await signAndRelay(signer, action);
  if (done.ready_to_execute && done.proposal_id) {
    return signAndRelay(signer, { action: "execute", registry: "members", proposal_id: done.proposal_id });
  }
  return done;
}

/** What a proposal would do, in words. */
export function describe(p: Proposal, nameOf: (account: string) => string): string {
  switch (p.action) {
    case "admit":
      return `admit ${p.name ?? ""} (${p.roles.join(", ")})`;
    case "set_roles":
      return `roles of ${nameOf(p.account ?? "")} → ${p.roles.join(", ")}`;
    case "set_quorum":
      return `admin quorum → ${p.quorum}`;
    case "publish":
      return `publish standard ${p.standard_version_id ?? p.content_hash}`;
    case "retire":
      return `retire standard version ${p.onchain_version}`;
    default:
      return `${p.action} ${nameOf(p.account ?? "")}`;
  }
}
