"""event_log_ref: what each log row mentions, so the log can forget what the state hides

A row about a card, an entry, a note or a group rewrites the earlier rows that mention it, in
the same transaction (server/realtime/log.py). Rows written before this migration are indexed
and rewritten here, so an old log forgets too.

Revision ID: 3f1d2b7c9a40
Revises: 5c0e7a91b3d2
Create Date: 2026-12-03 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f1d2b7c9a40"
down_revision: str | None = "5c0e7a91b3d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_log_ref",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_event_log_ref_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "ref", "seq", name=op.f("pk_event_log_ref")),
    )
    op.create_index("ix_event_log_ref_event_id_seq", "event_log_ref", ["event_id", "seq"])
    # The rules that rewrite rows are the server's own: replay the old log through them.
    from server.realtime.log import reindex

    reindex(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_event_log_ref_event_id_seq", table_name="event_log_ref")
    op.drop_table("event_log_ref")
