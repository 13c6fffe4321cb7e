"""Discretion (`discreet: true`, issue #13): every message the bot sends outside the team's
shared rooms starts with one neutral line, so a notification preview on a member's lock
screen shows only that ("New message"), never "peer supporter" or "crisis". The line is in
the message's own language (an Arabic message is rendered right-to-left)."""

from __future__ import annotations

from collections.abc import Callable

from bot.catalogue import Catalogue
from bot.ports import Messenger
from bot.text import Message, render

RTL_DIV = '<div dir="rtl">'


def neutral_first(message: Message, texts: Catalogue) -> Message:
    """`message` with the neutral line (`discreet_line`) before its first line."""
    rtl = message.html.startswith(RTL_DIV)
    line = render(texts.text("ar" if rtl else "en", "discreet_line"), "rtl" if rtl else "ltr")
    if rtl:
        inner = message.html.removeprefix(RTL_DIV)
        html = f"{RTL_DIV}{line.html.removeprefix(RTL_DIV).removesuffix('</div>')}<br><br>{inner}"
    else:
        html = f"{line.html}<br><br>{message.html}"
    return Message(f"{line.body}\n\n{message.body}", html, message.mentions)


class DiscreetMessenger:
    """A Messenger that adds the neutral line while `on()` says so, in every room that is
    not `shared` (the team room, schedule rooms): members' DMs and their handoff rooms."""

    def __init__(
        self,
        inner: Messenger,
        texts: Catalogue,
        on: Callable[[], bool],
        shared: Callable[[str], bool],
    ) -> None:
        self._inner = inner
        self._texts = texts
        self._on = on
        self._shared = shared

    def _shown(self, room_id: str, message: Message) -> Message:
        if not self._on() or self._shared(room_id):
            return message
        return neutral_first(message, self._texts)

    async def send(self, room_id: str, message: Message, once: str | None = None) -> str | None:
        return await self._inner.send(room_id, self._shown(room_id, message), once)

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None:
        return await self._inner.edit(room_id, event_id, self._shown(room_id, message))
