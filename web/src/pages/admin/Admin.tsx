import { useCallback, useEffect, useState } from "react";
import { allMembers, api, ok, type MemberOut, type Schemas } from "../../api/client";
import { act, type AdminAction, type Governance } from "../../governance";
import { useSession } from "../../session";
import { ErrorBox } from "../../components/Status";
import { useAction } from "../../action";
import { short } from "../../format";
import { Members } from "./Members";
import { Proposals } from "./Proposals";
import { AdmitForm, QuorumForm } from "./ProposeForms";
import { ServiceHealth } from "./ServiceHealth";
import { Standards } from "./Standards";

export type Standard = Schemas["StandardVersionOut"];

/** Runs one admin action (signed in this page) and reports it; shared by the panels. */
export type Run = (label: string, action: AdminAction) => Promise<boolean>;

export function Admin() {
  const { signer, roles } = useSession();
  const [members, setMembers] = useState<MemberOut[]>([]);
  const [published, setPublished] = useState<Standard[]>([]);
  const [gov, setGov] = useState<Governance | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, setError, run: runAction } = useAction();
  const isAdmin = roles.includes("admin");

  const load = useCallback(() => {
    allMembers().then(setMembers).catch(setError);
    ok(api.GET("/standards")).then((p) => setPublished(p.items)).catch(setError);
    ok(api.GET("/governance")).then(setGov).catch(setError);
  }, [setError]);
  useEffect(load, [load]);

  const run: Run = (label, action) => {
    setDone(null);
    return runAction(label, async () => {
      const r = await act(signer, action);
      const what = r.executed
        ? "executed"
        : `approved ${r.approvals ?? "?"} of ${r.quorum}: waiting for more admins`;
      setDone(`${label}: proposal ${r.proposal_id ?? "—"} ${what} (transaction ${short(r.tx_hash)}, block ${r.block_number})`);
      load();
    });
  };

  const nameOf = (account: string) =>
    members.find((m) => m.account.toLowerCase() === account.toLowerCase())?.name || short(account, 4);

  return (
    <section>
      <h1>Consortium</h1>
      <p className="muted">
        Every change is a proposal that {gov ? <strong>{gov.quorum} of {gov.admin_count}</strong> : "a quorum of"} admins
        approve, each with its own key: this page signs the transaction with the key you opened here and the service only
        broadcasts it.
      </p>
      <ErrorBox error={error} />
      {busy && <p role="status">{busy}: signing and waiting for the chain…</p>}
      {done && (
        <p role="status" className="good" data-testid="admin-done">
          {done}
        </p>
      )}
      {isAdmin && <ServiceHealth />}
      {gov && <Proposals proposals={gov.proposals} quorum={gov.quorum} nameOf={nameOf} run={run} busy={!!busy || !isAdmin} />}
      <h2>Members</h2>
      <Members members={members} roles={gov?.roles ?? []} run={run} busy={!!busy || !isAdmin} />
      {isAdmin && (
        <div className="grid2">
          <AdmitForm run={run} busy={!!busy} roles={gov?.roles ?? []} />
          {gov && <QuorumForm run={run} busy={!!busy} quorum={gov.quorum} adminCount={gov.admin_count} />}
        </div>
      )}
      <Standards published={published} shipped={gov?.standards ?? []} run={run} busy={!!busy || !isAdmin} />
    </section>
  );
}
