"""What the bot says to a member about their request: every answer carries the crisis
resources for their language, so nobody who asks is left with nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.catalogue import Catalogue
from bot.config import ResourceConfig
from bot.ports import Messenger
from bot.resources import as_list, select
from bot.roster import Roster
from bot.text import Message, Piece, render


class MemberReplies:
    def __init__(
        self,
        messenger: Messenger,
        texts: Catalogue,
        resources: Callable[[], tuple[ResourceConfig, ...]],
        roster: Callable[[], Roster],
        now: Callable[[], datetime],
    ) -> None:
        self._messenger = messenger
        self._texts = texts
        self._resources = resources
        self._roster = roster
        self._now = now

    def _listed(
        self, language: str, topic: str | None = None
    ) -> tuple[str, dict[str, object]] | None:
        """The resources as a markup list for `language`; None if a topic matched nothing."""
        chosen = select(self._resources(), language, self._texts.default, topic)
        if topic and not chosen:
            return None
        return as_list(chosen, self._texts.text(language, "resource_none"))

    async def tell(
        self,
        room: str,
        language: str,
        key: str,
        *then: str,
        once: str | None = None,
        **values: object,
    ) -> None:
        """A catalogue text for the member, its {resources} filled in; `then`: further
        texts in the same message (kept apart, so organizers can override each alone);
        `once`: see Messenger.send."""
        listed = self._listed(language)
        assert listed is not None  # without a topic there is always a list (or the fallback)
        resources, resource_values = listed
        template = self._texts.text(language, key)
        for more in then:
            template += "\n" + self._texts.text(language, more)
        template = template.replace("{resources}", resources)
        direction = self._texts.direction(language)
        message = render(template, direction, **values, **resource_values)
        await self._messenger.send(room, message, once)

    def next_shift(self, language: str) -> Piece:
        """` (the next shift starts at Tue 18:00 UTC)`, or nothing without any shifts."""
        found = self._roster().next_shift(self._now())
        if found is None:
            return Piece("")
        when = self._texts.weekday_time(language, found[1].astimezone(UTC)) + " UTC"
        return self._texts.piece(language, "next_shift", time=when)

    def resources_message(self, language: str, topic: str | None) -> Message:
        found = self._listed(language, topic)
        if found is None:
            return self._texts.render(language, "resources_none_topic")
        listed, values = found
        template = self._texts.text(language, "resources_title") + "\n" + listed
        return render(template, self._texts.direction(language), **values)
