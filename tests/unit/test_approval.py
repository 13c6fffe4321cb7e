"""When the homeserver wants interactive approval (user-interactive auth) to publish the bot's
cross-signing keys: the password flow is answered with WARMLINE_PASSWORD; anything warmline
cannot do says exactly what to do, and `warmline run` exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dev.botprocess import BotProcess, new_store_key, write_config
from bot.errors import ActionNeeded
from bot.matrix.crosssign import _password_approval
from tests.support.fake_homeserver import USER_ID, FakeHomeserver

MAS_URL = "https://account.example.org/account/?action=org.matrix.cross_signing_reset"
# what Synapse answers when it delegates auth to Matrix Authentication Service
MAS_CHALLENGE = {
    "session": "dummy",
    "flows": [{"stages": ["m.oauth"]}, {"stages": ["org.matrix.cross_signing_reset"]}],
    "params": {"m.oauth": {"url": MAS_URL}, "org.matrix.cross_signing_reset": {"url": MAS_URL}},
    "msg": f"To reset your end-to-end encryption cross-signing identity, you first need to "
    f"approve it at {MAS_URL} and then try again.",
}
PASSWORD_CHALLENGE = {"session": "s1", "flows": [{"stages": ["m.login.password"]}], "params": {}}


def test_the_password_flow_is_answered_with_the_password():
    auth = _password_approval(USER_ID, PASSWORD_CHALLENGE, "hunter2")
    assert auth["type"] == "m.login.password" and auth["session"] == "s1"
    assert auth["identifier"] == {"type": "m.id.user", "user": USER_ID}


@pytest.mark.parametrize(
    ("challenge", "expected"),
    [
        (PASSWORD_CHALLENGE, "set WARMLINE_PASSWORD for this one run"),
        (
            MAS_CHALLENGE,
            f"approve, in a browser, replacing the bot's cross-signing keys: open {MAS_URL}",
        ),
        (
            {"session": "s", "flows": [{"stages": ["m.login.sso"]}]},
            "it offers: m.login.sso). Give the bot's account a password",
        ),
    ],
)
def test_an_approval_warmline_cannot_give_says_what_to_do(challenge, expected):
    with pytest.raises(ActionNeeded) as info:
        _password_approval(USER_ID, challenge, None)
    assert expected in str(info.value)


async def test_run_exits_2_with_the_instructions(tmp_path: Path):
    server = FakeHomeserver()
    server.signing_challenge = MAS_CHALLENGE
    await server.start()
    config = write_config(tmp_path / "bot", server.url, USER_ID)
    bot = BotProcess(config, "a password", new_store_key(), tmp_path / "bot.log")
    try:
        await bot.start(wait_ready=False)
        assert await bot.wait_exit(timeout=30) == 2
    finally:
        await bot.stop()
        await server.stop()
    assert "warmline: the homeserver (Matrix Authentication Service) wants" in bot.lines[-1]
    assert MAS_URL in bot.lines[-1]
