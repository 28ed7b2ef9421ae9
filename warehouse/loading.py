"""Load raw export files into the warehouse: one transaction per file, bad rows to quarantine.

The ETL functions (etl/) turn raw rows into clean frames; this module is the I/O edge that writes
them through the driver's bulk path, records the load run and marks the snapshots stale from the
earliest day the file touched.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, func, insert, select, text, update

from cashless.settings import LoadSettings
from etl.payment_ids import PaymentIdHasher
from etl.read import FileRejected, RawFile, open_raw_file, read_chunks
from etl.text import fold_text
from etl.validate import positions_in, quarantine_records, validate_customers, validate_payments
from warehouse.bulk import bulk_insert, iso_dates
from warehouse.db import is_sqlite, writing
from warehouse.schema import (
    channel_names,
    communes,
    customers,
    load_runs,
    offices,
    quarantine,
)
from warehouse.snapshots import mark_dirty, refresh_snapshots

log = logging.getLogger(__name__)

PAYMENT_COLUMNS = [
    "payment_id",
    "customer_key",
    "bill_period",
    "paid_at",
    "amount",
    "channel_name_id",
    "load_run_id",
]
CUSTOMER_COLUMNS = [
    "customer_id",
    "office_code",
    "commune_id",
    "customer_type",
    "name",
    "address",
    "phone",
    "contract_start",
    "contract_end",
    "load_run_id",
]


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
    message: str = ""
    earliest_day: dt.date | None = None
    recent: pd.DataFrame | None = field(default=None, repr=False)  # loaded payments, for the refresh

    def summary(self) -> str:
        if self.status == "rejected":
            return f"{self.file}: rejected: {self.message}"
        if self.status == "skipped":
            return f"{self.file}: skipped: {self.message}"
        return (
            f"{self.file}: {self.loaded:,} loaded ({self.updated:,} of them updates), "
            f"{self.quarantined:,} quarantined"
        )


ProgressFactory = Callable[[int, str], object]


def load_files(
    engine: Engine,
    kind: str,
    paths: Iterable[Path],
    settings: LoadSettings = LoadSettings(),
    on_result: Callable[[LoadResult], None] | None = None,
) -> list[LoadResult]:
    """Load each file in its own transaction, then refresh the snapshots from the earliest day touched."""
    results, batch = [], []
    for path in paths:
        result = load_file(engine, kind, Path(path), settings)
        results.append(result)
        batch.append(result)
        if on_result:
            on_result(result)
        if sum(len(r.recent) for r in batch if r.recent is not None) > settings.max_rows_in_memory:
            _refresh(engine, batch, settings)  # keeps memory bounded on very large loads
            batch = []
    _refresh(engine, batch, settings)
    return results


def _refresh(engine: Engine, batch: list[LoadResult], settings: LoadSettings) -> None:
    refresh_snapshots(engine, progress=settings.progress, recent=_recent_payments(batch, settings))
    for result in batch:
        result.recent = None


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
    started = dt.datetime.now()
    try:
        raw = open_raw_file(path, kind)
    except FileRejected as rejection:
        return _record_outcome(engine, kind, path, "", started, "rejected", str(rejection))
    with engine.connect() as conn:
        # Skipped only if that load quarantined nothing: quarantined rows may load now (e.g. their
        # customers have been loaded since); the rest of the file is upserted unchanged.
        if conn.scalar(
            select(load_runs.c.id).where(
                load_runs.c.file_hash == raw.file_hash,
                load_runs.c.kind == kind,
                load_runs.c.status == "loaded",
                load_runs.c.rows_quarantined == 0,
            )
        ):
            return _record_outcome(
                engine, kind, path, raw.file_hash, started, "skipped", "same content already loaded"
            )
    try:
        with _gc_paused(), writing(engine) as conn:
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
            result = loader(conn, raw, run_id, settings).run()
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
    """Shared chunk loop: validate, quarantine, stage, merge; subclasses say how."""

    kind = ""

    def __init__(self, conn: Connection, raw: RawFile, run_id: int, settings: LoadSettings) -> None:
        self.conn = conn
        self.raw = raw
        self.run_id = run_id
        self.settings = settings
        self.result = LoadResult(file=str(raw.path), kind=raw.kind, status="loaded")

    def run(self) -> LoadResult:
        self.prepare()
        timings = {"waiting for parsed chunks": 0.0, "writing": 0.0}
        with self._progress() as bar:
            clock = time.perf_counter()
            for rows_read, shaped, bad in self._parsed_chunks():
                timings["waiting for parsed chunks"] += time.perf_counter() - clock
                clock = time.perf_counter()
                self.result.rows_read += rows_read
                if not bad.empty:
                    bad = bad.assign(load_run_id=self.run_id)
                    bulk_insert(self.conn, quarantine.name, bad)
                    self.result.quarantined += len(bad)
                if shaped is not None:
                    self.stage_and_merge(shaped)
                timings["writing"] += time.perf_counter() - clock
                if bar is not None:
                    bar.update(rows_read)
                clock = time.perf_counter()
        self.finish()
        log.info("%s: %s", self.raw.path.name, ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        return self.result

    def _parsed_chunks(self) -> Iterator[tuple[int, object, pd.DataFrame]]:
        """Read, validate and shape the next chunk on a second thread while this one writes.

        Only pure DataFrame work runs there; every database call stays on the loading thread.
        """
        chunks = read_chunks(self.raw, self.settings.chunk_rows)

        def parse_next():
            chunk = next(chunks, None)
            if chunk is None:
                return None
            clean, bad = self.validate(chunk)
            return len(chunk), (self.shape(clean) if not clean.empty else None), bad

        if not self.settings.parse_ahead:
            while (item := parse_next()) is not None:
                yield item
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse") as pool:
            pending = pool.submit(parse_next)
            while (item := pending.result()) is not None:
                pending = pool.submit(parse_next)
                yield item

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

    def validate(self, chunk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]: ...

    def shape(self, clean: pd.DataFrame) -> object:
        """Turn clean rows into what stage_and_merge writes (no database access: runs on a thread)."""
        return clean

    def stage_and_merge(self, shaped) -> None: ...

    def create_staging(self, name: str, source_table: str, columns: list[str]) -> None:
        """A temporary table shaped like `source_table`'s `columns`, emptied for each chunk."""
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        self.conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {name} AS SELECT {', '.join(columns)} FROM {source_table} WHERE 1 = 0"
        )


