"""Commune names: one commune per office and key, renamed communes rolled up, look-alikes listed."""

from __future__ import annotations

import datetime as dt
import unicodedata

from sqlalchemy import text

from cashless.settings import LoadSettings
from etl.communes import commune_key, lookalike_communes, read_commune_aliases
from etl.load import load_file
from tests.warehouse.province_fixture import CUSTOMERS, FEBRUARY, JANUARY
from warehouse.metrics import customer_counts
from warehouse.snapshots import refresh_snapshots

HEADER = CUSTOMERS.splitlines()[0]


def _settings(tmp_path, aliases: str = "") -> LoadSettings:
    path = tmp_path / "commune_aliases.csv"
    path.write_text("office_code,old_name,new_name\n" + aliases, encoding="utf-8")
    return LoadSettings(progress=False, commune_aliases=path)


def _load(engine, tmp_path, kind, name, content, settings):
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = load_file(engine, kind, tmp_path / name, settings)
    assert result.status == "loaded", result.message
    return result


def _communes(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT office_code, name FROM communes ORDER BY id"))]


def test_the_key_folds_normal_form_case_spacing_and_tone_placement():
    assert (
        commune_key("Xã Hòa Bình")
        == commune_key("xã  Hoà bình ")
        == commune_key(unicodedata.normalize("NFD", "Xã Hòa Bình"))
    )
    assert commune_key("Thuỷ Lợi") == commune_key("Thủy Lợi")
    assert commune_key("Hóa Bình") != commune_key("Hòa Bình")  # another tone is another name
    assert commune_key("Hoàn Kiếm") == "hoàn kiếm"


def test_spellings_of_one_commune_are_one_commune_shown_as_first_written(engine, tmp_path):
    settings = _settings(tmp_path)
    rows = [
        "K1;PA1101;Xã Hòa Bình;;A;B;;01/01/2020;",
        "K2;PA1101;xã  Hoà Bình;;A;B;;01/01/2020;",
        f"K3;PA1101;{unicodedata.normalize('NFD', 'Xã Hòa Bình')};;A;B;;01/01/2020;",
        "K4;PA1102;Xã Hoà Bình;;A;B;;01/01/2020;",  # another office: another commune
        "K5;PA1101;Xã Hóa Bình;;A;B;;01/01/2020;",  # another tone: another commune
    ]
    _load(engine, tmp_path, "customers", "c.csv", "\n".join([HEADER, *rows]) + "\n", settings)
    assert _communes(engine) == [
        ("PA1101", "Xã Hòa Bình"),
        ("PA1102", "Xã Hoà Bình"),
        ("PA1101", "Xã Hóa Bình"),
    ]
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT customer_id, commune_id FROM customers ORDER BY customer_id")).all()
        assert len({cid for _, cid in ids[:3]}) == 1
        assert lookalike_communes(conn, {}).to_dict("records") == [
            {"office_code": "PA1101", "name": "Xã Hóa Bình", "looks_like": "Xã Hòa Bình"}
        ]


def test_a_renamed_commune_carries_its_history_under_the_new_name(engine, tmp_path):
    settings = _settings(tmp_path)
    _load(engine, tmp_path, "customers", "c.csv", CUSTOMERS, settings)
    _load(engine, tmp_path, "payments", "jan.csv", JANUARY, settings)
    _load(engine, tmp_path, "payments", "feb.csv", FEBRUARY, settings)
    refresh_snapshots(engine)
    with engine.connect() as conn:
        before = customer_counts(conn, dt.date(2025, 2, 28), "commune").set_index("commune")
        january = customer_counts(conn, dt.date(2025, 1, 31), "commune").set_index("commune")
    assert before.loc["Xã A", ["active_customers", "cashless_customers"]].tolist() == [3, 2]
    assert before.loc["Xã B", ["active_customers", "cashless_customers"]].tolist() == [1, 0]
    # 2025: Xã A and Xã B merge into Xã An Bình; new exports use the new name, old ones the old names.
    merged = _settings(tmp_path, "PA1101,Xã A,Xã An Bình\nPA1101,xã b,Xã An Bình\n")
    new_file = f"{HEADER}\nC13;PA1101;Xã An Bình;;A;B;;01/02/2025;\nC14;PA1101;Xã A;;A;B;;01/02/2025;\n"
    _load(engine, tmp_path, "customers", "new.csv", new_file, merged)
    assert [name for office, name in _communes(engine) if office == "PA1101"] == ["Xã An Bình"]
    refresh_snapshots(engine)
    with engine.connect() as conn:
        after = customer_counts(conn, dt.date(2025, 2, 28), "commune").set_index("commune")
        january_after = customer_counts(conn, dt.date(2025, 1, 31), "commune").set_index("commune")
    assert after.loc["Xã An Bình", ["active_customers", "cashless_customers"]].tolist() == [4 + 2, 2]
    assert january_after.loc["Xã An Bình", "active_customers"] == (
        january.loc["Xã A", "active_customers"] + january.loc["Xã B", "active_customers"]
    )
    assert "Xã A" not in after.index and "Xã B" not in after.index
    with engine.connect() as conn:
        assert lookalike_communes(conn, read_commune_aliases(tmp_path / "commune_aliases.csv")).empty
    later = f"{HEADER}\nC15;PA1101;XÃ A;;A;B;;01/02/2025;\n"  # applying the aliases again changes nothing
    _load(engine, tmp_path, "customers", "later.csv", later, merged)
    assert [name for office, name in _communes(engine) if office == "PA1101"] == ["Xã An Bình"]
