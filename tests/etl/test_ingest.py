"""The drop folder: kinds told by the header under misleading names, customers first, files moved, run twice."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cli.main import main
from etl.ingest import LOCK, FolderBusy, folder_lock, ingest_folder, plan_ingest
from warehouse.db import make_engine
from warehouse.metrics import kpi
from warehouse.schema import load_runs

# Two customers of Yên Sơn; C2's payment is the latest and cashless (BIDV), C1 paid cash.
CUSTOMERS = "MA_KHANG,MA_DVIQLY,NGAY_HLUC\nC1,PA1102,01/01/2024\nC2,PA1102,01/01/2024\n"
PAYMENTS = (
    "MA_KHANG;KY_HD;NGAY_TT;SO_TIEN;KENH_TT\n"
    "C1;202401;10/01/2024;100.000;Thu tại quầy\n"
    "C2;202401;11/01/2024;200.000;BIDV\n"
)


def drop_folder(tmp_path):
    """Payments named like customers (sorted first by name), customers named like payments, and junk."""
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a_customers.csv").write_text(PAYMENTS, encoding="utf-8")
    (folder / "z_payments.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "readme.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (folder / "still_copying.csv.part").write_text(CUSTOMERS, encoding="utf-8")
    return folder


def main_in(env, args):
    return subprocess.run(
        [sys.executable, "-m", "cashless", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_plan_orders_by_header_not_name(tmp_path):
    plan = plan_ingest(drop_folder(tmp_path))
    assert [(f.path.name, f.kind) for f in plan] == [
        ("z_payments.csv", "customers"),
        ("a_customers.csv", "payments"),
        ("readme.csv", None),
    ]
    assert "not a customers or payments export" in plan[2].reason


def test_ingest_loads_moves_and_is_idempotent(engine, tmp_path):
    folder = drop_folder(tmp_path)
    first = ingest_folder(engine, folder)
    assert [(o.file, o.status) for o in first] == [
        ("readme.csv", "rejected"),
        ("z_payments.csv", "loaded"),
        ("a_customers.csv", "loaded"),  # its payments found their customers: nothing quarantined
    ]
    assert "0 quarantined" in first[2].detail
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["a_customers.csv", "z_payments.csv"]
    assert sorted(p.name for p in (folder / "rejected").iterdir()) == ["readme.csv", "readme.csv.txt"]
    assert "missing required column" in (folder / "rejected" / "readme.csv.txt").read_text()
    assert (folder / "still_copying.csv.part").exists()  # a partial copy waits for its rename
    with engine.connect() as conn:
        row = kpi(conn, dt.date(2024, 1, 31), by="province").iloc[0]
    assert (row["active_customers"], row["cashless_customers"]) == (2, 1)
    assert ingest_folder(engine, folder) == []  # nothing new: nothing done


def test_same_file_dropped_again_is_filed_as_already_loaded(engine, tmp_path):
    folder = drop_folder(tmp_path)
    ingest_folder(engine, folder)
    (folder / "again.csv").write_text(CUSTOMERS, encoding="utf-8")
    [outcome] = ingest_folder(engine, folder)
    assert (outcome.status, outcome.kind) == ("skipped", "customers")
    assert (folder / "done" / "again.csv").exists()


def test_a_second_run_waits_out_the_lock(tmp_path):
    folder = drop_folder(tmp_path)
    with open(folder / LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as an ingest in progress holds it
        with pytest.raises(FolderBusy, match="another"), folder_lock(folder):
            pass
    with folder_lock(folder):  # released: the next run gets it
        pass


def test_cli_exit_codes_and_dry_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    assert main(["db", "upgrade"]) == 0
    folder = drop_folder(tmp_path)
    assert main(["ingest", str(folder), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "z_payments.csv: would load as customers" in out
    assert "3 file(s) waiting; nothing done" in out
    assert not (folder / "done").exists()
    assert main(["ingest", str(folder)]) == 1  # readme.csv was rejected
    out = capsys.readouterr().out
    assert "3 file(s): 2 loaded, 0 already loaded, 1 rejected" in out
    assert main(["ingest", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == "nothing new"
    assert main(["ingest", str(tmp_path / "nowhere")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_cli_run_while_another_holds_the_lock_does_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    assert main(["db", "upgrade"]) == 0
    folder = drop_folder(tmp_path)
    with open(folder / LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert main(["ingest", str(folder)]) == 0
    assert "another `cashless ingest` is working" in capsys.readouterr().err
    assert not (folder / "done").exists() and (folder / "z_payments.csv").exists()


def test_two_overlapping_runs_load_each_file_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    assert main_in(env, ["db", "upgrade"]).returncode == 0
    folder = drop_folder(tmp_path)
    command = [sys.executable, "-m", "cashless", "ingest", str(folder)]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert sorted(run.returncode for run in runs) in (
        [0, 1],
        [1, 1],
    )  # readme.csv rejected once; a loser exits 0
    with make_engine(url).connect() as conn:
        loaded = (
            conn.execute(select(load_runs.c.file_name).where(load_runs.c.status == "loaded")).scalars().all()
        )
    assert sorted(Path(name).name for name in loaded) == ["a_customers.csv", "z_payments.csv"]
    assert sum(out.count("rejected: not a customers") for out, _ in outputs) == 1


def test_unreadable_file_gets_its_one_reason(engine, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "blank.csv").write_bytes(b"")
    [outcome] = ingest_folder(engine, folder)
    assert (outcome.status, outcome.detail) == ("rejected", "the file is empty")
    assert (
        (folder / "rejected" / "blank.csv.txt").read_text(encoding="utf-8").startswith("the file is empty\n")
    )
