"""The database schema as the migrations leave it; `tests/db/test_models.py` fails when they differ.

Alembic migrations own the schema; this module describes it for autogenerate (a new migration
starts from the difference) and for that test. Defaults are only those the database itself
applies (`server_default`): every write goes through SQL that names its values, so a default held
only in Python would describe nothing the database does.

Queues (outgoing messages, callbacks) live here too, so a CoreApp that dies loses nothing: its
successor resumes from these rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONB, datetime: DateTime(timezone=True)}


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(32), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    password_change_required: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Token(Base):
    __tablename__ = "tokens"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Setting(Base):
    """Named JSON documents (`application`, …); `version` lets CoreApps notice changes cheaply."""

    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Account(Base):
    """The business number this client speaks for; one row (id 1)."""

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cc: Mapped[str | None] = mapped_column(String(4))
    phone_number: Mapped[str | None] = mapped_column(String(16))
    vname: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    shards: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Contact(Base):
    __tablename__ = "contacts"
    wa_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    valid: Mapped[bool] = mapped_column(Boolean)
    checked_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Message(Base):
    """Every message, either way. Outbound rows with status `queued` are the outgoing queue."""

    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    wa_id: Mapped[str] = mapped_column(String(16))
    shard: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16))
    upstream_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    errors: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        Index("ix_messages_queued", "shard", "created_at", postgresql_where=text("status = 'queued'")),
    )


class Callback(Base):
    """The durable callback queue: a row lives until the webhook answered 200."""

    __tablename__ = "callbacks"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    shard: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (Index("ix_callbacks_due", "shard", "next_attempt_at"),)


class Media(Base):
    """Media metadata; the bytes live in the media store under `id`."""

    __tablename__ = "media"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8))
    upstream_id: Mapped[str | None] = mapped_column(String(128))
    stored: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Node(Base):
    """A running CoreApp: where to reach it and what it last said about its gateway."""

    __tablename__ = "nodes"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    internal_url: Mapped[str] = mapped_column(Text)
    gateway_status: Mapped[str] = mapped_column(String(16))
    heartbeat_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    presence_key: Mapped[int | None] = mapped_column(Integer)


class Lease(Base):
    """`master` and `shard:<n>`; held by a node until `expires_at` unless renewed."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    epoch: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime]
    acquired_at: Mapped[datetime] = mapped_column(server_default=func.now())
    server_started: Mapped[datetime | None]
