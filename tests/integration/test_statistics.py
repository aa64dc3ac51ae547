"""After an import the planner knows the tables' contents: listing a unit's findings must not
be planned on the statistics of empty tables (22-65 s at a province's scale, 2.8 ms analysed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from scoring_service.access.roles import command_line
from scoring_service.assessment.services import import_bundle
from scoring_service.config import REPO_RULES_DIR, FileRuleSource
from scoring_service.db import make_engine, make_session_factory, upgrade
from scoring_service.db.models import FindingRow, UnitRow
from scoring_service.db.queries import subtree
from scoring_service.synth import synth_bundle
from scoring_service.unit_of_work import UnitOfWork
from tests.helpers.bundles import spec_bundle

RULES = FileRuleSource(REPO_RULES_DIR)


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A plan node of EXPLAIN (FORMAT JSON) and every node under it."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def explain(session: Session, statement: Any) -> dict[str, Any]:
    sql = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    doc = session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    plan: dict[str, Any] = (json.loads(doc) if isinstance(doc, str) else doc)[0]["Plan"]
    return plan


def load_then_replace(db: sessionmaker[Session]) -> dict[str, Any]:
    """A tiny year, then a city's year swapped in for it: the statistics must follow."""
    import_bundle(UnitOfWork(db, RULES, None, command_line()), json.dumps(spec_bundle()))
    bundle = synth_bundle(2018, 1.0, 0)
    import_bundle(UnitOfWork(db, RULES, None, command_line()), json.dumps(bundle), replace=True)
    return bundle


def test_postgres_plans_a_unit_s_findings_on_the_imported_rows(postgres_schema_url: str) -> None:
    upgrade(postgres_schema_url)
    engine: Engine = make_engine(postgres_schema_url)
    try:
        db = make_session_factory(engine)
        bundle = load_then_replace(db)
        county = next(u["code"] for u in bundle["units"] if u["kind"] == "county")
        with db() as session:
            counts = {
                model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (FindingRow, UnitRow)
            }
            # pg_class.reltuples is -1 before a table is first analysed; ANALYZE counts exactly
            # tables this small.
            estimated = dict(
                session.execute(
                    text(
                        "SELECT relname, reltuples FROM pg_class "
                        "WHERE relnamespace = current_schema()::regnamespace "
                        "AND relname IN ('findings', 'units')"
                    )
                ).all()
            )
            assert estimated == counts
            # The query behind GET /findings?year=2018&unit=X.
            unit_findings = (
                select(FindingRow.code)
                .where(FindingRow.year == 2018, FindingRow.unit.in_(subtree(2018, [county])))
                .order_by(FindingRow.code)
                .limit(100)
            )
            plan = list(nodes(explain(session, unit_findings)))
            # Empty-table statistics estimate a row or two per scan and nest loops over the
            # units joined to their parents: a scan of units for every unit. A loop probing
            # an index on its inner side, once per unit of the subtree, is a good plan.
            assert not [
                n
                for n in plan
                if n["Node Type"] == "Nested Loop"
                and any(
                    m["Node Type"] == "Seq Scan"
                    for inner in n.get("Plans", ())
                    if inner.get("Parent Relationship") == "Inner"
                    for m in nodes(inner)
                )
            ], plan
            scans = [n for n in plan if n.get("Relation Name") in counts]
            assert scans and all(n["Plan Rows"] > 2 for n in scans), scans
            whole_year = explain(session, select(FindingRow.code).where(FindingRow.year == 2018))
            assert whole_year["Plan Rows"] == counts["findings"]
    finally:
        engine.dispose()


def test_sqlite_statistics_are_refreshed_by_an_import(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        load_then_replace(make_session_factory(engine))
        with engine.connect() as connection:
            stats = connection.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'findings'"
            ).scalars()
            rows = {int(stat.split()[0]) for stat in stats}
            count = connection.exec_driver_sql("SELECT count(*) FROM findings").scalar_one()
        # A stat begins with the rows the table held when analysed (estimated from a sample):
        # those of the city's year, not the two of the year it replaced.
        assert rows and all(count / 2 < n < count * 2 for n in rows), (rows, count)
    finally:
        engine.dispose()
