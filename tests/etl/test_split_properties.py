"""Property: a file's rows loaded as several files, in any order, give the same warehouse (hypothesis).

Rows are distinct by transaction id and by natural key (the rules for repeats are order-dependent by
design: the first owner of an id keeps it, and a file's repeats count within that file). Some rows
are bad and must be quarantined whichever file carries them. SQLite only: the fixed split in
test_real_exports runs on both databases.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cashless.settings import LoadSettings
from etl.load import load_files
from tests.warehouse.province_fixture import CUSTOMERS
from warehouse.db import make_engine
from warehouse.metrics import customer_counts
from warehouse.migrate import upgrade

SETTINGS = LoadSettings(chunk_rows=3, progress=False, parse_ahead=False)
HEADER = "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT"
CUSTOMER_IDS = [f"C{i:02d}" for i in range(1, 13)] + ["C99"]  # C99 is unknown: quarantined
CHANNELS = ["BIDV", "Thu tại quầy", "MoMo", "bưu  điện", "SmartPay"]


@st.composite
def payment_rows(draw) -> list[str]:
    """Rows distinct by id and by (customer, period, day, amount); some without an id, some bad."""
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(CUSTOMER_IDS),
                st.sampled_from([202501, 202502]),
                st.integers(0, 58),
                st.sampled_from(["10.000", "25.000", "0", "abc"]),  # the last two are quarantined
            ),
            min_size=3,
            max_size=14,
            unique=True,
        )
    )
    rows = []
    for number, (customer, period, day, amount) in enumerate(keys):
        paid = dt.date(2025, 1, 1) + dt.timedelta(days=day)
        given = draw(st.booleans())
        rows.append(
            f"{f'P{number:03d}' if given else ''},{customer},{period},{paid:%d/%m/%Y},"
            f'"{amount}",{draw(st.sampled_from(CHANNELS))}'
        )
    return rows


@functools.cache
def _template() -> Path:
    """An upgraded warehouse holding the fixture's customers, copied for each example."""
    folder = Path(tempfile.mkdtemp(prefix="split-template-"))
    engine = make_engine(f"sqlite:///{folder / 'w.db'}")
    upgrade(engine)
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    load_files(engine, "customers", [folder / "customers.csv"], SETTINGS)
    engine.dispose()
    return folder / "w.db"


def _warehouse(folder: Path, parts: list[list[str]]):
    """A fresh warehouse with the fixture's customers and `parts` loaded as files in that order."""
    shutil.copy(_template(), folder / "w.db")
    engine = make_engine(f"sqlite:///{folder / 'w.db'}")
    paths = []
    for index, part in enumerate(parts):
        path = folder / f"part{index}.csv"
        path.write_text("\n".join([HEADER, *part]) + "\n", encoding="utf-8")
        paths.append(path)
    load_files(engine, "payments", paths, SETTINGS)
    return engine


def _state(engine) -> tuple:
    """What the warehouse says: its payments, how many rows are quarantined, figures per commune."""
    with engine.connect() as conn:
        payments = sorted(
            tuple(row)
            for row in conn.exec_driver_sql(
                "SELECT p.payment_id, c.customer_id, p.bill_period, p.paid_at, p.amount, n.raw_text "
                "FROM payments p JOIN customers c ON c.customer_key = p.customer_key "
                "JOIN channel_names n ON n.id = p.channel_name_id"
            )
        )
        quarantined = conn.exec_driver_sql("SELECT COUNT(*) FROM quarantine").scalar()
        figures = [
            customer_counts(conn, day, "commune").drop(columns="commune_id").to_dict("records")
            for day in (dt.date(2025, 1, 31), dt.date(2025, 2, 28))
        ]
    engine.dispose()
    return payments, quarantined, figures


@settings(max_examples=40)
@given(rows=payment_rows(), data=st.data())
def test_rows_split_over_files_in_any_order_load_the_same(rows, data):
    parts_count = data.draw(st.integers(2, 4))
    assignment = data.draw(st.lists(st.integers(0, parts_count - 1), min_size=len(rows), max_size=len(rows)))
    parts = [[row for row, part in zip(rows, assignment) if part == index] for index in range(parts_count)]
    parts = data.draw(st.permutations(parts))
    with tempfile.TemporaryDirectory() as whole_folder, tempfile.TemporaryDirectory() as split_folder:
        whole = _state(_warehouse(Path(whole_folder), [rows]))
        split = _state(_warehouse(Path(split_folder), [part for part in parts if part]))
    assert split == whole
    assert len(whole[0]) + whole[1] == len(rows)  # every row loaded or quarantined
