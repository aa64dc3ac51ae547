"""``page_blueprint``: how every area of pages is made, so that none can forget a guard.

Each request to a page blueprint, before its view runs: the CSRF token of a form is
checked, and the signed-in person is loaded (pages that are not ``public`` send everyone
else to ``/login``). After it: the security headers. Errors raised in its views become HTML
pages (``web.errors``), never the API's JSON. The language is the app's, chosen for every
answer by ``edge/language.py``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.access.accounts import principal_of
from scoring_service.domain.principals import Permission
from web import errors, security

TEMPLATES = Path(__file__).with_name("templates")


def page_blueprint(
    name: str, import_name: str, *, public: bool = False, permission: Permission = Permission.READ
) -> Blueprint:
    """A blueprint of pages; unless ``public``, each needs a signed-in person whose role has
    ``permission`` (reading, for most)."""
    bp = Blueprint(name, import_name, template_folder=str(TEMPLATES))

    @bp.before_request
    def guard() -> BaseResponse | None:
        # The language is the app's choice for every answer (edge/language.py): the
        # browser's Accept-Language, else SCORING_LANGUAGE (Chinese by default).
        security.check_csrf()
        account = security.load_person()
        if account is not None:
            g.account = account
            g.person = principal_of(account)
        if public:
            return None
        if account is None:
            target = request.full_path if request.query_string else request.path
            # Said on the sign-in page: a session that timed out, not one never opened.
            expired = 1 if g.get("session_expired") else None
            return redirect(url_for("web.auth.login", next=target, expired=expired))
        g.person.require(permission)
        return None

    bp.after_request(security.add_headers)
    errors.register(bp)
    return bp
