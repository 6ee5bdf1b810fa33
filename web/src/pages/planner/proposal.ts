// A plan's project as the terms of a settlement proposal — the same terms as the CLI's
// `carbonledger plan --propose` (backend/carbonledger/planner/proposal.py): the description
// names the plan's hash ("plan 0x…"), which the settlement's project hash then records on chain.

export type PlanOption = {
  option: string;
  units: number;
  funded_by: string;
  cost_per_year: string;
  cost_per_tco2e: string;
  removed_tco2e: string;
  quoted_by?: string;
};
export type PlanParty = {
  firm: string;
  label: string;
  claim_id: string;
  baseline_tco2e: string;
  target_tco2e: string;
  stand_alone: { reachable: boolean; removed_tco2e?: string; cost_per_year?: string; cost_per_tco2e?: string };
};
export type PlanSplit = { method: string; shares: Record<string, string>; in_core: boolean; blocking_coalition?: string[] };
/** The fields of the plan document (POST /plans → plan) this page reads; free-form in the OpenAPI document. */
export type PlanDocument = {
  scope: string;
  currency: string;
  goal: { kind: string; value: string };
  joint: {
    baseline_tco2e: string;
    target_tco2e: string;
    removed_tco2e: string;
    cost_per_year: string;
    cost_per_tco2e: string;
    options: PlanOption[];
  };
  parties: PlanParty[];
  splits: PlanSplit[];
  recommended: { method: string; bps: number[] };
  notes: string[];
};

/** Minor units per unit of currency (ISO 4217 exponent), as the planner's proposal. */
const MINOR_DIGITS: Record<string, number> = { CNY: 2, EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0 };

/** A decimal string times 10^digits as an integer: half-even rounding, or truncation. */
export function scaled(value: string, digits: number, rounding: "half-even" | "truncate"): number {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!m) throw new Error(`not a decimal number: ${value}`);
  const [, sign, whole, fraction = ""] = m;
  const padded = fraction.padEnd(digits + 1, "0");
  let n = BigInt((whole || "0") + padded.slice(0, digits));
  const rest = padded.slice(digits);
  if (rounding === "half-even") {
    const first = Number(rest[0]);
    const beyond = /[1-9]/.test(rest.slice(1));
    if (first > 5 || (first === 5 && (beyond || n % 2n === 1n))) n += 1n;
  }
  return Number(sign === "-" ? -n : n);
}

export type ProposalTerms = {
  overlap_id: string;
  description: string;
  total_cost: number;
  currency: string;
  expected_reduction_kgco2e: number;
  shares_bps: number[];
};

export function proposalTerms(overlapId: string, planHash: string, sharesBps: number[] | null, plan: PlanDocument): ProposalTerms {
  if (!sharesBps) throw new Error("the plan has no split that can be proposed (see its notes)");
  const digits = MINOR_DIGITS[plan.currency];
  if (digits === undefined) throw new Error(`currency ${plan.currency}: its minor units are not known here`);
  const joint = plan.joint;
  const options = joint.options.map((o) => `${o.units} x ${o.option}`).join("; ");
  const description =
    `Joint abatement project from plan ${planHash} ` +
    `(${plan.scope} scope, goal ${plan.goal.kind} ${plan.goal.value}): ` +
    `${options}. Annualised cost ${joint.cost_per_year} ${plan.currency} per year for ` +
    `${joint.removed_tco2e} tCO2e per year; split by ${plan.recommended.method}.`;
  return {
    overlap_id: overlapId,
    description,
    total_cost: scaled(joint.cost_per_year, digits, "half-even"),
    currency: plan.currency,
    expected_reduction_kgco2e: scaled(joint.removed_tco2e, 3, "truncate"),
    shares_bps: [...sharesBps],
  };
}
