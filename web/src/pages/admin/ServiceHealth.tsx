import { useCallback, useEffect, useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { Badge, ErrorBox } from "../../components/Status";
import { ScrollTable } from "../../components/Table";
import { short } from "../../format";

type ServiceStatus = Schemas["StatusOut"];

/** How often the panel reads GET /status again (the service reads its database and chain each time). */
const EVERY_MS = 10_000;

function spoken(seconds: number): string {
  if (seconds < 600) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** The service as its operators watch it: alerts first, then the claims' flow, the processes in each
 * background role and the service account. Read again every ten seconds while the page is open. */
export function ServiceHealth() {
  const [status, setStatus] = useState<ServiceStatus | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    ok(api.GET("/status"))
      .then((s) => {
        setStatus(s);
        setError(null);
      })
      .catch(setError);
  }, []);
  useEffect(() => {
    load();
    const timer = window.setInterval(load, EVERY_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  if (!status) return <ErrorBox error={error} />;
  const { pipeline, chain } = status;
  return (
    <section aria-labelledby="service-health">
      <h2 id="service-health">
        Service{" "}
        <span className={status.healthy ? "good" : "bad"} data-testid="service-healthy">
          {status.healthy ? "healthy" : "needs attention"}
        </span>
      </h2>
      <ErrorBox error={error} />
      {status.alerts.length > 0 && (
        <ul data-testid="service-alerts">
          {status.alerts.map((a) => (
            <li key={a.name} className={a.severity === "critical" ? "bad" : undefined}>
              <strong>{a.severity}</strong> <code>{a.name}</code>: {a.message}
            </li>
          ))}
        </ul>
      )}
      {pipeline ? (
        <Pipeline pipeline={pipeline} />
      ) : (
        <p className="bad" data-testid="service-database">
          The database does not answer: {status.database_error}
        </p>
      )}
      {status.database_connections && (
        <p className="muted" data-testid="service-connections">
          Database: {status.database_connections.in_use} of {status.database_connections.limit} connections in use.
        </p>
      )}
      <ScrollTable testId="service-roles" caption="Background roles (one active per database, others stand by)" columns={["Role", "State", "Host", "Process", "Last report", "Last error"]}>
        {status.instances.map((i) => (
          <tr key={`${i.role}-${i.host}-${i.pid}-${i.started_at}`}>
            <td>{i.role}</td>
            <td>
              <Badge value={i.alive ? i.state : "gone"} />
            </td>
            <td>{i.host}</td>
            <td className="num">{i.pid}</td>
            <td>{spoken(Math.max(0, status.at - i.seen_at))} ago</td>
            <td>{i.last_error ?? <span className="muted">none</span>}</td>
          </tr>
        ))}
      </ScrollTable>
      <ApiProcesses processes={status.api_processes} />
      {chain ? (
        <p className="muted" data-testid="service-chain">
          Chain {chain.chain_id}: block {chain.head}, {spoken(chain.head_age_seconds)} old. Service account{" "}
          <code title={chain.relayer}>{short(chain.relayer, 4)}</code>: {(Number(BigInt(chain.relayer_balance_wei) / 10n ** 14n) / 10_000).toLocaleString()} ETH,{" "}
          {chain.relayer_pending_transactions} transactions waiting.
        </p>
      ) : (
        <p className="bad">The chain node does not answer: {status.chain_error}</p>
      )}
    </section>
  );
}

/** The processes serving the API (behind one port or a load balancer), each by host and process id; those that
 * stopped reporting without a clean stop counted apart. */
function ApiProcesses({ processes }: { processes: ServiceStatus["api_processes"] }) {
  if (processes.length === 0) return null;
  const serving = processes.filter((p) => p.alive);
  const gone = processes.length - serving.length;
  return (
    <p className="muted" data-testid="service-api">
      API processes: {serving.length} serving
      {serving.length > 0 && <> ({serving.map((p) => `${p.host} pid ${p.pid}`).join(", ")})</>}
      {gone > 0 && <>; {gone} stopped reporting</>}.
    </p>
  );
}

/** The claims per state and the oldest accepted one's wait, how far the indexer has read, and
 * the firms' backlogs (none named). */
function Pipeline({ pipeline }: { pipeline: NonNullable<ServiceStatus["pipeline"]> }) {
  const waiting = pipeline.oldest_accepted_age_seconds;
  return (
    <p data-testid="service-claims">
      Claims:{" "}
      {Object.entries(pipeline.claims).map(([state, count], i) => (
        <span key={state}>
          {i > 0 && ", "}
          {count} {state}
        </span>
      ))}
      {waiting !== null && waiting !== undefined && <> (the oldest accepted waits {spoken(waiting)})</>}. Indexed up to
      block {pipeline.indexed_block}
      {pipeline.index_lag_blocks !== null && pipeline.index_lag_blocks !== undefined && <>, {pipeline.index_lag_blocks} behind the head</>}.
      {pipeline.firms_waiting > 0 && (
        <>
          {" "}
          {pipeline.firms_waiting} {pipeline.firms_waiting === 1 ? "firm has" : "firms have"} claims waiting, the most{" "}
          {pipeline.largest_firm_backlog} (limit {pipeline.firm_backlog_limit}
          {pipeline.firms_at_backlog_limit > 0 && <>; {pipeline.firms_at_backlog_limit} at it, refused with 429</>}).
        </>
      )}
    </p>
  );
}
