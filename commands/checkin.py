"""!checkin [DAYS HH:MM [Area/City] | off]: a gentle private check-in."""

from __future__ import annotations

from bot.command import MEMBER_DATA, CommandSpec, Context


async def handle(ctx: Context) -> None:
    checkins, member = ctx.services.checkins, ctx.event.sender
    args = ctx.args.strip()
    if not args:
        message = checkins.show(member, ctx.language)
    elif args.lower() == "off":
        message = checkins.off(member, ctx.language)
    else:  # the answer room is the member's private DM: later check-ins go there too
        message = checkins.set(member, args, ctx.room, ctx.language)
    await ctx.send(message)


SPEC = CommandSpec(
    name="checkin",
    aliases=("اطمئنان",),
    usage="!checkin daily 20:00 [Area/City] | !checkin off",
    handler=handle,
    needs=MEMBER_DATA,
)
