"""The Streamlit app on the hand-made fixture, an empty database and a database without schema."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cashless.settings import ROOT
from tests.warehouse.province_fixture import write_fixture
from warehouse.db import make_engine
from warehouse.loading import load_files
from warehouse.migrate import upgrade

APP = str(ROOT / "dashboard" / "app.py")


def _app(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=60).run()


def _text(app: AppTest) -> str:
    parts = [e.value for e in app.markdown] + [e.value for e in app.subheader] + [e.value for e in app.title]
    parts += [m.value for m in app.metric] + [w.value for w in app.warning] + [i.value for i in app.info]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def fixture_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    upgrade(engine)
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    load_files(engine, "payments", paths[1:3])  # up to February
    engine.dispose()
    return url


def test_overview_shows_the_province_headline_in_vietnamese(monkeypatch, fixture_url):
    app = _app(monkeypatch, fixture_url)
    assert not app.exception
    text = _text(app)
    assert "5/9 khách hàng, đạt 55,56%" in text
    assert "55,56%" in [m.value for m in app.metric]


def test_english_switch(monkeypatch, fixture_url):
    app = _app(monkeypatch, fixture_url)
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert "5/9 customers, 55.56%" in _text(app)


def test_empty_database_says_what_to_do(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(make_engine(url))
    app = _app(monkeypatch, url)
    assert not app.exception
    assert "cashless demo" in _text(app)


def test_database_without_schema_says_upgrade(monkeypatch, tmp_path):
    app = _app(monkeypatch, f"sqlite:///{tmp_path / 'none.db'}")
    assert not app.exception
    assert "cashless db upgrade" in _text(app)


def test_unreachable_database_is_a_message_not_a_traceback(monkeypatch):
    app = _app(monkeypatch, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert not app.exception
    assert "DATABASE_URL" in _text(app)
