"""Raw export chunks -> rows ready for the bulk path, on a helper process so parsing overlaps writing.

Everything here is DataFrame/numpy work with no database access: the loading thread hands over
the facts validation needs (known customer ids, office codes) and the files in load order; a
helper process reads, validates and shapes them one file ahead and streams the chunks back through
a bounded queue, so the loading thread only writes (DESIGN §2, bulk paths).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from multiprocessing.connection import Connection

import numpy as np
import pandas as pd
import pyarrow as pa

from cashless.settings import ROOT
from etl.payment_ids import PaymentIdHasher
from etl.read import FOOTERS, ROW_NUMBER, FileRejected, RawFile, read_chunks
from etl.validate import IdLookup, positions_in, quarantine_records, validate_customers, validate_payments
from warehouse.days import to_epoch_days

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0  # how long a helper gets to finish after its jobs pipe closes
CHUNKS_AHEAD = 2  # prepared chunks a helper holds while the loading thread writes (bounds its memory)
# A helper's first file starts with a chunk this many times shorter: the loading thread, which waits
# for it, starts writing after a tenth of a chunk's validation; later files are prepared while it writes.
FIRST_CHUNK_SHARE = 10


@dataclass(frozen=True)
class PaymentFacts:
    """What payment validation needs from the warehouse: loaded customer ids and their keys, and the
    day of the load (a payment dated later is a typo)."""

    customer_ids: pa.Array
    customer_keys: np.ndarray
    load_day: dt.date = field(default_factory=dt.date.today)

    @cached_property
    def customer_lookup(self) -> IdLookup:
        """The ids hashed once, where they are used (on the helper): not pickled, built on first use."""
        return IdLookup(self.customer_ids)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "customer_lookup"}


@dataclass(frozen=True)
class CustomerFacts:
    """What customer validation needs from the warehouse: the office codes."""

    office_codes: frozenset[str]


@dataclass
class PreparedChunk:
    """One chunk, validated and shaped: `rows` for the bulk path, `bad` for the quarantine."""

    rows_read: int
    rows: pd.DataFrame | None
    bad: pd.DataFrame
    channels: list[str] = field(default_factory=list)  # payments: texts the channel codes point into
    repeated: int = 0  # payments: rows dropped because a later row of the chunk has the same id
    shared: bool = False  # payments: an id given to two customers within the chunk (never written straight)
    footers: int = 0  # totals rows at the foot of a report, skipped
    seconds: dict[str, float] = field(default_factory=dict)  # parse / validate / shape, where it ran


def _timed_chunks(
    raw: RawFile, chunk_rows: int, first_rows: int | None = None
) -> Iterator[tuple[pd.DataFrame, float]]:
    """The file's raw chunks, each with the seconds its reading and parsing took; with `first_rows`,
    the first chunk's head comes on its own."""
    chunks = read_chunks(raw, chunk_rows)
    while True:
        clock = time.perf_counter()
        chunk = next(chunks, None)
        if chunk is None:
            return
        seconds = time.perf_counter() - clock
        if first_rows and len(chunk) > 2 * first_rows:
            head, chunk = chunk.iloc[:first_rows], chunk.iloc[first_rows:].reset_index(drop=True)
            head.attrs = {FOOTERS: 0}  # the footers are counted with the rest
            yield head, seconds
            seconds = 0.0
        first_rows = None
        yield chunk, seconds


def prepare_file(
    raw: RawFile, facts: PaymentFacts | CustomerFacts, chunk_rows: int, first_rows: int | None = None
) -> Iterator[PreparedChunk]:
    """Prepared chunks of one file; per-file state (payment id occurrences, ids seen) lives here.
    `first_rows`: the first chunk is cut that short (the chunks' content is the same either way)."""
    if raw.kind == "payments":
        return _prepare_payments(raw, facts, chunk_rows, first_rows)
    return _prepare_customers(raw, facts, chunk_rows, first_rows)


