"""!shift: who is on call now (by name), who leads, who is not paged and why, and when the
next shift starts."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.text import join


async def handle(ctx: Context) -> None:
    shift = ctx.services.staffing.shift()
    leads = ctx.services.workload.shift_lines()  # who leads; who is not paged, and why
    await ctx.answer(join([shift, leads]))


SPEC = CommandSpec(
    name="shift",
    usage="!shift",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
