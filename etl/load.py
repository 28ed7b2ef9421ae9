"""Load raw export files into the warehouse: one transaction per file, bad rows to quarantine.

The ETL functions (etl/) turn raw rows into clean frames; this module is the I/O edge that writes
them through the driver's bulk path, records the load run and marks the snapshots stale from the
earliest day the file touched.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, text, update

from cashless.memory import give_back_memory
from cashless.settings import REFRESH_BUDGETS, REFRESH_CUSTOMER_WEIGHT, LoadSettings
from cashless.text import fold_text
from cashless.texts import t
from etl.communes import commune_key, current_names, merge_communes, read_commune_aliases
from etl.kinds import CUSTOMERS, PAYMENTS
from etl.prepare import CustomerFacts, PaymentFacts, PreparedChunk, Preparer, start_helper
from etl.read import ROW_NUMBER, FileRejected, RawFile, open_raw_file, read_chunks
from etl.validate import quarantine_records
from warehouse.bulk import bulk_days, bulk_insert, copy_rows, fetch_frame, insert_if_new, iso_dates, send_copy
from warehouse.days import from_epoch
from warehouse.db import checkpoint_beside, writing
from warehouse.keys import customer_offices
from warehouse.partitions import MonthPartitions, payment_layout
from warehouse.quality import attribute_runs
from warehouse.schema import (
    channel_names,
    communes,
    load_runs,
    offices,
    payment_ids,
    quarantine,
)
from warehouse.snapshots import mark_dirty, refresh_snapshots

log = logging.getLogger(__name__)

ID_SAMPLE = 1000  # payment ids probed per chunk before trying the direct insert
# An id belongs to the customer it was first stored (or first in the file) with; other rows are quarantined.
ID_TAKEN = "payment_id: " + t("q_id_taken", "en")

PAYMENT_COLUMNS = PAYMENTS.stored
# what payment_ids holds of a payment (payment_id first: its key), and what staging_known finds of it
ID_COLUMNS = [column.name for column in payment_ids.columns]
CUSTOMER_COLUMNS = CUSTOMERS.stored


@dataclass
class LoadResult:
    """What happened to one file."""

    file: str
    kind: str
    status: str  # loaded | skipped | rejected
    rows_read: int = 0
    loaded: int = 0
    updated: int = 0
    quarantined: int = 0
    footers: int = 0  # totals rows of a report-shaped file, skipped (not counted as read)
    message: str = ""
    earliest_day: dt.date | None = None
    recent: pd.DataFrame | None = field(default=None, repr=False)  # loaded payments, for the refresh
    seconds: Counter = field(default_factory=Counter, repr=False)  # where the time went (PHASES)

    def summary(self) -> str:
        if self.status == "rejected":
            return f"{self.file}: rejected: {self.message}"
        if self.status == "skipped":
            return f"{self.file}: skipped: {self.message}"
        footers = f", {self.footers:,} footer row(s) skipped" if self.footers else ""
        return (
            f"{self.file}: {self.loaded:,} loaded ({self.updated:,} of them updates), "
            f"{self.quarantined:,} quarantined{footers}"
        )


ProgressFactory = Callable[[int, str], object]
# Where a load's time goes, as `load_files(timings=...)` reports it: each phase and what it covers.
# Parsing, validating and shaping run on the helper process for big loads, beside the writes; the
# writer's own phases (WRITER_PHASES) add up, with the command's start-up, to about its whole time.
PHASES = {
    "parse": "helper: read and parse the files",
    "validate": "helper: validate the rows",
    "shape": "helper: shape the rows (ids, keys, days)",
    "waiting": "writer waiting for prepared chunks",
    "write": "write (inserts, staging, merges, quarantine)",
    "attribute": "the runs' offices and commits",
    "refresh": "refresh of the daily snapshots",
}
WRITER_PHASES = ("waiting", "write", "attribute", "refresh")


def load_files(
    engine: Engine,
    kind: str,
    paths: Iterable[Path],
    settings: LoadSettings = LoadSettings(),
    on_result: Callable[[LoadResult], None] | None = None,
    timings: Counter | None = None,
) -> list[LoadResult]:
    """Load each file in its own transaction, then refresh the snapshots from the earliest day touched.

    Big loads prepare (read, validate, shape) the next file on a helper process while this one writes.
    `timings`, if given, gets the seconds of each of PHASES added to it.
    """
    paths = [Path(path) for path in paths]
    results, batch = [], []
    spent = Counter() if timings is None else timings
    with _FileQueue(engine, kind, paths, settings) as files:
        for index in range(len(paths)):
            result = files.load(index)
            spent.update(result.seconds)
            results.append(result)
            batch.append(result)
            if on_result:
                on_result(result)
            if files.refresh_is_due(batch):
                if files.helper_is_large():  # its memory given back while the refresh needs its own
                    files.pause()
                spent["refresh"] += _refresh(engine, batch, settings)  # bounds memory on very large loads
                batch = []
    spent["refresh"] += _refresh(engine, batch, settings)
    return results


class _FileQueue:
    """The files of one command, each opened once, with the preparer kept one file ahead of the writer.

    The preparer validates against facts read from the warehouse (known customers); when a customer
    load commits meanwhile, the facts are read again and preparation restarts from the current file.
    """

    def __init__(self, engine: Engine, kind: str, paths: list[Path], settings: LoadSettings) -> None:
        self.engine, self.kind, self.paths, self.settings = engine, kind, paths, settings
        self.opened: dict[int, RawFile | FileRejected] = {}
        self.opening: dict[int, Future] = {}  # files checked and hashed on a thread, two ahead
        self.ahead = settings.parse_ahead
        # a small load is prepared on a thread, a large one on a helper process
        self.on_thread = _total_bytes(paths) < settings.helper_min_bytes
        self.preparer: Preparer | None = None
        self.facts: PaymentFacts | CustomerFacts | None = None
        self.facts_version: object = None
        self.offices: tuple[np.ndarray, pd.Index] | None = None  # payments: customer_offices of the facts
        self.submitted: set[int] = set()  # files handed to the current preparer

    def load(self, index: int) -> LoadResult:
        self._submit(index)
        self._submit(index + 1)
        if self.ahead:
            self._open_later(index + 2)  # read while this file is written, not before the next one
        opened = self._open(index)
        if isinstance(opened, FileRejected):
            path = self.paths[index]
            return _record_outcome(
                self.engine, self.kind, path, "", dt.datetime.now(), "rejected", str(opened)
            )
        return _load_opened(self.engine, opened, self.settings, self)

    def chunks(self, conn: Connection, raw: RawFile) -> Iterator[PreparedChunk]:
        """The prepared chunks of `raw`, from facts that are current in `conn`'s transaction."""
        version = _facts_version(conn, raw.kind)
        if self.preparer is None or self.facts is None or version != self.facts_version:
            self._restart(conn, version)
        return self.preparer.chunks(raw)

    def _restart(self, conn: Connection, version: object) -> None:
        self.pause()
        helper = start_helper(self.on_thread) if self.ahead else None  # starting while the facts are read
        try:
            if self.facts is None or version != self.facts_version:
                (self.facts, self.offices), self.facts_version = _read_facts(conn, self.kind), version
        except BaseException:
            if helper is not None:
                helper.stop()
            raise
        self.preparer = Preparer(self.facts, self.settings.chunk_rows, helper)

    def refresh_is_due(self, batch: list[LoadResult]) -> bool:
        """Whether the payments held for the refresh, with the warehouse's customers, fill its budget."""
        held = sum(len(r.recent) for r in batch if r.recent is not None)
        if not held:
            return False
        customers = len(self.facts.customer_ids) if isinstance(self.facts, PaymentFacts) else 0
        budget = self.settings.refresh_budget
        if budget is None:
            budget = REFRESH_BUDGETS[self.engine.dialect.name]
        return held + REFRESH_CUSTOMER_WEIGHT * customers > budget

    def helper_is_large(self) -> bool:
        """Whether the helper holds enough (its facts: ~100 B a customer) to be worth stopping while
        a batch refresh needs memory; a smaller one keeps preparing (restarting it took 1.3 s)."""
        facts = self.facts
        return (
            isinstance(facts, PaymentFacts) and len(facts.customer_ids) > self.settings.helper_pause_customers
        )

    def pause(self) -> None:
        """Stop preparing ahead (the helper ends); the next file starts it again with the same facts."""
        if self.preparer is not None:
            self.preparer.close()
        self.preparer = None
        self.submitted = set()

    def _submit(self, index: int) -> None:
        """Hand file `index` to the preparer, unless it cannot load or is already loaded."""
        if self.preparer is None and self.ahead and index < len(self.paths):
            with self.engine.connect() as conn:
                self._restart(conn, _facts_version(conn, self.kind))
        if not self.ahead or index >= len(self.paths) or index in self.submitted:
            return
        opened = self._open(index)
        if isinstance(opened, FileRejected):
            return
        with self.engine.connect() as conn:
            if _already_loaded(conn, opened):
                return
        self.preparer.submit(opened)
        self.submitted.add(index)

    def _open(self, index: int) -> RawFile | FileRejected:
        if index not in self.opened:
            opening = self.opening.pop(index, None)
            try:
                self.opened[index] = (
                    opening.result() if opening else open_raw_file(self.paths[index], self.kind)
                )
            except FileRejected as rejection:
                self.opened[index] = rejection
        self.opened = {i: v for i, v in self.opened.items() if i >= index - 1}
        return self.opened[index]

    def _open_later(self, index: int) -> None:
        """Start checking and hashing file `index` on a thread (hashlib and file reads release the GIL)."""
        if index < len(self.paths) and index not in self.opened and index not in self.opening:
            self.opening[index] = _opened_on_thread(self.paths[index], self.kind)

    def __enter__(self) -> _FileQueue:
        return self

    def __exit__(self, *_) -> None:
        self.pause()
        for opening in self.opening.values():
            opening.cancel()


