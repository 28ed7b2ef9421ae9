"""Sign-in for the app: local accounts (hashed passwords in the warehouse), or the company's OIDC
provider through st.login when `[auth]` is configured in .streamlit/secrets.toml (DESIGN §8).

`require_viewer` is the one way in, called by the router on every run: it re-reads the account from
the database (so disabling it or changing its role takes effect at once), keeps a sign-in across
reloads and tabs through the session cookie (dashboard/session_cookie.py), and otherwise draws the
sign-in form or the forced password change and stops the script.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode, urlparse

import streamlit as st

from cashless.settings import SignInSettings
from dashboard import data, session_cookie
from dashboard.i18n import t
from warehouse import access
from warehouse.access import Account, UserError, Viewer

SESSION_KEY = "auth_viewer"  # the viewer of this run (pages read it through current_viewer)
ACCOUNT_KEY = "auth_account"  # (username, session version, last run) of a local sign-in
COOKIE_AT_KEY = "auth_cookie_at"  # when this tab last knew its cookie to be freshly signed
HANDOFF_KEY = "auth_handoff"  # a sign-in's one-time token, for the browser to swap for the cookie


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_viewer() -> Viewer | None:
    """The viewer `require_viewer` admitted on this run (pages call this)."""
    return st.session_state.get(SESSION_KEY)


def require_viewer() -> Viewer:
    """The signed-in viewer, as the database has the account now; otherwise draws the sign-in (or
    the forced password change) and stops. Deep links keep their address: after signing in, the
    browser goes back to the page and query it asked for."""
    settings = SignInSettings.from_env()
    account = _session_account(settings) or _cookie_account(settings)
    if account is None:
        viewer = _oidc_viewer()
        if viewer is None:
            st.session_state.pop(SESSION_KEY, None)
            sign_in_form()
        st.session_state[SESSION_KEY] = viewer
        return viewer
    st.session_state[ACCOUNT_KEY] = (account.viewer.username, account.session_version, dt.datetime.now())
    st.session_state[SESSION_KEY] = account.viewer
    _hand_over_cookie()
    _keep_cookie_fresh()
    if account.must_change_password:
        _alone(_draw_forced_change)
    return account.viewer


def _draw_forced_change() -> None:
    st.title(t("app_title"))
    st.warning(t("must_change_password"))
    password_form(current_viewer())


def _session_account(settings: SignInSettings) -> Account | None:
    """This tab's sign-in, re-read; None when the account was disabled, signed out or left idle."""
    held = st.session_state.get(ACCOUNT_KEY)
    if held is None:
        return None
    username, version, last_run = held
    if dt.datetime.now() - last_run > dt.timedelta(hours=settings.idle_hours):
        st.session_state.pop(ACCOUNT_KEY, None)
        return None
    with data.engine().connect() as conn:
        account = access.current_account(conn, username, version)
    if account is None:
        st.session_state.pop(ACCOUNT_KEY, None)
    return account


def _cookie_account(settings: SignInSettings) -> Account | None:
    """The account of the browser's session cookie (a reload, a new tab), if still valid."""
    value = st.context.cookies.get(session_cookie.COOKIE_NAME)
    if not value:
        return None
    found = session_cookie.read_cookie(_secret(), value, settings.idle_hours * 3600)
    if found is None:
        return None
    with data.engine().connect() as conn:
        account = access.current_account(conn, *found)
    if account is not None:
        st.session_state[COOKIE_AT_KEY] = dt.datetime.now()  # the page load has just re-signed it
    return account


@st.cache_resource
def _secret() -> str:
    """The cookie-signing key (warehouse.access.session_secret), read once per server."""
    with data.engine().begin() as conn:
        return access.session_secret(conn)


def _keep_cookie_fresh() -> None:
    """Every few minutes of use, have the browser renew the cookie, so idle expiry counts from the
    last use in any tab (a tab in use talks over its websocket and makes no HTTP request)."""
    renewed = st.session_state.get(COOKIE_AT_KEY)
    if not session_cookie.mounted or renewed is None:
        return
    now = dt.datetime.now()
    if (now - renewed).total_seconds() >= session_cookie.REFRESH_AFTER_SECONDS:
        st.session_state[COOKIE_AT_KEY] = now
        with st.sidebar:
            st.html(
                session_cookie.refresh_script(_base_path(), now.isoformat()), unsafe_allow_javascript=True
            )


def _oidc_viewer() -> Viewer | None:
    """The account of an OIDC sign-in whose e-mail the provider verified; stops on an unknown one."""
    if not oidc_configured() or not st.user.is_logged_in:
        return None
    with data.engine().connect() as conn:
        viewer = access.viewer_for_oidc(conn, st.user.to_dict())
    if viewer is None:
        st.title(t("app_title"))
        st.error(t("no_account_for_email", email=st.user.get("email", "?")))
        st.button(t("sign_out"), on_click=st.logout)
        st.stop()
    return viewer


def client_address() -> str:
    """Who is signing in, for throttling: the address the proxy in front saw (the last entry it added
    to X-Forwarded-For), else the websocket's peer, else 'local'."""
    forwarded = st.context.headers.get("X-Forwarded-For", "")
    if forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return st.context.ip_address or "local"


def sign_in_form() -> None:
    """The sign-in page, alone; stops the script until someone signs in."""
    _alone(_draw_sign_in)


def _alone(draw) -> None:
    """Run `draw` as the only page, with no page list (a session that was signed in has one on
    screen), at the address asked for, so the page and query are kept for after the sign-in."""
    asked = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    pages = [st.Page(draw, title=t("sign_in"), url_path="sign-in", default=True)]
    if re.fullmatch(r"[A-Za-z0-9_-]+", asked) and asked != "sign-in":
        pages.append(st.Page(draw, title=t("sign_in"), url_path=asked))
    st.navigation(pages, position="hidden").run()
    st.stop()


