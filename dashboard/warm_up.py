"""What the server does once at start-up so that no user's first visit or rerun pays for it.

The pages' libraries are imported here (statsmodels' ETS alone takes ~1.3 s to import, scikit-learn
~0.6 s, Plotly Express ~0.3 s): Streamlit runs every page in this process, so a module imported
once stays imported. Numerical libraries get one thread each: pages run side by side in threads of
this one process, and on a small server two BLAS threads per computation spin-wait on each other
(the year forecast took 0.49 s on one thread, 0.87–1.66 s on two, on the 2-core machine under load).
"""

from __future__ import annotations

import gc
import importlib
import logging
import time

from threadpoolctl import threadpool_limits

log = logging.getLogger(__name__)

# what the pages import beyond Streamlit, heaviest first
PAGE_LIBRARIES = (
    "statsmodels.tsa.exponential_smoothing.ets",
    "sklearn.ensemble",
    "models.forecast",
    "models.outreach",
    "models.runs",
    "models.plan",
    "plotly.express",
    "plotly.graph_objects",
    "dashboard.weekly_report",
    "dashboard.tables",
    "pandas.io.formats.style",  # the tables' Styler; its templates load on first import (~40 ms)
    "xlsxwriter",
)


def warm_up() -> None:
    """Import the pages' libraries, then limit the BLAS and OpenMP they loaded to one thread."""
    started = time.perf_counter()
    for name in PAGE_LIBRARIES:
        importlib.import_module(name)
    threadpool_limits(1)  # applies to the libraries loaded so far, hence after the imports
    # Streamlit collects garbage after every run; what the imports made lives as long as the server,
    # so it is set aside once instead of being walked again on every run.
    gc.freeze()
    log.info("page libraries imported in %.1f s", time.perf_counter() - started)
