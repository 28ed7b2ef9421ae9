"""`cashless serve`: start the Streamlit app."""

from __future__ import annotations

import os
import subprocess
import sys

from cashless.settings import ROOT, database_url


def register(commands) -> None:
    serve = commands.add_parser("serve", help="start the Streamlit app")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--headless", action="store_true", help="do not try to open a browser")


def run(args) -> int:
    app = ROOT / "dashboard" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    # Tables' own CSV buttons would let personal data (outreach lists) leave unrecorded; every page
    # offers its downloads through buttons instead, and outreach downloads are recorded.
    command += ["--client.disableDataExport", "true"]
    # Users see the app, not Streamlit's developer menu ("Deploy", rerun settings); nothing phones home.
    command += ["--client.toolbarMode", "viewer", "--browser.gatherUsageStats", "false"]
    if args.headless:
        command += ["--server.headless", "true"]
    os.environ.setdefault("DATABASE_URL", database_url())
    return subprocess.call(command)
