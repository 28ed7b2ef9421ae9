"""ETL and KPI benchmark on the demo province (issue: foundation, DESIGN §2).

Prints, for SQLite and PostgreSQL side by side: the project's full load (snapshot refresh
included) against the bare driver floor on the same rows (sqlite3.executemany in one transaction;
COPY on PostgreSQL), the ratio, rows/s and peak memory; the incremental load of one more month
against a full reload, and the same month sent again (every row an update); and the KPI lookup
in process and as a whole command, at 1x and 10x.

With --one-table, PostgreSQL is measured twice: payments by month (the head revision) and
`postgresql-one-table`, a database whose payments stay in one table keyed by payment_id (revision
0011 skipped, the others run) so the commands accept it: the same code, which writes to the
layout it finds. The floor inserts into the same layout the project wrote: the same month
partitions (made inside its timed transaction) and payment_ids beside payments.

    python bench/etl.py [--scale 1] [--ten-x/--no-ten-x] [--only-ten-x] [--repeat N]
                        [--databases sqlite,postgresql] [--one-table] [--floor/--no-floor]

Other people's work on the same cores moves these figures a lot: use --repeat and read ranges.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from etl.load import PHASES, WRITER_PHASES  # noqa: E402
from etl.synthetic import generate_province  # noqa: E402
from warehouse import metrics  # noqa: E402
from warehouse.db import make_engine  # noqa: E402
from warehouse.migrate import alembic_config, seed_reference_data, upgrade  # noqa: E402
from warehouse.partitions import partition_months, partition_statements, payment_layout  # noqa: E402

OUT = ROOT / "bench" / "out"
PG_ADMIN = os.environ.get("CASHLESS_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLI = [sys.executable, "-m", "cashless"]


def generate(scale: float) -> tuple[list[Path], list[Path]]:
    folder = OUT / f"province-x{scale:g}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        generate_province(folder, scale=scale, progress=True)
        marker.write_text("ok")
        print(f"generated scale {scale:g} in {time.perf_counter() - started:.0f} s")
    return sorted(folder.glob("customers*")), sorted(folder.glob("payments_*"))


PEAKS_MB: list[float] = []
CPU_S: list[float] = []
PHASE_S: Counter = Counter()  # `cashless load --timings` of the commands run, summed


def run_cli(args: list[str], url: str) -> float:
    """Run a cashless command; returns wall seconds and records the command's own peak memory.

    The peak is the largest sum of resident memory over the command and its helper process,
    sampled every 20 ms (shared pages count twice, so it errs high). Not ru_maxrss: a child
    inherits its parent's high-water mark at fork, so it reports the bench's own size.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen([*CLI, *args], env={**os.environ, "DATABASE_URL": url}, stdout=output)
        sampled = _TreeMemory(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        output.seek(0)
        for line in output:
            if line.startswith("timings: "):  # cli/load.describe_timings
                PHASE_S.update({k: float(v) for k, v in re.findall(r"([\w-]+) ([\d.]+) s", line)})
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"cashless {' '.join(args[:2])} failed with exit code {process.returncode}")
    PEAKS_MB.append(sampled.stop())
    CPU_S.append(usage.ru_utime + usage.ru_stime)
    return seconds


class _TreeMemory(threading.Thread):
    """Samples the resident memory of a process plus its children until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()
        self.start()

    def run(self) -> None:
        while not self.done.wait(0.02):
            pids = [self.pid, *_children(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in pids))

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.peak_kb / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


ONE_TABLE = "-one-table"  # suffix of a PostgreSQL variant whose payments stay in one table
ONE_TABLE_REVISION = "0010"  # the last revision before payments were partitioned by month
PARTITIONING_REVISION = "0011"  # the revision that partitions them


class Database:
    """A fresh database of one variant (sqlite, postgresql, postgresql-one-table), dropped after."""

    def __init__(self, variant: str, label: str) -> None:
        self.kind = variant.removesuffix(ONE_TABLE)
        if self.kind == "sqlite":
            self.path = OUT / f"{label}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"cashless_bench_{label}_{uuid.uuid4().hex[:6]}"
            with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"
        engine = make_engine(self.url)
        if variant.endswith(ONE_TABLE):
            _upgrade_to_one_table(engine)
        else:
            upgrade(engine)
        engine.dispose()

    def drop(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def _upgrade_to_one_table(engine) -> None:
    """The schema of the head revision but with payments in one table as revision 0010 left them:
    upgraded to 0010, recorded as past the partitioning (0011) without running it, then upgraded
    to the head, so the later revisions' tables are there too."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, ONE_TABLE_REVISION)
        command.stamp(config, PARTITIONING_REVISION)
        command.upgrade(config, "head")
        seed_reference_data(conn)


