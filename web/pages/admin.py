"""``/admin``: people's accounts and the API's tokens, for administrators. Listing,
creating, disabling an account, resetting its password or changing its email address,
creating and revoking tokens; and each notice channel's waiting, delivered and parked
deliveries (for unscoped administrators, as ``deliver --status``):
the services of ``scoring_service.access``, which hold a scoped administrator to accounts
and tokens inside its own scope, as the API's rule for tokens does (403 outside)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.access import accounts, tokens
from scoring_service.domain.errors import Conflict, InvalidRequest
from scoring_service.domain.principals import Permission, Role
from scoring_service.i18n import _
from scoring_service.notices.deliver import delivery_status
from web.blueprint import page_blueprint
from web.context import person, uow
from web.forms import Problem
from web.pages.inspections import codes

bp = page_blueprint("admin", __name__, permission=Permission.ADMIN)


def _page(
    *,
    problems: list[Problem] | None = None,
    failed: str = "",
    form: dict[str, str] | None = None,
    secret: str | None = None,
    made: tokens.TokenInfo | None = None,
) -> str:
    """The page; ``problems`` shown at the form ``failed`` with what was typed (``form``,
    never a password); a token just made with its ``secret``, shown this once."""
    return render_template(
        "admin.html",
        people=accounts.list_accounts(uow()),
        tokens=tokens.list_tokens(uow(), include_revoked=True),
        roles=[r.value for r in Role],
        problems=problems or [],
        failed=failed,
        form=form or {},
        secret=secret,
        made=made,
        # Deliveries concern every unit: a scoped administrator is not shown them.
        deliveries=delivery_status(uow()) if person().scope is None else None,
    )


def _scope(text: str) -> list[str] | None:
    """The scope typed: unit codes, or nothing for every unit."""
    return codes(text) or None


def _typed() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if "password" not in k and k != "csrf_token"}


def _new_password() -> str:
    """The new password typed twice; InvalidRequest unless both agree and it follows the
    rules."""
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        raise InvalidRequest(_("the two passwords differ; type the same one twice"))
    accounts.check_password_rules(password)
    return password


@bp.get("/admin")
def index() -> str:
    """Accounts by username and tokens by id, revoked ones too."""
    return _page()


@bp.post("/admin/accounts")
def create_account() -> BaseResponse | tuple[str, int]:
    form = _typed()
    try:
        accounts.check_email(form.get("email"))
    except InvalidRequest as exc:
        return _page(problems=[Problem("email", str(exc))], failed="account", form=form), 422
    try:
        password = _new_password()
        made = accounts.create_account(
            uow(),
            form.get("username", "").strip(),
            form.get("role", ""),
            password,
            _scope(form.get("scope", "")),
            form.get("email") or None,
        )
    except InvalidRequest as exc:
        return _page(problems=[Problem("username", str(exc))], failed="account", form=form), 422
    except Conflict as exc:
        return _page(problems=[Problem("username", str(exc))], failed="account", form=form), 409
    flash(_("The account %(name)s is created.", name=made.username))
    return redirect(url_for("web.admin.index"))


@bp.post("/admin/accounts/<username>/disable")
def disable_account(username: str) -> BaseResponse | tuple[str, int]:
    try:
        accounts.disable_account(uow(), username)
    except Conflict as exc:
        return _page(problems=[Problem(f"disable-{username}", str(exc))], failed="people"), 409
    flash(_("The account %(name)s is disabled; its sessions have ended.", name=username))
    return redirect(url_for("web.admin.index"))


@bp.post("/admin/accounts/<username>/password")
def reset_password(username: str) -> BaseResponse | tuple[str, int]:
    try:
        accounts.reset_password(uow(), username, _new_password())
    except InvalidRequest as exc:
        problems = [Problem(f"password-{username}", str(exc))]
        return _page(problems=problems, failed="people"), 422
    flash(_("The password of %(name)s is reset; its sessions have ended.", name=username))
    return redirect(url_for("web.admin.index"))


@bp.post("/admin/accounts/<username>/email")
def set_email(username: str) -> BaseResponse | tuple[str, int]:
    """A new email address for the account's notices; blank: none are mailed."""
    try:
        accounts.set_email(uow(), username, request.form.get("email", ""))
    except InvalidRequest as exc:
        return _page(problems=[Problem(f"email-{username}", str(exc))], failed="people"), 422
    flash(_("The email address of %(name)s is saved.", name=username))
    return redirect(url_for("web.admin.index"))


@bp.post("/admin/tokens")
def create_token() -> str | tuple[str, int]:
    """A new token: its secret is on the answer only (never stored, never shown again)."""
    form = _typed()
    try:
        secret, made = tokens.create_token(
            uow(), form.get("name", ""), form.get("role", ""), _scope(form.get("scope", ""))
        )
    except InvalidRequest as exc:
        return _page(problems=[Problem("name", str(exc))], failed="token", form=form), 422
    except Conflict as exc:
        return _page(problems=[Problem("name", str(exc))], failed="token", form=form), 409
    return _page(secret=secret, made=made)


@bp.post("/admin/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> BaseResponse:
    revoked = tokens.revoke_token(uow(), token_id)
    flash(
        _("The token %(name)s is revoked; its requests are refused from now on.", name=revoked.name)
    )
    return redirect(url_for("web.admin.index"))
