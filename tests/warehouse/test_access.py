"""Accounts, roles, office scope and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from warehouse.access import (
    AccessDenied,
    UserError,
    Viewer,
    add_user,
    audit_entries,
    authenticate,
    commune_names,
    list_users,
    office_scope,
    record,
    set_active,
    viewer_for_email,
    visible_offices,
)

MANAGER = Viewer("yenson", "manager", "PA1102")
PLANNER = Viewer("plan", "planner")


def test_manager_scope_is_their_office_and_nothing_else():
    assert office_scope(MANAGER) == "PA1102"
    assert office_scope(MANAGER, "PA1102") == "PA1102"
    with pytest.raises(AccessDenied, match="PA1102"):
        office_scope(MANAGER, "PA1101")
    assert office_scope(PLANNER) is None
    assert office_scope(PLANNER, "PA1101") == "PA1101"
    with pytest.raises(AccessDenied):
        office_scope(Viewer("x", "manager", None))
    with pytest.raises(AccessDenied):
        office_scope(Viewer("x", "guest"))


def test_permissions_follow_the_roles():
    assert Viewer("a", "admin").can("manage_users")
    assert not Viewer("e", "executive").can("export")
    assert PLANNER.can("export") and not PLANNER.can("edit_targets")
    assert MANAGER.can("edit_targets") and not MANAGER.can("manage_users")
    with pytest.raises(AccessDenied, match="export"):
        Viewer("e", "executive").require("export")


def test_passwords_are_hashed_and_checked(engine):
    with engine.begin() as conn:
        add_user(conn, "yenson", "correct horse", "manager", "PA1102", email="YS@example.vn")
        stored = conn.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
        assert "correct horse" not in stored and stored.startswith("$argon2")
        assert authenticate(conn, "yenson", "correct horse") == MANAGER
        assert authenticate(conn, "yenson", "wrong password") is None
        assert authenticate(conn, "nobody", "correct horse") is None
        assert viewer_for_email(conn, "ys@example.vn") == MANAGER
        set_active(conn, "yenson", False)
        assert authenticate(conn, "yenson", "correct horse") is None
        assert viewer_for_email(conn, "ys@example.vn") is None
        assert list(list_users(conn)["active"]) == [False]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("m", "password1", "manager"), "needs --office"),
        (("p", "password1", "planner", "PA1101"), "only managers"),
        (("m", "password1", "manager", "PA9999"), "unknown office"),
        (("x", "password1", "boss"), "role must be"),
        (("x", "short", "planner"), "8 characters"),
    ],
)
def test_bad_accounts_are_refused(engine, args, message):
    with engine.begin() as conn, pytest.raises(UserError, match=message):
        add_user(conn, *args)


def test_duplicate_user_is_refused(engine):
    with engine.begin() as conn:
        add_user(conn, "plan", "password1", "planner")
        with pytest.raises(UserError, match="already exists"):
            add_user(conn, "plan", "password2", "planner")


def test_manager_sees_only_their_office_and_its_audit(engine):
    with engine.begin() as conn:
        assert list(visible_offices(conn, MANAGER)["code"]) == ["PA1102"]
        assert len(visible_offices(conn, PLANNER)) == 7
        record(conn, PLANNER, "export", "PA1101", rows=500, file="a.xlsx")
        record(conn, MANAGER, "target_set", "PA1102", period="2025-03")
        mine = audit_entries(conn, MANAGER)
        assert list(mine["action"]) == ["target_set"]
        everything = audit_entries(conn, PLANNER)
        assert list(everything["action"]) == ["target_set", "export"]
        export = everything.iloc[1]
        assert (export["username"], export["rows"], json.loads(export["detail"])) == (
            "plan",
            500,
            {"file": "a.xlsx"},
        )


def test_commune_names_are_one_read_scoped_to_the_office(engine):
    from sqlalchemy import insert

    from warehouse.schema import communes

    with engine.begin() as conn:
        conn.execute(
            insert(communes),
            [
                {"office_code": "PA1101", "name": "Xã B"},
                {"office_code": "PA1101", "name": "Xã A"},
                {"office_code": "PA1102", "name": "Xã C"},
            ],
        )
        assert list(commune_names(conn, PLANNER, "PA1101").values()) == ["Xã A", "Xã B"]
        assert list(commune_names(conn, PLANNER).values()) == ["Xã A", "Xã B", "Xã C"]
        assert list(commune_names(conn, MANAGER).values()) == ["Xã C"]  # a manager's own office only
        with pytest.raises(AccessDenied):
            commune_names(conn, MANAGER, "PA1101")
