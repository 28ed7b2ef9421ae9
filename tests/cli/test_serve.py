"""`cashless serve` becomes the Streamlit server itself, so a service manager's stop signal ends it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.browser import free_port


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_serve_answers_on_its_address_and_stops_on_sigterm(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cashless",
            "serve",
            "--headless",
            "--address",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not _healthy(base):
            assert process.poll() is None, "cashless serve ended before answering"
            assert time.monotonic() < deadline, "cashless serve did not answer within 60 s"
            time.sleep(0.3)
        with open(f"/proc/{process.pid}/cmdline", "rb") as cmdline:  # the same process, now Streamlit
            assert b"streamlit" in cmdline.read()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        assert not _healthy(base)  # nothing left serving: no orphaned Streamlit behind the command
    finally:
        if process.poll() is None:
            process.kill()
