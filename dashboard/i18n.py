"""The one translation table for text shown to users: Vietnamese first, English second."""

from __future__ import annotations

import streamlit as st

TEXT = {
    "app_title": ("Chuyển đổi thanh toán không dùng tiền mặt", "Cashless payment adoption"),
    "overview": ("Tổng quan", "Overview"),
    "language": ("Ngôn ngữ", "Language"),
    "as_of": ("Đến ngày", "As of"),
    "office": ("Điện lực", "District office"),
    "office_code": ("Mã đơn vị", "Office code"),
    "all_offices": ("Toàn tỉnh", "Whole province"),
    "cashless_customers": ("Khách hàng không dùng tiền mặt", "Cashless customers"),
    "active_customers": ("Khách hàng đang hoạt động", "Active customers"),
    "cashless_rate": ("Tỷ lệ không dùng tiền mặt", "Cashless rate"),
    "no_data": (
        "Chưa có dữ liệu. Chạy `cashless demo` (dữ liệu mẫu) hoặc `cashless load customers|payments TỆP...`.",
        "No data yet. Run `cashless demo` (demo province) or `cashless load customers|payments FILE...`.",
    ),
    "no_schema": (
        "Cơ sở dữ liệu chưa được khởi tạo hoặc đã cũ: chạy `cashless db upgrade`.",
        "The database has no schema or an old one: run `cashless db upgrade`.",
    ),
    "db_unreachable": (
        "Không kết nối được cơ sở dữ liệu ({url}). Kiểm tra DATABASE_URL.",
        "Cannot reach the database ({url}). Check DATABASE_URL.",
    ),
    "by_office": ("Theo điện lực", "By district office"),
    "download_csv": ("Tải CSV", "Download CSV"),
    "headline": (
        "{cashless}/{active} khách hàng, đạt {rate}",
        "{cashless}/{active} customers, {rate}",
    ),
}


def lang() -> str:
    return st.session_state.get("lang", "vi")


def t(key: str, **values) -> str:
    """Text for `key` in the current language, with {placeholders} filled."""
    vi, en = TEXT[key]
    return (vi if lang() == "vi" else en).format(**values)