def _total_bytes(paths: list[Path]) -> int:
    return sum(path.stat().st_size for path in paths if path.is_file())


def _facts_version(conn: Connection, kind: str) -> object:
    """Changes whenever the facts validation uses may have: the last customer load that committed."""
    if kind != "payments":
        return None
    return conn.scalar(
        select(func.max(load_runs.c.id)).where(
            load_runs.c.kind == "customers", load_runs.c.status == "loaded"
        )
    )


def _read_facts(
    conn: Connection, kind: str
) -> tuple[PaymentFacts | CustomerFacts, tuple[np.ndarray, pd.Index] | None]:
    """What validation needs, and for payments each customer's office (which offices see a run)."""
    if kind == "customers":
        return CustomerFacts(frozenset(conn.scalars(select(offices.c.code)))), None
    known = fetch_frame(conn, "SELECT customer_id, customer_key, office_code FROM customers")
    facts = PaymentFacts(
        customer_ids=pa.array(known["customer_id"].to_numpy(dtype=object), type=pa.string()),
        customer_keys=known["customer_key"].to_numpy(dtype=np.int64),
        load_day=dt.date.today(),
    )
    return facts, customer_offices(known["customer_key"], known["office_code"])


def _already_loaded(conn: Connection, raw: RawFile) -> bool:
    """Same content loaded before with nothing quarantined (quarantined rows may load now, e.g. once
    their customers are; the rest of the file is upserted unchanged)."""
    return (
        conn.scalar(
            select(load_runs.c.id).where(
                load_runs.c.file_hash == raw.file_hash,
                load_runs.c.kind == raw.kind,
                load_runs.c.status == "loaded",
                load_runs.c.rows_quarantined == 0,
            )
        )
        is not None
    )


