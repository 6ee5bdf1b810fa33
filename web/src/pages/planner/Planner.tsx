import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { api, ok, type OverlapOut, type PartnerOverlapsOut } from "../../api/client";
import { useSession } from "../../session";
import { ErrorBox, Field } from "../../components/Status";
import { useAction } from "../../action";
import { kg, short } from "../../format";
import { Targets } from "./Targets";
import { PlanView } from "./PlanView";
import { proposalTerms, type PlanDocument } from "./proposal";

type Goal = "pct" | "tonnes" | "budget";
type Answer = { overlap: OverlapOut; plan_hash: string; shares_bps: number[] | null; plan: PlanDocument };

const GOALS: Record<Goal, string> = {
  pct: "Cut a % of the joint baseline",
  tonnes: "Cut tCO2e per year",
  budget: "Most tCO2e for a yearly budget",
};

/** Issue 14's planner for a firm: its targets, a joint abatement plan with a partner, proposed as a settlement. */
export function Planner() {
  const { address } = useSession();
  const navigate = useNavigate();
  const [partners, setPartners] = useState<PartnerOverlapsOut[] | null>(null);
  const [partner, setPartner] = useState("");
  const [overlaps, setOverlaps] = useState<OverlapOut[] | null>(null);
  const [form, setForm] = useState({ overlap: "", goal: "pct" as Goal, value: "20", scope: "overlap" as "overlap" | "inventory" });
  const [answer, setAnswer] = useState<Answer | null>(null);
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    ok(api.GET("/overlaps/partners"))
      .then((list) => {
        setPartners(list);
        if (list.length) setPartner(list[0].partner); // the largest overlap first
      })
      .catch(setError);
  }, []);

  useEffect(() => {
    if (!partner) return;
    setOverlaps(null);
    ok(api.GET("/overlaps", { params: { query: { partner } } }))
      .then((list) => {
        setOverlaps(list);
        setForm((f) => ({ ...f, overlap: list.length ? list[0].overlap_id : "" }));
      })
      .catch(setError);
  }, [partner]);

  async function plan(event: FormEvent) {
    event.preventDefault();
    const overlap = overlaps?.find((o) => o.overlap_id === form.overlap);
    if (!overlap) return;
    setAnswer(null);
    await run("Planning", async () => {
      const out = await ok(
        api.POST("/plans", { body: { overlap_id: overlap.overlap_id, goal: form.goal, value: form.value.trim(), scope: form.scope, quotes: [] } }),
      );
      setAnswer({ overlap, plan_hash: out.plan_hash, shares_bps: out.shares_bps ?? null, plan: out.plan as unknown as PlanDocument });
    });
  }

  async function propose() {
    if (!answer) return;
    await run("Proposing the settlement", async () => {
      const terms = proposalTerms(answer.overlap.overlap_id, answer.plan_hash, answer.shares_bps, answer.plan);
      const out = await ok(api.POST("/settlements", { body: terms }));
      navigate(`/settlements/${out.settlement_id}`);
    });
  }

  const bpsByFirm = answer?.shares_bps
    ? Object.fromEntries(answer.overlap.parties.map((p, i) => [p.firm.toLowerCase(), answer.shares_bps![i]]))
    : null;

  return (
    <section>
      <h1>Planner</h1>
      <p>
        A least-cost joint abatement project for emissions you and a partner both count, from your two verified footprint claims; both
        partners get the same plan and the same hash, and the settlement proposal records it.
      </p>
      <ErrorBox error={error} />
      <Targets firm={address} />
      <h2>Plan with a partner</h2>
      {partners === null ? (
        <p role="status">Loading…</p>
      ) : partners.length === 0 ? (
        <p className="muted">No overlap with a partner yet: the planner needs one (see Partners).</p>
      ) : (
        <form className="card" onSubmit={plan}>
          <div className="row">
            <Field label="Partner">
              <select value={partner} onChange={(e) => setPartner(e.target.value)}>
                {partners.map((p) => (
                  <option key={p.partner} value={p.partner}>
                    {short(p.partner, 4)} · {p.overlaps.toLocaleString()} overlaps · {kg(p.overlap_kgco2e)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Overlap with partner">
              <select value={form.overlap} onChange={(e) => setForm({ ...form, overlap: e.target.value })} disabled={overlaps === null}>
                {(overlaps ?? []).map((o) => (
                  <option key={o.overlap_id} value={o.overlap_id}>
                    {short(o.partner, 4)} · {o.shipments} shipments · {kg(o.overlap_kgco2e)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Goal">
              <select value={form.goal} onChange={(e) => setForm({ ...form, goal: e.target.value as Goal })}>
                {Object.entries(GOALS).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
              </select>
            </Field>
            <Field label="Goal value" hint={form.goal === "pct" ? "%" : form.goal === "tonnes" ? "tCO2e per year" : "currency per year"}>
              <input inputMode="decimal" value={form.value} onChange={(e) => setForm({ ...form, value: e.target.value })} required />
            </Field>
            <Field label="Emissions planned">
              <select value={form.scope} onChange={(e) => setForm({ ...form, scope: e.target.value as "overlap" | "inventory" })}>
                <option value="overlap">The overlap only</option>
                <option value="inventory">Both whole footprints</option>
              </select>
            </Field>
          </div>
          <button type="submit" disabled={busy !== null}>Plan</button>
        </form>
      )}
      {answer && (
        <>
          <PlanView plan={answer.plan} planHash={answer.plan_hash} bpsByFirm={bpsByFirm} />
          <div className="actions">
            <button type="button" onClick={propose} disabled={busy !== null || !answer.shares_bps}>
              Propose this plan as a settlement
            </button>
            <span className="muted">
              Cost for one year, the tonnes removed and the recommended shares become the settlement's terms; its description names the plan hash.
            </span>
          </div>
        </>
      )}
    </section>
  );
}
