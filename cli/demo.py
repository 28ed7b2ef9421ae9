"""`cashless demo`: generate the demo province, load it, set the plan and accounts, train and score."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cashless.settings import DEMO_PASSWORD, DEMO_TARGETS_CSV, DEMO_USERS, GENERATED_DIR
from cli import kpi, model
from cli.common import open_engine
from cli.load import load_and_report


def register(commands) -> None:
    demo = commands.add_parser("demo", help="generate the demo province, load it, train: ready to browse")
    demo.add_argument("--scale", type=float, default=1.0, help="customers relative to the real province")
    demo.add_argument("--out", type=Path, default=GENERATED_DIR, help="where to write the raw files")
    demo.add_argument("--regenerate", action="store_true", help="write the files even if present")


def run(args) -> int:
    from etl.synthetic import DemoFiles, generate_province
    from models.forecast import keep_year_forecast
    from warehouse.migrate import upgrade

    engine = open_engine(upgrade_required=False)
    upgrade(engine)
    claim_demo_database(engine)  # before the slow part: refuses a database with data of its own
    out: Path = args.out
    marker = out / ".complete"  # holds the scale of a finished generation
    if args.regenerate or not marker.exists() or marker.read_text().strip() != f"{args.scale:g}":
        marker.unlink(missing_ok=True)
        files = generate_province(out, scale=args.scale, progress=True)
        marker.write_text(f"{args.scale:g}\n")
    else:
        print(f"using the demo files already in {out} (--regenerate to write them again)")
        files = DemoFiles(customers=sorted(out.glob("customers_*")), payments=sorted(out.glob("payments_*")))
    for kind, paths in (("customers", files.customers), ("payments", files.payments)):
        load_and_report(engine, kind, paths)
    keep_year_forecast(engine)
    import_demo_targets(engine)
    create_demo_users(engine)
    print(f"sign in as admin, executive, planner or manager.yenson with the password '{DEMO_PASSWORD}'")
    kpi.print_kpi(engine, by="province")
    model.train(engine)
    model.score(engine)
    simulate_outreach_waves(engine)
    return 0


def simulate_outreach_waves(engine) -> None:
    """Three past outreach waves with control groups and outcomes, then the uplift model learnt from them.

    Only on a warehouse without lists (a second `cashless demo` leaves them as they are).
    """
    from models.waves import learn_uplift, simulate_waves
    from warehouse.access import operator
    from warehouse.metrics import data_period

    with engine.connect() as conn:
        if conn.exec_driver_sql("SELECT COUNT(*) FROM outreach_lists").scalar():
            print("outreach lists already recorded: no demo waves added")
            return
        last = data_period(conn)[1]
    month_end = pd.Timestamp(last).to_period("M").to_timestamp(how="end").normalize()
    cutoffs = [(month_end - pd.offsets.MonthEnd(months)).date() for months in (9, 6, 3)]
    made = simulate_waves(engine, operator(), cutoffs)
    print(f"demo outreach waves: {len(made)} lists on {', '.join(d.isoformat() for d in cutoffs)}")
    evaluation = learn_uplift(engine, operator())
    model.print_uplift(evaluation)


def claim_demo_database(engine) -> None:
    """Record that the demo made this database, or refuse one holding data or accounts of its own."""
    from warehouse import access

    with engine.begin() as conn:
        access.claim_for_demo(conn)


def create_demo_users(engine) -> None:
    """One account per role for the demo (README: Signing in), only in a database the demo made;
    existing accounts are left alone."""
    from warehouse import access

    with engine.begin() as conn:
        access.add_demo_users(conn, DEMO_USERS, DEMO_PASSWORD)


def import_demo_targets(engine) -> None:
    """The demo plan (data/demo_targets.csv) when no target has been set yet."""
    from warehouse.access import Viewer
    from warehouse.targets import explicit_targets, import_targets, read_targets_csv

    with engine.begin() as conn:
        if explicit_targets(conn).empty:
            import_targets(conn, read_targets_csv(DEMO_TARGETS_CSV), Viewer("demo", "admin"))
