"""The bot's cross-signing private keys: the identity in use, and a new one while
`reset-cross-signing` publishes it (the old one stays until the homeserver has the new)."""

from __future__ import annotations

import sqlcipher3

from store.db import transaction
from store.records import CrossSigningSeeds

_COLUMNS = "master, self_signing, user_signing"


class IdentityTables:
    _db: sqlcipher3.Connection

    def _seeds(self, table: str) -> CrossSigningSeeds | None:
        query = f"SELECT {_COLUMNS} FROM {table}"  # noqa: S608 (constants)
        row = self._db.execute(query).fetchone()
        return CrossSigningSeeds(*row) if row else None

    def _put(self, table: str, seeds: CrossSigningSeeds) -> None:
        self._db.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant)
        self._db.execute(
            f"INSERT INTO {table} (id, {_COLUMNS}) VALUES (1, ?, ?, ?)",  # noqa: S608
            (seeds.master, seeds.self_signing, seeds.user_signing),
        )

    def cross_signing_seeds(self) -> CrossSigningSeeds | None:
        return self._seeds("cross_signing")

    def save_cross_signing_seeds(self, seeds: CrossSigningSeeds) -> None:
        """The identity in use from now on; any identity still pending is dropped."""
        with transaction(self._db):
            self._put("cross_signing", seeds)
            self._db.execute("DELETE FROM cross_signing_pending")

    def pending_cross_signing_seeds(self) -> CrossSigningSeeds | None:
        return self._seeds("cross_signing_pending")

    def save_pending_cross_signing_seeds(self, seeds: CrossSigningSeeds) -> None:
        """A new identity about to be published; the current one stays in use."""
        with transaction(self._db):
            self._put("cross_signing_pending", seeds)

    def drop_pending_cross_signing_seeds(self) -> None:
        with transaction(self._db):
            self._db.execute("DELETE FROM cross_signing_pending")
