"""run of show: the session on now, and each session's board

- event.now_item_id: the agenda item the facilitator moved to with "Next session"; followers
  see it marked "Now" on the live blog. No foreign key: deleting the session clears it.
- agenda_item.board_id: the board a session uses; "Next session" opens it and shows it.

Revision ID: 9a3c5e1f7b20
Revises: c4a7d2e9f1b3
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9a3c5e1f7b20"
down_revision: str | None = "c4a7d2e9f1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("now_item_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("agenda_item") as batch:
        batch.add_column(sa.Column("board_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_agenda_item_board_id_board"),
            "board",
            ["board_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("agenda_item") as batch:
        batch.drop_constraint(op.f("fk_agenda_item_board_id_board"), type_="foreignkey")
        batch.drop_column("board_id")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("now_item_id")
