"""What a chat command is: its spec (name, who may run it, what it needs), the context its
handler gets, and how a message becomes a command. Each module in commands/ has one SPEC;
together their `needs` are the table of what every command asks of the event that runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.errors import Role
from bot.text import Message, Piece
from store import Incoming

if TYPE_CHECKING:
    from bot.router import Router
    from bot.services import Services

PREFIX = "!"


@dataclass
class Context:
    event: Incoming
    args: str
    spec: CommandSpec
    router: Router
    room: str  # where the answer goes: the room asked in, or the sender's private DM
    language: str = "en"
    among_others: bool = False  # the answer is read in a shared room (not the team room)

    @property
    def services(self) -> Services:
        """The parts built by the composition root (the support line, members, …)."""
        if self.router.services is None:
            raise RuntimeError("this router was built without services")
        return self.router.services

    async def answer(self, piece: Piece) -> str | None:
        """The one way a handler replies: catalogue texts with their values (a list is a
        `join` of pieces), rendered once, into the answer room."""
        return await self.send(self.router.texts.message(self.language, piece))

    async def send(self, message: Message) -> str | None:
        """A message a service has rendered already (in the member's own language)."""
        return await self.router.messenger.send(self.room, message)

    async def say(self, key: str, **values: object) -> str | None:
        """A catalogue text, in the language of the one who asked."""
        return await self.answer(self.router.texts.piece(self.language, key, **values))

    def roles(self) -> frozenset[Role]:
        return self.router.roles.of(self.event.sender)


Handler = Callable[[Context], Awaitable[None]]
AnswerIn = Literal["here", "dm", "team"]


@dataclass(frozen=True)
class Needs:
    """What a command asks of the event that runs it: one row of the table in commands/.

    secure: an encrypted event, in an encrypted room, from a device the trust policy accepts
    (anything that changes state or shows the team's business; a homeserver can forge an
    unencrypted event, and an unverified session may not be the account's owner).
    answer_in: "here" (anyone may read it), "dm" (about the sender: only their private DM
    with the bot), "team" (the team room, or the sender's private DM)."""

    secure: bool = False
    answer_in: AnswerIn = "here"


MEMBER_DATA = Needs(secure=True, answer_in="dm")  # a member's own state and requests
TEAM_BUSINESS = Needs(secure=True, answer_in="team")  # what only staff may see or change


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str  # e.g. "!help"; what it does, for !help, is catalogue text help_<name>
    handler: Handler
    aliases: tuple[str, ...] = ()
    allowed: frozenset[Role] = frozenset({"member", "supporter", "organizer"})
    needs: Needs = Needs()


def parse_command(body: str) -> tuple[str, str] | None:
    """`!Name  some args` → ("name", "some args"); None when it is not a command."""
    text = body.strip()
    if not text.startswith(PREFIX) or len(text) == 1:
        return None
    name, _, args = text[1:].partition(" ")
    return name.lower(), args.strip()


def id_and_rest(args: str) -> tuple[str, str | None]:
    """`K7F2 some words` → ("K7F2", "some words"); `K7F2` → ("K7F2", None). The caller
    raises CommandSyntaxError for empty `args`."""
    first, _, rest = args.strip().partition(" ")
    return first, rest.strip() or None
