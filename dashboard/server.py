"""The app with its sign-in cookie routes: `streamlit run dashboard/server.py` (what `cashless serve`
runs). Streamlit serves dashboard/app.py as usual; the routes of dashboard/session_cookie.py set and
delete the HttpOnly cookie, which a script cannot do over its websocket."""

from __future__ import annotations

import functools
import sys
from http.cookies import SimpleCookie
from pathlib import Path

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` does not install us

from cashless.settings import SignInSettings, database_url  # noqa: E402
from dashboard import session_cookie  # noqa: E402
from dashboard.warm_up import warm_up  # noqa: E402


@functools.cache
def _secret() -> str:
    from warehouse.access import session_secret
    from warehouse.db import make_engine

    engine = make_engine(database_url())
    try:
        with engine.begin() as conn:
            return session_secret(conn)
    finally:
        engine.dispose()


def _base_path() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _cookie_options(request: Request) -> dict:
    https = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    return {"path": _base_path() or "/", "httponly": True, "samesite": "lax", "secure": https}


def _idle_seconds() -> float:
    return SignInSettings.from_env().idle_hours * 3600


async def start_session(request: Request) -> Response:
    """Swap a one-time hand-over token for the session cookie."""
    secret = await run_in_threadpool(_secret)
    found = session_cookie.redeem_handoff(secret, request.query_params.get("t", ""))
    response = Response(status_code=204)  # fetched by the signed-in page in the background
    if found is not None:
        value = session_cookie.cookie_value(secret, *found)
        response.set_cookie(
            session_cookie.COOKIE_NAME, value, max_age=int(_idle_seconds()), **_cookie_options(request)
        )
    return response


async def end_session(request: Request) -> RedirectResponse:
    """Delete the session cookie, then back to the page (the sign-in form)."""
    response = RedirectResponse(session_cookie.safe_next(request.query_params.get("next")), status_code=303)
    response.delete_cookie(session_cookie.COOKIE_NAME, **_cookie_options(request))
    return response


async def refresh_session(request: Request) -> Response:
    """Re-sign a valid session cookie (an open tab in use asks every few minutes)."""
    response = Response(status_code=204)
    current = request.cookies.get(session_cookie.COOKIE_NAME)
    fresh = session_cookie.refreshed_cookie(await run_in_threadpool(_secret), current, _idle_seconds(), 0)
    if fresh:
        response.set_cookie(
            session_cookie.COOKIE_NAME, fresh, max_age=int(_idle_seconds()), **_cookie_options(request)
        )
    return response


class RefreshSessionCookie:
    """Re-sign a valid session cookie on the app's HTTP requests, so it expires after idle time."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_base_path() + session_cookie.ROUTE_PREFIX):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        current = request.cookies.get(session_cookie.COOKIE_NAME)
        fresh = None
        if current:
            fresh = session_cookie.refreshed_cookie(
                await run_in_threadpool(_secret), current, _idle_seconds()
            )

        async def send_with_cookie(message) -> None:
            if fresh and message["type"] == "http.response.start":
                cookie = SimpleCookie()
                cookie[session_cookie.COOKIE_NAME] = fresh
                morsel = cookie[session_cookie.COOKIE_NAME]
                options = _cookie_options(request)
                morsel.update({"path": options["path"], "httponly": True, "samesite": "Lax"})
                morsel["max-age"] = int(_idle_seconds())
                if options["secure"]:
                    morsel["secure"] = True
                MutableHeaders(scope=message).append("set-cookie", morsel.OutputString())
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _routes() -> list[Route]:
    base = _base_path()
    session_cookie.mounted = True
    return [
        Route(base + session_cookie.SESSION_PATH, start_session, methods=["GET"]),
        Route(base + session_cookie.SIGNOUT_PATH, end_session, methods=["GET"]),
        Route(base + session_cookie.REFRESH_PATH, refresh_session, methods=["GET"]),
    ]


warm_up()
app = st.App("app.py", routes=_routes(), middleware=[Middleware(RefreshSessionCookie)])
