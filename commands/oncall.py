"""!oncall [NAME] on|off|auto [DURATION]: a manual override of the shifts."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError
from bot.staffing import parse_oncall


async def handle(ctx: Context) -> None:
    args = parse_oncall(ctx.args)
    if args is None:
        raise CommandSyntaxError()
    organizer = "organizer" in ctx.roles()
    await ctx.answer(ctx.services.staffing.oncall(ctx.event.sender, organizer, args))


SPEC = CommandSpec(
    name="oncall",
    usage="!oncall on|off|auto [2h]",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
