// The owner shares a claim's document with a partner or an auditor: the document's data key
// is unwrapped with the owner's vault key and wrapped again for the reader's registered X25519
// key, both in this page; the service stores the wrapped key and never sees the data key.
import { useEffect, useState } from "react";
import { allMembers, api, ok, type MemberOut } from "../api/client";
import { wrapFor, type Envelope, type VaultKey } from "../vault";
import { ErrorBox, Field } from "../components/Status";
import { useAction } from "../action";
import { short } from "../format";

export function ShareDocument({ claimId, envelope, vault, owner }: { claimId: string; envelope: Envelope; vault: VaultKey; owner: string }) {
  const [members, setMembers] = useState<MemberOut[]>([]);
  const [reader, setReader] = useState("");
  const [readers, setReaders] = useState<string[] | null>(null);
  const { busy: running, error, setError, run } = useAction();
  const busy = running !== null;
  const path = { params: { path: { claim_id: claimId } } };

  useEffect(() => {
    allMembers()
      .then((all) => setMembers(all.filter((m) => m.status === "active" && m.account.toLowerCase() !== owner.toLowerCase())))
      .catch(setError);
  }, [owner]);

  const nameOf = (account: string) => members.find((m) => m.account.toLowerCase() === account.toLowerCase())?.name || short(account, 4);

  const act = (label: string, change: () => Promise<{ readers: string[] }>) =>
    run(label, async () => setReaders((await change()).readers));

  const grant = () =>
    act("Granting", async () => {
      const key = await ok(api.GET("/members/{account}/vault-key", { params: { path: { account: reader } } }));
      const wrapped_key = wrapFor(envelope, vault, key.public_key);
      return ok(api.POST("/claims/{claim_id}/grants", { ...path, body: { reader, wrapped_key } }));
    });
  const withdraw = (account: string) =>
    act("Withdrawing", () => ok(api.DELETE("/claims/{claim_id}/grants/{reader}", { params: { path: { claim_id: claimId, reader: account } } })));

  return (
    <div className="card" data-testid="share">
      <h3>Share the document</h3>
      <p>The document's key is wrapped for the reader in this page; the service never sees it in clear.</p>
      <div className="row">
        <Field label="Reader (partner or auditor)">
          <select value={reader} onChange={(e) => setReader(e.target.value)}>
            <option value="">— choose a member —</option>
            {members.map((m) => (
              <option key={m.account} value={m.account}>
                {m.name} ({m.roles.join(", ")})
              </option>
            ))}
          </select>
        </Field>
        <button type="button" onClick={grant} disabled={busy || !reader}>
          Grant read access
        </button>
      </div>
      <ErrorBox error={error} />
      {readers && (
        <ul data-testid="readers">
          {readers.map((r) => (
            <li key={r}>
              {nameOf(r)} <code title={r}>{short(r, 4)}</code>{" "}
              {r.toLowerCase() !== owner.toLowerCase() && (
                <button type="button" className="danger" disabled={busy} aria-label={`Withdraw ${nameOf(r)}`} onClick={() => withdraw(r)}>
                  Withdraw
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
