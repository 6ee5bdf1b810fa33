import { useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorBox, Field, Badge } from "../../components/Status";
import { useAction } from "../../action";
import type { Delivery, Footprint, Request } from "./Pact";

type Answered = Schemas["AnswerOut"];

export function Requests({ requests, footprints, partnerOf, onChange }: { requests: Request[]; footprints: Footprint[]; partnerOf: (clientId: string) => string; onChange: () => void }) {
  const open = requests.filter((r) => r.state === "open");
  const answered = requests.filter((r) => r.state !== "open" && r.state !== "received");
  const [delivered, setDelivered] = useState<string | null>(null);
  const onAnswered = (partner: string, a: Answered) => {
    setDelivered(
      a.delivery === "sent"
        ? `Request ${a.request} ${a.state}: the answer reached ${partner}'s PACT host.`
        : `Request ${a.request} ${a.state}, but the answer has not reached ${partner} yet (${a.error ?? a.delivery}): the ledger keeps retrying it.`,
    );
    onChange();
  };
  return (
    <>
      <h2>Partners' requests</h2>
      {delivered && (
        <p role="status" data-testid="pact-answered">
          {delivered}
        </p>
      )}
      {open.length === 0 && <p className="muted">No open request.</p>}
      <ul data-testid="pact-requests">
        {open.map((r) => (
          <RequestTask key={r.seq} request={r} footprints={footprints} partner={partnerOf(r.client_id)} onAnswered={onAnswered} />
        ))}
      </ul>
      {answered.length > 0 && (
        <details>
          <summary>Answered requests</summary>
          <ul>
            {answered.map((r) => (
              <li key={r.seq} data-testid={`pact-answered-${r.seq}`}>
                {partnerOf(r.client_id)} · {r.received_at} <Badge value={r.state} /> <DeliveryState delivery={r.delivery ?? null} />
              </li>
            ))}
          </ul>
          {answered.some((r) => r.delivery && r.delivery.state !== "sent") && <RetryNow onChange={onChange} />}
        </details>
      )}
    </>
  );
}

function DeliveryState({ delivery }: { delivery: Delivery | null }) {
  if (!delivery) return null;
  if (delivery.state === "sent") return <span className="muted">· answer delivered {delivery.sent_at}</span>;
  const next = delivery.next_attempt_at ? ` next try ${new Date(delivery.next_attempt_at * 1000).toISOString()}` : "";
  const what = delivery.state === "failed" ? "answer not delivered, retries given up" : `answer waiting for a retry${next}`;
  return (
    <span className="delivery-waiting">
      · {what} (attempt {delivery.attempts}: {delivery.error ?? "no answer"})
    </span>
  );
}

function RetryNow({ onChange }: { onChange: () => void }) {
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  async function retry() {
    await run("Retrying the events", async () => {
      const done = (await ok(api.POST("/pact/events/flush"))) as unknown as { sent: number };
      setSent(`${done.sent} event(s) sent.`);
      onChange();
    });
  }
  return (
    <p>
      <button type="button" disabled={busy !== null} onClick={retry}>
        Retry now
      </button>{" "}
      {sent && <span role="status">{sent}</span>}
      <ErrorBox error={error} />
    </p>
  );
}

function RequestTask({ request, footprints, partner, onAnswered }: { request: Request; footprints: Footprint[]; partner: string; onAnswered: (partner: string, a: Answered) => void }) {
  const [pfId, setPfId] = useState("");
  const [reason, setReason] = useState("");
  const { error, run } = useAction();
  const data = (request.event.data ?? {}) as Record<string, unknown>;
  const asked = Object.entries(data)
    .filter(([k]) => k !== "comment")
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join("; ");

  async function answer(body: { footprints?: string[]; error?: { code: string; message: string } }) {
    await run(null, async () => {
      onAnswered(partner, await ok(api.POST("/pact/requests/{seq}/answer", { params: { path: { seq: request.seq } }, body: { footprints: [], error: null, ...body } })));
    });
  }

  return (
    <li className="card">
      <p>
        <strong>{partner}</strong> asks for {asked || "a footprint"}
        {data.comment ? <> — “{String(data.comment)}”</> : null} <small className="muted">({request.received_at})</small>
      </p>
      <div className="row">
        <Field label={`Footprint for request ${request.seq}`}>
          <select value={pfId} onChange={(e) => setPfId(e.target.value)}>
            <option value="">— choose —</option>
            {footprints.map((f) => (
              <option key={f.id} value={f.id}>
                {f.productNameCompany ?? f.id}
              </option>
            ))}
          </select>
        </Field>
        <button type="button" disabled={!pfId} onClick={() => answer({ footprints: [pfId] })}>
          Fulfil
        </button>
        <Field label={`Reason to reject request ${request.seq}`}>
          <input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <button type="button" className="danger" onClick={() => answer({ error: { code: "NotFound", message: reason || "no such footprint" } })}>
          Reject
        </button>
      </div>
      <ErrorBox error={error} />
    </li>
  );
}