def _refresh(engine: Engine, batch: list[LoadResult], settings: LoadSettings) -> float:
    """Refresh the snapshots after `batch`; returns the seconds it took."""
    clock = time.perf_counter()
    recent = _recent_payments(batch, settings)
    for result in batch:
        result.recent = None  # the combined frame is the only copy the refresh works from
    with checkpoint_beside(engine):  # the files' WAL copied back while the refresh computes
        refresh_snapshots(engine, progress=settings.progress, recent=recent)
    del recent
    give_back_memory()  # before the helper starts again beside this process
    return time.perf_counter() - clock


def _recent_payments(results: list[LoadResult], settings: LoadSettings) -> pd.DataFrame | None:
    """The payments this command inserted, when they may stand in for reading them back.

    Only when nothing was replaced (so no payment appears twice) and they fit the memory budget;
    the refresh still checks they are exactly what the warehouse holds from its start day on.
    """
    frames = [r.recent for r in results if r.status == "loaded" and r.recent is not None]
    if not frames or any(r.updated for r in results):
        return None
    return pd.concat(frames, ignore_index=True)


def load_file(engine: Engine, kind: str, path: Path, settings: LoadSettings = LoadSettings()) -> LoadResult:
    """Load one customers or payments file; never raises for bad input, the result says what happened."""
    with _FileQueue(engine, kind, [Path(path)], replace(settings, parse_ahead=False)) as files:
        return files.load(0)


