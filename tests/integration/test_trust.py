"""E2EE trust on the real Synapse: the bot's cross-signing as others see it, and room keys
only for the devices their owners cross-signed."""

from __future__ import annotations

import pytest
import yaml
from nio import MegolmEvent, RoomMessage, UnknownToDeviceEvent

from bot.dev.botprocess import BotProcess
from bot.dev.member import Member
from bot.matrix.crosssign import query_keys
from bot.matrix.trust import UserKeys, is_cross_signed, self_signing_key_of, signed_by
from tests.support.harness import BotSetup, Members, bot_messages

pytestmark = pytest.mark.integration


async def test_bot_is_cross_signed_as_others_see_it_and_keeps_its_identity(
    bot_setup: BotSetup, members: Members
):
    bot_id = bot_setup.user_id
    alex = await members.new("alex")
    proc = bot_setup.process()
    await proc.start()
    seen = UserKeys.from_query(await query_keys(alex.client, [bot_id]), bot_id)
    assert seen.master_pub is not None
    ssk = self_signing_key_of(bot_id, seen.master, seen.self_signing)
    assert ssk is not None, "self-signing key must be signed by the master key"
    ((device_id, device),) = seen.devices.items()
    assert signed_by(device, bot_id, *ssk), "the bot's device must be signed by its SSK"
    assert is_cross_signed(bot_id, device_id, device, seen.master, seen.self_signing)
    await proc.stop()

    proc = bot_setup.process()
    await proc.start()
    again = UserKeys.from_query(await query_keys(alex.client, [bot_id]), bot_id)
    assert again.master_pub == seen.master_pub
    assert list(again.devices) == [device_id]
    await proc.stop()


async def test_reply_reaches_the_cross_signed_device_only(
    bot: BotProcess, bot_setup: BotSetup, members: Members, tmp_path
):
    bot_id = bot_setup.user_id
    alex = await members.new("alex")
    # the same account on a second device that nobody cross-signed (e.g. one a homeserver
    # injected): it must not be able to read the conversation
    intruder = Member(
        alex.client.homeserver, alex.user_id, alex.password, tmp_path / "second", cross_sign=False
    )
    await intruder.start()
    members.all.append(intruder)
    room = await alex.create_dm(bot_id)
    start = intruder.mark()
    reply = await alex.ask(room, "!help", bot_id)
    assert reply.decrypted and "Commands you can use" in reply.body

    seen = await intruder.wait_for(
        lambda r, e: r == room and getattr(e, "event_id", None) == reply.event_id, start=start
    )
    assert isinstance(seen, MegolmEvent) and not isinstance(seen, RoomMessage)
    withheld = await intruder.wait_for(
        lambda r, e: (
            isinstance(e, UnknownToDeviceEvent)
            and e.type == "m.room_key.withheld"
            and e.sender == bot_id
        ),
        start=start,
    )
    content = withheld.source["content"]
    assert content["code"] == "m.unverified"
    assert content["room_id"] == room and content["session_id"] == seen.session_id


async def test_an_unreadable_message_gets_exactly_one_notice_after_the_grace(
    bot_setup: BotSetup, members: Members
):
    bot_id = bot_setup.user_id
    config = yaml.safe_load(bot_setup.config.read_text())
    config["encryption"] = {"undecryptable_grace": "1s"}
    bot_setup.config.write_text(yaml.safe_dump(config))
    proc = bot_setup.process()
    await proc.start()
    alex = await members.new("alex")
    room = await alex.create_dm(bot_id)
    await alex.ask(room, "!help", bot_id)

    # alex's client keeps the next Megolm session from the bot's device (as a client that
    # distrusts it would), so the bot receives two messages it cannot read
    client = alex.client
    client.invalidate_outbound_session(room)
    bot_devices = list(client.device_store.active_user_devices(bot_id))
    for device in bot_devices:
        client.unverify_device(device)
        client.blacklist_device(device)
    start = alex.mark()
    for text in ("!help one", "!help two"):
        await client.room_send(
            room,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
    notice = await alex.reply_from(bot_id, room, start)
    assert "couldn't read a message" in notice.body

    # trust restored, new session: the bot reads again, and said nothing more meanwhile
    client.invalidate_outbound_session(room)
    for device in bot_devices:
        client.unblacklist_device(device)
    probe = await alex.ask(room, "!help", bot_id)
    assert "Commands you can use" in probe.body
    assert [m for m in bot_messages(alex, room, bot_id, start)] == [notice.body, probe.body]
    await proc.stop()
