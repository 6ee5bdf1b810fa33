// Several claim documents at once (a month of shipments, say): each checked by the service's
// dry run first (POST /claims/check/batch, 100 a request); only when every one passes are they signed here, with the firm's next nonces,
// and sent 100 a request (POST /claims/batch), then followed until each is on chain. A claim
// refused for itself leaves its nonce unused, so the service refuses the ones signed after it
// in its request as out of order (409 naming the nonce): those are signed again and resent,
// as `carbonledger claim submit FOLDER` does. When the firm's claims waiting for the chain are
// at the service's limit (429), the rest are sent again after the answer's retry_after.
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, ok, type ClaimCheck, type ClaimOut, type Schemas } from "../api/client";
import { useSession } from "../session";
import { deadlineIn, signStruct } from "../signing";
import { documentHash } from "../documents";
import { Badge, BusyStatus, ErrorBox } from "../components/Status";
import { useAction } from "../action";
import { short } from "../format";
import { findingsOf } from "../components/Findings";
import { citedSettlements } from "./Citations";

type Checked = { name: string; text: string; check: ClaimCheck };
type BatchError = Schemas["BatchItemError"];
type Outcome = { claim?: ClaimOut; error?: BatchError };

/** Claims a request of POST /claims/batch (the service takes up to 1,000). */
const PER_REQUEST = 100;
/** Documents a request of POST /claims/check/batch (the service takes up to 1,000). */
const CHECKS_PER_REQUEST = 100;
/** Sends of a claim refused for its nonce with no refusal before it to explain it (another
 * client of the firm taking the nonces) before it is shown as refused. */
const RESIGN_LIMIT = 3;
/** Seconds of "the firm's backlog is full" answers with none of its claims taken before the
 * rest are shown as refused (as the command line's BUSY_PATIENCE). */
const BUSY_PATIENCE = 600;

function outOfOrder(error: BatchError): boolean {
  return error.status === 409 && (error.problems ?? []).some((p) => String(p.field ?? "").endsWith("nonce"));
}

