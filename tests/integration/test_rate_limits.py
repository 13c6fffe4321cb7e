"""The bot under Synapse's default rate limits (messages, room creation, invites, joins: its
account is not lifted here, unlike in the other tests): a busy burst is still answered and
handed off in full, the organizers hear of the limit once, and `warmline doctor` says it."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

import pytest
import yaml
from nio import RoomMessage

from bot.dev.botprocess import new_store_key, write_config
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from tests.integration.test_operator import run_once, warmline
from tests.support.harness import BotSetup, Members, unique
from tests.support.line import ALWAYS

pytestmark = pytest.mark.integration
PAGE_ID = re.compile(r"\b[A-HJ-NP-Z2-9]{4}\b")  # bot.handoff.ID_ALPHABET, four long
CROWD, SPREAD = 12, 24.0  # twelve members asking within 24 s, as measured on a real server
LONG = 600.0  # s: at one message every 5 s and a room a minute, 12 handoffs take minutes


@pytest.fixture
def bot_setup(synapse: LocalSynapse, tmp_path: Path) -> BotSetup:
    """The bot's account with Synapse's default limits (not lifted); a server admin, so that
    `warmline doctor` can read its rate-limit override."""
    password = secrets.token_urlsafe(12)
    user_id = synapse.register(unique("warmline"), password, admin=True)
    workdir = tmp_path / "bot"
    config = write_config(workdir, synapse.url, user_id)
    return BotSetup(user_id, password, new_store_key(), config, workdir)


async def test_doctor_says_whether_the_bot_is_rate_limited(
    bot_setup: BotSetup, synapse: LocalSynapse
):
    await run_once(bot_setup)
    limited = await warmline(bot_setup, "doctor", "--config", str(bot_setup.config))
    assert "FAIL  the bot's account is rate-limited by the homeserver's defaults" in limited.stdout
    assert "override_ratelimit with" in limited.stdout and limited.returncode == 1
    assert "ok    private rooms use the homeserver's default room version" in limited.stdout
    synapse.lift(bot_setup.user_id)
    lifted = await warmline(bot_setup, "doctor", "--config", str(bot_setup.config))
    assert "ok    the bot's account is exempt from the homeserver's rate limits" in lifted.stdout


async def test_twelve_requests_in_half_a_minute_all_handed_off(
    bot_setup: BotSetup, members: Members
):
    bot_id = bot_setup.user_id
    # Three supporters: Synapse lets one user receive 5 quick invites (rc_invites.per_user).
    supporters = [await members.new(f"sup{i}") for i in range(3)]
    org = await members.new("org")
    crowd = [await members.new(f"m{i}") for i in range(CROWD)]
    for m in (*supporters, org, *crowd):
        m.accept_invites()
    invited = [s.user_id for s in supporters[1:]] + [org.user_id, bot_id]
    team = await supporters[0].create_room("supporters", invited)
    config = yaml.safe_load(bot_setup.config.read_text())
    config["rooms"] = {"supporters": team}
    config["roster"] = {
        "timezone": "Europe/Berlin",
        "supporters": [
            {"user_id": s.user_id, "name": f"S{i}", "shifts": ALWAYS, "max_sessions": 5}
            for i, s in enumerate(supporters)
        ],
        "organizers": [org.user_id],
    }
    bot_setup.config.write_text(yaml.safe_dump(config))
    bot = bot_setup.process()
    await bot.start()
    try:
        dms = [await m.create_dm(bot_id, timeout=120) for m in crowd]  # 13 joins: rc_joins
        watcher = supporters[0]
        team_start = watcher.mark()
        starts = [m.mark() for m in crowd]

        async def ask(i: int) -> None:
            await asyncio.sleep(i * SPREAD / (CROWD - 1))
            await crowd[i].send(dms[i], "I need to talk")
            await crowd[i].reply_from(bot_id, dms[i], starts[i], timeout=LONG)

        asking = asyncio.gather(*(ask(i) for i in range(CROWD)))
        paged: set[str] = set()

        def every_page(r: str, e: object) -> bool:
            if r == team and isinstance(e, RoomMessage) and "New request" in e.body:
                paged.update(PAGE_ID.findall(e.body))
            return len(paged) >= CROWD

        await watcher.wait_for(every_page, timeout=LONG, start=team_start)
        await asking  # every member heard back
        for i, request_id in enumerate(sorted(paged)):
            await supporters[i % 3].send(team, f"!accept {request_id}")

        async def introduced(m: Member, dm: str, start: int) -> None:
            await m.wait_for(
                lambda r, e: (
                    r not in (dm, team)
                    and isinstance(e, RoomMessage)
                    and e.sender == bot_id
                    and "private, end-to-end encrypted room" in e.body
                ),
                timeout=LONG,
                start=start,
            )

        rows = zip(crowd, dms, starts, strict=True)
        await asyncio.gather(*(introduced(m, d, s) for m, d, s in rows))
        told = [
            e
            for r, e in org.events
            if r == team and isinstance(e, RoomMessage) and "rate-limiting me" in e.body
        ]
        assert len(told) == 1, [e.body for e in told]
        assert "override_ratelimit" in told[0].body
    finally:
        await bot.stop()
