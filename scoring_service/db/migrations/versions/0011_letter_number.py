"""The rectification letter's number kept with its inspection (unique in the year).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-22

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``inspections.letter_number`` (empty at first: each letter keeps its place in the
    year until the office gives it a number)."""
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("letter_number", sa.Integer(), nullable=True))
    op.create_index(
        op.f("ix_inspections_year_letter_number"),
        "inspections",
        ["year", "letter_number"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inspections_year_letter_number"), table_name="inspections")
    # A plain DROP COLUMN (SQLite has one since 3.35): a batch copy would drop and recreate
    # the table, which the findings' foreign keys to it refuse once a year is held.
    op.execute("ALTER TABLE inspections DROP COLUMN letter_number")
