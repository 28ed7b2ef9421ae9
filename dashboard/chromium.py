"""Where Chromium is and how to start it headless on a closed network (the weekly PDF, the page tests)."""

from __future__ import annotations

import os
import shutil

# No background networking or component updates: on a machine without internet they only fail.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str | None:
    """CASHLESS_CHROMIUM, else Debian's `chromium` on the PATH, else None."""
    return os.environ.get("CASHLESS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def launch_flags() -> list[str]:
    return list(FLAGS)
