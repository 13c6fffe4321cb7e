"""The encrypted store: everything warmline keeps, in one SQLCipher database."""

from store.db import StoreError, StoreWriteError
from store.records import Incoming, Session
from store.secret import SecretError, StoreSecret
from store.store import Store

__all__ = [
    "Incoming",
    "SecretError",
    "Session",
    "Store",
    "StoreError",
    "StoreSecret",
    "StoreWriteError",
]