export function SubmitMany({ files }: { files: File[] }) {
  const { address, signer, chain } = useSession();
  const [checked, setChecked] = useState<Checked[] | null>(null);
  const [outcomes, setOutcomes] = useState<Outcome[] | null>(null);
  const { busy, error, run } = useAction();

  useEffect(() => {
    setChecked(null);
    setOutcomes(null);
    void run(`The service is checking ${files.length} documents (nothing is signed or stored)…`, async (say) => {
      const read: { name: string; text: string }[] = [];
      for (const file of files) {
        const text = await file.text();
        try {
          JSON.parse(text);
        } catch (e) {
          throw new Error(`${file.name} is not JSON: ${(e as Error).message}`);
        }
        read.push({ name: file.name, text });
      }
      const out: Checked[] = [];
      for (let k = 0; k < read.length; k += CHECKS_PER_REQUEST) {
        const part = read.slice(k, k + CHECKS_PER_REQUEST);
        say(`The service is checking documents ${k + 1}–${k + part.length} of ${read.length} (nothing is signed or stored)…`);
        const body = { claims: part.map((d) => ({ document: d.text })) };
        const answer = await ok(api.POST("/claims/check/batch", { body }));
        answer.results.forEach((result, j) => {
          if (!result.check) throw new Error(`${part[j].name}: ${result.error?.detail ?? "not checked"}`);
          out.push({ ...part[j], check: result.check });
        });
      }
      setChecked(out);
    });
  }, [files, run]);

  const failing = (checked ?? []).filter((c) => !c.check.passed);
  const citing = (checked ?? []).filter((c) => citedSettlements(c.text).length > 0);
  const others = (checked ?? []).filter((c) => (c.check.claim.firm as string).toLowerCase() !== address.toLowerCase());

  async function signAndSubmit() {
    if (!checked) return;
    await run(null, async (say) => {
      for (const c of checked) {
        // what is signed is checked here first: each document hash is computed in this page
        const mine = documentHash(c.text);
        if (mine.toLowerCase() !== c.check.document_hash.toLowerCase())
          throw new Error(`${c.name}: the service's document hash ${c.check.document_hash} is not this document's (${mine}): not signing`);
      }
      const out: (Outcome | undefined)[] = checked.map(() => undefined);
      const unexplained = checked.map(() => 0);
      let pending = checked.map((_, i) => i);
      let waited = 0; // on a full backlog, since a claim was last taken
      while (pending.length) {
        const part = pending.slice(0, PER_REQUEST);
        pending = pending.slice(PER_REQUEST);
        const { nonce } = await ok(api.GET("/members/{account}/nonce", { params: { path: { account: address } } }));
        const deadline = deadlineIn(7);
        const claims = [];
        for (const [k, i] of part.entries()) {
          say(`Signing claim ${i + 1} of ${checked.length} in this page…`);
          const message = { ...checked[i].check.claim, nonce: nonce + k, deadline };
          const signature = await signStruct(signer, chain, "ClaimLedger", "Claim", message);
          claims.push({ document: checked[i].text, signature, nonce: nonce + k, deadline });
        }
        say(`Submitting ${part.length} claims…`);
        const answer = await ok(api.POST("/claims/batch", { body: { claims } }));
        const again: number[] = [];
        let refusedBefore = false;
        let full: BatchError | undefined;
        answer.results.forEach((result, k) => {
          const i = part[k];
          const err = result.error ?? undefined;
          if (err?.status === 429) full ??= err; // the firm's backlog is full: this one and on wait
          if (full) {
            out[i] = { error: err ?? full };
            again.push(i);
            return;
          }
          if (err && outOfOrder(err)) {
            // explained by a refusal before it in this request: signed again freely
            unexplained[i] += refusedBefore ? 0 : 1;
            if (unexplained[i] < RESIGN_LIMIT) {
              again.push(i);
              return;
            }
          }
          refusedBefore ||= !!err && !outOfOrder(err);
          out[i] = err ? { error: err } : { claim: result.claim ?? undefined };
        });
        pending = [...again, ...pending];
        if (!full) {
          waited = 0;
          continue;
        }
        if (again.length < part.length) waited = 0;
        const pause = full.retry_after ?? 1;
        if (waited + pause > BUSY_PATIENCE) {
          for (const i of pending) out[i] = { error: full }; // not taken: refused with the answer
          break;
        }
        waited += pause;
        say(`The service holds as many of your claims waiting for the chain as it takes; sending the other ${pending.length} again in ${pause} s…`);
        await new Promise((r) => setTimeout(r, pause * 1000));
      }
      setOutcomes(out as Outcome[]);
      await follow(out as Outcome[], say);
    });
  }

  /** Until none of the accepted claims is still on its way to the chain (or 10 minutes): the
   * firm's newest claims read at each look, not each claim. */
  async function follow(out: Outcome[], say: (label: string) => void) {
    const ids = new Set(out.flatMap((o) => (o.claim ? [o.claim.claim_id] : [])));
    const until = Date.now() + 600_000;
    for (;;) {
      const seen = new Map<string, ClaimOut>();
      for (let page = 1; seen.size < ids.size; page++) {
        const query = { firm: address, order: "newest" as const, page, page_size: 200 };
        const listed = await ok(api.GET("/claims", { params: { query } }));
        for (const c of listed.items) if (ids.has(c.claim_id)) seen.set(c.claim_id, c);
        if (page * 200 >= listed.total || page * 200 >= ids.size + 200) break;
      }
      const next = out.map((o) => (o.claim && seen.has(o.claim.claim_id) ? { claim: seen.get(o.claim.claim_id) } : o));
      setOutcomes(next);
      const waiting = next.filter((o) => o.claim?.state === "accepted").length;
      if (!waiting || Date.now() > until) return;
      say(`${ids.size - waiting} of ${ids.size} claims on chain; waiting for the rest…`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  const states = new Map<string, number>();
  for (const o of outcomes ?? []) if (o.claim) states.set(o.claim.state, (states.get(o.claim.state) ?? 0) + 1);
  const refused = (outcomes ?? []).filter((o) => o.error).length;
  return (
    <div className="card" data-testid="bulk">
      <h2>{files.length} claim documents</h2>
      <BusyStatus busy={busy} />
      <ErrorBox error={error} />
      {checked && !outcomes && (
        <>
          {failing.length > 0 && (
            <p className="bad">
              {failing.length} of {checked.length} documents fail the check: fix them and choose the files again. Nothing is
              signed while one fails (a failing claim would be recorded as failed for good).
            </p>
          )}
          {citing.length > 0 && (
            <p className="bad">
              {citing.map((c) => c.name).join(", ")} cite settlements: submit each of them alone (their citations are signed
              one by one).
            </p>
          )}
          {others.length > 0 && <p className="bad">{others.map((c) => c.name).join(", ")}: not your firm's documents.</p>}
          <table>
            <thead>
              <tr>
                <th>File</th>
                <th>Claim</th>
                <th>Check</th>
              </tr>
            </thead>
            <tbody>
              {checked.map((c, i) => (
                <tr key={`${i}:${c.name}`} data-file={c.name}>
                  <td>{c.name}</td>
                  <td>
                    <code>{short(c.check.claim_id)}</code>
                  </td>
                  <td>
                    {c.check.passed ? (
                      <span className="good">passed</span>
                    ) : (
                      <span className="bad">
                        failed:{" "}
                        {findingsOf(c.check.report)
                          .filter((f) => f.severity === "error")
                          .map((f) => `${f.rule} ${f.path}`)
                          .join("; ")}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!failing.length && !citing.length && !others.length && (
            <>
              <p>
                You will sign {checked.length} claims with your {signer.kind === "wallet" ? "wallet (one request each)" : "key"},
                with your next nonces in order; each document hash is computed again in this page.
              </p>
              <button type="button" onClick={signAndSubmit} disabled={busy !== null}>
                Sign and submit {checked.length} claims
              </button>
            </>
          )}
        </>
      )}
      {outcomes && checked && (
        <div data-testid="bulk-result">
          <p>
            {[...states.entries()].map(([state, n]) => `${n} ${state}`).join(", ") || "none accepted"}
            {refused > 0 && `, ${refused} refused`}
          </p>
          <table>
            <thead>
              <tr>
                <th>File</th>
                <th>Claim</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {outcomes.map((o, i) => (
                <tr key={`${i}:${checked[i].name}`} data-file={checked[i].name}>
                  <td>{checked[i].name}</td>
                  <td>{o.claim && <Link to={`/claims/${o.claim.claim_id}`}>{short(o.claim.claim_id)}</Link>}</td>
                  <td>{o.claim ? <Badge value={o.claim.state} /> : <span className="bad">refused: {o.error?.detail}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
