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
        template, values = describe(outcome, team.text, str(reloader.path))
        await ctx.reply(template, **values)


SPEC = CommandSpec(
    name="reload",
    usage="!reload",
    summary="apply the config file now",
    handler=handle,
    allowed=frozenset({"organizer"}),
    needs=TEAM_BUSINESS,
)
