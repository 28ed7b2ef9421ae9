"""`cashless ingest DIR`: load every new export of a drop folder, then file it under done/ or rejected/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cashless.settings import LoadSettings
from cli.common import open_engine

EXAMPLE = """example:
  cashless ingest /srv/cashless/drop            # load what is new, move it to done/ or rejected/
  cashless ingest /srv/cashless/drop --dry-run  # only say what would be loaded, in which order

Files are recognised by their header (customers or payments), never by their name; customers load
first. A file still being copied should end in .part until complete. Exit status 1 when a file was
rejected (its reason is in rejected/NAME.txt), 0 otherwise, also when there was nothing to do."""


def register(commands) -> None:
    ingest = commands.add_parser(
        "ingest",
        help="load every new file of a drop folder (kind told by the header)",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ingest.add_argument("folder", type=Path, metavar="DIR", help="the drop folder")
    ingest.add_argument("--dry-run", action="store_true", help="list what would be done; change nothing")


def run(args) -> int:
    from etl.ingest import FolderBusy

    try:
        return _ingest(args)
    except FolderBusy as busy:  # the run in progress will load what is waiting: nothing is wrong
        print(f"cashless: {busy}; nothing done", file=sys.stderr)
        return 0


def _ingest(args) -> int:
    from etl.ingest import folder_lock, ingest_folder, plan_ingest

    if args.dry_run:
        with folder_lock(args.folder):
            plan = plan_ingest(args.folder)
        for step in plan:
            action = f"load as {step.kind}" if step.kind else f"reject: {step.reason}"
            print(f"{step.path.name}: would {action}")
        print(f"{len(plan)} file(s) waiting; nothing done (dry run)")
        return 0
    engine = open_engine()
    outcomes = ingest_folder(
        engine, args.folder, LoadSettings(progress=False), on_outcome=lambda o: print(o.line())
    )
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("loaded", "skipped", "rejected")}
    if counts["loaded"]:
        _keep_year_forecast(engine)
    print(
        f"{len(outcomes)} file(s): {counts['loaded']} loaded, {counts['skipped']} already loaded, "
        f"{counts['rejected']} rejected"
        if outcomes
        else "nothing new"
    )
    return 1 if counts["rejected"] else 0


def _keep_year_forecast(engine) -> None:
    """Fit the pages' year forecast now: the routine runs unattended, a visitor would wait for it.
    Only a saving: if it fails, the loads still stand and the first visit makes it (one line, exit 0)."""
    from models.forecast import keep_year_forecast

    try:
        keep_year_forecast(engine)
    except Exception as error:  # any failure: the files are loaded, the pages make the forecast instead
        print(f"cashless: year forecast not kept ({type(error).__name__}: {error})", file=sys.stderr)
