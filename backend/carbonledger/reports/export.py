"""A firm's inventory as a table: one row per claim and one per line of each claim.

Columns are fixed (the same for every export, whatever the claims hold) so a spreadsheet built
on one export keeps working on the next: the claim's identity and state, then kgCO2e by scope —
Scope 1, Scope 2 location- and market-based, each Scope 3 category 1-15 — and biogenic CO2
apart. A claim row carries the claim's totals; a line row carries that line's figures in the
column of its own scope/category (a fuel or electricity line's well-to-tank / T&D share in
Scope 3 category 3, as the standard counts it). Figures are exact decimals as strings (in
XLSX: numbers), to the standard's reporting quantum.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from carbonledger.standard import Claim, Standard
from carbonledger.standard.calc import LineResult, Totals, compute
from carbonledger.standard.errors import StandardError

Format = Literal["csv", "xlsx", "json"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "json")
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

SCOPE3 = tuple(f"scope3_cat{n}" for n in range(1, 16))
FIGURES = ("scope1", "scope2_location", "scope2_market", *SCOPE3, "scope3_total", "biogenic_co2")
COLUMNS = (
    "row",
    "claim_id",
    "firm",
    "firm_name",
    "kind",
    "state",
    "period_start",
    "period_end",
    "standard_version",
    "document_hash",
    "tx_hash",
    "block_number",
    "check_passed",
    "line_id",
    "activity",
    "scope",
    "category",
    *FIGURES,
    "factor_ids",
)


@dataclass(frozen=True)
class ClaimRecord:
    """What the ledger knows of one claim (its document, when readable, gives the lines)."""

    claim_id: str
    firm: str
    kind: str
    state: str
    period_start: dt.date
    period_end: dt.date
    standard_version: int
    document_hash: str
    tx_hash: str | None
    block_number: int | None
    check_passed: bool
    check_report: Mapping[str, Any]
    document: Claim | None = None


def _q(value: Decimal, quantum: Decimal) -> str:
    return str(value.quantize(quantum))


def _blank() -> dict[str, Any]:
    return dict.fromkeys(COLUMNS, "")


def _claim_figures(record: ClaimRecord, totals: Totals | None) -> dict[str, str]:
    if totals is not None:
        q = totals.report_quantum
        out = {
            "scope1": _q(totals.scope1, q),
            "scope2_location": _q(totals.scope2_location, q),
            "scope2_market": _q(totals.scope2_market, q),
            "scope3_total": _q(totals.scope3_total, q),
            "biogenic_co2": _q(totals.biogenic_co2, q),
        }
        for cat, value in totals.scope3.items():
            out[f"scope3_cat{cat}"] = _q(value, q)
        return out
    # no readable document: the check report's totals (what the service computed)
    reported = record.check_report.get("totals") or {}
    out = {
        k: str(reported[k])
        for k in ("scope1", "scope2_location", "scope2_market", "scope3_total", "biogenic_co2")
        if k in reported
    }
    for cat, value in (reported.get("scope3") or {}).items():
        out[f"scope3_cat{cat}"] = str(value)
    return out


def _line_figures(line: LineResult, quantum: Decimal) -> dict[str, str]:
    out: dict[str, str] = {}
    if line.scope == 1:
        out["scope1"] = _q(line.emissions, quantum)
    elif line.scope == 2:
        out["scope2_location"] = _q(line.emissions, quantum)
        out["scope2_market"] = _q(line.scope2_market or line.emissions, quantum)
    else:
        out[f"scope3_cat{line.category}"] = _q(line.emissions, quantum)
    if line.upstream_cat3:
        previous = Decimal(out.get("scope3_cat3", "0"))
        out["scope3_cat3"] = _q(previous + line.upstream_cat3, quantum)
    scope3 = sum((Decimal(out[c]) for c in SCOPE3 if c in out), Decimal(0))
    if scope3:
        out["scope3_total"] = _q(scope3, quantum)
    if line.biogenic_co2:
        out["biogenic_co2"] = _q(line.biogenic_co2, quantum)
    return out


def _totals(record: ClaimRecord, standard: Standard) -> Totals | None:
    if record.document is None:
        return None
    try:
        return compute(record.document, standard)
    except StandardError:
        return None  # a claim that failed the check: its report's totals stand


def inventory_rows(records: Iterable[ClaimRecord], standard: Standard) -> list[dict[str, Any]]:
    """The export's rows, claims in the given order, each followed by its lines."""
    rows: list[dict[str, Any]] = []
    for record in records:
        totals = _totals(record, standard)
        head = _blank()
        head.update(
            row="claim",
            claim_id=record.claim_id,
            firm=record.firm,
            firm_name=record.document.firm.name if record.document else "",
            kind=record.kind,
            state=record.state,
            period_start=record.period_start.isoformat(),
            period_end=record.period_end.isoformat(),
            standard_version=record.standard_version,
            document_hash=record.document_hash,
            tx_hash=record.tx_hash or "",
            block_number="" if record.block_number is None else record.block_number,
            check_passed=record.check_passed,
        )
        head.update(_claim_figures(record, totals))
        rows.append(head)
        if totals is None:
            continue
        for line in totals.lines:
            row = {k: head[k] for k in ("claim_id", "firm", "firm_name", "kind", "state")}
            full = _blank()
            full.update(row)
            full.update(
                row="line",
                period_start=head["period_start"],
                period_end=head["period_end"],
                line_id=line.line_id,
                activity=line.activity,
                scope=line.scope,
                category="" if line.category is None else line.category,
                factor_ids=" ".join(line.factor_ids),
            )
            full.update(_line_figures(line, totals.report_quantum))
            rows.append(full)
    return rows


