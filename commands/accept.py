"""!accept ID: a supporter takes a request (reacting ✅ or 👍 to the page does the same)."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args or " " in ctx.args:
        raise CommandSyntaxError()
    await ctx.services.line.accept(ctx.args, ctx.event.sender)


SPEC = CommandSpec(
    name="accept",
    usage="!accept ID",
    summary="take a request; I open a private room for you and the member",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
