import { useEffect, useState, type FormEvent } from "react";
import { getAddress } from "ethers";
import { api, ok, type ClaimOut } from "../../api/client";
import { useSession } from "../../session";
import { ErrorBox, Field } from "../../components/Status";
import { useAction } from "../../action";
import { jcs, documentHash } from "../../documents";
import { deadlineIn, typesFor, type Types } from "../../signing";
import { isoDay, short } from "../../format";

const KINDS = ["near_term", "net_zero"]; // ITargetRegistry.TargetKind's order

/** Record a reduction target, signed with the firm's key in the page, as `carbonledger target sign`:
 * the commitment's RFC 8785 hash is the document hash; the typed data comes from GET /chain and
 * the TargetRegistry domain and nonce from GET /targets/nonce. */
export function TargetForm({ onRecorded }: { onRecorded: () => void }) {
  const { address, signer, chain } = useSession();
  const [claims, setClaims] = useState<ClaimOut[]>([]);
  const [form, setForm] = useState({ claim: "", baseYear: "", targetYear: "2030", pct: "42", kind: "near_term", scopes: [1, 2], categories: "", auditedOnly: false });
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    // the firm's 200 newest footprints in force, the newest first and chosen by default (a firm
    // that files per shipment has thousands: the base is its latest inventory, not its oldest;
    // the ledger refuses a superseded or revoked base)
    ok(api.GET("/claims", { params: { query: { firm: address, kind: "footprint", order: "newest", page_size: 200 } } }))
      .then((page) => {
        const inForce = (c: ClaimOut) => c.on_chain?.status !== "superseded" && c.on_chain?.status !== "revoked";
        const footprints = page.items.filter((c) => c.check.passed && c.state !== "refused" && inForce(c));
        setClaims(footprints);
        if (footprints.length) {
          const c = footprints[0];
          setForm((f) => ({ ...f, claim: f.claim || c.claim_id, baseYear: f.baseYear || isoDay(c.period_start).slice(0, 4) }));
        }
      })
      .catch(setError);
  }, [address]);

  async function record(event: FormEvent) {
    event.preventDefault();
    await run("Recording the target", async () => {
      const scopes = [...form.scopes].sort((a, b) => a - b);
      const categories = form.categories.split(",").map((s) => s.trim()).filter(Boolean).map(Number).sort((a, b) => a - b);
      const bps = Math.round(Number(form.pct) * 100);
      const commitment = {
        firm: getAddress(address),
        base_claim_id: form.claim.toLowerCase(),
        base_year: Number(form.baseYear),
        target_year: Number(form.targetYear),
        reduction_bps: bps,
        scopes,
        categories,
        kind: form.kind,
        audited_only: form.auditedOnly,
      };
      const info = await ok(api.GET("/targets/nonce", { params: { query: { firm: address } } }));
      const coverage = scopes.reduce((bits, s) => bits + 2 ** (s - 1), 0) + categories.reduce((bits, c) => bits + 2 ** (2 + c), 0);
      const message = {
        firm: commitment.firm,
        baseClaimId: commitment.base_claim_id,
        baseYear: commitment.base_year,
        targetYear: commitment.target_year,
        reductionBps: bps,
        kind: KINDS.indexOf(form.kind),
        coverage,
        auditedOnly: form.auditedOnly,
        documentHash: documentHash(jcs(commitment)),
        nonce: info.nonce,
        deadline: deadlineIn(1),
      };
      const signature = await signer.signTypedData(info.domain as never, typesFor(chain.eip712_types as unknown as Types, "Target"), message);
      const target = {
        firm: message.firm,
        base_claim_id: message.baseClaimId,
        base_year: message.baseYear,
        target_year: message.targetYear,
        reduction_bps: bps,
        kind: message.kind,
        coverage,
        audited_only: message.auditedOnly,
        document_hash: message.documentHash,
        nonce: message.nonce,
        deadline: message.deadline,
      };
      await ok(api.POST("/targets", { body: { target, signature } }));
      onRecorded();
    });
  }

  const toggleScope = (s: number) =>
    setForm((f) => ({ ...f, scopes: f.scopes.includes(s) ? f.scopes.filter((x) => x !== s) : [...f.scopes, s] }));

  return (
    <form className="card" onSubmit={record} aria-labelledby="target-form-h">
      <h3 id="target-form-h">Record a target (signed with your key here)</h3>
      <ErrorBox error={error} />
      <div className="row">
        <Field label="Base claim">
          <select value={form.claim} onChange={(e) => setForm({ ...form, claim: e.target.value })} required>
            {claims.map((c) => (
              <option key={c.claim_id} value={c.claim_id}>
                {short(c.claim_id)} · {isoDay(c.period_start)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Base year">
          <input inputMode="numeric" value={form.baseYear} onChange={(e) => setForm({ ...form, baseYear: e.target.value })} required />
        </Field>
        <Field label="Target year">
          <input inputMode="numeric" value={form.targetYear} onChange={(e) => setForm({ ...form, targetYear: e.target.value })} required />
        </Field>
        <Field label="Reduction (%)">
          <input inputMode="decimal" value={form.pct} onChange={(e) => setForm({ ...form, pct: e.target.value })} required />
        </Field>
        <Field label="Kind">
          <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
            <option value="near_term">near term</option>
            <option value="net_zero">net zero</option>
          </select>
        </Field>
      </div>
      <fieldset className="row">
        <legend>Covers</legend>
        {[1, 2, 3].map((s) => (
          <label key={s}>
            <input type="checkbox" checked={form.scopes.includes(s)} onChange={() => toggleScope(s)} /> Scope {s}
          </label>
        ))}
        <Field label="Scope 3 categories (optional)" hint="e.g. 1, 4">
          <input value={form.categories} onChange={(e) => setForm({ ...form, categories: e.target.value })} />
        </Field>
        <label>
          <input type="checkbox" checked={form.auditedOnly} onChange={(e) => setForm({ ...form, auditedOnly: e.target.checked })} /> Audited claims only
        </label>
      </fieldset>
      <button type="submit" disabled={busy !== null || !claims.length}>Sign and record the target</button>
    </form>
  );
}
