"""!observe ID [NAME]: ask the member whether a trainee may read along (never write)."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    words = ctx.args.split(maxsplit=1)
    if not words:
        raise CommandSyntaxError()
    organizer = "organizer" in ctx.roles()
    name = words[1] if len(words) > 1 else None
    template, values = await ctx.services.observers.start(
        words[0], ctx.event.sender, organizer, name
    )
    await ctx.reply(template, **values)


SPEC = CommandSpec(
    name="observe",
    usage="!observe ID [NAME]",
    summary="ask the member whether a trainee may read along (they cannot write)",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
