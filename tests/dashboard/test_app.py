"""The Streamlit app's logic through AppTest, on the hand-made province (figures worked out in
tests/warehouse/test_metrics_fixture.py): sign-in, scoping, every page, and the error states."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from cashless.settings import ROOT
from warehouse.access import add_user
from warehouse.db import make_engine
from warehouse.migrate import upgrade

from .conftest import PASSWORD

APP = str(ROOT / "dashboard" / "app.py")


def _app(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=60).run()


def _signed_in(monkeypatch, url: str, username: str) -> AppTest:
    app = _app(monkeypatch, url)
    app.text_input(key="auth_username").input(username)
    app.text_input(key="auth_password").input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def _text(app: AppTest) -> str:
    parts = [e.value for e in app.markdown] + [e.value for e in app.subheader] + [e.value for e in app.title]
    parts += [m.value for m in app.metric] + [w.value for w in app.warning] + [i.value for i in app.info]
    parts += [e.value for e in app.error] + [e.value for e in app.success] + [c.value for c in app.caption]
    return "\n".join(str(p) for p in parts)


def test_sign_in_is_required_and_checks_the_password(monkeypatch, fixture_url):
    app = _app(monkeypatch, fixture_url)
    assert "Đăng nhập" in [b.label for b in app.button]
    assert not app.metric  # no figure before signing in
    app.text_input(key="auth_username").input("admin")
    app.text_input(key="auth_password").input("wrong password")
    app.button[0].click().run()
    assert "Sai tên đăng nhập hoặc mật khẩu" in _text(app)
    assert not app.metric


def _kinds(app: AppTest) -> set[str]:
    """The kinds of element drawn in the app's main area and sidebar (a block iterates over itself
    and everything below it)."""
    return {node.type for block in (app.main, app.sidebar) for node in block}


# drawn by the code every page loads with the app; a metric is left out of the sign-in page on
# purpose (the test above: no figure before signing in), its code is small
TEXT_KINDS = {"title", "subheader", "markdown", "caption", "info", "metric"}
LOADED_WITH_THE_APP = TEXT_KINDS | {"column", "flex_container"}


def test_the_sign_in_page_loads_the_code_of_what_the_overview_draws(monkeypatch, fixture_url):
    app = _app(monkeypatch, fixture_url)
    preloaded = _kinds(app)
    assert {"plotly_chart", "dataframe", "selectbox", "date_input", "download_button"} <= preloaded
    for user in ("admin", "yenson"):
        overview = _signed_in(monkeypatch, fixture_url, user)
        drawn = _kinds(overview)
        assert drawn - preloaded - LOADED_WITH_THE_APP == set(), user


def test_overview_shows_the_province_headline_in_vietnamese(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    text = _text(app)
    assert "5/9 khách hàng, đạt 55,56%" in text
    assert "55,56%" in [m.value for m in app.metric]
    # 21/02: 9 active (C04 ended 20/02, C11 still active), 4 cashless (C01, C02, C08, C11) -> +1, +11,11 pts.
    # 28/01: 10 active, 3 cashless (C03, C04, C07 paid by bank in January) -> +2, 55,56% - 30% = +25,56 pts.
    assert [(m.value, m.delta) for m in app.metric[:3]] == [
        ("5", "+1 · 7 ngày"),
        ("55,56%", "+11,11 điểm % · 7 ngày"),
        ("+2", "+25,56 điểm %"),
    ]
    assert "Chưa có kế hoạch cho năm 2025" in text  # targets exist for two offices, not the province


def test_english_switch(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert "5/9 customers, 55.56%" in _text(app)


def test_a_manager_sees_only_their_office(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "yenson")
    office = app.sidebar.selectbox(key="filter_office")
    assert office.options == ["Điện lực Yên Sơn (PA1102)"] and office.disabled
    # PA1102 on 28/02: active C07 C08 C09 C10 C12, cashless C08 C09 C12.
    assert "3/5 khách hàng, đạt 60,00%" in _text(app)
    # Q1 target 70%: ceil(0.7 * 5) - 3 = 1 customer still needed.
    assert "Còn thiếu 1 khách hàng" in _text(app)


def test_targets_page_shows_the_gap_and_an_edit_changes_it(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.switch_page("views/targets.py").run()
    assert not app.exception
    app.selectbox(key="targets_period").set_value("2025").run()
    # PA1101 year 80%: ceil(0.8 * 4) - 2 = 2 needed.
    detail = app.dataframe[1].value
    assert detail.set_index("Điện lực").loc["Điện lực TP Tuyên Quang", "Còn thiếu (KH)"] == 2
    # Set February for PA1101 to 100% directly: ceil(1.0 * 4) - 2 = 2 needed that month.
    app.selectbox(key="targets_period").set_value("2025-02").run()
    before = app.dataframe[1].value.set_index("Điện lực").loc["Điện lực TP Tuyên Quang"]
    assert before["Nguồn"] == "nội suy" and before["Còn thiếu (KH)"] == 0  # 0.8*59/365 of 4 is < 1
    app.selectbox(key="targets_one_office").set_value("PA1101")
    app.selectbox(key="targets_one_period").set_value("2025-02")
    app.number_input(key="targets_one_rate").set_value(100.0)
    app.button(key="FormSubmitter:targets_one-Lưu").click().run()
    assert not app.exception
    assert "Đã lưu 1 kế hoạch" in _text(app)
    after = app.dataframe[1].value.set_index("Điện lực").loc["Điện lực TP Tuyên Quang"]
    assert after["Nguồn"] == "đặt trực tiếp" and after["Còn thiếu (KH)"] == 2


def test_an_executive_cannot_edit_targets(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "boss")
    app.switch_page("views/targets.py").run()
    assert not app.exception
    assert "chỉ được xem kế hoạch" in _text(app)
    assert not [f for f in app.get("form") if "targets_one" in str(f.proto)]


def test_channels_page_lists_the_unmapped_name(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.switch_page("views/channels.py").run()
    assert not app.exception
    tables = [d.value for d in app.dataframe]
    unknown = next(t for t in tables if "Tên kênh trong tệp" in t.columns)
    assert list(unknown["Tên kênh trong tệp"]) == ["SmartPay"]
    assert unknown.iloc[0]["Lượt thanh toán"] == 1
    moves = next(t for t in tables if "Quay lại tiền mặt" in t.columns)
    # February: converted C01 C02 C08 C09, slipped C03 C07 (test_metrics_fixture works these out).
    february = moves[moves["Tháng"] == dt.date(2025, 2, 1)].iloc[0]
    assert (february["Chuyển sang không dùng tiền mặt"], february["Quay lại tiền mặt"]) == (4, 2)


def test_data_quality_page_lists_the_quarantined_rows(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.switch_page("views/data_quality.py").run()
    assert not app.exception
    rows = app.dataframe[-1].value
    assert sorted(rows["Cột"]) == ["amount", "customer_id", "paid_at"]
    assert any("C99" in reason for reason in rows["Lý do"])
    assert "Dữ liệu gốc" in rows.columns  # admins see the raw row; others do not


def test_empty_database_says_what_to_do(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    upgrade(engine)
    assert "cashless users add" in _text(_app(monkeypatch, url))
    with engine.begin() as conn:
        add_user(conn, "admin", PASSWORD, "admin")
    app = _signed_in(monkeypatch, url, "admin")
    assert "cashless demo" in _text(app)


def test_database_without_schema_says_upgrade(monkeypatch, tmp_path):
    app = _app(monkeypatch, f"sqlite:///{tmp_path / 'none.db'}")
    assert not app.exception
    assert "cashless db upgrade" in _text(app)


def test_unreachable_database_is_a_message_not_a_traceback(monkeypatch):
    app = _app(monkeypatch, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert not app.exception
    assert "DATABASE_URL" in _text(app)


@pytest.mark.parametrize("page", ["overview", "targets", "channels", "data_quality", "weekly"])
def test_every_page_renders_in_english_without_error(monkeypatch, fixture_url, page):
    app = _signed_in(monkeypatch, fixture_url, "plan")
    app.switch_page(f"views/{page}.py").run()
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert app.title[0].value in {
        "Overview",
        "Targets",
        "Channels & partners",
        "Data quality",
        "Weekly review",
    }


def test_weekly_review_phrases_the_figures(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.switch_page("views/weekly.py").run()
    assert not app.exception
    text = _text(app)
    assert "Đến hết ngày 28/02/2025, toàn tỉnh có 5/9 khách hàng không dùng tiền mặt, đạt 55,56%." in text
    assert "So với tuần trước (21/02/2025): +1 khách hàng, tỷ lệ +11,11 điểm %." in text
    # PA1102's Q1 target is 70%: ceil(3.5) - 3 = 1; a month is left (31 days) so about 0.2 a week -> 0.
    assert "Điện lực Yên Sơn: 3/5 khách hàng (60,00%), +0 khách hàng trong tuần." not in text
    assert "Điện lực Yên Sơn: 3/5 khách hàng (60,00%)" in text
    assert "Quý 2025-Q1 còn thiếu 1 khách hàng" in text


def test_a_managers_weekly_review_is_their_office(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "yenson")
    app.switch_page("views/weekly.py").run()
    assert not app.exception
    text = _text(app)
    assert (
        "Đến hết ngày 28/02/2025, Điện lực Yên Sơn có 3/5 khách hàng không dùng tiền mặt, đạt 60,00%." in text
    )
    assert "Tuyên Quang" not in text


def test_admin_adds_and_disables_an_account_and_sees_the_audit(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.switch_page("views/admin.py").run()
    assert not app.exception
    app.text_input(key="admin_add_username").input("hamyen")
    app.text_input(key="admin_add_password").input("a-long-password")
    app.selectbox(key="admin_add_role").set_value("manager")
    app.selectbox(key="admin_add_office").set_value("PA1104")
    app.button(key="FormSubmitter:admin_add-Thêm tài khoản").click().run()
    assert "Đã thêm tài khoản hamyen." in _text(app)
    accounts = app.dataframe[0].value
    assert "hamyen" in set(accounts["Tên đăng nhập"])
    audit = app.dataframe[-1].value
    assert audit.iloc[0][["Thao tác", "Tên đăng nhập"]].tolist() == ["user_add", "admin"]


def test_only_admins_have_the_accounts_page(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "plan")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("views/admin.py")


def test_office_and_commune_filters(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.sidebar.selectbox(key="filter_office").set_value("PA1101").run()
    assert "2/4 khách hàng, đạt 50,00%" in _text(app)
    communes = app.sidebar.selectbox(key="overview_commune")
    assert communes.options == ["Tất cả xã/phường", "Xã A", "Xã B"]
    app.sidebar.selectbox(key="overview_commune").select_index(1).run()
    # Xã A: C01 (BIDV), C02 (MoMo the same day as cash) cashless, C03 slipped to a collector.
    assert "2/3 khách hàng, đạt 66,67%" in _text(app)
    app.sidebar.selectbox(key="overview_commune").select_index(2).run()
    # Xã B: C04 ended 20/02, C05 starts 01/03, C06 never paid.
    assert "0/1 khách hàng, đạt 0,00%" in _text(app)


def test_database_at_an_older_schema_says_upgrade(monkeypatch, tmp_path):
    from alembic import command

    from warehouse.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    app = _app(monkeypatch, url)
    assert not app.exception
    assert "cashless db upgrade" in _text(app)
    upgrade(engine)  # what the message says to do
    with engine.begin() as conn:
        add_user(conn, "admin", PASSWORD, "admin")
    assert "cashless demo" in _text(_signed_in(monkeypatch, url, "admin"))


def test_stale_snapshots_are_announced(monkeypatch, tmp_path):
    from sqlalchemy import text

    from tests.dashboard.conftest import build_fixture_warehouse

    url = build_fixture_warehouse(tmp_path)
    engine = make_engine(url)
    with engine.begin() as conn:  # what a load that died before its refresh leaves
        conn.execute(text("UPDATE snapshot_state SET dirty_from = :day"), {"day": dt.date(2025, 2, 5)})
    app = _signed_in(monkeypatch, url, "admin")
    assert "Dữ liệu nạp từ ngày 05/02/2025 đang được tổng hợp" in "\n".join(
        w.value for w in app.sidebar.warning
    )
    assert "5/9 khách hàng" in _text(app)  # the figures as they were


def _linked(monkeypatch, url: str, username: str, params: dict[str, str]) -> AppTest:
    """Open the app at an address with `params` while signed out, then sign in as `username`."""
    monkeypatch.setenv("DATABASE_URL", url)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(params)
    app.run()
    app.text_input(key="auth_username").input(username)
    app.text_input(key="auth_password").input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def test_a_link_opens_its_view_after_the_sign_in(monkeypatch, fixture_url):
    app = _linked(monkeypatch, fixture_url, "boss", {"office": "PA1101", "as_of": "2025-01-31", "lang": "en"})
    assert app.sidebar.selectbox(key="filter_office").value == "PA1101"
    assert app.sidebar.date_input(key="filter_as_of").value == dt.date(2025, 1, 31)
    # PA1101 on 31/01: active C01 C02 C03 C04 C06 (C05 starts 01/03), cashless C03 C04 (BIDV in January).
    assert "2/5 customers, 40.00%" in _text(app)
    assert app.query_params == {"office": "PA1101", "as_of": "2025-01-31", "lang": "en"}


def test_the_address_follows_the_filters(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    assert app.query_params == {"as_of": "2025-02-28", "lang": "vi"}  # the province on the last day
    app.sidebar.selectbox(key="filter_office").set_value("PA1101").run()
    app.sidebar.date_input(key="filter_as_of").set_value(dt.date(2025, 2, 10)).run()
    app.sidebar.selectbox(key="overview_commune").select_index(1).run()
    assert app.query_params == {"office": "PA1101", "as_of": "2025-02-10", "lang": "vi", "commune": "Xã A"}
    app.switch_page("views/targets.py").run()  # a page without communes drops it
    assert app.query_params == {"office": "PA1101", "as_of": "2025-02-10", "lang": "vi"}
    app.sidebar.selectbox(key="filter_office").set_value("ALL").run()
    assert app.query_params == {"as_of": "2025-02-10", "lang": "vi"}


def test_a_link_to_a_commune_opens_it(monkeypatch, fixture_url):
    app = _linked(monkeypatch, fixture_url, "plan", {"office": "PA1101", "commune": "Xã B"})
    # Xã B on 28/02: C04 ended 20/02, C05 starts 01/03, C06 never paid.
    assert "0/1 khách hàng, đạt 0,00%" in _text(app)
    assert app.query_params["commune"] == "Xã B"


def test_a_managers_scope_wins_over_the_link(monkeypatch, fixture_url):
    app = _linked(monkeypatch, fixture_url, "yenson", {"office": "PA1101", "as_of": "2025-02-28"})
    assert app.sidebar.selectbox(key="filter_office").value == "PA1102"
    assert "3/5 khách hàng, đạt 60,00%" in _text(app)  # PA1102, not PA1101's 2/4
    assert "Tuyên Quang" not in _text(app)
    assert app.query_params["office"] == "PA1102"


@pytest.mark.parametrize(
    ("params", "office", "day"),
    [
        (
            {"office": "NOPE", "as_of": "31/01/2025"},
            "ALL",
            dt.date(2025, 2, 28),
        ),  # unknown, not ISO: defaults
        ({"as_of": "2030-01-01"}, "ALL", dt.date(2025, 2, 28)),  # after the data: its last day
        ({"as_of": "2000-01-01"}, "ALL", dt.date(2025, 1, 10)),  # before the data: its first day
    ],
)
def test_a_bad_link_falls_back_to_the_defaults(monkeypatch, fixture_url, params, office, day):
    app = _linked(monkeypatch, fixture_url, "admin", params)
    assert app.sidebar.selectbox(key="filter_office").value == office
    assert app.sidebar.date_input(key="filter_as_of").value == day


def test_a_targets_import_shows_at_once_in_the_grid(monkeypatch, tmp_path):
    from tests.dashboard.conftest import build_fixture_warehouse

    app = _signed_in(monkeypatch, build_fixture_warehouse(tmp_path), "admin")  # its own: this one writes
    app.switch_page("views/targets.py").run()
    upload = "office_code,period_type,period,target_rate\nPA1103,year,2025,0.9\n"
    app.file_uploader(key="targets_upload").set_value(("k.csv", upload.encode(), "text/csv")).run()
    app.button(key="targets_import").click().run()
    assert not app.exception
    assert "Đã nhập 1 kế hoạch." in _text(app)
    grid = app.dataframe[0].value  # read again after the import: PA1103's year is in it
    assert (grid == "90,00% ●").to_numpy().sum() == 1


def test_targets_page_and_overview_show_the_forecast_and_the_chance_per_target(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.switch_page("views/targets.py").run()
    assert not app.exception
    assert "Dự báo đến 31/12/2025" in _text(app)
    outlook = app.dataframe[2].value  # after the grid and the period detail
    assert {"Khả năng đạt", "Cần mỗi tuần", "Dự báo mỗi tuần"} <= set(outlook.columns)
    assert set(outlook["Kỳ"]) >= {"2025", "2025-12"}  # open periods only: March on (as of 05/03)
    app.switch_page("views/overview.py").run()
    assert not app.exception
    assert "Dự báo đến 31/12/2025" in _text(app)


def test_data_quality_page_shows_reasons_in_vietnamese_and_the_fix_download(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin")
    app.switch_page("views/data_quality.py").run()
    rows = app.dataframe[-1].value
    assert "Mã khách hàng: mã khách hàng chưa có 'C99' (nạp tệp khách hàng trước)" in list(rows["Lý do"])
    app.selectbox(key="quality_run").set_value(app.selectbox(key="quality_run").options[1]).run()
    assert not app.exception
    assert any(button.label.startswith("Tải các dòng lỗi") for button in app.get("download_button"))
