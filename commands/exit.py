"""!exit: leave at once. The request is withdrawn, everything kept about you deleted, every
message the bot sent in this DM redacted, and the bot leaves it (bot.quick_exit)."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context, parse_command

ARABIC = ("خروج",)


async def handle(ctx: Context) -> None:
    event = ctx.event
    said = parse_command(event.body)
    # the last words in the language the member just used, whatever they chose before
    language = "ar" if said is not None and said[0] in ARABIC else ctx.language
    await ctx.services.quick_exit.leave(event.sender, ctx.room, language, event.event_id)


SPEC = CommandSpec(
    name="exit",
    aliases=ARABIC,
    usage="!exit",
    handler=handle,
    needs=MEMBER_DATA,
)
