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
            super().__post_init__()

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
