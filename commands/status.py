"""!status: the line's figures for organizers; counts only, never who."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    template, values = ctx.services.staffing.status()
    await ctx.reply(template, **values)


SPEC = CommandSpec(
    name="status",
    usage="!status",
    summary="figures for the line",
    handler=handle,
    allowed=frozenset({"organizer"}),
    needs=TEAM_BUSINESS,
)
