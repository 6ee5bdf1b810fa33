import { useEffect, useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorBox } from "../../components/Status";
import { ScrollTable } from "../../components/Table";
import { date, short } from "../../format";
import { TargetForm } from "./TargetForm";

type TargetOut = Schemas["TargetOut"];

function coverage(t: TargetOut): string {
  const scopes = t.scopes.map((s) => `Scope ${s}`);
  const categories = t.categories.length ? [`Scope 3 cat. ${t.categories.join(", ")}`] : [];
  return [...scopes, ...categories].join(" · ") || "—";
}

/** A firm's reduction targets as the TargetRegistry records them (GET /targets). */
export function Targets({ firm }: { firm: string }) {
  const [targets, setTargets] = useState<TargetOut[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [recorded, setRecorded] = useState(0);
  useEffect(() => {
    ok(api.GET("/targets", { params: { query: { firm } } })).then(setTargets).catch(setError);
  }, [firm, recorded]);
  return (
    <section aria-labelledby="targets-h">
      <h2 id="targets-h">Your reduction targets</h2>
      <ErrorBox error={error} />
      {targets === null ? (
        <p role="status">Loading…</p>
      ) : targets.length === 0 ? (
        <p className="muted">
          No target recorded yet.
        </p>
      ) : (
        <ScrollTable testId="targets" columns={["Kind", "Cut", "Base year → target year", "Covers", "Base claim", "Recorded"]}>
          {targets.map((t) => (
            <tr key={t.target_id}>
              <td>{t.kind === "net_zero" ? "net zero" : "near term"}{t.audited_only ? " (audited claims only)" : ""}</td>
              <td className="num">{(t.reduction_bps / 100).toFixed(2)} %</td>
              <td>{t.base_year} → {t.target_year}</td>
              <td>{coverage(t)}</td>
              <td><code title={t.base_claim_id}>{short(t.base_claim_id)}</code></td>
              <td>{date(t.recorded_at)}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
      <TargetForm onRecorded={() => setRecorded((n) => n + 1)} />
    </section>
  );
}
