// The firm's PACT host (issue 13): the footprints it publishes to partners over the PACT
// API, the client credentials it issued them, and partners' footprint requests as tasks.
// A footprint is published with an anchor claim signed in this page (the service's dry run
// gives the Claim message; the types come from GET /chain).
import { useCallback, useEffect, useState } from "react";
import { api, ok } from "../../api/client";
import { ErrorBox } from "../../components/Status";
import { Footprints } from "./Footprints";
import { Clients } from "./Clients";
import { Requests } from "./Requests";

/** The PACT routes answer PACT's own JSON (free-form in the OpenAPI document): the fields used here. */
export type Footprint = { id: string; productNameCompany?: string; productDescription?: string; status?: string; pcf?: Record<string, unknown>; extensions?: { data?: Record<string, unknown> }[] };
export type Client = { client_id: string; partner: string; all_footprints: boolean; footprints: string[]; created_at: string; revoked_at: string | null; events_to: string | null };
/** How an answered request's answer event stands in the outbox (null until answered). */
export type Delivery = { state: "pending" | "sent" | "failed"; attempts: number; error: string | null; next_attempt_at: number | null; sent_at: string | null };
export type Request = { seq: number; client_id: string; event_type: string; event: Record<string, unknown>; state: string; received_at: string; answer: unknown; delivery?: Delivery | null };

export function Pact() {
  const [footprints, setFootprints] = useState<Footprint[]>([]);
  const [clients, setClients] = useState<Client[]>([]);
  const [requests, setRequests] = useState<Request[]>([]);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    setError(null);
    ok(api.GET("/pact/footprints")).then((x) => setFootprints(x as unknown as Footprint[])).catch(setError);
    ok(api.GET("/pact/clients")).then((x) => setClients(x as unknown as Client[])).catch(setError);
    ok(api.GET("/pact/requests")).then((x) => setRequests(x as unknown as Request[])).catch(setError);
  }, []);
  useEffect(load, [load]);

  const partnerOf = (clientId: string) => clients.find((c) => c.client_id === clientId)?.partner ?? clientId;
  return (
    <section>
      <h1>PACT</h1>
      <p className="muted">
        Product footprints you publish to partners over the PACT Technical Specifications API, each anchored on chain by a claim
        you sign here; the credentials partners use to read them; and their requests.
      </p>
      <button type="button" onClick={load}>
        Refresh
      </button>
      <ErrorBox error={error} />
      <Requests requests={requests} footprints={footprints} partnerOf={partnerOf} onChange={load} />
      <Footprints footprints={footprints} onChange={load} />
      <Clients clients={clients} footprints={footprints} onChange={load} />
    </section>
  );
}
