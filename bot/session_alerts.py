"""Tells the organizers when a supporter's or organizer's account has a session that is not
cross-signed: the attack this guards against is a device a homeserver (or an intruder) adds
to a trusted account. Each such device is reported once, ever (the store remembers)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from bot.logs import Redactor
from bot.ports import Identities
from bot.roster import Roster
from bot.team import TeamRoom

log = logging.getLogger(__name__)


class FirstReports(Protocol):
    """The part of the store the session alerts use: each device reported once."""

    def first_report_of(self, user_id: str, device_id: str, now: float | None = None) -> bool: ...


class SessionAlerts:
    def __init__(
        self,
        trust: Identities,
        store: FirstReports,
        roster: Callable[[], Roster],
        team: TeamRoom,
        redactor: Redactor,
    ) -> None:
        self._trust = trust
        self._store = store
        self._roster = roster
        self._team = team
        self._redact = redactor

    def watched(self) -> list[str]:
        roster = self._roster()
        return sorted(set(roster.supporters) | roster.organizers)

    async def check(self, user_ids: list[str] | None = None) -> None:
        """Checks these users (all watched ones when None); reports new unsigned devices."""
        watched = set(self.watched())
        users = sorted(watched if user_ids is None else watched & set(user_ids))
        if not users:
            return
        for user_id, devices in (await self._trust.unsigned_devices(users)).items():
            for device in devices:
                if self._store.first_report_of(user_id, device):
                    log.warning(
                        "%s has a session that is not cross-signed", self._redact.tag(user_id)
                    )
                    await self._team.alert("device_alert", user_id, device)
