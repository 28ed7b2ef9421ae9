"""Revision 0004 recomputes the hashed ids of payments loaded without a transaction id."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from cashless.settings import LoadSettings
from etl.load import load_file
from tests.warehouse.province_fixture import CUSTOMERS
from warehouse.migrate import alembic_config

SETTINGS = LoadSettings(progress=False)
PAYMENTS = (
    "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"
    "C01,202502,10/02/2025,1000,BIDV\n"
    "C01,202502,10/02/2025,1000,Thu tại quầy\n"  # same key, another channel: numbered 0 and 1
    "C02,202502,11/02/2025,2000,MoMo\n"
)


def _ids(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text("SELECT payment_id FROM payments")).scalars())


def _migrate(engine, revision: str, up: bool) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(config, revision)


def test_old_hashed_ids_become_the_ids_a_new_load_gives(engine, tmp_path):
    (tmp_path / "c.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "p.csv").write_text(PAYMENTS, encoding="utf-8")
    load_file(engine, "customers", tmp_path / "c.csv", SETTINGS)
    assert load_file(engine, "payments", tmp_path / "p.csv", SETTINGS).loaded == 3
    current = _ids(engine)
    with engine.begin() as conn:  # as revision 0003 left them: other hashes (the channel was in the key)
        conn.execute(
            text(
                "UPDATE payments SET payment_id = SUBSTR(payment_id, 1, 9) || '000000' || SUBSTR(payment_id, 10, 6)"
            )
        )
    old = _ids(engine)
    assert len(old) == 3 and not set(old) & set(current)
    _migrate(engine, "0003", up=False)
    _migrate(engine, "head", up=True)
    assert _ids(engine) == current
    (tmp_path / "again.csv").write_text(PAYMENTS.replace("BIDV", "bidv"), encoding="utf-8")
    again = load_file(engine, "payments", tmp_path / "again.csv", SETTINGS)
    assert (again.loaded, again.updated) == (3, 3)
    assert _ids(engine) == current
