"""A whole line for the integration tests: a team room, a tier-1 and a tier-2 supporter, an
organizer, a member, and the bot's config with resources in both languages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import yaml
from nio import RoomMessage

from bot.dev.botprocess import BotProcess
from bot.dev.member import Member
from bot.shifts import DAYS
from tests.support.harness import BotSetup, Members

ALWAYS = ["daily 00:00-24:00"]


def never_now() -> list[str]:
    """A shift on a weekday three days from today: certainly not on call now."""
    day = DAYS[(datetime.now(UTC).weekday() + 3) % 7]
    return [f"{day} 18:00-19:00"]


@dataclass
class Line:
    bot: BotProcess
    bot_id: str
    team: str
    alex: Member  # the member asking
    sam: Member  # tier 1 supporter
    kim: Member  # tier 2 supporter
    org: Member  # organizer, not a supporter

    def page_id(self, event: RoomMessage) -> str:
        match = re.search(r"New request ([A-Z2-9]{4})", event.body)
        assert match, event.body
        return match.group(1)

    async def page(self, who: Member, start: int) -> RoomMessage:
        return await who.wait_for(
            lambda r, e: (
                r == self.team
                and isinstance(e, RoomMessage)
                and e.sender == self.bot_id
                and "New request" in e.body
            ),
            start=start,
        )

    async def team_message(self, who: Member, start: int, text: str) -> RoomMessage:
        return await who.wait_for(
            lambda r, e: (
                r == self.team
                and isinstance(e, RoomMessage)
                and e.sender == self.bot_id
                and text in e.body
            ),
            start=start,
        )

    async def command(self, who: Member, text: str, expect: str) -> RoomMessage:
        """`who` sends `text` in the team room; the bot's reply containing `expect` (replies
        to others in the busy team room are passed over)."""
        start = who.mark()
        await who.send(self.team, text)
        return await self.team_message(who, start, expect)

    async def restart(self, setup: BotSetup) -> None:
        self.bot = setup.process()
        await self.bot.start()


async def start_line(
    setup: BotSetup, members: Members, sam_shifts=ALWAYS, escalation=None, extra=None
) -> Line:
    alex, sam, kim, org = [await members.new(n) for n in ("alex", "sam", "kim", "org")]
    for m in (alex, sam, kim, org):
        m.accept_invites()
    team = await sam.create_room("supporters", [kim.user_id, org.user_id, setup.user_id])
    config = yaml.safe_load(setup.config.read_text())
    config.update(
        {
            "rooms": {"supporters": team},
            "roster": {
                "timezone": "Europe/Berlin",
                "supporters": [
                    {
                        "user_id": sam.user_id,
                        "name": "Sam",
                        "pronouns": "they/them",
                        "languages": ["en", "ar"],
                        "shifts": sam_shifts,
                        "tier": 1,
                    },
                    {"user_id": kim.user_id, "name": "Kim", "shifts": never_now(), "tier": 2},
                ],
                "organizers": [org.user_id],
            },
            "escalation": escalation or {"ack_timeout": "5m", "give_up_after": "30m"},
            "resources": [
                {
                    "name": "Rainbow Line",
                    "contact": "+1-555-0100",
                    "url": "https://rainbow.test",
                    "topics": ["crisis"],
                    "languages": ["en"],
                },
                {
                    "name": "خط قوس قزح",
                    "contact": "+961-555-0100",
                    "topics": ["crisis"],
                    "languages": ["ar"],
                },
            ],
        }
    )
    config.update(extra or {})
    setup.config.write_text(yaml.safe_dump(config, allow_unicode=True))
    bot = setup.process()
    await bot.start()
    return Line(bot, setup.user_id, team, alex, sam, kim, org)
