"""Who may see and do what (DESIGN §8): users, roles, office scope, and the audit log.

Office scoping is enforced here, in the query layer: every function that returns office data takes
a `Viewer` and narrows the office it reads through `office_scope`, so a manager never gets rows of
another office however a page or command asks.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cashless.errors import UserFacingError
from cashless.settings import SignInSettings
from warehouse.schema import (
    audit_log,
    communes,
    customers,
    database_facts,
    load_runs,
    offices,
    payments,
    sign_in_throttle,
    targets,
    users,
)

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
    """username, role, office_code, email, active, created_at, must_change_password (never the hash)."""
    columns = [
        users.c.username,
        users.c.role,
        users.c.office_code,
        users.c.email,
        users.c.active,
        users.c.created_at,
        users.c.must_change_password,
    ]
    rows = conn.execute(select(*columns).order_by(users.c.username)).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])


def authenticate(conn: Connection, username: str, password: str) -> Viewer | None:
    """The viewer for a correct username and password of an active account, else None (no throttle:
    the app signs in through `sign_in`)."""
    account = _check_password(conn, username, password)
    return account.viewer if account else None


def _check_password(conn: Connection, username: str, password: str) -> Account | None:
    row = conn.execute(select(users).where(users.c.username == username.strip())).mappings().first()
    if row is None or not row["active"]:
        _hasher.hash(password)  # same work either way: no timing hint that the user exists
        return None
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    return _account(row)


def viewer_for_email(conn: Connection, email: str) -> Viewer | None:
    """The viewer of an active account with this e-mail (an OIDC sign-in), else None."""
    row = conn.execute(select(users).where(users.c.email == email.strip().lower())).mappings().first()
    if row is None or not row["active"]:
        return None
    return Viewer(username=row["username"], role=row["role"], office_code=row["office_code"])


def viewer_for_oidc(conn: Connection, claims: Mapping) -> Viewer | None:
    """The viewer for an OIDC sign-in's claims: only an e-mail the provider has verified maps to an
    account (anyone can type an unverified address into some providers' profiles)."""
    verified = claims.get("email_verified")
    if not (verified is True or str(verified).lower() == "true"):
        return None
    email = str(claims.get("email") or "")
    return viewer_for_email(conn, email) if email else None


# sessions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """An account as stored now: the viewer it signs in as, its session version, a pending change."""

    viewer: Viewer
    session_version: int
    must_change_password: bool


def _account(row: Mapping) -> Account:
    viewer = Viewer(username=row["username"], role=row["role"], office_code=row["office_code"])
    return Account(viewer, int(row["session_version"]), bool(row["must_change_password"]))


def current_account(conn: Connection, username: str, session_version: int | None = None) -> Account | None:
    """The account re-read from the database (role and office as they are now); None when it is
    disabled or gone, or when `session_version` is given and sign-out or a new password ended it."""
    row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    if row is None or not row["active"]:
        return None
    if session_version is not None and int(row["session_version"]) != session_version:
        return None
    return _account(row)


def end_sessions(conn: Connection, username: str) -> None:
    """Sign the account out everywhere: every session cookie issued so far stops working."""
    conn.execute(
        update(users).where(users.c.username == username).values(session_version=users.c.session_version + 1)
    )


def session_secret(conn: Connection) -> str:
    """The key that signs session cookies: `CASHLESS_SECRET_KEY`, else one made once and kept in the
    database, so every app server on the same database accepts the same cookies."""
    if key := os.environ.get("CASHLESS_SECRET_KEY"):
        return key
    stored = select(database_facts.c.value).where(database_facts.c.name == "session_secret")
    if (found := conn.scalar(stored)) is None:  # write only the first time: reads never wait on a load
        _insert_missing(
            conn, database_facts, name="session_secret", value=secrets.token_hex(32), at=dt.datetime.now()
        )
        found = conn.scalar(stored)
    return found


def _insert_missing(conn: Connection, table, **values) -> None:
    """INSERT a row unless its primary key is already there (safe when two servers race)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


# sign-in throttling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the account, or why not (`locked_until` set while throttled)."""

    account: Account | None
    locked_until: dt.datetime | None = None


def sign_in(
    conn: Connection,
    username: str,
    password: str,
    client: str,
    now: dt.datetime | None = None,
    settings: SignInSettings = SignInSettings(),
) -> SignIn:
    """Check a password with throttling: `max_failures` failures of one account, or from one client,
    within `failure_window_minutes` lock that key for `lock_minutes`. Failures go to the audit log."""
    now = now or dt.datetime.now()
    username = username.strip()
    account_key, client_key = f"user:{username.casefold()[:150]}", f"client:{client[:150]}"
    locked = _locked_until(conn, [account_key, client_key], now)
    account = None if locked else _check_password(conn, username, password)
    if account is not None:
        if conn.scalar(select(sign_in_throttle.c.key).where(sign_in_throttle.c.key == account_key)):
            conn.execute(delete(sign_in_throttle).where(sign_in_throttle.c.key == account_key))
        return SignIn(account)
    if locked is None:
        ends = [_count_failure(conn, key, now, settings) for key in (account_key, client_key)]
        locked = max((end for end in ends if end is not None), default=None)
    detail = {"client": client, "locked_until": locked} if locked else {"client": client}
    record(conn, Viewer(username[:64] or "?", "none"), "sign_in_failed", at=now, **detail)
    return SignIn(None, locked)


def _locked_until(conn: Connection, keys: list[str], now: dt.datetime) -> dt.datetime | None:
    """The latest end of a lock on any of `keys` still running at `now`."""
    return conn.scalar(
        select(func.max(sign_in_throttle.c.locked_until)).where(
            sign_in_throttle.c.key.in_(keys), sign_in_throttle.c.locked_until > now
        )
    )


def _count_failure(
    conn: Connection, key: str, now: dt.datetime, settings: SignInSettings
) -> dt.datetime | None:
    """Add a failure to `key`; returns the end of the lock it starts, if it does."""
    _insert_missing(conn, sign_in_throttle, key=key, failures=0, first_failure_at=now)
    row = (
        conn.execute(select(sign_in_throttle).where(sign_in_throttle.c.key == key).with_for_update())
        .mappings()
        .one()
    )
    window = dt.timedelta(minutes=settings.failure_window_minutes)
    fresh = row["locked_until"] is not None or now - row["first_failure_at"] > window
    failures = 1 if fresh else row["failures"] + 1
    locked_until = (
        now + dt.timedelta(minutes=settings.lock_minutes) if failures >= settings.max_failures else None
    )
    conn.execute(
        update(sign_in_throttle)
        .where(sign_in_throttle.c.key == key)
        .values(
            failures=failures,
            first_failure_at=now if fresh else row["first_failure_at"],
            locked_until=locked_until,
        )
    )
    return locked_until


# passwords --------------------------------------------------------------------------------------


def change_password(conn: Connection, username: str, old_password: str, new_password: str) -> Account:
    """A user sets their own password (the old one, or the one-time one, proves it is them); ends
    their other sessions. Returns the account with its new session version."""
    account = _check_password(conn, username, old_password)
    if account is None:
        raise UserError("the current password is wrong")
    _check_new_password(new_password)
    if new_password == old_password:
        raise UserError("the new password must differ from the current one")
    _set_password(conn, username, new_password, must_change=False)
    record(conn, account.viewer, "password_change")
    return current_account(conn, username)


def reset_password(conn: Connection, username: str, by: Viewer) -> str:
    """An admin gives the account a one-time password, returned to hand over; the next sign-in must
    choose a new one, and the account's open sessions end."""
    by.require("manage_users")
    if conn.scalar(select(users.c.username).where(users.c.username == username)) is None:
        raise UserError(f"no user '{username}'")
    one_time = secrets.token_urlsafe(9)
    _set_password(conn, username, one_time, must_change=True)
    record(conn, by, "password_reset", user=username)
    return one_time


def _check_new_password(password: str) -> None:
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters")


def _set_password(conn: Connection, username: str, password: str, must_change: bool) -> None:
    conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(
            password_hash=_hasher.hash(password),
            must_change_password=must_change,
            session_version=users.c.session_version + 1,
        )
    )


