"""Decrypted event → (who, where, what) → command → handler; every failure gets a reply.

Handlers raise `CommandError` (its text goes to the user) or `CommandSyntaxError` (the usage
line goes to the user). Anything else is a bug: the user gets a short reference and the
operator's log gets the traceback under the same reference.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.catalogue import Catalogue
from bot.errors import CommandError, CommandSyntaxError, Role
from bot.flood import FloodGuard
from bot.logs import Redactor
from bot.ports import Messenger, Roles, SenderTrust, Verdict
from bot.text import Message, render
from store import Incoming

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

PREFIX = "!"


class EveryoneIsAMember:
    def of(self, user_id: str) -> frozenset[Role]:
        return frozenset({"member"})


@dataclass
class Context:
    event: Incoming
    args: str
    spec: CommandSpec
    router: Router
    language: str = "en"

    @property
    def services(self) -> Services:
        """The parts built by the composition root (the support line, members, …)."""
        if self.router.services is None:
            raise RuntimeError("this router was built without services")
        return self.router.services

    async def reply(self, template: str, **values: object) -> str | None:
        direction = self.router.texts.direction(self.language)
        message = render(template, direction, **values)
        return await self.router.messenger.send(self.event.room_id, message)

    async def send(self, message: Message) -> str | None:
        """A prepared message, into the room the command came from."""
        return await self.router.messenger.send(self.event.room_id, message)

    async def say(self, key: str, **values: object) -> str | None:
        """A catalogue text, in the member's language."""
        message = self.router.texts.render(self.language, key, **values)
        return await self.router.messenger.send(self.event.room_id, message)

    def roles(self) -> frozenset[Role]:
        return self.router.roles.of(self.event.sender)


Handler = Callable[[Context], Awaitable[None]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str  # e.g. "!help"
    summary: str  # one line for !help
    handler: Handler
    aliases: tuple[str, ...] = ()
    allowed: frozenset[Role] = frozenset({"member", "supporter", "organizer"})
    sensitive: bool = False  # never handled in an unencrypted room


def parse_command(body: str) -> tuple[str, str] | None:
    """`!Name  some args` → ("name", "some args"); None when it is not a command."""
    text = body.strip()
    if not text.startswith(PREFIX) or len(text) == 1:
        return None
    name, _, args = text[1:].partition(" ")
    return name.lower(), args.strip()


class Router:
    def __init__(
        self,
        specs: tuple[CommandSpec, ...],
        messenger: Messenger,
        redactor: Redactor,
        trust: SenderTrust,
        roles: Roles | None = None,
        services: Services | None = None,
        natural: Callable[[str], tuple[str, str] | None] | None = None,
        on_reaction: Callable[[Incoming], tuple[str, str] | None] | None = None,
        language: str = "en",
        flood: FloodGuard | None = None,
        on_flood: Callable[[], Awaitable[None]] | None = None,
        texts: Catalogue | None = None,
        member_language: Callable[[str], str | None] | None = None,
    ) -> None:
        self.specs = specs
        self.messenger = messenger
        self.roles: Roles = roles or EveryoneIsAMember()
        self.trust = trust
        self.services = services
        self._natural = natural  # text → (command, language), e.g. "I need to talk"
        self._on_reaction = on_reaction  # reaction → (command, args), e.g. ✅ on a page
        self.texts = texts or Catalogue(default=language)
        self._member_language = member_language or (lambda user_id: None)
        self._flood = flood
        self._on_flood = on_flood  # told once per flood episode (organizers, never who)
        self._redact = redactor
        self._by_name: dict[str, CommandSpec] = {}
        for spec in specs:
            for name in (spec.name, *spec.aliases):
                if name in self._by_name:
                    raise ValueError(f"two commands are called {name!r}")
                self._by_name[name] = spec

    def visible_to(self, user_id: str) -> list[CommandSpec]:
        roles = self.roles.of(user_id)
        return [s for s in self.specs if s.allowed & roles]

    async def handle(self, event: Incoming) -> None:
        if self._flood is not None:
            allowed, began = self._flood.check(event.sender)
            if not allowed:
                if began:
                    log.warning(
                        "%s is flooding; ignoring them for a while", self._redact.tag(event.sender)
                    )
                    if self._on_flood is not None:
                        await self._on_flood()
                return
        language = self._member_language(event.sender) or self.texts.default
        if event.kind == "reaction":
            parsed = self._on_reaction(event) if self._on_reaction else None
            if parsed is None:
                return
        elif event.kind != "text":
            return
        else:
            parsed = parse_command(event.body)
        if parsed is None:
            spoken = self._natural(event.body) if self._natural else None
            if spoken is None:
                if event.is_dm and event.room_encrypted:
                    await self._say(event, language, "dm_hint")
                return
            parsed, language = (spoken[0], ""), spoken[1]
        name, args = parsed
        spec = self._by_name.get(name)
        if spec is None:
            await self._say(event, language, "unknown_command", command=PREFIX + name)
            return
        if not spec.allowed & self.roles.of(event.sender):
            staff = "_".join(sorted(spec.allowed - {"member"}))
            who = self.texts.text(language, f"who_{staff}")
            await self._say(event, language, "not_allowed", command=PREFIX + name, who=who)
            return
        if spec.sensitive and not event.room_encrypted:
            await self._say(event, language, "unencrypted_room", command=PREFIX + name)
            return
        if spec.sensitive:
            verdict = await self.trust.verdict(event.sender, event.sender_device)
            if verdict is not Verdict.TRUSTED:
                if verdict is Verdict.MASTER_KEY_CHANGED:
                    refusal = "master_key_changed"
                elif event.sender_device is None:
                    refusal = "unknown_session"
                else:
                    refusal = "untrusted_device"
                await self._say(event, language, refusal, command=PREFIX + name)
                return
        ctx = Context(event, args, spec, self, language)
        try:
            await self._guarded(event, language, spec.name, spec.handler(ctx))
        except CommandSyntaxError:
            await self._say(event, language, "syntax", usage=spec.usage)

    async def _guarded(
        self, event: Incoming, language: str, what: str, work: Awaitable[None]
    ) -> None:
        """Runs a handler: its CommandError text goes to the user, a bug gets a reference."""
        try:
            await work
        except CommandSyntaxError:
            raise
        except CommandError as exc:
            message = render("{text}", self.texts.direction(language), text=str(exc))
            await self.messenger.send(event.room_id, message)
        except Exception:
            ref = secrets.token_hex(2)
            who = self._redact.tag(event.sender)  # a keyed hash, never the Matrix ID
            log.exception("%s failed for %s (ref %s)", what, who, ref)
            await self._say(event, language, "bug", ref=ref)

    async def _say(self, event: Incoming, language: str, key: str, **values: object) -> None:
        await self.messenger.send(event.room_id, self.texts.render(language, key, **values))
