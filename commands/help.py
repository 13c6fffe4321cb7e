"""!help: what the sender may use, in plain words, and how to reach a peer."""

from __future__ import annotations

from bot.command import CommandSpec, Context
from bot.errors import Role


async def handle(ctx: Context) -> None:
    texts, language = ctx.router.texts, ctx.language
    lines = [texts.text(language, "help_intro"), "", texts.text(language, "help_commands")]
    values: dict[str, str] = {}
    # Where others read along, the list is everyone's: whose it is would say who is staff.
    roles: frozenset[Role] = frozenset({"member"}) if ctx.among_others else ctx.roles()
    for i, spec in enumerate(ctx.router.visible_to(roles)):
        lines.append(f"- `{{u{i}}}`: {{s{i}}}")
        values[f"u{i}"] = spec.usage
        key = f"help_{spec.name}"
        values[f"s{i}"] = texts.text(language, key) if texts.has(key) else spec.summary
    await ctx.reply("\n".join(lines), **values)


SPEC = CommandSpec(
    name="help",
    aliases=("commands", "مساعدة"),
    usage="!help",
    summary="show this list",
    handler=handle,
)
