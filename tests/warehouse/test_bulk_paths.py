"""The fast load paths keep DESIGN §3's promises: helper process, direct COPY, re-sent files."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from cashless.settings import REFRESH_CUSTOMER_WEIGHT, LoadSettings
from etl.load import load_files
from etl.prepare import CustomerFacts, Preparer, _Sender, start_helper
from etl.read import FileRejected, open_raw_file
from warehouse import metrics
from warehouse.bulk import bulk_insert
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.snapshots import refresh_snapshots

from .province_fixture import write_fixture

FEB_END = dt.date(2025, 2, 28)
HEADER = "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"
# Prepare on the helper process even for tiny files, in chunks of four rows.
HELPER = LoadSettings(chunk_rows=4, progress=False, helper_min_bytes=0)


def _counts(engine, day=FEB_END):
    with engine.connect() as conn:
        frame = metrics.kpi(conn, day)
    return {row.office_code: (row.active_customers, row.cashless_customers) for row in frame.itertuples()}


def _payments(engine):
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT payment_id, amount FROM payments").all())


def _write(path, rows):
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def test_helper_process_loads_what_the_inline_path_loads(engine, tmp_path):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]], HELPER)
    results = load_files(engine, "payments", [paths[1], paths[2], paths[1], paths[3]], HELPER)
    assert [r.status for r in results] == ["loaded", "loaded", "skipped", "loaded"]
    assert [(r.loaded, r.quarantined) for r in results] == [(6, 0), (11, 3), (0, 0), (2, 0)]
    assert _counts(engine)["PA1101"] == (4, 2)
    assert _counts(engine)["PA1102"] == (5, 3)


def test_a_file_broken_after_its_first_chunks_loads_nothing(engine, tmp_path):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]], HELPER)
    good = [f"GD{i},C01,202501,1{i}/01/2025,1.000,BIDV" for i in range(6)]
    broken = _write(tmp_path / "broken.csv", [*good, "GD9,C01,202501,20/01/2025,1.000,BIDV,extra,fields"])
    after = _write(tmp_path / "after.csv", ["GD20,C02,202501,21/01/2025,2.000,MoMo"])
    results = load_files(engine, "payments", [broken, after], HELPER)
    assert [r.status for r in results] == ["rejected", "loaded"]
    assert "not a well-formed CSV table" in results[0].message
    assert _payments(engine) == {"GD20": 2000}


def test_files_checked_ahead_on_a_thread_keep_their_rejections(engine, tmp_path):
    """Files two ahead of the writer are opened (checked, hashed) on a thread: a file rejected there
    is rejected with its reason, and the files around it load."""
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]], HELPER)
    first = _write(tmp_path / "first.csv", ["GD30,C01,202501,10/01/2025,1.000,BIDV"])
    second = _write(tmp_path / "second.csv", ["GD31,C02,202501,11/01/2025,2.000,MoMo"])
    binary = tmp_path / "binary.csv"
    binary.write_bytes((HEADER + "GD32,C01,202501,12/01/2025,3.000,BIDV\n").encode() + b"\x00\x01\x02\n")
    last = _write(tmp_path / "last.csv", ["GD33,C01,202501,13/01/2025,4.000,BIDV"])
    files = [first, second, binary, tmp_path / "gone.csv", last, first]
    results = load_files(engine, "payments", files, HELPER)
    assert [r.status for r in results] == ["loaded", "loaded", "rejected", "rejected", "loaded", "skipped"]
    assert "NUL byte" in results[2].message
    assert results[3].message == "no such file"
    assert _payments(engine) == {"GD30": 1000, "GD31": 2000, "GD33": 4000}


def test_resent_overlapping_file_upserts(engine, tmp_path, monkeypatch):
    # Probe a single id, so the direct insert is tried and must be undone when a later id exists.
    monkeypatch.setattr("etl.load.ID_SAMPLE", 1)
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    first = _write(
        tmp_path / "first.csv",
        ["GD1,C01,202501,10/02/2025,1.000,Thu tại quầy", "GD2,C02,202501,11/02/2025,2.000,Thu tại quầy"],
    )
    second = _write(
        tmp_path / "second.csv",
        ["GD3,C03,202501,12/02/2025,3.000,BIDV", "GD2,C02,202501,11/02/2025,2.500,MoMo"],
    )
    load_files(engine, "payments", [first])
    result = load_files(engine, "payments", [second])[0]
    assert (result.loaded, result.updated) == (2, 1)
    assert _payments(engine) == {"GD1": 1000, "GD2": 2500, "GD3": 3000}
    assert _counts(engine)["PA1101"] == (4, 2)  # C02 now paid MoMo, C03 BIDV


@pytest.mark.parametrize("settings", [LoadSettings(progress=False), HELPER], ids=["inline", "helper"])
def test_resent_file_with_other_bytes_changes_no_count(engine, tmp_path, settings):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]], settings)
    load_files(engine, "payments", paths[1:], settings)
    before = (_counts(engine), _counts(engine, dt.date(2025, 1, 31)), _payments(engine))
    lines = paths[2].read_text(encoding="utf-8").splitlines()
    again = tmp_path / "payments_2025-02_resent.csv"  # same rows, other order: not skipped as a copy
    again.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    result = load_files(engine, "payments", [again], settings)[0]
    assert result.status == "loaded"
    assert result.updated == result.loaded == 11
    assert (_counts(engine), _counts(engine, dt.date(2025, 1, 31)), _payments(engine)) == before


def test_new_ids_go_straight_in_without_staging(engine, tmp_path, monkeypatch):
    staged = []
    monkeypatch.setattr(
        "etl.load._PaymentLoader._merge_through_staging",
        lambda self, frame: staged.append(len(frame)) or (0, None),
    )
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    load_files(engine, "payments", paths[1:])
    assert staged == []
    assert len(_payments(engine)) == 19


def test_resent_customers_with_a_change_are_merged(engine, tmp_path, monkeypatch):
    monkeypatch.setattr("etl.load.ID_SAMPLE", 1)  # the probe sees only the new C13
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    load_files(engine, "payments", paths[1:])
    changed = tmp_path / "customers_changed.csv"  # C04's contract no longer ends on 20/02
    changed.write_text(
        "MA_KHANG;MA_DVIQLY;TEN_XA;LOAI_KH;NGAY_HLUC;NGAY_HET_HLUC\n"
        "C13;PA1101;Xã B;sinh hoạt;01/01/2025;\n"
        "C04;PA1101;Xã B;sinh hoạt;01/01/2020;\n",
        encoding="utf-8",
    )
    result = load_files(engine, "customers", [changed])[0]
    assert (result.loaded, result.updated) == (2, 1)
    assert _counts(engine)["PA1101"] == (6, 3)  # C04 active and cashless (BIDV on 05/02), C13 active


def test_bulk_insert_keeps_text_as_written(engine):
    texts = [
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "cr\rlf\r\n",
        '"quoted", comma;',
        "\\N",
        "",
        "Thu tại quầy",
    ]
    runs = pd.DataFrame(
        {
            "id": [1, 2],
            "kind": "payments",
            "file_name": "f.csv",
            "file_hash": "h",
            "status": "loaded",
            "started_at": "2025-03-01 10:00:00",
            "rows_read": 0,
            "rows_loaded": 0,
            "rows_updated": 0,
            "rows_quarantined": 0,
            "message": [None, ""],  # NULL stays NULL, the empty text stays empty
        }
    )
    rows = pd.DataFrame(
        {
            "load_run_id": 1,
            "row_number": range(len(texts)),
            "column_name": "c",
            "reason": texts,
            "raw_row": texts,
        }
    )
    with engine.begin() as conn:
        bulk_insert(conn, "load_runs", runs)
        bulk_insert(conn, "quarantine", rows)
    with engine.connect() as conn:
        messages = conn.exec_driver_sql("SELECT id, message FROM load_runs ORDER BY id").all()
        stored = conn.exec_driver_sql("SELECT reason, raw_row FROM quarantine ORDER BY row_number").all()
    assert [tuple(m) for m in messages] == [(1, None), (2, "")]
    assert [tuple(r) for r in stored] == [(t, t) for t in texts]


def test_refresh_in_small_blocks_gives_the_same_snapshots(engine, tmp_path, monkeypatch):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    load_files(engine, "payments", paths[1:])
    days = [dt.date(2025, 1, 31), dt.date(2025, 2, 15), FEB_END, dt.date(2025, 3, 31)]
    whole = [_counts(engine, day) for day in days]
    monkeypatch.setattr("warehouse.snapshots.EVENT_BLOCK", 2)
    monkeypatch.setattr("warehouse.snapshots.FLOW_BLOCK", 3)
    monkeypatch.setattr("warehouse.bulk.TUPLES_AT_ONCE", 2)
    refresh_snapshots(engine, full=True)
    assert [_counts(engine, day) for day in days] == whole
    with engine.connect() as conn:
        moves = metrics.movements(conn, dt.date(2025, 1, 31), FEB_END, by="province").iloc[0]
        flows = metrics.value_rate(conn, dt.date(2025, 2, 1), FEB_END, by="province").iloc[0]
    assert (moves["converted"], moves["slipped"]) == (4, 2)
    assert (flows["amount"], flows["cashless_amount"]) == (1_780_000, 1_010_000)


@pytest.mark.parametrize("pause_above", [0, 1_000_000], ids=["helper stopped", "helper kept"])
def test_a_mid_load_refresh_with_the_helper_stopped_then_restarted_or_kept(engine, tmp_path, pause_above):
    paths = write_fixture(tmp_path)
    settings = LoadSettings(
        chunk_rows=4,
        progress=False,
        helper_min_bytes=0,
        refresh_budget=3,
        helper_pause_customers=pause_above,
    )
    load_files(engine, "customers", [paths[0]], settings)
    results = load_files(engine, "payments", paths[1:], settings)
    assert [(r.status, r.loaded) for r in results] == [("loaded", 6), ("loaded", 11), ("loaded", 2)]
    assert _counts(engine)["PA1101"] == (4, 2)
    assert _counts(engine)["PA1102"] == (5, 3)


@pytest.mark.parametrize(("spare", "refreshes"), [(6, 2), (5, 3)])
def test_a_batch_refresh_counts_the_warehouse_customers_in_its_budget(
    engine, tmp_path, caplog, spare, refreshes
):
    """Twelve customers weigh 48 payments: a budget of 48 + 6 takes January's 6 payments and
    refreshes after February's 11; one of 48 + 5 refreshes after January already. Counting payments
    alone, either budget would hold all 19 and refresh once, at the end."""
    paths = write_fixture(tmp_path)
    settings = LoadSettings(chunk_rows=4, progress=False, refresh_budget=12 * REFRESH_CUSTOMER_WEIGHT + spare)
    load_files(engine, "customers", [paths[0]], settings)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="warehouse.snapshots"):
        load_files(engine, "payments", paths[1:], settings)
    assert sum("snapshots refreshed" in r.getMessage() for r in caplog.records) == refreshes
    assert _counts(engine)["PA1101"] == (4, 2)
    assert _counts(engine)["PA1102"] == (5, 3)


def test_a_load_without_a_budget_of_its_own_takes_its_database_s(engine, tmp_path, caplog, monkeypatch):
    """The customers weigh 48 payments. A budget of 53 refreshes after January's 6 payments, after
    February's 11 and at the end; one of 54 after February and at the end. Each database takes its
    own budget."""
    monkeypatch.setattr("etl.load.REFRESH_BUDGETS", {"sqlite": 53, "postgresql": 54})
    paths = write_fixture(tmp_path)
    settings = LoadSettings(chunk_rows=4, progress=False)
    load_files(engine, "customers", [paths[0]], settings)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="warehouse.snapshots"):
        load_files(engine, "payments", paths[1:], settings)
    refreshes = sum("snapshots refreshed" in r.getMessage() for r in caplog.records)
    assert refreshes == {"sqlite": 3, "postgresql": 2}[engine.dialect.name]
    assert _counts(engine)["PA1102"] == (5, 3)


def test_a_budget_of_nothing_refreshes_after_every_file(engine, tmp_path, caplog):
    """An explicit budget wins over the database's, 0 included: a refresh after each of the three."""
    paths = write_fixture(tmp_path)
    settings = LoadSettings(chunk_rows=4, progress=False, refresh_budget=0)
    load_files(engine, "customers", [paths[0]], settings)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="warehouse.snapshots"):
        load_files(engine, "payments", paths[1:], settings)
    assert sum("snapshots refreshed" in r.getMessage() for r in caplog.records) == 3


