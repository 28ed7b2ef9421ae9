"""Outreach lists as spreadsheets for field staff, and the returned sheets read back (DESIGN §8).

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
return) are neutralised: in CSV by a leading apostrophe (the OWASP advice), in XLSX by writing
them as string cells with Excel's quote prefix (what Excel itself stores for a typed '=...), so
the text reads the same and is never evaluated. Numbers stay numbers with a number format.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from cashless.errors import UserFacingError
from cashless.text import fold_text
from cashless.texts import BANDS, CUSTOMER_TYPES, EXPORT_COLUMNS, OUTCOMES, text

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("xlsx", "csv")
# characters wide in the XLSX, per column; the rest fit their header
WIDTHS = {
    "list_id": 11,
    "rank": 7,
    "customer_id": 16,
    "name": 26,
    "address": 30,
    "commune": 20,
    "phone": 14,
    "customer_type": 13,
    "score": 14,
    "risk_band": 11,
    "reasons": 80,
    "assigned_to": 20,
    "outcome": 22,
}


class SheetError(UserFacingError, ValueError):
    """A returned sheet that cannot be read back (missing column, unknown outcome, ...)."""


def neutralise(value):
    """`value` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def build_sheet(members: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The export's columns (EXPORT_COLUMNS order, canonical names) with labels in `lang`."""
    sheet = pd.DataFrame(index=members.index)
    for column in EXPORT_COLUMNS:
        if column == "reasons":
            sheet[column] = members[f"reasons_{lang}"]
        elif column in members:
            sheet[column] = members[column]
        else:
            sheet[column] = None
    sheet["customer_type"] = sheet["customer_type"].map(lambda v: _label(CUSTOMER_TYPES, v, lang))
    sheet["risk_band"] = sheet["risk_band"].map(lambda v: _label(BANDS, v, lang))
    sheet["outcome"] = sheet["outcome"].map(lambda v: _label(OUTCOMES, v, lang))
    return _with_none(sheet.reset_index(drop=True))


def _with_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing cells as None (not NaN): what a blank spreadsheet cell is."""
    return frame.astype(object).where(frame.notna(), None)


def _label(table: dict, code, lang: str):
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return None
    return text(table, code, lang) if code in table else code


def headers(lang: str = "vi") -> list[str]:
    return [text(EXPORT_COLUMNS, column, lang) for column in EXPORT_COLUMNS]


def sheet_bytes(sheet: pd.DataFrame, fmt: str, lang: str = "vi") -> bytes:
    """The sheet as an XLSX workbook or a UTF-8 CSV with BOM, headers in `lang`."""
    if fmt == "csv":
        return csv_bytes(sheet, lang)
    if fmt == "xlsx":
        return xlsx_bytes(sheet, lang)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")


def csv_bytes(sheet: pd.DataFrame, lang: str = "vi") -> bytes:
    """UTF-8 with a BOM so Excel reads the Vietnamese right; formula-like text apostrophed."""
    safe = sheet.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [text(EXPORT_COLUMNS, column, lang) for column in safe.columns]
    return safe.to_csv(index=False, lineterminator="\r\n", float_format="%.4f").encode("utf-8-sig")


def xlsx_bytes(sheet: pd.DataFrame, lang: str = "vi") -> bytes:
    """One sheet: bold frozen header with a filter, set widths, real numbers, an outcome drop-down."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    page = book.add_worksheet("Danh sach" if lang == "vi" else "List")
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    formats = {
        "text": book.add_format({}),
        "quoted": book.add_format({"quote_prefix": True}),
        "score": book.add_format({"num_format": "0.0%"}),
        "integer": book.add_format({"num_format": "0"}),
    }
    columns = list(EXPORT_COLUMNS)
    page.set_row(0, 32)  # room for long headers to wrap
    for j, (column, title) in enumerate(zip(columns, headers(lang))):
        page.write_string(0, j, title, header)
        page.set_column(j, j, WIDTHS.get(column, max(10, len(title) + 2)))
    for i, row in enumerate(sheet[columns].itertuples(index=False), start=1):
        for j, (column, value) in enumerate(zip(columns, row)):
            _write_cell(page, i, j, column, value, formats)
    page.freeze_panes(1, 0)
    page.autofilter(0, 0, max(len(sheet), 1), len(columns) - 1)
    outcome = columns.index("outcome")
    page.data_validation(
        1,
        outcome,
        max(len(sheet), 1),
        outcome,
        {
            "validate": "list",
            "source": [text(OUTCOMES, code, lang) for code in OUTCOMES],
            "ignore_blank": True,
        },
    )
    book.close()
    return buffer.getvalue()


def _write_cell(page, row: int, col: int, column: str, value, formats: dict) -> None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        page.write_blank(row, col, None)
    elif column == "score":
        page.write_number(row, col, float(value), formats["score"])
    elif column in ("rank", "list_id"):
        page.write_number(row, col, int(value), formats["integer"])
    else:
        value = str(value)
        quoted = value.startswith(FORMULA_TRIGGERS)
        page.write_string(row, col, value, formats["quoted" if quoted else "text"])


def read_returned_sheet(data: bytes, file_name: str) -> pd.DataFrame:
    """A sheet field staff send back: list_id, customer_id, assigned_to, outcome (codes), row (1-based).

    Headers may be in Vietnamese or English; outcomes as labels in either language or as codes.
    """
    suffix = Path(file_name).suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            raw = pd.read_excel(io.BytesIO(data), dtype=str, engine="calamine")
        elif suffix == ".csv":
            raw = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig", sep=None, engine="python")
        else:
            raise SheetError(f"{file_name}: not a .xlsx or .csv file")
    except (ValueError, UnicodeDecodeError, OSError) as error:
        if isinstance(error, SheetError):
            raise
        raise SheetError(f"{file_name}: cannot be read as a table ({error})") from None
    names = {fold_text(label): column for column, pair in EXPORT_COLUMNS.items() for label in (*pair, column)}
    raw.columns = [names.get(fold_text(c), c) for c in raw.columns]
    missing = [c for c in ("list_id", "customer_id", "outcome") if c not in raw.columns]
    if missing:
        wanted = ", ".join(f"'{text(EXPORT_COLUMNS, c)}'" for c in missing)
        raise SheetError(f"{file_name}: missing column(s) {wanted}")
    if "assigned_to" not in raw.columns:
        raw["assigned_to"] = None
    frame = raw[["list_id", "customer_id", "assigned_to", "outcome"]].copy()
    frame["row"] = range(2, len(frame) + 2)  # as the spreadsheet numbers them, after the header
    frame = frame.map(_strip_apostrophe)
    frame = frame[frame["customer_id"].notna() & (frame["customer_id"].astype(str).str.strip() != "")]
    frame["outcome"] = [_outcome_code(v, r, file_name) for v, r in zip(frame["outcome"], frame["row"])]
    bad_ids = frame.loc[~frame["list_id"].astype(str).str.fullmatch(r"\s*\d+(\.0)?\s*"), "row"]
    if len(bad_ids):
        raise SheetError(f"{file_name}, row {bad_ids.iloc[0]}: the list number is missing or not a number")
    frame["list_id"] = frame["list_id"].astype(float).astype(int)
    frame["customer_id"] = frame["customer_id"].astype(str).str.strip()
    frame["assigned_to"] = frame["assigned_to"].map(
        lambda v: (v.strip() or None) if isinstance(v, str) else None
    )
    return _with_none(frame.reset_index(drop=True)).astype({"list_id": int, "row": int})


def _strip_apostrophe(value):
    """Undo the CSV neutralisation of a cell that came back as written."""
    if (
        isinstance(value, str)
        and len(value) > 1
        and value[0] == "'"
        and value[1:].startswith(FORMULA_TRIGGERS)
    ):
        return value[1:]
    return value


_OUTCOME_WORDS = {fold_text(label): code for code, pair in OUTCOMES.items() for label in (*pair, code)}


def _outcome_code(value, row: int, file_name: str) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip():
        return None
    code = _OUTCOME_WORDS.get(fold_text(value))
    if code is None:
        choices = ", ".join(text(OUTCOMES, c) for c in OUTCOMES)
        raise SheetError(f"{file_name}, row {row}: unknown outcome '{value}' (one of: {choices})")
    return code