# the demo's accounts ----------------------------------------------------------------------------

DEMO_FACT = "made_by"


def claim_for_demo(conn: Connection) -> None:
    """Mark the database as made by `cashless demo`, which may then load demo data and accounts with
    the published password; refuse a database that already holds data or accounts of its own."""
    if made_by_demo(conn):
        return
    for table in (users, customers, payments, load_runs, targets):
        if conn.scalar(select(func.count()).select_from(table)):
            raise UserError(
                f"this database already holds {table.name} not made by `cashless demo`; "
                "point DATABASE_URL to a new database for the demo"
            )
    conn.execute(insert(database_facts).values(name=DEMO_FACT, value="demo", at=dt.datetime.now()))


def made_by_demo(conn: Connection) -> bool:
    return conn.scalar(select(database_facts.c.value).where(database_facts.c.name == DEMO_FACT)) == "demo"


def add_demo_users(conn: Connection, accounts, password: str) -> None:
    """The demo's accounts (username, role, office), only in a database the demo made."""
    if not made_by_demo(conn):
        raise UserError("demo accounts are only created in a database made by `cashless demo`")
    known = set(list_users(conn)["username"])
    for username, role, office in accounts:
        if username not in known:
            add_user(conn, username, password, role, office)


def accounts_with_password(conn: Connection, password: str) -> list[str]:
    """Active accounts whose password is still `password` (e.g. the demo's published one)."""
    rows = conn.execute(select(users.c.username, users.c.password_hash).where(users.c.active)).all()
    found = []
    for username, stored in rows:  # one hash per account: a handful
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            continue
        found.append(username)
    return found


def record(
    conn: Connection,
    viewer: Viewer,
    action: str,
    office_code: str | None = None,
    rows: int | None = None,
    at: dt.datetime | None = None,
    **detail,
) -> None:
    """Append to the audit log: who, when, what (export, target_set, outcomes_import, user_add, ...)."""
    conn.execute(
        insert(audit_log).values(
            at=at or dt.datetime.now(),
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
