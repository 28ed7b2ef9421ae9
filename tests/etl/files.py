"""Input files whose bytes matter, built from inline values: workbooks and Windows code pages."""

from __future__ import annotations

import io
import unicodedata
import zipfile

from openpyxl import Workbook


def cp1258(text_: str) -> bytes:
    """`text_` as the Vietnamese Windows code page writes it: base letters, then combining tone marks."""
    out = b""
    for char in unicodedata.normalize("NFC", text_):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            tones = "".join(m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323")
            rest = "".join(m for m in marks if m not in tones)
            out += unicodedata.normalize("NFC", base + rest).encode("cp1258") + tones.encode("cp1258")
    return out


def workbook(
    rows: list[list], number_formats: dict[str, str] | None = None, texts: tuple[str, ...] = ()
) -> bytes:
    """XLSX bytes; `number_formats` maps cells to formats, `texts` are cells kept as literal text."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    for cell, number_format in (number_formats or {}).items():
        book.active[cell].number_format = number_format
    for cell in texts:  # openpyxl would store '=...' as a formula otherwise
        book.active[cell].data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(xlsx: bytes, edit) -> bytes:
    """The workbook with its first sheet's XML passed through `edit` (archive itself intact)."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, edit(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()
