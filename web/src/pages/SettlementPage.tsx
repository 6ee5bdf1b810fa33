import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { hexlify, keccak256, toUtf8Bytes } from "ethers";
import { api, ok, type SettlementOut } from "../api/client";
import { useSession } from "../session";
import { deadlineIn, signStruct, structHash } from "../signing";
import { jcs } from "../documents";
import { Badge, BusyStatus, ErrorBox, Field } from "../components/Status";
import { ScrollTable } from "../components/Table";
import { useAction } from "../action";
import { kg, money, short } from "../format";

/** The Terms message of the API's terms (JSON names -> the struct's, values as signed). */
function termsMessage(t: Record<string, unknown>): Record<string, unknown> {
  return {
    parties: t.parties,
    sharesBps: t.shares_bps,
    claimIds: t.claim_ids,
    overlapKgCO2e: t.overlap_kgco2e,
    shipmentRoot: t.shipment_root,
    projectHash: t.project_hash,
    totalCost: t.total_cost,
    currency: hexlify(toUtf8Bytes(String(t.currency))),
    expectedReductionKgCO2e: t.expected_reduction_kgco2e,
    signingDeadline: t.signing_deadline,
  };
}

export function SettlementPage() {
  const { settlementId = "" } = useParams();
  const { signer, chain, address } = useSession();
  const [s, setS] = useState<SettlementOut | null>(null);
  const [payment, setPayment] = useState({ amount: "", reference: "" });
  const [reason, setReason] = useState("");
  const { busy, error, setError, run } = useAction();

  const load = useCallback(() => {
    ok(api.GET("/settlements/{settlement_id}", { params: { path: { settlement_id: settlementId } } })).then(setS).catch(setError);
  }, [settlementId]);
  useEffect(load, [load]);

  if (!s) return error ? <ErrorBox error={error} /> : <p role="status">Loading…</p>;

  // what a party signs is what it reviewed: the id and the project hash, recomputed here
  const idHolds = structHash(chain, "Terms", termsMessage(s.terms)).toLowerCase() === s.settlement_id.toLowerCase();
  const projectHolds = keccak256(toUtf8Bytes(jcs(s.project))).toLowerCase() === String(s.terms.project_hash).toLowerCase();
  const me = s.parties.find((p) => p.firm.toLowerCase() === address.toLowerCase());

  type SignedBody = { nonce: number; deadline: number; signature: string };
  async function signed(label: string, primary: string, message: (n: number, d: number) => Record<string, unknown>, post: (body: SignedBody) => Promise<unknown>) {
    await run(label, async () => {
      if (!idHolds || !projectHolds) throw new Error("the terms shown do not hash to this settlement: not signing");
      const { nonce } = await ok(api.GET("/settlements/nonce"));
      const deadline = deadlineIn(7);
      const signature = await signStruct(signer, chain, "OverlapSettlement", primary, message(nonce, deadline));
      await post({ nonce, deadline, signature });
      load();
    });
  }
  const id = s.settlement_id;
  const path = { params: { path: { settlement_id: id } } };

  return (
    <section>
      <h1>
        Settlement <code>{short(id)}</code> <Badge value={s.status} />
      </h1>
      <p>
        {String(s.project.description ?? "")}{" "}
        <button type="button" onClick={load}>
          Refresh
        </button>
      </p>
      <p className={idHolds && projectHolds ? "good" : "bad"} data-testid="terms-check">
        {idHolds && projectHolds
          ? "✔ The terms and the project text hash to this settlement's id (computed in this page)."
          : "✖ The terms do not hash to this settlement's id."}
      </p>
      <dl className="facts">
        <dt>Overlap</dt>
        <dd>{kg(Number(s.terms.overlap_kgco2e))} counted by both</dd>
        <dt>Total cost</dt>
        <dd>{money(Number(s.terms.total_cost), String(s.terms.currency))}</dd>
        <dt>Expected reduction</dt>
        <dd>{kg(Number(s.terms.expected_reduction_kgco2e))}</dd>
        <dt>Consents</dt>
        <dd data-testid="consents">{s.consents} of {s.parties.length}</dd>
        <dt>Realised (attested)</dt>
        <dd>{s.reduction_recorded ? kg(s.realised_kgco2e) : "not yet"}</dd>
      </dl>
      <ScrollTable testId="parties" columns={["Party", "Share", "Consented", "Cost share", "Paid", "Allocation", "Cited by"]}>
        {s.parties.map((p) => (
          <tr key={p.firm}>
            <td><code>{short(p.firm, 4)}</code>{p.firm.toLowerCase() === address.toLowerCase() ? " (you)" : ""}</td>
            <td className="num">{(p.share_bps / 100).toFixed(2)} %</td>
            <td>{p.consented ? "yes" : "no"}</td>
            <td className="num">{money(p.cost_share, String(s.terms.currency))}</td>
            <td className="num">{money(p.paid, String(s.terms.currency))}</td>
            <td className="num">{kg(p.allocation_kgco2e)}</td>
            <td>
              {p.citing_claim ? (
                // one's own claim opens in full; a partner's shows what the chain holds
                <Link to={p.firm.toLowerCase() === address.toLowerCase() ? `/claims/${p.citing_claim}` : `/verify/${p.citing_claim}`}>
                  {short(p.citing_claim)}
                </Link>
              ) : (
                "—"
              )}
            </td>
          </tr>
        ))}
      </ScrollTable>
      {me && s.reduction_recorded && me.allocation_kgco2e > 0 && !me.citing_claim && (
        <p className="card" data-testid="cite-hint">
          The attested reduction allocates you {kg(me.allocation_kgco2e)}. To count it, submit a reduction claim whose{" "}
          <code>settlements</code> cite <code>{id}</code>: <Link to="/submit">Submit a claim</Link> signs the citation of
          your allocation with it.
        </p>
      )}
      <BusyStatus busy={busy} />
      <ErrorBox error={error} />
      {me && s.status === "proposed" && !me.consented && (
        <div className="card row">
          <button
            type="button"
            disabled={busy !== null}
            onClick={() =>
              signed("Signing your consent…", "Consent", (nonce, deadline) => ({ settlementId: id, party: address, nonce, deadline }), (body) =>
                ok(api.POST("/settlements/{settlement_id}/consents", { ...path, body })),
              )
            }
          >
            Sign consent
          </button>
          <Field label="Reason to decline">
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <button
            type="button"
            disabled={busy !== null}
            onClick={() =>
              signed("Signing your decline…", "Decline", (nonce, deadline) => ({ settlementId: id, party: address, reasonHash: keccak256(toUtf8Bytes(reason)), nonce, deadline }), (body) =>
                ok(api.POST("/settlements/{settlement_id}/declines", { ...path, body: { ...body, reason } })),
              )
            }
          >
            Decline
          </button>
        </div>
      )}
      {me && s.status === "agreed" && me.paid < me.cost_share && (
        <div className="card row">
          <Field label={`Amount paid (${s.terms.currency})`}>
            <input inputMode="decimal" value={payment.amount} onChange={(e) => setPayment({ ...payment, amount: e.target.value })} />
          </Field>
          <Field label="Payment reference">
            <input value={payment.reference} onChange={(e) => setPayment({ ...payment, reference: e.target.value })} />
          </Field>
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => {
              const amount = Math.round(Number(payment.amount) * 100);
              signed("Signing the payment record…", "Payment", (nonce, deadline) => ({ settlementId: id, payer: address, amount, referenceHash: keccak256(toUtf8Bytes(payment.reference)), nonce, deadline }), (body) =>
                ok(api.POST("/settlements/{settlement_id}/payments", { ...path, body: { ...body, amount, reference: payment.reference } })),
              );
            }}
          >
            Record payment
          </button>
        </div>
      )}
    </section>
  );
}
