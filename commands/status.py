"""!status: the line's figures for organizers; counts only, never who."""

from __future__ import annotations

from bot.router import CommandSpec, Context
from bot.staffing import Staffing


async def handle(ctx: Context) -> None:
    template, values = ctx.service(Staffing).status()
    await ctx.reply(template, **values)


SPEC = CommandSpec(
    name="status",
    usage="!status",
    summary="figures for the line",
    handler=handle,
    allowed=frozenset({"organizer"}),
)
