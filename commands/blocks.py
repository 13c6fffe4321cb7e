"""!blocks: the blocks in force, by request id (reasons for organizers); never who."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    await ctx.answer(ctx.services.blocks.listing("organizer" in ctx.roles()))


SPEC = CommandSpec(
    name="blocks",
    usage="!blocks",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
