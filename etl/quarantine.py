"""Quarantined rows a clerk can act on: reasons in Vietnamese (English on request), and a download of
the original rows plus the reason, ready to fix and send again.

The loader stores each reason as its English template filled in ("column: message; ..."); the words
come from cashless/texts.py (`q_*` keys), so each stored part is matched back to its key and shown in
the language asked for.
"""

from __future__ import annotations

import functools
import json
import re
import string

import pandas as pd
from sqlalchemy import Connection, text

from cashless.errors import UserFacingError
from cashless.texts import TEXT, t
from etl.kinds import KINDS
from warehouse.access import Viewer

COLUMNS = sorted({c.name for kind in KINDS.values() for c in kind.columns}, key=len, reverse=True)
_PARTS = re.compile(r"; (?=(?:" + "|".join(COLUMNS) + r"): )")


class UnknownReason(ValueError):
    """A stored reason part that no `q_*` template matches (a message written outside the table)."""


@functools.cache
def _templates() -> list[tuple[str, re.Pattern]]:
    """(key, pattern of its English template with named groups for the placeholders)."""
    patterns = []
    for key, (_, english) in TEXT.items():
        if not key.startswith("q_"):
            continue
        regex = ""
        for literal, field, _, _ in string.Formatter().parse(english):
            regex += re.escape(literal) + (f"(?P<{field}>.*?)" if field else "")
        patterns.append((key, re.compile(f"^{regex}$", re.DOTALL)))
    return patterns


def column_label(column: str, lang: str = "vi") -> str:
    """A canonical column name as people read it ('paid_at' -> 'Ngày thanh toán')."""
    return t(f"col_{column}", lang) if f"col_{column}" in TEXT else column


def translate_reason(reason: str, lang: str = "vi", strict: bool = False) -> str:
    """A stored reason in `lang`: each 'column: message' part through the text table.

    A part no template matches is shown as stored (`strict` raises UnknownReason instead).
    """
    if lang == "en":
        return reason
    shown = []
    for part in _PARTS.split(reason):
        column, _, message = part.partition(": ")
        shown.append(f"{column_label(column, lang)}: {_message(message, lang, strict)}" if message else part)
    return "; ".join(shown)


def _message(message: str, lang: str, strict: bool) -> str:
    for key, pattern in _templates():
        match = pattern.match(message)
        if match:
            values = match.groupdict()
            if "column" in values:
                values["column"] = column_label(values["column"], lang)
            return t(key, lang, **values)
    if strict:
        raise UnknownReason(message)
    return message


def quarantine_download(conn: Connection, viewer: Viewer, run_id: int, lang: str = "vi") -> bytes:
    """The quarantined rows of load run `run_id` as CSV (UTF-8 with BOM, for Excel): the original cells
    under the billing system's headers, then the file line and the reason, ready to fix and load again.

    Raw rows hold personal data: admins only, as on the data page.
    """
    viewer.require("edit_catalog")
    run = conn.execute(text("SELECT kind FROM load_runs WHERE id = :id"), {"id": run_id}).scalar()
    if run is None:
        raise UserFacingError(f"no load run {run_id}")
    rows = conn.execute(
        text(
            "SELECT row_number, reason, raw_row FROM quarantine WHERE load_run_id = :id ORDER BY row_number"
        ),
        {"id": run_id},
    ).all()
    records = pd.DataFrame([json.loads(raw) for _, _, raw in rows])
    declared = [c for c in KINDS[run].columns if c.name in records]
    out = pd.DataFrame({c.aliases[0]: records[c.name] for c in declared})
    out[t("q_line_column", lang)] = [line for line, _, _ in rows]
    out[t("q_reason_column", lang)] = [translate_reason(reason, lang) for _, reason, _ in rows]
    return out.to_csv(index=False).encode("utf-8-sig")
