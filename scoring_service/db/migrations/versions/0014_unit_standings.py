"""Each scored unit's standing kept between the days its counts change (``unit_standings``),
and which rule set and data revision they were computed for (``standings_kept``), and an
index of units by kind. Empty until the next import or write computes them: until then
scores are computed afresh.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_standings",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Double(), nullable=True),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("year", "unit", "since", name=op.f("pk_unit_standings")),
    )
    # Covering a rank (see StandingRow).
    op.create_index(
        "ix_unit_standings_kind_since",
        "unit_standings",
        ["year", "kind", "since", "until", "score"],
    )
    # A rank counts the units of its kind; the planner must see the index's proportions
    # (as 0013 explains).
    op.create_index(op.f("ix_units_year_kind"), "units", ["year", "kind"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA analysis_limit = 1000")
    op.execute("ANALYZE units")
    op.create_table(
        "standings_kept",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ruleset_hash", sa.String(length=128), nullable=False),
        sa.Column("data_revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_standings_kept")),
    )


def downgrade() -> None:
    op.drop_table("standings_kept")
    op.drop_index(op.f("ix_units_year_kind"), table_name="units")
    op.drop_index("ix_unit_standings_kind_since", table_name="unit_standings")
    op.drop_table("unit_standings")
