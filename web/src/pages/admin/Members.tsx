import { useState } from "react";
import type { MemberOut } from "../../api/client";
import type { Run } from "./Admin";
import { Badge } from "../../components/Status";
import { short } from "../../format";
import { ScrollTable } from "../../components/Table";
import { CheckList } from "../../components/CheckList";

export function Members({ members, roles, run, busy }: { members: MemberOut[]; roles: string[]; run: Run; busy: boolean }) {
  return (
    <ScrollTable testId="members" columns={["Name", "Account", "Roles", "Status", "Signing key", "Admitted in block"]} action="Propose">
      {members.map((m) => (
        <tr key={m.account}>
          <td>{m.name || <span className="muted">(no name)</span>}</td>
          <td>
            <code title={m.account}>{short(m.account, 4)}</code>
          </td>
          <td>{m.roles.join(", ")}</td>
          <td>
            <Badge value={m.status} />
          </td>
          <td>
            <code title={m.signing_key}>{short(m.signing_key, 4)}</code>
          </td>
          <td className="num">{m.admitted_block}</td>
          <td>
            <MemberActions member={m} roles={roles} run={run} busy={busy} />
          </td>
        </tr>
      ))}
    </ScrollTable>
  );
}

function MemberActions({ member, roles, run, busy }: { member: MemberOut; roles: string[]; run: Run; busy: boolean }) {
  const [wanted, setWanted] = useState<string[]>(member.roles);
  const who = member.name;
  const propose = (verb: "suspend" | "reinstate" | "remove") =>
    run(`Proposing to ${verb} ${who}`, { action: verb, account: member.account });
  if (member.status === "removed") return null;
  return (
    <div className="actions">
      {member.status === "active" && (
        <button type="button" disabled={busy} aria-label={`Suspend ${who}`} onClick={() => propose("suspend")}>
          Suspend
        </button>
      )}
      {member.status === "suspended" && (
        <button type="button" disabled={busy} aria-label={`Reinstate ${who}`} onClick={() => propose("reinstate")}>
          Reinstate
        </button>
      )}
      <details>
        <summary>Roles…</summary>
        <fieldset>
          <legend>Roles of {who}</legend>
          <CheckList values={roles} chosen={wanted} onChange={setWanted} />
          <button
            type="button"
            disabled={busy || wanted.length === 0}
            aria-label={`Propose roles for ${who}`}
            onClick={() => run(`Proposing new roles for ${who}`, { action: "set_roles", account: member.account, roles: wanted })}
          >
            Propose roles
          </button>
        </fieldset>
        <button type="button" className="danger" disabled={busy} aria-label={`Remove ${who}`} onClick={() => propose("remove")}>
          Propose removal
        </button>
      </details>
    </div>
  );
}
