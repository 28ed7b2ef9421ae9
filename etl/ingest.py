"""A drop folder: every new export in it is loaded (customers before payments, the kind told by its
header) and then moved to done/ or, with a reason beside it, to rejected/.

Safe to run from a timer: a lock file in the folder keeps two runs from working at once.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from cashless.errors import UserFacingError
from cashless.settings import LoadSettings
from etl.load import LoadResult, load_files
from etl.read import FileRejected, open_raw_file

log = logging.getLogger(__name__)

DONE, REJECTED, LOCK = "done", "rejected", ".cashless-ingest.lock"
KINDS = ("customers", "payments")  # the load order: payments need their customers
# still being copied in: name it like this and rename it when complete
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload")


class FolderBusy(UserFacingError):
    """Another ingest holds the folder's lock."""


@dataclass
class DropFile:
    """A file of the drop folder and the kind its header says (None: neither; `reason` says why)."""

    path: Path
    kind: str | None
    reason: str = ""
    details: list[str] = field(default_factory=list)  # why it is neither kind, written beside it


@dataclass
class IngestOutcome:
    """What one file came to: loaded / skipped (already loaded) / rejected, and where it went."""

    file: str
    kind: str | None
    status: str
    detail: str
    moved_to: Path | None = None

    def line(self) -> str:
        kind = self.kind or "?"
        return f"{self.file} [{kind}]: {self.status}: {self.detail}"


def new_files(folder: Path) -> list[Path]:
    """The files waiting in `folder` (not hidden, not partial copies, not in done/ or rejected/), by name."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".") and not path.name.endswith(PARTIAL_SUFFIXES)
    )


def detect_kind(path: Path) -> DropFile:
    """The kind of export `path` holds, from its header alone (the name says nothing)."""
    matches, reasons = [], []
    for kind in KINDS:
        try:
            open_raw_file(path, kind)
            matches.append(kind)
        except FileRejected as rejection:
            reasons.append(f"as {kind}: {rejection}")
    if len(matches) == 1:
        return DropFile(path, matches[0])
    if matches:
        return DropFile(path, None, "the header fits both customers and payments; split the file")
    if all("missing required column" in reason for reason in reasons):  # a table, but of neither kind
        return DropFile(
            path, None, "not a customers or payments export: its header lacks their required columns", reasons
        )
    return DropFile(path, None, "; ".join(dict.fromkeys(r.split(": ", 1)[1] for r in reasons)), reasons)


def plan_ingest(folder: Path) -> list[DropFile]:
    """The waiting files in load order: customers, then payments, then the unreadable ones."""
    files = [detect_kind(path) for path in new_files(folder)]
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(files, key=lambda f: (order.get(f.kind, len(KINDS)), f.path.name))


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's lock for the whole run; FolderBusy at once if another run holds it."""
    if not folder.is_dir():
        raise UserFacingError(f"no such folder: {folder}")
    handle = open(folder / LOCK, "a+")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(f"another `cashless ingest` is working on {folder}") from None
        yield
    finally:
        handle.close()  # closing releases the lock


def ingest_folder(
    engine: Engine,
    folder: Path,
    settings: LoadSettings = LoadSettings(),
    on_outcome: Callable[[IngestOutcome], None] | None = None,
) -> list[IngestOutcome]:
    """Load every waiting file of `folder` (each in its own transaction) and move it to done/ or rejected/."""
    folder = Path(folder)
    outcomes: list[IngestOutcome] = []

    def finish(outcome: IngestOutcome) -> None:
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    with folder_lock(folder):
        plan = plan_ingest(folder)
        for unreadable in (f for f in plan if f.kind is None):
            moved = _move(
                unreadable.path, folder / REJECTED, "\n".join([unreadable.reason, *unreadable.details])
            )
            finish(IngestOutcome(unreadable.path.name, None, "rejected", unreadable.reason, moved))
        for kind in KINDS:
            paths = [f.path for f in plan if f.kind == kind]
            if paths:
                load_files(engine, kind, paths, settings, on_result=lambda r: finish(_settle(r)))
    return outcomes


def _settle(result: LoadResult) -> IngestOutcome:
    """Move a loaded, skipped or rejected file where it belongs, as soon as its transaction is over."""
    path = Path(result.file)
    if result.status == "rejected":
        moved = _move(path, path.parent / REJECTED, result.message)
        return IngestOutcome(path.name, result.kind, "rejected", result.message, moved)
    moved = _move(path, path.parent / DONE)
    detail = (
        result.message
        if result.status == "skipped"
        else f"{result.loaded:,} rows loaded ({result.updated:,} updates), {result.quarantined:,} quarantined"
    )
    return IngestOutcome(path.name, result.kind, result.status, detail, moved)


def _move(path: Path, target_dir: Path, reason: str | None = None) -> Path:
    """Move `path` into `target_dir` (a numbered name if taken); write the reason beside a rejected file."""
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    number = 1
    while target.exists():
        target = target_dir / f"{path.stem}.{number}{path.suffix}"
        number += 1
    shutil.move(os.fspath(path), os.fspath(target))
    if reason is not None:
        target.with_name(target.name + ".txt").write_text(reason + "\n", encoding="utf-8")
    log.info("moved %s to %s", path, target)
    return target
