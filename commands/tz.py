"""!tz Area/City: the member's time zone (for check-ins)."""

from __future__ import annotations

from bot.errors import CommandSyntaxError
from bot.router import CommandSpec, Context


async def handle(ctx: Context) -> None:
    if not ctx.args.strip():
        raise CommandSyntaxError()
    message = ctx.services.checkins.set_zone(ctx.event.sender, ctx.args.strip(), ctx.language)
    await ctx.send(message)


SPEC = CommandSpec(
    name="tz",
    usage="!tz Area/City",
    summary="set your time zone",
    handler=handle,
)
