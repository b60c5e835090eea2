"""users.totp_secret wide enough for a sealed key (0012 first shipped it as 64 characters,
room for the bare key only; sealed with the server's key it takes about 140)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )


def downgrade() -> None:
    """Revert this revision (a sealed key does not fit the narrow column, so keys go: their
    owners set up a second factor again)."""
    op.execute("UPDATE users SET totp_secret = NULL, totp_confirmed_at = NULL, totp_step = NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