class _PaymentLoader(_FileLoader):
    def prepare(self) -> None:
        known = self.conn.execute(select(customers.c.customer_id, customers.c.customer_key)).all()
        self.customer_ids = pa.array([customer_id for customer_id, _ in known], type=pa.string())
        self.customer_keys = np.array([key for _, key in known], dtype=np.int64)
        self.channel_ids = dict(self.conn.execute(select(channel_names.c.raw_text, channel_names.c.id)).all())
        self.hasher = PaymentIdHasher()
        self.loaded_frames: list[pd.DataFrame] = []
        if is_sqlite(self.conn):
            # Old dates of re-sent payments, noted by a connection-local trigger as the upsert
            # replaces them, so the direct executemany needs no staging table or join.
            self.conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS replaced_payments (paid_at DATE)")
            self.conn.exec_driver_sql(
                "CREATE TEMP TRIGGER IF NOT EXISTS note_replaced_payment BEFORE UPDATE ON main.payments "
                "BEGIN INSERT INTO replaced_payments VALUES (OLD.paid_at); END"
            )
        else:
            self.create_staging("staging_payments", "payments", PAYMENT_COLUMNS)

    def finish(self) -> None:
        if is_sqlite(self.conn):
            self.conn.exec_driver_sql("DROP TRIGGER IF EXISTS temp.note_replaced_payment")
        self.result.recent = pd.concat(self.loaded_frames, ignore_index=True) if self.loaded_frames else None

    def validate(self, chunk):
        return validate_payments(chunk, self.customer_ids)

    def shape(self, clean: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        clean = clean.assign(payment_id=self.hasher.assign(clean))
        # A payment_id repeated in the chunk: the last row wins, as it would from a later chunk.
        repeated = clean["payment_id"].duplicated(keep="last")
        clean = clean[~repeated]
        frame = pd.DataFrame(
            {
                "payment_id": clean["payment_id"].to_numpy(),
                "customer_key": self.customer_keys[clean["customer_index"].to_numpy()],
                "bill_period": clean["bill_period"].to_numpy(),
                "paid_at": iso_dates(clean["paid_at"]).to_numpy(),
                "amount": clean["amount"].to_numpy(),
                "channel_name_id": 0,
                "load_run_id": self.run_id,
            }
        )
        return frame, clean[["paid_at", "channel"]], int(repeated.sum())

    def stage_and_merge(self, shaped: tuple[pd.DataFrame, pd.DataFrame, int]) -> None:
        frame, clean, repeated = shaped
        frame["channel_name_id"] = self._channel_name_ids(clean["channel"]).to_numpy()
        self.note_day(clean["paid_at"].min())
        replaced, earliest_old = self._upsert(frame)
        self.note_day(earliest_old)
        self.result.loaded += len(frame) + repeated  # repeats count as updates of the row they repeat
        self.result.updated += replaced + repeated
        self.loaded_frames.append(
            pd.DataFrame(
                {
                    "customer_key": frame["customer_key"].to_numpy(dtype=np.int64),
                    "day": clean["paid_at"].to_numpy().astype("datetime64[D]").astype(np.int64),
                    "channel_name_id": frame["channel_name_id"].to_numpy(dtype=np.int64),
                    "amount": frame["amount"].to_numpy(dtype=np.int64),
                }
            )
        )

    def _upsert(self, frame: pd.DataFrame) -> tuple[int, object]:
        """Insert or replace the chunk's payments; returns how many replaced rows and their earliest old day."""
        updates = ", ".join(f"{c} = excluded.{c}" for c in PAYMENT_COLUMNS[1:])
        if is_sqlite(self.conn):
            bulk_insert(
                self.conn, "payments", frame, on_conflict=f"ON CONFLICT (payment_id) DO UPDATE SET {updates}"
            )
            replaced, earliest_old = self.conn.execute(
                text("SELECT COUNT(*), MIN(paid_at) FROM replaced_payments")
            ).one()
            self.conn.exec_driver_sql("DELETE FROM replaced_payments")
            return replaced, earliest_old
        self.conn.exec_driver_sql("TRUNCATE staging_payments")
        bulk_insert(self.conn, "staging_payments", frame)
        replaced, earliest_old = self.conn.execute(
            text(
                "SELECT COUNT(*), MIN(p.paid_at) FROM staging_payments s "
                "JOIN payments p ON p.payment_id = s.payment_id"
            )
        ).one()
        self.conn.exec_driver_sql(
            f"INSERT INTO payments ({', '.join(PAYMENT_COLUMNS)}) "
            f"SELECT {', '.join(PAYMENT_COLUMNS)} FROM staging_payments "
            f"ON CONFLICT (payment_id) DO UPDATE SET {updates}"
        )
        return replaced, earliest_old

    def _channel_name_ids(self, raw_channels: pd.Series) -> pd.Series:
        """Id of each raw channel text as written; new texts are added with their catalog key."""
        new = [t for t in pd.unique(raw_channels) if t not in self.channel_ids]
        if new:
            self.conn.execute(insert(channel_names), [{"raw_text": t, "key": fold_text(t)} for t in new])
            rows = self.conn.execute(
                select(channel_names.c.raw_text, channel_names.c.id).where(channel_names.c.raw_text.in_(new))
            ).all()
            self.channel_ids.update(dict(rows))
        return raw_channels.map(self.channel_ids).astype("int64")


class _CustomerLoader(_FileLoader):
    def prepare(self) -> None:
        self.office_codes = set(self.conn.scalars(select(offices.c.code)))
        self.commune_ids = {
            (office, name): cid
            for cid, office, name in self.conn.execute(
                select(communes.c.id, communes.c.office_code, communes.c.name)
            )
        }
        self.seen_ids: list[pa.Array] = []
        self.create_staging("staging_customers", "customers", CUSTOMER_COLUMNS)

    def validate(self, chunk):
        clean, bad = validate_customers(chunk, self.office_codes)
        seen = pa.concat_arrays(self.seen_ids) if self.seen_ids else pa.array([], type=pa.string())
        repeated = positions_in(clean["customer_id"], seen) >= 0
        if repeated.any():  # the same id in an earlier chunk of this file
            extra = chunk.loc[clean.index[repeated]]
            reasons = pd.Series(
                "customer_id: duplicate customer_id in this file (first occurrence kept)", index=extra.index
            )
            bad = pd.concat(
                [bad, quarantine_records(extra, pd.Series("customer_id", index=extra.index), reasons)]
            )
            clean = clean[~repeated]
        self.seen_ids.append(pa.array(clean["customer_id"].to_numpy(dtype=object), type=pa.string()))
        return clean, bad

    def stage_and_merge(self, clean: pd.DataFrame) -> None:
        frame = pd.DataFrame(
            {
                "customer_id": clean["customer_id"].to_numpy(),
                "office_code": clean["office_code"].to_numpy(),
                "commune_id": self._commune_ids(clean).to_numpy(),
                "customer_type": clean["customer_type"].to_numpy(),
                "name": clean["name"].to_numpy(),
                "address": clean["address"].to_numpy(),
                "phone": clean["phone"].to_numpy(),
                "contract_start": iso_dates(clean["contract_start"]).to_numpy(),
                "contract_end": iso_dates(clean["contract_end"]).to_numpy(),
                "load_run_id": self.run_id,
            }
        )
        self.conn.exec_driver_sql("DELETE FROM staging_customers")
        bulk_insert(self.conn, "staging_customers", frame)
        self._note_changed_days()
        self.result.updated += self.conn.execute(
            text("SELECT COUNT(*) FROM staging_customers s JOIN customers c ON c.customer_id = s.customer_id")
        ).scalar_one()
        updates = ", ".join(f"{c} = excluded.{c}" for c in CUSTOMER_COLUMNS[1:])
        self.conn.exec_driver_sql(
            f"INSERT INTO customers ({', '.join(CUSTOMER_COLUMNS)}) "
            f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM staging_customers WHERE true "
            f"ON CONFLICT (customer_id) DO UPDATE SET {updates}"
        )
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
        changed = self.conn.execute(
            text(
                "SELECT s.contract_start, c.contract_start, s.contract_end, c.contract_end "
                "FROM staging_customers s JOIN customers c ON c.customer_id = s.customer_id "
                "WHERE s.office_code <> c.office_code OR s.commune_id <> c.commune_id "
                "OR s.contract_start <> c.contract_start "
                "OR COALESCE(s.contract_end, '9999-12-31') <> COALESCE(c.contract_end, '9999-12-31')"
            )
        ).all()
        for row in changed:
            for day in row:
                self.note_day(day)

    def _commune_ids(self, clean: pd.DataFrame) -> pd.Series:
        keys = clean["office_code"].astype(str) + "\x1f" + clean["commune"].astype(str)
        new = [key for key in pd.unique(keys) if tuple(key.split("\x1f")) not in self.commune_ids]
        if new:
            self.conn.execute(
                insert(communes), [dict(zip(("office_code", "name"), key.split("\x1f"))) for key in new]
            )
            for cid, office, name in self.conn.execute(
                select(communes.c.id, communes.c.office_code, communes.c.name)
            ):
                self.commune_ids[(office, name)] = cid
        ids = {f"{office}\x1f{name}": cid for (office, name), cid in self.commune_ids.items()}
        return keys.map(ids).astype("int64")


__all__ = ["LoadResult", "func", "is_sqlite", "load_file", "load_files"]
