"""!yes (or a bare "yes" / "نعم", or 👍 on the question): the member lets someone in.

A yes lets someone into a member's conversation, so it counts only from a verified session,
in the DM where the question was asked."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context
from bot.consent import Answer


async def handle(ctx: Context) -> None:
    event = ctx.event
    await ctx.services.consents.answer(event.sender, event.room_id, Answer.YES, ctx.language)


SPEC = CommandSpec(
    name="yes",
    aliases=("نعم",),
    usage="!yes",
    handler=handle,
    needs=MEMBER_DATA,
)
