"""!no (or a bare "no" / "لا", 👎, or any other reply to the question): nobody new comes in.

Saying no only keeps things as they are, so it counts from any of the member's sessions."""

from __future__ import annotations

from bot.command import CommandSpec, Context, Needs
from bot.consent import Answer


async def handle(ctx: Context) -> None:
    event = ctx.event
    await ctx.services.consents.answer(event.sender, event.room_id, Answer.NO, ctx.language)


SPEC = CommandSpec(
    name="no",
    aliases=("لا",),
    usage="!no",
    handler=handle,
    needs=Needs(answer_in="dm"),
)
