"""nio's crypto store, moved into warmline's encrypted database.

nio's `DefaultStore` keeps device trust in plaintext files named after the user, and its
SQLite file is readable by anyone (only the Olm/Megolm pickles are encrypted, by default under
nio's built-in default key). `SqliteStore` keeps trust in the database; here its database is
the same SQLCipher file as warmline's own tables, opened with the key derived from the store
secret. nio's pickle key is derived from the same secret.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import peewee
from nio.crypto import DeviceStore, OlmDevice, TrustState
from nio.store import SqliteStore
from nio.store.models import DeviceKeys, DeviceTrustState, Keys
from playhouse.sqlcipher_ext import SqlCipherDatabase

from store.db import DB_NAME, StoreWriteError
from store.secret import StoreSecret


class _Database(SqlCipherDatabase):  # type: ignore[misc]
    """nio's connection to the store: a write that fails (a full disk) is a StoreWriteError,
    as it is for warmline's own tables, not an error in whatever nio was handling."""

    def execute_sql(self, sql: str, params: Any = None, commit: Any = None) -> Any:
        try:
            return super().execute_sql(sql, params)
        except peewee.OperationalError as exc:
            raise StoreWriteError(f"cannot write the store ({exc}); is the disk full?") from exc

    def commit(self) -> Any:
        try:
            return super().commit()
        except peewee.OperationalError as exc:
            raise StoreWriteError(f"cannot write the store ({exc}); is the disk full?") from exc


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

        # nio asks these for every device of a room before each send (two queries each:
        # a fifth of the bot's CPU time in a burst of talk requests, bench.talk under
        # py-spy). Every OlmDevice nio hands in comes from its DeviceStore, whose trust state
        # is loaded from these rows (load_device_keys) and set by every write of them (nio's
        # verify/blacklist/ignore and their undoing set `device.trust_state` after the row
        # is written; a failed write leaves both as they were): the answer is in memory.
        def is_device_verified(self, device: OlmDevice) -> bool:
            return bool(device.trust_state == TrustState.verified)

        def is_device_blacklisted(self, device: OlmDevice) -> bool:
            return bool(device.trust_state == TrustState.blacklisted)

        def is_device_ignored(self, device: OlmDevice) -> bool:
            return bool(device.trust_state == TrustState.ignored)

        def load_device_keys(self) -> DeviceStore:
            """nio's own reads each device's keys and trust state with two queries per device
            and adds each device after comparing it with every one already loaded: 9 s of a
            17 s restart at 5,000 members (bench.scale). The same rows in three queries, into
            the same DeviceStore."""
            with self.database.bind_ctx(self.models):
                return self._devices()

        def _devices(self) -> DeviceStore:
            devices = DeviceStore()
            account = self._get_account()
            if not account:
                return devices
            mine = DeviceKeys.account == account
            keys: dict[int, dict[str, str]] = defaultdict(dict)
            for device, kind, key in (
                Keys.select(Keys.device, Keys.key_type, Keys.key).join(DeviceKeys).where(mine)
            ).tuples():
                keys[device][kind] = key
            trust = {
                row.device_id: row.state
                for row in DeviceTrustState.select().join(DeviceKeys).where(mine)
            }
            for d in DeviceKeys.select().where(mine):
                # Not DeviceStore.add: it looks for an equal device among all it holds
                # (12.5 million comparisons at 5,000 devices); rows are unique per device.
                devices[d.user_id][d.device_id] = OlmDevice(
                    d.user_id,
                    d.device_id,
                    keys[d.id],
                    display_name=d.display_name,
                    deleted=d.deleted,
                    trust_state=trust.get(d.id, TrustState.unset),
                )
            return devices

        def _create_database(self) -> Any:
            return _Database(
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
