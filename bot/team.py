"""The supporters room: pages, edits, alerts and replies to the team, in the bot's default
language. It never names a member; organizers are mentioned when something needs them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.catalogue import Catalogue
from bot.ports import Messenger
from bot.roster import Roster, Supporter
from bot.text import Mention, render


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
        self, key: str, mentioned: list[Supporter] | None = None, **values: object
    ) -> str | None:
        """A catalogue text, and a line naming `mentioned` (with pills) after it."""
        return await self.send_text(self.text(key), mentioned, **values)

    async def send_text(
        self, template: str, mentioned: list[Supporter] | None = None, **values: object
    ) -> str | None:
        """`template` (in the team's language), then "On call: Sam, Noor." for `mentioned`."""
        if self.room_id is None:
            return None
        mentioned = mentioned or []
        names = {f"m{i}": Mention(s.user_id, s.name) for i, s in enumerate(mentioned)}
        if mentioned:
            template += "\n" + self._named("mentions_on_call", len(mentioned), "m")
        return await self._messenger.send(
            self.room_id, render(template, self.direction, **values, **names)
        )

    def names(self, prefix: str, how_many: int) -> str:
        """`{<prefix>0}, {<prefix>1}…`: placeholders for a list of names, as the team's
        language separates them."""
        return self._texts.names(self._texts.default, how_many, prefix)

    def _named(self, key: str, how_many: int, prefix: str) -> str:
        """Text `key` with its {names} as a list of placeholders {<prefix>0}, {<prefix>1}…"""
        return self.text(key).replace("{names}", self.names(prefix, how_many))

    async def edit(self, event_id: str | None, key: str, **values: object) -> None:
        await self.edit_text(event_id, self.text(key), **values)

    async def edit_text(self, event_id: str | None, template: str, **values: object) -> None:
        """Replaces a message of the bot's (never mentioning anyone again)."""
        if self.room_id and event_id:
            message = render(template, self.direction, **values)
            await self._messenger.edit(self.room_id, event_id, message)

    async def post(self, template: str, **values: object) -> str | None:
        """`template`, already in the team's language."""
        if self.room_id is None:
            return None
        return await self._messenger.send(self.room_id, render(template, self.direction, **values))

    async def to_organizers(self, template: str, skip: str = "", **values: object) -> None:
        """`template` (already in the team's language), then "Organizers: …" with pills."""
        organizers = [Mention(o, o) for o in sorted(self._roster().organizers) if o != skip]
        if organizers:
            template += "\n" + self._named("mentions_organizers", len(organizers), "o")
        named = {f"o{i}": o for i, o in enumerate(organizers)}
        await self.post(template, **values, **named)

    async def alert(self, key: str, user_id: str, device: str) -> None:
        """An alert about a supporter's or organizer's session, mentioning the organizers."""
        supporter = self._roster().supporters.get(user_id)
        who = Mention(user_id, supporter.name if supporter else user_id)
        await self.to_organizers(self.text(key), skip=user_id, who=who, device=device)
