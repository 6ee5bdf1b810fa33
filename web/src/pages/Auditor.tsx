import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { allMembers, api, ok, type ClaimVerification, type MemberOut, type VerifyAnswer } from "../api/client";
import { useSession } from "../session";
import { signStruct } from "../signing";
import { Badge, BusyStatus, ErrorBox, Field } from "../components/Status";
import { Pager } from "../components/Pager";
import { useAction } from "../action";
import { short } from "../format";
import { download } from "../download";

type Typed = { domain: Record<string, unknown>; message: Record<string, unknown>; primaryType: string };

/** Claims per page of a verification (a firm filing per shipment has thousands, each a card). */
export const CLAIMS_PAGE = 20;
/** Verdicts per ``POST /audits/batch`` (its limit). */
export const VERDICTS_PER_REQUEST = 200;

export function Auditor() {
  const { signer, chain, address } = useSession();
  const [firms, setFirms] = useState<MemberOut[]>([]);
  const [firm, setFirm] = useState("");
  const [answer, setAnswer] = useState<VerifyAnswer | null>(null);
  const [recorded, setRecorded] = useState<Record<string, string>>({});
  const [failingOnly, setFailingOnly] = useState(false);
  const [page, setPage] = useState(1);
  const [sample, setSample] = useState(""); // empty: the firm's whole history
  const [seed, setSeed] = useState(""); // empty: the service draws a new one
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    allMembers()
      .then((all) => {
        const list = all.filter((m) => m.roles.includes("firm"));
        setFirms(list);
        if (list[0]) setFirm(list[0].account);
      })
      .catch(setError);
  }, []);

  async function verify() {
    setAnswer(null);
    await run("Running the independent verification over the firm's history…", async () => {
      const found = await ok(api.POST("/audits/verify", { body: { firm, ...scope() } }));
      if (found.sample) setSeed(found.sample.seed); // the report and the next run draw the same
      setFailingOnly(found.claims.some((c) => !c.ok)); // the failures first, when there are any
      setPage(1);
      setRecorded({}); // the chain's verdicts are in the answer now (`audit`)
      setAnswer(found);
    });
  }

  /** This auditor's next ClaimLedger nonce now. A verification's verdicts all carry the one
   * it had when it ran, used up by the first verdict recorded. */
  async function nextNonce(): Promise<number> {
    const { nonce } = await ok(api.GET("/members/{account}/nonce", { params: { path: { account: address } } }));
    return nonce;
  }

  /** A verdict the service proposed (``typed``), signed in this page with ``nonce``: the body
   * of ``POST /audits``, an item of ``POST /audits/batch``. The types and the domain are /chain's. */
  async function signedVerdict(claimId: string, typed: Typed, nonce: number) {
    if (JSON.stringify(typed.domain) !== JSON.stringify(chain.claim_ledger_domain)) throw new Error("the verdict's domain is not this ledger's");
    const m: Record<string, unknown> = { ...typed.message, nonce };
    const signature = await signStruct(signer, chain, "ClaimLedger", "Audit", m);
    const verdict: "approved" | "rejected" = Number(m.verdict) === 1 ? "approved" : "rejected";
    return { claim_id: claimId, verdict, report_hash: m.reportHash as string, nonce, deadline: Number(m.deadline), signature };
  }

  async function signVerdict(claimId: string, typed: Typed) {
    await run("Signing the verdict in this page…", async () => {
      const body = await signedVerdict(claimId, typed, await nextNonce());
      const out = await ok(api.POST("/audits", { body }));
      setRecorded({ ...recorded, [claimId]: `${body.verdict} · block ${out.block_number}` });
    });
  }

  /** Approve ``claims`` (verified, no verdict yet): one signature each, with the auditor's next
   * nonces in order, recorded {@link VERDICTS_PER_REQUEST} a request (each request's verdicts
   * sent to the chain together); the ones recorded stay marked if a later request fails. */
  async function approve(claims: ClaimVerification[]) {
    await run(`Signing ${claims.length} verdicts in this page…`, async (say) => {
      const now = { ...recorded };
      try {
        for (let start = 0; start < claims.length; start += VERDICTS_PER_REQUEST) {
          const part = claims.slice(start, start + VERDICTS_PER_REQUEST);
          say(`Signing verdicts ${start + 1}–${start + part.length} of ${claims.length} in this page…`);
          const first = await nextNonce();
          const verdicts = [];
          for (const [i, c] of part.entries()) verdicts.push(await signedVerdict(c.claim_id, c.verdict_to_sign as Typed, first + i));
          say(`Recording verdicts ${start + 1}–${start + part.length} of ${claims.length} on chain…`);
          const out = await ok(api.POST("/audits/batch", { body: { verdicts } }));
          for (const r of out.recorded) now[r.claim_id] = `approved · block ${r.block_number}`;
          if (out.reverted.length) throw new Error(`the chain reverted the verdicts of ${out.reverted.map((id) => short(id)).join(", ")}; verify again`);
        }
      } finally {
        setRecorded(now);
      }
    });
  }

  /** The sample to verify, when one is asked for (its seed, when given). */
  function scope(): { sample?: number; seed?: string } {
    if (!sample.trim()) return {};
    return { sample: Number(sample), ...(seed.trim() ? { seed: seed.trim() } : {}) };
  }

  async function report(format: "html" | "pdf") {
    await run(null, () =>
      download(`/audits/report?format=${format}`, `audit-${firm}.${format}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ firm, ...scope() }),
      }),
    );
  }

  const listed = answer ? answer.claims.filter((c) => !failingOnly || !c.ok) : [];
  const failing = answer ? answer.claims.filter((c) => !c.ok).length : 0;
  const first = (page - 1) * CLAIMS_PAGE;
  const shown = listed.slice(first, first + CLAIMS_PAGE);
  const awaiting = (c: ClaimVerification) => c.ok && c.audit === "none" && !recorded[c.claim_id];
  const approvable = shown.filter(awaiting);
  const approvableAll = listed.filter(awaiting);

  return (
    <section>
      <h1>Audit</h1>
      <div className="card row">
        <Field label="Firm">
          <select value={firm} onChange={(e) => setFirm(e.target.value)}>
            {firms.map((f) => (
              <option key={f.account} value={f.account}>
                {f.name} ({short(f.account, 4)})
              </option>
            ))}
          </select>
        </Field>
        <Field label="Sample" hint="claims to draw; empty: the whole history">
          <input type="number" min={1} value={sample} onChange={(e) => setSample(e.target.value)} />
        </Field>
        <Field label="Seed" hint="empty: a new one">
          <input value={seed} maxLength={64} onChange={(e) => setSeed(e.target.value)} />
        </Field>
        <button type="button" onClick={verify} disabled={!firm || busy !== null}>
          {sample.trim() ? "Verify a sample of the firm's history" : "Verify the firm's history"}
        </button>
        <button type="button" onClick={() => report("html")}>Audit report (HTML)</button>
        <button type="button" onClick={() => report("pdf")}>Audit report (PDF)</button>
      </div>
      <BusyStatus busy={busy} />
      <ErrorBox error={error} />
      {answer && (
        <div data-testid="verification">
          <h2>
            {answer.ok ? <span className="good">Every check holds</span> : <span className="bad">Some checks fail</span>}
          </h2>
          <p>{answer.summary}</p>
          {answer.sample && (
            <p data-testid="verification-sample">
              A sample of {answer.sample.size.toLocaleString()} of the firm's {answer.sample.population.toLocaleString()} claims, seed{" "}
              <code>{answer.sample.seed}</code>: the ones with the smallest keccak-256(seed ‖ claim id). The same seed draws them again, and the audit
              report buttons above draw these.
            </p>
          )}
          <div className="actions">
            <span data-testid="verification-counts">
              {answer.claims.length.toLocaleString()} claims: {(answer.claims.length - failing).toLocaleString()} verified, {failing.toLocaleString()} failed
            </span>
            <label>
              <input
                type="checkbox"
                checked={failingOnly}
                onChange={(e) => {
                  setFailingOnly(e.target.checked);
                  setPage(1);
                }}
              />{" "}
              Only the claims that fail
            </label>
          </div>
          {shown.map((c) => (
            <div className="card" key={c.claim_id}>
              <h3>
                <Link to={`/claims/${c.claim_id}`}>{short(c.claim_id)}</Link> <Badge value={c.ok ? "verified" : "failed"} />
              </h3>
              <ul>
                {c.findings.map((f, i) => (
                  <li key={i}>
                    {Object.entries(f).map(([k, v]) => (
                      <span key={k}>
                        <strong>{k}</strong>: {v}{" "}
                      </span>
                    ))}
                  </li>
                ))}
              </ul>
              {recorded[c.claim_id] ? (
                <p className="good" data-testid="verdict-recorded">Verdict recorded on chain: {recorded[c.claim_id]}</p>
              ) : c.audit !== "none" ? (
                <p data-testid="verdict-on-chain">Audited already: {c.audit} (a claim takes one verdict)</p>
              ) : (
                <button type="button" onClick={() => signVerdict(c.claim_id, c.verdict_to_sign as Typed)} disabled={busy !== null}>
                  Sign verdict ({c.ok ? "approved" : "rejected"})
                </button>
              )}
            </div>
          ))}
          {approvable.length > 0 && (
            <button type="button" onClick={() => approve(approvable)} disabled={busy !== null}>
              Approve the {approvable.length} verified claims shown
            </button>
          )}
          {approvableAll.length > approvable.length && (
            <button type="button" onClick={() => approve(approvableAll)} disabled={busy !== null}>
              Approve all {approvableAll.length.toLocaleString()} verified claims
            </button>
          )}
          <Pager
            label="Pages of verified claims"
            testId="verification-range"
            page={page}
            size={CLAIMS_PAGE}
            shown={shown.length}
            total={listed.length}
            none={failingOnly ? "No claim fails" : "No claims"}
            earlier="Previous"
            later="Next"
            onPage={setPage}
          />
        </div>
      )}
    </section>
  );
}
