"""!debrief: ask the lead on call (or the organizers) privately for a talk."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    await ctx.answer(await ctx.services.wellbeing.debrief(ctx.event.sender))


SPEC = CommandSpec(
    name="debrief",
    usage="!debrief",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
