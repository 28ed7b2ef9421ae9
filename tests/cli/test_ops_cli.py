"""What IT relies on: --version, an example in every --help, timestamped logs, `db status` exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys

import pytest
from sqlalchemy import update

from cli.main import build_parser, main
from tests.warehouse.province_fixture import write_fixture
from warehouse.db import make_engine
from warehouse.schema import snapshot_state


def all_parsers(parser, path=()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_parsers(sub, (*path, name))


def test_version_from_the_package_metadata():
    done = subprocess.run(
        [sys.executable, "-m", "cashless", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert re.fullmatch(r"cashless \d+\.\d+\.\d+\n", done.stdout)


def test_every_help_has_an_example_and_no_design_references():
    parsers = list(all_parsers(build_parser()))
    assert len(parsers) > 25
    for path, parser in parsers:
        text = parser.format_help()
        assert re.search(r"examples?:\n  (\S+=\S+ )?cashless ", text), path
        assert "DESIGN" not in text and "§" not in text, path


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    paths = write_fixture(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["load", "customers", str(paths[0]), "--quiet"]) == 0
    return url


def test_log_file_lines_carry_the_time(loaded, tmp_path, capsys):
    log = tmp_path / "cashless.log"
    assert main(["--log-level", "info", "--log-file", str(log), "db", "refresh", "--full"]) == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines and all(
        re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|DEBUG|WARNING) ", ln) for ln in lines
    )


def test_log_level_from_the_environment_is_checked(monkeypatch, capsys):
    monkeypatch.setenv("CASHLESS_LOG_LEVEL", "chatty")
    assert main(["db", "status"]) == 1
    assert "unknown log level 'CHATTY'" in capsys.readouterr().err


def test_db_status_healthy_then_stale_then_unreachable(loaded, capsys, monkeypatch):
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "status:               healthy" in out and "customers.csv" in out
    with make_engine(loaded).begin() as conn:  # as a load killed before its refresh leaves it
        conn.execute(update(snapshot_state).values(dirty_from=dt.date(2025, 1, 5)))
    assert main(["db", "status"]) == 1
    assert "snapshots stale from 2025-01-05" in capsys.readouterr().err
    assert main(["db", "refresh"]) == 0
    assert main(["db", "status", "--max-load-age", "0"]) == 1  # the load is older than 0 hours
    assert "longer ago than allowed" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["db", "status"]) == 1
    assert "database not reachable" in capsys.readouterr().err


def test_db_status_on_an_empty_file_says_upgrade(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert main(["db", "status"]) == 1
    assert "run `cashless db upgrade`" in capsys.readouterr().err
