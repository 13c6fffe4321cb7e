"""!lang en|ar: the language warmline uses with you."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args:
        raise CommandSyntaxError()
    message = ctx.services.members.set_language(ctx.event.sender, ctx.args.strip().lower())
    await ctx.send(message)


SPEC = CommandSpec(
    name="lang",
    aliases=("لغة",),
    usage="!lang en|ar",
    handler=handle,
    needs=MEMBER_DATA,
)