def _draw_sign_in() -> None:
    st.title(t("app_title"))
    if not data.has_users():
        st.warning(t("no_users"))
        st.stop()
    if oidc_configured():
        st.button(t("sign_in_sso"), on_click=st.login, type="primary")
    with st.form("auth_form"):
        username = st.text_input(t("username"), key="auth_username")
        password = st.text_input(t("password"), type="password", key="auth_password")
        submitted = st.form_submit_button(t("sign_in"), type="primary")
    _preload_components()
    if submitted:
        with data.engine().begin() as conn:
            result = access.sign_in(
                conn, username, password, client_address(), settings=SignInSettings.from_env()
            )
        if result.account is not None:
            _signed_in(result.account)
        elif result.locked_until is not None:
            st.error(t("sign_in_locked", time=result.locked_until.strftime("%H:%M")))
        else:
            st.error(t("bad_login"))
    st.stop()


def _preload_components() -> None:
    """The pages' components, hidden: the browser fetches and compiles their code (the chart library,
    the data grid and its Arrow reader, the inputs; about 1 s on a first visit) while the user types,
    not after the click that opens the overview."""
    import pandas as pd
    import plotly.graph_objects as go

    st.html("<style>.st-key-preload {display: none}</style>")
    with st.container(key="preload"):
        st.plotly_chart(go.Figure(), key="preload_chart")
        st.dataframe(pd.DataFrame({"x": [1.0]}).style.format("{:.1f}"), key="preload_table")
        st.selectbox("preload", [1], key="preload_select", label_visibility="collapsed")
        st.date_input("preload", key="preload_day", label_visibility="collapsed")
        st.segmented_control("preload", [1], key="preload_choice", label_visibility="collapsed")
        st.button("preload", key="preload_button")
        st.download_button("preload", b"", key="preload_file", on_click="ignore")


def _signed_in(account: Account) -> None:
    """Hold the sign-in in this tab and draw the page asked for at once; where the cookie routes are
    mounted, the next run has the browser fetch the cookie in the background (_hand_over_cookie).

    No reload: the page, its query and this websocket session stay as they are (a reload to set the
    cookie cost the sign-in a second start of the whole front end)."""
    st.session_state[ACCOUNT_KEY] = (account.viewer.username, account.session_version, dt.datetime.now())
    st.session_state[SESSION_KEY] = account.viewer
    if session_cookie.mounted:
        st.session_state[COOKIE_AT_KEY] = dt.datetime.now()
        st.session_state[HANDOFF_KEY] = session_cookie.handoff_token(
            _secret(), account.viewer.username, account.session_version
        )
    st.rerun()


def _hand_over_cookie() -> None:
    """After a sign-in, the browser swaps the one-time token for its HttpOnly cookie (a script
    cannot set one) so that reloads and new tabs stay signed in."""
    token = st.session_state.pop(HANDOFF_KEY, None)
    if token is not None:
        with st.sidebar:
            st.html(session_cookie.session_script(_base_path(), token), unsafe_allow_javascript=True)


def sign_out() -> None:
    """End the account's sessions (every tab and browser), and delete the cookie."""
    viewer = current_viewer()
    if viewer is not None and ACCOUNT_KEY in st.session_state:
        with data.engine().begin() as conn:
            access.end_sessions(conn, viewer.username)
    st.session_state.pop(ACCOUNT_KEY, None)
    st.session_state.pop(SESSION_KEY, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
    elif session_cookie.mounted:
        _redirect(session_cookie.signout_url(_base_path(), _here()))


def password_form(viewer: Viewer) -> None:
    """Change one's own password (the current or one-time one, then the new one twice)."""
    with st.form("auth_password_form", clear_on_submit=True):
        current = st.text_input(t("current_password"), type="password", key="auth_current_password")
        new = st.text_input(t("new_password"), type="password", key="auth_new_password")
        again = st.text_input(t("new_password_again"), type="password", key="auth_new_password_again")
        submitted = st.form_submit_button(t("change_password"), type="primary")
    if not submitted:
        return
    if new != again:
        st.error(t("passwords_differ"))
        return
    try:
        with data.engine().begin() as conn:
            account = access.change_password(conn, viewer.username, current, new)
    except UserError as error:
        st.error(str(error))
        return
    st.session_state["auth_password_changed"] = True
    _signed_in(account)  # the new session version needs a new cookie


def reset_password(by: Viewer, username: str) -> str:
    """An admin's reset to a one-time password (warehouse.access.reset_password), returned to show once."""
    with data.engine().begin() as conn:
        return access.reset_password(conn, username, by=by)


def password_changed_notice() -> None:
    """Say once, on the run after it, that the password was changed."""
    if st.session_state.pop("auth_password_changed", False):
        st.success(t("password_changed"))


def _redirect(url: str) -> None:
    """Send the browser to `url` (what st.login does to reach its own routes)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is not None:
        message = ForwardMsg()
        message.auth_redirect.url = url
        context.enqueue(message)


def _base_path() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _here() -> str:
    """This page's path and query, to come back to after the cookie round trip."""
    path = urlparse(st.context.url or "").path or "/"
    # every value of a repeated parameter (a link's communes), not only the last one
    query = urlencode([(name, value) for name in st.query_params for value in st.query_params.get_all(name)])
    return f"{path}?{query}" if query else path


def role_label(viewer: Viewer) -> str:
    return t(f"role_{viewer.role}", office=viewer.office_code or "")
