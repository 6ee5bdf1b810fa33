import { useState } from "react";
import { api, ok } from "../../api/client";
import { useSession } from "../../session";
import { deadlineIn, signStruct } from "../../signing";
import { BusyStatus, ErrorBox, Field, Badge } from "../../components/Status";
import { ScrollTable } from "../../components/Table";
import { notJson, useAction } from "../../action";
import { short } from "../../format";
import type { Footprint } from "./Pact";

function anchorOf(pf: Footprint): Record<string, unknown> {
  return (pf.extensions ?? []).map((e) => e.data ?? {}).find((d) => "claimId" in d) ?? {};
}

export function Footprints({ footprints, onChange }: { footprints: Footprint[]; onChange: () => void }) {
  const { signer, chain, address } = useSession();
  const [draft, setDraft] = useState<{ name: string; pf: Record<string, unknown>; claimId: string; claim: Record<string, unknown> } | null>(null);
  const { busy, error, run } = useAction();

  async function choose(file: File | undefined) {
    if (!file) return;
    setDraft(null);
    await run(
      null,
      async (say) => {
        const pf = JSON.parse(await file.text()) as Record<string, unknown>;
        say("The service checks the footprint (nothing is signed or stored)…");
        const anchor = await ok(api.POST("/pact/footprints/check", { body: { footprint: pf } }));
        setDraft({ name: file.name, pf, claimId: anchor.claim_id, claim: anchor.claim });
      },
      notJson(file.name),
    );
  }

  async function publish() {
    if (!draft) return;
    await run(null, async (say) => {
      if (String(draft.claim.firm).toLowerCase() !== address.toLowerCase()) throw new Error("this anchor is not your firm's");
      say("Signing the anchor claim in this page and publishing…");
      const { nonce } = await ok(api.GET("/members/{account}/nonce", { params: { path: { account: address } } }));
      const deadline = deadlineIn(1);
      const signature = await signStruct(signer, chain, "ClaimLedger", "Claim", { ...draft.claim, nonce, deadline });
      await ok(api.POST("/pact/footprints", { body: { footprint: draft.pf, signature, nonce, deadline, derived_from: [] } }));
      setDraft(null);
      onChange();
    });
  }

  return (
    <>
      <h2>Published footprints</h2>
      <ScrollTable testId="pact-footprints" columns={["Product", "Footprint id", "Status", "PCF (excl. biogenic)", "Anchor claim"]}>
        {footprints.map((pf) => {
          const anchor = anchorOf(pf);
          const pcf = pf.pcf ?? {};
          return (
            <tr key={pf.id}>
              <td>{pf.productNameCompany ?? pf.productDescription}</td>
              <td>
                <code title={pf.id}>{pf.id}</code>
              </td>
              <td>
                <Badge value={String(pf.status ?? "").toLowerCase()} />
              </td>
              <td className="num">
                {String(pcf.pcfExcludingBiogenicUptake ?? "—")} kgCO2e / {String(pcf.declaredUnitAmount ?? "")} {String(pcf.declaredUnitOfMeasurement ?? "")}
              </td>
              <td>{anchor.claimId ? <a href={`/app/verify/${String(anchor.claimId)}`}>{short(String(anchor.claimId))}</a> : "—"}</td>
            </tr>
          );
        })}
      </ScrollTable>
      <div className="card">
        <h3>Publish a footprint</h3>
        <Field label="PACT ProductFootprint (JSON)" hint="Status Active; a new version names the one it replaces in precedingPfIds.">
          <input type="file" accept=".json,application/json" onChange={(e) => choose(e.target.files?.[0])} />
        </Field>
        <BusyStatus busy={busy} />
        <ErrorBox error={error} />
        {draft && (
          <div data-testid="pact-draft">
            <p className="good">
              {draft.name} passes the PACT checks. You will sign anchor claim <code>{short(draft.claimId)}</code> with your{" "}
              {signer.kind === "wallet" ? "wallet" : "key"}.
            </p>
            <button type="button" onClick={publish} disabled={busy !== null}>
              Sign and publish
            </button>
          </div>
        )}
      </div>
    </>
  );
}
