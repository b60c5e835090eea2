"""a therapist's caseload: clients.spoken_name, a practice break (break_start, break_end) and
discharge (discharged_at)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import care.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spoken_name", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("break_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("break_end", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("discharged_at", care.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("clients", schema=None) as batch_op:
        for name in ("discharged_at", "break_end", "break_start", "spoken_name"):
            batch_op.drop_column(name)
