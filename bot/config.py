"""The configuration file: typed sections, validation, and the example-value guard.

Secrets never live here: the password comes from WARMLINE_PASSWORD, the store secret from
WARMLINE_STORE_KEY or `store.key_file`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

import aiofiles

from bot.schema import Check, Problem, load

_USER_ID = re.compile(r"@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(:\d{1,5})?")
_SERVER = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?")
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


def _user_id(value: str) -> str:
    if not _USER_ID.fullmatch(value):
        raise ValueError("")
    return value


def _homeserver(value: str) -> str:
    url = urlparse(value)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError("")
    return value.rstrip("/")


def _server_name(value: str) -> str:
    if not _SERVER.fullmatch(value):
        raise ValueError("")
    return value


_DURATION = re.compile(r"(\d+)\s*(s|m|h|d)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(value: str) -> float:
    match = _DURATION.fullmatch(value.strip())
    if not match:
        raise ValueError("")
    return float(int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _nonempty(value: str) -> str:
    if not value.strip():
        raise ValueError("")
    return value


MatrixUserId = Annotated[str, Check("a Matrix ID like @name:server", _user_id)]
HomeserverUrl = Annotated[str, Check("a URL like https://matrix.example.org", _homeserver)]
ServerName = Annotated[str, Check("a server name like example.org", _server_name)]
NonEmpty = Annotated[str, Check("non-empty text", _nonempty)]
# A duration like 30s, 5m, 2h or 1d; the loaded value is in seconds.
Duration = Annotated[str, Check("a duration like 30s, 5m, 2h or 1d", _duration)]


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: HomeserverUrl
    user_id: MatrixUserId
    device_name: NonEmpty = "warmline"
    # Servers whose users may invite the bot into rooms; the bot's own server always may.
    allowed_servers: tuple[ServerName, ...] = ()

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]

    def may_invite(self, user_id: str) -> bool:
        server = user_id.split(":", 1)[-1]
        return server == self.server_name or server in self.allowed_servers


@dataclass(frozen=True)
class StoreConfig:
    path: NonEmpty
    key_file: NonEmpty | None = None


@dataclass(frozen=True)
class LoggingConfig:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


@dataclass(frozen=True)
class EncryptionConfig:
    # cross-signed: room keys only for devices their owner cross-signed (what Element does);
    # tofu: also pin each user's master key on first sight; all: every device (weaker).
    trust: Literal["cross-signed", "tofu", "all"] = "cross-signed"
    # How long to wait for a missing room key before telling the sender their message
    # could not be read.
    undecryptable_grace: Duration = 30.0  # type: ignore[assignment]


@dataclass(frozen=True)
class Config:
    matrix: MatrixConfig
    store: StoreConfig
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    encryption: EncryptionConfig = field(default_factory=EncryptionConfig)


@dataclass(frozen=True)
class Loaded:
    config: Config
    source: Path

    def store_path(self) -> Path:
        """store.path, relative paths taken from the config file's folder."""
        return (self.source.parent / self.config.store.path).resolve()

    def key_file(self) -> str | None:
        kf = self.config.store.key_file
        return None if kf is None else str((self.source.parent / kf).resolve())


class ConfigError(Exception):
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))


def parse(text: str, source: str) -> Config:
    value, problems = load(Config, text)
    if problems or value is None:
        raise ConfigError(source, problems)
    assert isinstance(value, Config)
    return value


async def load_config(path: str | Path) -> Loaded:
    p = Path(path)
    try:
        async with aiofiles.open(p, encoding="utf-8") as fh:
            text = await fh.read()
    except OSError as exc:
        raise ConfigError(str(p), [Problem("", None, f"cannot read it ({exc.strerror})")]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(str(p), [Problem("", None, "is not UTF-8 text")]) from exc
    return Loaded(parse(text, str(p)), p)


def example_values(value: Any, path: str = "") -> list[str]:
    """Dotted paths of values still pointing at the documentation's example domains."""
    found: list[str] = []
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            found += example_values(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            found += example_values(item, f"{path}[{i}]")
    elif isinstance(value, str) and any(d in value for d in EXAMPLE_DOMAINS):
        found.append(path)
    return found
