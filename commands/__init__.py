"""Every chat command, registered in one explicit list."""

from __future__ import annotations

from bot.router import CommandSpec
from commands import help

ALL: tuple[CommandSpec, ...] = (help.SPEC,)
