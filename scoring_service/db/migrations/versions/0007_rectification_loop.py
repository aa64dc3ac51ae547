"""The rectification loop: reports, their evidence files, extension requests.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _decision() -> list[sa.Column[object]]:
    return [
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    """Create the loop's four tables."""
    op.create_table(
        "rectification_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        *_decision(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_reports")),
    )
    op.create_index(
        op.f("ix_rectification_reports_year_finding"),
        "rectification_reports",
        ["year", "finding"],
    )
    op.create_index(
        op.f("ix_rectification_reports_year_state"), "rectification_reports", ["year", "state"]
    )
    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("new_deadline", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_decision(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_requests")),
    )
    op.create_index(
        op.f("ix_extension_requests_year_finding"), "extension_requests", ["year", "finding"]
    )
    op.create_index(
        op.f("ix_extension_requests_year_state"), "extension_requests", ["year", "state"]
    )
    op.create_table(
        "evidence_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_files")),
    )
    op.create_table(
        "rectification_report_files",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["rectification_reports.id"],
            name=op.f("fk_rectification_report_files_report_id_rectification_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["evidence_files.sha256"],
            name=op.f("fk_rectification_report_files_sha256_evidence_files"),
        ),
        sa.PrimaryKeyConstraint(
            "report_id", "position", name=op.f("pk_rectification_report_files")
        ),
    )
    op.create_index(
        op.f("ix_rectification_report_files_sha256"), "rectification_report_files", ["sha256"]
    )


def downgrade() -> None:
    """Drop the loop's tables."""
    op.drop_table("rectification_report_files")
    op.drop_table("evidence_files")
    op.drop_table("extension_requests")
    op.drop_table("rectification_reports")
