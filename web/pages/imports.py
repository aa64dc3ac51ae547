"""``/imports``: an administrator uploads a year's bundle. Every problem is listed in words
with its JSON pointer, and nothing is stored on any problem; a year already held is
replaced only when the form says so twice (replace, and confirm that the year's data
held now goes)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.assessment.services import import_bundle, list_years
from scoring_service.bundle import InvalidBundle
from scoring_service.domain.errors import Conflict
from scoring_service.domain.principals import Permission
from scoring_service.i18n import _
from web import pointers
from web.blueprint import page_blueprint
from web.context import uow
from web.forms import Problem

bp = page_blueprint("imports", __name__, permission=Permission.ADMIN)
UPLOAD = "bundle"


def _page(
    problems: list[Problem] | None = None,
    bundle_problems: InvalidBundle | None = None,
    held: bool = False,
    replace: bool = False,
) -> str:
    return render_template(
        "imports.html",
        years=list_years(uow()),
        problems=problems or [],
        invalid=bundle_problems,
        pointers=pointers,
        held=held,
        replace=replace,
    )


@bp.get("/imports")
def index() -> str:
    """The years held and the upload form."""
    return _page()


@bp.post("/imports")
def upload() -> BaseResponse | tuple[str, int]:
    """Check the bundle whole and store it in one transaction, or store nothing."""
    sent = request.files.get(UPLOAD)
    replace = request.form.get("replace") == "yes"
    confirmed = request.form.get("confirm") == "yes"
    if sent is None or not sent.filename:
        return _page([Problem(UPLOAD, _("choose a bundle file (.json) to upload"))]), 422
    if replace and not confirmed:
        problem = Problem(
            "confirm",
            _("to replace a year, also confirm that its data held now is deleted"),
        )
        return _page([problem], replace=True), 422
    raw = sent.read()
    try:
        summary = import_bundle(uow(), raw, replace=replace)
    except InvalidBundle as exc:
        return _page(bundle_problems=exc), 422
    except Conflict as exc:
        return _page([Problem("replace", str(exc))], held=True), 409
    message = _(
        "The year %(year)s is imported: %(units)s units, %(inspections)s inspections, "
        "%(findings)s findings, %(events)s events.",
        year=summary.year,
        units=summary.units,
        inspections=summary.inspections,
        findings=summary.findings,
        events=summary.events,
    )
    if summary.replaced:
        message = _("The data held before was replaced.") + " " + message
    flash(message)
    return redirect(url_for("web.imports.index"))
