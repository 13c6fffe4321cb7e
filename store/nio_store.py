"""nio's crypto store, moved into warmline's encrypted database.

nio's `DefaultStore` keeps device trust in plaintext files named after the user, and its
SQLite file is readable by anyone (only the Olm/Megolm pickles are encrypted, by default under
nio's built-in default key). `SqliteStore` keeps trust in the database; here its database is
the same SQLCipher file as warmline's own tables, opened with the key derived from the store
secret. nio's pickle key is derived from the same secret.
"""

from __future__ import annotations

from typing import Any

from nio.store import SqliteStore
from playhouse.sqlcipher_ext import SqlCipherDatabase

from store.db import DB_NAME
from store.secret import StoreSecret


def store_class(secret: StoreSecret) -> type[SqliteStore]:
    """A nio store class bound to this secret (nio instantiates the class itself)."""

    class EncryptedNioStore(SqliteStore):  # type: ignore[misc]
        def __post_init__(self) -> None:
            self.database_name = DB_NAME
            self._account_row: Any = None
            super().__post_init__()

        def _get_account(self) -> Any:
            """nio reads the account's row before nearly every read or write of its store
            (a tenth of the bot's CPU time in a burst of talk requests, bench.talk under
            py-spy); the row is only ever updated in place, so it is read once."""
            if self._account_row is None:
                self._account_row = super()._get_account()
            return self._account_row

        def load_account(self) -> Any:
            self._account_row = None  # the one read of the row's contents: always fresh
            return super().load_account()

        def _create_database(self) -> Any:
            return SqlCipherDatabase(
                self.database_path,
                passphrase=secret.sqlcipher_key,
                pragmas={
                    "cipher_log_level": "NONE",
                    "journal_mode": "wal",
                    "synchronous": "full",
                    "foreign_keys": 1,
                    "secure_delete": 1,
                    "busy_timeout": 5000,
                },
            )

    return EncryptedNioStore
