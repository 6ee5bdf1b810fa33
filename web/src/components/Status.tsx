import type { ReactNode } from "react";

/** A state badge with its word (never colour alone). */
export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value}`}>{value}</span>;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div role="alert" className="error">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

/** What a running action is doing (see useAction), announced to screen readers; nothing when idle. */
export function BusyStatus({ busy }: { busy: string | null }) {
  if (!busy) return null;
  return (
    <p role="status" aria-live="polite">
      {busy}
    </p>
  );
}

export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {hint && <small className="muted">{hint}</small>}
    </label>
  );
}
