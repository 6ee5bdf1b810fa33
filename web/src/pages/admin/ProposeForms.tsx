import { useState, type FormEvent } from "react";
import type { Run } from "./Admin";
import { Field } from "../../components/Status";
import { CheckList } from "../../components/CheckList";

export function AdmitForm({ run, busy, roles }: { run: Run; busy: boolean; roles: string[] }) {
  const [account, setAccount] = useState("");
  const [name, setName] = useState("");
  const [identifier, setIdentifier] = useState("");
  const [wanted, setWanted] = useState<string[]>(["firm"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await run(`Proposing to admit ${name}`, {
      action: "admit",
      account: account.trim(),
      name: name.trim(),
      roles: wanted,
      identifier: identifier.trim() || null,
    });
    if (ok) {
      setAccount("");
      setName("");
      setIdentifier("");
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-label="Admit a member">
      <h2>Admit a member</h2>
      <Field label="Account address">
        <input value={account} onChange={(e) => setAccount(e.target.value)} required pattern="0x[0-9a-fA-F]{40}" placeholder="0x…" />
      </Field>
      <Field label="Name" hint="As registered; any script (e.g. 宁波港物流有限公司).">
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </Field>
      <Field label="Registration number" hint="Optional; only its hash goes on chain.">
        <input value={identifier} onChange={(e) => setIdentifier(e.target.value)} maxLength={200} />
      </Field>
      <fieldset>
        <legend>Roles</legend>
        <CheckList values={roles} chosen={wanted} onChange={setWanted} name="admit-role" />
      </fieldset>
      <button type="submit" disabled={busy || wanted.length === 0}>
        Propose admission
      </button>
    </form>
  );
}

export function QuorumForm({ run, busy, quorum, adminCount }: { run: Run; busy: boolean; quorum: number; adminCount: number }) {
  const [wanted, setWanted] = useState(String(quorum));
  return (
    <form
      className="card"
      aria-label="Admin quorum"
      onSubmit={(e) => {
        e.preventDefault();
        void run(`Proposing a quorum of ${wanted}`, { action: "set_quorum", quorum: Number(wanted) });
      }}
    >
      <h2>Admin quorum</h2>
      <p>
        Now <strong>{quorum}</strong> of {adminCount} admins must approve each proposal.
      </p>
      <Field label="New quorum" hint={`1 to ${adminCount} (the number of active admins).`}>
        <input type="number" min={1} max={adminCount} value={wanted} onChange={(e) => setWanted(e.target.value)} required />
      </Field>
      <button type="submit" disabled={busy || Number(wanted) === quorum}>
        Propose quorum
      </button>
    </form>
  );
}
