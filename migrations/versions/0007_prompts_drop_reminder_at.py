"""prompts: drop reminder_at, never written or read (reminder_sent_at is the one in use)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import care.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # Batch mode: SQLite drops a column by copying the table.
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.drop_column("reminder_at")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_at", care.types.UTCDateTime(timezone=True), nullable=True)
        )
