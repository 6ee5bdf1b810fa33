import type { Run, Standard } from "./Admin";
import type { Governance } from "../../governance";
import { Badge } from "../../components/Status";
import { ScrollTable } from "../../components/Table";
import { short } from "../../format";

export function Standards({
  published,
  shipped,
  run,
  busy,
}: {
  published: Standard[];
  shipped: Governance["standards"];
  run: Run;
  busy: boolean;
}) {
  return (
    <>
      <h2>Standard versions</h2>
      <ScrollTable testId="standards" caption="Published in the StandardRegistry" columns={["Version", "Content hash", "Status"]} action="Propose">
        {published.map((s) => (
          <tr key={s.version}>
            <td className="num">{s.version}</td>
            <td>
              <code title={s.content_hash}>{short(s.content_hash)}</code> {s.checked_here && <small>· checked by this service</small>}
            </td>
            <td>
              <Badge value={s.status} />
            </td>
            <td>
              {s.status === "active" && (
                <button type="button" className="danger" disabled={busy} aria-label={`Retire version ${s.version}`} onClick={() => run(`Proposing to retire version ${s.version}`, { action: "retire_standard", onchain_version: s.version })}>
                  Retire
                </button>
              )}
            </td>
          </tr>
        ))}
      </ScrollTable>
      <ScrollTable testId="shipped" caption="Shipped with this service" columns={["Methodology", "Version id", "On chain"]} action="Propose">
        {shipped.map((s) => (
          <tr key={s.version_id}>
            <td>{s.methodology_version}</td>
            <td>
              <code title={s.content_hash}>{s.version_id}</code>
            </td>
            <td>{s.onchain_version ? `version ${s.onchain_version}` : <span className="muted">not published</span>}</td>
            <td>
              {!s.onchain_version && (
                <button type="button" disabled={busy} aria-label={`Publish ${s.version_id}`} onClick={() => run(`Proposing to publish ${s.version_id}`, { action: "publish_standard", methodology_version: s.methodology_version })}>
                  Publish
                </button>
              )}
            </td>
          </tr>
        ))}
      </ScrollTable>
    </>
  );
}
