"""!shift: who is on call now (by name), and when the next shift starts."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    template, values = ctx.services.staffing.shift()
    await ctx.reply(template, **values)


SPEC = CommandSpec(
    name="shift",
    usage="!shift",
    summary="who is on call now",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
