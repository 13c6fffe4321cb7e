"""The configuration file: typed sections, validation, and the example-value guard.

Secrets never live here: the password comes from WARMLINE_PASSWORD, the store secret from
WARMLINE_STORE_KEY or `store.key_file`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from bot.config_file import ConfigError as ConfigError  # re-exported: where callers expect it
from bot.config_file import off_the_loop, read_text
from bot.config_values import (
    Cron,
    Duration,
    HomeserverUrl,
    HttpUrl,
    Language,
    Listen,
    MatrixUserId,
    NonEmpty,
    PositiveInt,
    RoomRef,
    ServerName,
    ShiftSpec,
    TimeZone,
)
from bot.schema import Check, Problem, load


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
    undecryptable_grace: Duration = 30.0


@dataclass(frozen=True)
class RoomsConfig:
    supporters: RoomRef | None = None  # the team room where requests are paged


@dataclass(frozen=True)
class LeadShift:
    """A shift written as a mapping, e.g. `{shift: "sat 10:00-14:00", lead: true}`."""

    shift: ShiftSpec
    lead: bool = False


@dataclass(frozen=True)
class LimitsConfig:
    """How much one supporter is asked to carry; past a limit they are not paged (they can
    still accept by command). None: no limit."""

    max_sessions_per_shift: PositiveInt | None = None
    max_hours_per_week: PositiveInt | None = None  # in the last 7 days
    cooldown: Duration = 0.0  # after a session ends, before they are paged again


@dataclass(frozen=True)
class SupporterConfig:
    user_id: MatrixUserId
    name: NonEmpty
    pronouns: str | None = None
    languages: tuple[Language, ...] = ("en",)
    timezone: TimeZone | None = None  # default: roster.timezone
    shifts: tuple[ShiftSpec | LeadShift, ...] = ()
    max_sessions: PositiveInt = 2
    tier: Literal[1, 2] = 1
    role: Literal["supporter", "trainee"] = "supporter"  # trainees observe, never paged
    # Each default: roster.limits
    max_sessions_per_shift: PositiveInt | None = None
    max_hours_per_week: PositiveInt | None = None
    cooldown: Duration | None = None


@dataclass(frozen=True)
class RosterConfig:
    timezone: TimeZone = "UTC"
    supporters: tuple[SupporterConfig, ...] = ()
    organizers: tuple[MatrixUserId, ...] = ()
    limits: LimitsConfig = field(default_factory=LimitsConfig)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for supporter in self.supporters:
            if supporter.user_id in seen:
                raise ValueError(f"supporter {supporter.user_id} is listed twice")
            seen.add(supporter.user_id)


@dataclass(frozen=True)
class EscalationConfig:
    ack_timeout: Duration = 300.0  # no accept by then → page the next tier
    give_up_after: Duration = 1800.0  # still nobody → tell the member honestly

    def __post_init__(self) -> None:
        if self.give_up_after < self.ack_timeout:
            raise ValueError("give_up_after must be at least ack_timeout")


@dataclass(frozen=True)
class HandoffConfig:
    bot_stays: bool = False  # False: the bot leaves the private room after the introduction
    session_timeout: Duration = 86400.0
    # room: a private room with the supporter; relay: the bot passes messages between the
    # member's DM and the supporter, neither seeing the other's account; ask: the member
    # chooses (replying `private`), and without an answer gets `ask_default`.
    mode: Literal["room", "relay", "ask"] = "room"
    ask_default: Literal["room", "relay"] = "room"
    max_attachment_mb: PositiveInt = 10  # relayed attachments above this get a note instead


@dataclass(frozen=True)
class ConsentConfig:
    # How long a member has to answer "may NAME come into your conversation?"; silence
    # until then counts as no.
    timeout: Duration = 600.0


@dataclass(frozen=True)
class FloodConfig:
    limit: PositiveInt = 20  # messages from one sender within `window` before they are ignored
    window: Duration = 60.0


@dataclass(frozen=True)
class ResourceConfig:
    name: NonEmpty
    contact: NonEmpty
    url: HttpUrl | None = None
    topics: tuple[NonEmpty, ...] = ()
    languages: tuple[Language, ...] = ()
    regions: tuple[NonEmpty, ...] = ()


@dataclass(frozen=True)
class ScheduleConfig:
    room: RoomRef
    cron: Cron  # minute hour day month weekday, in `timezone`
    timezone: TimeZone = "UTC"
    message: NonEmpty | None = None
    resources: tuple[NonEmpty, ...] = ()  # post these resource topics instead of a message
    language: Language | None = None  # of the resources post; default: the bot's language

    def __post_init__(self) -> None:
        if (self.message is None) == (not self.resources):
            raise ValueError("a schedule needs either message or resources (not both)")


@dataclass(frozen=True)
class PrivacyConfig:
    # A closed request keeps no identity at all; this long after it closed, what is left
    # (id, language, times, who accepted it) is folded into anonymous daily counts.
    retention: Duration = 86400.0


@dataclass(frozen=True)
class SafetyConfig:
    block_for: Duration = 30 * 86400.0  # a `!block` that names no duration lasts this long
    # More requests than this from one member within 7 days: the organizers are told, once
    # (by request ids, never who).
    repeat_limit: PositiveInt = 5


@dataclass(frozen=True)
class MetricsConfig:
    listen: Listen | None = None  # e.g. 127.0.0.1:9464 for Prometheus; off by default

    @property
    def address(self) -> tuple[str, int] | None:
        if self.listen is None:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


def _messages(value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    from bot.catalogue import check_overrides  # the catalogue knows its own names

    check_overrides(value)
    return value


Messages = Annotated[
    dict[str, dict[str, str]],
    Check("per language, message names with texts", _messages, source=dict[str, dict[str, str]]),
]


@dataclass(frozen=True)
class Config:
    matrix: MatrixConfig
    store: StoreConfig
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    encryption: EncryptionConfig = field(default_factory=EncryptionConfig)
    rooms: RoomsConfig = field(default_factory=RoomsConfig)
    roster: RosterConfig = field(default_factory=RosterConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    handoff: HandoffConfig = field(default_factory=HandoffConfig)
    consent: ConsentConfig = field(default_factory=ConsentConfig)
    flood: FloodConfig = field(default_factory=FloodConfig)
    resources: tuple[ResourceConfig, ...] = ()
    language: Language = "en"  # the bot's default language (en or ar)
    schedules: tuple[ScheduleConfig, ...] = ()
    schedule_grace: Duration = 3600.0  # a post missed by less than this is posted late
    # A message that reaches the bot more than this long after it was sent (decrypted late,
    # or sent while the bot was away) is not acted on; the member is told in their DM.
    stale_after: Duration = 86400.0
    messages: Messages = field(default_factory=dict)  # overrides of any built-in text
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    safety: SafetyConfig = field(default_factory=SafetyConfig)
    # Every message to a member starts with a neutral line (a notification preview shows only
    # that), and handoff rooms get a neutral name.
    discreet: bool = False
    metrics: MetricsConfig = field(default_factory=MetricsConfig)


@dataclass(frozen=True)
class Loaded:
    config: Config
    source: Path
    lines: Mapping[str, int] = field(default_factory=dict)  # key path → line in the file

    def store_path(self) -> Path:
        """store.path, relative paths taken from the config file's folder."""
        return (self.source.parent / self.config.store.path).resolve()

    def key_file(self) -> str | None:
        kf = self.config.store.key_file
        return None if kf is None else str((self.source.parent / kf).resolve())

    def problem(self, path: str, message: str) -> Problem:
        """A problem found after loading (a file the config names, …), at its key's line."""
        return Problem(path, self.lines.get(path), message)


def _parse(text: str, source: str) -> tuple[Config, dict[str, int]]:
    result = load(Config, text)
    if result.value is None:
        raise ConfigError(source, result.problems, result.count)
    assert isinstance(result.value, Config)
    return result.value, result.lines


def parse(text: str, source: str) -> Config:
    return _parse(text, source)[0]


async def load_config(path: str | Path) -> Loaded:
    """The file read and checked off the event loop (a hostile file cannot stall the bot);
    raises ConfigError naming every problem."""
    p = Path(path)
    config, lines = await off_the_loop(_parse, await read_text(p), str(p))
    return Loaded(config, p, lines)
