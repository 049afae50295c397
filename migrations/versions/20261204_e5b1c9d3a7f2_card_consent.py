"""card consent: text and name consent apart, and the screen's consented-only option

`card.shareable` ("OK to share publicly") becomes `card.text_consent`; nobody ever said their
name may be shown, so `card.name_consent` starts not given. `board.screen_public_only` lets a
facilitator keep the session screen to cards shared publicly (off: the screen shows what the
room sees, as before).

Every archive frozen so far is a document of format 4 or less, which says nothing of consent, so
none of its cards is in its public view any more (server/services/archive_public.py); their
cards leave public search the same way.

Revision ID: e5b1c9d3a7f2
Revises: c8d2f4a61e57
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b1c9d3a7f2"
down_revision: str | None = "c8d2f4a61e57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("card") as batch:
        batch.add_column(
            sa.Column("text_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("name_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(sa.text("UPDATE card SET text_consent = shareable"))
    with op.batch_alter_table("card") as batch:
        batch.drop_column("shareable")
    with op.batch_alter_table("board") as batch:
        batch.add_column(
            sa.Column("screen_public_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(sa.text("UPDATE search_entry SET public = false WHERE kind = 'card'"))


def downgrade() -> None:
    with op.batch_alter_table("board") as batch:
        batch.drop_column("screen_public_only")
    with op.batch_alter_table("card") as batch:
        batch.add_column(
            sa.Column("shareable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(sa.text("UPDATE card SET shareable = text_consent"))
    with op.batch_alter_table("card") as batch:
        batch.drop_column("name_consent")
        batch.drop_column("text_consent")
