"""The sign-in cookie: signed (itsdangerous), expiring after `idle_hours` unused, HttpOnly, SameSite=Lax.

A Streamlit script talks to the browser over a websocket and cannot set an HttpOnly cookie itself, so
the launcher (dashboard/server.py) mounts two small HTTP routes beside the app:
- `/_cashless/session?t=TOKEN`: TOKEN is a one-time hand-over the script makes after a sign-in
  (valid for a minute, used once), fetched by the signed-in page in the background; the route sets the
  cookie;
- `/_cashless/signout?next=PATH`: deletes the cookie;
- `/_cashless/refresh`: re-signs a valid cookie; an open tab in use calls it every few minutes.
The cookie carries the username and the account's session version; every run re-reads the account,
so sign-out, a new password, disabling or a new role take effect at once. A middleware re-signs a
valid cookie on the app's HTTP requests, so the expiry counts from the last use, not the sign-in.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import quote

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "cashless_session"
ROUTE_PREFIX = "/_cashless"
SESSION_PATH = f"{ROUTE_PREFIX}/session"
SIGNOUT_PATH = f"{ROUTE_PREFIX}/signout"
REFRESH_PATH = f"{ROUTE_PREFIX}/refresh"
HANDOFF_SECONDS = 60
REFRESH_AFTER_SECONDS = 300  # re-sign a cookie at most every 5 minutes

# Set by the launcher once the routes are mounted; without them (AppTest, a bare `streamlit run
# dashboard/app.py`) a sign-in lasts as long as the browser tab's session.
mounted = False
_used: dict[str, float] = {}  # hand-over nonces already used -> when they expire
_used_lock = threading.Lock()


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def cookie_value(secret: str, username: str, version: int) -> str:
    """A signed, timestamped cookie value for the account's current session version."""
    return _serializer(secret, "cashless-session").dumps({"u": username, "v": version})


def read_cookie(secret: str, value: str | None, max_age_seconds: float) -> tuple[str, int] | None:
    """(username, session version) of a cookie signed with `secret` no longer ago than max_age, else None."""
    if not value:
        return None
    try:
        payload = _serializer(secret, "cashless-session").loads(value, max_age=max_age_seconds)
        return str(payload["u"]), int(payload["v"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def refreshed_cookie(
    secret: str, value: str | None, max_age_seconds: float, min_age_seconds: float = REFRESH_AFTER_SECONDS
) -> str | None:
    """A newly signed copy of a valid cookie signed at least `min_age_seconds` ago, else None."""
    if not value:
        return None
    serializer = _serializer(secret, "cashless-session")
    try:
        payload, signed_at = serializer.loads(value, max_age=max_age_seconds, return_timestamp=True)
    except (BadSignature, TypeError, ValueError):
        return None
    if time.time() - signed_at.timestamp() < min_age_seconds:
        return None
    return serializer.dumps(payload)


def handoff_token(secret: str, username: str, version: int) -> str:
    """A one-time, one-minute token the session route swaps for the cookie."""
    return _serializer(secret, "cashless-handoff").dumps(
        {"u": username, "v": version, "n": secrets.token_hex(8)}
    )


def redeem_handoff(secret: str, token: str) -> tuple[str, int] | None:
    """(username, session version) of a valid hand-over token not used before; marks it used."""
    try:
        payload = _serializer(secret, "cashless-handoff").loads(token, max_age=HANDOFF_SECONDS)
        nonce, found = str(payload["n"]), (str(payload["u"]), int(payload["v"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    now = time.monotonic()
    with _used_lock:
        for old in [n for n, until in _used.items() if until < now]:
            del _used[old]
        if nonce in _used:
            return None
        _used[nonce] = now + HANDOFF_SECONDS + 5
    return found


def safe_next(path: str | None) -> str:
    """A local path to go back to (never another site: `//host` and schemes are refused)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def session_script(base_path: str, token: str) -> str:
    """A script for st.html that has the browser swap a hand-over token for the cookie in the
    background: the page signed in on this websocket goes on drawing, with no reload."""
    return f"<script>fetch('{base_path}{SESSION_PATH}?t={quote(token)}', {{credentials: 'same-origin'}});</script>"


def refresh_script(base_path: str, nonce: str) -> str:
    """A script for st.html that has the browser renew its cookie (an open tab makes no HTTP request)."""
    return (
        f"<script>/* {nonce} */ fetch('{base_path}{REFRESH_PATH}', {{credentials: 'same-origin'}});</script>"
    )


def signout_url(base_path: str, next_path: str = "/") -> str:
    return f"{base_path}{SIGNOUT_PATH}?next={quote(safe_next(next_path), safe='')}"
