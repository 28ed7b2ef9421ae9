"""The one text table: every entry has both languages and the same placeholders in each."""

from __future__ import annotations

import string

import pytest

from cashless import texts

TABLES = {
    name: table
    for name, table in vars(texts).items()
    if name.isupper() and isinstance(table, dict) and name != "LANGUAGES"
}


def _placeholders(value: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(value) if field}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_key_has_vietnamese_and_english_with_the_same_placeholders(name):
    for key, pair in TABLES[name].items():
        assert isinstance(pair, tuple) and len(pair) == 2, f"{name}[{key!r}] is not (vi, en)"
        vi, en = pair
        assert vi.strip() and en.strip(), f"{name}[{key!r}] lacks a language"
        assert _placeholders(vi) == _placeholders(en), f"{name}[{key!r}] placeholders differ"


def test_the_table_is_one_table():
    assert "TEXT" in TABLES and "REASONS" in TABLES
    assert texts.t("overview", "vi") == "Tổng quan" and texts.t("overview", "en") == "Overview"


def test_a_missing_key_names_itself():
    with pytest.raises(KeyError, match="no_such_key"):
        texts.t("no_such_key")
