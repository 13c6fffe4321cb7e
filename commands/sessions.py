"""!sessions [all]: your own open handoffs (organizers: everyone's, with `all`)."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if ctx.args not in ("", "all"):
        raise CommandSyntaxError()
    everyone = ctx.args == "all"
    if everyone and "organizer" not in ctx.roles():
        who = ctx.router.texts.text(ctx.language, "who_organizer")
        await ctx.say("not_allowed", command="!sessions all", who=who)
        return
    await ctx.answer(ctx.services.staffing.sessions(ctx.event.sender, everyone))


SPEC = CommandSpec(
    name="sessions",
    usage="!sessions [all]",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
