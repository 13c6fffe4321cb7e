"""!flag ID [note]: ask the lead on call (or the organizers) for support with a request."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context, id_and_rest
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args:
        raise CommandSyntaxError()
    request_id, note = id_and_rest(ctx.args)
    services = ctx.services
    reply = await services.wellbeing.flag(ctx.event.sender, request_id, note)
    if ctx.event.room_id != services.team.room_id:
        await ctx.answer(reply)


SPEC = CommandSpec(
    name="flag",
    usage="!flag ID [note]",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
