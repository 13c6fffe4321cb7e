"""!debriefs on|off: the short check-in by DM after each `!done`."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    choice = ctx.args.lower()
    if choice not in ("on", "off"):
        raise CommandSyntaxError()
    await ctx.answer(ctx.services.wellbeing.debriefs(ctx.event.sender, choice == "on"))


SPEC = CommandSpec(
    name="debriefs",
    usage="!debriefs on|off",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
