from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.command import Needs
from bot.logs import Redactor
from bot.ports import Verdict
from bot.router import (
    CommandError,
    CommandSpec,
    CommandSyntaxError,
    Context,
    Role,
    Router,
    parse_command,
)
from bot.text import Piece
from commands import ALL
from tests.support.fakes import FixedTrust, RecordingMessenger, text_event

REDACTOR = Redactor(b"k" * 32)


class StaticRoles:
    def __init__(self, table: dict[str, frozenset[Role]]) -> None:
        self.table = table

    def of(self, user_id: str) -> frozenset[Role]:
        return self.table.get(user_id, frozenset({"member"}))


async def boom(ctx: Context) -> None:
    raise RuntimeError("bug with @alex:hs inside")


async def refuse(ctx: Context) -> None:
    raise CommandError("no_request", id="K7F2")


async def needs_args(ctx: Context) -> None:
    if not ctx.args:
        raise CommandSyntaxError()
    await ctx.answer(Piece("echo: {text}", {"text": ctx.args}))


TEST_SPECS = (
    *ALL,
    CommandSpec("boom", "!boom", boom),
    CommandSpec("refuse", "!refuse", refuse),
    CommandSpec("echo", "!echo TEXT", needs_args, needs=Needs(secure=True)),
    CommandSpec("roster", "!roster", needs_args, allowed=frozenset({"organizer"})),
)


@pytest.fixture
def messenger() -> RecordingMessenger:
    return RecordingMessenger()


@pytest.fixture
def router(messenger: RecordingMessenger) -> Router:
    roles = StaticRoles({"@org:hs": frozenset({"member", "organizer"})})
    return Router(TEST_SPECS, messenger, REDACTOR, FixedTrust(), roles)


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        ("!help", ("help", "")),
        ("  !HeLp  ", ("help", "")),
        ("!accept  K7F2 ", ("accept", "K7F2")),
        ("help", None),
        ("!", None),
        ("hello !help", None),
    ],
)
def test_parse_command(body: str, parsed: tuple[str, str] | None):
    assert parse_command(body) == parsed


async def test_help_lists_only_what_the_sender_may_use(router: Router, messenger):
    await router.handle(text_event("!help"))
    await router.handle(text_event("!help", sender="@org:hs"))
    member_help, organizer_help = messenger.bodies
    assert "!roster" not in member_help and "!roster" in organizer_help
    assert "I need to talk" in member_help and "!talk" in member_help


async def test_alias_reaches_the_same_command(router: Router, messenger):
    await router.handle(text_event("!commands"))
    assert "Commands you can use" in messenger.bodies[0]


async def test_unknown_command_points_to_help_and_escapes(router: Router, messenger):
    await router.handle(text_event("!<i>nope</i>"))
    ((room, message),) = messenger.sent
    assert room == "!dm:hs"
    assert "!help" in message.body and "<i>" in message.body
    assert "<i>" not in message.html and "&lt;i&gt;" in message.html


async def test_a_bug_becomes_a_reference_for_user_and_log(router: Router, messenger, caplog):
    caplog.set_level(logging.ERROR)
    await router.handle(text_event("!boom"))
    body = messenger.bodies[0]
    assert "something went wrong" in body
    ref = body.split("ref: ")[1][:4]
    record = next(r for r in caplog.records if ref in r.getMessage())
    assert record.exc_info is not None
    assert "@alex:hs" not in record.getMessage()


async def test_command_error_text_is_shown(router: Router, messenger):
    await router.handle(text_event("!refuse"))
    assert messenger.bodies == ["There is no request K7F2."]


async def test_syntax_error_shows_usage(router: Router, messenger):
    await router.handle(text_event("!echo"))
    assert messenger.bodies == ["That didn't work: usage is `!echo TEXT`."]


async def test_user_text_is_escaped_in_html(router: Router, messenger):
    await router.handle(text_event("!echo <script>x</script> **b**"))
    message = messenger.sent[0][1]
    assert message.body == "echo: <script>x</script> **b**"
    assert "<script>" not in message.html and "<strong>" not in message.html


async def test_sensitive_command_refused_in_unencrypted_room(router: Router, messenger):
    await router.handle(text_event("!echo hi", encrypted=False, members=5))
    assert "not encrypted" in messenger.bodies[0]


async def test_organizer_command_refused_to_members(router: Router, messenger):
    await router.handle(text_event("!roster"))
    assert messenger.bodies == ["Sorry, `!roster` is only for organizers."]


async def test_plain_text_gets_a_hint_in_an_encrypted_dm_only(router: Router, messenger):
    await router.handle(text_event("hello"))
    await router.handle(text_event("hello", members=7))
    await router.handle(text_event("hello", encrypted=False))
    assert len(messenger.sent) == 1 and "!help" in messenger.bodies[0]


def test_duplicate_command_names_are_rejected(messenger):
    with pytest.raises(ValueError, match="two commands"):
        Router((*ALL, *ALL), messenger, REDACTOR, FixedTrust())


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        (Verdict.TRUSTED, "echo: hi"),
        (Verdict.NOT_CROSS_SIGNED, "not verified"),
        (Verdict.MASTER_KEY_CHANGED, "identity key changed"),
    ],
)
async def test_sensitive_commands_need_a_trusted_device(verdict, expected, messenger):
    trust = FixedTrust(verdict)
    router = Router(TEST_SPECS, messenger, REDACTOR, trust)
    event = dataclasses.replace(text_event("!echo hi"), sender_device="PHONE")
    await router.handle(event)
    assert expected in messenger.bodies[0]
    assert trust.asked == [(event.sender, event.sender_device)]


async def test_ordinary_commands_do_not_ask_about_the_device(messenger):
    trust = FixedTrust(Verdict.NOT_CROSS_SIGNED)
    router = Router(TEST_SPECS, messenger, REDACTOR, trust)
    await router.handle(text_event("!help"))
    assert trust.asked == [] and "Commands you can use" in messenger.bodies[0]


async def test_a_command_from_an_unknown_session_is_explained(messenger):
    router = Router(TEST_SPECS, messenger, REDACTOR, FixedTrust(Verdict.NOT_CROSS_SIGNED))
    await router.handle(text_event("!echo hi"))  # no sender device: unencrypted or unknown
    assert "couldn't tell which of your sessions" in messenger.bodies[0]


async def test_a_homeserver_out_of_reach_is_no_bug_but_tried_again(messenger):
    """bench.chaos: a handler that failed because Synapse was restarting got a bug reference
    (itself lost) and was never tried again; now the dispatcher runs it again."""
    import aiohttp

    from bot.matrix.reach import unreachable

    async def cut_off(ctx: Context) -> None:
        raise aiohttp.ServerDisconnectedError()

    specs = (*ALL, CommandSpec("cut", "!cut", cut_off))
    router = Router(specs, messenger, REDACTOR, FixedTrust(), unreachable=unreachable)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await router.handle(text_event("!cut"))
    assert messenger.sent == []
