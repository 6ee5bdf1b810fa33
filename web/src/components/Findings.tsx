// A check report's findings, each with the rule it comes from explained.
type Finding = { rule: string; severity: string; path: string; message: string };

/** A check report's findings (the report is untyped JSON in the API's schema). */
export function findingsOf(report: Record<string, unknown>): Finding[] {
  return (report.findings as Finding[] | undefined) ?? [];
}

export function Findings({ report, rules }: { report: Record<string, unknown>; rules?: Record<string, string> }) {
  const findings = findingsOf(report);
  if (!findings.length) return <p className="good">No findings: every rule of the standard holds.</p>;
  return (
    <table className="findings">
      <caption>Findings of the standard's checker</caption>
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">Severity</th>
          <th scope="col">Where</th>
          <th scope="col">What it means</th>
        </tr>
      </thead>
      <tbody>
        {findings.map((f, i) => (
          <tr key={i} className={f.severity} data-rule={f.rule}>
            <td>
              <code>{f.rule}</code>
              {rules?.[f.rule] && <div className="muted">{rules[f.rule]}</div>}
            </td>
            <td>{f.severity === "error" ? "✖ error" : "⚠ warning"}</td>
            <td>
              <code>{f.path || "—"}</code>
            </td>
            <td>{f.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
