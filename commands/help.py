"""!help: what the sender may use, in plain words, and how to reach a peer."""

from __future__ import annotations

from bot.command import CommandSpec, Context
from bot.errors import Role
from bot.text import Piece, join


async def handle(ctx: Context) -> None:
    texts, language = ctx.router.texts, ctx.language
    # Where others read along, the list is everyone's: whose it is would say who is staff.
    roles: frozenset[Role] = frozenset({"member"}) if ctx.among_others else ctx.roles()
    lines = [texts.piece(language, "help_intro"), Piece(""), texts.piece(language, "help_commands")]
    for spec in ctx.router.visible_to(roles):
        key = f"help_{spec.name}"
        if texts.has(key):
            what = texts.piece(language, key)
            lines.append(Piece("- `{usage}`: {what}", {"usage": spec.usage, "what": what}))
        else:  # a command without its words in the catalogue (only tests make one)
            lines.append(Piece("- `{usage}`", {"usage": spec.usage}))
    await ctx.answer(join(lines))


SPEC = CommandSpec(
    name="help",
    aliases=("commands", "مساعدة"),
    usage="!help",
    handler=handle,
)
