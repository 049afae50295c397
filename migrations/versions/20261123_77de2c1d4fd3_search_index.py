"""search index over frozen archives

An ordinary table of searchable pieces, plus a full-text index the metadata cannot describe:
an FTS5 virtual table on SQLite (Porter stemming, like PostgreSQL's english configuration), a
GIN index on to_tsvector('english', text) on PostgreSQL. migrations/env.py and the schema tests
leave those two out of the comparison (server.models.archive.outside_metadata).

Revision ID: 77de2c1d4fd3
Revises: 18e6aede1d9c
Create Date: 2026-11-23 20:24:20.365202
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "77de2c1d4fd3"
down_revision: str | None = "18e6aede1d9c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_search_entry_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_search_entry_programme_id_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
    )
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_entry_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_search_entry_programme_id"), ["programme_id"], unique=False
        )
    if op.get_bind().dialect.name == "sqlite":
        # Its rowid is search_entry.id; it keeps its own copy of the text, so a deleted
        # event's rows can never match a later row that reuses an id.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(text, tokenize='porter unicode61')")
    else:
        op.execute(
            "CREATE INDEX ix_search_entry_tsv ON search_entry "
            "USING gin (to_tsvector('english', text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_entry_tsv")
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entry_programme_id"))
        batch_op.drop_index(batch_op.f("ix_search_entry_event_id"))
    op.drop_table("search_entry")