def _prepare_payments(
    raw: RawFile, facts: PaymentFacts, chunk_rows: int, first_rows: int | None
) -> Iterator[PreparedChunk]:
    hasher = PaymentIdHasher()
    customers = facts.customer_lookup
    for chunk, parse in _timed_chunks(raw, chunk_rows, first_rows):
        footers = chunk.attrs.get(FOOTERS, 0)
        clock = time.perf_counter()
        clean, bad = validate_payments(chunk, customers, facts.load_day)
        seconds = {"parse": parse, "validate": time.perf_counter() - clock}
        if clean.empty:
            yield PreparedChunk(len(chunk), None, bad, footers=footers, seconds=seconds)
            continue
        clock = time.perf_counter()
        rows, channels, repeated, shared = shape_payments(clean, hasher, facts.customer_keys)
        seconds["shape"] = time.perf_counter() - clock
        yield PreparedChunk(len(chunk), rows, bad, channels, repeated, shared, footers, seconds)


def shape_payments(
    clean: pd.DataFrame, hasher: PaymentIdHasher, customer_keys: np.ndarray
) -> tuple[pd.DataFrame, list[str], int, bool]:
    """Ids assigned, customer keys, epoch days, channel codes; how many rows repeated a later id, and
    whether an id is left for two customers.

    A payment_id repeated in the chunk for the same customer: the last row wins, as it would from
    a later chunk. For another customer both stay: the loader keeps the id's owner.
    """
    clean = clean.assign(payment_id=hasher.assign(clean))
    repeated, shared = 0, False
    if not clean["payment_id"].is_unique:  # rare; the pairs' check costs twice the ids' alone
        twice = clean[["payment_id", "customer_id"]].duplicated(keep="last")
        clean, repeated = clean[~twice], int(twice.sum())
        shared = bool(clean["payment_id"].duplicated().any())
    codes, channels = pd.factorize(clean["channel"])
    rows = pd.DataFrame(
        {
            # Arrow text: pickled as buffers (Python strings cost 40 ms a chunk here, 26 in the writer)
            "payment_id": clean["payment_id"].astype("str").array,
            "customer_key": customer_keys[clean["customer_index"].to_numpy()],
            "bill_period": clean["bill_period"].to_numpy(dtype=np.int64),
            "day": to_epoch_days(clean["paid_at"]),
            "amount": clean["amount"].to_numpy(dtype=np.int64),
            "channel_code": codes.astype(np.int64),
            "row_number": clean[ROW_NUMBER].to_numpy(dtype=np.int64),
        }
    )
    return rows, list(channels), repeated, shared


def _prepare_customers(
    raw: RawFile, facts: CustomerFacts, chunk_rows: int, first_rows: int | None
) -> Iterator[PreparedChunk]:
    seen: list[pa.Array] = []
    for chunk, parse in _timed_chunks(raw, chunk_rows, first_rows):
        clock = time.perf_counter()
        clean, bad = validate_customers(chunk, facts.office_codes)
        clean, bad = _drop_earlier_ids(chunk, clean, bad, seen)
        seen.append(pa.array(clean["customer_id"].to_numpy(dtype=object), type=pa.string()))
        seconds = {"parse": parse, "validate": time.perf_counter() - clock}
        yield PreparedChunk(
            len(chunk),
            None if clean.empty else clean,
            bad,
            footers=chunk.attrs.get(FOOTERS, 0),
            seconds=seconds,
        )


