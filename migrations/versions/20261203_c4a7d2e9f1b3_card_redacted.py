"""card.redacted: a facilitator took words out of the card before it was shown

Set by server/services/card_redaction.redact_card; the card's author sees "redacted by the
facilitator". Cards from before were never redacted.

Revision ID: c4a7d2e9f1b3
Revises: b7e4c2a9d1f0
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4a7d2e9f1b3"
down_revision: str | None = "b7e4c2a9d1f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("card") as batch:
        batch.add_column(
            sa.Column("redacted", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("card") as batch:
        batch.drop_column("redacted")
