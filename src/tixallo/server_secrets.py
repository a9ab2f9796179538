"""Secrets the server keeps for itself, such as the key that signs event-feed cursors.

They live in the database, created on first use, so every process of a deployment (any
number of ``tixallo serve`` and ``tixallo worker`` processes, the CLI) signs and checks
with the same key and nothing has to be configured. ``TIXALLO_SECRET_KEY`` is optional, so
it cannot be the root of a signature every installation needs.

A value is never cached in process memory: reading it is one primary-key lookup, and a
cache would keep checking with a key the database no longer holds (a restored backup, a
test that empties the tables).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from tixallo import clock
from tixallo.db import Base, Database, UTCDateTime, insert_ignoring_conflict

SECRET_BYTES = 32


class ServerSecret(Base):
    """A random key known only to the server, by purpose (``name``)."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Hex of SECRET_BYTES random bytes.
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


async def get_server_secret(db: Database, name: str) -> bytes:
    """The secret called ``name``, created the first time it is asked for. Processes that
    race to create it all end with the one that was stored first (the insert does nothing
    when the name exists). Opens its own short transactions."""
    async with db.transaction(write=False) as session:
        stored = await session.scalar(select(ServerSecret.value).where(ServerSecret.name == name))
    if stored is None:
        async with db.transaction(write=True) as session:
            values = {
                "name": name,
                "value": secrets.token_hex(SECRET_BYTES),
                "created_at": clock.now(),
            }
            await session.execute(
                insert_ignoring_conflict(session, ServerSecret.__table__, values, ["name"])
            )
            stored = (
                await session.execute(select(ServerSecret.value).where(ServerSecret.name == name))
            ).scalar_one()
    return bytes.fromhex(stored)


def sign(secret: bytes, message: bytes) -> bytes:
    """A 128-bit HMAC-SHA256 tag: enough that a forged value is never accepted, short enough
    to keep cursors URL-friendly."""
    return hmac.new(secret, message, hashlib.sha256).digest()[:16]


def verify(secret: bytes, message: bytes, tag: bytes) -> bool:
    """Whether ``tag`` is ``message``'s tag, compared in constant time."""
    return hmac.compare_digest(sign(secret, message), tag)
