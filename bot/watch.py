"""Tells the organizers when a supporter's or organizer's account has a session that is not
cross-signed: the attack this guards against is a device a homeserver (or an intruder) adds
to a trusted account. Each such device is reported once, ever (the store remembers)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.devicetrust import DeviceTrust
from bot.line import SupportLine
from bot.logs import Redactor
from bot.roster import Roster
from store import Store

log = logging.getLogger(__name__)


class DeviceWatch:
    def __init__(
        self,
        trust: DeviceTrust,
        store: Store,
        roster: Callable[[], Roster],
        line: SupportLine,
        redactor: Redactor,
    ) -> None:
        self._trust = trust
        self._store = store
        self._roster = roster
        self._line = line
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
                    await self._line.alert("device_alert", user_id, device)
