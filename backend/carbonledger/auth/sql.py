"""The used-nonce store in SQL (SQLAlchemy 2.x Core): SQLite by default, PostgreSQL alike.

Single use is enforced by the primary key: of two concurrent logins with the same challenge,
exactly one ``INSERT`` succeeds, in any number of API processes sharing the database.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from carbonledger.store.db import OwnSchemaStore

metadata = sa.MetaData()

used_nonces = sa.Table(
    "auth_used_nonces",
    metadata,
    sa.Column("nonce", sa.LargeBinary(32), primary_key=True),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
)


class SqlNonceStore(OwnSchemaStore):
    """A :class:`~carbonledger.auth.ports.NonceStore` over a SQLAlchemy engine."""

    metadata = metadata

    def consume(self, nonce: bytes, expires_at: int) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(used_nonces.insert().values(nonce=nonce, expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    def purge_expired(self, now: int) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(used_nonces.delete().where(used_nonces.c.expires_at < now))
            return result.rowcount
