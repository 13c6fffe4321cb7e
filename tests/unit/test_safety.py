"""Member safety (issue #13) through the real router, store and line: the promise in the
first answer, the quick exit. Fakes only at the ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.care import DM, ROBIN, TEAM, CareWorld


@pytest.fixture
def world(tmp_path: Path) -> Iterator[CareWorld]:
    w = CareWorld(tmp_path)
    yield w
    w.close()


async def test_the_first_answer_states_the_promise_in_the_members_language(world: CareWorld):
    [ack] = await world.say(ROBIN, "!talk", DM)
    assert "nobody outside the team is contacted unless you ask" in ack
    for command in ("`!cancel`", "`!exit`", "`!forget`"):
        assert command in ack
    [again] = await world.say(ROBIN, "!talk", DM)
    assert "nobody outside the team" not in again  # only the first answer carries it
    await world.say(ROBIN, "!cancel", DM)
    await world.say(ROBIN, "!lang ar", DM)
    [arabic] = await world.say(ROBIN, "!talk", DM)
    assert "لا نتواصل مع أي أحد خارج الفريق إلا إذا طلبت ذلك" in arabic


async def test_the_promise_is_in_the_answer_when_nobody_is_on_call_too(world: CareWorld):
    world.config = world.config.__class__(
        world.config.matrix, world.config.store, roster=world.config.roster.__class__()
    )
    world.build()
    [ack] = await world.say(ROBIN, "!talk", DM)
    assert "no peer supporter is on call" in ack and "`!exit`" in ack


async def test_exit_withdraws_forgets_erases_and_leaves_in_one_go(world: CareWorld):
    await world.say(ROBIN, "!lang en", DM)
    await world.say(ROBIN, "!talk", DM)
    request = world.request()
    assert world.store.member_language(ROBIN) == "en"
    sent_before = len(world.messenger.sent)

    said = await world.say(ROBIN, "!exit", DM)

    assert world.store.request(request.id).state == "cancelled"  # type: ignore[union-attr]
    assert world.store.active_request_of(ROBIN) is None
    assert world.store.member_language(ROBIN) is None  # forgotten, as !forget
    assert any("withdrawn by the member" in m.body for _, _, m in world.messenger.edits)
    assert world.eraser.erased == [(DM, sent_before)]  # everything sent before the exit
    assert said == [world.last(DM)] and "delete it" in said[0]  # its last words, once
    for word in ("support", "peer", "request", "warmline"):
        assert word not in said[0].lower()  # neutral
    assert world.rooms.left == [DM]
    assert not [b for b in world.to(TEAM) if ROBIN in b]


async def test_exit_in_arabic_and_with_nothing_kept(world: CareWorld):
    said = await world.say(ROBIN, "!خروج", DM)
    assert len(said) == 1 and "غادر الغرفة" in said[0]
    assert world.rooms.left == [DM] and world.eraser.erased


async def test_exit_during_a_session_ends_it(world: CareWorld):
    request = await world.session()
    await world.say(ROBIN, "!exit", DM)
    assert world.store.request(request.id).state == "done"  # type: ignore[union-attr]
    assert DM in world.rooms.left
