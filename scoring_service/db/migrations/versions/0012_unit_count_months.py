"""The kept count deltas summed per calendar month (``unit_count_months``), filled from the
day rows already kept.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-23

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ["year", "unit", "month", "outcome", "severity", "category", "via"]

# The last day of a day row's month, in each database's own words.
_MONTH_END = {
    "postgresql": "CAST(date_trunc('month', day) + interval '1 month - 1 day' AS DATE)",
    "sqlite": "date(day, 'start of month', '+1 month', '-1 day')",
}


def upgrade() -> None:
    op.create_table(
        "unit_count_months",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("fakes", sa.Integer(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, name=op.f("pk_unit_count_months")),
    )
    # Covering every unit's counts at month ends (see CountMonthRow).
    op.create_index(
        "ix_unit_count_months_kind_month",
        "unit_count_months",
        [
            "year",
            "kind",
            "month",
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
    month = _MONTH_END[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO unit_count_months "
        "(year, unit, month, outcome, severity, category, via, kind, n, fakes, repeats) "
        f"SELECT year, unit, {month}, outcome, severity, category, via, MIN(kind), "
        "SUM(n), SUM(fakes), SUM(repeats) FROM unit_count_deltas "
        f"GROUP BY year, unit, {month}, outcome, severity, category, via "
        "HAVING SUM(n) <> 0 OR SUM(fakes) <> 0 OR SUM(repeats) <> 0"
    )


def downgrade() -> None:
    op.drop_index("ix_unit_count_months_kind_month", table_name="unit_count_months")
    op.drop_table("unit_count_months")
