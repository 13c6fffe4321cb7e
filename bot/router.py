"""Decrypted event → (who, where, what) → command → handler; every failure gets a reply.

Each command's `Needs` say what it asks of the event (encrypted, from a trusted device) and
where its answer may be read: where it was asked, only in the sender's private DM with the bot
(anything about one member), or in the team room or that DM (the team's business). Asked
elsewhere, the room gets one neutral line and the answer goes to the DM. Natural requests
("I need to talk") count only in a conversation with the bot, never in a shared room or the
team room, and never in the quote of another message a reply carries.

Handlers raise `CommandError` (its catalogue text goes to the user, in their language) or
`CommandSyntaxError` (the usage line goes to the user). Anything else is a bug: the user gets
a short reference and the operator's log gets the traceback under the same reference.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.catalogue import Catalogue
from bot.command import PREFIX, CommandSpec, Context, parse_command
from bot.errors import CommandError, CommandSyntaxError, Role
from bot.flood import FloodGuard
from bot.logs import Redactor
from bot.phrases import without_reply_fallback
from bot.ports import Messenger, Roles, RoomError, Rooms, SenderTrust, Verdict
from store import Incoming

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


class EveryoneIsAMember:
    def of(self, user_id: str) -> frozenset[Role]:
        return frozenset({"member"})


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
        on_flood: Callable[[], Awaitable[object]] | None = None,
        texts: Catalogue | None = None,
        member_language: Callable[[str], str | None] | None = None,
        rooms: Rooms | None = None,
        team_room: Callable[[], str | None] = lambda: None,
        own_id: str | None = None,
        answers: Callable[[Incoming], tuple[str, str] | None] | None = None,
        unreachable: Callable[[BaseException], bool] = lambda exc: False,
    ) -> None:
        self.specs = specs
        # a failure to reach the homeserver is no bug: the dispatcher runs the event again
        self._unreachable = unreachable
        self.messenger = messenger
        self.roles: Roles = roles or EveryoneIsAMember()
        self.trust = trust
        self.services = services
        self._natural = natural  # text → (command, language), e.g. "I need to talk"
        self._on_reaction = on_reaction  # reaction → (command, args), e.g. ✅ on a page
        # a member's reply while the bot waits for their yes or no → ("yes" | "no", "")
        self._answers = answers
        self.texts = texts or Catalogue(default=language)
        self._member_language = member_language or (lambda user_id: None)
        self._flood = flood
        self._on_flood = on_flood  # told once per flood episode (organizers, never who)
        self._redact = redactor
        self._rooms = rooms  # finds (or makes) a member's private DM with the bot
        self.team_room = team_room
        self._own_id = own_id
        self._by_name: dict[str, CommandSpec] = {}
        for spec in specs:
            for name in (spec.name, *spec.aliases):
                if name in self._by_name:
                    raise ValueError(f"two commands are called {name!r}")
                self._by_name[name] = spec

    def visible_to(self, roles: frozenset[Role]) -> list[CommandSpec]:
        return [s for s in self.specs if s.allowed & roles]

    def _personal(self, event: Incoming) -> bool:
        """A conversation with the bot: only the bot and the sender in the room (never the
        team room, however few are in it)."""
        return event.is_dm and event.room_id != self.team_room()

    async def handle(self, event: Incoming) -> None:
        if self._own_id is not None and event.sender == self._own_id:
            return  # the bot's own words are never a command or a request
        if not await self._admitted(event):
            return
        personal = self._personal(event)
        # In a shared room the reply is in the default language: a member's own choice (or
        # the language of a request they have open) is theirs to keep.
        known = self._member_language(event.sender) or self.texts.default
        language = known if personal else self.texts.default
        parsed = self._parse(event)
        if parsed is None and self._answers is not None and event.kind == "text":
            parsed = self._answers(event)  # only while a question waits for their answer
        if parsed is None:
            spoken = self._spoken(event) if personal else None
            if spoken is None:
                if personal and event.room_encrypted and event.kind == "text":
                    await self._say(event, language, "dm_hint")
                return
            parsed, language = (spoken[0], ""), spoken[1]
            known = language
        name, args = parsed
        spec = self._by_name.get(name)
        if spec is None:
            await self._say(event, language, "unknown_command", command=PREFIX + name)
            return
        if not spec.allowed & self.roles.of(event.sender):
            staff = "_".join(r for r in ("supporter", "organizer") if r in spec.allowed)
            who = self.texts.text(language, f"who_{staff}")
            await self._say(event, language, "not_allowed", command=PREFIX + name, who=who)
            return
        refusal = await self._refusal(spec, event)
        if refusal is not None:
            await self._say(event, language, refusal, command=PREFIX + name)
            return
        room = await self._answer_room(spec, event, language)
        if room is None:
            return
        here = room == event.room_id
        among_others = here and not personal and room != self.team_room()
        ctx = Context(event, args, spec, self, room, language if here else known, among_others)
        try:
            await self._guarded(room, ctx.language, event, spec.name, spec.handler(ctx))
        except CommandSyntaxError:
            await self._say_in(room, ctx.language, "syntax", usage=spec.usage)

    async def _admitted(self, event: Incoming) -> bool:
        if self._flood is None:
            return True
        allowed, began = self._flood.check(event.sender)
        if not allowed and began:
            log.warning("%s is flooding; ignoring them for a while", self._redact.tag(event.sender))
            if self._on_flood is not None:
                await self._on_flood()
        return allowed

    def _parse(self, event: Incoming) -> tuple[str, str] | None:
        if event.kind == "reaction":
            return self._on_reaction(event) if self._on_reaction else None
        if event.kind != "text":
            return None
        return parse_command(self._own_words(event))

    def _spoken(self, event: Incoming) -> tuple[str, str] | None:
        if event.kind != "text" or self._natural is None:
            return None
        return self._natural(self._own_words(event))

    @staticmethod
    def _own_words(event: Incoming) -> str:
        """The body without the quote of the message replied to (that is not what the
        sender said: quoting the bot's own "write I need to talk" is not a request)."""
        return without_reply_fallback(event.body) if event.reply_to else event.body

    async def _refusal(self, spec: CommandSpec, event: Incoming) -> str | None:
        """Why a secure command is not run (the catalogue key of the plain answer), if not."""
        if not spec.needs.secure:
            return None
        if not event.room_encrypted:
            return "unencrypted_room"
        if not event.encrypted:  # sent in clear into an encrypted room: anyone could forge it
            return "unknown_session"
        verdict = await self.trust.verdict(event.sender, event.sender_device)
        if verdict is Verdict.TRUSTED:
            return None
        if verdict is Verdict.MASTER_KEY_CHANGED:
            return "master_key_changed"
        return "unknown_session" if event.sender_device is None else "untrusted_device"

    async def _answer_room(self, spec: CommandSpec, event: Incoming, language: str) -> str | None:
        """Where the answer may be read; asked elsewhere, that room gets one neutral line.
        None if no private room could be had (the sender was told)."""
        where = spec.needs.answer_in
        if where == "here" or (where == "team" and event.room_id == self.team_room()):
            return event.room_id
        if self._rooms is None:
            raise RuntimeError("this router was built without rooms")
        try:
            room = await self._rooms.direct_room(event.sender, prefer=event.room_id)
        except RoomError as exc:
            log.warning("no private room for %s: %s", self._redact.tag(event.sender), exc)
            await self._say(event, language, "dm_failed")
            return None
        if room != event.room_id:
            await self._say(event, language, "answered_privately")
        return room

    async def _guarded(
        self, room: str, language: str, event: Incoming, what: str, work: Awaitable[None]
    ) -> None:
        """Runs a handler: its CommandError's text goes to the user, a bug gets a reference."""
        try:
            await work
        except CommandSyntaxError:
            raise
        except CommandError as exc:
            await self._say_in(room, language, exc.key, **exc.values)
        except Exception as exc:
            if self._unreachable(exc):
                raise  # handled again once the homeserver answers (bot.dispatch)
            ref = secrets.token_hex(2)
            who = self._redact.tag(event.sender)  # a keyed hash, never the Matrix ID
            log.exception("%s failed for %s (ref %s)", what, who, ref)
            await self._say_in(room, language, "bug", ref=ref)

    async def _say(self, event: Incoming, language: str, key: str, **values: object) -> None:
        await self._say_in(event.room_id, language, key, **values)

    async def _say_in(self, room: str, language: str, key: str, **values: object) -> None:
        await self.messenger.send(room, self.texts.render(language, key, **values))
