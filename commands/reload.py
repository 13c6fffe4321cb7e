"""!reload: read and apply the config file now (organizers). The outcome, good or bad, is
posted to the supporters room by the reloader itself; here only "nothing changed" is said."""

from __future__ import annotations

from bot.reload import Reloader
from bot.router import CommandSpec, Context


async def handle(ctx: Context) -> None:
    outcome = await ctx.service(Reloader).reload()
    if outcome.kind == "unchanged":
        await ctx.say("reload_unchanged")


SPEC = CommandSpec(
    name="reload",
    usage="!reload",
    summary="apply the config file now",
    handler=handle,
    allowed=frozenset({"organizer"}),
)
