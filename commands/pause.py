"""!break [30m]: tap out for a while (like `!oncall off` for that long); no reason asked."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.config_values import duration_seconds
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    seconds = None
    if ctx.args:
        try:
            seconds = duration_seconds(ctx.args)
        except ValueError:
            raise CommandSyntaxError() from None
        if seconds <= 0:
            raise CommandSyntaxError()
    await ctx.answer(ctx.services.wellbeing.take_break(ctx.event.sender, seconds))


SPEC = CommandSpec(
    name="break",
    usage="!break [30m]",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
