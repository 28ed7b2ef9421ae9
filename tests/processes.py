"""The `cashless` command run as its own process, as users and scripts run it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

_PROGRESS = re.compile(r"([\d.]+)([kM]?) rows")
_SCALE = {"": 1, "k": 1_000, "M": 1_000_000}


def url_of(engine) -> str:
    """The DATABASE_URL of an engine, password included, for a child process."""
    return engine.url.render_as_string(hide_password=False)


def cashless(url: str, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `cashless ARGS` with DATABASE_URL=url; by default the command must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "cashless", *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


class WatchedLoad:
    """`cashless load KIND FILE` with stderr on a pseudo-terminal, so it draws its progress bar."""

    def __init__(self, url: str, kind: str, path: Path) -> None:
        primary, secondary = pty.openpty()
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # tqdm needs a width
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cashless", "load", kind, str(path)],
            env={**os.environ, "DATABASE_URL": url},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=secondary,
        )
        os.close(secondary)
        self.terminal = primary
        self.progress = ""

    def wait_for_rows(self, rows: int, timeout: float = 300) -> int:
        """Block until the progress bar shows at least `rows` rows written; returns the count shown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.rows_shown() < rows and self._read_terminal():
            pass
        if self.rows_shown() < rows:
            raise AssertionError(f"no progress past {rows} rows; the command printed: {self.progress!r}")
        return self.rows_shown()

    def _read_terminal(self) -> bool:
        """Read what the command wrote to its terminal; False once it has ended and all is read."""
        ready, _, _ = select.select([self.terminal], [], [], 0.2)
        if not ready:
            return self.process.poll() is None
        try:
            self.progress += os.read(self.terminal, 4096).decode(errors="replace")
        except OSError:  # the terminal closes when the command ends
            return False
        return True

    def rows_shown(self) -> int:
        counts = [float(value) * _SCALE[unit] for value, unit in _PROGRESS.findall(self.progress)]
        return int(max(counts, default=0))

    def kill(self, timeout: float = 60) -> None:
        """SIGKILL: no handler, no rollback, no cleanup in the process.

        Helper processes it started (if any) must then end by themselves, not linger as orphans.
        """
        helpers = _children(self.process.pid)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=timeout)
        os.close(self.terminal)
        deadline = time.monotonic() + timeout
        while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in helpers if _alive(pid)], "helper processes outlived the killed load"

    def finish(self, timeout: float = 300) -> str:
        """Wait for the command to end; it must succeed. Returns its standard output."""
        out, _ = self.process.communicate(timeout=timeout)
        while self._read_terminal():
            pass
        os.close(self.terminal)
        assert self.process.returncode == 0, self.progress[-3000:]
        return out.decode()


def _children(pid: int) -> list[int]:
    """Process ids of `pid`'s children (Linux /proc)."""
    tasks = Path(f"/proc/{pid}/task")
    return [int(child) for task in tasks.iterdir() for child in (task / "children").read_text().split()]


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its parent to reap it counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
