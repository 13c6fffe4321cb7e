"""!status: the line's figures for organizers; counts only, never who."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.text import join


async def handle(ctx: Context) -> None:
    status = ctx.services.staffing.status()
    load = ctx.services.wellbeing.load()  # the team's load this week, as counts
    await ctx.answer(join([status, load]))


SPEC = CommandSpec(
    name="status",
    usage="!status",
    handler=handle,
    allowed=frozenset({"organizer"}),
    needs=TEAM_BUSINESS,
)
