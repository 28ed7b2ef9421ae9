"""The session cookie's value: signed, bound to the account's session version, expiring after idle
time; the hand-over token works once; the way back never leaves the site."""

from __future__ import annotations

import time

from dashboard import session_cookie as sc

SECRET = "k" * 64
EIGHT_HOURS = 8 * 3600


def test_a_cookie_reads_back_only_with_the_key_and_before_it_expires(monkeypatch):
    value = sc.cookie_value(SECRET, "yenson", 3)
    assert sc.read_cookie(SECRET, value, EIGHT_HOURS) == ("yenson", 3)
    assert sc.read_cookie("another key" * 4, value, EIGHT_HOURS) is None
    forged = sc.cookie_value("guessed key" * 4, "admin", 3).split(".")[0] + "." + value.split(".", 1)[1]
    assert sc.read_cookie(SECRET, forged, EIGHT_HOURS) is None  # another account's payload, our signature
    assert sc.read_cookie(SECRET, value[:-2] + "xx", EIGHT_HOURS) is None
    assert (
        sc.read_cookie(SECRET, "", EIGHT_HOURS) is None and sc.read_cookie(SECRET, None, EIGHT_HOURS) is None
    )
    signed_at = time.time()
    monkeypatch.setattr(time, "time", lambda: signed_at + EIGHT_HOURS + 5)  # 8 idle hours later
    assert sc.read_cookie(SECRET, value, EIGHT_HOURS) is None


def test_a_used_cookie_is_signed_again_and_then_lasts_from_then(monkeypatch):
    value = sc.cookie_value(SECRET, "plan", 0)
    assert sc.refreshed_cookie(SECRET, value, EIGHT_HOURS) is None  # signed just now: nothing to do
    signed_at = time.time()
    monkeypatch.setattr(time, "time", lambda: signed_at + 7 * 3600)
    fresh = sc.refreshed_cookie(SECRET, value, EIGHT_HOURS)
    assert fresh != value and sc.read_cookie(SECRET, fresh, EIGHT_HOURS) == ("plan", 0)
    monkeypatch.setattr(time, "time", lambda: signed_at + 12 * 3600)  # 5 h after the renewal
    assert sc.read_cookie(SECRET, value, EIGHT_HOURS) is None
    assert sc.read_cookie(SECRET, fresh, EIGHT_HOURS) == ("plan", 0)
    assert sc.refreshed_cookie(SECRET, "forged", EIGHT_HOURS) is None


def test_a_hand_over_token_works_once_and_not_as_a_cookie():
    token = sc.handoff_token(SECRET, "admin", 7)
    assert sc.read_cookie(SECRET, token, EIGHT_HOURS) is None  # another salt: not a session cookie
    assert sc.redeem_handoff(SECRET, token) == ("admin", 7)
    assert sc.redeem_handoff(SECRET, token) is None
    assert sc.redeem_handoff(SECRET, sc.cookie_value(SECRET, "admin", 7)) is None
    assert sc.redeem_handoff("other" * 10, sc.handoff_token(SECRET, "admin", 7)) is None


def test_the_way_back_stays_on_the_site():
    assert sc.safe_next("/targets?office=PA1102") == "/targets?office=PA1102"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None, "javascript:x"):
        assert sc.safe_next(bad) == "/"
    assert "fetch('/app/_cashless/session?t=A%2BB'" in sc.session_script("/app", "A+B")
    assert sc.signout_url("/app", "//evil") == "/app/_cashless/signout?next=%2F"
