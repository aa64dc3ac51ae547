"""The initial schema: year data keyed by (year, code), and score runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Written out in full (not from the models) so that it stays what it was when
later revisions change the models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table of the year data and the score runs."""
    op.create_table(
        "years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_years")),
    )
    op.create_table(
        "groups",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("leader", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_groups_year_years")),
        sa.PrimaryKeyConstraint("year", "code", name=op.f("pk_groups")),
    )
    op.create_table(
        "inspections",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("group_code", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_inspections_year_years")),
        sa.PrimaryKeyConstraint("year", "code", name=op.f("pk_inspections")),
    )
    op.create_table(
        "pairings",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("helping_unit", sa.String(length=64), nullable=False),
        sa.Column("village", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_pairings_year_years")),
        sa.PrimaryKeyConstraint("year", "helping_unit", "village", name=op.f("pk_pairings")),
    )
    op.create_table(
        "score_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("ruleset_hash", sa.String(length=128), nullable=False),
        sa.Column("data_revision", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_score_runs_year_years")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_runs")),
    )
    op.create_index(
        op.f("ix_score_runs_year_as_of_id"), "score_runs", ["year", "as_of", "id"], unique=False
    )
    op.create_table(
        "units",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=True),
        sa.Column("village_type", sa.String(length=16), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["year"], ["years.year"], name=op.f("fk_units_year_years")),
        sa.PrimaryKeyConstraint("year", "code", name=op.f("pk_units")),
    )
    op.create_table(
        "findings",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("inspection", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("criterion", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["year", "inspection"],
            ["inspections.year", "inspections.code"],
            name=op.f("fk_findings_year_inspection_inspections"),
        ),
        sa.PrimaryKeyConstraint("year", "code", name=op.f("pk_findings")),
    )
    op.create_index(
        op.f("ix_findings_year_inspection"), "findings", ["year", "inspection"], unique=False
    )
    op.create_index(op.f("ix_findings_code"), "findings", ["code"], unique=False)
    op.create_table(
        "group_counties",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["year", "group_code"],
            ["groups.year", "groups.code"],
            name=op.f("fk_group_counties_year_group_code_groups"),
        ),
        sa.PrimaryKeyConstraint("year", "group_code", "position", name=op.f("pk_group_counties")),
    )
    op.create_table(
        "sample_households",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("inspection", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("village", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["year", "inspection"],
            ["inspections.year", "inspections.code"],
            name=op.f("fk_sample_households_year_inspection_inspections"),
        ),
        sa.PrimaryKeyConstraint(
            "year", "inspection", "position", name=op.f("pk_sample_households")
        ),
    )
    op.create_table(
        "sample_towns",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("inspection", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("town", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["year", "inspection"],
            ["inspections.year", "inspections.code"],
            name=op.f("fk_sample_towns_year_inspection_inspections"),
        ),
        sa.PrimaryKeyConstraint("year", "inspection", "position", name=op.f("pk_sample_towns")),
    )
    op.create_table(
        "sample_villages",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("inspection", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("village", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["year", "inspection"],
            ["inspections.year", "inspections.code"],
            name=op.f("fk_sample_villages_year_inspection_inspections"),
        ),
        sa.PrimaryKeyConstraint("year", "inspection", "position", name=op.f("pk_sample_villages")),
    )
    op.create_table(
        "score_rows",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("row", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["score_runs.id"], name=op.f("fk_score_rows_run_id_score_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_score_rows")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("new_deadline", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("to", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(
        op.f("ix_events_year_finding_seq"), "events", ["year", "finding", "seq"], unique=False
    )
    op.create_index(op.f("ix_events_year_seq"), "events", ["year", "seq"], unique=False)
    op.create_table(
        "finding_responsible",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("year", "finding", "position", name=op.f("pk_finding_responsible")),
    )


def downgrade() -> None:
    """Drop every table, children first."""
    op.drop_table("finding_responsible")
    op.drop_table("events")
    op.drop_table("score_rows")
    op.drop_table("sample_villages")
    op.drop_table("sample_towns")
    op.drop_table("sample_households")
    op.drop_table("group_counties")
    op.drop_table("findings")
    op.drop_table("units")
    op.drop_table("score_runs")
    op.drop_table("pairings")
    op.drop_table("inspections")
    op.drop_table("groups")
    op.drop_table("years")
