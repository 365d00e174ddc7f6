"""Initial schema: users, tokens, settings, account, contacts, messages, callbacks, media, nodes, leases.

Also seeds the built-in `admin` (password `secret`, to be changed at first login) and the single
account row, so a fresh database is usable without a separate bootstrap step.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from wabiz.db.users import ROLE_ADMIN
from wabiz.kit.passwords import BOOTSTRAP_ADMIN, BOOTSTRAP_PASSWORD, hash_password

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(32), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_change_required", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column(
            "username",
            sa.String(32),
            sa.ForeignKey("users.username", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", JSONB, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cc", sa.String(4)),
        sa.Column("phone_number", sa.String(16)),
        sa.Column("vname", sa.Text),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("shards", sa.Integer, nullable=False),
        sa.Column("updated_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("wa_id", sa.String(16), primary_key=True),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("checked_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("wa_id", sa.String(16), nullable=False),
        sa.Column("shard", sa.Integer, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("body", JSONB),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("upstream_id", sa.String(128), unique=True),
        sa.Column("errors", JSONB),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_index(
        "ix_messages_queued",
        "messages",
        ["shard", "created_at"],
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.create_table(
        "callbacks",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("shard", sa.Integer, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_callbacks_due", "callbacks", ["shard", "next_attempt_at"])
    op.create_table(
        "media",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("mime_type", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("upstream_id", sa.String(128)),
        sa.Column("stored", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "nodes",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("internal_url", sa.Text, nullable=False),
        sa.Column("gateway_status", sa.String(16), nullable=False),
        sa.Column("heartbeat_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("acquired_at", TZ, server_default=sa.func.now(), nullable=False),
    )
    op.bulk_insert(
        sa.table(
            "users",
            sa.column("username"),
            sa.column("password_hash"),
            sa.column("role"),
            sa.column("password_change_required"),
        ),
        [
            {
                "username": BOOTSTRAP_ADMIN,
                "password_hash": hash_password(BOOTSTRAP_PASSWORD),
                "role": ROLE_ADMIN,
                "password_change_required": True,
            }
        ],
    )
    op.bulk_insert(
        sa.table("account", sa.column("id"), sa.column("state"), sa.column("shards")),
        [{"id": 1, "state": "unregistered", "shards": 1}],
    )


def downgrade() -> None:
    for table in (
        "leases",
        "nodes",
        "media",
        "callbacks",
        "messages",
        "contacts",
        "account",
        "settings",
        "tokens",
        "users",
    ):
        op.drop_table(table)
