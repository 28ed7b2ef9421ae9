"""Every row read is accounted for: loaded (new or updating an earlier one) or quarantined.

Counts must not depend on where chunk boundaries fall, and the warehouse must gain exactly the
rows loaded minus the updates.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cashless.settings import LoadSettings
from etl.load import load_file

from .province_fixture import write_fixture

WITH_IDS = """\
MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
G1,C01,202501,10/01/2025,100.000,BIDV
G1,C01,202501,10/01/2025,200.000,BIDV
G2,C02,202501,10/01/2025,50.000,MoMo
G3,C99,202501,10/01/2025,50.000,MoMo
G2,C02,202501,10/01/2025,50.000,MoMo
G4,C03,202501,11/01/2025,70.000,Thu tại quầy
"""
# No MA_GD: two identical rows are two payments (the hash counts occurrences), never one.
WITHOUT_IDS = """\
MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
C01,202501,10/01/2025,100.000,BIDV
C01,202501,10/01/2025,100.000,BIDV
C02,202501,10/01/2025,100.000,BIDV
"""


@pytest.mark.parametrize("chunk_rows", [1, 2, 4, 1000])
def test_repeated_payment_ids_are_updates_wherever_the_chunks_end(engine, tmp_path, chunk_rows):
    paths = write_fixture(tmp_path)
    settings = LoadSettings(chunk_rows=chunk_rows, progress=False)
    load_file(engine, "customers", paths[0], settings)
    (tmp_path / "ids.csv").write_text(WITH_IDS, encoding="utf-8")
    (tmp_path / "no_ids.csv").write_text(WITHOUT_IDS, encoding="utf-8")

    with_ids = load_file(engine, "payments", tmp_path / "ids.csv", settings)
    without_ids = load_file(engine, "payments", tmp_path / "no_ids.csv", settings)

    assert (with_ids.rows_read, with_ids.loaded, with_ids.updated, with_ids.quarantined) == (6, 5, 2, 1)
    assert (without_ids.rows_read, without_ids.loaded, without_ids.updated) == (3, 3, 0)
    with engine.connect() as conn:
        amounts = dict(
            conn.execute(text("SELECT payment_id, amount FROM payments WHERE payment_id LIKE 'G%'")).all()
        )
        hashed = conn.execute(text("SELECT COUNT(*) FROM payments WHERE payment_id LIKE 'H%'")).scalar()
        quarantined = conn.execute(text("SELECT row_number, column_name FROM quarantine")).all()
    assert amounts == {"G1": 200_000, "G2": 50_000, "G4": 70_000}  # the later G1 row won
    assert hashed == 3
    assert quarantined == [(5, "customer_id")]
