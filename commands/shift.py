"""!shift: who is on call now (by name), who leads, who is not paged and why, and when the
next shift starts."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    template, values = ctx.services.staffing.shift()
    lines, more = ctx.services.workload.shift_lines()  # who leads; who is not paged, and why
    await ctx.reply("\n".join([template, *lines]), **values, **more)


SPEC = CommandSpec(
    name="shift",
    usage="!shift",
    summary="who is on call now",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