def _drop_earlier_ids(chunk, clean, bad, seen: list[pa.Array]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarantine customers whose id appeared in an earlier chunk of the same file (first one kept)."""
    earlier = pa.concat_arrays(seen) if seen else pa.array([], type=pa.string())
    repeated = positions_in(clean["customer_id"], earlier) >= 0
    if not repeated.any():
        return clean, bad
    extra = chunk.loc[clean.index[repeated]]
    reasons = pd.Series(
        "customer_id: duplicate customer_id in this file (first occurrence kept)", index=extra.index
    )
    bad = pd.concat([bad, quarantine_records(extra, pd.Series("customer_id", index=extra.index), reasons)])
    return clean[~repeated], bad


class Preparer:
    """Prepares files in the order they are submitted: on a helper process, or inline when `ahead` is off.

    `chunks(raw)` yields the file's prepared chunks; a file asked for out of submission order is
    prepared inline, so the helper never has to go back.
    """

    def __init__(
        self, facts: PaymentFacts | CustomerFacts, chunk_rows: int, helper: _Helper | None = None
    ) -> None:
        """`helper`: a started helper (see `start_helper`) that prepares ahead; None: all inline."""
        self.facts = facts
        self.chunk_rows = chunk_rows
        self._helper = helper
        if helper is not None:
            helper.begin(facts, chunk_rows)
        self._submitted: list[RawFile] = []

    def submit(self, raw: RawFile) -> None:
        """Start preparing `raw` after the files submitted before it (no-op inline)."""
        if self._helper is not None:
            self._helper.send(len(self._submitted), raw)
            self._submitted.append(raw)

    def chunks(self, raw: RawFile) -> Iterator[PreparedChunk]:
        """The prepared chunks of `raw`: from the helper if submitted and not yet passed, else inline."""
        waiting = self._submitted[self._helper.next_job :] if self._helper is not None else []
        if raw not in waiting:
            return prepare_file(raw, self.facts, self.chunk_rows)
        job = self._helper.next_job + waiting.index(raw)
        self._helper.next_job = job + 1  # earlier jobs are dropped as their chunks arrive
        return self._helper.receive(job, raw)

    def close(self) -> None:
        if self._helper is not None:
            self._helper.stop()
            self._helper = None


def start_helper(on_thread: bool = False) -> _Helper | _ThreadHelper:
    """A helper, started now and given its facts by the Preparer that takes it: a process, or for
    a small load a thread of this one (a process takes 0.8 s to start; the thread prepares while
    the writer waits for the database, which holds no GIL)."""
    return _ThreadHelper() if on_thread else _Helper()


class _Helper:
    """A helper process reading jobs from one pipe and writing prepared chunks (or an error) to another.

    Started as a fresh interpreter (not multiprocessing's spawn, which re-imports the caller's main
    script). Work in flight is bounded: the helper stops preparing once CHUNKS_AHEAD chunks wait
    for the loading thread. When either side ends, the other gets EOF or a broken pipe and stops.
    """

    def __init__(self) -> None:
        """Starts the interpreter; it imports what it needs while the caller reads the facts."""
        jobs_in, jobs_out = os.pipe()
        results_in, results_out = os.pipe()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", HELPER_MAIN, str(jobs_in), str(results_out)],
            pass_fds=(jobs_in, results_out),
            env=env,
        )
        os.close(jobs_in)
        os.close(results_out)
        self.results = Connection(results_in, writable=False)
        self.sender = _Sender(Connection(jobs_out, readable=False))
        self.next_job = 0  # jobs before this one have been read or dropped

    def begin(self, facts, chunk_rows: int) -> None:
        """The facts files are prepared with: the first message (sent in the background)."""
        self.sender.send((facts, chunk_rows))

    def send(self, job: int, raw: RawFile) -> None:
        self.sender.send((job, raw))

    def receive(self, job: int, raw: RawFile) -> Iterator[PreparedChunk]:
        """The chunks of `job`, skipping what is left of earlier jobs; re-raises the helper's errors."""
        return _chunks_of(job, raw, self._items())

    def _items(self) -> Iterator[tuple]:
        while True:
            try:
                yield self.results.recv()
            except EOFError:
                raise RuntimeError(
                    f"the file-preparing helper process ended (exit code {self.process.wait()})"
                ) from None

    def stop(self) -> None:
        """Ask the helper to finish, then make sure it is gone."""
        self.sender.close()
        self.results.close()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _ThreadHelper:
    """A helper thread with the process helper's interface: jobs in order, at most CHUNKS_AHEAD
    prepared chunks waiting for the loading thread."""

    def __init__(self) -> None:
        self.jobs: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue(CHUNKS_AHEAD)
        self.stopping = threading.Event()
        self.next_job = 0  # jobs before this one have been read or dropped
        self.thread = threading.Thread(target=self._run, name="file-preparer", daemon=True)
        self.thread.start()

    def begin(self, facts, chunk_rows: int) -> None:
        self.jobs.put((facts, chunk_rows))

    def send(self, job: int, raw: RawFile) -> None:
        self.jobs.put((job, raw))

    def receive(self, job: int, raw: RawFile) -> Iterator[PreparedChunk]:
        """The chunks of `job`, skipping what is left of earlier jobs; re-raises the thread's errors."""
        return _chunks_of(job, raw, self._items())

    def _items(self) -> Iterator[tuple]:
        while True:
            try:
                yield self.results.get(timeout=0.2)
            except queue.Empty:
                if not self.thread.is_alive() and self.results.empty():
                    raise RuntimeError("the file-preparing thread ended") from None

    def stop(self) -> None:
        """Ask the thread to finish (it drops what it was preparing) and wait for it."""
        self.stopping.set()
        self.jobs.put(None)
        self.thread.join(timeout=STOP_SECONDS)
        if self.thread.is_alive():
            log.warning("the file-preparing thread still runs %.0f s after it was stopped", STOP_SECONDS)

    def _run(self) -> None:
        if (first := self.jobs.get()) is None:
            return
        facts, chunk_rows = first
        while (job := self.jobs.get()) is not None and not self.stopping.is_set():
            for item in _prepared_items(*job, facts, chunk_rows):
                while not self.stopping.is_set():
                    try:
                        self.results.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self.stopping.is_set():
                    return


class _Sender(threading.Thread):
    """Sends items in order from a thread, so the producer never waits for the reader to read.

    At most `limit` items wait (0: no limit); `send` raises BrokenPipeError once the reader is gone.
    """

    def __init__(self, connection: Connection, limit: int = 0) -> None:
        super().__init__(name="pipe-sender", daemon=True)
        self.connection = connection
        self.pending: queue.Queue = queue.Queue(limit)
        self.start()

    def send(self, item) -> None:
        while True:
            if not self.is_alive():
                raise BrokenPipeError("the reading process is gone")
            try:
                self.pending.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Send what is queued, then close the pipe (returns early if the reader is gone)."""
        with contextlib.suppress(BrokenPipeError):
            self.send(None)
        self.join(timeout=STOP_SECONDS)

    def run(self) -> None:
        try:
            while (item := self.pending.get()) is not None:
                self.connection.send(item)
        except OSError:  # the reader is gone; the other side reports it
            pass
        finally:
            self.connection.close()


def _chunks_of(job: int, raw: RawFile, items: Iterator[tuple]) -> Iterator[PreparedChunk]:
    """The chunks of `job` among a helper's (job, kind, payload) items, in order: what is left of
    earlier jobs skipped, the job's error raised."""
    for got, kind, payload in items:
        if got != job:
            continue
        if kind == "end":
            return
        if kind == "error":
            raise _rebuilt_error(raw, *payload)
        yield payload


def _rebuilt_error(raw: RawFile, name: str, message: str, trace: str) -> Exception:
    if name == "FileRejected":
        return FileRejected(message)
    return RuntimeError(f"preparing {raw.path.name} failed: {name}: {message}\n{trace}")


HELPER_MAIN = "import sys; from etl.prepare import serve; serve(int(sys.argv[1]), int(sys.argv[2]))"


def serve(jobs_fd: int, results_fd: int) -> None:
    """Helper process: prepare each job's file in order until the jobs pipe closes.

    Prepared chunks leave through a sender thread with room for CHUNKS_AHEAD, so the next chunk
    (often the next file's) is being prepared while the loading thread still writes this one.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the loading process's to handle
    jobs = Connection(jobs_fd, writable=False)
    results = _Sender(Connection(results_fd, readable=False), limit=CHUNKS_AHEAD)
    try:
        facts, chunk_rows = jobs.recv()
        while True:
            number, raw = jobs.recv()
            for item in _prepared_items(number, raw, facts, chunk_rows):
                results.send(item)
    except (EOFError, BrokenPipeError, ConnectionResetError):  # the loading process finished or is gone
        return
    finally:
        results.close()


def _prepared_items(number: int, raw: RawFile, facts, chunk_rows: int) -> Iterator[tuple]:
    """(job, "chunk", chunk) per chunk then (job, "end", None); (job, "error", ...) if the file fails."""
    try:
        first_rows = max(1, chunk_rows // FIRST_CHUNK_SHARE) if number == 0 else None
        for chunk in prepare_file(raw, facts, chunk_rows, first_rows):
            yield number, "chunk", chunk
    except Exception as error:  # reported to the loading thread, which rolls the file back
        yield number, "error", (type(error).__name__, str(error), traceback.format_exc())
        return
    yield number, "end", None
