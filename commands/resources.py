"""!resources [topic]: crisis and support resources in the member's language, crisis first."""

from __future__ import annotations

from bot.command import CommandSpec, Context


async def handle(ctx: Context) -> None:
    topic = ctx.args.strip().lower() or None
    message = ctx.services.line.resources_message(ctx.language, topic)
    await ctx.send(message)


SPEC = CommandSpec(
    name="resources",
    aliases=("موارد",),
    usage="!resources [topic]",
    handler=handle,
)
