import { useCallback, useEffect, useState } from "react";
import { keccak256, toUtf8Bytes } from "ethers";
import { deadlineIn, signStruct } from "../signing";
import { Link, useParams } from "react-router-dom";
import { api, ok, type ClaimDetail } from "../api/client";
import { useSession } from "../session";
import { Findings } from "../components/Findings";
import { ClaimIdentity } from "../components/ClaimFacts";
import { Badge, ErrorBox, Field } from "../components/Status";
import { ScrollTable } from "../components/Table";
import { useAction } from "../action";
import { dateTime, kg, short } from "../format";
import { merkleProof, merkleRoot, leaf, verifyProof } from "../documents";
import { openEnvelope, type Envelope } from "../vault";
import { ShareDocument } from "./ShareDocument";
import { claimState } from "./FirmDashboard";

type Line = Record<string, unknown> & { id?: string };

export function ClaimPage() {
  const { claimId = "" } = useParams();
  const { vault, address, signer, chain } = useSession();
  const [reason, setReason] = useState("");
  const [claim, setClaim] = useState<ClaimDetail | null>(null);
  const [lines, setLines] = useState<Line[] | null>(null);
  const [envelope, setEnvelope] = useState<Envelope | null>(null);
  const [proofOf, setProofOf] = useState<number | null>(null);
  const { error, setError, run } = useAction();

  const load = useCallback(() => {
    ok(api.GET("/claims/{claim_id}", { params: { path: { claim_id: claimId } } })).then(setClaim).catch(setError);
  }, [claimId]);
  useEffect(load, [load]);

  async function revoke() {
    await run(null, async () => {
      const { nonce } = await ok(api.GET("/members/{account}/nonce", { params: { path: { account: address } } }));
      const deadline = deadlineIn(1);
      const message = { claimId, firm: address, reasonHash: keccak256(toUtf8Bytes(reason)), nonce, deadline };
      const signature = await signStruct(signer, chain, "ClaimLedger", "Revocation", message);
      await ok(api.POST("/claims/{claim_id}/revocation", { params: { path: { claim_id: claimId } }, body: { reason, nonce, deadline, signature } }));
      load();
    });
  }

  async function openDocument() {
    await run(null, async () => {
      const env = (await ok(api.GET("/claims/{claim_id}/document", { params: { path: { claim_id: claimId } } }))) as unknown as Envelope;
      const text = new TextDecoder().decode(openEnvelope(env, vault));
      setEnvelope(env);
      setLines((JSON.parse(text).lines ?? []) as Line[]);
    });
  }

  if (!claim) return error ? <ErrorBox error={error} /> : <p role="status">Loading…</p>;
  const report = claim.check.report as { totals?: Record<string, unknown>; onchain_kgco2e?: Record<string, number>; document?: { lines_root?: string } };
  const totals = report.onchain_kgco2e ?? {};
  const root = report.document?.lines_root ?? "";
  const mine = claim.firm.toLowerCase() === address.toLowerCase();
  return (
    <section>
      <h1>
        Claim <code>{short(claim.claim_id)}</code> <Badge value={claimState(claim)} />
      </h1>
      <p>
        <Link to={`/verify/${claim.claim_id}`}>Public verification page</Link>
      </p>
      <dl className="facts">
        <ClaimIdentity claim={claim} />
        <dt>On chain</dt>
        <dd data-testid="onchain">
          status <Badge value={claim.on_chain.status} /> · check <Badge value={claim.on_chain.check} /> · audit <Badge value={claim.on_chain.audit} />
        </dd>
        <dt>Anchored</dt>
        <dd>{claim.tx_hash ? <code title={claim.tx_hash}>{short(claim.tx_hash)} · block {claim.block_number}</code> : "not yet"}</dd>
        <dt>Check recorded</dt>
        <dd>{claim.check_tx_hash ? <code title={claim.check_tx_hash}>{short(claim.check_tx_hash)} · block {claim.check_block_number}</code> : "not yet"}</dd>
        <dt>Document hash</dt>
        <dd><code>{claim.document_hash}</code></dd>
        <dt>Accepted</dt>
        <dd>{dateTime(claim.accepted_at)}</dd>
      </dl>
      <h2>Totals</h2>
      <dl className="totals">
        <dt>Scope 1</dt>
        <dd>{kg(totals.scope1)}</dd>
        <dt>Scope 2 market / location</dt>
        <dd>{kg(totals.scope2_market)} / {kg(totals.scope2_location)}</dd>
        <dt>Scope 3</dt>
        <dd>{kg(totals.scope3)}</dd>
        <dt>Biogenic CO2</dt>
        <dd>{kg(totals.biogenic_co2)}</dd>
      </dl>
      <h2>Check report</h2>
      <Findings report={claim.check.report} />
      <h2>Lines and their Merkle proofs</h2>
      {lines === null ? (
        <button type="button" onClick={openDocument}>
          Open the document (decrypted in this page)
        </button>
      ) : (
        <>
          <p>
            Root of these lines, computed here: <code>{short(merkleRoot(lines))}</code>{" "}
            {merkleRoot(lines).toLowerCase() === root.toLowerCase() ? <span className="good">= the claim's activity root</span> : <span className="bad">≠ {short(root)}</span>}
          </p>
          <ScrollTable columns={["Line", "Activity", "Scope", "Declared", "Proof"]}>
            {lines.map((line, i) => (
              <tr key={i}>
                <td>{String(line.id ?? i)}</td>
                <td>{String(line.activity ?? "")}</td>
                <td>{String(line.scope ?? "")}{line.category ? ` · cat. ${line.category}` : ""}</td>
                <td className="num">{kg(line.declared_kgco2e as string)}</td>
                <td>
                  <button type="button" onClick={() => setProofOf(i)}>
                    Proof of {String(line.id ?? i)}
                  </button>
                </td>
              </tr>
            ))}
          </ScrollTable>
          {proofOf !== null && (
            <div className="card" data-testid="proof">
              <h3>Merkle proof of line {String(lines[proofOf].id ?? proofOf)}</h3>
              <p>Leaf: <code>{leaf(lines[proofOf])}</code></p>
              <ol>
                {merkleProof(lines, proofOf).map((h) => (
                  <li key={h}><code>{h}</code></li>
                ))}
              </ol>
              <p>
                {verifyProof(merkleProof(lines, proofOf), root, leaf(lines[proofOf])) ? (
                  <span className="good">The proof leads to the activity root on chain.</span>
                ) : (
                  <span className="bad">The proof does not lead to the activity root.</span>
                )}
              </p>
            </div>
          )}
          {mine && envelope && <ShareDocument claimId={claimId} envelope={envelope} vault={vault} owner={address} />}
        </>
      )}
      <ErrorBox error={error} />
      {mine && claim.on_chain.status === "active" && (
        <div className="card">
          <h2>Revoke</h2>
          <p>
            A revoked claim stays on the ledger, marked revoked. To correct a claim instead, submit the corrected document as an
            amendment (it supersedes this one).
          </p>
          <Field label="Reason for revoking">
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <button type="button" onClick={revoke}>
            Sign and revoke this claim
          </button>
        </div>
      )}
      <h2>History</h2>
      <ol className="history">
        {claim.history.map((e) => (
          <li key={`${e.tx_hash}-${e.log_index}`}>
            <strong>{e.event}</strong> ({e.contract}) · block {e.block_number} · <code title={e.tx_hash}>{short(e.tx_hash)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
