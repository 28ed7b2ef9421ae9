"""The Model and Outreach pages through AppTest, on a small generated province with a trained model:
figures from the model's own report, office scope, the control group, recorded downloads, outcomes.

The tests share one warehouse and run in file order: the planner's list (list 1, PA1102) is the one
the manager then fills in.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from cashless.settings import ROOT
from models.runs import model_run
from warehouse.access import Viewer, audit_entries
from warehouse.db import make_engine

from .conftest import PASSWORD

APP = str(ROOT / "dashboard" / "app.py")


def _signed_in(monkeypatch, url: str, username: str, page: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.text_input(key="auth_username").input(username)
    app.text_input(key="auth_password").input(PASSWORD)
    app.button[0].click().run()
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception, app.exception
    return app


def _table(app: AppTest, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_model_page_shows_the_backtest_of_the_latest_model(monkeypatch, model_url):
    app = _signed_in(monkeypatch, model_url, "boss", "model")  # an executive: no personal data here
    with make_engine(model_url).connect() as conn:
        backtest = model_run(conn)["report"]["backtest"]
    assert app.title[0].value == "Mô hình"
    assert [m.label for m in app.metric] == [
        "ROC-AUC của mô hình",
        "Lift 10% đầu",
        "Lượt thăm không cần thiết (10% đầu)",
    ]
    assert app.metric[0].value == f"{backtest['model']['roc_auc']:.3f}".replace(".", ",")
    table = _table(app, "ROC-AUC")
    assert list(table["Cách chấm"]) == ["Mô hình", "(a) Tỷ lệ của xã", "(b) Chưa từng không dùng tiền mặt"]
    assert list(table["ROC-AUC"]) == pytest.approx([backtest[s]["roc_auc"] for s in backtest])
    assert len(app.get("plotly_chart")) == 4  # lift, calibration, importance, score distribution
    scores = _table(app, "Ưu tiên cao")
    assert len(scores) == 7 and "Tên khách hàng" not in scores.columns
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception and app.title[0].value == "Model"
    assert list(_table(app, "ROC-AUC")["Score"])[0] == "Model"


def test_model_page_without_a_model_says_what_to_run(monkeypatch, fixture_url):
    app = _signed_in(monkeypatch, fixture_url, "admin", "model")
    assert "cashless model train" in app.info[0].value


def test_executives_have_no_outreach_page(monkeypatch, model_url):
    app = _signed_in(monkeypatch, model_url, "boss", "model")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("views/outreach.py")


def test_a_planner_makes_a_list_with_a_control_group_and_downloads_are_recorded(monkeypatch, model_url):
    app = _signed_in(monkeypatch, model_url, "plan", "outreach")
    assert "Chọn một điện lực" in app.info[0].value  # the whole province: pick an office to make a list
    app.sidebar.selectbox(key="filter_office").set_value("PA1102").run()
    app.number_input(key="outreach_top").set_value(40).run()
    shown = _table(app, "Tên khách hàng")
    assert len(shown) == 40 and shown["Mã khách hàng"].str.startswith("PA1102").all()
    assert list(shown["Điểm"]) == sorted(shown["Điểm"], reverse=True)
    assert (shown["Lý do"] != "").mean() > 0.8
    app.button(key="outreach_make").click().run()
    assert not app.exception
    made = next(s.value for s in app.success)
    assert "40 hộ, giữ lại 4 hộ làm nhóm đối chứng" in made and "36 hộ để tải về" in made
    # Excel and CSV buttons for the new list; their files are built (and recorded) only on a real
    # download, which AppTest cannot do: tests/dashboard/test_browser.py downloads one.
    assert [b.proto.label for b in app.get("download_button")][:2] == ["Tải Excel", "Tải CSV"]
    app.get("download_button")[0].click().run()
    with make_engine(model_url).connect() as conn:
        exports = audit_entries(conn, Viewer("x", "admin"))
    assert exports[exports["action"] == "export"].empty  # reruns build and record nothing
    # the same 40 are not offered again
    again = _table(app, "Tên khách hàng")
    assert not set(again["Mã khách hàng"]) & set(shown["Mã khách hàng"])


def test_outcomes_come_back_from_the_returned_sheet(monkeypatch, model_url):
    app = _signed_in(monkeypatch, model_url, "yenson", "outreach")  # the manager of PA1102
    effects = _table(app, "Hộ đối chứng")
    assert set(effects["Điện lực"]) == {"Điện lực Yên Sơn"}
    members = _table(app, "Người phụ trách")
    assert len(members) == 36 and members["Mã khách hàng"].str.startswith("PA1102").all()
    with make_engine(model_url).connect() as conn:
        from models.outreach import list_sheet

        content, _ = list_sheet(conn, Viewer("yenson", "manager", "PA1102"), 1, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    book.active["L2"], book.active["M2"] = "Lò Văn A", "Đồng ý chuyển đổi"
    returned = io.BytesIO()
    book.save(returned)
    app.file_uploader(key="outreach_upload").set_value(
        ("tra_ve.xlsx", returned.getvalue(), "application/octet-stream")
    ).run()
    app.button(key="outreach_import").click().run()
    assert not app.exception
    assert "Đã cập nhật 1 hộ." in [s.value for s in app.success]
    members = _table(app, "Người phụ trách")
    first = members.iloc[0]
    assert (first["Người phụ trách"], first["Kết quả"]) == ("Lò Văn A", "Đồng ý chuyển đổi")


def test_a_manager_sees_only_their_office_on_both_pages(monkeypatch, model_url):
    app = _signed_in(monkeypatch, model_url, "yenson", "outreach")
    shown = _table(app, "Tên khách hàng")
    assert shown["Mã khách hàng"].str.startswith("PA1102").all()
    app.switch_page("views/model.py").run()
    assert not app.exception
    assert list(_table(app, "Ưu tiên cao")["Điện lực"]) == ["Điện lực Yên Sơn"]
    app.sidebar.radio[0].set_value("en").run()
    app.switch_page("views/outreach.py").run()
    assert not app.exception and app.title[0].value == "Outreach"
    assert _table(app, "Name")["Customer ID"].str.startswith("PA1102").all()


def test_the_plan_tab_asks_for_visits_and_shows_the_detectable_effect(monkeypatch, model_url):
    app = _signed_in(monkeypatch, model_url, "plan", "outreach")
    assert app.number_input(key="outreach_plan_weeks").value == 4
    app.button(key="outreach_plan_make").click().run()  # every office at 0 visits a week
    assert not app.exception
    assert any("no visits to plan" in e.value for e in app.error)
