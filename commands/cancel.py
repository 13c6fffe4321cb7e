"""!cancel: withdraw your open request."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context


async def handle(ctx: Context) -> None:
    event = ctx.event
    await ctx.services.line.cancel(event.sender, ctx.room, ctx.language, event.event_id)


SPEC = CommandSpec(
    name="cancel",
    aliases=("إلغاء", "الغاء"),
    usage="!cancel",
    handler=handle,
    needs=MEMBER_DATA,
)
