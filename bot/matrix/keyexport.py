"""Key export files in the Matrix spec's format (nio's key_export), derived at C speed.

nio derives an export's key with pycryptodome's PBKDF2 and a PRF written in Python: the
500,000 rounds Element uses (and warmline, see bot.admin) take about 11 s per file on a small
server, so an export or import of two files took over 20 s. pycryptodome computes the very
same PBKDF2-HMAC-SHA512 in C when it is given the hash module instead of a PRF (the unit test
checks both give the same bytes). `fast_kdf()` lets nio's own code use that while an export or
import runs; the file format, the cipher and the MAC stay nio's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import nio.crypto.key_export as key_export
from Crypto.Hash import SHA512
from Crypto.Protocol.KDF import PBKDF2


def pbkdf2_sha512(passphrase: str, salt: bytes, length: int, count: int, prf: Any = None) -> bytes:
    """nio's `PBKDF2(passphrase, salt, 64, count, prf)` call, with the HMAC-SHA512 its `prf`
    computes done in C."""
    derived: bytes = PBKDF2(passphrase, salt, length, count, hmac_hash_module=SHA512)
    return derived


@contextlib.contextmanager
def fast_kdf() -> Iterator[None]:
    original: Callable[..., bytes] = key_export.PBKDF2
    key_export.PBKDF2 = pbkdf2_sha512
    try:
        yield
    finally:
        key_export.PBKDF2 = original