@contextmanager
def fresh_database(variant: str, label: str) -> Iterator[Database]:
    """A new upgraded database, dropped afterwards even when the benchmark fails."""
    db = Database(variant, label)
    try:
        yield db
    finally:
        db.drop()


def project_load(db: Database, customers: list[Path], payments: list[Path]) -> float:
    seconds = run_cli(["load", "customers", "--quiet", "--timings", *map(str, customers)], db.url)
    return seconds + run_cli(["load", "payments", "--quiet", "--timings", *map(str, payments)], db.url)


def export_rows(db: Database) -> tuple[dict[str, Path], list]:
    """The loaded rows of the tables a load writes, as the floor will insert them, and the months
    payments is partitioned by (none: one table)."""
    paths = {}
    engine = make_engine(db.url)
    with engine.connect() as conn:
        layout = payment_layout(conn)
        months = sorted(partition_months(conn)) if layout.partitioned else []
        tables = ["load_runs", "communes", "channel_names", "customers", "payments"]
        for table in tables + (["payment_ids"] if layout.id_table != "payments" else []):
            path = OUT / f"floor_{table}.tsv"
            raw = conn.connection.driver_connection
            cursor = raw.cursor()
            cursor.execute(f"SELECT * FROM {table}")
            with open(path, "w", newline="") as handle:
                writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
                while rows := cursor.fetchmany(200_000):
                    writer.writerows(["\\N" if v is None else v for v in row] for row in rows)
            paths[table] = path
    engine.dispose()
    return paths, months


