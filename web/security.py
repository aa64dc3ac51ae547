"""What keeps the pages safe: signed session cookies with an idle timeout, CSRF tokens on
every form, sign-in throttling and the security headers of every page.

- The session is Flask's signed cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure`` by
  ``SCORING_SECURE_COOKIES``). It holds the account's id, its session version and when it
  was last used; each request reads the account again, so a disabled account, a reset
  password or signing out ends every session at its next request (the account's session
  version moves on; a copy of the cookie holds the old one), and a session idle longer than
  ``SCORING_SESSION_IDLE_MINUTES`` must sign in again.
- The signing key is ``SCORING_SECRET_KEY``, else one the service made and keeps in the
  database (``access.accounts.session_secret``): gunicorn's workers and restarts agree.
- CSRF (Flask-WTF) is checked on the pages' forms only: the API's callers send bearer
  tokens, which a browser never adds by itself, so the API needs none.
- Failed sign-ins are counted per client address and per username, like failed tokens
  (``edge.throttle``); past the limit, sign-in answers 429 until the window has passed.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer

from edge.context import uow
from edge.throttle import FailedAuthentications, limiter
from scoring_service.access import accounts
from scoring_service.config import Settings
from scoring_service.domain.principals import NOBODY

log = logging.getLogger("web")
csrf = CSRFProtect()
THROTTLE = "scoring.web_sign_in_failures"
IDLE = "scoring.web_idle_seconds"

# No inline script or style anywhere: every script and style sheet is a file of web/static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask, config: Settings) -> None:
    """Session cookie settings, the signing key, CSRF and the sign-in failure counter."""
    app.secret_key = config.secret_key or None
    app.session_interface = KeyedSessions()
    app.config.update(
        SESSION_COOKIE_NAME="scoring_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.https_only_cookies,
        # The idle timeout is checked here (load_person), so the page can say why one must
        # sign in again; the cookie itself lasts a working day past its last use.
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config.session_idle_minutes, hours=12),
        # Checked by the pages' blueprints only (check_csrf), never on the API.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A token lives as long as the session that holds it.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
    )
    csrf.init_app(app)
    app.extensions[THROTTLE] = FailedAuthentications(
        limiter(app, config).storage,
        "web-sign-in",
        config.auth_failure_limit,
        config.auth_failure_window_seconds,
    )
    app.extensions[IDLE] = config.session_idle_minutes * 60


class KeyedSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, the key read from the database on first use when
    ``SCORING_SECRET_KEY`` is not set: the app is built before the schema may exist, and a
    database that is down must not stop the API from answering (its requests carry no
    cookie; without a key Flask gives them an empty session that cannot be written)."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            try:
                app.secret_key = accounts.session_secret(uow(NOBODY))
            except Exception:  # the database cannot be used: no session this request
                log.warning("no session key: the database cannot be read", exc_info=True)
                return None
        return super().get_signing_serializer(app)


def check_csrf() -> None:
    """Refuse a form sent without this session's CSRF token (400, CSRFError)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def add_headers(response: Response) -> Response:
    """The security headers of every page; pages hold personal data, so no caching."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    if not request.path.startswith("/assets/"):
        response.headers["Cache-Control"] = "no-store"
    return response


# --- where to go next -------------------------------------------------------------------------


def own_path(target: str | None) -> str | None:
    """``target`` when it is a path of this site, else None.

    Only a relative path starting with one ``/``: no scheme, no host, no backslash, no
    control or blank character. Browsers drop tabs and line breaks from an address and read
    a backslash as a slash (a tab between two slashes leads to another host), and a line
    break cannot be sent in a header at all. The text once percent-decoded is held to the
    same rule but for blanks (a search for two words is still this site's)."""
    if not target or _leaves(target) or any(_blank_or_control(c) for c in target):
        return None
    decoded = unquote(target)
    if _leaves(decoded) or any(unicodedata.category(c).startswith("C") for c in decoded):
        return None
    return target


def _leaves(text: str) -> bool:
    """Whether an address could lead off this site: not one leading ``/``, a backslash,
    a scheme or a host."""
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return True
    parts = urlsplit(text)
    return bool(parts.scheme or parts.netloc)


def _blank_or_control(c: str) -> bool:
    return c.isspace() or unicodedata.category(c)[0] in "CZ"


# --- the session ------------------------------------------------------------------------------


def start_session(account: accounts.AccountInfo) -> None:
    """Sign ``account`` in: a new session (nothing of an earlier one is kept)."""
    session.clear()
    session.permanent = True
    session["account"] = account.id
    session["version"] = account.session_version
    session["seen"] = int(time.time())


def end_session() -> None:
    session.clear()


def load_person() -> accounts.AccountInfo | None:
    """The signed-in account of this request, or None (never signed in, idle too long,
    disabled, password reset). Marks the session as used now."""
    account_id, version, seen = session.get("account"), session.get("version"), session.get("seen")
    if not isinstance(account_id, int) or not isinstance(version, int):
        return None
    now = int(time.time())
    if not isinstance(seen, int) or now - seen > current_app.extensions[IDLE]:
        g.session_expired = True
        session.clear()
        return None
    found = accounts.signed_in_account(uow(NOBODY), account_id, version)
    if found is None:
        session.clear()
        return None
    if now - seen >= 60:  # rewrite the cookie at most once a minute
        session["seen"] = now
    return found


# --- sign-in throttling -----------------------------------------------------------------------


def _counter() -> FailedAuthentications:
    found: FailedAuthentications = current_app.extensions[THROTTLE]
    return found


def _keys(username: str) -> tuple[str, str]:
    return f"address:{request.remote_addr or 'unknown'}", f"username:{username.lower()}"


def sign_in_wait(username: str) -> int | None:
    """Seconds before this address, or anyone for this username, may try again."""
    waits = [w for key in _keys(username) if (w := _counter().retry_after(key)) is not None]
    return max(waits) if waits else None


def sign_in_failed(username: str) -> None:
    for key in _keys(username):
        _counter().failed(key)
