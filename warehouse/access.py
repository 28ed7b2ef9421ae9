"""Who may see and do what (DESIGN §8): users, roles, office scope, and the audit log.

Office scoping is enforced here, in the query layer: every function that returns office data takes
a `Viewer` and narrows the office it reads through `office_scope`, so a manager never gets rows of
another office however a page or command asks.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from cashless.errors import UserFacingError
from warehouse.schema import audit_log, communes, offices, users

ROLES = ("admin", "executive", "planner", "manager")
# What each role may do beyond reading its offices' figures.
PERMISSIONS = {
    "admin": {"manage_users", "edit_catalog", "edit_targets", "outreach", "export"},
    "executive": set(),
    "planner": {"outreach", "export"},
    "manager": {"edit_targets", "outreach", "export"},
}

_hasher = PasswordHasher()


class AccessDenied(UserFacingError, PermissionError):
    """The viewer may not see or do this."""


class UserError(UserFacingError, ValueError):
    """A user account that cannot be created or changed as asked."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person (or the command-line operator) on whose behalf data is read."""

    username: str
    role: str
    office_code: str | None = None  # a manager's own office; None = all offices

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, set())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise AccessDenied(f"{self.username} ({self.role}) may not {permission.replace('_', ' ')}")


def operator() -> Viewer:
    """The command-line user: an admin named after the OS account (the CLI already holds the database)."""
    return Viewer(username=f"cli:{getpass.getuser()}", role="admin")


def office_scope(viewer: Viewer, office: str | None = None) -> str | None:
    """The office a query may read: a manager's own (asking for another raises), else `office` as asked."""
    if viewer.role not in ROLES:
        raise AccessDenied(f"unknown role '{viewer.role}'")
    if viewer.role == "manager":
        if viewer.office_code is None:
            raise AccessDenied(f"manager {viewer.username} has no office")
        if office not in (None, viewer.office_code):
            raise AccessDenied(f"{viewer.username} may only see office {viewer.office_code}")
        return viewer.office_code
    return office


def office_filter(column: str, office: str | None) -> str:
    """SQL condition limiting rows to one office (bound as :office), or no limit."""
    return "1 = 1" if office is None else f"{column} = :office"


def visible_offices(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """code, name of the offices the viewer may see."""
    scope = office_scope(viewer)
    query = select(offices.c.code, offices.c.name).order_by(offices.c.code)
    if scope is not None:
        query = query.where(offices.c.code == scope)
    return pd.DataFrame(conn.execute(query).all(), columns=["code", "name"])


def office_names(conn: Connection, viewer: Viewer) -> dict[str, str]:
    """Office code -> name, for the offices `viewer` may see."""
    return dict(visible_offices(conn, viewer).itertuples(index=False))


def commune_names(conn: Connection, viewer: Viewer, office: str | None = None) -> dict[int, str]:
    """Commune id -> name in `office` (or every office the viewer may see), ordered by name.

    One small read for the pages' commune pickers, instead of computing figures just for the names.
    """
    scope = office_scope(viewer, office)
    query = select(communes.c.id, communes.c.name).order_by(communes.c.name, communes.c.id)
    if scope is not None:
        query = query.where(communes.c.office_code == scope)
    return dict(conn.execute(query).all())


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    office_code: str | None = None,
    email: str | None = None,
    by: Viewer | None = None,
) -> None:
    """Create an account with an Argon2-hashed password; managers must name their office.

    `by`: the user doing it, who must be allowed to and is recorded in the audit log (None: setup).
    """
    if by is not None:
        by.require("manage_users")
    username = username.strip()
    if not username:
        raise UserError("a username is required")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not '{role}'")
    if role == "manager" and not office_code:
        raise UserError("a manager needs --office")
    if role != "manager" and office_code:
        raise UserError(f"only managers belong to one office, not a {role}")
    if office_code and conn.scalar(select(offices.c.code).where(offices.c.code == office_code)) is None:
        raise UserError(f"unknown office code '{office_code}'")
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters")
    if conn.scalar(select(users.c.username).where(users.c.username == username)) is not None:
        raise UserError(f"user '{username}' already exists")
    conn.execute(
        insert(users).values(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            office_code=office_code,
            email=email.strip().lower() if email else None,
            active=True,
            created_at=dt.datetime.now(),
        )
    )
    if by is not None:
        record(conn, by, "user_add", office_code, user=username, role=role)


def set_active(conn: Connection, username: str, active: bool, by: Viewer | None = None) -> None:
    """Disable (or re-enable) an account; history stays. `by` as for add_user."""
    if by is not None:
        by.require("manage_users")
    done = conn.execute(update(users).where(users.c.username == username).values(active=active))
    if done.rowcount == 0:
        raise UserError(f"no user '{username}'")
    if by is not None:
        record(conn, by, "user_enable" if active else "user_disable", user=username)


def list_users(conn: Connection) -> pd.DataFrame:
    """username, role, office_code, email, active, created_at (never the hash)."""
    columns = [
        users.c.username,
        users.c.role,
        users.c.office_code,
        users.c.email,
        users.c.active,
        users.c.created_at,
    ]
    rows = conn.execute(select(*columns).order_by(users.c.username)).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])


def authenticate(conn: Connection, username: str, password: str) -> Viewer | None:
    """The viewer for a correct username and password of an active account, else None."""
    row = conn.execute(select(users).where(users.c.username == username.strip())).mappings().first()
    if row is None or not row["active"]:
        _hasher.hash(password)  # same work either way: no timing hint that the user exists
        return None
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    return Viewer(username=row["username"], role=row["role"], office_code=row["office_code"])


def viewer_for_email(conn: Connection, email: str) -> Viewer | None:
    """The viewer of an active account with this e-mail (an OIDC sign-in), else None."""
    row = conn.execute(select(users).where(users.c.email == email.strip().lower())).mappings().first()
    if row is None or not row["active"]:
        return None
    return Viewer(username=row["username"], role=row["role"], office_code=row["office_code"])


def record(
    conn: Connection,
    viewer: Viewer,
    action: str,
    office_code: str | None = None,
    rows: int | None = None,
    **detail,
) -> None:
    """Append to the audit log: who, when, what (export, target_set, outcomes_import, user_add, ...)."""
    conn.execute(
        insert(audit_log).values(
            at=dt.datetime.now(),
            username=viewer.username,
            action=action,
            office_code=office_code,
            rows=rows,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )


def audit_entries(conn: Connection, viewer: Viewer, limit: int = 500) -> pd.DataFrame:
    """The latest audit entries the viewer may see (a manager: their office's)."""
    scope = office_scope(viewer)
    query = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    if scope is not None:
        query = query.where(audit_log.c.office_code == scope)
    rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=[c.name for c in audit_log.columns])
