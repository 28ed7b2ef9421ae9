"""`cashless quarantine`: a load run's quarantined rows with their reasons, to fix and load again."""

from __future__ import annotations

import sys
from pathlib import Path

from cli.common import open_engine


def register(commands) -> None:
    command = commands.add_parser(
        "quarantine",
        help="write a load run's quarantined rows plus the reason as CSV, to fix and send again",
        description="The run ids are on the data page and in load_runs; --lang en for English reasons.",
    )
    command.add_argument("run_id", type=int, help="the load run (one loaded file)")
    command.add_argument("-o", "--output", type=Path, help="CSV file to write (default: standard output)")
    command.add_argument("--lang", choices=["vi", "en"], default="vi")


def run(args) -> int:
    from etl.quarantine import quarantine_download
    from warehouse.access import operator

    with open_engine().connect() as conn:
        content = quarantine_download(conn, operator(), args.run_id, args.lang)
    if args.output:
        args.output.write_bytes(content)
    else:
        sys.stdout.write(content.decode("utf-8-sig"))
    return 0
