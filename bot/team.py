"""The supporters room: pages, edits, alerts and replies to the team, in the bot's default
language. It never names a member; organizers are mentioned when something needs them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.catalogue import Catalogue
from bot.ports import Messenger
from bot.roster import Roster, Supporter
from bot.text import Mention, Message, Piece, join


class TeamRoom:
    """`room_id` is None when no supporters room is configured (nobody can be paged); a
    config reload may move it."""

    def __init__(
        self,
        room_id: str | None,
        messenger: Messenger,
        texts: Catalogue,
        roster: Callable[[], Roster],
    ) -> None:
        self.room_id = room_id
        self._messenger = messenger
        self._texts = texts
        self._roster = roster

    def text(self, key: str) -> str:
        return self._texts.text(self._texts.default, key)

    def piece(self, key: str, **values: object) -> Piece:
        """A team text with its values, to be part of a longer message."""
        return Piece(self.text(key), values)

    def message(self, piece: Piece) -> Message:
        """`piece`, made of team texts, rendered as one message."""
        return self._texts.message(self._texts.default, piece)

    def say(self, key: str, **values: object) -> Message:
        """A team text as a message of its own."""
        return self.message(self.piece(key, **values))

    def listed(self, items: list[object]) -> Piece:
        """Names in a row, as the team's language separates them: "Sam, Noor", "Sam، Noor"."""
        return self._texts.listed(self._texts.default, items)

    def mention(self, user_id: str) -> Mention:
        """A supporter's pill with their roster name ("someone else" if off the roster)."""
        who = self._roster().supporters.get(user_id)
        return Mention(user_id, who.name if who else self.text("someone_else"))

    @property
    def direction(self) -> str:
        return self._texts.direction(self._texts.default)

    def weekday_time(self, moment: datetime) -> str:
        return self._texts.weekday_time(self._texts.default, moment)

    def count(self, key: str, n: int) -> str:
        """A counted text in the team's language: "1 request", "طلبان"."""
        return self._texts.count(self._texts.default, key, n)

    def waited(self, seconds: float) -> str:
        minutes = int(seconds // 60)
        if minutes < 1:
            return self.text("waited_short")
        return self.count("minutes", minutes)

    def duration(self, seconds: float) -> str:
        """A span for the team: seconds under 90 s, minutes under 2 h, then hours."""
        if seconds < 90:
            return self.text("duration_s").replace("{n}", str(round(seconds)))
        if seconds < 7200:
            return self.count("minutes", round(seconds / 60))
        return self.text("duration_h").replace("{n}", str(round(seconds / 3600)))

    async def send(
        self,
        key: str,
        mentioned: list[Supporter] | None = None,
        once: str | None = None,
        /,
        **values: object,
    ) -> str | None:
        """A catalogue text, and a line naming `mentioned` (with pills) after it. `once`: see
        Messenger.send."""
        return await self.send_text(self.text(key), mentioned, once, **values)

    async def send_text(
        self,
        template: str | Piece,
        mentioned: list[Supporter] | None = None,
        once: str | None = None,
        /,
        **values: object,
    ) -> str | None:
        """`template` (in the team's language), then "On call: Sam, Noor." for `mentioned`."""
        if self.room_id is None:
            return None
        piece = _as_piece(template, values)
        if mentioned:
            pills: list[object] = [Mention(s.user_id, s.name) for s in mentioned]
            piece = join([piece, self.piece("mentions_on_call", names=self.listed(pills))])
        return await self._messenger.send(self.room_id, self.message(piece), once)

    async def edit(self, event_id: str | None, key: str, **values: object) -> None:
        await self.edit_text(event_id, self.text(key), **values)

    async def edit_text(
        self, event_id: str | None, template: str | Piece, **values: object
    ) -> None:
        """Replaces a message of the bot's (never mentioning anyone again)."""
        if self.room_id and event_id:
            piece = _as_piece(template, values)
            message = self.message(piece)
            await self._messenger.edit(self.room_id, event_id, message)

    async def post(self, template: str | Piece, **values: object) -> str | None:
        """`template` (or a piece), already in the team's language."""
        if self.room_id is None:
            return None
        piece = _as_piece(template, values)
        return await self._messenger.send(self.room_id, self.message(piece))

    async def to_organizers(self, template: str | Piece, skip: str = "", **values: object) -> None:
        """`template` (or a piece, already in the team's language), then "Organizers: …"
        with pills."""
        organizers: list[object] = [
            Mention(o, o) for o in sorted(self._roster().organizers) if o != skip
        ]
        piece = _as_piece(template, values)
        if organizers:
            piece = join([piece, self.piece("mentions_organizers", names=self.listed(organizers))])
        if self.room_id is not None:
            await self._messenger.send(self.room_id, self.message(piece))

    async def alert(self, key: str, user_id: str, device: str) -> None:
        """An alert about a supporter's or organizer's session, mentioning the organizers."""
        supporter = self._roster().supporters.get(user_id)
        who = Mention(user_id, supporter.name if supporter else user_id)
        await self.to_organizers(self.text(key), skip=user_id, who=who, device=device)


def _as_piece(template: str | Piece, values: dict[str, object]) -> Piece:
    """A template in the team's language with its values, or a piece made already."""
    return template if isinstance(template, Piece) else Piece(template, values)
