"""!queue: open requests (ids, language, waiting time; never who asked)."""

from __future__ import annotations

import time

from bot.line import SupportLine, waited
from bot.router import CommandSpec, Context


async def handle(ctx: Context) -> None:
    requests = ctx.service(SupportLine).queue()
    if not requests:
        await ctx.reply("No open requests.")
        return
    lines, values = ["Open requests:"], {}
    now = time.time()
    for i, r in enumerate(requests):
        told = " · member told nobody is free" if r.gave_up else ""
        lines.append(f"- **{{id{i}}}** · {{lang{i}}} · waiting {{w{i}}}{told}")
        values.update({f"id{i}": r.id, f"lang{i}": r.language, f"w{i}": waited(now - r.created_at)})
    lines.append("Accept one with `!accept ID`.")
    await ctx.reply("\n".join(lines), **values)


SPEC = CommandSpec(
    name="queue",
    usage="!queue",
    summary="list open requests",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
)