def _load_opened(engine: Engine, raw: RawFile, settings: LoadSettings, files: _FileQueue) -> LoadResult:
    """Load an opened file in one transaction (skipped when the same content is already loaded)."""
    started = dt.datetime.now()
    kind, path = raw.kind, raw.path
    with engine.connect() as conn:
        if _already_loaded(conn, raw):
            return _record_outcome(
                engine, kind, path, raw.file_hash, started, "skipped", "same content already loaded"
            )
    try:
        with _gc_paused(), writing(engine, checkpoint_later=True) as conn:
            run_id = conn.execute(
                insert(load_runs).values(
                    kind=kind,
                    file_name=str(path),
                    file_hash=raw.file_hash,
                    status="loading",
                    started_at=started,
                    rows_read=0,
                    rows_loaded=0,
                    rows_updated=0,
                    rows_quarantined=0,
                )
            ).inserted_primary_key[0]
            loader = _CustomerLoader if kind == "customers" else _PaymentLoader
            result = loader(conn, raw, run_id, settings, files.chunks(conn, raw)).run()
            clock = time.perf_counter()
            paid_by = None if result.recent is None else result.recent["customer_key"].to_numpy()
            attribute_runs(conn, run_id, kind, result.earliest_day, paid_by, files.offices)  # who sees it
            conn.execute(
                update(load_runs)
                .where(load_runs.c.id == run_id)
                .values(
                    status="loaded",
                    finished_at=dt.datetime.now(),
                    rows_read=result.rows_read,
                    rows_loaded=result.loaded,
                    rows_updated=result.updated,
                    rows_quarantined=result.quarantined,
                    message=result.message or None,
                )
            )
            if result.earliest_day is not None:
                mark_dirty(conn, result.earliest_day)
        result.seconds["attribute"] += time.perf_counter() - clock
        return result
    except FileRejected as rejection:
        return _record_outcome(engine, kind, path, raw.file_hash, started, "rejected", str(rejection))


