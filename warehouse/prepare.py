"""Raw export chunks -> rows ready for the bulk path, on a helper process so parsing overlaps writing.

Everything here is DataFrame/numpy work with no database access: the loading thread hands over
the facts validation needs (known customer ids, office codes) and the files in load order; a
helper process reads, validates and shapes them one file ahead and streams the chunks back through
a bounded queue, so the loading thread only writes (DESIGN §2, bulk paths).
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.payment_ids import PaymentIdHasher
from etl.read import FileRejected, RawFile, read_chunks
from etl.validate import positions_in, quarantine_records, validate_customers, validate_payments

QUEUE_CHUNKS = 2  # prepared chunks waiting for the loading thread (bounds the memory in flight)
POLL_SECONDS = 1.0  # how often each side checks that the other is still alive


@dataclass(frozen=True)
class PaymentFacts:
    """What payment validation needs from the warehouse: loaded customer ids and their keys."""

    customer_ids: pa.Array
    customer_keys: np.ndarray


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


def prepare_file(
    raw: RawFile, facts: PaymentFacts | CustomerFacts, chunk_rows: int
) -> Iterator[PreparedChunk]:
    """Prepared chunks of one file; per-file state (payment id occurrences, ids seen) lives here."""
    if raw.kind == "payments":
        return _prepare_payments(raw, facts, chunk_rows)
    return _prepare_customers(raw, facts, chunk_rows)


def _prepare_payments(raw: RawFile, facts: PaymentFacts, chunk_rows: int) -> Iterator[PreparedChunk]:
    hasher = PaymentIdHasher()
    for chunk in read_chunks(raw, chunk_rows):
        clean, bad = validate_payments(chunk, facts.customer_ids)
        rows, channels = (None, []) if clean.empty else shape_payments(clean, hasher, facts.customer_keys)
        yield PreparedChunk(len(chunk), rows, bad, channels)


def shape_payments(
    clean: pd.DataFrame, hasher: PaymentIdHasher, customer_keys: np.ndarray
) -> tuple[pd.DataFrame, list[str]]:
    """Ids assigned (the last of a repeated id wins), customer keys, epoch days, channel codes."""
    clean = clean.assign(payment_id=hasher.assign(clean)).drop_duplicates("payment_id", keep="last")
    codes, channels = pd.factorize(clean["channel"])
    rows = pd.DataFrame(
        {
            "payment_id": clean["payment_id"].to_numpy(dtype=object),
            "customer_key": customer_keys[clean["customer_index"].to_numpy()],
            "bill_period": clean["bill_period"].to_numpy(dtype=np.int64),
            "day": clean["paid_at"].to_numpy().astype("datetime64[D]").astype(np.int64),
            "amount": clean["amount"].to_numpy(dtype=np.int64),
            "channel_code": codes.astype(np.int64),
        }
    )
    return rows, list(channels)


def _prepare_customers(raw: RawFile, facts: CustomerFacts, chunk_rows: int) -> Iterator[PreparedChunk]:
    seen: list[pa.Array] = []
    for chunk in read_chunks(raw, chunk_rows):
        clean, bad = validate_customers(chunk, facts.office_codes)
        clean, bad = _drop_earlier_ids(chunk, clean, bad, seen)
        seen.append(pa.array(clean["customer_id"].to_numpy(dtype=object), type=pa.string()))
        yield PreparedChunk(len(chunk), None if clean.empty else clean, bad)


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

    def __init__(self, facts: PaymentFacts | CustomerFacts, chunk_rows: int, ahead: bool) -> None:
        self.facts = facts
        self.chunk_rows = chunk_rows
        self._helper = _Helper(facts, chunk_rows) if ahead else None
        self._submitted: list[RawFile] = []

    def submit(self, raw: RawFile) -> None:
        """Start preparing `raw` after the files submitted before it (no-op inline)."""
        if self._helper is not None:
            self._helper.jobs.put((len(self._submitted), raw))
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

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *_) -> None:
        self.close()


class _Helper:
    """The helper process and its two queues: jobs in, prepared chunks (or an error) out."""

    def __init__(self, facts, chunk_rows: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.jobs = context.Queue()
        self.results = context.Queue(maxsize=QUEUE_CHUNKS)
        self.process = context.Process(
            target=_serve, args=(self.jobs, self.results, facts, chunk_rows), name="prepare", daemon=True
        )
        self.process.start()
        self.next_job = 0  # jobs before this one have been read or dropped

    def receive(self, job: int, raw: RawFile) -> Iterator[PreparedChunk]:
        """The chunks of `job`, skipping what is left of earlier jobs; re-raises the helper's errors."""
        while True:
            got, kind, payload = self._get()
            if got != job:
                continue
            if kind == "end":
                return
            if kind == "error":
                raise _rebuilt_error(raw, *payload)
            yield payload

    def _get(self):
        while True:
            try:
                return self.results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError(
                        f"the file-preparing helper process died (exit code {self.process.exitcode})"
                    ) from None

    def stop(self) -> None:
        """Ask the helper to finish, then make sure it is gone."""
        self.jobs.put(None)
        self.process.join(timeout=POLL_SECONDS * 3)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        for channel in (self.jobs, self.results):
            channel.cancel_join_thread()
            channel.close()


def _rebuilt_error(raw: RawFile, name: str, message: str, trace: str) -> Exception:
    if name == "FileRejected":
        return FileRejected(message)
    return RuntimeError(f"preparing {raw.path.name} failed: {name}: {message}\n{trace}")


def _serve(jobs, results, facts, chunk_rows: int) -> None:
    """Helper process: prepare each job's file in order until told to stop or the parent is gone."""
    try:
        while (job := _next_job(jobs)) is not None:
            number, raw = job
            try:
                for chunk in prepare_file(raw, facts, chunk_rows):
                    _put(results, (number, "chunk", chunk))
                _put(results, (number, "end", None))
            except Exception as error:  # reported to the loading thread, which decides
                _put(results, (number, "error", (type(error).__name__, str(error), traceback.format_exc())))
    except (KeyboardInterrupt, _ParentGone):
        return


class _ParentGone(Exception):
    """The loading process ended (killed or interrupted): nothing left to prepare for."""


def _next_job(jobs):
    while True:
        try:
            return jobs.get(timeout=POLL_SECONDS)
        except queue.Empty:
            _check_parent()


def _put(results, item) -> None:
    while True:
        try:
            results.put(item, timeout=POLL_SECONDS)
            return
        except queue.Full:
            _check_parent()


def _check_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None and not parent.is_alive():
        raise _ParentGone
