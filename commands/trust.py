"""!trust approve @user: an organizer confirms a member's changed identity (policy tofu)."""

from __future__ import annotations

import re

from bot.command import TEAM_BUSINESS, CommandSpec, Context
from bot.errors import CommandError, CommandSyntaxError

_ARGS = re.compile(r"approve\s+(@\S+:\S+)")


async def handle(ctx: Context) -> None:
    match = _ARGS.fullmatch(ctx.args)
    if not match:
        raise CommandSyntaxError()
    user_id = match.group(1)
    master = await ctx.services.identities.approve(user_id)
    if master is None:
        raise CommandError("trust_none")
    await ctx.say("trust_done", fingerprint=master[:12] + "…")


SPEC = CommandSpec(
    name="trust",
    usage="!trust approve @user:server",
    handler=handle,
    allowed=frozenset({"organizer"}),
    needs=TEAM_BUSINESS,
)