def test_helper_keeps_preparing_while_the_loader_writes_and_stops_when_it_is_gone():
    """The helper's sender holds up to `limit` chunks the loader has not read yet; once the loader
    is gone, sending fails instead of blocking the helper forever."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    sender = _Sender(writer, limit=2)
    chunk = b"x" * (1 << 20)  # larger than a pipe's buffer: writing it waits for the reader
    for number in range(3):  # one being written, two queued: none waits for the reader
        sender.send((number, chunk))
    assert [reader.recv()[0] for _ in range(3)] == [0, 1, 2]
    reader.close()
    with pytest.raises(BrokenPipeError):
        for number in range(10):
            sender.send((number, chunk))
    sender.close()
    assert not sender.is_alive()


def test_a_small_load_prepares_on_a_thread_ahead_of_the_writer(tmp_path):
    """Below `helper_min_bytes` files are prepared on a thread: in submission order, an earlier job's
    leftover chunks dropped, a file's rejection re-raised for its own job, and `stop` ends the thread
    even while it waits for room for a chunk the writer never takes."""
    paths = write_fixture(tmp_path)
    header = paths[0].read_text(encoding="utf-8").splitlines()[0]
    broken = tmp_path / "broken_customers.csv"
    broken.write_text(
        f'{header}\nC20;PA1101;Xã A;sinh hoạt;A;B;;01/01/2020;\nC21;PA1101;"Xã A\n', encoding="utf-8"
    )
    facts = CustomerFacts(frozenset({"PA1101", "PA1102"}))
    helper = start_helper(on_thread=True)
    preparer = Preparer(facts, 4, helper)
    raws = [open_raw_file(paths[0], "customers"), open_raw_file(broken, "customers")]
    for raw in [raws[0], raws[1], raws[0]]:
        preparer.submit(raw)
    first = preparer.chunks(raws[0])
    assert next(first).rows_read == 1  # the first file's first chunk is cut short (FIRST_CHUNK_SHARE)
    with pytest.raises(FileRejected, match="not a well-formed CSV table"):
        list(preparer.chunks(raws[1]))  # what was left of the first job is dropped on the way
    again = list(preparer.chunks(raws[0]))
    assert [chunk.rows_read for chunk in again] == [4, 4, 4]  # not job 0: no short first chunk
    assert pd.concat([chunk.rows for chunk in again])["customer_id"].tolist()[:2] == ["C01", "C02"]
    preparer.submit(raws[0])  # prepared until the queue is full, never read
    time.sleep(0.5)
    preparer.close()
    assert not helper.thread.is_alive()


@pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning"
)  # the thread dies on purpose
def test_a_preparing_thread_that_dies_is_an_error_not_a_hang(tmp_path, monkeypatch):
    """The writer waiting for chunks of a thread that ended without a word gets an error."""

    def dies(*_):
        raise SystemExit  # not an Exception: _prepared_items does not report it
        yield

    monkeypatch.setattr("etl.prepare._prepared_items", dies)
    raw = open_raw_file(write_fixture(tmp_path)[0], "customers")
    preparer = Preparer(CustomerFacts(frozenset({"PA1101"})), 4, start_helper(on_thread=True))
    preparer.submit(raw)
    with pytest.raises(RuntimeError, match="file-preparing thread ended"):
        list(preparer.chunks(raw))
    preparer.close()


def test_an_in_memory_sqlite_warehouse_loads_and_refreshes(tmp_path):
    """The refresh's database work stays on the connection's own thread where SQLite requires it."""
    engine = make_engine("sqlite://")
    upgrade(engine)
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]], LoadSettings(progress=False))
    results = load_files(engine, "payments", paths[1:], LoadSettings(progress=False))
    assert [r.status for r in results] == ["loaded", "loaded", "loaded"]
    assert _counts(engine)["PA1101"] == (4, 2)
    assert _counts(engine)["PA1102"] == (5, 3)


def test_a_load_ended_early_does_not_wait_at_exit_for_a_file_opened_ahead(tmp_path):
    """A file two ahead is being opened when the command ends (an error, a Ctrl-C): the process
    exits without waiting for it. Hashing the third file here never ends; the command ends after
    the first file."""
    paths = write_fixture(tmp_path)
    child = textwrap.dedent(
        f"""
        import threading
        from cashless.settings import LoadSettings
        from etl import read
        from etl.load import load_files
        from warehouse.db import make_engine
        from warehouse.migrate import upgrade

        hash_of = read.file_hash
        read.file_hash = lambda path: threading.Event().wait() if path.name == "endless.csv" else hash_of(path)

        def stop(result):
            raise SystemExit(3)

        engine = make_engine("sqlite:///{tmp_path / "w.db"}")
        upgrade(engine)
        load_files(engine, "customers", ["{paths[0]}"], LoadSettings(progress=False))
        files = ["{paths[1]}", "{paths[2]}", "{tmp_path / "endless.csv"}", "{paths[3]}"]
        load_files(engine, "payments", files, LoadSettings(progress=False), on_result=stop)
        """
    )
    (tmp_path / "endless.csv").write_text(HEADER + "GD1,C01,202501,10/01/2025,1.000,BIDV\n", encoding="utf-8")
    ended = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert ended.returncode == 3, ended.stderr
