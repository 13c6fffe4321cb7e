"""The anonymous relay through the router and the support line, with a recording messenger
and relay sender: who hears what and when, what is kept, and what stays the router's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import HandoffConfig
from bot.ports import Verdict
from bot.relay_map import Edited, Reacted, Said
from tests.support.care import DM, ROBIN, SAM, TEAM, CareWorld

RELAY_ROOM = "!relay1:hs"


@pytest.fixture
def world(tmp_path: Path):
    w = CareWorld(tmp_path)
    w.config = replace(w.config, handoff=HandoffConfig(mode="relay"))
    yield w
    w.close()


def relayed(world: CareWorld) -> list[tuple[str, object, str | None]]:
    return [(room, what, label) for room, what, label, _ in world.relay_out.sent]


async def test_accept_opens_a_relay_room_and_tells_both_sides_first(world: CareWorld):
    await world.session()
    request = world.request()
    assert request.handoff_room == RELAY_ROOM and world.rooms.handoffs == []
    assert world.relay_out.rooms == ["warmline · member K7F2"]
    told = world.last(DM)
    assert "Sam (they/them) is here for you, right in this chat" in told
    assert "never sees your account" in told and "`!end`" in told
    assert "You are talking with member K7F2" in world.last(RELAY_ROOM)
    assert "Sam, you have request K7F2, relayed" in world.last(TEAM)
    assert RELAY_ROOM not in world.rooms.left  # the bot stays: it passes the messages


async def test_messages_pass_both_ways_and_only_ids_are_kept(world: CareWorld):
    await world.session()
    await world.say(ROBIN, "hello", room=DM, event_id="$m1")
    await world.say(SAM, f"hi, I'm here ({SAM})", room=RELAY_ROOM, event_id="$s1")
    await world.say(ROBIN, f"thanks {ROBIN}", room=DM, event_id="$m2", reply_to="$copy1")
    await world.say(ROBIN, "hello again", room=DM, kind="edit", relates_to="$m1")
    await world.say(SAM, "🫂", room=RELAY_ROOM, kind="reaction", relates_to="$copy0")
    assert relayed(world) == [
        (RELAY_ROOM, Said("text", "hello", None), None),
        (DM, Said("text", "hi, I'm here (Sam (they/them))", None), "Sam (they/them)"),
        (RELAY_ROOM, Said("text", "thanks member K7F2", "$s1"), None),
        (RELAY_ROOM, Edited("$copy0", "text", "hello again"), None),
        (DM, Reacted("$m1", "🫂"), None),
    ]
    assert world.store.relay_pair_count("K7F2") == 4  # 3 messages and a reaction
    # a redaction takes the copy and its pair away
    await world.say(ROBIN, "", room=DM, kind="redaction", relates_to="$m2")
    assert world.relay_out.sent[-1][:2] == (RELAY_ROOM, ("redact", "$copy2"))
    assert world.store.relay_pair_count("K7F2") == 3


async def test_a_replayed_event_after_a_crash_is_one_copy(world: CareWorld):
    await world.session()
    await world.say(ROBIN, "while you were away", room=DM, event_id="$m1")
    await world.restart()
    await world.say(ROBIN, "while you were away", room=DM, event_id="$m1")
    txns = {txn for _, _, _, txn in world.relay_out.sent}
    assert len(world.relay_out.sent) == 2 and len(txns) == 1  # the homeserver dedupes it
    assert world.store.relay_pair_count("K7F2") == 1


async def test_commands_and_consent_answers_stay_the_routers(world: CareWorld):
    await world.session()
    answer = await world.say(ROBIN, "!help", room=DM)
    assert answer and world.relay_out.sent == []
    await world.say(SAM, "!handover K7F2 Noor")  # in the team room: the member is asked
    await world.say(ROBIN, "yes", room=DM)
    assert world.relay_out.sent == []


async def test_untrusted_and_unrelayable_get_a_note_not_silence(world: CareWorld):
    await world.session()
    world.trust.verdict_value = Verdict.NOT_CROSS_SIGNED
    told = await world.say(ROBIN, "from a new phone", room=DM)
    assert any("isn't verified" in t for t in told) and world.relay_out.sent == []
    world.trust.verdict_value = Verdict.TRUSTED
    told = await world.say(ROBIN, "hi", room=DM, encrypted=False)
    assert any("isn't verified" in t for t in told) and world.relay_out.sent == []
    told = await world.say(SAM, "", room=RELAY_ROOM, kind="other")
    assert any("was not passed on" in t for t in told)
    told = await world.say(SAM, "fixed", room=RELAY_ROOM, kind="edit", relates_to="$before")
    assert any("couldn't pass that edit on" in t for t in told)


async def test_done_in_the_relay_room_ends_it_for_both_and_forgets_the_ids(world: CareWorld):
    await world.session()
    await world.say(ROBIN, "hello", room=DM, event_id="$m1")
    await world.say(SAM, "!done", room=RELAY_ROOM)
    assert world.request().state == "done"
    assert "Your conversation with Sam (they/them) has ended" in world.last(DM)
    assert "The session with member K7F2 has ended" in world.last(RELAY_ROOM)
    assert RELAY_ROOM in world.rooms.left
    assert world.store.relay_session("K7F2") is None
    assert world.store.relay_pair_count("K7F2") == 0
    sent = len(world.relay_out.sent)
    await world.say(ROBIN, "are you there?", room=DM)
    assert len(world.relay_out.sent) == sent  # nothing passed on after the end


async def test_end_by_the_member_and_the_timeout_both_tell_both(world: CareWorld):
    await world.session()
    await world.say(ROBIN, "!end", room=DM)
    assert "has ended" in world.last(DM) and "has ended" in world.last(RELAY_ROOM)
    assert "no conversation with a supporter" in (await world.say(ROBIN, "!end", room=DM))[0]

    await world.line.talk(ROBIN, DM, "en")
    request = world.store.active_request_of(ROBIN)
    assert request is not None
    await world.say(SAM, f"!accept {request.id}")
    world.now += world.config.handoff.session_timeout + 1
    await world.line.process_due()
    assert world.store.request(request.id).state == "expired"  # type: ignore[union-attr]
    assert "has ended" in world.last(DM) and "has ended" in world.last("!relay2:hs")


async def test_ask_mode_offers_the_relay_and_silence_means_the_default(tmp_path: Path):
    world = CareWorld(tmp_path)
    world.config = replace(world.config, handoff=HandoffConfig(mode="ask"))
    try:
        await world.line.talk(ROBIN, DM, "en")
        assert "Reply `private` to stay anonymous" in world.last(DM)
        await world.say(SAM, "!accept K7F2")
        assert world.rooms.handoffs == [(ROBIN, SAM, ())]  # no answer: a room, as by default
        await world.say(ROBIN, "!end", room=DM)

        await world.line.talk(ROBIN, DM, "ar")
        request = world.store.active_request_of(ROBIN)
        assert request is not None
        assert "private" in world.last(DM)
        told = await world.say(ROBIN, "Private", room=DM)
        assert any("لن يرى المتطوع حسابك" in t for t in told)
        await world.say(SAM, f"!accept {request.id}")
        assert world.relay_out.rooms and world.rooms.handoffs == [(ROBIN, SAM, ())]
        assert "لا يرى" in world.last(DM)  # told in their language
    finally:
        world.close()


async def test_attachments_pass_and_too_big_or_broken_ones_get_a_note(world: CareWorld):
    await world.session()
    await world.say(ROBIN, '{"msgtype": "m.image"}', room=DM, kind="media", event_id="$img")
    assert relayed(world) == [(RELAY_ROOM, Said("media", '{"msgtype": "m.image"}', None), None)]
    await world.say(SAM, "👍", room=RELAY_ROOM, kind="reaction", relates_to="$copy0")
    assert relayed(world)[-1] == (DM, Reacted("$img", "👍"), None)
    told = await world.say(ROBIN, '{"huge": 1}', room=DM, kind="media")
    assert told == [
        "That attachment is bigger than 10 MB, so I didn't pass it on. A smaller "
        "one, or words, will get through."
    ]
    told = await world.say(SAM, '{"broken": 1}', room=RELAY_ROOM, kind="media")
    assert any("couldn't pass that attachment on" in t for t in told)


async def test_discreet_relay_rooms_have_a_neutral_name_and_no_topic(tmp_path: Path):
    world = CareWorld(tmp_path)
    world.config = replace(world.config, handoff=HandoffConfig(mode="relay"), discreet=True)
    try:
        await world.session()
        assert world.relay_out.rooms == ["Chat"]
        assert world.relay_out.topics == [""]
    finally:
        world.close()
