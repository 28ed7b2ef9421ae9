"""The `cashless` command as scripts use it (DESIGN §7): output contract, exit codes, no tracebacks."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from models.forecast import forecast_to
from tests.warehouse.province_fixture import write_fixture
from warehouse.db import make_engine
from warehouse.schema import forecasts


def run(args, url, check=True):
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "cashless", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def loaded_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'w.db'}"
    paths = write_fixture(folder)
    run(["db", "upgrade"], url)
    run(["load", "customers", str(paths[0])], url)
    out = run(["load", "payments", *map(str, paths[1:])], url).stdout
    assert "3 file(s): 3 loaded, 0 skipped, 0 rejected; rows: 19 loaded, 3 quarantined" in out
    return url


def test_kpi_csv_by_office_is_the_contract(loaded_url):
    out = run(["kpi", "--as-of", "2025-02-28", "--by", "office", "--format", "csv"], loaded_url).stdout
    lines = out.splitlines()
    assert lines[0].startswith("office_code,active_customers,cashless_customers,cashless_rate")
    assert len(lines) == 1 + 7
    assert lines[1].startswith("PA1101,4,2,0.500000")
    assert lines[2].startswith("PA1102,5,3,0.600000")


def test_kpi_csv_by_province_is_one_all_row(loaded_url):
    out = run(["kpi", "--as-of", "2025-02-28", "--by", "province", "--format", "csv"], loaded_url).stdout
    assert out.splitlines() == [
        "office_code,active_customers,cashless_customers,cashless_rate",
        "ALL,9,5,0.555556",
    ]


def test_kpi_json_and_table(loaded_url):
    data = json.loads(run(["kpi", "--as-of", "28/02/2025", "--format", "json"], loaded_url).stdout)
    assert data["as_of"] == "2025-02-28"
    assert data["rows"][0]["cashless_customers"] == 2
    table = run(["kpi", "--as-of", "2025-02-28", "--by", "province"], loaded_url).stdout
    assert "28/02/2025" in table and "55,56%" in table


def test_kpi_defaults_to_the_last_day_with_data(loaded_url):
    out = run(["kpi", "--by", "province", "--format", "json"], loaded_url).stdout
    assert json.loads(out)["as_of"] == "2025-03-05"


@pytest.mark.parametrize(
    "args, message",
    [
        (["kpi", "--as-of", "2025-02-30"], "not a date"),
        (["load", "payments", "/no/such/file.csv"], "no such file"),
    ],
)
def test_user_errors_are_one_line_without_traceback(loaded_url, args, message):
    done = run(args, loaded_url, check=False)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_rejected_file_exits_nonzero_with_the_column(loaded_url, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("MA_KHANG,SO_TIEN\nC01,100\n")
    done = run(["load", "payments", str(bad)], loaded_url, check=False)
    assert done.returncode == 1
    assert "missing required column" in done.stderr and "NGAY_TT" in done.stderr
    assert "Traceback" not in done.stderr


def test_load_timings_name_every_phase_within_the_command_s_time(tmp_path):
    """`--timings` says where a load's time went: every phase of etl.load.PHASES and the start-up, and
    the phases the writer waits on add up to no more than the command took."""
    from etl.load import PHASES, WRITER_PHASES

    url = f"sqlite:///{tmp_path / 'w.db'}"
    paths = write_fixture(tmp_path)
    run(["db", "upgrade"], url)
    run(["load", "customers", "--quiet", str(paths[0])], url)
    started = time.perf_counter()
    out = run(["load", "payments", "--quiet", "--timings", *map(str, paths[1:])], url).stdout
    took = time.perf_counter() - started
    line = next(line for line in out.splitlines() if line.startswith("timings: "))
    seconds = {k: float(v) for k, v in re.findall(r"([\w-]+) ([\d.]+) s", line)}
    assert list(seconds) == ["start-up", *PHASES]
    assert seconds["start-up"] > 0 and seconds["refresh"] > 0
    assert sum(seconds[phase] for phase in ("start-up", *WRITER_PHASES)) <= took


def test_commands_on_a_database_without_schema_say_what_to_do(tmp_path):
    done = run(["kpi"], f"sqlite:///{tmp_path / 'empty.db'}", check=False)
    assert done.returncode == 1
    assert "cashless db upgrade" in done.stderr


def test_unreachable_postgres_is_a_clear_error():
    done = run(["kpi"], "postgresql+psycopg://nobody@127.0.0.1:1/none", check=False)
    assert done.returncode == 1
    assert "cannot use the database" in done.stderr and "Traceback" not in done.stderr


def test_targets_import_export_and_status(loaded_url, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(
        'office_code,period_type,period,target_rate\nPA1101,month,2025-02,75%\nALL,year,2025,"0,9"\n'
    )
    assert (
        "2 target(s) imported" in run(["targets", "import", str(plan), "--set-by", "an"], loaded_url).stdout
    )
    exported = tmp_path / "out.csv"
    run(["targets", "export", str(exported)], loaded_url)
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "office_code,period_type,period,target_rate,set_by,set_at"
    assert lines[2].startswith("PA1101,month,2025-02,0.75,an,")
    out = run(
        ["targets", "status", "--as-of", "2025-02-28", "--office", "PA1101", "--format", "csv"], loaded_url
    )
    feb = next(line for line in out.stdout.splitlines() if ",2025-02," in line)
    # 75% of 4 active = 3 cashless needed, 2 are: 1 more.
    assert ",0.750000,True,4,2,0.500000,1," in feb


def test_bad_target_file_names_the_line(loaded_url, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "office_code,period_type,period,target_rate\nPA1101,month,2025-02,75%\nPA1101,month,2025-13,0.8\n"
    )
    done = run(["targets", "import", str(plan)], loaded_url, check=False)
    assert done.returncode == 1 and "line 3" in done.stderr and "2025-13" in done.stderr
    assert "Traceback" not in done.stderr


def test_report_weekly_writes_html_with_the_sentences(loaded_url, tmp_path):
    html = tmp_path / "week.html"
    out = run(["report", "weekly", "--as-of", "2025-02-28", "-o", str(html)], loaded_url).stdout
    assert "written to" in out
    text = html.read_text(encoding="utf-8")
    assert "Đến hết ngày 28/02/2025, toàn tỉnh có 5/9 khách hàng không dùng tiền mặt, đạt 55,56%." in text
    assert "So với tuần trước (21/02/2025): +1 khách hàng, tỷ lệ +11,11 điểm %." in text
    english = tmp_path / "week-en.html"
    run(
        [
            "report",
            "weekly",
            "--as-of",
            "2025-02-28",
            "--lang",
            "en",
            "--office",
            "PA1102",
            "-o",
            str(english),
        ],
        loaded_url,
    )
    text = english.read_text(encoding="utf-8")
    assert "By the end of 28/02/2025" not in text  # English dates are ISO
    assert "By the end of 2025-02-28, Điện lực Yên Sơn had 3 of 5 customers paying cashless: 60.00%." in text
    assert "TP Tuyên Quang" not in text  # one office's review holds nothing of another


def test_report_weekly_pdf(loaded_url, tmp_path):
    from dashboard.chromium import chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium to print the PDF")
    pdf = tmp_path / "week.pdf"
    run(["report", "weekly", "--as-of", "2025-02-28", "-o", str(pdf)], loaded_url)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-") and len(content) > 20_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "weekly", "-o", "week.docx"], "written as .html or .pdf"),
        (["report", "weekly", "--office", "PA9999", "-o", "w.html"], "unknown office code 'PA9999'"),
        (["users", "add", "x", "--role", "manager"], "a manager needs --office"),
        (["users", "disable", "nobody"], "no user 'nobody'"),
    ],
)
def test_report_and_users_errors_are_one_line(loaded_url, args, message, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cashless", *args],
        env={**os.environ, "DATABASE_URL": loaded_url},
        capture_output=True,
        text=True,
        input="password-123\n",
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1
    assert (
        message in done.stderr
        and len(done.stderr.strip().splitlines()) == 1
        and "Traceback" not in done.stderr
    )


def test_users_add_list_disable(loaded_url):
    env = {**os.environ, "DATABASE_URL": loaded_url}
    command = [sys.executable, "-m", "cashless", "users"]
    added = subprocess.run(
        [*command, "add", "ys", "--role", "manager", "--office", "PA1102"],
        env=env, input="secret-pass\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "user ys (manager PA1102) added" in added.stdout
    listed = run(["users", "list"], loaded_url).stdout
    assert "ys" in listed and "manager" in listed and "secret-pass" not in listed
    run(["users", "disable", "ys"], loaded_url)
    assert "False" in run(["users", "list"], loaded_url).stdout


def test_channels_map_from_the_command_line_recomputes_from_first_use(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    paths = write_fixture(tmp_path)
    run(["db", "upgrade"], url)
    run(["load", "customers", str(paths[0])], url)
    run(["load", "payments", *map(str, paths[1:])], url)
    assert "SmartPay" in run(["channels", "unknown"], url).stdout
    before = run(["kpi", "--as-of", "2025-02-28", "--format", "csv"], url).stdout.splitlines()
    assert before[2].startswith("PA1102,5,3,")
    bad = run(["channels", "map", "SmartPay", "--category", "wallet"], url, check=False)
    assert bad.returncode == 1 and "category must be one of" in bad.stderr and "Traceback" not in bad.stderr
    out = run(["channels", "map", "SmartPay", "--category", "e_wallet"], url).stdout
    assert "recomputed from 10/02/2025" in out
    after = run(["kpi", "--as-of", "2025-02-28", "--format", "csv"], url).stdout.splitlines()
    assert after[2].startswith("PA1102,5,4,")  # C07 paid SmartPay on 10/02: cashless now
    assert "every raw channel name is in the catalog" in run(["channels", "unknown"], url).stdout
    again = run(["channels", "map", "smartpay", "--category", "bank"], url, check=False)
    assert again.returncode == 1 and "already in the catalog" in again.stderr


def test_forecast_csv_is_the_contract(loaded_url):
    out = run(
        ["forecast", "--as-of", "2025-02-28", "--to", "2025-04-30", "--format", "csv"], loaded_url
    ).stdout
    lines = out.splitlines()
    assert lines[0].startswith("office_code,month,cashless_rate,lo80,hi80,lo95,hi95")
    assert [line.split(",")[1] for line in lines[1:] if line.startswith("ALL,")] == [
        "2025-03-31",
        "2025-04-30",
    ]
    assert len(lines) == 1 + 2 * (7 + 1)  # seven offices and the province, two month ends
    rate = lines[-1].split(",")[2]
    assert len(rate.split(".")[1]) == 6
    province = run(["forecast", "--as-of", "2025-02-28", "--by", "province", "--format", "json"], loaded_url)
    rows = json.loads(province.stdout)["rows"]
    assert {row["office_code"] for row in rows} == {"ALL"}
    engine = make_engine(loaded_url)
    with engine.connect() as conn:  # both forecasts kept; the pages read the command's year-end one
        assert conn.execute(select(func.count()).select_from(forecasts)).scalar() == 2
        kept = forecast_to(conn, dt.date(2025, 2, 28), dt.date(2025, 12, 31))[1].table
    engine.dispose()
    assert [row["cashless_rate"] for row in rows] == pytest.approx(
        kept.loc[kept["office_code"] == "ALL", "cashless_rate"].tolist(), abs=1e-6
    )


def test_forecast_errors_are_one_line(loaded_url):
    done = run(["forecast", "--as-of", "2025-02-28", "--to", "2025-01-15"], loaded_url, check=False)
    assert done.returncode == 1 and "--to must be after" in done.stderr and "Traceback" not in done.stderr
    done = run(["forecast", "backtest"], loaded_url, check=False)
    assert done.returncode == 1 and "at least 13 month ends" in done.stderr


def test_outreach_plan_needs_scores_and_a_capacity_file(loaded_url, tmp_path):
    capacity = tmp_path / "capacity.csv"
    out = tmp_path / "plan.csv"
    done = run(
        ["outreach", "plan", "--capacity", str(capacity), "--weeks", "4", "-o", str(out)],
        loaded_url,
        check=False,
    )
    assert done.returncode == 1 and "no such file" in done.stderr
    capacity.write_text("office_code,visits_per_week\nPA1101,5\n")
    done = run(
        ["outreach", "plan", "--capacity", str(capacity), "--weeks", "4", "-o", str(out)],
        loaded_url,
        check=False,
    )
    assert done.returncode == 1 and "no scores yet" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
