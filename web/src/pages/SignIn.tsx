import { useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { useLedger } from "../session";
import { injectedWallet, keystoreSigner, walletSigner } from "../signing";
import { BusyStatus, ErrorBox, Field } from "../components/Status";
import { useAction } from "../action";
import { homeFor } from "../App";

export function SignIn() {
  const { signIn } = useLedger();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from;
  const [file, setFile] = useState<File | null>(null);
  const [password, setPassword] = useState("");
  const { busy, error, setError, run } = useAction();

  async function withKeystore(event: FormEvent) {
    event.preventDefault();
    if (!file) return setError(new Error("choose your keystore file"));
    await run(
      "Decrypting the keystore in this page…",
      async (say) => {
        const signer = await keystoreSigner(await file.text(), password);
        say("Signing the login challenge…");
        const session = await signIn(signer);
        setPassword("");
        navigate(from ?? homeFor(session.roles));
      },
      (e) => (e instanceof Error && /invalid password/i.test(e.message) ? new Error("wrong password for this keystore") : e),
    );
  }

  async function withWallet() {
    await run("Waiting for your wallet…", async () => {
      const session = await signIn(await walletSigner());
      navigate(from ?? homeFor(session.roles));
    });
  }

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <p>
        Sign in with your member key. Your key stays in this browser: it signs a login challenge here, and only the
        signature is sent.
      </p>
      <form onSubmit={withKeystore} className="card">
        <h2>With your keystore file</h2>
        <Field label="Keystore file" hint="The JSON file `carbonledger key new` wrote.">
          <input type="file" accept=".json,application/json" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        <Field label="Password">
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <button type="submit" disabled={busy !== null}>
          Sign in with keystore
        </button>
      </form>
      <div className="card">
        <h2>With a browser wallet</h2>
        <button type="button" onClick={withWallet} disabled={busy !== null || !injectedWallet()}>
          Sign in with browser wallet
        </button>
        {!injectedWallet() && <p className="muted">No wallet (EIP-1193) found in this browser.</p>}
      </div>
      <BusyStatus busy={busy} />
      <ErrorBox error={error} />
    </section>
  );
}