def _record_outcome(engine, kind, path, file_hash, started, status, message) -> LoadResult:
    with writing(engine) as conn:
        conn.execute(
            insert(load_runs).values(
                kind=kind,
                file_name=str(path),
                file_hash=file_hash or "-",
                status=status,
                started_at=started,
                finished_at=dt.datetime.now(),
                rows_read=0,
                rows_loaded=0,
                rows_updated=0,
                rows_quarantined=0,
                message=message,
            )
        )
    return LoadResult(file=str(path), kind=kind, status=status, message=message)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector during bulk work (3x faster inserts, DESIGN §2)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _FileLoader:
    """Shared chunk loop: quarantine the bad rows, write the prepared ones; subclasses say how."""

    def __init__(
        self,
        conn: Connection,
        raw: RawFile,
        run_id: int,
        settings: LoadSettings,
        chunks: Iterable[PreparedChunk],
    ) -> None:
        self.conn = conn
        self.raw = raw
        self.run_id = run_id
        self.settings = settings
        self.chunks = chunks
        self.result = LoadResult(file=str(raw.path), kind=raw.kind, status="loaded")
        self.staging: set[str] = set()  # temporary tables created for this file

    def run(self) -> LoadResult:
        self.prepare()
        timings = self.result.seconds
        with self._progress() as bar:
            clock = time.perf_counter()
            for chunk in self.chunks:
                timings["waiting"] += time.perf_counter() - clock
                timings.update(chunk.seconds)
                clock = time.perf_counter()
                self.result.rows_read += chunk.rows_read
                self.result.footers += chunk.footers
                if not chunk.bad.empty:
                    bulk_insert(self.conn, quarantine.name, chunk.bad.assign(load_run_id=self.run_id))
                    self.result.quarantined += len(chunk.bad)
                if chunk.rows is not None:
                    self.write(chunk)
                timings["write"] += time.perf_counter() - clock
                if bar is not None:
                    bar.update(chunk.rows_read)
                clock = time.perf_counter()
        self.finish()
        log.info("%s: %s", self.raw.path.name, ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        return self.result

    @contextmanager
    def _progress(self):
        if not self.settings.progress:
            yield None
            return
        from tqdm import tqdm

        with tqdm(desc=self.raw.path.name, unit=" rows", unit_scale=True, leave=False, disable=None) as bar:
            yield bar

    def note_day(self, day) -> None:
        if day is None or pd.isna(day):
            return
        day = pd.Timestamp(day).date()
        if self.result.earliest_day is None or day < self.result.earliest_day:
            self.result.earliest_day = day

    def prepare(self) -> None: ...

    def finish(self) -> None: ...

    def write(self, chunk: PreparedChunk) -> None: ...

    def stage(self, name: str, table: str, columns: list[str], frame: pd.DataFrame) -> None:
        """`frame` alone in the temporary table `name`, shaped like `table`'s `columns` (made once per file)."""
        if name not in self.staging:
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
            self.conn.exec_driver_sql(
                f"CREATE TEMPORARY TABLE {name} AS SELECT {', '.join(columns)} FROM {table} WHERE 1 = 0"
            )
            self.staging.add(name)
        self.conn.exec_driver_sql(f"DELETE FROM {name}")
        bulk_insert(self.conn, name, frame)

    def merge_staged(self, name: str, table: str, columns: list[str], updates: str = "") -> None:
        """Upsert the staged rows into `table` on its key, `columns[0]` (`updates`: the SET list)."""
        updates = updates or ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        self.conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM {name} WHERE true "
            f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
        )


