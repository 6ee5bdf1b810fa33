import { useEffect, useState } from "react";
import { api, ok, type MemberOut, type Schemas } from "../api/client";

type Standard = Schemas["StandardVersionOut"];
import { Badge, ErrorBox } from "../components/Status";
import { short } from "../format";


export function Admin() {
  const [members, setMembers] = useState<MemberOut[] | null>(null);
  const [standards, setStandards] = useState<Standard[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    ok(api.GET("/members", { params: { query: { page_size: 200 } } })).then((p) => setMembers(p.items)).catch(setError);
    ok(api.GET("/standards"))
      .then((p) => setStandards(p.items))
      .catch(setError);
  }, []);

  return (
    <section>
      <h1>Consortium</h1>
      <ErrorBox error={error} />
      <h2>Members</h2>
      <div className="scroll">
        <table data-testid="members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Account</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Signing key</th>
              <th scope="col">Admitted in block</th>
            </tr>
          </thead>
          <tbody>
            {(members ?? []).map((m) => (
              <tr key={m.account}>
                <td>{m.name}</td>
                <td><code title={m.account}>{short(m.account, 4)}</code></td>
                <td>{m.roles.join(", ")}</td>
                <td><Badge value={m.status} /></td>
                <td><code title={m.signing_key}>{short(m.signing_key, 4)}</code></td>
                <td className="num">{m.admitted_block}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Standard versions</h2>
      <ul>
        {standards.map((s, i) => (
          <li key={i}>
            version {s.version} · <code>{short(s.content_hash)}</code> <Badge value={s.status} /> {s.checked_here && "· checked by this service"}
          </li>
        ))}
      </ul>
      <p className="muted">
        Admitting, suspending, changing roles or the quorum, and publishing a standard are MemberRegistry / StandardRegistry
        proposals approved with each admin's own key; the app does not send them yet (use the CLI).
      </p>
    </section>
  );
}
