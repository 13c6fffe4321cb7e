"""Member safety (issue #13) through the real router, store and line: the promise in the
first answer, the quick exit. Fakes only at the ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalogue import Catalogue
from bot.config import SafetyConfig
from bot.discreet import DiscreetMessenger
from tests.support.care import DM, KIM, ORG, ROBIN, SAM, TEAM, CareWorld
from tests.support.fakes import RecordingMessenger


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


# -- blocks that don't unmask ------------------------------------------------------------
def pages(world: CareWorld) -> list[str]:
    return [b for b in world.to(TEAM) if "New request" in b]


async def test_a_block_during_a_session_ends_it_and_turns_the_member_away(world: CareWorld):
    request = await world.session()
    [answer] = await world.say(SAM, f"!block {request.id} 7d rude and threatening")
    assert f"request {request.id} is blocked until" in answer
    assert "Nobody on the team learns who" in answer
    assert world.request(request.id).state == "done"  # the session ended
    assert "can't pass on requests from this account" in world.last(DM)
    assert "Rainbow" in world.last(DM) or "emergency" in world.last(DM)  # resources, always

    before = len(pages(world))
    [again] = await world.say(ROBIN, "!talk", DM)
    assert "can't pass on requests" in again  # calm, fixed, with the resources
    assert len(pages(world)) == before  # nobody paged
    assert world.store.active_request_of(ROBIN) is None

    [listed] = await world.say(SAM, "!blocks")
    assert request.id in listed and "rude" not in listed  # the reason is for organizers
    [listed] = await world.say(ORG, "!blocks")
    assert request.id in listed and "rude and threatening" in listed
    status = await world.say(ORG, "!status")
    assert "Blocks in force: 1" in status[0]
    for _, message in world.messenger.sent:
        assert ROBIN not in message.body or _ == DM  # the team never reads who


async def test_after_the_session_closed_and_across_a_restart(world: CareWorld):
    request = await world.session()
    await world.say(SAM, f"!done {request.id}")
    assert world.request(request.id).member == ""  # the ID is gone from the closed request
    [answer] = await world.say(SAM, f"!block {request.id}")
    assert "blocked until" in answer  # safety.block_for: 30 days by default
    await world.restart()
    before = len(pages(world))
    [again] = await world.say(ROBIN, "!talk", DM)
    assert "can't pass on requests" in again and len(pages(world)) == before


async def test_only_the_requests_supporter_or_an_organizer_may_block(world: CareWorld):
    request = await world.session()
    [refused] = await world.say(KIM, f"!block {request.id}")
    assert "Only the supporter who has or had request" in refused
    assert world.store.blocks(world.now) == []
    [answer] = await world.say(ORG, f"!block {request.id} 2h")
    assert "blocked until" in answer
    [again] = await world.say(SAM, f"!block {request.id} 1d")
    assert "already blocked" in again


async def test_an_open_request_blocked_by_an_organizer_is_withdrawn(world: CareWorld):
    await world.say(ROBIN, "!talk", DM)
    request = world.request()
    await world.say(ORG, f"!block {request.id}")
    assert world.request(request.id).state == "cancelled"
    assert world.messenger.edits  # the page says so
    assert "can't pass on requests" in world.last(DM)


async def test_a_block_expires_and_unblock_lifts_one(world: CareWorld):
    request = await world.session()
    await world.say(SAM, f"!done {request.id}")
    await world.say(SAM, f"!block {request.id} 1h")
    world.now += 2 * 3600
    [listed] = await world.say(SAM, "!blocks")
    assert "No blocks are in force" in listed
    before = len(pages(world))
    [ack] = await world.say(ROBIN, "!talk", DM)
    assert "contacting a peer supporter" in ack and len(pages(world)) == before + 1
    second = world.store.active_request_of(ROBIN)
    assert second is not None
    await world.say(ORG, f"!block {second.id}")
    [lifted] = await world.say(SAM, f"!unblock {second.id}")
    assert "Only the supporter" in lifted  # Sam never had that one
    [lifted] = await world.say(ORG, f"!unblock {second.id}")
    assert "lifted" in lifted
    [none] = await world.say(ORG, f"!unblock {second.id}")
    assert "There is no block" in none
    [ack] = await world.say(ROBIN, "!talk", DM)
    assert "contacting a peer supporter" in ack


async def test_a_request_past_retention_can_no_longer_be_blocked(world: CareWorld):
    from bot.retention import purge

    request = await world.session()
    await world.say(SAM, f"!done {request.id}")
    await world.say(ORG, f"!block {request.id} 1h")
    world.now += world.config.privacy.retention + 7200
    purge(world.store, world.config, world.now)
    assert world.store.blocks(world.now) == []  # the expired block is gone
    [gone] = await world.say(SAM, f"!block {request.id}")
    assert "no longer kept" in gone


async def test_block_arguments(world: CareWorld):
    [usage] = await world.say(SAM, "!block")
    assert "!block ID [7d] [reason]" in usage
    request = await world.session()
    [long] = await world.say(SAM, f"!block {request.id} 9999d")
    assert "as a duration" in long and world.store.blocks(world.now) == []
    await world.say(SAM, f"!block {request.id} said 7d of things")  # all of it the reason
    [block] = world.store.blocks(world.now)
    assert block.reason == "said 7d of things"
    assert block.until == world.now + world.config.safety.block_for


async def test_repeated_requests_are_told_to_the_organizers_once(world: CareWorld):
    world.config = replace(world.config, safety=SafetyConfig(repeat_limit=2))
    ids = []
    for _ in range(4):
        await world.say(ROBIN, "!talk", DM)
        ids.append(world.store.active_request_of(ROBIN).id)  # type: ignore[union-attr]
        await world.say(ROBIN, "!cancel", DM)
        world.now += 60
    told = [b for b in world.to(TEAM) if "requests in the last 7 days" in b]
    assert len(told) == 1 and "3 requests" in told[0]
    assert all(i in told[0] for i in ids[:3]) and ROBIN not in told[0]
    world.now += 8 * 86400  # a week later it starts over
    from bot.retention import purge

    purge(world.store, world.config, world.now)
    await world.say(ROBIN, "!talk", DM)
    assert len([b for b in world.to(TEAM) if "requests in the last 7 days" in b]) == 1


# -- discretion ----------------------------------------------------------------------------
async def test_discreet_messages_to_members_start_with_a_neutral_line():
    inner = RecordingMessenger()
    texts = Catalogue()
    on = [True]
    messenger = DiscreetMessenger(inner, texts, lambda: on[0], lambda room: room == TEAM)
    english = texts.render("en", "talk_still_open")
    arabic = texts.render("ar", "talk_still_open")
    await messenger.send(DM, english)
    await messenger.send(DM, arabic)
    await messenger.edit(DM, "$1", english)
    await messenger.send(TEAM, english)  # the team's room is the team's
    on[0] = False  # a config reload turned it off
    await messenger.send(DM, english)

    (_, en), (_, ar), (_, team), (_, off) = inner.sent
    assert en.body == "New message\n\n" + english.body
    assert en.html.startswith("New message<br><br>") and en.html.endswith(english.html)
    assert ar.body.splitlines()[0].endswith("رسالة جديدة") and ar.body.endswith(arabic.body)
    assert ar.html.startswith('<div dir="rtl">') and ar.html.count('<div dir="rtl">') == 1
    assert "رسالة جديدة<br><br>" in ar.html
    assert inner.edits[0][2].body.startswith("New message\n")
    assert team == english and off == english
