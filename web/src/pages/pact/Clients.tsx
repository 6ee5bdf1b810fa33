import { useState, type FormEvent } from "react";
import { api, ok } from "../../api/client";
import { ErrorBox, Field, Badge } from "../../components/Status";
import { useAction } from "../../action";
import type { Client, Footprint } from "./Pact";
import { ScrollTable } from "../../components/Table";
import { CheckList } from "../../components/CheckList";

type Issued = { client_id: string; client_secret: string; token_endpoint: string; api_base_url: string };

export function Clients({ clients, footprints, onChange }: { clients: Client[]; footprints: Footprint[]; onChange: () => void }) {
  const [partner, setPartner] = useState("");
  const [all, setAll] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [callback, setCallback] = useState({ url: "", client_id: "", client_secret: "", ca_pem: "" });
  const [issued, setIssued] = useState<Issued | null>(null);
  const { error, run } = useAction();

  async function issue(e: FormEvent) {
    e.preventDefault();
    await run(null, async () => {
      const body = {
        partner,
        all_footprints: all,
        footprints: all ? [] : chosen,
        callback: callback.url ? { ...callback, ca_pem: callback.ca_pem.trim() || null } : null,
      };
      setIssued((await ok(api.POST("/pact/clients", { body }))) as unknown as Issued);
      setPartner("");
      setChosen([]);
      onChange();
    });
  }

  async function revoke(c: Client) {
    await run(null, async () => {
      await ok(api.DELETE("/pact/clients/{client_id}", { params: { path: { client_id: c.client_id } } }));
      onChange();
    });
  }

  const product = (id: string) => footprints.find((f) => f.id === id)?.productNameCompany ?? id;
  return (
    <>
      <h2>Partners' credentials</h2>
      <ScrollTable testId="pact-clients" columns={["Partner", "Client id", "May read", "Events to", "Status"]} action="Revoke">
        {clients.map((c) => (
          <tr key={c.client_id}>
            <td>{c.partner}</td>
            <td>
              <code>{c.client_id}</code>
            </td>
            <td>{c.all_footprints ? "every footprint" : c.footprints.map(product).join(", ") || "nothing yet"}</td>
            <td>{c.events_to ?? "—"}</td>
            <td>
              <Badge value={c.revoked_at ? "revoked" : "active"} />
            </td>
            <td>
              {!c.revoked_at && (
                <button type="button" className="danger" aria-label={`Revoke ${c.partner}`} onClick={() => revoke(c)}>
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </ScrollTable>
      <ErrorBox error={error} />
      {issued && (
        <div className="card" role="status" data-testid="pact-issued">
          <p className="good">Give these to the partner now: the secret is shown only once.</p>
          <dl className="facts">
            <dt>Client id</dt>
            <dd><code>{issued.client_id}</code></dd>
            <dt>Client secret</dt>
            <dd><code>{issued.client_secret}</code></dd>
            <dt>Token endpoint</dt>
            <dd><code>{issued.token_endpoint}</code></dd>
            <dt>API base URL</dt>
            <dd><code>{issued.api_base_url}</code></dd>
          </dl>
        </div>
      )}
      <form className="card" onSubmit={issue} aria-label="Issue PACT credentials">
        <h3>Issue credentials to a partner</h3>
        <Field label="Partner">
          <input value={partner} onChange={(e) => setPartner(e.target.value)} required maxLength={200} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> May read every footprint
        </label>
        {!all && (
          <fieldset>
            <legend>Footprints it may read</legend>
            <CheckList values={footprints.map((f) => f.id)} chosen={chosen} onChange={setChosen} labelOf={product} />
          </fieldset>
        )}
        <details>
          <summary>The partner's events endpoint (to answer its requests)</summary>
          <Field label="Partner's PACT base URL (https)">
            <input type="url" value={callback.url} onChange={(e) => setCallback({ ...callback, url: e.target.value })} />
          </Field>
          <Field label="Client id the partner issued to you">
            <input value={callback.client_id} onChange={(e) => setCallback({ ...callback, client_id: e.target.value })} />
          </Field>
          <Field label="Client secret the partner issued to you">
            <input type="password" value={callback.client_secret} onChange={(e) => setCallback({ ...callback, client_secret: e.target.value })} />
          </Field>
          <Field label="Partner host's CA certificate (PEM)" hint="Only when its HTTPS certificate is not publicly trusted (e.g. a self-signed one).">
            <textarea rows={4} value={callback.ca_pem} onChange={(e) => setCallback({ ...callback, ca_pem: e.target.value })} placeholder="-----BEGIN CERTIFICATE-----" />
          </Field>
        </details>
        <button type="submit">Issue credentials</button>
      </form>
    </>
  );
}