def _csv(rows: Iterable[Mapping[str, Any]], header: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_chunks(pages: Iterable[Sequence[Mapping[str, Any]]]) -> Iterator[bytes]:
    yield _csv((), header=True)
    for rows in pages:
        yield _csv(rows)


def json_chunks(pages: Iterable[Sequence[Mapping[str, Any]]]) -> Iterator[bytes]:
    """``{"columns": [...], "rows": [...]}``, a row per line."""
    yield b'{"columns": ' + json.dumps(list(COLUMNS)).encode("utf-8") + b', "rows": ['
    comma = b"\n"
    for rows in pages:
        if not rows:
            continue
        yield comma + b",\n".join(json.dumps(r, ensure_ascii=False).encode("utf-8") for r in rows)
        comma = b",\n"
    yield b"\n]}\n"


#: rows of a worksheet, the header's included (Excel's limit): a longer inventory goes on
#: into "inventory 2", "inventory 3" ..., each with the header
SHEET_ROWS = 1_048_576
#: the size of each piece of a built workbook handed to the response
_READ = 1 << 20


def xlsx_chunks(pages: Iterable[Sequence[Mapping[str, Any]]]) -> Iterator[bytes]:
    """The workbook: sheets "inventory" (then "inventory 2" ... past Excel's row limit);
    figures as numbers (exact to the quantum), the header bold and frozen. XlsxWriter's
    constant-memory mode writes each row to a temporary file as it comes and the workbook
    into another; only then, a workbook being a zip file whose index comes last, is it handed
    out, a megabyte at a time."""
    import xlsxwriter

    with tempfile.TemporaryFile() as out:
        book = xlsxwriter.Workbook(out, {"constant_memory": True})
        bold = book.add_format({"bold": True})
        sheets = [_new_sheet(book, 1, bold)]
        row = 1
        for rows in pages:
            for values in rows:
                if row == SHEET_ROWS:
                    sheets.append(_new_sheet(book, len(sheets) + 1, bold))
                    row = 1
                sheets[-1].write_row(row, 0, [_cell(c, values.get(c, "")) for c in COLUMNS])
                row += 1
        book.close()
        out.seek(0)
        while piece := out.read(_READ):
            yield piece


def _new_sheet(book: Any, number: int, bold: Any) -> Any:
    sheet = book.add_worksheet("inventory" if number == 1 else f"inventory {number}")
    sheet.write_row(0, 0, COLUMNS, bold)
    sheet.freeze_panes(1, 0)
    return sheet


def _cell(column: str, value: Any) -> Any:
    if column in FIGURES and value != "":
        return Decimal(str(value))
    return value


CHUNKS: dict[Format, Callable[[Iterable[Sequence[Mapping[str, Any]]]], Iterator[bytes]]] = {
    "csv": csv_chunks,
    "xlsx": xlsx_chunks,
    "json": json_chunks,
}


def render(rows: Sequence[Mapping[str, Any]], fmt: Format) -> bytes:
    """``rows`` as one file of format ``fmt``."""
    return b"".join(CHUNKS[fmt]([rows]))
