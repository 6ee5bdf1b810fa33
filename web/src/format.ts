// Numbers with units, dates as dates, in the reader's locale.
const nf = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

export function kg(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = typeof value === "string" ? Number(value) : value;
  if (Math.abs(n) >= 10_000) return `${nf.format(n / 1000)} tCO2e`;
  return `${nf.format(n)} kgCO2e`;
}

export function date(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleDateString(undefined, { timeZone: "UTC", year: "numeric", month: "short", day: "numeric" });
}

/** A claim's period: start inclusive, end exclusive (so the last day is end - 1 day). */
export function period(start: number, end: number): string {
  return `${date(start)} – ${date(end - 86400)}`;
}

export function isoDay(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

export function short(hex: string, n = 6): string {
  return hex.length > 2 * n + 2 ? `${hex.slice(0, n + 2)}…${hex.slice(-n)}` : hex;
}

export function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString();
}
