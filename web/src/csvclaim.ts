// A footprint claim document from a CSV of activity lines (the template below): one line a
// row, each column a field of the line (the standard's field names, docs/standard.md);
// empty cells are left out; `scope` and `category` are integers, every other value a
// string (decimals stay exact: the standard refuses binary floats). Every line declares its
// kgCO2e, and the document's declared totals are their sums per scope and Scope 3 category
// (location- and market-based scope 2 alike: a line with a market instrument needs the JSON
// form); the checker recomputes every line and every total.
export const csvTemplate = [
  "id,activity,scope,category,quantity,unit,factor_id,declared_kgco2e",
  "FLEET-DIESEL-2024,fuel,1,,12,t,cn.ndrc.land_transport.2015.diesel.t,37150.916",
  "PLANT-ELEC-2024,electricity,2,,900,MWh,cn.mee.2023.grid.east,495000.000",
].join("\n") + "\n";

/** Exact decimal sum of kg figures to 0.001 (as the standard declares them). */
function sumKg(values: string[]): string {
  const milli = values.reduce((total, v) => {
    const m = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(v);
    if (!m) throw new Error(`declared_kgco2e ${v} is not a decimal with at most 3 places`);
    const n = BigInt(m[2]) * 1000n + BigInt((m[3] ?? "").padEnd(3, "0"));
    return total + (m[1] ? -n : n);
  }, 0n);
  const sign = milli < 0n ? "-" : "";
  const abs = milli < 0n ? -milli : milli;
  return `${sign}${abs / 1000n}.${(abs % 1000n).toString().padStart(3, "0")}`;
}

const INTEGER_FIELDS = new Set(["scope", "category"]);

/** Split CSV text into rows (RFC 4180: quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      if (row.some((c) => c !== "")) rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  row.push(cell);
  if (row.some((c) => c !== "")) rows.push(row);
  return rows;
}

export type CsvMeta = { address: string; name: string; start: string; end: string; standard: string };

export function documentFromCsv(text: string, meta: CsvMeta): Record<string, unknown> {
  if (!meta.start || !meta.end) throw new Error("give the period's start and end before choosing a CSV");
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ""));
  if (!header || !header.includes("id") || !header.includes("activity"))
    throw new Error("the CSV's first row must name the columns, with at least id and activity");
  const lines = rows.map((cells, r) => {
    const line: Record<string, unknown> = {};
    header.forEach((column, c) => {
      const value = (cells[c] ?? "").trim();
      if (value === "") return;
      if (INTEGER_FIELDS.has(column)) {
        if (!/^\d+$/.test(value)) throw new Error(`row ${r + 2}, column ${column}: ${value} is not a whole number`);
        line[column] = Number(value);
      } else line[column] = value;
    });
    return line;
  });
  lines.forEach((l, r) => {
    if (typeof l.declared_kgco2e !== "string") throw new Error(`row ${r + 2}: declared_kgco2e is empty`);
  });
  const declaredOf = (keep: (l: Record<string, unknown>) => boolean) => sumKg(lines.filter(keep).map((l) => l.declared_kgco2e as string));
  const scopes = [...new Set(lines.map((l) => l.scope as number).filter(Boolean))].sort();
  const categories = [...new Set(lines.map((l) => l.category as number).filter(Boolean))].sort((a, b) => a - b);
  return {
    schema_version: "1",
    kind: "footprint",
    claim_id: `${meta.address.slice(2, 10)}-${meta.start}-${meta.end}-${Date.now()}`,
    firm: { address: meta.address.toLowerCase(), name: meta.name },
    period: { start: meta.start, end: meta.end },
    standard_version: meta.standard,
    gwp_set: "AR5",
    boundary: { organisational: "operational_control", scopes, scope3_categories: categories },
    factors: [],
    lines,
    declared: {
      scope1: declaredOf((l) => l.scope === 1),
      scope2_location: declaredOf((l) => l.scope === 2),
      scope2_market: declaredOf((l) => l.scope === 2),
      scope3: Object.fromEntries(categories.map((c) => [String(c), declaredOf((l) => l.scope === 3 && l.category === c)])),
      biogenic_co2: "0.000",
    },
  };
}
