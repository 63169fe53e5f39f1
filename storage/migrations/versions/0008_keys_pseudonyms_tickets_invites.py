"""a generated deployment key, per-resident pseudonym salts, per-region ticket numbers, hashed invite codes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

Existing rows: every resident gets a random salt (so every pseudonym changes once, as the key does); every
feedback row gets a ticket number of the new form (the old QW-000123 numbers are no longer recognised);
invite codes are hashed in place, so links already sent keep working until they expire. Going down, the
invites are deleted: a hash cannot be turned back into its link.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models
from storage.codes import new_ticket

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
# 8 random bytes per row, drawn by the database itself (gen_random_uuid is built into PostgreSQL ≥ 13).
SALT_SQL = {
    "sqlite": "UPDATE residents SET pseudonym_salt = lower(hex(randomblob(8)))",
    "postgresql": "UPDATE residents SET pseudonym_salt = substr(md5(gen_random_uuid()::text), 1, 16)",
}


def _backfill_tickets(bind: sa.engine.Connection) -> None:
    feedback = sa.table("feedback", sa.column("id", sa.Integer), sa.column("region_code", sa.String),
                        sa.column("ticket", sa.String))
    update = feedback.update().where(feedback.c.id == sa.bindparam("row_id")).values(ticket=sa.bindparam("number"))
    taken: set[str] = set()
    last = 0
    while True:  # a batch at a time, by id: a million rows never sit in memory at once
        rows = bind.execute(
            sa.select(feedback.c.id, feedback.c.region_code).where(feedback.c.id > last)
            .order_by(feedback.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        chunk = []
        for row_id, region_code in rows:
            number = new_ticket(region_code)
            while number in taken:
                number = new_ticket(region_code)
            taken.add(number)
            chunk.append({"row_id": row_id, "number": number})
        bind.execute(update, chunk)
        last = rows[-1][0]


def _hash_invites(bind: sa.engine.Connection) -> None:
    invites = sa.table("invites", sa.column("code_hash", sa.String))
    update = invites.update().where(invites.c.code_hash == sa.bindparam("old")).values(code_hash=sa.bindparam("new"))
    codes = [code for (code,) in bind.execute(sa.select(invites.c.code_hash)).all()]
    if codes:
        bind.execute(update, [{"old": c, "new": hashlib.sha256(c.encode()).hexdigest()} for c in codes])


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "deployment_keys",
        sa.Column("name", sa.String(length=40), primary_key=True),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
    )

    op.add_column("residents", sa.Column("pseudonym_salt", sa.String(length=16), nullable=True))
    op.execute(SALT_SQL[bind.dialect.name])
    with op.batch_alter_table("residents") as batch:
        batch.alter_column("pseudonym_salt", existing_type=sa.String(length=16), nullable=False)

    op.add_column("feedback", sa.Column("ticket", sa.String(length=16), nullable=True))
    _backfill_tickets(bind)
    with op.batch_alter_table("feedback") as batch:
        batch.alter_column("ticket", existing_type=sa.String(length=16), nullable=False)
        batch.create_index("ix_feedback_ticket", ["ticket"], unique=True)

    with op.batch_alter_table("invites") as batch:  # wide enough for a SHA-256 first, then hashed
        batch.alter_column("code", new_column_name="code_hash", existing_type=sa.String(length=40),
                           type_=sa.String(length=64), existing_nullable=False)
    _hash_invites(bind)


def downgrade() -> None:
    op.execute("DELETE FROM invites")
    with op.batch_alter_table("invites") as batch:
        batch.alter_column("code_hash", new_column_name="code", existing_type=sa.String(length=64),
                           type_=sa.String(length=40), existing_nullable=False)
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_ticket")
        batch.drop_column("ticket")
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("pseudonym_salt")
    op.drop_table("deployment_keys")
