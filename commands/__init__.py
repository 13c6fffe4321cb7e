"""Every chat command, registered in one explicit list."""

from __future__ import annotations

from bot.command import CommandSpec
from commands import (
    accept,
    cancel,
    checkin,
    done,
    forget,
    help,
    lang,
    oncall,
    queue,
    reload,
    resources,
    sessions,
    shift,
    status,
    talk,
    trust,
    tz,
)

ALL: tuple[CommandSpec, ...] = (
    help.SPEC,
    talk.SPEC,
    cancel.SPEC,
    resources.SPEC,
    lang.SPEC,
    checkin.SPEC,
    tz.SPEC,
    forget.SPEC,
    accept.SPEC,
    done.SPEC,
    queue.SPEC,
    trust.SPEC,
    oncall.SPEC,
    shift.SPEC,
    sessions.SPEC,
    status.SPEC,
    reload.SPEC,
)
