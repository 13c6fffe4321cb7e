"""!handover ID [NAME]: ask the member whether NAME (or another supporter) may take over."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context, id_and_rest
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args:
        raise CommandSyntaxError()
    request_id, name = id_and_rest(ctx.args)
    organizer = "organizer" in ctx.roles()
    start = ctx.services.handovers.start
    await ctx.answer(await start(request_id, ctx.event.sender, organizer, name))


SPEC = CommandSpec(
    name="handover",
    usage="!handover ID [NAME]",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
