"""!accept ID: a supporter takes a request, or a handover the member agreed to (reacting ✅
or 👍 to the page does the same)."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args or " " in ctx.args:
        raise CommandSyntaxError()
    services = ctx.services
    services.wellbeing.may_take(ctx.event.sender)  # trainees observe; they never take
    if await services.handovers.take(ctx.args, ctx.event.sender):
        return  # a handover the member agreed to
    await services.line.accept(ctx.args, ctx.event.sender)


SPEC = CommandSpec(
    name="accept",
    usage="!accept ID",
    handler=handle,
    allowed=frozenset({"supporter"}),
    needs=TEAM_BUSINESS,
)
