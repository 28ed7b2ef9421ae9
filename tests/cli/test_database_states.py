"""The command line on a database in every state: it works, or it exits 1 with a one-line reason.

Never a traceback (DESIGN §7): no schema, an empty warehouse, an unreachable server, a file that
is not a database, a URL that is not a database URL. Run in-process for speed, plus the real
entry point for the paths fixed here.
"""

from __future__ import annotations

import pytest

from cli.main import main
from tests.conftest import fresh_postgres
from tests.processes import cashless
from tests.warehouse.province_fixture import write_fixture
from warehouse.db import make_engine
from warehouse.migrate import upgrade

UPGRADE = "run `cashless db upgrade`"
UNREACHABLE = "cannot use the database ("
BAD_URL = "DATABASE_URL is not a database URL ("
NOT_A_DATABASE = "database error (file is not a database); check DATABASE_URL"
COMMANDS = ["kpi", "targets status", "targets export OUT", "db refresh", "load payments FILE", "db upgrade"]
# state -> what each command of COMMANDS does there: 0 (works) or the reason it gives
EXPECTED = {
    "sqlite without schema": [UPGRADE, UPGRADE, UPGRADE, UPGRADE, UPGRADE, 0],
    "sqlite empty warehouse": ["no data loaded yet", "no data loaded yet", 0, 0, 0, 0],
    "sqlite file that is not a database": [NOT_A_DATABASE] * 6,
    "sqlite in a missing folder": [UNREACHABLE] * 6,
    "postgresql without schema": [UPGRADE, UPGRADE, UPGRADE, UPGRADE, UPGRADE, 0],
    "postgresql empty warehouse": ["no data loaded yet", "no data loaded yet", 0, 0, 0, 0],
    "postgresql unreachable": [UNREACHABLE] * 6,
    "postgres:// url": [BAD_URL] * 6,
    "not a url": [BAD_URL] * 6,
}
CASES = [
    pytest.param(
        state, command, expected, marks=[pytest.mark.postgres] if state.startswith("postgresql ") else []
    )
    for state, outcomes in EXPECTED.items()
    for command, expected in zip(COMMANDS, outcomes)
]


def database_in_state(state: str, request, folder) -> str:
    """A DATABASE_URL for a database in `state`."""
    if state.startswith("sqlite"):
        path = folder / "warehouse.db"
        if state.endswith("not a database"):
            path.write_text("MA_KHANG,KY_HD\nC01,202501\n")
        url = (
            f"sqlite:///{folder / 'missing' / 'w.db'}"
            if state.endswith("missing folder")
            else f"sqlite:///{path}"
        )
    elif state == "postgresql unreachable":
        return "postgresql+psycopg://postgres@127.0.0.1:1/cashless"
    elif state.startswith("postgresql"):
        url = request.getfixturevalue("postgres_database")
        fresh_postgres(url).dispose()
    else:
        return "postgres://postgres@127.0.0.1/cashless" if state == "postgres:// url" else "not a url"
    if state.endswith("empty warehouse"):
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    return url


@pytest.mark.parametrize("state, command, expected", CASES)
def test_every_command_works_or_says_why_in_one_line(
    state, command, expected, request, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", database_in_state(state, request, tmp_path))
    payments = write_fixture(tmp_path)[2]
    args = command.replace("FILE", str(payments)).replace("OUT", str(tmp_path / "targets.csv")).split()
    code = main(args)
    out, err = capsys.readouterr()
    if expected == 0:
        assert (code, err) == (0, ""), err
        return
    assert code == 1
    assert err.startswith("cashless: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert expected in err


def test_a_load_into_an_empty_warehouse_quarantines_every_payment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_in_state("sqlite empty warehouse", None, tmp_path))
    assert main(["load", "payments", str(write_fixture(tmp_path)[2])]) == 0
    assert "rows: 0 loaded, 14 quarantined" in capsys.readouterr().out


@pytest.mark.parametrize("state", ["sqlite file that is not a database", "postgres:// url"])
def test_the_installed_command_prints_no_traceback_either(state, tmp_path):
    done = cashless(database_in_state(state, None, tmp_path), "kpi", check=False)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("cashless: ")
