"""Every unit's attributed counts kept on write as dated deltas (``unit_count_deltas``),
filled for the years held from their kept timelines.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-20

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_count_deltas",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("fakes", sa.Integer(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "year",
            "unit",
            "day",
            "outcome",
            "severity",
            "category",
            "via",
            name=op.f("pk_unit_count_deltas"),
        ),
    )
    # Covering every unit's counts at a date (see CountDeltaRow).
    op.create_index(
        "ix_unit_count_deltas_kind_day",
        "unit_count_deltas",
        [
            "year",
            "kind",
            "day",
            "unit",
            "outcome",
            "severity",
            "category",
            "via",
            "n",
            "fakes",
            "repeats",
        ],
    )
    # The code at this revision; imported here so the table above does not depend on it.
    from scoring_service.db.count_deltas import write_days

    connection = op.get_bind()
    held = connection.execute(sa.text("SELECT year FROM years WHERE imported_at IS NOT NULL"))
    session = Session(bind=connection)
    for (year,) in held.all():
        write_days(session, year)
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_unit_count_deltas_kind_day", table_name="unit_count_deltas")
    op.drop_table("unit_count_deltas")
