"""!done ID: the supporter ends a session (which frees their capacity); in a relay room,
`!done` alone ends that room's session."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandSyntaxError


async def handle(ctx: Context) -> None:
    # in a relay room, plain `!done` means its own session (the relay tells both sides)
    relayed = ctx.services.relay.request_in(ctx.event.room_id)
    request_id = ctx.args or relayed
    if not request_id or " " in request_id:
        raise CommandSyntaxError()
    organizer = "organizer" in ctx.roles()
    wellbeing = ctx.services.wellbeing
    supporter = wellbeing.session_supporter(request_id)
    closed = await ctx.services.line.done(request_id, ctx.event.sender, organizer)
    if relayed is None or ctx.room != ctx.event.room_id:  # in the relay room: told by the relay
        await ctx.answer(closed)
    await wellbeing.after_done(supporter)  # "How are you after that one?", by DM


SPEC = CommandSpec(
    name="done",
    usage="!done ID",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
