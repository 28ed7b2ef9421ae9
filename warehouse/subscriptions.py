"""Who is mailed the weekly review: a `subscribed` flag on each account, set by an admin."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select, update

from warehouse.access import UserError, Viewer, record
from warehouse.schema import users


def set_subscribed(conn: Connection, username: str, subscribed: bool, by: Viewer | None = None) -> None:
    """Subscribe (or unsubscribe) an account; it needs an e-mail. `by` must manage users and is audited."""
    if by is not None:
        by.require("manage_users")
    email = conn.execute(select(users.c.email).where(users.c.username == username)).first()
    if email is None:
        raise UserError(f"no user '{username}'")
    if subscribed and not email[0]:
        raise UserError(f"user '{username}' has no e-mail address to send the review to")
    conn.execute(update(users).where(users.c.username == username).values(subscribed=subscribed))
    if by is not None:
        record(conn, by, "user_subscribe" if subscribed else "user_unsubscribe", user=username)


def subscriptions(conn: Connection) -> dict[str, bool]:
    """username -> subscribed, for every account (the users page shows it beside the list)."""
    return {name: bool(flag) for name, flag in conn.execute(select(users.c.username, users.c.subscribed))}


def subscribers(conn: Connection) -> pd.DataFrame:
    """username, role, office_code, email of the active, subscribed accounts with an e-mail, by name."""
    columns = [users.c.username, users.c.role, users.c.office_code, users.c.email]
    rows = conn.execute(
        select(*columns)
        .where(users.c.subscribed.is_(True), users.c.active.is_(True), users.c.email.is_not(None))
        .order_by(users.c.username)
    ).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])


def viewer_of(row) -> Viewer:
    """The viewer a subscriber reads as: a manager their office, everyone else the province."""
    return Viewer(row.username, row.role, row.office_code if row.role == "manager" else None)
