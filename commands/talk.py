"""!talk (or "I need to talk"): ask for a peer supporter."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context


async def handle(ctx: Context) -> None:
    await ctx.services.line.talk(ctx.event.sender, ctx.room, ctx.language)


SPEC = CommandSpec(
    name="talk",
    aliases=("تحدث",),
    usage="!talk",
    handler=handle,
    needs=MEMBER_DATA,
)
