"""!help: what the sender may use, in plain words, and how to reach a peer."""

from __future__ import annotations

from bot.router import CommandSpec, Context

INTRO = (
    "**warmline** connects you privately with a trained peer supporter.\n"
    "To reach a peer, write `I need to talk` or `!talk` in a direct message with me."
)


async def handle(ctx: Context) -> None:
    specs = ctx.router.visible_to(ctx.event.sender)
    lines = [INTRO, "", "Commands you can use:"]
    values: dict[str, str] = {}
    for i, spec in enumerate(specs):
        lines.append(f"- `{{u{i}}}`: {{s{i}}}")
        values[f"u{i}"], values[f"s{i}"] = spec.usage, spec.summary
    await ctx.reply("\n".join(lines), **values)


SPEC = CommandSpec(
    name="help",
    aliases=("commands",),
    usage="!help",
    summary="show this list",
    handler=handle,
)
