"""!lang en|ar: the language warmline uses with you."""

from __future__ import annotations

from bot.errors import CommandSyntaxError
from bot.router import CommandSpec, Context


async def handle(ctx: Context) -> None:
    if not ctx.args:
        raise CommandSyntaxError()
    message = ctx.services.members.set_language(ctx.event.sender, ctx.args.strip().lower())
    await ctx.send(message)


SPEC = CommandSpec(
    name="lang",
    aliases=("لغة",),
    usage="!lang en|ar",
    summary="choose my language",
    handler=handle,
)
