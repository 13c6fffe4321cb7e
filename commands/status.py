"""!status: the line's figures for organizers; counts only, never who."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    template, values = ctx.services.staffing.status()
    load, more = ctx.services.wellbeing.load()  # the team's load this week, as counts
    await ctx.reply(template + "\n" + load, **values, **more)


SPEC = CommandSpec(
    name="status",
    usage="!status",
    summary="figures for the line",
    handler=handle,
    allowed=frozenset({"organizer"}),
    needs=TEAM_BUSINESS,
)
