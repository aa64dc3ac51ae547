"""The data revision of the last write to what the process alerts read
(``years.process_revision``): an event other than an escalation leaves it, so the alerts
computed before that event still hold after it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``years.process_revision``, equal to each year's revision: nothing is known of
    the writes before, so the alerts are computed afresh once."""
    with op.batch_alter_table("years") as batch:
        batch.add_column(
            sa.Column("process_revision", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE years SET process_revision = revision")


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has one since 3.35): a batch copy would drop and recreate
    # the table, which every year's rows refer to.
    op.execute("ALTER TABLE years DROP COLUMN process_revision")
