import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { api, ok, type ClaimOut, type ClaimPage, type FootprintPeriods } from "../api/client";
import { useSession } from "../session";
import { Chart } from "../components/Chart";
import { Badge, ErrorBox } from "../components/Status";
import { ScrollTable } from "../components/Table";
import { Pager } from "../components/Pager";
import { useAction } from "../action";
import { isoDay, kg, period, short } from "../format";
import { followDownloadLink } from "../download";

/** One word for a claim: the chain's status and audit first (superseded, revoked, audited),
 * then the service's pipeline (accepted, anchored, checked; refused). */
export function claimState(c: ClaimOut): string {
  const chain = c.on_chain;
  if (chain?.status === "revoked" || chain?.status === "superseded") return chain.status;
  if (chain?.audit === "approved") return "audited";
  if (chain?.audit === "rejected") return "audit-rejected";
  if (c.state === "refused") return "refused";
  if (c.state === "checked") return c.check.passed ? "checked" : "check-failed";
  return c.state;
}

/** Claims per page of the dashboard's table (the newest first). */
export const PAGE_SIZE = 50;

export function FirmDashboard() {
  const { address } = useSession();
  const [periods, setPeriods] = useState<FootprintPeriods | null>(null);
  const [page, setPage] = useState(1);
  const [claims, setClaims] = useState<ClaimPage | null>(null);
  const { error, setError, run } = useAction();

  useEffect(() => {
    ok(api.GET("/claims/periods", { params: { query: { firm: address } } }))
      .then(setPeriods)
      .catch(setError);
  }, [address]);

  useEffect(() => {
    ok(api.GET("/claims", { params: { query: { firm: address, order: "newest", page, page_size: PAGE_SIZE } } }))
      .then(setClaims)
      .catch(setError);
  }, [address, page]);

  const option = useMemo(() => {
    const sums = periods?.periods ?? [];
    const labels = sums.map((p) => `${isoDay(p.period_start)} → ${isoDay(p.period_end - 86400)}`);
    const categories = [...new Set(sums.flatMap((p) => Object.keys(p.scope3)))].sort((a, b) => +a - +b);
    const names: Record<string, string> = {};
    sums.forEach((p) => Object.entries(p.scope3).forEach(([k, v]) => (names[k] = v.name)));
    const tonnes = (v: string | undefined) => (v ? Number(v) / 1000 : 0);
    const series = [
      { name: "Scope 1", type: "bar", stack: "t", data: sums.map((p) => tonnes(p.scope1)) },
      { name: "Scope 2 (market-based)", type: "bar", stack: "t", data: sums.map((p) => tonnes(p.scope2_market)) },
      ...categories.map((k) => ({
        name: `Scope 3 cat. ${k} ${names[k] ?? ""}`.trim(),
        type: "bar",
        stack: "t",
        data: sums.map((p) => tonnes(p.scope3[k]?.kgco2e)),
      })),
    ];
    const gross = sums.map((_, i) => series.reduce((s, x) => s + (x.data[i] ?? 0), 0));
    return {
      tooltip: { trigger: "axis", valueFormatter: (v: number) => `${v.toLocaleString()} tCO2e` },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 60, right: 20, top: 30, bottom: 60 },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", name: "tCO2e" },
      series: [
        ...series.map((s, i) =>
          i === 0 && gross.length
            ? { ...s, markLine: { symbol: "none", data: [{ yAxis: gross[0], name: "baseline" }], label: { formatter: "baseline (first period)" } } }
            : s,
        ),
        { name: "Total (trend)", type: "line", data: gross },
      ],
    };
  }, [periods]);

  const inForce = (periods?.periods ?? []).reduce((n, p) => n + p.claims, 0);

  async function exportAs(format: "csv" | "xlsx" | "json") {
    await run(null, async () => {
      const link = await ok(api.POST("/claims/export/link", { params: { query: { firm: address, format } } }));
      followDownloadLink(link.url, `claims-${address}.${format}`);
    });
  }

  return (
    <section>
      <h1>Footprint</h1>
      <div className="actions">
        <Link className="button" to="/submit">
          Submit a claim
        </Link>
        <span className="muted">Export:</span>
        <button type="button" onClick={() => exportAs("csv")}>CSV</button>
        <button type="button" onClick={() => exportAs("xlsx")}>XLSX</button>
        <button type="button" onClick={() => exportAs("json")}>JSON</button>
      </div>
      <ErrorBox error={error} />
      {periods === null ? (
        <p role="status">Loading…</p>
      ) : periods.periods.length > 0 ? (
        <>
          <Chart option={option} label="Footprint by scope and Scope 3 category per period, with the trend and the first period as baseline" />
          <p className="muted" data-testid="periods-note">
            Each period sums the {inForce.toLocaleString()} footprint{inForce === 1 ? "" : "s"} in force (checked and passed).
            {periods.left_out > 0 &&
              ` ${periods.left_out.toLocaleString()} passed footprint${periods.left_out === 1 ? " is" : "s are"} left out: superseded by an amendment, or revoked.`}
          </p>
        </>
      ) : periods.left_out > 0 ? (
        <p className="muted" data-testid="periods-note">
          No footprint in force: the {periods.left_out.toLocaleString()} that passed {periods.left_out === 1 ? "was" : "were"} superseded or revoked.
        </p>
      ) : (
        <p className="muted">No checked footprint yet: submit one to see it here.</p>
      )}
      <h2>Claims</h2>
      <p className="muted">
        A claim is accepted, then anchored on chain, then checked (or check-failed); an auditor's approval makes it audited.
        An amendment leaves the earlier claim superseded; a withdrawn claim is revoked. The newest are listed first.
      </p>
      {claims === null ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <ScrollTable testId="claims" columns={["Claim", "Kind", "Period", "State", "Gross total", "Transaction"]}>
            {claims.items.map((c) => {
              const onchain = (c.check.report as { onchain_kgco2e?: Record<string, number> }).onchain_kgco2e ?? {};
              return (
                <tr key={c.claim_id}>
                  <td>
                    <Link to={`/claims/${c.claim_id}`}>{short(c.claim_id)}</Link>
                  </td>
                  <td>{c.kind}</td>
                  <td>{period(c.period_start, c.period_end)}</td>
                  <td>
                    <Badge value={claimState(c)} />
                  </td>
                  <td className="num">{kg((onchain.scope1 ?? 0) + (onchain.scope2_market ?? 0) + (onchain.scope3 ?? 0))}</td>
                  <td>{c.tx_hash ? <code title={c.tx_hash}>{short(c.tx_hash)} (block {c.block_number})</code> : "—"}</td>
                </tr>
              );
            })}
          </ScrollTable>
          <Pager
            label="Pages of claims"
            testId="claims-range"
            page={page}
            size={PAGE_SIZE}
            shown={claims.items.length}
            total={claims.total}
            none="No claims yet"
            earlier="Newer"
            later="Older"
            onPage={setPage}
          />
        </>
      )}
    </section>
  );
}
