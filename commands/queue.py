"""!queue: open requests (ids, language, waiting time; never who asked)."""

from __future__ import annotations

import time

from bot.command import TEAM_BUSINESS, CommandSpec, Context


async def handle(ctx: Context) -> None:
    line = ctx.services.line
    requests = line.queue()
    if not requests:
        await ctx.reply(line.team_text("queue_empty"))
        return
    lines, values = [line.team_text("queue_title")], {}
    now = time.time()
    for i, r in enumerate(requests):
        told = line.team_text("queue_told") if r.gave_up else ""
        lines.append(f"- **{{id{i}}}** · {{lang{i}}} · {{w{i}}}{told}")
        values.update(
            {f"id{i}": r.id, f"lang{i}": r.language, f"w{i}": line.waited(now - r.created_at)}
        )
    lines.append(line.team_text("queue_hint"))
    await ctx.reply("\n".join(lines), **values)


SPEC = CommandSpec(
    name="queue",
    usage="!queue",
    summary="list open requests",
    handler=handle,
    allowed=frozenset({"supporter", "organizer"}),
    needs=TEAM_BUSINESS,
)
