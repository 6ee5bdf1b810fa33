import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, ok, type OverlapOut, type SettlementOut } from "../api/client";
import { Badge, ErrorBox, Field } from "../components/Status";
import { useAction } from "../action";
import { kg, money, short } from "../format";

export function Partner() {
  const navigate = useNavigate();
  const [overlaps, setOverlaps] = useState<OverlapOut[] | null>(null);
  const [settlements, setSettlements] = useState<SettlementOut[]>([]);
  const [proposing, setProposing] = useState<OverlapOut | null>(null);
  const [form, setForm] = useState({ description: "", cost: "", currency: "EUR", expected: "", shares: "" });
  const { error, setError, run } = useAction();

  useEffect(() => {
    ok(api.GET("/overlaps")).then(setOverlaps).catch(setError);
    ok(api.GET("/settlements")).then(setSettlements).catch(setError);
  }, []);

  async function propose(event: FormEvent) {
    event.preventDefault();
    if (!proposing) return;
    await run(null, async () => {
      const cost = Math.round(Number(form.cost) * 100);
      if (!Number.isFinite(cost) || cost <= 0) throw new Error("total cost: a positive amount");
      const shares = form.shares.trim() ? form.shares.split(",").map((s) => Number(s.trim())) : undefined;
      const out = await ok(
        api.POST("/settlements", {
          body: {
            overlap_id: proposing.overlap_id,
            description: form.description,
            total_cost: cost,
            currency: form.currency.toUpperCase(),
            expected_reduction_kgco2e: Number(form.expected || 0),
            ...(shares ? { shares_bps: shares } : {}),
          },
        }),
      );
      navigate(`/settlements/${out.settlement_id}`);
    });
  }

  return (
    <section>
      <h1>Partners</h1>
      <p>Emissions you and a partner both count (shared shipments, shared site energy), found from salted references only.</p>
      <ErrorBox error={error} />
      <h2>Overlaps</h2>
      {overlaps === null ? (
        <p role="status">Loading…</p>
      ) : overlaps.length === 0 ? (
        <p className="muted">No overlap with a partner yet.</p>
      ) : (
        <div className="scroll">
          <table data-testid="overlaps">
            <thead>
              <tr>
                <th scope="col">Partner</th>
                <th scope="col">Shared shipments</th>
                <th scope="col">Counted by both</th>
                <th scope="col">Each party counts</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              {overlaps.map((o) => (
                <tr key={o.overlap_id}>
                  <td><code>{short(o.partner, 4)}</code></td>
                  <td className="num">{o.shipments}</td>
                  <td className="num">{kg(o.overlap_kgco2e)}</td>
                  <td>
                    {o.parties.map((p) => (
                      <div key={p.firm}>
                        {short(p.firm, 4)}: {kg(p.kgco2e)} ({p.counted_in.join(", ")}) · default share {(p.default_share_bps / 100).toFixed(2)} %
                      </div>
                    ))}
                  </td>
                  <td>
                    <button type="button" onClick={() => setProposing(o)}>Propose a settlement</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {proposing && (
        <form className="card" onSubmit={propose}>
          <h2>Propose a project for the overlap with {short(proposing.partner, 4)}</h2>
          <Field label="Project description">
            <textarea value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} required />
          </Field>
          <div className="row">
            <Field label="Total cost">
              <input inputMode="decimal" value={form.cost} onChange={(e) => setForm({ ...form, cost: e.target.value })} required />
            </Field>
            <Field label="Currency (ISO 4217)">
              <input value={form.currency} maxLength={3} onChange={(e) => setForm({ ...form, currency: e.target.value })} />
            </Field>
            <Field label="Expected reduction (kgCO2e)">
              <input inputMode="numeric" value={form.expected} onChange={(e) => setForm({ ...form, expected: e.target.value })} required />
            </Field>
            <Field label="Shares in basis points (optional)" hint="e.g. 6000,4000 in party address order; default: by emissions">
              <input value={form.shares} onChange={(e) => setForm({ ...form, shares: e.target.value })} />
            </Field>
          </div>
          <button type="submit">Propose</button>
        </form>
      )}
      <h2>Settlements</h2>
      <ul data-testid="settlements">
        {settlements.map((s) => (
          <li key={s.settlement_id}>
            <Link to={`/settlements/${s.settlement_id}`}>{short(s.settlement_id)}</Link> <Badge value={s.status} /> ·{" "}
            {String(s.project.description ?? "")} · {money(Number(s.terms.total_cost), String(s.terms.currency))}
          </li>
        ))}
      </ul>
    </section>
  );
}
