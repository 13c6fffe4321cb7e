"""!done ID: the supporter ends a session (which frees their capacity)."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    if not ctx.args or " " in ctx.args:
        raise CommandSyntaxError()
    organizer = "organizer" in ctx.roles()
    wellbeing = ctx.services.wellbeing
    supporter = wellbeing.session_supporter(ctx.args)
    await ctx.answer(await ctx.services.line.done(ctx.args, ctx.event.sender, organizer))
    await wellbeing.after_done(supporter)  # "How are you after that one?", by DM


SPEC = CommandSpec(
    name="done",
    usage="!done ID",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
