"""`cashless serve`: start the Streamlit app."""

from __future__ import annotations

import os
import sys

from cashless.settings import DEMO_PASSWORD, ROOT, database_url


def register(commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="start the Streamlit app",
        description="Serves the app (sign-in, pages) on http://localhost:PORT. Example: cashless serve --port 8501",
    )
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", help="address to listen on, e.g. 127.0.0.1 behind a proxy (default: all)")
    serve.add_argument("--headless", action="store_true", help="do not try to open a browser")


def run(args) -> int:
    os.environ.setdefault("DATABASE_URL", database_url())
    warn_demo_passwords()
    command = streamlit_command(args.port, args.headless, args.address)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)  # Streamlit takes this process over: a stop signal reaches it


def streamlit_command(port: int, headless: bool = True, address: str | None = None) -> list[str]:
    """The Streamlit command line that serves the app (the tests and benchmarks serve it so too)."""
    # The launcher mounts the session-cookie routes beside the app (dashboard/server.py).
    app = ROOT / "dashboard" / "server.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    # Tables' own CSV buttons would let personal data (outreach lists) leave unrecorded; every page
    # offers its downloads through buttons instead, and outreach downloads are recorded.
    command += ["--client.disableDataExport", "true"]
    # Users see the app, not Streamlit's developer menu ("Deploy", rerun settings); nothing phones home.
    command += ["--client.toolbarMode", "viewer", "--browser.gatherUsageStats", "false"]
    # No reloading on source changes: the watcher walked every imported module after each run (3.6 s
    # of the sign-in to the overview on the event loop, measured with py-spy on the 2-core machine).
    command += ["--server.fileWatcherType", "none"]
    if address:
        command += ["--server.address", address]
    if headless:
        command += ["--server.headless", "true"]
    return command


def warn_demo_passwords() -> None:
    """Say so on stderr while any account still has the demo's published password."""
    from warehouse import access
    from warehouse.db import make_engine

    try:
        engine = make_engine(database_url())
    except Exception:  # a malformed URL: the app itself explains that
        return
    try:
        with engine.connect() as conn:
            found = access.accounts_with_password(conn, DEMO_PASSWORD)
    except Exception:  # no schema or no database yet: the app itself explains that
        return
    finally:
        engine.dispose()
    if found:
        print(
            f"WARNING: {len(found)} account(s) still have the demo password '{DEMO_PASSWORD}' "
            f"({', '.join(found)}); change them (cashless users reset-password USER) or disable them",
            file=sys.stderr,
        )
