"""Idempotency claims have an identity, so a claim taken over after its lease keeps its answer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``idempotency_keys.claim``; keys claimed before have none (NULL)."""
    op.add_column("idempotency_keys", sa.Column("claim", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Drop ``idempotency_keys.claim`` (SQLite rebuilds the table in batch mode)."""
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("claim")
