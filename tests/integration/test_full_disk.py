"""A full disk under `store.path` (issue #11, part 3), on the real Synapse and the real store.

No root here for a small file system; instead the running bot's file size limit is lowered
to one byte from outside (`prlimit`, RLIMIT_FSIZE): every write to the store then fails with
EFBIG, which SQLite reports as an I/O error, as it reports ENOSPC as "disk is full" (both are
the store's StoreWriteError; Python ignores SIGXFSZ, so the process lives on). Its log goes
to a pipe, which no such limit touches."""

from __future__ import annotations

import resource

import pytest

from tests.support.harness import BotSetup, Members, bot_messages
from tests.support.line import Line

pytestmark = pytest.mark.integration


async def test_a_full_disk_stops_new_work_tells_the_organizers_and_loses_nothing(
    line: Line, bot_setup: BotSetup, members: Members
):
    bea = await members.new("bea")
    alex_dm = await line.alex.create_dm(line.bot_id)
    bea_dm = await bea.create_dm(line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(alex_dm, "!talk", line.bot_id)
    first = line.page_id(await line.page(line.sam, start))

    assert line.bot.proc is not None
    pid, start_org, start_bea = line.bot.proc.pid, line.org.mark(), bea.mark()
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))  # full
    await bea.send(bea_dm, "!talk")
    down = await line.bot.wait_for_line("store: cannot write the store")
    assert "is the disk full" in down
    await line.team_message(line.org, start_org, "I cannot write my store")
    assert bot_messages(bea, bea_dm, line.bot_id, start_bea) == []  # no new work taken

    start_team = line.sam.mark()
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)  # room again
    # bea's request waited, and its room key with it: it is read, not "couldn't read"
    ack = await bea.reply_from(line.bot_id, bea_dm, start_bea)
    assert "are you somewhere safe" in ack.body, ack.body
    second = line.page_id(await line.page(line.sam, start_team))
    await line.bot.wait_for_line("store: working again")
    health = [x for x in line.bot.lines if "warmline.health" in x]
    assert len(health) == 2, health  # one line each way, not one per try

    await line.bot.stop()
    await line.restart(bot_setup)  # what was committed, crypto state included, is kept
    queue = await line.command(line.sam, "!queue", "Open requests")
    assert first in queue.body and second in queue.body
    again = await bea.ask(bea_dm, "!talk", line.bot_id)
    assert "still open" in again.body
