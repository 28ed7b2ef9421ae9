"""Cached access to the warehouse for the pages: the engine once, loaders with a short ttl.

Every loader takes the office scope as an argument, since st.cache_data is shared by all users.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from cashless.settings import database_url
from warehouse import metrics
from warehouse.db import make_engine
from warehouse.migrate import current_revision, head_revision


@st.cache_resource
def engine() -> Engine:
    return make_engine(database_url())


def schema_state() -> str:
    """'ok', 'no_schema' or 'db_unreachable'."""
    try:
        return "ok" if current_revision(engine()) == head_revision() else "no_schema"
    except Exception:  # any connection failure: the page explains, never a traceback
        return "db_unreachable"


@st.cache_data(ttl=60)
def data_period() -> tuple[dt.date | None, dt.date | None]:
    with engine().connect() as conn:
        return metrics.data_period(conn)


@st.cache_data(ttl=60)
def kpi(as_of: dt.date, by: str, office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.kpi(conn, as_of, by=by, office=office)
