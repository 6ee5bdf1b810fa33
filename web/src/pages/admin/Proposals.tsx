import type { Run } from "./Admin";
import { describe, type Proposal } from "../../governance";
import { Badge } from "../../components/Status";
import { ScrollTable } from "../../components/Table";
import { date, short } from "../../format";

export function Proposals({
  proposals,
  quorum,
  nameOf,
  run,
  busy,
}: {
  proposals: Proposal[];
  quorum: number;
  nameOf: (account: string) => string;
  run: Run;
  busy: boolean;
}) {
  const pending = proposals.filter((p) => p.status === "pending");
  const recent = proposals.filter((p) => p.status !== "pending").slice(0, 10);
  return (
    <>
      <h2>Pending proposals</h2>
      {pending.length === 0 && <p className="muted">None: every proposal so far was executed or expired.</p>}
      {pending.length > 0 && <ProposalTable rows={pending} quorum={quorum} nameOf={nameOf} run={run} busy={busy} testId="pending" />}
      {recent.length > 0 && (
        <details>
          <summary>Latest decided proposals</summary>
          <ProposalTable rows={recent} quorum={quorum} nameOf={nameOf} run={run} busy testId="decided" />
        </details>
      )}
    </>
  );
}

function ProposalTable({
  rows,
  quorum,
  nameOf,
  run,
  busy,
  testId,
}: {
  rows: Proposal[];
  quorum: number;
  nameOf: (account: string) => string;
  run: Run;
  busy: boolean;
  testId: string;
}) {
  return (
    <ScrollTable testId={testId} columns={["Registry · id", "Proposal", "Proposed by", "Approvals", "Expires", "Status"]} action="Action">
      {rows.map((p) => {
        const label = `${p.registry} proposal ${p.proposal_id}`;
        const ready = p.approvals >= quorum;
        return (
          <tr key={label}>
            <td>
              {p.registry} · {p.proposal_id}
            </td>
            <td>{describe(p, nameOf)}</td>
            <td title={p.proposer}>{nameOf(p.proposer)}</td>
            <td className="num">
              {p.approvals} / {quorum}
            </td>
            <td>{date(p.expires_at)}</td>
            <td>
              <Badge value={p.status} />
              {p.approved_by_caller && <small className="muted"> · you approved</small>}
            </td>
            <td>
              {p.status === "pending" && !p.approved_by_caller && (
                <button type="button" disabled={busy} onClick={() => run(`Approving ${label}`, { action: "approve", registry: p.registry as "members" | "standards", proposal_id: p.proposal_id })} aria-label={`Approve ${label}`}>
                  Approve
                </button>
              )}
              {p.status === "pending" && p.approved_by_caller && ready && p.registry === "members" && (
                <button type="button" disabled={busy} onClick={() => run(`Executing ${label}`, { action: "execute", registry: "members", proposal_id: p.proposal_id })} aria-label={`Execute ${label}`}>
                  Execute
                </button>
              )}
              {p.account && <code className="muted" title={p.account}> {short(p.account, 4)}</code>}
            </td>
          </tr>
        );
      })}
    </ScrollTable>
  );
}
