"""Model benchmark on the demo province, on one warehouse or several side by side (issue 15).

Runs `cashless model train` and `cashless model score` as whole commands (so start-up, reading the
warehouse and writing the results are counted), --repeat times each per warehouse, the warehouses
taking turns so that they share the machine's load alike. Prints per warehouse the wall time and
each command's own peak memory (min, median, max), the phases of training (from each run's report)
and of scoring (from the command's output), and the load average at every run: the 2-core machine
is shared and timings move with it. Needs the demo loaded first.

    python bench/model.py [--repeat 3] [--url sqlite:////work/x1/model.db] [--url sqlite:////work/x10/model.db]

Artefacts go to a model-artefacts folder next to each SQLite file (CASHLESS_MODELS_DIR otherwise), so
the warehouses' models do not mix. A 10x warehouse: `DATABASE_URL=sqlite:////somewhere/x10.db cashless
demo --scale 10 --out /somewhere/x10-files` (about 40 min, 7.6 GB).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from cashless.settings import ModelSettings, database_url, models_dir  # noqa: E402
from models.runs import model_run  # noqa: E402
from warehouse import metrics  # noqa: E402
from warehouse.db import make_engine  # noqa: E402

CLI = [sys.executable, "-m", "cashless"]
COMMANDS = ("train", "score")
SCORE_PHASES = re.compile(r"in [\d.]+ s \((?P<phases>[^)]*)\)\s*$", re.MULTILINE)


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def artefact_folder(url: str) -> str:
    """A model-artefacts folder next to a SQLite warehouse; the usual models folder for others."""
    database = make_url(url).database
    if make_url(url).get_backend_name() == "sqlite" and database and database != ":memory:":
        return str(Path(database).resolve().parent / "model-artefacts")
    return str(models_dir())


def run_command(action: str, url: str) -> dict:
    """Wall seconds, the command's own CPU seconds (user + system: steadier than wall time on a shared
    machine) and peak resident memory (MB), and its phases (seconds by name)."""
    env = {**os.environ, "DATABASE_URL": url, "CASHLESS_MODELS_DIR": artefact_folder(url)}
    started = time.perf_counter()
    process = subprocess.Popen([*CLI, "model", action], env=env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"cashless model {action} failed on {url}:\n{output}")
    if action == "train":
        with make_engine(url).connect() as conn:
            phases = dict(model_run(conn)["report"]["timings"])
    else:
        found = SCORE_PHASES.search(output)
        phases = dict(_phase(part) for part in found["phases"].split(", ")) if found else {}
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "cpu": cpu, "peak": usage.ru_maxrss / 1024, "phases": phases}


def _phase(part: str) -> tuple[str, float]:
    name, seconds = part.rsplit(" ", 1)
    return name, float(seconds)


def describe(url: str) -> str:
    with make_engine(url).connect() as conn:
        last = metrics.data_period(conn)[1]
        payments = conn.exec_driver_sql("SELECT COUNT(*) FROM payments").scalar()
        customers = conn.exec_driver_sql("SELECT COUNT(*) FROM customers").scalar()
    if last is None:
        raise SystemExit(f"no data in {url}: run `cashless demo` first")
    return f"{customers:,} customers, {payments:,} payments up to {last}"


def spread(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def summary(values: list[float]) -> str:
    return " ".join(f"{v:7.1f}" for v in spread(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", action="append", help="warehouse (repeat for side by side); default DATABASE_URL"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command per warehouse")
    args = parser.parse_args()
    urls = args.url or [database_url()]

    settings = ModelSettings()
    print(
        f"horizon {settings.horizon_months} months, {settings.training_cutoffs} monthly cut-offs per fit, "
        f"{settings.threads} thread(s); {os.cpu_count()} cores"
    )
    for i, url in enumerate(urls, start=1):
        print(f"#{i} {url}: {describe(url)}; artefacts in {artefact_folder(url)}")
    runs = {url: {action: [] for action in COMMANDS} for url in urls}
    for repeat in range(args.repeat):
        for i, url in enumerate(urls, start=1):
            for action in COMMANDS:
                before = load()
                run = run_command(action, url)
                runs[url][action].append(run)
                phases = ", ".join(f"{name} {seconds:.1f}" for name, seconds in run["phases"].items())
                print(
                    f"  #{i} {action} {repeat + 1}/{args.repeat}: {run['wall']:.1f} s (cpu {run['cpu']:.1f} s), "
                    f"{run['peak']:.0f} MB "
                    f"({phases}); load {before} -> {load()}",
                    flush=True,
                )

    heads = [f"{what}: min  median     max" for what in ("wall s", "cpu s", "peak MB")]
    print(f"\n{'':<3} {'command':<12} " + " ".join(f"{head:>28}" for head in heads))
    for i, url in enumerate(urls, start=1):
        for action in COMMANDS:
            done = runs[url][action]
            cells = " ".join(f"{summary([r[key] for r in done]):>28}" for key in ("wall", "cpu", "peak"))
            print(f"#{i:<2} {'model ' + action:<12} {cells}")
    for i, url in enumerate(urls, start=1):
        for action in COMMANDS:
            done = runs[url][action]
            names = list(dict.fromkeys(name for r in done for name in r["phases"]))
            cells = "; ".join(
                f"{name} "
                + "/".join(
                    f"{v:.1f}" for v in spread([r["phases"][name] for r in done if name in r["phases"]])
                )
                for name in names
            )
            print(f"#{i:<2} {action} phases (s, min/median/max): {cells}")
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
