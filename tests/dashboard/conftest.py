"""A warehouse holding the hand-made province (tests/warehouse/province_fixture.py) up to February,
two targets, and one account per role, for the page tests."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.load import load_files
from etl.synthetic import generate_province
from models.runs import score_and_store, train_and_store
from tests.browser import browser
from tests.warehouse.province_fixture import write_fixture
from warehouse.access import Viewer, add_user
from warehouse.db import make_engine
from warehouse.migrate import upgrade
from warehouse.targets import import_targets

PASSWORD = "page-tests-1"
USERS = {
    "admin": ("admin", None),
    "boss": ("executive", None),
    "plan": ("planner", None),
    "yenson": ("manager", "PA1102"),
}
# PA1101: 80% for 2025 (cascades from 0% on 31/12/2024); PA1102: 70% for Q1 2025.
TARGETS = pd.DataFrame(
    [("PA1101", "year", "2025", "80%"), ("PA1102", "quarter", "2025-Q1", "0.7")],
    columns=["office_code", "period_type", "period", "target_rate"],
)


def build_fixture_warehouse(folder) -> str:
    """Load the fixture into a fresh SQLite file under `folder`; returns its URL."""
    url = f"sqlite:///{folder / 'pages.db'}"
    engine = make_engine(url)
    upgrade(engine)
    paths = write_fixture(folder)
    load_files(engine, "customers", [paths[0]])
    load_files(engine, "payments", paths[1:3])  # January and February
    with engine.begin() as conn:
        import_targets(conn, TARGETS, Viewer("fixture", "admin"))
        for username, (role, office) in USERS.items():
            add_user(conn, username, PASSWORD, role, office)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory):
    return build_fixture_warehouse(tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def model_url(tmp_path_factory):
    """A scale-0.02 province in SQLite, trained and scored, with one account per role."""
    folder = tmp_path_factory.mktemp("model-pages")
    files = generate_province(folder / "files", scale=0.02)
    url = f"sqlite:///{folder / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_files(engine, "customers", files.customers)
    load_files(engine, "payments", files.payments)
    admin = Viewer("admin", "admin")
    train_and_store(engine, admin, folder=folder / "models")
    score_and_store(engine, admin)
    with engine.begin() as conn:
        for username, (role, office) in USERS.items():
            add_user(conn, username, PASSWORD, role, office)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per browser test module."""
    with browser() as instance:
        yield instance
