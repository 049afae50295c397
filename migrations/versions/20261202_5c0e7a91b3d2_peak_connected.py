"""event.peak_connected: the most attendees connected at once

The hub raises it while the event runs (server/services/participation.record_peak); freezing
copies it into the archive's participation figures. Events from before count from 0.

Revision ID: 5c0e7a91b3d2
Revises: 77de2c1d4fd3
Create Date: 2026-12-02 17:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c0e7a91b3d2"
down_revision: str | None = "77de2c1d4fd3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(
            sa.Column("peak_connected", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("peak_connected")
