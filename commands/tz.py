"""!tz Area/City: the member's time zone (for check-ins)."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args.strip():
        raise CommandSyntaxError()
    message = ctx.services.checkins.set_zone(ctx.event.sender, ctx.args.strip(), ctx.language)
    await ctx.send(message)


SPEC = CommandSpec(
    name="tz",
    usage="!tz Area/City",
    handler=handle,
    needs=MEMBER_DATA,
)
