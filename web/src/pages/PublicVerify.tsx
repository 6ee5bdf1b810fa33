import { useEffect, useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router-dom";
import QRCode from "qrcode";
import { api, ok, type PublicClaim } from "../api/client";
import { documentHash } from "../documents";
import { ClaimIdentity } from "../components/ClaimFacts";
import { Badge, ErrorBox, Field } from "../components/Status";
import { useAction } from "../action";
import { kg, short } from "../format";
import { VerifyFootprint } from "./VerifyFootprint";

export function PublicVerify() {
  const { claimId } = useParams();
  const navigate = useNavigate();
  const [input, setInput] = useState(claimId ?? "");
  const [claim, setClaim] = useState<PublicClaim | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [verdict, setVerdict] = useState<{ name: string; hash: string; match: boolean } | null>(null);
  const { error, setError, run } = useAction();

  useEffect(() => {
    setClaim(null);
    setVerdict(null);
    setError(null);
    if (!claimId) return;
    ok(api.GET("/public/claims/{claim_id}", { params: { path: { claim_id: claimId } } }))
      .then(setClaim)
      .catch(setError);
    QRCode.toDataURL(window.location.href, { margin: 1, width: 160 }).then(setQr).catch(() => setQr(null));
  }, [claimId]);

  function lookUp(event: FormEvent) {
    event.preventDefault();
    const id = input.trim().match(/0x[0-9a-fA-F]{64}/)?.[0];
    if (!id) return setError(new Error("a claim id is 0x followed by 64 hex digits (or paste the link)"));
    navigate(`/verify/${id}`);
  }

  async function check(file: File | undefined) {
    if (!file || !claim) return;
    await run(
      null,
      async () => {
        const hash = documentHash(await file.text());
        setVerdict({ name: file.name, hash, match: hash.toLowerCase() === claim.document_hash.toLowerCase() });
      },
      (e) => {
        setVerdict(null);
        return new Error(`${file.name} is not a JSON claim document (${e instanceof Error ? e.message : e})`);
      },
    );
  }

  const t = claim?.totals_kgco2e;
  return (
    <section>
      <h1>Verify a claim</h1>
      <p>What the ledger's chain records about a footprint — no account needed, and nothing taken from the firm on trust.</p>
      <form onSubmit={lookUp} className="row">
        <Field label="Claim id or link">
          <input value={input} onChange={(e) => setInput(e.target.value)} placeholder="0x…" size={70} />
        </Field>
        <button type="submit">Look up</button>
      </form>
      <ErrorBox error={error} />
      {claim && t && (
        <div className="grid2">
          <div className="card" data-testid="public-claim">
            <h2>
              {claim.firm_name ?? claim.firm} <Badge value={claim.status} />
            </h2>
            <dl className="facts">
              <ClaimIdentity claim={claim} />
              <dt>Scope 1</dt>
              <dd>{kg(t.scope1)}</dd>
              <dt>Scope 2 (market / location)</dt>
              <dd>{kg(t.scope2_market)} / {kg(t.scope2_location)}</dd>
              <dt>Scope 3</dt>
              <dd>{kg(t.scope3)}</dd>
              <dt>Gross total</dt>
              <dd data-testid="gross">{kg((t.scope1 ?? 0) + (t.scope2_market ?? 0) + (t.scope3 ?? 0))}</dd>
              <dt>Standard version</dt>
              <dd>{claim.standard_version}</dd>
              <dt>Check</dt>
              <dd><Badge value={claim.check} /></dd>
              <dt>Audit</dt>
              <dd><Badge value={claim.audit} /></dd>
              <dt>Transaction</dt>
              <dd><code title={claim.tx_hash}>{short(claim.tx_hash)}</code> · block {claim.block_number} · chain {claim.chain_id}</dd>
              <dt>Document hash</dt>
              <dd><code>{claim.document_hash}</code></dd>
            </dl>
          </div>
          <div className="card">
            <h2>Check a document</h2>
            <p>Drop the document the firm gave you: its hash is computed in this page and compared with the one on chain.</p>
            <Field label="Claim document (JSON)">
              <input type="file" accept=".json,application/json" data-testid="public-file" onChange={(e) => check(e.target.files?.[0])} />
            </Field>
            {verdict && (
              <p role="status" data-testid="public-verdict" className={verdict.match ? "good" : "bad"}>
                {verdict.match
                  ? `✔ ${verdict.name} is the document on chain (hash ${short(verdict.hash)}).`
                  : `✖ ${verdict.name} is NOT the document on chain: its hash is ${short(verdict.hash)}, the chain holds ${short(claim.document_hash)}.`}
              </p>
            )}
            {qr && (
              <figure>
                <img src={qr} alt="QR code of this verification page" width={160} height={160} />
                <figcaption className="muted">Print this on a report or a label.</figcaption>
              </figure>
            )}
          </div>
        </div>
      )}
      <VerifyFootprint />
    </section>
  );
}
