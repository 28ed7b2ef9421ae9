"""Model benchmark on the demo province (issue: the model and the outreach list).

Runs `cashless model train` and `cashless model score` as whole commands (so start-up, reading the
warehouse and writing the results are counted) a few times each and prints wall time and each
command's own peak memory, the training phases from the run's report, and the machine's load
average (the 2-core machine is shared: timings move with it). Needs the demo loaded first.

    python bench/model.py [--repeat 3] [--url sqlite:///data/cashless.db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cashless.settings import ModelSettings, database_url  # noqa: E402
from models.runs import model_run  # noqa: E402
from warehouse import metrics  # noqa: E402
from warehouse.db import make_engine  # noqa: E402

CLI = [sys.executable, "-m", "cashless"]


def run_command(args: list[str], url: str) -> tuple[float, float]:
    """Wall seconds and the command's own peak resident memory (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, *args], env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"cashless {' '.join(args)} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def summary(values: list[float], unit: str) -> str:
    return f"{min(values):6.1f} {statistics.median(values):6.1f} {max(values):6.1f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default=database_url())
    args = parser.parse_args()

    engine = make_engine(args.url)
    with engine.connect() as conn:
        last = metrics.data_period(conn)[1]
        payments = conn.exec_driver_sql("SELECT COUNT(*) FROM payments").scalar()
        customers = conn.exec_driver_sql("SELECT COUNT(*) FROM customers").scalar()
    if last is None:
        raise SystemExit("no data: run `cashless demo` first")
    settings = ModelSettings()
    print(
        f"{customers:,} customers, {payments:,} payments up to {last}; horizon {settings.horizon_months} months, "
        f"{settings.training_cutoffs} monthly cut-offs per fit, {settings.threads} thread(s)"
    )
    print(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    results = {}
    for command in (["model", "train"], ["model", "score"]):
        runs = [run_command(command, args.url) for _ in range(args.repeat)]
        results[" ".join(command)] = runs
        if command[1] == "train":
            with engine.connect() as conn:
                timings = model_run(conn)["report"]["timings"]
            phases = ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items())
            print(f"  last training's phases (s, in process): {phases}")
    print(f"{'command':<14} {'wall s: min median max':>26} {'peak MB: min median max':>28}")
    for name, runs in results.items():
        print(
            f"{name:<14} {summary([r[0] for r in runs], 's'):>26} {summary([r[1] for r in runs], 'MB'):>28}"
        )
    print(f"load average at end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
