"""The store secret: where it comes from, what form it must have, and the keys derived from it.

The secret is 32 random bytes written as 64 hex characters. Every key warmline uses is derived
from it with HMAC-SHA256 under a distinct label, so no two purposes share a key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

import aiofiles
import aiofiles.os

ENV_VAR = "WARMLINE_STORE_KEY"
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
EXPECTED_FORM = "64 hex characters (32 random bytes); `warmline keygen` prints one"


class SecretError(Exception):
    """The store secret is missing, malformed or not protected; the text is for the operator."""


@dataclass(frozen=True, repr=False)
class StoreSecret:
    raw: bytes
    source: str  # "WARMLINE_STORE_KEY" or the key file's path: named in error messages

    def derive(self, label: str) -> bytes:
        return hmac.new(self.raw, b"warmline/v1/" + label.encode(), hashlib.sha256).digest()

    @property
    def sqlcipher_key(self) -> str:
        """A raw SQLCipher key literal (skips the passphrase KDF: the secret is already random)."""
        return "x'" + self.derive("sqlcipher").hex() + "'"

    @property
    def pickle_key(self) -> str:
        """nio's Olm/Megolm pickle passphrase (nio hashes it once more; it is high-entropy)."""
        return self.derive("nio-pickle").hex()

    @property
    def log_key(self) -> bytes:
        return self.derive("log-hash")

    @property
    def member_key(self) -> bytes:
        """Keys the hash a block knows a member by (store.safety): stable across restarts."""
        return self.derive("member-hash")

    def __repr__(self) -> str:  # never print the secret
        return f"StoreSecret(source={self.source!r})"


def generate() -> str:
    return secrets.token_hex(32)


def parse(text: str, source: str) -> StoreSecret:
    value = text.strip()
    if not _HEX64.fullmatch(value):
        raise SecretError(
            f"the store key from {source} is not valid: expected {EXPECTED_FORM} "
            f"(got {len(value)} characters)"
        )
    return StoreSecret(bytes.fromhex(value), source)


async def load(key_file: str | None, environ: dict[str, str] | None = None) -> StoreSecret:
    """The secret from WARMLINE_STORE_KEY, else from `store.key_file` (owner-only permissions)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return parse(env[ENV_VAR], ENV_VAR)
    if key_file is None:
        raise SecretError(f"no store key: set {ENV_VAR} or store.key_file to {EXPECTED_FORM}")
    path = Path(key_file)
    try:
        mode = (await aiofiles.os.stat(path)).st_mode
    except OSError as exc:
        raise SecretError(f"store.key_file {path}: cannot read it ({exc.strerror})") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(
            f"store.key_file {path} is readable by other users (mode {stat.filemode(mode)}); "
            f"run: chmod 600 {path}"
        )
    async with aiofiles.open(path, encoding="utf-8") as fh:
        text = await fh.read()
    return parse(text, str(path))
