"""The `cashless` entry point: one parser made of the command groups, one place that turns errors into a line."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

from cashless.errors import UserFacingError
from cli import (
    channels,
    db,
    demo,
    forecast,
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

GROUPS = {
    "db": db,
    "load": load,
    "quarantine": quarantine,
    "kpi": kpi,
    "forecast": forecast,
    "targets": targets,
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
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS.values():
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 1 with a one-line reason on stderr on failure (no traceback)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
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
