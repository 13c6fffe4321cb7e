"""!debrief: ask the lead on call (or the organizers) privately for a talk."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    template, values = await ctx.services.wellbeing.debrief(ctx.event.sender)
    await ctx.reply(template, **values)


SPEC = CommandSpec(
    name="debrief",
    usage="!debrief",
    summary="ask the lead on call for a talk after a hard session",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
