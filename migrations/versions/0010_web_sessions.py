"""web_sessions: sessions kept on the server, so sign-out and a new password end them and
each has an absolute lifetime

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import care.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", care.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", care.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", care.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_web_sessions_user_id", table_name="web_sessions")
    op.drop_table("web_sessions")