class _PaymentLoader(_FileLoader):
    """Payments: written straight when their ids are new, else replaced through a staging table.

    Which table holds the ids (and so tells a re-sent id and its owner) depends on the layout:
    payments itself (SQLite, or PostgreSQL before migration 0011), or payment_ids beside payments
    partitioned by month. The steps are the same on every layout.
    """

    def prepare(self) -> None:
        self.channel_ids = dict(self.conn.execute(select(channel_names.c.raw_text, channel_names.c.id)).all())
        self.loaded_frames: list[pd.DataFrame] = []
        self.layout = payment_layout(self.conn)
        self.partitions = MonthPartitions(self.conn, self.layout)

    def finish(self) -> None:
        self.result.recent = pd.concat(self.loaded_frames, ignore_index=True) if self.loaded_frames else None

    def write(self, chunk: PreparedChunk) -> None:
        rows = chunk.rows
        channel_ids = self._channel_name_ids(chunk.channels)[rows["channel_code"].to_numpy()]
        days = rows["day"].to_numpy()
        self.note_day(from_epoch(days.min()))
        self.partitions.make_room(days)
        stored = {
            "paid_at": bulk_days(self.conn, days),
            "channel_name_id": channel_ids,
            "load_run_id": self.run_id,
        }
        # the rows' own columns as they come: payment ids stay Arrow text (no copy for COPY)
        frame = pd.DataFrame({c: stored[c] if c in stored else rows[c] for c in PAYMENT_COLUMNS})
        replaced, earliest_old, taken = self._upsert(frame, rows["row_number"].to_numpy(), chunk.shared)
        if taken.any():
            frame, rows, days, channel_ids = frame[~taken], rows[~taken], days[~taken], channel_ids[~taken]
        self.note_day(earliest_old)
        self.result.loaded += len(frame) + chunk.repeated  # repeats count as updates of the row they repeat
        self.result.updated += replaced + chunk.repeated
        self.loaded_frames.append(
            pd.DataFrame(
                {
                    "customer_key": rows["customer_key"].to_numpy(dtype=np.int32),
                    "day": days.astype(np.int32),
                    "channel_name_id": channel_ids.astype(np.int32),
                    "amount": rows["amount"].to_numpy(),
                }
            )
        )

    def _quarantine_lines(self, lines: np.ndarray, column: str, reason: str) -> None:
        """Quarantine file lines that were valid rows, reading them again from the file (rare)."""
        wanted = set(lines.tolist())
        for chunk in read_chunks(self.raw, self.settings.chunk_rows):
            rows = chunk[chunk[ROW_NUMBER].isin(wanted)]
            if len(rows):
                index = rows.index
                bad = quarantine_records(rows, pd.Series(column, index=index), pd.Series(reason, index=index))
                bulk_insert(self.conn, quarantine.name, bad.assign(load_run_id=self.run_id))
                self.result.quarantined += len(bad)

    def _upsert(self, frame: pd.DataFrame, lines: np.ndarray, shared: bool) -> tuple[int, object, np.ndarray]:
        """Insert or replace the chunk's payments: how many replaced rows, their earliest old day, and
        which rows were not written: their id belongs to another customer (quarantined). `shared`:
        an id is given to two customers within the chunk (so it cannot all be new).

        A chunk of new ids (the usual monthly file) goes straight in: executemany or COPY, as fast
        as the driver allows. A chunk with known ids, or one the sampled guess got wrong (the
        direct insert fails on the unique key of the ids and is undone), is staged and merged.
        """
        if not shared and self._insert_if_all_new(frame):
            return 0, None, np.zeros(len(frame), dtype=bool)
        return self._merge_through_staging(frame, lines)

    def _insert_if_all_new(self, frame: pd.DataFrame) -> bool:
        """The chunk written straight if none of its ids is known: first its ids, into the table whose
        key is payment_id (a known one undoes that insert alone), then, beside payment_ids, the rows."""
        ids = self.layout.id_table
        if ids == "payments":
            return _insert_if_all_new(self.conn, ids, "payment_id", frame)
        rows = _copy_maker().submit(copy_rows, frame, "payments")  # made while the server takes the ids
        if not _insert_if_all_new(self.conn, ids, "payment_id", frame[ID_COLUMNS]):
            rows.cancel()
            return False
        send_copy(self.conn, "payments", rows.result())
        return True

    def _merge_through_staging(
        self, frame: pd.DataFrame, lines: np.ndarray
    ) -> tuple[int, object, np.ndarray]:
        """Upsert of a chunk whose ids may exist: stage it, find the stored ids among it (one join
        with the id table), set aside ids that belong to another customer, delete the rows the
        staged ones replace (wherever their old day put them), insert."""
        self.stage("staging_payments", "payments", PAYMENT_COLUMNS, frame)
        self._find_known()
        taken = self._taken(frame)
        if taken.any():
            self._quarantine_lines(lines[taken], "payment_id", ID_TAKEN)
            self.stage("staging_payments", "payments", PAYMENT_COLUMNS, frame[~taken])
            self.conn.exec_driver_sql(
                "DELETE FROM staging_known WHERE payment_id NOT IN (SELECT payment_id FROM staging_payments)"
            )
        replaced, earliest_old, latest_old = self.conn.execute(
            text("SELECT COUNT(*), MIN(paid_at), MAX(paid_at) FROM staging_known")
        ).one()
        if replaced:
            # by payments' own key, within the old days' months (the others are not even looked at)
            key = ", ".join(self.layout.key)
            self.conn.execute(
                text(
                    f"DELETE FROM payments WHERE paid_at BETWEEN :first AND :last "
                    f"AND ({key}) IN (SELECT {key} FROM staging_known)"
                ),
                {"first": earliest_old, "last": latest_old},
            )
        columns = ", ".join(PAYMENT_COLUMNS)
        self.conn.exec_driver_sql(f"INSERT INTO payments ({columns}) SELECT {columns} FROM staging_payments")
        if self.layout.id_table != "payments":  # new ids added, a moved payment's day updated
            self.conn.exec_driver_sql(
                "INSERT INTO payment_ids (payment_id, customer_key, paid_at) "
                "SELECT s.payment_id, s.customer_key, s.paid_at FROM staging_payments s "
                "LEFT JOIN staging_known k ON k.payment_id = s.payment_id "
                "WHERE k.payment_id IS NULL OR k.paid_at <> s.paid_at "
                "ON CONFLICT (payment_id) DO UPDATE SET paid_at = excluded.paid_at"
            )
        return replaced, earliest_old, taken

    def _find_known(self) -> None:
        """staging_known: id, owner and day of each staged id the warehouse holds."""
        columns = ", ".join(ID_COLUMNS)
        if "staging_known" not in self.staging:
            self.conn.exec_driver_sql("DROP TABLE IF EXISTS staging_known")
            self.conn.exec_driver_sql(
                f"CREATE TEMPORARY TABLE staging_known AS SELECT {columns} FROM payments WHERE 1 = 0"
            )
            self.staging.add("staging_known")
        self.conn.exec_driver_sql("DELETE FROM staging_known")
        self.conn.exec_driver_sql(
            f"INSERT INTO staging_known ({columns}) SELECT {columns} FROM {self.layout.id_table} "
            "WHERE payment_id IN (SELECT payment_id FROM staging_payments)"
        )

    def _taken(self, staged: pd.DataFrame) -> np.ndarray:
        """Rows whose id belongs to another customer: the one it is stored with, else the first in the chunk."""
        stored = dict(self.conn.execute(text("SELECT payment_id, customer_key FROM staging_known")).all())
        first = staged.groupby("payment_id", sort=False)["customer_key"].transform("first")
        owner = staged["payment_id"].map(stored).fillna(first)
        return (staged["customer_key"] != owner).to_numpy()

    def _channel_name_ids(self, raw_channels: list[str]) -> np.ndarray:
        """Id of each raw channel text as written; new texts are added with their catalog key."""
        new = [t for t in raw_channels if t not in self.channel_ids]
        if new:
            self.conn.execute(insert(channel_names), [{"raw_text": t, "key": fold_text(t)} for t in new])
            rows = self.conn.execute(
                select(channel_names.c.raw_text, channel_names.c.id).where(channel_names.c.raw_text.in_(new))
            ).all()
            self.channel_ids.update(dict(rows))
        return np.array([self.channel_ids[t] for t in raw_channels], dtype=np.int64)


