"""The parts command handlers use, typed: built once by the composition root (bot.app).

A handler reads `ctx.services.line`, never looks a part up by type at run time, so a wiring
slip is a type error, not a failure in front of a member."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import Blocks
from bot.checkins import Checkins
from bot.consents import Consents
from bot.handover import Handovers
from bot.line import SupportLine
from bot.members import Members
from bot.observers import Observers
from bot.ports import Identities, Rooms
from bot.quick_exit import QuickExit
from bot.relay import RelaySessions
from bot.reload import Reloader
from bot.staffing import Staffing
from bot.team import TeamRoom
from bot.wellbeing import Wellbeing
from bot.workload import Workload


@dataclass(frozen=True)
class Services:
    line: SupportLine
    members: Members
    checkins: Checkins
    staffing: Staffing
    reloader: Reloader
    team: TeamRoom
    rooms: Rooms
    identities: Identities
    consents: Consents
    handovers: Handovers
    observers: Observers
    workload: Workload
    wellbeing: Wellbeing
    quick_exit: QuickExit
    blocks: Blocks
    relay: RelaySessions
