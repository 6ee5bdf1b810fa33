// A footprint claim document from a CSV of activity lines (the template below): one line a
// row, each column a field of the line (the standard's field names, docs/standard.md);
// empty cells are left out; `scope` and `category` are integers, every other value a
// string (decimals stay exact: the standard refuses binary floats).
export const csvTemplate = [
  "id,activity,scope,category,arrangement,mode,quantity,unit,mass_t,distance_km,distance_basis,factor_id,shipment_ref,declared_kgco2e",
  "FUEL-2024,fuel,1,,,,0.5,t,,,,cn.ndrc.land_transport.2015.gasoline.t,,",
  "ELEC-2024,electricity,2,,,,900,MWh,,,,cn.mee.2022.grid.east,,",
  "SHP-0001,transport,3,4,purchased,road,,,12,250,actual,cls.road.hgv.diesel.tkm.wtw,,",
].join("\n") + "\n";

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
  };
}
