// A PACT footprint received from any PACT host (issue 13), checked against this ledger's chain
// with no login: its anchor claim exists, holds the hash of exactly these figures, passed its
// check and was neither superseded nor revoked (POST /public/footprints/verify).
import { useState } from "react";
import { api, ok, type Schemas } from "../api/client";
import { ErrorBox, Field } from "../components/Status";
import { notJson, useAction } from "../action";

type Verification = Schemas["FootprintVerification"];

export function VerifyFootprint() {
  const [result, setResult] = useState<{ name: string; v: Verification } | null>(null);
  const { error, run } = useAction();

  async function check(file: File | undefined) {
    if (!file) return;
    setResult(null);
    await run(
      null,
      async () => {
        const parsed = JSON.parse(await file.text()) as Record<string, unknown>;
        // a PACT GetFootprint answer wraps the footprint in `data`
        const footprint = (typeof parsed.data === "object" && parsed.data !== null ? parsed.data : parsed) as Record<string, unknown>;
        setResult({ name: file.name, v: await ok(api.POST("/public/footprints/verify", { body: { footprint } })) });
      },
      notJson(file.name),
    );
  }

  return (
    <div className="card">
      <h2>Verify a PACT footprint</h2>
      <p>Drop a product footprint a supplier sent you over PACT: the chain says whether it is the one the supplier signed.</p>
      <Field label="PACT footprint (JSON)">
        <input type="file" accept=".json,application/json" onChange={(e) => check(e.target.files?.[0])} />
      </Field>
      <ErrorBox error={error} />
      {result && (
        <div data-testid="footprint-verdict">
          <p role="status" className={result.v.ok ? "good" : "bad"}>
            {result.v.ok ? `✔ ${result.name}: footprint ${result.v.pf_id} holds on chain.` : `✖ ${result.name}: footprint ${result.v.pf_id} does NOT hold on chain.`}
          </p>
          <div className="scroll">
            <table>
              <tbody>
                {result.v.findings.map((f) => (
                  <tr key={f.check}>
                    <th scope="row">{f.check}</th>
                    <td className={f.ok === false ? "bad" : f.ok ? "good" : "muted"}>{f.ok === null ? "not checked" : f.ok ? "holds" : "fails"}</td>
                    <td>{f.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </div>
  );
}
