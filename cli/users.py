"""`cashless users`: the app's accounts."""

from __future__ import annotations

import sys

from cashless.errors import UserFacingError
from cli.common import open_engine


def register(commands) -> None:
    users = commands.add_parser("users", help="accounts of the app")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account (password asked, or read from stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["admin", "executive", "planner", "manager"])
    add.add_argument("--office", help="the manager's office code")
    add.add_argument("--email", help="e-mail of the company sign-in (OIDC), if any")
    actions.add_parser("list", help="list accounts")
    disable = actions.add_parser("disable", help="disable an account")
    disable.add_argument("username")
    enable = actions.add_parser("enable", help="enable a disabled account")
    enable.add_argument("username")
    reset = actions.add_parser(
        "reset-password",
        help="give an account a one-time password, to change at the next sign-in",
        description="Prints a one-time password to hand over; the account's open sessions end and "
        "its next sign-in asks for a new password. Example: cashless users reset-password manager.yenson",
    )
    reset.add_argument("username")


def run(args) -> int:
    from warehouse import access

    engine = open_engine()
    if args.action == "list":
        with engine.connect() as conn:
            table = access.list_users(conn)
        print(
            table.astype(object).where(table.notna(), "").to_string(index=False) if len(table) else "no users"
        )
        return 0
    with engine.begin() as conn:
        if args.action == "reset-password":
            one_time = access.reset_password(conn, args.username, by=access.operator())
            print(f"one-time password for {args.username}: {one_time}")
            print("it must be changed at the next sign-in")
        elif args.action == "add":
            password = _read_password()
            access.add_user(
                conn, args.username, password, args.role, args.office, args.email, by=access.operator()
            )
            print(f"user {args.username} ({args.role}{' ' + args.office if args.office else ''}) added")
        else:
            active = args.action == "enable"
            access.set_active(conn, args.username, active, by=access.operator())
            print(f"user {args.username} {'enabled' if active else 'disabled'}")
    return 0


def _read_password() -> str:
    """Ask twice on a terminal; otherwise read one line from stdin (for scripts)."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise UserFacingError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")
