"""!checkin [DAYS HH:MM [Area/City] | off]: a gentle private check-in."""

from __future__ import annotations

from bot.router import CommandSpec, Context


async def handle(ctx: Context) -> None:
    checkins, member = ctx.services.checkins, ctx.event.sender
    args = ctx.args.strip()
    if not args:
        message = checkins.show(member, ctx.language)
    elif args.lower() == "off":
        message = checkins.off(member, ctx.language)
    else:
        room = ctx.event.room_id
        if not ctx.event.is_dm:  # check-ins are private: they go to the member's DM
            room = await ctx.services.rooms.direct_room(member)
        message = checkins.set(member, args, room, ctx.language)
    await ctx.send(message)


SPEC = CommandSpec(
    name="checkin",
    aliases=("اطمئنان",),
    usage="!checkin daily 20:00 [Area/City] | !checkin off",
    summary="a gentle private check-in at a time you choose",
    handler=handle,
)
