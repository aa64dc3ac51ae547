"""Which units' kept counts each data revision changed, and from which day
(``count_changes``): a year's scores computed at an earlier revision are brought up to date
by scoring those units again. Empty until the next write: until then scores are computed
afresh.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "count_changes",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("year", "revision", "unit", name=op.f("pk_count_changes")),
    )


def downgrade() -> None:
    op.drop_table("count_changes")
