"""``/rules/{year}``: the year's rule set versions with who published them and why; for
rule editors, drafts uploaded as a zipped folder (their problems, or their rule tests), a
draft's dry run against the year's data (who changes grade, gains or loses a measure,
the largest movers) and publishing it with a note. The services are the API's
(``scoring_service.rulesets.service``)."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from scoring_service.access.scope import require_unscoped
from scoring_service.domain.errors import Conflict, InvalidRequest
from scoring_service.domain.names import shown_names
from scoring_service.domain.principals import Permission
from scoring_service.i18n import _
from scoring_service.rules.problems import RuleProblem
from scoring_service.rulesets import service
from scoring_service.rulesets.archive import ArchiveProblems, read_zip
from web.blueprint import page_blueprint
from web.context import person, uow
from web.forms import Form, Problem, read
from web.query import args

bp = page_blueprint("rules", __name__)
UPLOAD = "folder"
UNITS_SHOWN = 200  # units changed listed on the dry run's page; the summary counts them all


def _problems(field: str, problems: tuple[RuleProblem, ...] | list[RuleProblem]) -> list[Problem]:
    """Rule file problems as the page lists them: file, line and key, then what."""
    return [Problem(field, str(p)) for p in problems]


def _ruleset_page(year: int, problems: list[Problem] | None = None, note: str = "") -> str:
    versions = service.list_versions(uow(), year)
    editor = person().can(Permission.EDIT_RULES)
    drafts = service.list_drafts(uow(), year) if editor else []
    return render_template(
        "rules.html",
        year=year,
        versions=list(reversed(versions.versions)),
        drafts=list(reversed(drafts)),
        editor=editor,
        problems=problems or [],
        note=note,
    )


@bp.get("/rules/<int:year>")
def ruleset(year: int) -> str:
    """The versions, newest first (anyone who reads); drafts and the upload (editors)."""
    return _ruleset_page(year)


@bp.post("/rules/<int:year>/drafts")
def upload(year: int) -> BaseResponse | tuple[str, int]:
    """Store a draft from the zipped folder; refused, with every problem by file, line and
    key, unless it validates."""
    person().require(Permission.EDIT_RULES)
    note = request.form.get("note", "")
    sent = request.files.get(UPLOAD)
    if sent is None or not sent.filename:
        problem = Problem(UPLOAD, _("choose the year's rule folder as a zip file"))
        return _ruleset_page(year, [problem], note), 422
    try:
        files = read_zip(year, sent.read())
        made = service.create_draft(uow(), year, files, note=note)
    except (ArchiveProblems, service.RuleProblems) as exc:
        shown = _problems(UPLOAD, exc.problems) or [Problem(UPLOAD, str(exc))]
        return _ruleset_page(year, shown, note), 422
    except InvalidRequest as exc:  # a note too long
        return _ruleset_page(year, [Problem("note", str(exc))], note), 422
    flash(_("Draft %(id)s is stored; read its rule tests and its dry run below.", id=made.id))
    return redirect(url_for("web.rules.draft", year=year, draft_id=made.id))


def _draft_page(
    year: int,
    draft_id: int,
    problems: list[Problem] | None = None,
    note: str = "",
    moves: dict[str, int] | None = None,
) -> str:
    found = service.get_draft(uow(), year, draft_id)
    return render_template(
        "rules_draft.html",
        year=year,
        draft=found,
        problems=problems or [],
        note=note,
        moves=moves,
    )


def _moves(year: int, draft_id: int) -> dict[str, int]:
    """How many units the draft moves, by the dry run at the year's as-of date: a grade,
    a measure gained or lost."""
    summary = service.dry_run(uow(), year, draft_id=draft_id, as_of=None).to_json()["summary"]
    measured = {
        unit
        for lists in summary["measures"].values()
        for unit in (*lists["gained"], *lists["lost"])
    }
    return {
        "grade": summary["grade"]["changed"],
        "better": summary["grade"]["better"],
        "worse": summary["grade"]["worse"],
        "measures": len(measured),
    }


@bp.get("/rules/<int:year>/drafts/<int:draft_id>")
def draft(year: int, draft_id: int) -> str:
    """A draft: who made it and why, its files, its rule tests at upload, publishing."""
    person().require(Permission.EDIT_RULES)
    return _draft_page(year, draft_id)


class DiffQuery(Form):
    as_of: date | None = None


@bp.get("/rules/<int:year>/drafts/<int:draft_id>/diff")
def diff(year: int, draft_id: int) -> str:
    """The draft's dry run: both rule sets score the year's data at the same date."""
    person().require(Permission.EDIT_RULES)
    # A dry run reads every unit's score, as the API's: not for a person limited to some.
    require_unscoped(person(), "a dry run over every unit")
    query = read(DiffQuery, args())
    doc = service.dry_run(uow(), year, draft_id=draft_id, as_of=query.as_of).to_json()
    return render_template(
        "rules_diff.html",
        year=year,
        draft_id=draft_id,
        doc=doc,
        units=doc["units"][:UNITS_SHOWN],
        hidden=max(0, len(doc["units"]) - UNITS_SHOWN),
        names=shown_names((u["unit"], u["name"]) for u in doc["units"]),
    )


@bp.post("/rules/<int:year>/drafts/<int:draft_id>/publish")
def publish(year: int, draft_id: int) -> BaseResponse | tuple[str, int]:
    """Make the draft the version in force, with the note saying what and why."""
    person().require(Permission.EDIT_RULES)
    note = request.form.get("note", "")
    try:
        draft = service.get_draft(uow(), year, draft_id)
        if (
            note.strip()
            and draft.status == "open"
            and not draft.tests.failed
            and request.form.get("confirmed") != "yes"
            and person().scope is None  # a dry run reads every unit
        ):
            # A version that moves grades or measures is published once the editor has
            # seen how many units it moves; one that moves none needs no second click.
            moves = _moves(year, draft_id)
            if moves["grade"] or moves["measures"]:
                return _draft_page(year, draft_id, note=note, moves=moves), 200
        version = service.publish_draft(uow(), year, draft_id, note=note)
    except service.PublishRefused as exc:
        return _draft_page(year, draft_id, [Problem("note", r) for r in exc.reasons], note), 422
    except service.RuleProblems as exc:
        return _draft_page(year, draft_id, _problems("note", exc.problems), note), 422
    except InvalidRequest as exc:  # no note, or one too long
        return _draft_page(year, draft_id, [Problem("note", str(exc))], note), 422
    except Conflict as exc:
        return _draft_page(year, draft_id, [Problem("note", str(exc))], note), 409
    flash(_("Version %(number)s of %(year)s is in force.", number=version.number, year=year))
    return redirect(url_for("web.rules.ruleset", year=year))
