"""Commune names as exports write them, matched to one commune per office.

Within an office, names match on their key: NFC, case and spacing folded, and the tone mark of
"oa/oe/uy" placed one way ('Hoà' = 'Hòa'); the first spelling loaded is the one shown.
data/commune_aliases.csv (office_code, old_name, new_name) maps renamed or merged communes to their
current name, so that their history rolls up under it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, text

from cashless.text import fold_text
from warehouse.snapshots import mark_dirty

_SPACES = re.compile(r"\s+")
# Old-style tone placement on the second vowel of a final oa/oe/uy -> on the first ('hoà' -> 'hòa').
_OLD_STYLE = re.compile("(o[ae]|uy)([\u0300\u0301\u0309\u0303\u0323])(?=\\s|$)")
_PREFIXES = re.compile(r"^(xa|phuong|thi tran|tt|p)\.?\s+")


def commune_key(name: str) -> str:
    """The matching key of a commune name: NFC, casefolded, single spaces, one tone placement."""
    decomposed = unicodedata.normalize("NFD", _SPACES.sub(" ", str(name)).strip().casefold())
    moved = _OLD_STYLE.sub(lambda m: m[1][0] + m[2] + m[1][1], decomposed)
    return unicodedata.normalize("NFC", moved)


def read_commune_aliases(path: Path) -> dict[tuple[str, str], str]:
    """(office_code, key of the old name) -> the current name, from the aliases CSV (none if absent)."""
    if not path.is_file():
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {
        (office.strip(), commune_key(old)): new.strip()
        for office, old, new in zip(table["office_code"], table["old_name"], table["new_name"])
    }


def current_names(offices: pd.Series, names: pd.Series, aliases: dict[tuple[str, str], str]) -> pd.Series:
    """Each name, or the current name its commune was renamed or merged into (once per distinct pair)."""
    if not aliases:
        return names
    pairs = pd.DataFrame({"office": offices.to_numpy(), "name": names.to_numpy()}, index=names.index)
    distinct = pairs.drop_duplicates()
    distinct = distinct.assign(
        current=[aliases.get((o, commune_key(n)), n) for o, n in zip(distinct["office"], distinct["name"])]
    )
    current = pairs.merge(distinct, on=["office", "name"], how="left")["current"]
    return pd.Series(current.to_numpy(), index=names.index)


def merge_communes(conn: Connection, aliases: dict[tuple[str, str], str]) -> int:
    """Move the customers of stored communes that an alias renames, or that share a key with an older
    commune of their office, to the commune they belong to; drop the emptied communes and mark the
    snapshots stale from the moved customers' first contract. Returns how many communes were merged.
    """
    stored = conn.execute(text("SELECT id, office_code, name FROM communes ORDER BY id")).all()
    first_of = {}
    for cid, office, name in stored:
        first_of.setdefault((office, commune_key(name)), cid)
    merges = []
    for cid, office, name in stored:
        target_name = aliases.get((office, commune_key(name)), name)
        target = first_of.get((office, commune_key(target_name)))
        if target is None:  # renamed to a commune not stored yet: this one takes the new name
            conn.execute(text("UPDATE communes SET name = :n WHERE id = :id"), {"n": target_name, "id": cid})
            first_of[(office, commune_key(target_name))] = cid
        elif target != cid:
            merges.append((cid, target))
    for old, new in merges:
        start = conn.execute(
            text("SELECT MIN(contract_start) FROM customers WHERE commune_id = :old"), {"old": old}
        ).scalar()
        conn.execute(
            text("UPDATE customers SET commune_id = :new WHERE commune_id = :old"), {"new": new, "old": old}
        )
        conn.execute(text("DELETE FROM snapshot_commune_day WHERE commune_id = :old"), {"old": old})
        conn.execute(text("DELETE FROM communes WHERE id = :old"), {"old": old})
        if start is not None:
            mark_dirty(conn, start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start)))
    return len(merges)


def lookalike_communes(conn: Connection, aliases: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Communes of one office whose names differ only by accents or a 'Xã/Phường' prefix and that no
    alias maps yet: candidates for data/commune_aliases.csv (for the data page)."""
    frame = pd.DataFrame(
        conn.execute(text("SELECT office_code, name FROM communes WHERE name <> '' ORDER BY id")).all(),
        columns=["office_code", "name"],
    )
    if frame.empty:
        return pd.DataFrame(columns=["office_code", "name", "looks_like"])
    frame["loose"] = [_PREFIXES.sub("", fold_text(name)) for name in frame["name"]]
    mapped = {(office, key) for office, key in aliases}
    frame = frame[[(o, commune_key(n)) not in mapped for o, n in zip(frame["office_code"], frame["name"])]]
    first = frame.groupby(["office_code", "loose"])["name"].transform("first")
    found = frame.assign(looks_like=first)[frame["name"] != first]
    return found[["office_code", "name", "looks_like"]].reset_index(drop=True)
