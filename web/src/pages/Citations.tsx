// A reduction claim that counts a settlement's allocation cites it: the firm signs, beside
// the claim, an EIP-712 `Citation` (OverlapSettlement domain, types from GET /chain) of its
// allocation by this claim id, as the CLI's `claim submit` does. The chain then holds which
// claim counted each allocation, so no allocation is counted twice.
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, ok, type ChainInfo } from "../api/client";
import { signStruct, type MemberSigner } from "../signing";
import { kg, short } from "../format";

type Cited = { settlement_id: string; allocated_kgco2e?: string; claimed_kgco2e?: string };

/** The settlements a reduction document cites (none for a footprint or unparsable text). */
export function citedSettlements(text: string): Cited[] {
  try {
    const doc = JSON.parse(text) as { settlements?: Cited[] };
    const seen = new Set<string>();
    return (doc.settlements ?? []).filter((s) => {
      const id = String(s.settlement_id).toLowerCase();
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  } catch {
    return [];
  }
}

async function allocationsOf(cited: Cited[]): Promise<Record<string, number>> {
  if (!cited.length) return {};
  const found = await ok(api.GET("/settlements/allocations", { params: { query: { settlement_id: cited.map((c) => c.settlement_id) } } }));
  return Object.fromEntries(Object.entries(found.allocations).map(([k, v]) => [k.toLowerCase(), Number(v)]));
}

/** Sign one Citation per cited settlement the ledger allocated to this firm (nonces in a row). */
export async function signCitations(
  signer: MemberSigner,
  chain: ChainInfo,
  firm: string,
  claimId: string,
  cited: Cited[],
  deadline: number,
) {
  const allocations = await allocationsOf(cited);
  const allocated = cited.filter((c) => c.settlement_id.toLowerCase() in allocations);
  if (!allocated.length) return [];
  const { nonce: first } = await ok(api.GET("/settlements/nonce"));
  const out = [];
  for (const [i, c] of allocated.entries()) {
    const nonce = first + i;
    const message = { settlementId: c.settlement_id, party: firm, claimId, nonce, deadline };
    const signature = await signStruct(signer, chain, "OverlapSettlement", "Citation", message);
    out.push({ settlement_id: c.settlement_id, nonce, deadline, signature });
  }
  return out;
}

/** What the reduction cites, against what the ledger allocated to this firm. */
export function Citations({ cited }: { cited: Cited[] }) {
  const [allocations, setAllocations] = useState<Record<string, number> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = cited.map((c) => c.settlement_id).join();
  useEffect(() => {
    allocationsOf(ids.split(",").map((settlement_id) => ({ settlement_id })))
      .then(setAllocations)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [ids]);
  return (
    <div data-testid="citations">
      <h3>Settlements this reduction cites</h3>
      {error && <p className="bad">{error}</p>}
      <ul>
        {cited.map((c) => {
          const mine = allocations?.[c.settlement_id.toLowerCase()];
          return (
            <li key={c.settlement_id}>
              <Link to={`/settlements/${c.settlement_id}`}>{short(c.settlement_id)}</Link>: claims {kg(c.claimed_kgco2e)} of{" "}
              {kg(c.allocated_kgco2e)} declared;{" "}
              {allocations === null
                ? "reading the ledger's allocation…"
                : mine === undefined
                  ? "no allocation to you on the ledger (not cited)"
                  : `the ledger allocated you ${kg(mine)}: you sign a citation of it with the claim`}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
