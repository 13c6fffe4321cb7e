"""!block ID [7d] [reason]: block the member behind a request, never learning who."""

from __future__ import annotations

from bot.command import TEAM_BUSINESS, CommandSpec, Context, id_and_rest
from bot.config_values import duration_seconds
from bot.errors import CommandError, CommandSyntaxError


def parse(args: str) -> tuple[str, float | None, str | None]:
    """`K7F2 7d rude` → ("K7F2", 604800.0, "rude"); the duration and reason are optional."""
    request_id, rest = id_and_rest(args)
    if not request_id:
        raise CommandSyntaxError()
    if rest is None:
        return request_id, None, None
    first, _, more = rest.partition(" ")
    try:
        seconds = duration_seconds(first)
    except ValueError as exc:
        if str(exc):  # written as a duration, but too long
            raise CommandError("block_duration", value=first) from None
        return request_id, None, rest  # no duration: it is all the reason
    return request_id, seconds, more.strip() or None


async def handle(ctx: Context) -> None:
    request_id, seconds, reason = parse(ctx.args)
    organizer = "organizer" in ctx.roles()
    blocks = ctx.services.blocks
    await ctx.answer(await blocks.block(request_id, seconds, reason, ctx.event.sender, organizer))


SPEC = CommandSpec(
    name="block",
    usage="!block ID [7d] [reason]",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
