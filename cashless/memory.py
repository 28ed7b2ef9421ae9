"""The process's memory: what it holds and giving back what it no longer uses."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache


def give_back_memory() -> None:
    """Return the heap's free memory to the system (glibc's malloc_trim; nothing elsewhere).

    Large arrays freed after a snapshot refresh otherwise stay counted against the loading process
    while the helper starts again beside it: at 10x that was 0.2 GB of the load's peak.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None