@cache
def _copy_maker() -> ThreadPoolExecutor:
    """The thread that makes a chunk's COPY data while the database takes another COPY."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-rows")


def _opened_on_thread(path: Path, kind: str) -> Future:
    """The file checked and hashed on a daemon thread of its own: a command that ends early (an
    error, a Ctrl-C) exits without waiting for a large file's hash (an executor's thread is
    waited for at exit)."""
    future: Future = Future()

    def work() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(open_raw_file(path, kind))
            except BaseException as error:  # handed to the writer, which asks for the result
                future.set_exception(error)

    threading.Thread(target=work, name=f"open {path.name}", daemon=True).start()
    return future


def _insert_if_all_new(conn: Connection, table: str, key: str, frame: pd.DataFrame) -> bool:
    """Insert a chunk straight into `table` if none of its `key`s is loaded yet; False if some are.

    A sample of the keys is probed first (a re-sent file is caught there); a wrong guess costs one
    undone insert, never a wrong count.
    """
    return not _any_known(conn, table, key, frame[key]) and insert_if_new(conn, table, frame)


def _any_known(conn: Connection, table: str, column: str, ids: pd.Series) -> bool:
    """Whether a sample of a chunk's ids is already in `table`."""
    sample = ids.iloc[:: max(1, len(ids) // ID_SAMPLE)].tolist()
    statement = text(f"SELECT 1 FROM {table} WHERE {column} IN :ids LIMIT 1")
    found = conn.execute(statement.bindparams(bindparam("ids", expanding=True)), {"ids": sample}).first()
    return found is not None


class _CustomerLoader(_FileLoader):
    def prepare(self) -> None:
        self.aliases = read_commune_aliases(self.settings.commune_aliases)
        merge_communes(self.conn, self.aliases)  # communes renamed since, or stored under two spellings
        self._read_communes()

    def write(self, chunk: PreparedChunk) -> None:
        clean = chunk.rows
        stored = {
            "commune_id": self._commune_ids(clean).to_numpy(),
            "contract_start": iso_dates(clean["contract_start"]).to_numpy(),
            "contract_end": iso_dates(clean["contract_end"]).to_numpy(),
            "load_run_id": self.run_id,
        }
        frame = pd.DataFrame(
            {c.stored: stored.get(c.stored, clean[c.name].to_numpy()) for c in CUSTOMERS.columns}
        ).assign(load_run_id=self.run_id)
        if _insert_if_all_new(self.conn, "customers", "customer_id", frame):
            self.note_day(clean["contract_start"].min())  # all new: their contract starts are the changes
            self.result.loaded += len(frame)
        else:
            self._merge_through_staging(frame)

    def _present(self) -> set[str]:
        """The warehouse columns this file carries: the others keep their stored values on an update."""
        carried = set(self.raw.columns.values())
        return {c.stored for c in CUSTOMERS.columns if c.name in carried}

    def _updates(self) -> str:
        """SET list of the upsert: the columns the file carries; a commune the file does not give is
        kept unless the customer moves office (then it is the new office's 'not given' commune)."""
        present = self._present()
        sets = [f"{c} = excluded.{c}" for c in CUSTOMER_COLUMNS[1:] if c in present or c == "load_run_id"]
        if "commune_id" not in present:
            sets.append(
                "commune_id = CASE WHEN customers.office_code = excluded.office_code "
                "THEN customers.commune_id ELSE excluded.commune_id END"
            )
        return ", ".join(sets)

    def _merge_through_staging(self, frame: pd.DataFrame) -> None:
        """Upsert of customers who may exist: stage, note the days their changes touch, count, merge."""
        self.stage("staging_customers", "customers", CUSTOMER_COLUMNS, frame)
        self._note_changed_days()
        self.result.updated += self.conn.execute(
            text("SELECT COUNT(*) FROM staging_customers s JOIN customers c ON c.customer_id = s.customer_id")
        ).scalar_one()
        self.merge_staged("staging_customers", "customers", CUSTOMER_COLUMNS, self._updates())
        self.result.loaded += len(frame)

    def _note_changed_days(self) -> None:
        """Earliest contract day of new customers, and of old and new values of changed ones."""
        new_start = self.conn.execute(
            text(
                "SELECT MIN(s.contract_start) FROM staging_customers s "
                "LEFT JOIN customers c ON c.customer_id = s.customer_id WHERE c.customer_id IS NULL"
            )
        ).scalar()
        self.note_day(new_start)
        present = self._present()
        changes = ["s.office_code <> c.office_code", "s.contract_start <> c.contract_start"]
        if "commune_id" in present:
            changes.append("s.commune_id <> c.commune_id")
        if "contract_end" in present:
            changes.append("COALESCE(s.contract_end, '9999-12-31') <> COALESCE(c.contract_end, '9999-12-31')")
        end = "s.contract_end" if "contract_end" in present else "c.contract_end"
        changed = self.conn.execute(
            text(
                f"SELECT s.contract_start, c.contract_start, {end}, c.contract_end "
                "FROM staging_customers s JOIN customers c ON c.customer_id = s.customer_id "
                f"WHERE {' OR '.join(changes)}"
            )
        ).all()
        for row in changed:
            for day in row:
                self.note_day(day)

    def _commune_ids(self, clean: pd.DataFrame) -> pd.Series:
        """Each row's commune: renamed through the aliases, matched on its key within the office, added
        (with this spelling) when the office has none with that key."""
        names = current_names(clean["office_code"], clean["commune"].astype(str), self.aliases)
        pairs = pd.DataFrame({"office": clean["office_code"].to_numpy(), "name": names.to_numpy()})
        distinct = pairs.drop_duplicates()
        keys = {(o, n): (o, commune_key(n)) for o, n in zip(distinct["office"], distinct["name"])}
        new = {}
        for (office, name), key in keys.items():
            if key not in self.commune_ids and key not in new:
                new[key] = {"office_code": office, "name": name}
        if new:
            self.conn.execute(insert(communes), list(new.values()))
            self._read_communes()
        distinct = distinct.assign(id=[self.commune_ids[keys[pair]] for pair in keys])
        return pairs.merge(distinct, on=["office", "name"], how="left")["id"].astype("int64")

    def _read_communes(self) -> None:
        """(office, name key) -> id of the office's first commune with that key."""
        self.commune_ids = {}
        for cid, office, name in self.conn.execute(
            select(communes.c.id, communes.c.office_code, communes.c.name).order_by(communes.c.id)
        ):
            self.commune_ids.setdefault((office, commune_key(name)), cid)


__all__ = ["LoadResult", "load_file", "load_files"]
