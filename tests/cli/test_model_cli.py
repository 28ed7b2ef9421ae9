"""`cashless model …` and `cashless outreach …` as scripts use them: outputs, files, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from etl.load import load_files
from etl.synthetic import generate_province
from warehouse.db import make_engine
from warehouse.migrate import upgrade


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A small generated province in SQLite, models in a temporary folder: the environment to run in."""
    folder = tmp_path_factory.mktemp("cli-model")
    files = generate_province(folder / "files", scale=0.02)
    url = f"sqlite:///{folder / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_files(engine, "customers", files.customers)
    load_files(engine, "payments", files.payments)
    engine.dispose()
    return {**os.environ, "DATABASE_URL": url, "CASHLESS_MODELS_DIR": str(folder / "models")}


def run(args, env, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "cashless", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture(scope="module")
def trained_env(env):
    for args, message in (
        (["model", "report"], "no model trained yet"),
        (["model", "score"], "no model trained yet"),
        (["outreach", "export", "--office", "PA1102", "-o", "/tmp/never.xlsx"], "no scores yet"),
    ):
        done = run(args, env, check=False)
        assert done.returncode == 1 and message in done.stderr
    out = run(["model", "train"], env).stdout
    assert "backtest: trained on 2024-05-31 .. 2024-08-31, scored 2024-11-30, label on 2025-02-28" in out
    assert "never_cashless" in out and "top decile: lift" in out
    assert "households scored as of 2025-02-28" in run(["model", "score"], env).stdout
    return env


def test_report_shows_backtest_calibration_and_importance(trained_env):
    out = run(["model", "report"], trained_env).stdout
    assert "calibration" in out and "permutation importance" in out and "commune_cashless_rate" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["model", "train", "--cutoff", "2030-01-01"], "the data ends on 2025-02-28"),
        (["model", "train", "--horizon", "0"], "--horizon must be at least 1"),
        (["model", "score", "--as-of", "2024-06-30"], "learnt from data up to 2025-02-28"),
        (["model", "report", "--version", "nope"], "no model version 'nope'"),
        (["outreach", "export", "--office", "PA9999", "-o", "x.xlsx"], "unknown office code 'PA9999'"),
        (["outreach", "export", "--office", "PA1102", "-o", "/no/such/dir/x.xlsx"], "no such folder"),
        (["outreach", "import-outcomes", "/no/such/file.xlsx"], "no such file"),
    ],
)
def test_user_errors_are_one_line(trained_env, args, message):
    done = run(args, trained_env, check=False)
    assert done.returncode == 1 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_export_import_and_lists(trained_env, tmp_path):
    xlsx = tmp_path / "yen_son.xlsx"
    out = run(
        ["outreach", "export", "--office", "PA1102", "--top", "40", "-o", str(xlsx)], trained_env
    ).stdout
    assert "40 households" in out and "4 held back as control" in out and "36 written" in out
    book = openpyxl.load_workbook(xlsx)
    page = book.active
    assert page.max_row == 37 and page["C1"].value == "Mã khách hàng" and page.freeze_panes == "A2"
    assert all(str(page.cell(row=r, column=3).value).startswith("PA1102") for r in range(2, 38))
    list_id = page["A2"].value

    csv = tmp_path / "again.csv"
    assert (
        "36 households written"
        in run(
            ["outreach", "export", "--office", "PA1102", "--list", str(list_id), "-o", str(csv)], trained_env
        ).stdout
    )
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")

    page["L2"], page["M2"] = "Lò Văn A", "Đồng ý chuyển đổi"
    page["M3"] = "từ chối"
    back = tmp_path / "back.xlsx"
    book.save(back)
    assert (
        f"list {list_id}: 2 household(s) updated"
        in run(["outreach", "import-outcomes", str(back)], trained_env).stdout
    )
    page["M4"] = "có thể"
    book.save(back)
    done = run(["outreach", "import-outcomes", str(back)], trained_env, check=False)
    assert done.returncode == 1 and "row 4: unknown outcome 'có thể'" in done.stderr

    lists = run(["outreach", "lists", "--format", "csv"], trained_env).stdout.splitlines()
    assert lists[0].startswith("list_id,office_code,created_at,as_of,measured_on,days,contacted")
    assert lists[1].startswith(f"{list_id},PA1102,")
    assert lists[1].endswith(",0,1,1,0,0")  # outcomes: contacted, agreed, refused, unreachable, converted


def test_a_second_list_takes_the_next_households(trained_env, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    run(["outreach", "export", "--office", "PA1103", "--top", "20", "-o", str(first)], trained_env)
    run(["outreach", "export", "--office", "PA1103", "--top", "20", "-o", str(second)], trained_env)
    ids = [set(pd.read_csv(p, dtype=str, encoding="utf-8-sig")["Mã khách hàng"]) for p in (first, second)]
    assert len(ids[0]) == len(ids[1]) == 18 and not ids[0] & ids[1]
