"""!unblock ID: lift the block on a request's member."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args or " " in ctx.args:
        raise CommandSyntaxError()
    organizer = "organizer" in ctx.roles()
    await ctx.answer(ctx.services.blocks.unblock(ctx.args, ctx.event.sender, organizer))


SPEC = CommandSpec(
    name="unblock",
    usage="!unblock ID",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
