"""The log scrubber: every shape of Matrix ID is replaced by its keyed tag above DEBUG, library
chatter below WARNING stays out, apscheduler's job texts lose their triggers, and a crash's
traceback goes through the same filter."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.logs import Redactor, _ScrubFilter

ROOT = Path(__file__).resolve().parents[2]
R = Redactor(b"k" * 32)
V12_ROOM = "!" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd"  # 43 url-safe base64
V4_EVENT = "$" + "Zyx0123456789-_abcdefghijklmnopqrstuvwxyzAB"
V3_EVENT = "$" + "Zyx0123456789+/abcdefghijklmnopqrstuvwxyzAB"


@pytest.mark.parametrize(
    "raw",
    [
        "@alex:hs.example",
        "@alex:hs.example:8448",
        "@a:[::1]:8448",
        "@a:[2001:db8::1]",
        "!room:127.0.0.1:8008",
        "$event:hs",
        "#lounge:hs",
        V12_ROOM,
        V4_EVENT,
        V3_EVENT,
        "@alice!x:hs",  # historical localparts may hold '!', '#', '$', '@' …
        "@al#ce$y@z:hs",
    ],
)
def test_every_id_shape_becomes_its_tag(raw: str):
    line = f"from {raw}, then ({raw}) and '{raw}'."
    scrubbed = R.scrub(line)
    assert raw not in scrubbed
    assert scrubbed == f"from {R.tag(raw)}, then ({R.tag(raw)}) and '{R.tag(raw)}'."


def test_ids_in_urls_are_scrubbed_and_tagged_like_the_raw_id():
    url = (
        "https://hs/_matrix/client/v3/rooms/%21room%3Ahs/send/m.room.message/1"
        "?user_id=%40alex%3A%5B%3A%3A1%5D%3A8448&access_token=syt_secret"
    )
    scrubbed = R.scrub(url)
    assert R.tag("!room:hs") in scrubbed and R.tag("@alex:[::1]:8448") in scrubbed
    assert "room%3A" not in scrubbed and "alex" not in scrubbed and "syt_secret" not in scrubbed
    v12 = "/rooms/%21" + V12_ROOM[1:] + "/state"
    assert R.scrub(v12) == f"/rooms/{R.tag(V12_ROOM)}/state"


def test_plain_words_commands_and_tags_are_left_alone():
    line = "request K7F2 opened by u:3fa9c0d2: !help, !accept K7F2, @room, 10:30, $5, a!b"
    assert R.scrub(line) == line


def record(name: str, level: int, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_library_chatter_below_warning_is_dropped_at_any_level():
    f = _ScrubFilter(R)
    assert not f.filter(record("apscheduler.scheduler", logging.INFO, "Added job"))
    assert not f.filter(record("aiohttp.access", logging.DEBUG, "GET /"))
    assert f.filter(record("apscheduler.scheduler", logging.WARNING, "slow"))
    assert f.filter(record("bot.line", logging.INFO, "request opened"))
    assert f.filter(record("warmline.health", logging.INFO, "ok"))


def _fire(user_id: str) -> None: ...


def test_apscheduler_job_texts_lose_the_trigger():
    """A member's check-in (days, time, zone) must not reach the log through the job's text."""
    scheduler = BackgroundScheduler(timezone="UTC")
    trigger = CronTrigger(day_of_week="mon,thu", hour=19, minute=35, timezone="Asia/Beirut")
    job = scheduler.add_job(_fire, trigger, args=["@alex:hs"], id="checkin-x")
    job.next_run_time = trigger.get_next_fire_time(None, datetime.now(UTC))
    assert "19" in str(job) and "mon,thu" in str(job)  # what apscheduler would print
    r = record("apscheduler.executors.default", logging.WARNING, 'Run time of job "%s"', job)
    _ScrubFilter(R).filter(r)
    text = r.getMessage()
    assert "mon,thu" not in text and "19" not in text and "trigger" not in text
    assert text == 'Run time of job "_fire"'


def test_tracebacks_are_scrubbed():
    try:
        raise RuntimeError(f"no room {V12_ROOM} for @alex:hs")
    except RuntimeError:
        r = logging.LogRecord("bot.x", logging.ERROR, "", 0, "failed", None, sys.exc_info())
    _ScrubFilter(R).filter(r)
    assert r.exc_text is not None
    assert V12_ROOM not in r.exc_text and "@alex:hs" not in r.exc_text
    assert R.tag(V12_ROOM) in r.exc_text and "RuntimeError" in r.exc_text


CRASH = """
import asyncio
from bot.logs import Redactor, setup
setup("INFO", Redactor(b"k" * 32))
async def main():
    raise RuntimeError("cannot reach !room:hs for @alex:hs (event {event})")
asyncio.run(main())
"""


def test_a_crash_escaping_asyncio_run_is_scrubbed():
    result = subprocess.run(
        [sys.executable, "-c", CRASH.replace("{event}", V4_EVENT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    assert "RuntimeError" in result.stderr and "stopped by an unexpected error" in result.stderr
    for raw in ("!room:hs", "@alex:hs", V4_EVENT):
        assert raw not in result.stderr
        assert R.tag(raw) in result.stderr
