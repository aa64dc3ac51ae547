"""Rule set versions and drafts; triggers that keep published versions unchanged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Written out in full (not from the models), like 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IMMUTABLE = ("ruleset_versions", "ruleset_version_files")
MESSAGE = "a published rule set version never changes"


def upgrade() -> None:
    """Create the drafts and versions tables, and the triggers that freeze versions."""
    op.create_table(
        "ruleset_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("extends_year", sa.Integer(), nullable=True),
        sa.Column("extends_hash", sa.String(length=64), nullable=True),
        sa.Column("base_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tests", sa.Text(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_drafts")),
    )
    op.create_index(op.f("ix_ruleset_drafts_year_id"), "ruleset_drafts", ["year", "id"])
    op.create_table(
        "ruleset_draft_files",
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["ruleset_drafts.id"],
            name=op.f("fk_ruleset_draft_files_draft_id_ruleset_drafts"),
        ),
        sa.PrimaryKeyConstraint("draft_id", "path", name=op.f("pk_ruleset_draft_files")),
    )
    op.create_table(
        "ruleset_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("extends_year", sa.Integer(), nullable=True),
        sa.Column("extends_hash", sa.String(length=64), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["ruleset_drafts.id"],
            name=op.f("fk_ruleset_versions_draft_id_ruleset_drafts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_versions")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_ruleset_versions_year_number")),
    )
    op.create_index(
        op.f("ix_ruleset_versions_year_content_hash"),
        "ruleset_versions",
        ["year", "content_hash"],
    )
    op.create_table(
        "ruleset_version_files",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["ruleset_versions.id"],
            name=op.f("fk_ruleset_version_files_version_id_ruleset_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "path", name=op.f("pk_ruleset_version_files")),
    )
    _freeze()


def _freeze() -> None:
    """Refuse UPDATE and DELETE on the version tables, whoever writes."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION ruleset_version_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{MESSAGE} (%)', TG_TABLE_NAME; END $$"
        )
        for table in IMMUTABLE:
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ruleset_version_immutable()"
            )
    elif dialect == "sqlite":
        for table in IMMUTABLE:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({table})'); END"
                )


def downgrade() -> None:
    """Drop the versions and drafts tables (their triggers go with them)."""
    op.drop_table("ruleset_version_files")
    op.drop_index(op.f("ix_ruleset_versions_year_content_hash"), table_name="ruleset_versions")
    op.drop_table("ruleset_versions")
    op.drop_table("ruleset_draft_files")
    op.drop_index(op.f("ix_ruleset_drafts_year_id"), table_name="ruleset_drafts")
    op.drop_table("ruleset_drafts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION ruleset_version_immutable()")
