"""``/login`` and ``/logout``: signing in with a username and password, and out."""

from __future__ import annotations

from typing import Annotated

from flask import g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.access import accounts
from scoring_service.domain.principals import NOBODY
from scoring_service.i18n import _
from web import security
from web.blueprint import page_blueprint
from web.context import uow
from web.forms import Form

bp = page_blueprint("auth", __name__, public=True)


class SignIn(Form):
    username: Annotated[str, Field(max_length=200)] = ""
    password: Annotated[str, Field(max_length=2000)] = ""


def _next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only, else the home page."""
    return security.own_path(target) or url_for("web.home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in form; on success, a new session and the page asked for."""
    target = _next(request.values.get("next"))
    if request.method == "GET":
        if g.get("account") is not None:
            return redirect(target)
        expired = g.get("session_expired", False) or request.args.get("expired") == "1"
        return render_template("login.html", next=target, expired=expired, username="")
    form = SignIn.model_validate(request.form.to_dict())
    wait = security.sign_in_wait(form.username)
    if wait is not None:
        message = _("Too many failed sign-ins. Try again in %(seconds)s seconds.", seconds=wait)
        page = render_template("login.html", next=target, error=message, username=form.username)
        return page, 429, {"Retry-After": str(wait)}
    account = accounts.sign_in(uow(NOBODY), form.username, form.password)
    if account is None:
        security.sign_in_failed(form.username)
        message = _("The username or password is wrong, or the account is disabled.")
        page = render_template("login.html", next=target, error=message, username=form.username)
        return page, 401
    security.start_session(account)
    return redirect(target)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> BaseResponse | str:
    """GET asks to confirm (a link cannot sign anyone out); POST signs out, ending the
    account's sessions on the server, not only forgetting this cookie."""
    if request.method == "GET":
        if g.get("account") is None:
            return redirect(url_for("web.auth.login"))
        return render_template("logout.html")
    if g.get("account") is not None:
        accounts.sign_out(uow(), g.account.id)
    security.end_session()
    return redirect(url_for("web.auth.login"))
