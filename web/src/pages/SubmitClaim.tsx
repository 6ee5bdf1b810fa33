import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, ok, type ClaimCheck, type ClaimOut } from "../api/client";
import { useSession } from "../session";
import { deadlineIn, signStruct } from "../signing";
import { documentHash } from "../documents";
import { Findings } from "../components/Findings";
import { Badge, BusyStatus, ErrorBox, Field } from "../components/Status";
import { notJson, useAction } from "../action";
import { kg, short } from "../format";
import { csvTemplate, documentFromCsv } from "../csvclaim";
import { Citations, citedSettlements, signCitations } from "./Citations";
import { SubmitMany } from "./SubmitMany";

type Source = { name: string; text: string };

export function SubmitClaim() {
  const { address, signer, chain } = useSession();
  const [source, setSource] = useState<Source | null>(null);
  const [checked, setChecked] = useState<ClaimCheck | null>(null);
  const [supersedes, setSupersedes] = useState("");
  const [result, setResult] = useState<ClaimOut | null>(null);
  const { busy, error, run } = useAction();
  const [csvMeta, setCsvMeta] = useState({ name: "", start: "", end: "" });
  const [many, setMany] = useState<File[] | null>(null);

  async function runCheck(next: Source) {
    setSource(next);
    setChecked(null);
    setResult(null);
    await run(
      "The service is checking the document (nothing is signed or stored)…",
      async () => {
        JSON.parse(next.text);
        const body = { document: next.text, ...(supersedes ? { supersedes } : {}) };
        setChecked(await ok(api.POST("/claims/check", { body })));
      },
      notJson(next.name),
    );
  }

  async function onFiles(files: File[]) {
    if (files.length > 1) {
      // several documents: checked, signed and sent together (SubmitMany)
      setSource(null);
      setChecked(null);
      setResult(null);
      setMany(files);
      return;
    }
    setMany(null);
    const file = files[0];
    if (!file) return;
    const text = await file.text();
    if (file.name.toLowerCase().endsWith(".csv")) {
      await run(null, async () => {
        const doc = documentFromCsv(text, { address, name: csvMeta.name || address, start: csvMeta.start, end: csvMeta.end, standard: chain.standard.version_id });
        await runCheck({ name: file.name, text: JSON.stringify(doc, null, 1) });
      });
      return;
    }
    await runCheck({ name: file.name, text });
  }

  async function signAndSubmit() {
    if (!source || !checked) return;
    await run(null, async (say) => {
      // what is signed is checked here first: the document hash is computed in this page
      const mine = documentHash(source.text);
      if (mine.toLowerCase() !== checked.document_hash.toLowerCase())
        throw new Error(`the service's document hash ${checked.document_hash} is not this document's (${mine}): not signing`);
      if ((checked.claim.firm as string).toLowerCase() !== address.toLowerCase())
        throw new Error("this document is not your firm's");
      say("Signing the claim in this page…");
      const { nonce } = await ok(api.GET("/members/{account}/nonce", { params: { path: { account: address } } }));
      const deadline = deadlineIn(7);
      const signature = await signStruct(signer, chain, "ClaimLedger", "Claim", { ...checked.claim, nonce, deadline });
      say("Submitting; the ledger anchors the claim and records its check…");
      // a reduction citing settlements: this firm's signed Citation of each allocation
      const citations = await signCitations(signer, chain, address, checked.claim_id, cited, deadline);
      const body = {
        document: source.text,
        signature,
        nonce,
        deadline,
        ...(supersedes ? { supersedes } : {}),
        ...(citations.length ? { citations } : {}),
      };
      setResult(await ok(api.POST("/claims", { body })));
    });
  }

  const templateHref = useMemo(() => URL.createObjectURL(new Blob([csvTemplate], { type: "text/csv" })), []);

  const totals = checked?.report.onchain_kgco2e as Record<string, number> | undefined;
  const cited = source ? citedSettlements(source.text) : [];
  return (
    <section>
      <h1>Submit a claim</h1>
      <p>
        Choose your claim document (JSON), or a CSV of activity lines. The service checks it against the standard first and
        shows what it finds; you sign only a claim that passes, in this page, with your own key. Choose several JSON documents
        to file them together: all are checked first, and signed and sent only if every one passes.
      </p>
      <div className="card">
        <Field label="Claim document (JSON) or activity lines (CSV)">
          <input
            type="file"
            multiple
            accept=".json,.csv,application/json,text/csv"
            data-testid="claim-file"
            onChange={(e) => onFiles(Array.from(e.target.files ?? []))}
          />
        </Field>
        <details>
          <summary>From a CSV of activity lines</summary>
          <p>
            <a href={templateHref} download="activity-lines-template.csv">
              Download the CSV template
            </a>{" "}
            — one activity line a row; empty cells are left out. Give the period and your firm's name, then choose the CSV above.
          </p>
          <div className="row">
            <Field label="Firm name">
              <input value={csvMeta.name} onChange={(e) => setCsvMeta({ ...csvMeta, name: e.target.value })} />
            </Field>
            <Field label="Period start">
              <input type="date" value={csvMeta.start} onChange={(e) => setCsvMeta({ ...csvMeta, start: e.target.value })} />
            </Field>
            <Field label="Period end">
              <input type="date" value={csvMeta.end} onChange={(e) => setCsvMeta({ ...csvMeta, end: e.target.value })} />
            </Field>
          </div>
        </details>
        {!many && (
          <Field label="Amends claim (optional)" hint="The id of your earlier claim this one replaces.">
            <input value={supersedes} placeholder="0x…" onChange={(e) => setSupersedes(e.target.value.trim())} />
          </Field>
        )}
      </div>
      <BusyStatus busy={busy} />
      <ErrorBox error={error} />
      {many && <SubmitMany files={many} />}
      {checked && source && (
        <div className="card" data-testid="check-result">
          <h2>
            Check of {source.name}: {checked.passed ? <span className="good">passed</span> : <span className="bad">failed</span>}
          </h2>
          {!checked.passed && (
            <p className="bad">
              Fix the document and choose it again. A claim that fails the check would be recorded as failed, so nothing is signed.
            </p>
          )}
          {totals && (
            <dl className="totals">
              <dt>Scope 1</dt>
              <dd>{kg(totals.scope1)}</dd>
              <dt>Scope 2 (market / location)</dt>
              <dd>
                {kg(totals.scope2_market)} / {kg(totals.scope2_location)}
              </dd>
              <dt>Scope 3</dt>
              <dd>{kg(totals.scope3)}</dd>
              <dt>Biogenic CO2 (apart)</dt>
              <dd>{kg(totals.biogenic_co2)}</dd>
            </dl>
          )}
          {cited.length > 0 && <Citations cited={cited} />}
          <Findings report={checked.report} rules={checked.rules} />
          {checked.passed && !result && (
            <>
              <p>
                You will sign claim <code>{short(checked.claim_id)}</code> of document <code>{short(checked.document_hash)}</code>{" "}
                (hash computed again in this page) with your {signer.kind === "wallet" ? "wallet" : "key"}.
              </p>
              <button type="button" onClick={signAndSubmit} disabled={busy !== null}>
                Sign and submit
              </button>
            </>
          )}
        </div>
      )}
      {result && (
        <div className="card" data-testid="submit-result">
          <h2>
            Submitted: <Badge value={result.state} />
          </h2>
          <p>
            Claim <Link to={`/claims/${result.claim_id}`}>{result.claim_id}</Link>
            {result.tx_hash && (
              <>
                {" "}
                anchored in transaction <code>{short(result.tx_hash)}</code>, block {result.block_number}
              </>
            )}
            {result.check_tx_hash && <>; check recorded in block {result.check_block_number}</>}.
          </p>
        </div>
      )}
    </section>
  );
}
