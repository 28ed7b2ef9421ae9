"""An example for every command's --help (argparse epilog), kept in one place so they stay alike."""

from __future__ import annotations

import argparse

EXAMPLES = {
    "": "cashless kpi --as-of 2025-02-28 --by office\n  cashless ingest /srv/cashless/drop\n  cashless COMMAND --help",
    "db": "cashless db upgrade\n  cashless db status",
    "db upgrade": "DATABASE_URL=postgresql+psycopg://cashless@db:5432/cashless cashless db upgrade",
    "db refresh": "cashless db refresh          # after an interrupted load\n  cashless db refresh --full   # rebuild every snapshot",
    "load": "cashless load customers KH_2025-02.csv\n  cashless load payments TT_2025-01.csv TT_2025-02.xlsx",
    "kpi": "cashless kpi --as-of 2025-02-28 --by office --format csv",
    "targets": "cashless targets status --as-of 2025-02-28",
    "targets import": "cashless targets import plan_2025.csv   # office_code,period_type,period,target_rate",
    "targets export": "cashless targets export plan.csv",
    "targets status": "cashless targets status --as-of 2025-02-28 --office PA1102 --format csv",
    "model": "cashless model train && cashless model score",
    "model train": "cashless model train --cutoff 2025-01-31",
    "model score": "cashless model score --as-of 2025-02-28",
    "model report": "cashless model report --format json",
    "outreach": "cashless outreach export --office PA1102 --top 500 --format xlsx -o yenson.xlsx",
    "outreach export": "cashless outreach export --office PA1102 --top 500 --format xlsx -o yenson.xlsx",
    "outreach lists": "cashless outreach lists --office PA1102 --format csv",
    "outreach import-outcomes": "cashless outreach import-outcomes yenson_returned.xlsx",
    "report": "cashless report weekly --as-of 2025-02-28 -o review.pdf",
    "users": "cashless users add nguyen.van.a --role manager --office PA1102 --email a@example.vn",
    "users add": "cashless users add nguyen.van.a --role manager --office PA1102 --email a@example.vn\n  echo 'a long password' | cashless users add it.admin --role admin",
    "users list": "cashless users list",
    "users disable": "cashless users disable nguyen.van.a",
    "users enable": "cashless users enable nguyen.van.a",
    "quarantine": "cashless quarantine 12 -o fix_me.csv   # the run's bad rows with a reason, to fix and send again",
    "forecast": "cashless forecast --as-of 2025-02-28 --to 2025-12-31 --format csv\n  cashless forecast backtest --horizon 3",
    "outreach plan": "cashless outreach plan --as-of 2025-02-28 --capacity visits.csv --weeks 4 -o plan.xlsx   # office_code,visits_per_week",
    "users reset-password": "cashless users reset-password nguyen.van.a   # prints a one-time password",
    "channels": "cashless channels unknown\n  cashless channels map SmartPay --category e_wallet",
    "channels unknown": "cashless channels unknown",
    "channels map": "cashless channels map 'Thu hộ XYZ' --category intermediary --channel XYZ",
    "demo": "cashless demo --scale 0.1   # a tenth of the demo province, quicker",
    "serve": "cashless serve --port 8501 --headless",
}


def add_examples(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> None:
    """Give `parser` and each of its sub-commands the example above, unless it has its own epilog."""
    example = EXAMPLES.get(" ".join(path))
    if example and parser.epilog is None:
        parser.epilog = f"example:\n  {example}"
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                add_examples(sub, (*path, name))
