"""``/``: the years held, each leading to its pages, and the person's unread notices."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.assessment.services import list_years
from scoring_service.domain.principals import Role
from scoring_service.i18n import gettext as _
from scoring_service.notices.inbox import Unread, mark_notices_read, notice_text, unread_notices
from web.blueprint import page_blueprint
from web.context import person, uow
from web.forms import Form, read

bp = page_blueprint("home", __name__)


class ReadForm(Form):
    """Up to the newest notice shown: one written since stays unread."""

    up_to: datetime | None = None


def unread() -> tuple[Unread, list[tuple[str, str, str]]]:
    """The person's unread notices, each as (id, type, line), for ``macros.unread``."""
    found = unread_notices(uow())
    return found, [(str(n.id), n.type.value, notice_text(n)) for n in found.notices]


@bp.get("/")
def index() -> BaseResponse | str:
    """The years held; a unit person's home is their latest year's rectification page."""
    years = list_years(uow())
    who = person()
    if years and who.role is Role.UNIT:
        latest = max(y.year for y in years)
        return redirect(url_for("web.rectification.mine", year=latest))
    box, lines = unread()
    return render_template("home.html", years=years, unread=box, unread_lines=lines)


@bp.post("/notices/read")
def read_notices() -> BaseResponse:
    """Mark the person's notices read, then back to where they were."""
    form = read(ReadForm, request.form.to_dict())
    mark_notices_read(uow(), form.up_to)
    flash(_("Notices marked read."))
    return redirect(url_for("web.home.index"))
