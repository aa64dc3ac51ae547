"""Finding timelines kept on write, and the unit tree as a closure table; filled for the
years already held.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

The tables are written out in full (not from the models), like 0001. Filling them runs the
service's own replay (``db.timelines.rebuild_year``, the state machine of spec section 2),
since the timelines must be exactly what a write would have kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``finding_timelines`` and ``unit_ancestors``, then build them for each year."""
    op.create_table(
        "finding_timelines",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("effective_deadline", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("fakes", sa.Integer(), nullable=False),
        sa.Column("repeat_of", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("year", "finding", "valid_from", name=op.f("pk_finding_timelines")),
    )
    # Covering the metrics aggregate (see TimelineRow).
    op.create_index(
        "ix_finding_timelines_counts",
        "finding_timelines",
        [
            "year",
            "unit",
            "outcome",
            "severity",
            "category",
            "valid_from",
            "valid_until",
            "fakes",
            "repeat_of",
        ],
    )
    op.create_table(
        "unit_ancestors",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("ancestor", sa.String(length=64), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("ancestor_kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("year", "unit", "ancestor", name=op.f("pk_unit_ancestors")),
    )
    op.create_index(op.f("ix_unit_ancestors_year_ancestor"), "unit_ancestors", ["year", "ancestor"])
    op.create_index(
        op.f("ix_finding_responsible_year_unit"), "finding_responsible", ["year", "unit"]
    )
    # The replay of the code at this revision; imported here so that the table
    # definitions above do not depend on it.
    from scoring_service.db.timelines import rebuild_year

    connection = op.get_bind()
    held = connection.execute(sa.text("SELECT year FROM years WHERE imported_at IS NOT NULL"))
    session = Session(bind=connection)
    for (year,) in held.all():
        rebuild_year(session, year)
    session.flush()


def downgrade() -> None:
    """Drop both tables; they are derived, and nothing else refers to them."""
    op.drop_index(op.f("ix_finding_responsible_year_unit"), table_name="finding_responsible")
    op.drop_index(op.f("ix_unit_ancestors_year_ancestor"), table_name="unit_ancestors")
    op.drop_table("unit_ancestors")
    op.drop_index("ix_finding_timelines_counts", table_name="finding_timelines")
    op.drop_table("finding_timelines")
