"""!queue: open requests (ids, language, waiting time; never who asked)."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    await ctx.answer(ctx.services.staffing.queue())


SPEC = CommandSpec(
    name="queue",
    usage="!queue",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
