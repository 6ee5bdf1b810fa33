import { useMemo } from "react";
import { Chart } from "../../components/Chart";
import { ScrollTable } from "../../components/Table";
import { short } from "../../format";
import type { PlanDocument } from "./proposal";

const label = (s: string) => (s.startsWith("0x") ? short(s, 4) : s);
const tonnes = (t: string) => `${t} tCO2e`;

/** The planner's answer: joint figures, the options it chose, each party's share, and charts. */
/** `bpsByFirm`: the recommended split (lower-case address → basis points), or null when none can be proposed. */
export function PlanView({ plan, planHash, bpsByFirm }: { plan: PlanDocument; planHash: string; bpsByFirm: Record<string, number> | null }) {
  const cur = plan.currency;
  const joint = plan.joint;
  // a marginal abatement cost curve: the chosen options, cheapest tonne first
  const macc = useMemo(() => {
    const options = [...joint.options].sort((a, b) => Number(a.cost_per_tco2e) - Number(b.cost_per_tco2e));
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 30, bottom: 80, containLabel: true },
      xAxis: { type: "category", data: options.map((o) => `${o.option} (${o.removed_tco2e} t)`), axisLabel: { rotate: 20 } },
      yAxis: { type: "value", name: `${cur} per tCO2e` },
      series: [{ name: `Cost per tonne (${cur}/tCO2e)`, type: "bar", data: options.map((o) => Number(o.cost_per_tco2e)) }],
    };
  }, [joint, cur]);
  const shares = useMemo(() => {
    const parties = plan.parties.map((p) => p.label);
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 30, containLabel: true },
      xAxis: { type: "value", name: `${cur} per year` },
      yAxis: { type: "category", data: plan.splits.map((s) => s.method) },
      series: parties.map((p) => ({ name: label(p), type: "bar", stack: "cost", data: plan.splits.map((s) => Number(s.shares[p] ?? 0)) })),
    };
  }, [plan, cur]);

  return (
    <section className="card" aria-labelledby="plan-h" data-testid="plan">
      <h2 id="plan-h">Joint plan</h2>
      <p>
        Plan <code data-testid="plan-hash">{planHash}</code> · {plan.scope} scope · goal {plan.goal.kind} {plan.goal.value}
      </p>
      <dl className="facts" data-testid="plan-joint">
        <dt>Joint baseline</dt><dd>{tonnes(joint.baseline_tco2e)}</dd>
        <dt>Target</dt><dd>{tonnes(joint.target_tco2e)}</dd>
        <dt>Removed per year</dt><dd data-testid="removed">{tonnes(joint.removed_tco2e)}</dd>
        <dt>Cost per year</dt><dd data-testid="cost">{joint.cost_per_year} {cur}</dd>
        <dt>Cost per tonne</dt><dd data-testid="cost-per-tonne">{joint.cost_per_tco2e} {cur}/tCO2e</dd>
      </dl>
      <h3>Measures</h3>
      <ScrollTable testId="plan-options" columns={["Measure", "Units", "Funded by", `Cost per year (${cur})`, `${cur}/tCO2e`, "Removed per year"]}>
        {joint.options.map((o) => (
          <tr key={`${o.option}-${o.funded_by}`}>
            <td>{o.option}{o.quoted_by ? ` (quote of ${label(o.quoted_by)})` : ""}</td>
            <td className="num">{o.units}</td>
            <td><code>{label(o.funded_by)}</code></td>
            <td className="num">{o.cost_per_year}</td>
            <td className="num">{o.cost_per_tco2e}</td>
            <td className="num">{tonnes(o.removed_tco2e)}</td>
          </tr>
        ))}
      </ScrollTable>
      <Chart option={macc} height={280} label="Marginal abatement cost curve of the plan's measures: cost per tonne, cheapest first" />
      <h3>Each party alone, and its share together</h3>
      <ScrollTable testId="plan-parties" columns={["Party", "Baseline", "Its target", "Alone", "Recommended share"]}>
        {plan.parties.map((p) => (
          <tr key={p.firm}>
            <td><code title={p.firm}>{label(p.label)}</code></td>
            <td className="num">{tonnes(p.baseline_tco2e)}</td>
            <td className="num">{tonnes(p.target_tco2e)}</td>
            <td>
              {p.stand_alone.reachable
                ? `${p.stand_alone.cost_per_year} ${cur}/yr = ${p.stand_alone.cost_per_tco2e} ${cur}/t`
                : "cannot reach its target alone"}
            </td>
            <td className="num" data-testid="share">{bpsByFirm?.[p.firm.toLowerCase()] !== undefined ? `${(bpsByFirm[p.firm.toLowerCase()] / 100).toFixed(2)} %` : "—"}</td>
          </tr>
        ))}
      </ScrollTable>
      <h3>Cost shares by method</h3>
      <ScrollTable testId="plan-splits" columns={["Method", ...plan.parties.map((p) => label(p.label)), "Core"]}>
        {plan.splits.map((s) => (
          <tr key={s.method}>
            <td>{s.method}{s.method === plan.recommended.method ? " (recommended)" : ""}</td>
            {plan.parties.map((p) => <td className="num" key={p.firm}>{s.shares[p.label] ?? "—"} {cur}</td>)}
            <td>{s.in_core ? "in the core" : `not in the core: ${(s.blocking_coalition ?? []).map(label).join(" + ")} pays more`}</td>
          </tr>
        ))}
      </ScrollTable>
      <Chart option={shares} height={60 + 44 * plan.splits.length} label="Each party's yearly cost under each split method" />
      {plan.notes.length > 0 && (
        <ul className="muted">
          {plan.notes.map((n) => <li key={n}>{n}</li>)}
        </ul>
      )}
    </section>
  );
}
