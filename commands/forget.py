"""!forget: delete everything warmline keeps about you (any open request is withdrawn)."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context


async def handle(ctx: Context) -> None:
    members = ctx.services.members
    message = await members.forget(ctx.event.sender, ctx.language, ctx.event.event_id)
    await ctx.send(message)


SPEC = CommandSpec(
    name="forget",
    aliases=("انسني",),
    usage="!forget",
    handler=handle,
    needs=MEMBER_DATA,
)
