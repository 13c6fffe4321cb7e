"""Key exports derive their key at C speed and stay byte-compatible with nio's own code."""

from __future__ import annotations

import nio.crypto.key_export as key_export
from Crypto.Protocol.KDF import PBKDF2

from bot.matrix.keyexport import fast_kdf, pbkdf2_sha512

PASSPHRASE = "correct horse battery staple"


def test_the_fast_derivation_is_nios_derivation():
    salt = bytes(range(16))
    for count in (1, 2, 1000):
        slow = PBKDF2(PASSPHRASE, salt, 64, count, key_export.prf)
        assert pbkdf2_sha512(PASSPHRASE, salt, 64, count, key_export.prf) == slow


def test_files_sealed_either_way_open_either_way():
    data = b'{"session_key": "secret"}'
    with fast_kdf():
        fast_sealed = key_export.encrypt(data, PASSPHRASE, count=2000)
    assert key_export.decrypt(fast_sealed, PASSPHRASE) == data  # nio's own, slow path
    slow_sealed = key_export.encrypt(data, PASSPHRASE, count=2000)
    with fast_kdf():
        assert key_export.decrypt(slow_sealed, PASSPHRASE) == data


def test_nio_is_left_as_it_was():
    original = key_export.PBKDF2
    with fast_kdf():
        assert key_export.PBKDF2 is pbkdf2_sha512
    assert key_export.PBKDF2 is original
