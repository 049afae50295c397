"""screen pairing and programme member roles

- screen_pairing: a projector's credential, paired with one event by a short code typed in the
  console; revoked when unpaired.
- programme_facilitator.role: facilitator (every existing member), cofacilitator or lead.

Revision ID: c8d2f4a61e57
Revises: 9a3c5e1f7b20
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c8d2f4a61e57"
down_revision: str | None = "9a3c5e1f7b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programme_facilitator") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="facilitator")
        )
    op.create_table(
        "screen_pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("paired_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_screen_pairing_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paired_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_screen_pairing_paired_by_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screen_pairing")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_screen_pairing_token_hash")),
    )
    with op.batch_alter_table("screen_pairing") as batch:
        batch.create_index(batch.f("ix_screen_pairing_code"), ["code"], unique=False)
        batch.create_index(batch.f("ix_screen_pairing_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screen_pairing") as batch:
        batch.drop_index(batch.f("ix_screen_pairing_event_id"))
        batch.drop_index(batch.f("ix_screen_pairing_code"))
    op.drop_table("screen_pairing")
    with op.batch_alter_table("programme_facilitator") as batch:
        batch.drop_column("role")
