"""!status: the line's figures for organizers; counts only, never who."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.text import join


async def handle(ctx: Context) -> None:
    status = ctx.services.staffing.status()
    load = ctx.services.wellbeing.load()  # the team's load this week, as counts
    blocks = ctx.services.team.piece("status_blocks", blocks=ctx.services.blocks.count())
    await ctx.answer(join([status, load, blocks]))  # blocks: a count, never who


SPEC = CommandSpec(
    name="status",
    usage="!status",
    handler=handle,
    allowed=frozenset({"organizer"}),
    needs=TEAM_BUSINESS,
)
