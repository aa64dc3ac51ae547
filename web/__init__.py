"""The workbench: server-rendered pages in Chinese for the office, inspectors and rule editors.

``init_app(app)`` adds the pages to the Flask app that ``server.create_app`` builds, so one
``serve`` process answers both. A page is a thin entrance like an API endpoint: it calls
the services of ``scoring_service`` with a unit of work acting as the signed-in person
(``web.context.uow()``) and renders a template; the scope rule is the services' own.

- ``security``: session cookies, CSRF, sign-in throttling, security headers;
- ``blueprint``: ``page_blueprint``, the one way a page area is made (sign-in required,
  CSRF on every form, HTML error pages, headers);
- ``context``: the signed-in person and their unit of work;
- ``pages/``: a blueprint per area (``auth``, ``home``, ``overview``, ``scores``, ``units``,
  ``findings``, ``inspections`` and ``problem_lists``, ``alerts``, ``rectification`` (a unit
  person's page, the reviewers' queue, evidence files), ``imports``, ``rules``, ``admin``,
  ``assets``), nested in one blueprint ``web``;
- ``desk``: what a unit person's page reads (open findings with their traffic light);
- ``labels``: the words for grades, measures, outcomes and kinds; ``forms`` and ``query``:
  reading queries and forms with pydantic; ``charts``: server-drawn SVG; ``trend``: the
  monthly rows; ``navigation``: the header's pages; ``pointers``: a bundle's JSON pointers
  in words;

How to add a page: ``web/README.md``.
"""

from __future__ import annotations

from flask import Flask

from scoring_service.config import Settings

__all__ = ["init_app"]


def init_app(app: Flask, config: Settings) -> None:
    """Register the pages, their templates' helpers and their security on ``app``."""
    from web import security, templating
    from web.pages import blueprint

    security.init_app(app, config)
    templating.init_app(app)
    app.register_blueprint(blueprint())
