import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, ok, type OverlapOut, type PartnerOverlapsOut, type SettlementOut } from "../api/client";
import { Badge, ErrorBox, Field } from "../components/Status";
import { Pager } from "../components/Pager";
import { ScrollTable } from "../components/Table";
import { useAction } from "../action";
import { kg, money, short } from "../format";

/** Overlaps per page of a partner's table (a carrier filing per shipment has thousands). */
export const OVERLAPS_PAGE = 50;

export function Partner() {
  const navigate = useNavigate();
  const [partners, setPartners] = useState<PartnerOverlapsOut[] | null>(null);
  const [partner, setPartner] = useState<string | null>(null);
  const [overlaps, setOverlaps] = useState<OverlapOut[] | null>(null);
  const [page, setPage] = useState(1);
  const [settlements, setSettlements] = useState<SettlementOut[]>([]);
  const [proposing, setProposing] = useState<OverlapOut | null>(null);
  const [form, setForm] = useState({ description: "", cost: "", currency: "EUR", expected: "", shares: "" });
  const { error, setError, run } = useAction();

  useEffect(() => {
    ok(api.GET("/overlaps/partners"))
      .then((found) => {
        setPartners(found);
        if (found.length > 0) setPartner(found[0].partner); // the largest overlap first
      })
      .catch(setError);
    ok(api.GET("/settlements")).then(setSettlements).catch(setError);
  }, []);

  useEffect(() => {
    if (partner === null) return;
    setOverlaps(null);
    setPage(1);
    ok(api.GET("/overlaps", { params: { query: { partner } } }))
      .then(setOverlaps)
      .catch(setError);
  }, [partner]);

  const first = (page - 1) * OVERLAPS_PAGE;
  const shown = overlaps?.slice(first, first + OVERLAPS_PAGE) ?? [];

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
      <h2>Overlaps by partner</h2>
      {partners === null ? (
        <p role="status">Loading…</p>
      ) : partners.length === 0 ? (
        <p className="muted">No overlap with a partner yet.</p>
      ) : (
        <ScrollTable
          testId="partners"
          columns={["Partner", "Overlapping footprints", "Shared shipments", "Counted by both", "You count", "They count"]}
          action="Overlaps"
        >
          {partners.map((p) => (
            <tr key={p.partner} aria-current={p.partner === partner ? "true" : undefined}>
              <td><code>{short(p.partner, 4)}</code></td>
              <td className="num">{p.overlaps.toLocaleString()}</td>
              <td className="num">{p.shipments.toLocaleString()}</td>
              <td className="num">{kg(p.overlap_kgco2e)}</td>
              <td className="num">{kg(p.my_kgco2e)}</td>
              <td className="num">{kg(p.partner_kgco2e)}</td>
              <td>
                <button type="button" onClick={() => setPartner(p.partner)} disabled={p.partner === partner}>
                  Show overlaps
                </button>
              </td>
            </tr>
          ))}
        </ScrollTable>
      )}
      {partner !== null && (
        <>
          <h2>
            Overlaps with <code>{short(partner, 4)}</code>
          </h2>
          {overlaps === null ? (
            <p role="status">Loading…</p>
          ) : (
            <>
              <ScrollTable
                testId="overlaps"
                columns={["Partner", "Shared shipments", "Counted by both", "Each party counts"]}
                action="Settle"
              >
                {shown.map((o) => (
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
              </ScrollTable>
              <Pager
                label="Pages of overlaps"
                testId="overlaps-range"
                page={page}
                size={OVERLAPS_PAGE}
                shown={shown.length}
                total={overlaps.length}
                none="No overlap in force"
                earlier="Previous"
                later="Next"
                onPage={setPage}
              />
            </>
          )}
        </>
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
