"""The inventory export, pure: rows from claim documents, written and read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from carbonledger.reports import export
from carbonledger.reports.export import COLUMNS, ClaimRecord, inventory_rows, render
from carbonledger.standard import compute, load_default_standard, parse_claim
from tests.conftest import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "backend/carbonledger/standard/examples"
STANDARD = load_default_standard()


def record(name: str, readable: bool = True) -> ClaimRecord:
    claim = parse_claim((EXAMPLES / name).read_bytes())
    return ClaimRecord(
        claim_id="0x" + "ab" * 32,
        firm=claim.firm.address,
        kind=claim.kind,
        state="checked",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        standard_version=1,
        document_hash="0x" + "cd" * 32,
        tx_hash="0x" + "ef" * 32,
        block_number=7,
        check_passed=True,
        check_report={"totals": {"scope1": "1.000", "scope3": {"4": "2.500"}}},
        document=claim if readable else None,
    )


def test_each_claim_is_followed_by_its_lines_with_figures_in_their_scope_columns() -> None:
    rows = inventory_rows([record("shipper_footprint.json")], STANDARD)
    totals = compute(parse_claim((EXAMPLES / "shipper_footprint.json").read_bytes()), STANDARD)
    assert [r["row"] for r in rows] == ["claim"] + ["line"] * len(totals.lines)
    head = rows[0]
    assert Decimal(head["scope3_cat4"]) == totals.scope3[4].quantize(Decimal("0.001"))
    assert Decimal(head["scope3_cat9"]) == totals.scope3[9].quantize(Decimal("0.001"))
    cat4 = sum(Decimal(r["scope3_cat4"] or 0) for r in rows[1:])
    assert cat4 == Decimal(head["scope3_cat4"])
    assert head["firm_name"].startswith("苏州精密制造")


def test_a_claim_whose_document_cannot_be_read_gets_the_check_reports_totals() -> None:
    rows = inventory_rows([record("carrier_footprint.json", readable=False)], STANDARD)
    assert len(rows) == 1
    assert rows[0]["scope1"] == "1.000" and rows[0]["scope3_cat4"] == "2.500"


def test_csv_xlsx_and_json_hold_the_same_rows() -> None:
    rows = inventory_rows(
        [record("carrier_footprint.json"), record("warehouse_footprint.json")], STANDARD
    )
    read_csv = list(csv.DictReader(io.StringIO(render(rows, "csv").decode("utf-8"))))
    assert list(read_csv[0].keys()) == list(COLUMNS)
    assert [r["line_id"] for r in read_csv] == [str(r["line_id"]) for r in rows]
    sheet = load_workbook(io.BytesIO(render(rows, "xlsx"))).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(COLUMNS)
    for written, cells in zip(read_csv, values[1:], strict=True):
        for column, cell in zip(COLUMNS, cells, strict=True):
            if column == "scope2_location" and written[column]:
                assert Decimal(str(cell)) == Decimal(written[column])
    body = json.loads(render(rows, "json"))
    assert body["columns"] == list(COLUMNS) and len(body["rows"]) == len(rows)


def test_an_export_written_in_pages_holds_every_row_once_in_each_format() -> None:
    rows = inventory_rows(
        [record("carrier_footprint.json"), record("warehouse_footprint.json")], STANDARD
    )
    pages = [rows[:1], [], rows[1:4], rows[4:]]  # an empty page too (all unreadable, say)
    for fmt in ("csv", "json", "xlsx"):
        whole = render(rows, fmt)  # type: ignore[arg-type]
        paged = b"".join(export.CHUNKS[fmt](pages))  # type: ignore[index]
        if fmt == "xlsx":  # a zip file: its entries' times may differ
            assert _sheets(paged) == _sheets(whole)
        else:
            assert paged == whole
    body = json.loads(b"".join(export.json_chunks(pages)))
    assert [r["line_id"] for r in body["rows"]] == [r["line_id"] for r in rows]


def test_an_empty_export_is_the_header_alone() -> None:
    assert render([], "csv").decode("utf-8") == ",".join(COLUMNS) + "\n"
    assert json.loads(render([], "json")) == {"columns": list(COLUMNS), "rows": []}
    assert _sheets(render([], "xlsx")) == {"inventory": [COLUMNS]}


def test_an_xlsx_longer_than_a_sheet_goes_on_in_a_second_sheet_with_the_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = inventory_rows(
        [record("carrier_footprint.json"), record("warehouse_footprint.json")], STANDARD
    )
    assert len(rows) == 10  # two claims, 5 and 3 lines
    monkeypatch.setattr(export, "SHEET_ROWS", 5)  # the header and four rows a sheet
    sheets = _sheets(render(rows, "xlsx"))
    assert list(sheets) == ["inventory", "inventory 2", "inventory 3"]
    assert all(s[0] == COLUMNS for s in sheets.values())
    assert [len(s) for s in sheets.values()] == [5, 5, 3]
    written = [r[COLUMNS.index("line_id")] or "" for s in sheets.values() for r in s[1:]]
    assert written == [str(r["line_id"]) for r in rows]


def _sheets(xlsx: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(io.BytesIO(xlsx))
    return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}
