"""A community post in a non-UTC zone arrives once (restart included); a personal check-in
arrives by DM at its minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from nio import RoomMessage

from bot.dev.botprocess import BotProcess
from tests.support.harness import BotSetup, Members

pytestmark = pytest.mark.integration


async def test_community_post_due_at_start_arrives_once(bot_setup: BotSetup, members: Members):
    """Due this very minute in Beirut time, the post is made by the start-up catch-up (the
    trigger a test can drive: starting the bot), not after a wait for the next minute; the
    firing at the minute itself is unit-tested (test_schedules) with a fake clock."""
    alex = await members.new("alex")
    lounge = await alex.create_room("lounge", [bot_setup.user_id])
    beirut = ZoneInfo("Asia/Beirut")
    at = datetime.now(UTC).astimezone(beirut)
    config = yaml.safe_load(bot_setup.config.read_text())
    config["schedules"] = [
        {
            "room": lounge,
            "cron": f"{at.minute} {at.hour} * * *",
            "timezone": "Asia/Beirut",
            "message": "Weekly check-in: how is everyone doing? Say !talk if you want a peer.",
        }
    ]
    bot_setup.config.write_text(yaml.safe_dump(config))
    proc = bot_setup.process()
    await proc.start()
    start = alex.mark()

    def post(r: str, e: object) -> bool:
        return r == lounge and isinstance(e, RoomMessage) and "Weekly check-in" in e.body

    await alex.wait_for(post, timeout=60, start=start)
    await proc.stop()
    proc = bot_setup.process()
    await proc.start()  # the catch-up at start must not post it again
    await alex.ask(lounge, "!help", bot_setup.user_id)  # barrier
    posts = [e for r, e in alex.events[start:] if post(r, e)]
    assert len(posts) == 1
    await proc.stop()


async def test_personal_checkin_arrives_by_dm(
    bot: BotProcess, bot_setup: BotSetup, members: Members
):
    alex = await members.new("alex")
    dm = await alex.create_dm(bot_setup.user_id)
    beirut = ZoneInfo("Asia/Beirut")
    now = datetime.now(UTC)
    at = (now + timedelta(minutes=1 if now.second < 45 else 2)).astimezone(beirut)
    set_ = await alex.ask(dm, f"!checkin daily {at:%H:%M} Asia/Beirut", bot_setup.user_id)
    assert f"daily at {at:%H:%M} (Asia/Beirut)" in set_.body
    start = alex.mark()
    await alex.wait_for(
        lambda r, e: r == dm and isinstance(e, RoomMessage) and "Checking in" in e.body,
        timeout=150,
        start=start,
    )
    shown = await alex.ask(dm, "!checkin", bot_setup.user_id)
    assert "Your check-in: daily" in shown.body
    off = await alex.ask(dm, "!checkin off", bot_setup.user_id)
    assert "off" in off.body
    assert "no check-in" in (await alex.ask(dm, "!checkin", bot_setup.user_id)).body
