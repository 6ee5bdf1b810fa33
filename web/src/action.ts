import { useCallback, useState } from "react";

/** Tells the page what an action is doing now (shown in its role="status" line). */
export type Say = (label: string) => void;

/**
 * One page's user actions: what is running (`busy`, a label, or null when idle) and what last went
 * wrong (`error`, shown by <ErrorBox>). `run(label, work)` clears the error, sets `busy` to `label`
 * (null: not busy until `work` says so), runs `work`, keeps its error (through `explain` when given)
 * and always ends idle; it resolves to whether `work` succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (label: string | null, work: (say: Say) => Promise<unknown>, explain: (e: unknown) => unknown = (e) => e) => {
      setError(null);
      if (label !== null) setBusy(label);
      try {
        await work(setBusy);
        return true;
      } catch (e) {
        setError(explain(e));
        return false;
      } finally {
        setBusy(null);
      }
    },
    [],
  );
  return { busy, error, setError, run };
}

/** A file that does not parse as JSON, named in the error; any other error as it is. */
export function notJson(name: string): (e: unknown) => unknown {
  return (e) => (e instanceof SyntaxError ? new Error(`${name} is not JSON: ${e.message}`) : e);
}
