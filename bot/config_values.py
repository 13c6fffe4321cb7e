"""The value types a config may hold: each is a checked scalar (bot.schema's Annotated
Check) with the words an organizer reads when a value is wrong."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.schema import Check
from bot.shifts import Shift, parse_shift

_USER_ID = re.compile(r"@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(:\d{1,5})?")
_SERVER = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?")
_MAX_ID = 255  # the Matrix spec's limit for user and room IDs; DNS names are shorter still
_MAX_URL = 2000


def _user_id(value: str) -> str:
    if len(value) > _MAX_ID or not _USER_ID.fullmatch(value):
        raise ValueError("")
    return value


def _homeserver(value: str) -> str:
    url = urlparse(value) if len(value) <= _MAX_URL else None
    if url is None or url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError("")
    return value.rstrip("/")


def _homeserver_address(value: str) -> str:
    """A server name (its `.well-known` is followed at start) or a URL."""
    return _server_name(value) if _SERVER.fullmatch(value) else _homeserver(value)


def _server_name(value: str) -> str:
    if len(value) > _MAX_ID or not _SERVER.fullmatch(value):
        raise ValueError("")
    return value


_DURATION = re.compile(r"(\d+)\s*(s|m|h|d)")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DAYS = 365


class DurationTooLong(ValueError):
    """Written like a duration, but longer than any warmline waits (MAX_DAYS)."""


def duration_seconds(value: str) -> float:
    """`30s`, `5m`, `2h`, `1d` → seconds; ValueError otherwise (DurationTooLong beyond
    MAX_DAYS, so no timer or date sum overflows)."""
    match = _DURATION.fullmatch(value.strip())
    if not match:
        raise ValueError("")
    digits, unit = match.groups()
    limit = MAX_DAYS * 86400
    if len(digits) > len(str(limit)) or int(digits) * _UNIT_SECONDS[unit] > limit:
        raise DurationTooLong(f"at most {MAX_DAYS}d")
    return float(int(digits) * _UNIT_SECONDS[unit])


def valid_zone(name: str) -> bool:
    """An IANA zone named Area/City, or UTC: the one rule for the config and `!tz`. Legacy
    names such as `EST` are refused: they read like a place's time but keep no summer time."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def _zone(value: str) -> str:
    if not valid_zone(value):
        raise ValueError("")
    return value


def _language(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}", value):
        raise ValueError("")
    return value


def _room(value: str) -> str:
    if (
        len(value) > _MAX_ID
        or not re.fullmatch(r"[#!][^\s:]+(:[A-Za-z0-9.\-]+(:\d{1,5})?)?", value)
        or (value.startswith("#") and ":" not in value)
    ):
        raise ValueError("")
    return value


MAX_COUNT = 1_000_000  # far above any limit a line needs; keeps every sum with it small


def _positive(value: int) -> int:
    if not 1 <= value <= MAX_COUNT:
        raise ValueError("")
    return value


def _listen(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("")
    return value


def _shift(value: str) -> Shift:
    return parse_shift(value)


def _cron(value: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    if len(value.split()) != 5:
        raise ValueError("five fields: minute hour day month weekday")
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from exc
    return value


def _nonempty(value: str) -> str:
    if not value.strip():
        raise ValueError("")
    return value


MatrixUserId = Annotated[str, Check("a Matrix ID like @name:server", _user_id)]
HomeserverUrl = Annotated[
    str,
    Check(
        "a server name like example.org or a URL like https://matrix.example.org",
        _homeserver_address,
    ),
]
HttpUrl = Annotated[str, Check("a URL like https://example.org/help", _homeserver)]
ServerName = Annotated[str, Check("a server name like example.org", _server_name)]
NonEmpty = Annotated[str, Check("non-empty text", _nonempty)]
TimeZone = Annotated[str, Check("an IANA time zone like Europe/Berlin", _zone)]
Language = Annotated[str, Check("a language code like en or ar", _language)]
RoomRef = Annotated[
    str, Check("a room alias like #supporters:example.org or a room ID like !abc", _room)
]
PositiveInt = Annotated[
    int, Check(f"a whole number from 1 to {MAX_COUNT:,}", _positive, source=int)
]
ShiftSpec = Annotated[Shift, Check("a shift like 'mon-fri 18:00-23:00'", _shift)]
Cron = Annotated[str, Check("a 5-field cron like '0 18 * * fri'", _cron)]
Listen = Annotated[str, Check("host:port like 127.0.0.1:9464", _listen)]
# A duration like 30s, 5m, 2h or 1d; the loaded value is in seconds.
Duration = Annotated[float, Check("a duration like 30s, 5m, 2h or 1d", duration_seconds)]
