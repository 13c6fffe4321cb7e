"""!end: the member ends their conversation with a supporter (relayed or in a room).

Ending only ever stops something, so, like `!alone`, it works from any session."""

from __future__ import annotations

from bot.command import CommandSpec, Context, Needs


async def handle(ctx: Context) -> None:
    if not await ctx.services.relay.end_by_member(ctx.event.sender):
        await ctx.say("end_nothing")
    # a session that ended: both sides were told by the relay (or the room is theirs)


SPEC = CommandSpec(
    name="end",
    aliases=("إنهاء", "انهاء"),
    usage="!end",
    handler=handle,
    allowed=frozenset({"member", "supporter", "organizer"}),
    needs=Needs(answer_in="dm"),
)
