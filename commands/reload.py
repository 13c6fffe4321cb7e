"""!reload: read and apply the config file now (organizers). The outcome, good or bad, is
posted to the supporters room by the reloader itself; an organizer who asked from anywhere
else (a DM) is answered there too."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.reload import describe


async def handle(ctx: Context) -> None:
    reloader = ctx.services.reloader
    outcome = await reloader.reload()
    team = ctx.services.team
    if outcome.kind == "unchanged" or ctx.room != team.room_id:
        await ctx.answer(describe(outcome, team.piece, str(reloader.path)))


SPEC = CommandSpec(
    name="reload",
    usage="!reload",
    handler=handle,
    allowed=frozenset({"organizer"}),
    needs=TEAM_BUSINESS,
)
