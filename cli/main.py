"""The `cashless` entry point: one parser made of the command groups, one place that turns errors into a line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib import metadata
from pathlib import Path

from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

from cashless.errors import UserFacingError
from cli import (
    alerts,
    channels,
    db,
    demo,
    forecast,
    ingest,
    kpi,
    load,
    model,
    outreach,
    quarantine,
    report,
    serve,
    targets,
    users,
)
from cli.common import first_line
from cli.examples import add_examples

LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

GROUPS = {
    "db": db,
    "load": load,
    "quarantine": quarantine,
    "ingest": ingest,
    "kpi": kpi,
    "forecast": forecast,
    "targets": targets,
    "alerts": alerts,
    "model": model,
    "outreach": outreach,
    "report": report,
    "users": users,
    "channels": channels,
    "demo": demo,
    "serve": serve,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cashless",
        description="Cashless adoption analytics: load billing exports, track targets, score and plan outreach.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress details (= --log-level INFO)"
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("CASHLESS_LOG_LEVEL", "WARNING").upper(),
        type=str.upper,
        choices=LOG_LEVELS,
        help="DEBUG, INFO, WARNING (default; or CASHLESS_LOG_LEVEL) or ERROR",
    )
    parser.add_argument("--log-file", type=Path, help="append the log to this file as well as stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS.values():
        group.register(commands)
    add_examples(parser)
    return parser


def package_version() -> str:
    """The installed package's version (pyproject.toml), or 'unknown' when run from a bare checkout."""
    try:
        return metadata.version("cashless")
    except metadata.PackageNotFoundError:
        return "unknown"


def configure_logging(level: str, log_file: Path | None) -> None:
    """Timestamped log lines on stderr and, when asked, appended to `log_file`."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(level=level, format=LOG_FORMAT, handlers=handlers, force=True)


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 1 with a one-line reason on stderr on failure (no traceback)."""
    args = build_parser().parse_args(argv)
    try:
        configure_logging(
            "INFO" if args.verbose and args.log_level == "WARNING" else args.log_level, args.log_file
        )
    except OSError as error:
        print(f"cashless: cannot write the log file {args.log_file} ({error.strerror})", file=sys.stderr)
        return 1
    except ValueError:
        print(
            f"cashless: unknown log level '{args.log_level}' (one of {', '.join(LOG_LEVELS)})",
            file=sys.stderr,
        )
        return 1
    try:
        return GROUPS[args.command].run(args) or 0
    except UserFacingError as error:
        print(f"cashless: {error}", file=sys.stderr)
        return 1
    except OperationalError as error:
        print(f"cashless: cannot use the database ({first_line(error)}); check DATABASE_URL", file=sys.stderr)
        return 1
    except ProgrammingError as error:
        print(f"cashless: database error ({first_line(error)}); run `cashless db upgrade`", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `cashless kpi | head`: the reader has gone, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except DatabaseError as error:  # e.g. DATABASE_URL names a file that is not an SQLite database
        print(f"cashless: database error ({first_line(error)}); check DATABASE_URL", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cashless: interrupted; the file being loaded was rolled back", file=sys.stderr)
        return 130
