"""!flag ID [note]: ask the lead on call (or the organizers) for support with a request."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    words = ctx.args.split(maxsplit=1)
    if not words:
        raise CommandSyntaxError()
    note = words[1] if len(words) > 1 else None
    services = ctx.services
    reply = await services.wellbeing.flag(ctx.event.sender, words[0], note)
    if reply is not None and ctx.event.room_id != services.team.room_id:
        template, values = reply
        await ctx.reply(template, **values)


SPEC = CommandSpec(
    name="flag",
    usage="!flag ID [note]",
    summary="ask the lead on call for support with a request (its id only)",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
