"""`cashless load`: load billing-system exports, one transaction per file."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

from cashless.errors import UserFacingError
from cashless.settings import LoadSettings
from cli.common import open_engine


def register(commands) -> None:
    load = commands.add_parser("load", help="load billing-system exports (CSV/XLSX)")
    load.add_argument("kind", choices=["customers", "payments"])
    load.add_argument("files", nargs="+", type=Path)
    load.add_argument("--quiet", action="store_true", help="no progress bars")
    load.add_argument(
        "--timings", action="store_true", help="print where the time went (start-up, parse, ...)"
    )


def run(args) -> int:
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        raise UserFacingError(f"no such file: {', '.join(missing)}")
    timings = Counter({"start-up": _seconds_since_start()}) if args.timings else None
    results = load_and_report(open_engine(), args.kind, args.files, progress=not args.quiet, timings=timings)
    if timings is not None:
        print(describe_timings(timings))
    rejected = [r for r in results if r.status == "rejected"]
    if rejected:
        raise UserFacingError(
            f"{len(rejected)} file(s) rejected, e.g. {rejected[0].file}: {rejected[0].message}"
        )
    return 0


def load_and_report(engine, kind: str, paths: list[Path], progress: bool = True, timings=None) -> list:
    """Load `paths` of one kind, printing a line per file and the totals; returns the results."""
    from etl.load import load_files

    results = load_files(
        engine,
        kind,
        paths,
        LoadSettings(progress=progress and sys.stderr.isatty()),
        on_result=lambda r: print(r.summary()),
        timings=timings,
    )
    totals = {s: sum(1 for r in results if r.status == s) for s in ("loaded", "skipped", "rejected")}
    print(
        f"{len(results)} file(s): {totals['loaded']} loaded, {totals['skipped']} skipped, "
        f"{totals['rejected']} rejected; rows: {sum(r.loaded for r in results):,} loaded, "
        f"{sum(r.quarantined for r in results):,} quarantined"
        + (f", {footers:,} footer row(s) skipped" if (footers := sum(r.footers for r in results)) else "")
    )
    return results


def describe_timings(timings: Counter) -> str:
    """One line: seconds per phase of etl.load.PHASES, plus the command's start-up."""
    from etl.load import PHASES

    return "timings: " + ", ".join(f"{phase} {timings[phase]:.2f} s" for phase in ["start-up", *PHASES])


def _seconds_since_start() -> float:
    """Seconds since this process started (interpreter, imports, engine): from /proc, without a
    dependency for one number; 0 where /proc is missing."""
    try:
        started = int(Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return 0.0
    return max(0.0, uptime - started / os.sysconf("SC_CLK_TCK"))
