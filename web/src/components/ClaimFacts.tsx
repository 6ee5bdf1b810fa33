import { period } from "../format";

/** The first facts of a claim in a `<dl className="facts">`: who claims, what kind of claim, for when. */
export function ClaimIdentity({ claim }: { claim: { firm: string; kind: string; period_start: number; period_end: number } }) {
  return (
    <>
      <dt>Firm</dt>
      <dd><code>{claim.firm}</code></dd>
      <dt>Kind</dt>
      <dd>{claim.kind}</dd>
      <dt>Period</dt>
      <dd>{period(claim.period_start, claim.period_end)}</dd>
    </>
  );
}
