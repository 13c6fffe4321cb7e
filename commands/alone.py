"""!alone: the member takes every observer out of their conversation, at once.

It only ever takes people out, so it works from any session and any room the member writes
it in (their DM, or the conversation's room itself)."""

from __future__ import annotations

from bot.command import CommandSpec, Context, Needs


async def handle(ctx: Context) -> None:
    await ctx.say(await ctx.services.observers.alone(ctx.event.sender))


SPEC = CommandSpec(
    name="alone",
    aliases=("وحدي", "بمفردي"),
    usage="!alone",
    handler=handle,
    needs=Needs(answer_in="dm"),
)
