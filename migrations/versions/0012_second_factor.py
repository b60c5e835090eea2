"""users: a TOTP second factor (key, confirmation, last step used); sign_in_policy: the
admin's rule that therapists and admins must use one

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import care.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("totp_confirmed_at", care.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_step", sa.BigInteger(), nullable=True))
    op.create_table(
        "sign_in_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("second_factor_required", sa.Boolean(), nullable=False),
        sa.Column("updated_at", care.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("sign_in_policy")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_step")
        batch_op.drop_column("totp_confirmed_at")
        batch_op.drop_column("totp_secret")