def floor_sqlite(db: Database, rows: dict[str, Path], months: list) -> tuple[float, int]:
    """sqlite3.executemany of the pre-parsed tuples into the same tables, one transaction."""
    data = {}
    for table, path in rows.items():
        with open(path, newline="") as handle:
            data[table] = [
                tuple(None if v == "\\N" else v for v in row) for row in csv.reader(handle, delimiter="\t")
            ]
    conn = sqlite3.connect(db.path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    conn.execute("BEGIN")
    for table, tuples in data.items():
        marks = ", ".join("?" for _ in tuples[0])
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", tuples)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, sum(len(t) for t in data.values())


def floor_postgres(db: Database, rows: dict[str, Path], months: list) -> tuple[float, int]:
    """COPY of the same rows into the same tables, one transaction; the month partitions the
    project's load made are made first, in the same transaction and on the clock."""
    url = db.url.replace("postgresql+psycopg://", "postgresql://")
    count = 0
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for month in months:
                for statement in partition_statements(month):
                    cursor.execute(statement)
            for table, path in rows.items():
                with open(path, "rb") as handle, cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    while block := handle.read(1 << 20):
                        copy.write(block)
                        count += block.count(b"\n")
        conn.commit()
        seconds = time.perf_counter() - started
    return seconds, count


def database_mb(db: Database) -> float:
    """The loaded database's size on disk (SQLite: the file and its WAL), in MB."""
    if db.kind == "sqlite":
        return (
            sum(Path(f"{db.path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db.path}{s}").exists())
            / 1e6
        )
    engine = make_engine(db.url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return size / 1e6


def kpi_timings(url: str) -> dict:
    """In-process KPI (all offices) as of 7 days across the data, in ms; and the whole command in s."""
    engine = make_engine(url)
    with engine.connect() as conn:
        first, last = metrics.data_period(conn)
        days = [first + (last - first) * i / 6 for i in range(7)]
        times = []
        for day in days:
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                metrics.kpi(conn, day, by="office")
                runs.append((time.perf_counter() - started) * 1000)
            times.append(min(runs))
    engine.dispose()
    command = min(run_cli(["kpi", "--by", "office", "--format", "csv"], url) for _ in range(3))
    return {"kpi_ms": statistics.median(times), "kpi_max_ms": max(times), "kpi_cmd_s": command}


def measure(
    variant: str, customers: list[Path], payments: list[Path], label: str, incremental: bool, floor: bool
) -> dict:
    """One round on a fresh database: project load, KPI; with `incremental`, the floor (unless not
    `floor`), one more month and that month sent again.

    Without the floor (the 10x runs) one database serves it all: the load of all but the last month,
    then that month (the full load's time is their sum), then the month sent again; with it, the
    full load is one command per kind, as a user runs it, and the month is timed on another database.
    """
    one_pass = incremental and not floor
    with fresh_database(variant, label) as db:
        PEAKS_MB.clear()
        CPU_S.clear()
        PHASE_S.clear()
        entry = {"load_s": project_load(db, customers, payments[:-1] if one_pass else payments)}
        if one_pass:
            entry["month_s"] = run_cli(
                ["load", "payments", "--quiet", "--timings", str(payments[-1])], db.url
            )
            entry["load_s"] += entry["month_s"]
        entry |= {"cpu_s": sum(CPU_S), "peak_mb": max(PEAKS_MB)}
        entry |= {f"phase_{phase}": PHASE_S[phase] for phase in ("start-up", *PHASES)}
        on_clock = ("start-up", *WRITER_PHASES)
        entry["phase_rest"] = entry["load_s"] - sum(PHASE_S[phase] for phase in on_clock)
        entry["db_mb"] = database_mb(db)
        entry.update(kpi_timings(db.url))
        if one_pass:
            entry["resent_s"] = run_cli(["load", "payments", "--quiet", str(resent(payments[-1]))], db.url)
        rows, months = export_rows(db) if incremental and floor else (None, None)
    if incremental and floor:
        # The floor runs in a fresh process: it holds every row in memory, and a large parent
        # would inflate the peak memory Linux reports for the commands started after it.
        spawn = multiprocessing.get_context("spawn")
        with (
            fresh_database(variant, f"floor{label}") as floor_db,
            ProcessPoolExecutor(1, mp_context=spawn) as pool,
        ):
            floor_of = floor_sqlite if floor_db.kind == "sqlite" else floor_postgres
            entry["floor_s"], entry["rows"] = pool.submit(floor_of, floor_db, rows, months).result()
        with fresh_database(variant, f"inc{label}") as inc_db:
            project_load(inc_db, customers, payments[:-1])
            entry["month_s"] = run_cli(["load", "payments", "--quiet", str(payments[-1])], inc_db.url)
            entry["resent_s"] = run_cli(
                ["load", "payments", "--quiet", str(resent(payments[-1]))], inc_db.url
            )
    return entry


def resent(path: Path) -> Path:
    """The same payments in other bytes (rows in reverse order), so the load is not skipped as a
    copy: every row is an update, through staging."""
    copy = OUT / f"resent_{path.name}"
    lines = path.read_bytes().splitlines(keepends=True)
    copy.write_bytes(b"".join([lines[0], *reversed(lines[1:])]))
    return copy


def bench_scale(
    scale: float, variants: list[str], incremental: bool, repeat: int, floor: bool = True
) -> None:
    customers, payments = generate(scale)
    size_mb = sum(p.stat().st_size for p in customers + payments) / 1e6
    print(
        f"\n=== scale {scale:g}: {len(customers)} customer files, {len(payments)} payment files, {size_mb:,.0f} MB ==="
    )
    report = {variant: [] for variant in variants}
    for round_number in range(repeat):
        for variant in variants:
            entry = measure(variant, customers, payments, f"x{scale:g}", incremental, floor)
            if "floor_s" in entry:
                entry["ratio"] = entry["load_s"] / entry["floor_s"]
            if incremental:
                entry["month_share"] = entry["month_s"] / entry["load_s"]
            report[variant].append(entry)
            print(
                f"{variant} #{round_number + 1}: " + ", ".join(f"{k} {v:,.2f}" for k, v in entry.items()),
                flush=True,
            )
    _print(report, incremental and floor)


ROWS = [
    ("project load, snapshots included (s)", "load_s", "{:,.1f}"),
    ("  its CPU time, helper included (s)", "cpu_s", "{:,.1f}"),
    ("driver floor on the same rows (s)", "floor_s", "{:,.1f}"),
    ("ratio project / floor", "ratio", "{:.2f}x"),
    ("rows loaded", "rows", "{:,.0f}"),
    ("one more month (s)", "month_s", "{:.1f}"),
    ("  as share of a full reload", "month_share", "{:.0%}"),
    ("the same month sent again: all updates (s)", "resent_s", "{:.1f}"),
    ("peak memory of a load command, helper included (MB)", "peak_mb", "{:,.0f}"),
    ("database size on disk after the load (MB)", "db_mb", "{:,.0f}"),
    ("where the load's time went (`cashless load --timings`, s):", None, ""),
    ("  start-up of the two commands (imports, engine)", "phase_start-up", "{:.1f}"),
    *((f"  {what}", f"phase_{phase}", "{:.1f}") for phase, what in PHASES.items()),
    ("  the rest (facts, helper start, exit)", "phase_rest", "{:.1f}"),
    ("kpi() in process, all offices, median of 7 days (ms)", "kpi_ms", "{:.1f}"),
    ("kpi() in process, all offices, slowest day (ms)", "kpi_max_ms", "{:.1f}"),
    ("`cashless kpi --by office` incl. start-up (s)", "kpi_cmd_s", "{:.2f}"),
]


def _print(report: dict, incremental: bool) -> None:
    """One line per figure and database: the value, or min-max over the rounds."""
    kinds = list(report)
    line = "{:<54}" + "{:>22}" * len(kinds)
    print(line.format("", *kinds))
    for label, key, fmt in ROWS:
        if key is None:
            print(label)
            continue
        if key not in report[kinds[0]][0]:
            continue
        print(line.format(label, *(_span([entry[key] for entry in report[k]], fmt) for k in kinds)))
    if incremental:
        for label, key in (("project rows/s", "load_s"), ("floor rows/s", "floor_s")):
            spans = (_span([e["rows"] / e[key] for e in report[k]], "{:,.0f}") for k in kinds)
            print(line.format(label, *spans))


def _span(values: list[float], fmt: str) -> str:
    low, high = min(values), max(values)
    return fmt.format(low) if fmt.format(low) == fmt.format(high) else f"{fmt.format(low)}-{fmt.format(high)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--ten-x", action=argparse.BooleanOptionalAction, default=True, help="also KPI at 10x"
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--one-table",
        action="store_true",
        help="PostgreSQL also with payments in one table (revision 0011 skipped), beside payments by month",
    )
    parser.add_argument(
        "--floor", action=argparse.BooleanOptionalAction, default=True, help="the driver floor and ratio"
    )
    parser.add_argument("--only-ten-x", action="store_true", help="skip the 1x load/floor comparison")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the 1x comparison (ranges shown)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    variants = args.databases.split(",")
    if args.one_table and "postgresql" in variants:
        variants.insert(variants.index("postgresql") + 1, "postgresql" + ONE_TABLE)
    if not args.only_ten_x:
        bench_scale(args.scale, variants, incremental=True, repeat=args.repeat, floor=args.floor)
    if args.ten_x or args.only_ten_x:
        bench_scale(args.scale * 10, variants, incremental=False, repeat=1)


if __name__ == "__main__":
    main()
